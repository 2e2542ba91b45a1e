// SPDX-License-Identifier: GPL-3.0-or-later
//! NTFS through the `ntfs` crate (Colin Finck): directory indexes, $DATA streams and the
//! volume name. Lookups are case-insensitive by the volume's own $UpCase table.

use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom};

use ntfs::attribute_value::NtfsAttributeValue;
use ntfs::indexes::NtfsFileNameIndex;
use ntfs::structured_values::NtfsFileNamespace;
use ntfs::{Ntfs, NtfsAttributeFlags, NtfsAttributeType, NtfsFile, NtfsIndex};

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

/// Attributes examined at most per file record (an attribute list could chain far more
/// records than a file legitimately has).
const MAX_ATTRIBUTES: usize = 4096;

/// Size of an index entry header (file reference, entry length, key length, flags).
const INDEX_ENTRY_HEADER: usize = 16;

/// Flag of the last entry of an index node.
const LAST_ENTRY: u8 = 0x02;

/// Flag of an index entry that points to a child node.
const HAS_SUBNODE: u8 = 0x01;

/// Offset of the index node header in an $INDEX_ROOT value and in an `INDX` record.
const ROOT_NODE_HEADER: usize = 16;
const RECORD_NODE_HEADER: usize = 0x18;

/// Index records checked at most per directory: 65,536 records of 4 KiB hold millions of names.
const MAX_INDEX_RECORDS: usize = 1 << 16;

/// Checks what `ntfs` 0.4 slices without checking in an index node (an $INDEX_ROOT value, or
/// an `INDX` record after its fixups): the entries range, and each entry's length against its
/// header and its key. Pushes the VCNs of child nodes onto `children`.
fn check_node(data: &[u8], header: usize, children: &mut Vec<i64>) -> std::result::Result<(), String> {
    let field = |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let (Some(entries_offset), Some(index_size)) = (field(header), field(header + 4)) else {
        return Err("index node header is cut short".into());
    };
    let start = header + entries_offset;
    let end = header + index_size;
    if start > end || end > data.len() {
        return Err(format!("entries {start}..{end} do not fit the {}-byte node", data.len()));
    }
    let mut at = start;
    // Each entry is at least INDEX_ENTRY_HEADER bytes long, so this ends within the node.
    while at < end {
        let entry = &data[at..end];
        let (Some(len), Some(key), Some(&flags)) = (
            entry.get(8..10).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))),
            entry.get(10..12).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))),
            entry.get(12),
        ) else {
            return Err(format!("index entry at byte {at} is cut short"));
        };
        if len < INDEX_ENTRY_HEADER || len > entry.len() || (flags & LAST_ENTRY == 0 && INDEX_ENTRY_HEADER + key > len)
        {
            return Err(format!("index entry at byte {at} has length {len} and key length {key}"));
        }
        if flags & HAS_SUBNODE != 0 {
            let vcn_at = len.saturating_sub(8).max(INDEX_ENTRY_HEADER);
            if let Some(b) = entry.get(vcn_at..vcn_at + 8) {
                let mut v = [0u8; 8];
                v.copy_from_slice(b);
                children.push(i64::from_le_bytes(v));
            }
        }
        if flags & LAST_ENTRY != 0 {
            break;
        }
        at += len;
    }
    Ok(())
}

