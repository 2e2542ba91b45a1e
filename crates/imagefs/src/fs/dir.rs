// SPDX-License-Identifier: GPL-3.0-or-later
//! A filesystem over a directory of the host: an extracted or mounted guest filesystem
//! (`Windows/System32/config/…` or `etc/…` at its root). Native only.
//!
//! - Lookups try the exact name first and then fold ASCII case, so a Windows tree extracted
//!   onto a case-sensitive host is read as Windows reads it.
//! - Only regular files and directories are read: FIFOs, devices and sockets are refused
//!   before anything opens them (opening a FIFO blocks).
//! - A symbolic link is followed only when its target, resolved, stays inside the tree; it
//!   never leads out of it. [`FileSystem::read_link`] gives the link text as stored.
//! - Reads go through the machine's [`BlockCache`], so they are counted like image reads.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{components, DirEntry, FileSystem, FsKind, Metadata};
use crate::{read_vec, BlockCache, Error, FileSource, ReadStats, Result, Source, DEFAULT_CACHE_BLOCKS};

/// Directory entries listed at most per directory: more is not a configuration tree.
pub const MAX_DIR_ENTRIES: usize = 100_000;

/// A read-only view of a host directory as a guest filesystem.
#[derive(Debug)]
pub struct DirFs {
    /// The tree's root, resolved (no symlinks): what every path must stay under.
    root: PathBuf,
    name: String,
    stats: Rc<ReadStats>,
    /// Device of the root: inode numbers are file numbers only on it (another filesystem
    /// mounted inside the tree numbers its inodes independently).
    device: u64,
}

impl DirFs {
    /// The tree at `root`; reads are counted in `stats`.
    ///
    /// # Errors
    /// [`Error::Io`] when `root` cannot be resolved or is not a directory.
    pub fn open(root: &Path, stats: Rc<ReadStats>) -> Result<Self> {
        let name = root.display().to_string();
        let io = |message: String| Error::Io { file: name.clone(), offset: 0, len: 0, message };
        let resolved = root.canonicalize().map_err(|e| io(e.to_string()))?;
        let meta = resolved.metadata().map_err(|e| io(e.to_string()))?;
        if !meta.is_dir() {
            return Err(io("not a directory".into()));
        }
        let device = meta.dev();
        Ok(Self { root: resolved, name, stats, device })
    }

    fn error(&self, path: &str, e: &std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { volume: self.name.clone(), path: path.to_owned() }
        } else {
            Error::Filesystem { volume: self.name.clone(), path: path.to_owned(), message: e.to_string() }
        }
    }

    fn refuse(&self, path: &str, message: &str) -> Error {
        Error::Filesystem { volume: self.name.clone(), path: path.to_owned(), message: message.to_owned() }
    }

    /// The host path of guest `path`, each component matched exactly or else by folded
    /// case, with any symlink on the way resolved and checked to stay inside the tree.
    fn resolve(&self, path: &str) -> Result<PathBuf> {
        let mut at = self.root.clone();
        for part in components(path) {
            if part == ".." {
                return Err(self.refuse(path, "`..` is not followed"));
            }
            let exact = at.join(part);
            let next = if exact.symlink_metadata().is_ok() {
                exact
            } else {
                let entries = std::fs::read_dir(&at).map_err(|e| self.error(path, &e))?;
                let folded = entries
                    .take(MAX_DIR_ENTRIES)
                    .filter_map(std::result::Result::ok)
                    .find(|e| e.file_name().to_str().is_some_and(|n| n.eq_ignore_ascii_case(part)));
                match folded {
                    Some(entry) => entry.path(),
                    None => return Err(Error::NotFound { volume: self.name.clone(), path: path.to_owned() }),
                }
            };
            at = if next.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
                let target = next.canonicalize().map_err(|e| self.error(path, &e))?;
                if !target.starts_with(&self.root) {
                    return Err(self.refuse(path, "a symbolic link leads out of the directory tree; not followed"));
                }
                target
            } else {
                next
            };
        }
        Ok(at)
    }

    /// The resolved host path of a regular file, refusing anything else before opening it.
    fn regular_file(&self, path: &str) -> Result<(PathBuf, u64)> {
        let host = self.resolve(path)?;
        let meta = host.metadata().map_err(|e| self.error(path, &e))?;
        if meta.is_dir() {
            return Err(self.refuse(path, "is a directory"));
        }
        if !meta.is_file() {
            return Err(self.refuse(path, "not a regular file (FIFO, device or socket); not read"));
        }
        Ok((host, meta.len()))
    }
}

