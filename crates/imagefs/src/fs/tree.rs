// SPDX-License-Identifier: GPL-3.0-or-later
//! A filesystem over a list of files named by path: the files of a dropped folder (each a
//! [`Source`] over a browser `File`), or loose hive files placed where Windows keeps them.
//!
//! Lookups fold ASCII case, as on the FAT and NTFS volumes such trees come from; of two
//! paths that differ only in case, the first one given is kept. Directories are implied
//! by the files' paths: an empty folder of the original tree is not there.

use std::collections::BTreeMap;

use super::{components, DirEntry, FileSystem, FsKind, Metadata};
use crate::{read_vec, Error, Result, Source};

/// Folder nesting kept at most: deeper paths are dropped (a hostile list of paths must not
/// make the index deep).
pub const MAX_TREE_DEPTH: usize = 64;

/// A read-only filesystem over named sources.
pub struct TreeFs {
    name: String,
    /// Lower-cased path → the file.
    files: BTreeMap<String, Source>,
    /// Lower-cased directory path (`""` is the root) → its entries.
    dirs: BTreeMap<String, Vec<DirEntry>>,
}

impl TreeFs {
    /// A tree named `name` (for messages) holding each `(path, source)`; paths are
    /// `/`- or `\`-separated, relative to the tree's root. Paths deeper than
    /// [`MAX_TREE_DEPTH`], or naming a file where a directory is (or the reverse), are skipped.
    pub fn new(name: impl Into<String>, files: Vec<(String, Source)>) -> Self {
        let mut tree = Self { name: name.into(), files: BTreeMap::new(), dirs: BTreeMap::new() };
        tree.dirs.insert(String::new(), Vec::new());
        for (path, source) in files {
            let parts: Vec<&str> = components(&path).filter(|c| *c != "..").collect();
            let Some((file, parents)) = parts.split_last() else { continue };
            if parts.len() > MAX_TREE_DEPTH {
                continue;
            }
            let key = parts.join("/").to_lowercase();
            if tree.files.contains_key(&key) || tree.dirs.contains_key(&key) {
                continue;
            }
            let mut dir = String::new();
            let mut clash = false;
            for parent in parents {
                let child =
                    if dir.is_empty() { parent.to_lowercase() } else { format!("{dir}/{}", parent.to_lowercase()) };
                if tree.files.contains_key(&child) {
                    clash = true;
                    break;
                }
                if !tree.dirs.contains_key(&child) {
                    tree.dirs.insert(child.clone(), Vec::new());
                    let entry = DirEntry { name: (*parent).to_owned(), is_dir: true, size: 0, id: None };
                    tree.dirs.entry(dir.clone()).or_default().push(entry);
                }
                dir = child;
            }
            if clash {
                continue;
            }
            let entry = DirEntry { name: (*file).to_owned(), is_dir: false, size: source.size(), id: None };
            tree.dirs.entry(dir).or_default().push(entry);
            tree.files.insert(key, source);
        }
        tree
    }

    /// Adds the directory `path` (and its parents) if missing.
    pub fn add_dir(&mut self, path: &str) {
        let mut dir = String::new();
        for part in components(path).filter(|c| *c != "..").take(MAX_TREE_DEPTH) {
            let child = if dir.is_empty() { part.to_lowercase() } else { format!("{dir}/{}", part.to_lowercase()) };
            if self.files.contains_key(&child) {
                return;
            }
            if !self.dirs.contains_key(&child) {
                self.dirs.insert(child.clone(), Vec::new());
                self.dirs.entry(dir.clone()).or_default().push(DirEntry {
                    name: part.to_owned(),
                    is_dir: true,
                    size: 0,
                    id: None,
                });
            }
            dir = child;
        }
    }

    fn key(path: &str) -> String {
        components(path).collect::<Vec<_>>().join("/").to_lowercase()
    }

    fn not_found(&self, path: &str) -> Error {
        Error::NotFound { volume: self.name.clone(), path: path.to_owned() }
    }
}

impl std::fmt::Debug for TreeFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeFs").field("name", &self.name).field("files", &self.files.len()).finish()
    }
}

impl FileSystem for TreeFs {
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
        self.dirs.get(&Self::key(path)).cloned().ok_or_else(|| self.not_found(path))
    }

    fn metadata(&self, path: &str) -> Result<Metadata> {
        let key = Self::key(path);
        if let Some(file) = self.files.get(&key) {
            return Ok(Metadata { is_dir: false, size: file.size() });
        }
        if self.dirs.contains_key(&key) {
            return Ok(Metadata { is_dir: true, size: 0 });
        }
        Err(self.not_found(path))
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let file = self.files.get(&Self::key(path)).ok_or_else(|| self.not_found(path))?;
        let offset = offset.min(file.size());
        read_vec(&**file, offset, len.min(file.size() - offset))
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::MemorySource;

    fn file(name: &str, text: &str) -> (String, Source) {
        (name.to_owned(), Rc::new(MemorySource::new(name, text.as_bytes().to_vec())) as Source)
    }

    #[test]
    fn case_folded_lookups_implied_directories_and_clashes() {
        let fs = TreeFs::new(
            "drop",
            vec![
                file("Windows/System32/config/SYSTEM", "regf"),
                file("windows/win.ini", "[x]"),
                file("windows", "clash"),
            ],
        );
        assert_eq!(fs.read_file("/windows/system32/CONFIG/system", 16).unwrap(), b"regf");
        assert!(fs.metadata("/Windows/System32").unwrap().is_dir);
        let names: Vec<String> = fs.read_dir("/WINDOWS").unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["System32", "win.ini"]);
        assert!(matches!(fs.metadata("/nope"), Err(Error::NotFound { .. })));
        assert_eq!(fs.read_range("/windows/win.ini", 1, 99).unwrap(), b"x]");
    }
}