/// Applies the update sequence array of a multi-sector record (its fixups); `None` when the
/// array does not fit, which `ntfs` reports itself when it reads the record.
fn apply_fixups(record: &mut [u8]) -> Option<()> {
    let usa_offset = usize::from(u16::from_le_bytes([*record.get(4)?, *record.get(5)?]));
    let usa_count = usize::from(u16::from_le_bytes([*record.get(6)?, *record.get(7)?]));
    for i in 1..usa_count {
        let fix = record.get(usa_offset + 2 * i..usa_offset + 2 * i + 2)?;
        let fix = [fix[0], fix[1]];
        let end = (i * 512).checked_sub(2)?;
        record.get_mut(end..end + 2)?.copy_from_slice(&fix);
    }
    Some(())
}

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

    /// The directory index of `dir`, after checking its $INDEX_ROOT: `ntfs` 0.4 slices the
    /// entries with `entries_offset..index_size` without checking that the range is ordered,
    /// and a damaged root would make it panic.
    fn index<'n, 'f>(
        &'n self,
        dir: &'f NtfsFile<'n>,
        fs: &mut Cursor<Source>,
        path: &str,
    ) -> Result<NtfsIndex<'n, 'f, NtfsFileNameIndex>> {
        let mut attributes = dir.attributes();
        let mut checked = 0;
        while let Some(item) = attributes.next(fs) {
            checked += 1;
            if checked > MAX_ATTRIBUTES {
                return Err(self.error(path, format!("more than {MAX_ATTRIBUTES} attributes")));
            }
            let item = item.map_err(|e| self.error(path, e))?;
            let attribute = item.to_attribute().map_err(|e| self.error(path, e))?;
            if attribute.ty().ok() != Some(NtfsAttributeType::IndexRoot) {
                continue;
            }
            let Ok(NtfsAttributeValue::Resident(value)) = attribute.value(fs) else { continue };
            let data = value.data();
            let at = value.data_position().value().map_or(0, |p| p.get());
            let mut children = Vec::new();
            check_node(data, ROOT_NODE_HEADER, &mut children).map_err(|detail| Error::Corrupt {
                file: self.volume.clone(),
                structure: "NTFS $INDEX_ROOT",
                offset: at,
                detail: format!("{path}: {detail}"),
            })?;
            let record_size = data.get(8..12).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            if !children.is_empty() {
                self.check_records(dir, fs, path, record_size, children)?;
            }
            break;
        }
        dir.directory_index(fs).map_err(|e| self.error(path, e))
    }

    /// Checks the `INDX` records reachable from the root's entries, as [`check_node`] does
    /// the root. Records that cannot be read are left to `ntfs`, which reports them.
    fn check_records(
        &self,
        dir: &NtfsFile<'_>,
        fs: &mut Cursor<Source>,
        path: &str,
        record_size: u32,
        mut pending: Vec<i64>,
    ) -> Result<()> {
        if !(512..=65_536).contains(&record_size) || !record_size.is_power_of_two() {
            return Ok(());
        }
        let mut attributes = dir.attributes();
        let mut checked = 0;
        let item = loop {
            let Some(item) = attributes.next(fs) else { return Ok(()) };
            checked += 1;
            if checked > MAX_ATTRIBUTES {
                return Err(self.error(path, format!("more than {MAX_ATTRIBUTES} attributes")));
            }
            let item = item.map_err(|e| self.error(path, e))?;
            let attribute = item.to_attribute().map_err(|e| self.error(path, e))?;
            if attribute.ty().ok() == Some(NtfsAttributeType::IndexAllocation) {
                break item;
            }
        };
        let attribute = item.to_attribute().map_err(|e| self.error(path, e))?;
        let value = attribute.value(fs).map_err(|e| self.error(path, e))?;
        let len = value.len();
        let mut reader = value.attach(fs);
        let cluster = i64::from(self.ntfs.cluster_size());
        let mut seen = std::collections::HashSet::new();
        let mut record = vec![0u8; record_size as usize];
        while let Some(vcn) = pending.pop() {
            if !seen.insert(vcn) {
                continue;
            }
            if seen.len() > MAX_INDEX_RECORDS {
                return Err(self.error(path, format!("more than {MAX_INDEX_RECORDS} index records")));
            }
            let Some(offset) = vcn.checked_mul(cluster).and_then(|o| u64::try_from(o).ok()) else { continue };
            if offset.checked_add(u64::from(record_size)).is_none_or(|end| end > len) {
                continue;
            }
            if reader.seek(SeekFrom::Start(offset)).is_err() || reader.read_exact(&mut record).is_err() {
                continue;
            }
            if &record[..4] != b"INDX" || apply_fixups(&mut record).is_none() {
                continue;
            }
            check_node(&record, RECORD_NODE_HEADER, &mut pending).map_err(|detail| Error::Corrupt {
                file: self.volume.clone(),
                structure: "NTFS index record",
                offset: reader.data_position().value().map_or(0, |p| p.get()),
                detail: format!("{path}: record at VCN {vcn}: {detail}"),
            })?;
        }
        Ok(())
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
                let index = self.index(&file, fs, path)?;
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
        let index = self.index(&dir, fs, path)?;
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
            let record = entry.file_reference().file_record_number();
            if record < FIRST_USER_RECORD {
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
                id: Some(record),
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
