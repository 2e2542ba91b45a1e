// SPDX-License-Identifier: GPL-3.0-or-later
//! FAT12/16/32 through the `fatfs` crate.

use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

use super::{components, DirEntry, FileSystem, FsKind, Metadata};
use crate::{source::Cursor, Error, ReadAt, Result, Source};

/// Directory entries listed at most per directory; a corrupt cluster chain that loops
/// would otherwise list forever.
const MAX_DIR_ENTRIES: usize = 65_536;

/// True when a boot sector carries a plausible FAT BIOS parameter block.
pub(super) fn looks_like_fat(head: &[u8]) -> bool {
    let bytes_per_sector = u16::from_le_bytes([head[11], head[12]]);
    let sectors_per_cluster = head[13];
    let jump = head[0] == 0xeb || head[0] == 0xe9;
    let fats = head[16];
    head[510..512] == [0x55, 0xaa]
        && jump
        && matches!(bytes_per_sector, 512 | 1024 | 2048 | 4096)
        && sectors_per_cluster.is_power_of_two()
        && (1..=4).contains(&fats)
        && &head[3..11] != b"NTFS    "
}

pub(super) struct FatFs {
    volume: String,
    /// Size of the volume: FAT has no sparse files, so no file is larger.
    size: u64,
    fs: fatfs::FileSystem<Cursor<Source>>,
    /// The last directory listed (lower-case path) and its entries: FAT has no index, so
    /// `metadata` lists the parent; reading every file of one directory (a glob) would
    /// otherwise list it once per file, quadratic in its size.
    last_listing: RefCell<Option<(String, Rc<Vec<DirEntry>>)>>,
}

impl FatFs {
    pub(super) fn open(volume: Source) -> Result<Self> {
        let name = volume.name().to_owned();
        let size = volume.size();
        let fs = fatfs::FileSystem::new(Cursor::new(volume), fatfs::FsOptions::new()).map_err(|e| Error::Corrupt {
            file: name.clone(),
            structure: "FAT boot sector",
            offset: 0,
            detail: e.to_string(),
        })?;
        Ok(Self { volume: name, size, fs, last_listing: RefCell::new(None) })
    }

    fn error(&self, path: &str, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { volume: self.volume.clone(), path: path.to_owned() }
        } else {
            Error::Filesystem { volume: self.volume.clone(), path: path.to_owned(), message: e.to_string() }
        }
    }

    fn relative(path: &str) -> String {
        components(path).collect::<Vec<_>>().join("/")
    }

    /// [`FileSystem::read_dir`] through the one-directory cache.
    fn listing(&self, path: &str) -> Result<Rc<Vec<DirEntry>>> {
        let key = Self::relative(path).to_lowercase();
        if let Some((cached, entries)) = &*self.last_listing.borrow() {
            if *cached == key {
                return Ok(Rc::clone(entries));
            }
        }
        let entries = Rc::new(self.read_dir(path)?);
        *self.last_listing.borrow_mut() = Some((key, Rc::clone(&entries)));
        Ok(entries)
    }
}

impl FileSystem for FatFs {
    fn kind(&self) -> FsKind {
        FsKind::Fat
    }

    fn label(&self) -> Option<String> {
        let label = self.fs.volume_label();
        let label = label.trim();
        (!label.is_empty() && label != "NO NAME").then(|| label.to_owned())
    }

    fn volume(&self) -> &str {
        &self.volume
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let rel = Self::relative(path);
        let root = self.fs.root_dir();
        let dir = if rel.is_empty() { root } else { root.open_dir(&rel).map_err(|e| self.error(path, e))? };
        let mut entries = Vec::new();
        for entry in dir.iter().take(MAX_DIR_ENTRIES) {
            let entry = entry.map_err(|e| self.error(path, e))?;
            let name = entry.file_name();
            if name == "." || name == ".." {
                continue;
            }
            let size = if entry.is_dir() { 0 } else { entry.len() };
            // The first cluster names the data: an entry leading back to an ancestor has its.
            let id = entry.first_cluster().map(u64::from);
            entries.push(DirEntry { is_dir: entry.is_dir(), size, name, id });
        }
        Ok(entries)
    }

    fn metadata(&self, path: &str) -> Result<Metadata> {
        let parts: Vec<&str> = components(path).collect();
        let Some((last, parents)) = parts.split_last() else {
            return Ok(Metadata { is_dir: true, size: 0 });
        };
        let parent = format!("/{}", parents.join("/"));
        self.listing(&parent)?
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(last))
            .map(|e| Metadata { is_dir: e.is_dir, size: e.size })
            .ok_or_else(|| Error::NotFound { volume: self.volume.clone(), path: path.to_owned() })
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let size = self.metadata(path)?.size;
        let mut file = self.fs.root_dir().open_file(&Self::relative(path)).map_err(|e| self.error(path, e))?;
        let want = len.min(size.saturating_sub(offset));
        // A size larger than the volume is corrupt (FAT stores every byte of a file), and it
        // must not become an allocation: a looping cluster chain would even fill it.
        if size > self.size {
            return Err(Error::Filesystem {
                volume: self.volume.clone(),
                path: path.to_owned(),
                message: format!("directory entry gives {size} bytes, more than the {}-byte volume", self.size),
            });
        }
        let mut buf = Vec::with_capacity(usize::try_from(want).unwrap_or(usize::MAX));
        file.seek(SeekFrom::Start(offset)).map_err(|e| self.error(path, e))?;
        file.take(want).read_to_end(&mut buf).map_err(|e| self.error(path, e))?;
        // FAT has no holes: a cluster chain that ends (or starts) outside the data area
        // before the size its entry gives is corruption, not a short file.
        if (buf.len() as u64) < want {
            return Err(Error::Filesystem {
                volume: self.volume.clone(),
                path: path.to_owned(),
                message: format!(
                    "the cluster chain holds {} of the {want} bytes expected at offset {offset}",
                    buf.len()
                ),
            });
        }
        Ok(buf)
    }
}