impl FileSystem for DirFs {
    fn kind(&self) -> FsKind {
        FsKind::Tree
    }

    fn label(&self) -> Option<String> {
        None
    }

    fn volume(&self) -> &str {
        &self.name
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let host = self.resolve(path)?;
        let entries = std::fs::read_dir(&host).map_err(|e| self.error(path, &e))?;
        let mut out = Vec::new();
        for entry in entries.take(MAX_DIR_ENTRIES) {
            let entry = entry.map_err(|e| self.error(path, &e))?;
            let Ok(name) = entry.file_name().into_string() else { continue };
            let kind = entry.file_type().map_err(|e| self.error(path, &e))?;
            // A link is listed as what it points to inside the tree; a dangling or escaping
            // one as an empty file (reading it fails with the reason).
            let meta = if kind.is_symlink() {
                self.resolve(&format!("{path}/{name}")).ok().and_then(|p| p.metadata().ok())
            } else {
                entry.metadata().ok()
            };
            let is_dir = meta.as_ref().is_some_and(std::fs::Metadata::is_dir);
            let size = meta.as_ref().filter(|m| m.is_file()).map_or(0, std::fs::Metadata::len);
            // The inode of what a link points to (a link back to an ancestor has its number),
            // on the root's filesystem only.
            let id = meta.as_ref().filter(|m| m.dev() == self.device).map(MetadataExt::ino);
            out.push(DirEntry { name, is_dir, size, id });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn metadata(&self, path: &str) -> Result<Metadata> {
        let host = self.resolve(path)?;
        let meta = host.metadata().map_err(|e| self.error(path, &e))?;
        Ok(Metadata { is_dir: meta.is_dir(), size: if meta.is_file() { meta.len() } else { 0 } })
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let (host, size) = self.regular_file(path)?;
        let file: Source = Rc::new(FileSource::open(&host)?);
        let cached = BlockCache::new(file, Rc::clone(&self.stats), DEFAULT_CACHE_BLOCKS);
        let offset = offset.min(size);
        read_vec(&cached, offset, len.min(size - offset))
    }

    fn read_link(&self, path: &str) -> Result<Option<String>> {
        let parent = match path.trim_end_matches('/').rsplit_once('/') {
            Some((dir, _)) => self.resolve(dir)?,
            None => self.root.clone(),
        };
        let name = components(path).last().unwrap_or("");
        let host = parent.join(name);
        match host.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&host).map_err(|e| self.error(path, &e))?;
                Ok(Some(target.to_string_lossy().into_owned()))
            }
            Ok(_) => Ok(None),
            Err(_) => self.metadata(path).map(|_| None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_folding_symlinks_and_special_files() {
        let base = std::env::temp_dir().join(format!("imagefs-dirfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let tree = base.join("tree");
        std::fs::create_dir_all(tree.join("windows/system32/config")).unwrap();
        std::fs::write(tree.join("windows/system32/config/system"), b"regf").unwrap();
        std::fs::write(base.join("outside"), b"secret").unwrap();
        std::os::unix::fs::symlink("../outside", tree.join("escape")).unwrap();
        std::os::unix::fs::symlink("windows/system32", tree.join("inside")).unwrap();
        let fifo = tree.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());

        let fs = DirFs::open(&tree, Rc::new(ReadStats::default())).unwrap();
        assert_eq!(fs.read_file("/Windows/System32/config/SYSTEM", 16).unwrap(), b"regf");
        assert_eq!(fs.read_file("/inside/config/system", 16).unwrap(), b"regf");
        let err = fs.read_file("/escape", 16).unwrap_err().to_string();
        assert!(err.contains("leads out of the directory tree"), "{err}");
        assert_eq!(fs.read_link("/escape").unwrap().as_deref(), Some("../outside"));
        assert!(fs.read_file("/../outside", 16).is_err());
        if made {
            let err = fs.read_file("/fifo", 16).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
        assert!(matches!(fs.metadata("/nope"), Err(Error::NotFound { .. })));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
