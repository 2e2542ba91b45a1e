// SPDX-License-Identifier: GPL-3.0-or-later
//! The `regf` hive format: base block, hive bins, cells, key nodes (`nk`), subkey lists
//! (`lf`, `lh`, `li`, `ri`), value lists, key values (`vk`) and big data (`db`).
//!
//! Layout reference: Maxim Suhanov, "Windows registry file format specification"
//! (<https://github.com/msuhanov/regf>). Offsets inside the hive bins are relative to the end
//! of the 4096-byte base block; errors report absolute file offsets.
//!
//! Why not the `nt-hive` crate: nt-hive 0.3.0 panics on hostile input (it asserts that a cell
//! offset read from disk is not `0xFFFFFFFF`, and that the signature field lies after the
//! start of the buffer), and transaction-log replay needs a hive in a buffer we patch
//! ourselves anyway. This reader is bounds-checked everywhere and never panics; it is also a
//! single pass over borrowed bytes, which the benchmark relies on.

use imagefs::Error;
use std::borrow::Cow;

/// Size of the base block that precedes the hive bins.
pub const BASE_BLOCK_SIZE: usize = 4096;
/// Offset of the XOR-32 checksum in the base block; it covers the bytes before it.
const CHECKSUM_OFFSET: usize = 508;
/// Cell offset meaning "none".
pub const NIL: u32 = u32::MAX;
/// Values larger than this are stored as big data (`db`) in hives of version 1.4 and later.
const BIG_DATA_THRESHOLD: usize = 16344;
/// A `ri` index root may only point to leaf lists; nesting deeper than this is corrupt and
/// would otherwise let a crafted hive recurse without end.
const MAX_INDEX_DEPTH: u32 = 2;
/// Most subkeys listed for one key. An index root may point to the same 65535-item leaf
/// 65535 times; real keys stay far below this (the largest, `Classes`, has ~10^5).
pub const MAX_SUBKEYS_PER_KEY: usize = 2_000_000;
/// No real value is larger than this (Windows caps value data at 1 MiB; big data needs
/// segments anyway). Bounds the allocation for one value's data.
pub const MAX_VALUE_DATA: usize = 4 * 1024 * 1024;

/// Key node flag: the name is stored in Latin-1 ("compressed") rather than UTF-16LE.
const KEY_COMP_NAME: u16 = 0x0020;
/// Key value flag: the name is stored in Latin-1 rather than UTF-16LE.
const VALUE_COMP_NAME: u16 = 0x0001;

/// Reads a little-endian `u32` at `at`, or `None` past the end.
pub(crate) fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a little-endian `u16` at `at`, or `None` past the end.
pub(crate) fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// XOR-32 checksum of the first 508 bytes of a base block, as Windows computes it.
pub fn base_block_checksum(block: &[u8]) -> Option<u32> {
    let head = block.get(..CHECKSUM_OFFSET)?;
    let mut sum = head.chunks_exact(4).fold(0u32, |acc, c| acc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    if sum == 0 {
        sum = 1;
    } else if sum == u32::MAX {
        sum = u32::MAX - 1;
    }
    Some(sum)
}

/// The fields of a base block that matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseBlock {
    /// Incremented before a write starts.
    pub primary_sequence: u32,
    /// Set equal to the primary one when the write completed.
    pub secondary_sequence: u32,
    /// Minor format version (1.3 … 1.6).
    pub minor_version: u32,
    /// 0 primary file, 1 or 2 old-format log, 6 new-format log.
    pub file_type: u32,
    /// Offset of the root key node.
    pub root_cell: u32,
    /// Size of the hive bins data.
    pub hbins_size: u32,
    /// Whether the stored checksum matches.
    pub checksum_ok: bool,
}

impl BaseBlock {
    /// Parses the base block at the start of `bytes` (a hive or a log file).
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the file is shorter than 512 bytes or does not start with `regf`.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, Error> {
        let corrupt =
            |detail: String| Error::Corrupt { file: file.to_owned(), structure: "regf base block", offset: 0, detail };
        if bytes.len() < 512 {
            return Err(corrupt(format!("the file is {} bytes, shorter than a base block", bytes.len())));
        }
        if bytes.get(..4) != Some(b"regf") {
            return Err(corrupt("signature is not \"regf\"".into()));
        }
        let field = |at| le32(bytes, at).unwrap_or(0);
        Ok(Self {
            primary_sequence: field(4),
            secondary_sequence: field(8),
            minor_version: field(24),
            file_type: field(28),
            root_cell: field(36),
            hbins_size: field(40),
            checksum_ok: base_block_checksum(bytes) == le32(bytes, CHECKSUM_OFFSET),
        })
    }

