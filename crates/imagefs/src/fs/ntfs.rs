// SPDX-License-Identifier: GPL-3.0-or-later
//! NTFS through the `ntfs` crate (Colin Finck): directory indexes, $DATA streams and the
//! volume name. Lookups are case-insensitive by the volume's own $UpCase table.

use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom};

use ntfs::indexes::NtfsFileNameIndex;
use ntfs::structured_values::NtfsFileNamespace;
use ntfs::{Ntfs, NtfsAttributeFlags, NtfsFile};

use super::{components, DirEntry, FileSystem, FsKind, Metadata};
use crate::{source::Cursor, Error, ReadAt, Result, Source};

/// Directory entries listed at most per directory. System32 holds about 20,000; an index
/// whose B-tree loops would otherwise list forever.
const MAX_DIR_ENTRIES: usize = 1 << 20;

/// Deepest path looked up (Windows paths are limited to 32,767 characters, ~16,000 levels;
/// real trees are far shallower).
const MAX_PATH_DEPTH: usize = 1024;

/// File record numbers below this are NTFS metafiles ($MFT, $LogFile, $Volume, …, and the
/// root's own "." entry), kept out of listings.
const FIRST_USER_RECORD: u64 = 16;

pub(super) struct NtfsFs {
    volume: String,
    ntfs: Ntfs,
    reader: RefCell<Cursor<Source>>,
    label: Option<String>,
}

impl NtfsFs {
    pub(super) fn open(volume: Source) -> Result<Self> {
        let name = volume.name().to_owned();
        let mut reader = Cursor::new(volume);
        let corrupt = |structure: &'static str, e: ntfs::NtfsError| Error::Corrupt {
            file: name.clone(),
            structure,
            offset: 0,
            detail: e.to_string(),
        };
        let mut ntfs = Ntfs::new(&mut reader).map_err(|e| corrupt("NTFS boot sector", e))?;
        ntfs.read_upcase_table(&mut reader).map_err(|e| corrupt("NTFS $UpCase", e))?;
        let label = match ntfs.volume_name(&mut reader) {
            Some(Ok(v)) => Some(v.name().to_string_lossy()).filter(|l| !l.is_empty()),
            _ => None,
        };
        Ok(Self { volume: name, ntfs, reader: RefCell::new(reader), label })
    }

    fn error(&self, path: &str, e: impl std::fmt::Display) -> Error {
        Error::Filesystem { volume: self.volume.clone(), path: path.to_owned(), message: e.to_string() }
    }

    fn not_found(&self, path: &str) -> Error {
        Error::NotFound { volume: self.volume.clone(), path: path.to_owned() }
    }

    /// The file at `path`, looked up one component at a time in the directory indexes.
    fn lookup<'n>(&'n self, fs: &mut Cursor<Source>, path: &str) -> Result<NtfsFile<'n>> {
        let mut file = self.ntfs.root_directory(fs).map_err(|e| self.error(path, e))?;
        for (depth, part) in components(path).enumerate() {
            if depth >= MAX_PATH_DEPTH {
                return Err(self.not_found(path));
            }
            if !file.is_directory() {
                return Err(self.not_found(path));
            }
            let next = {
                let index = file.directory_index(fs).map_err(|e| self.error(path, e))?;
                let mut finder = index.finder();
                let entry = NtfsFileNameIndex::find(&mut finder, &self.ntfs, fs, part)
                    .ok_or_else(|| self.not_found(path))?
                    .map_err(|e| self.error(path, e))?;
                entry.to_file(&self.ntfs, fs).map_err(|e| self.error(path, e))?
            };
            file = next;
        }
        Ok(file)
    }
}

impl FileSystem for NtfsFs {
    fn kind(&self) -> FsKind {
        FsKind::Ntfs
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn volume(&self) -> &str {
        &self.volume
    }

    /// Lists Win32 and POSIX names (not the DOS 8.3 aliases) and no metafiles. Sizes come
    /// from the index entries, which Windows updates lazily: [`FileSystem::metadata`] reads
    /// the exact size from the file record.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let fs = &mut *self.reader.borrow_mut();
        let dir = self.lookup(fs, path)?;
        if !dir.is_directory() {
            return Err(self.error(path, "not a directory"));
        }
        let index = dir.directory_index(fs).map_err(|e| self.error(path, e))?;
        let mut iter = index.entries();
        let mut entries = Vec::new();
        let mut seen = 0usize;
        while let Some(entry) = iter.next(fs) {
            // Counts index entries, DOS aliases included, so a looping B-tree stops too.
            seen += 1;
            if seen > 2 * MAX_DIR_ENTRIES {
                return Err(self.error(path, format!("more than {MAX_DIR_ENTRIES} entries")));
            }
            let entry = entry.map_err(|e| self.error(path, e))?;
            if entry.file_reference().file_record_number() < FIRST_USER_RECORD {
                continue;
            }
            let Some(key) = entry.key() else { continue };
            let name = key.map_err(|e| self.error(path, e))?;
            if name.namespace() == NtfsFileNamespace::Dos {
                continue;
            }
            let is_dir = name.is_directory();
            entries.push(DirEntry {
                name: name.name().to_string_lossy(),
                is_dir,
                size: if is_dir { 0 } else { name.data_size() },
            });
        }
        Ok(entries)
    }

    fn metadata(&self, path: &str) -> Result<Metadata> {
        let fs = &mut *self.reader.borrow_mut();
        let file = self.lookup(fs, path)?;
        if file.is_directory() {
            return Ok(Metadata { is_dir: true, size: 0 });
        }
        let size = match file.data(fs, "") {
            None => 0,
            Some(item) => {
                let item = item.map_err(|e| self.error(path, e))?;
                let attribute = item.to_attribute().map_err(|e| self.error(path, e))?;
                attribute.value_length()
            }
        };
        Ok(Metadata { is_dir: false, size })
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let fs = &mut *self.reader.borrow_mut();
        let file = self.lookup(fs, path)?;
        if file.is_directory() {
            return Err(self.error(path, "is a directory"));
        }
        let Some(item) = file.data(fs, "") else { return Ok(Vec::new()) };
        let item = item.map_err(|e| self.error(path, e))?;
        let attribute = item.to_attribute().map_err(|e| self.error(path, e))?;
        let flags = attribute.flags();
        if flags.intersects(NtfsAttributeFlags::COMPRESSED | NtfsAttributeFlags::ENCRYPTED) {
            return Err(Error::Unsupported {
                file: self.volume.clone(),
                structure: "NTFS $DATA attribute",
                offset: attribute.position().value().map_or(0, |p| p.get()),
                detail: format!("{path} is stored {flags}; only plain and sparse data is read"),
            });
        }
        let value = attribute.value(fs).map_err(|e| self.error(path, e))?;
        let want = len.min(value.len().saturating_sub(offset));
        let mut reader = value.attach(fs);
        reader.seek(SeekFrom::Start(offset)).map_err(|e| self.error(path, e))?;
        // `want` is at most the file's size, which the caller bounded (read_file's limit).
        let mut buf = Vec::with_capacity(usize::try_from(want).unwrap_or(0).min(64 * 1024 * 1024));
        reader.take(want).read_to_end(&mut buf).map_err(|e| self.error(path, e))?;
        Ok(buf)
    }
}