    /// A hive is dirty when a write was interrupted: the sequence numbers differ or the
    /// base block checksum is wrong. Its transaction logs hold the missing pages.
    pub fn is_dirty(&self) -> bool {
        self.primary_sequence != self.secondary_sequence || !self.checksum_ok
    }
}

/// A hive in memory, ready to be walked. Borrows the file bytes.
#[derive(Debug, Clone, Copy)]
pub struct Hive<'a> {
    /// Name for error messages (path of the hive file).
    name: &'a str,
    /// Hive bins data: the file without the base block.
    bins: &'a [u8],
    /// Header fields.
    pub base: BaseBlock,
}

/// A key node (`nk`).
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    /// Cell offset (relative to the hive bins); identifies the key for cycle detection.
    pub offset: u32,
    cell: &'a [u8],
}

/// A key value (`vk`).
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    /// Cell offset of the `vk` record.
    pub offset: u32,
    cell: &'a [u8],
}

/// Raw value data: borrowed from the hive when it sits in one cell, copied when it is
/// spread over big-data segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data<'a> {
    /// Contiguous bytes inside the hive (or inline in the `vk` record).
    Borrowed(&'a [u8]),
    /// Concatenated big-data segments.
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Borrowed(b) => b,
            Data::Owned(v) => v,
        }
    }
}

/// Decodes a Latin-1 or UTF-16LE name. Latin-1 names that are plain ASCII (nearly all of
/// them) are borrowed from the hive: the walk then allocates nothing per name.
fn decode_name(raw: &[u8], latin1: bool) -> Cow<'_, str> {
    if latin1 {
        match std::str::from_utf8(raw) {
            Ok(ascii) if raw.is_ascii() => Cow::Borrowed(ascii),
            _ => Cow::Owned(raw.iter().map(|&b| char::from(b)).collect()),
        }
    } else {
        let units = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
    }
}

impl<'a> Hive<'a> {
    /// Opens a hive held in `bytes` (the whole file). The magic is checked first; a dirty
    /// hive opens too (the caller decides whether to replay its logs first).
    ///
    /// # Errors
    /// [`Error::Corrupt`] for a missing signature or a root cell outside the file.
    pub fn new(bytes: &'a [u8], name: &'a str) -> Result<Self, Error> {
        let base = BaseBlock::parse(bytes, name)?;
        if base.file_type != 0 {
            return Err(Error::Corrupt {
                file: name.to_owned(),
                structure: "regf base block",
                offset: 28,
                detail: format!("file type {} is a transaction log, not a hive", base.file_type),
            });
        }
        // The hive bins end where the header says, or at the end of the file if that is
        // earlier (a truncated file still yields what it holds).
        let end = BASE_BLOCK_SIZE.saturating_add(base.hbins_size as usize).min(bytes.len());
        let bins = bytes.get(BASE_BLOCK_SIZE..end).unwrap_or(&[]);
        let hive = Self { name, bins, base };
        hive.root()?;
        Ok(hive)
    }

    /// Name given at opening.
    pub fn name(&self) -> &str {
        self.name
    }

    /// Length of the hive bins held (what bounds the work of a walk over a sound hive).
    pub fn bins_len(&self) -> usize {
        self.bins.len()
    }

    fn corrupt(&self, structure: &'static str, offset: u32, detail: impl Into<String>) -> Error {
        Error::Corrupt {
            file: self.name.to_owned(),
            structure,
            offset: BASE_BLOCK_SIZE as u64 + u64::from(offset),
            detail: detail.into(),
        }
    }

    /// The data of the allocated cell at `offset` (without its 4-byte size field).
    fn cell(&self, offset: u32, structure: &'static str) -> Result<&'a [u8], Error> {
        if offset == NIL {
            return Err(self.corrupt(structure, offset, "offset is nil"));
        }
        let start = offset as usize;
        let size = le32(self.bins, start)
            .ok_or_else(|| self.corrupt(structure, offset, "cell offset is past the end of the hive bins"))?
            as i32;
        if size >= 0 {
            return Err(self.corrupt(structure, offset, format!("cell is free (size {size})")));
        }
        let len = size.unsigned_abs() as usize;
        if len < 4 {
            return Err(self.corrupt(structure, offset, format!("cell size {len} is too small")));
        }
        self.bins.get(start + 4..start.saturating_add(len)).ok_or_else(|| {
            self.corrupt(structure, offset, format!("cell of {len} bytes goes past the end of the hive bins"))
        })
    }

    /// The root key.
    ///
    /// # Errors
    /// The root cell is not a valid key node.
    pub fn root(&self) -> Result<Key<'a>, Error> {
        self.key(self.base.root_cell)
    }

    /// The key node at `offset`.
    fn key(&self, offset: u32) -> Result<Key<'a>, Error> {
        let cell = self.cell(offset, "key node")?;
        if cell.get(..2) != Some(b"nk") {
            return Err(self.corrupt("key node", offset, "signature is not \"nk\""));
        }
        if cell.len() < 76 {
            return Err(self.corrupt("key node", offset, format!("cell of {} bytes is too small", cell.len())));
        }
        Ok(Key { offset, cell })
    }

    /// Name of a key.
    pub fn key_name(&self, key: &Key<'a>) -> Cow<'a, str> {
        let flags = le16(key.cell, 2).unwrap_or(0);
        let len = le16(key.cell, 72).unwrap_or(0) as usize;
        // A name longer than the cell is cut at the cell end rather than refused: the key is
        // still worth walking.
        let raw = key.cell.get(76..76 + len).unwrap_or_else(|| key.cell.get(76..).unwrap_or(&[]));
        decode_name(raw, flags & KEY_COMP_NAME != 0)
    }

    /// Offsets of a key's subkeys, appended to `out` in on-disk order.
    ///
    /// # Errors
    /// A subkey list that is not a list, or points outside the hive.
    pub fn subkeys(&self, key: &Key<'a>, out: &mut Vec<u32>) -> Result<(), Error> {
        let count = le32(key.cell, 20).unwrap_or(0);
        let list = le32(key.cell, 28).unwrap_or(NIL);
        if count == 0 || list == NIL {
            return Ok(());
        }
        self.subkey_list(list, out, 0)
    }

    fn subkey_list(&self, offset: u32, out: &mut Vec<u32>, depth: u32) -> Result<(), Error> {
        let cell = self.cell(offset, "subkey list")?;
        let sig = cell.get(..2).unwrap_or(&[]);
        let count = le16(cell, 2).unwrap_or(0) as usize;
        let (step, nested) = match sig {
            b"lf" | b"lh" => (8, false),
            b"li" => (4, false),
            b"ri" => (4, true),
            _ => return Err(self.corrupt("subkey list", offset, "signature is not lf, lh, li or ri")),
        };
        if 4 + count * step > cell.len() {
            return Err(self.corrupt("subkey list", offset, format!("{count} items do not fit in the cell")));
        }
        for i in 0..count {
            let item = le32(cell, 4 + i * step).unwrap_or(NIL);
            if nested {
                if depth >= MAX_INDEX_DEPTH {
                    return Err(self.corrupt("index root", offset, "index roots nested too deep"));
                }
                self.subkey_list(item, out, depth + 1)?;
            } else if out.len() >= MAX_SUBKEYS_PER_KEY {
                return Err(self.corrupt("subkey list", offset, "more subkeys than any real key has"));
            } else {
                out.push(item);
            }
        }
        Ok(())
    }

    /// The key node at `offset` (a subkey from [`Hive::subkeys`]).
    ///
    /// # Errors
    /// The cell is not a key node.
    pub fn subkey(&self, offset: u32) -> Result<Key<'a>, Error> {
        self.key(offset)
    }

    /// Finds a direct subkey by name, case-insensitively (as Windows does).
    pub fn find_subkey(&self, key: &Key<'a>, name: &str) -> Option<Key<'a>> {
        let mut offsets = Vec::new();
        self.subkeys(key, &mut offsets).ok()?;
        let wanted = name.to_lowercase();
        offsets.into_iter().filter_map(|o| self.key(o).ok()).find(|k| self.key_name(k).to_lowercase() == wanted)
    }

    /// Follows a `\`-separated path of subkeys.
    pub fn find_path(&self, key: &Key<'a>, path: &str) -> Option<Key<'a>> {
        path.split('\\').filter(|c| !c.is_empty()).try_fold(*key, |k, c| self.find_subkey(&k, c))
    }

    /// The values of a key, appended to `out` as `vk` offsets.
    ///
    /// # Errors
    /// The value list points outside the hive or is shorter than the count.
    pub fn values(&self, key: &Key<'a>, out: &mut Vec<u32>) -> Result<(), Error> {
        let count = le32(key.cell, 36).unwrap_or(0) as usize;
        let list = le32(key.cell, 40).unwrap_or(NIL);
        if count == 0 || list == NIL {
            return Ok(());
        }
        let cell = self.cell(list, "value list")?;
        if count.saturating_mul(4) > cell.len() {
            return Err(self.corrupt("value list", list, format!("{count} values do not fit in the cell")));
        }
        out.extend(cell.chunks_exact(4).take(count).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        Ok(())
    }

    /// The key value at `offset`.
    ///
    /// # Errors
    /// The cell is not a `vk` record.
    pub fn value(&self, offset: u32) -> Result<Value<'a>, Error> {
        let cell = self.cell(offset, "key value")?;
        if cell.get(..2) != Some(b"vk") || cell.len() < 20 {
            return Err(self.corrupt("key value", offset, "signature is not \"vk\""));
        }
        Ok(Value { offset, cell })
    }

    /// Name of a value; the empty string is the default (unnamed) value.
    pub fn value_name(&self, value: &Value<'a>) -> Cow<'a, str> {
        let len = le16(value.cell, 2).unwrap_or(0) as usize;
        let flags = le16(value.cell, 16).unwrap_or(0);
        let raw = value.cell.get(20..20 + len).unwrap_or_else(|| value.cell.get(20..).unwrap_or(&[]));
        decode_name(raw, flags & VALUE_COMP_NAME != 0)
    }

    /// Type of a value (`REG_*` number; any `u32` can occur).
    pub fn value_type(&self, value: &Value<'a>) -> u32 {
        le32(value.cell, 12).unwrap_or(0)
    }

    /// Data of a value.
    ///
    /// # Errors
    /// Data that points outside the hive, a size larger than its cell, a broken big-data
    /// record, or a size above [`MAX_VALUE_DATA`].
    pub fn value_data(&self, value: &Value<'a>) -> Result<Data<'a>, Error> {
        let raw_size = le32(value.cell, 4).unwrap_or(0);
        let data_offset = le32(value.cell, 8).unwrap_or(NIL);
        // High bit set: up to 4 bytes stored in the data-offset field itself.
        if raw_size & 0x8000_0000 != 0 {
            let size = (raw_size & 0x7fff_ffff) as usize;
            return Ok(Data::Borrowed(value.cell.get(8..8 + size.min(4)).unwrap_or(&[])));
        }
        let size = raw_size as usize;
        if size == 0 {
            return Ok(Data::Borrowed(&[]));
        }
        if size > MAX_VALUE_DATA {
            return Err(self.corrupt("key value", value.offset, format!("data size {size} is implausible")));
        }
        let cell = self.cell(data_offset, "value data")?;
        if size <= BIG_DATA_THRESHOLD || self.base.minor_version < 4 || cell.get(..2) != Some(b"db") {
            // Data in one cell. Hives before 1.4 store large data in one cell too.
            return cell.get(..size).map(Data::Borrowed).ok_or_else(|| {
                self.corrupt(
                    "value data",
                    data_offset,
                    format!("{size} bytes do not fit in a {}-byte cell", cell.len()),
                )
            });
        }
        self.big_data(data_offset, cell, size).map(Data::Owned)
    }

    /// Concatenates the segments of a big-data record.
    fn big_data(&self, offset: u32, cell: &'a [u8], size: usize) -> Result<Vec<u8>, Error> {
        let segments = le16(cell, 2).unwrap_or(0) as usize;
        let list_offset = le32(cell, 4).unwrap_or(NIL);
        let list = self.cell(list_offset, "big data segment list")?;
        if segments.saturating_mul(4) > list.len() {
            return Err(self.corrupt("big data", offset, format!("{segments} segments do not fit in the list")));
        }
        let mut data = Vec::with_capacity(size);
        for seg in list.chunks_exact(4).take(segments) {
            let seg_offset = u32::from_le_bytes([seg[0], seg[1], seg[2], seg[3]]);
            let seg_cell = self.cell(seg_offset, "big data segment")?;
            let want = (size - data.len()).min(BIG_DATA_THRESHOLD).min(seg_cell.len());
            data.extend_from_slice(seg_cell.get(..want).unwrap_or(&[]));
            if data.len() >= size {
                break;
            }
        }
        if data.len() < size {
            return Err(self.corrupt("big data", offset, format!("segments hold {} of {size} bytes", data.len())));
        }
        Ok(data)
    }
}
