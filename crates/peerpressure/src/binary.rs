// SPDX-License-Identifier: GPL-3.0-or-later
//! The binary peer profile file (`.vpp`): compact, versioned, checksummed.
//!
//! Layout (integers little-endian; `varint` = unsigned LEB128 of a `u32`, at most 5 bytes,
//! minimal encoding):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `VMSIFTPP` |
//! | 8 | 2 | format version, `u16` = [`BINARY_VERSION`] |
//! | 10 | 2 | flags, `u16`: bit 0 = values are keyed hashes; other bits must be 0 |
//! | 12 | 16 | salt check, only when bit 0 is set |
//! | … | varint | N, the number of peers |
//! | … | varint + … | string table: count, then per string its byte length and UTF-8 bytes; strictly ascending (so unique) |
//! | … | varint + … | locations: count, then per location the string index of its path and its peer count; path indices strictly ascending |
//! | … | varint + … | settings: count, then per setting the string indices of kind, path and name, the number of values, and per value its string index and count; settings strictly ascending by key, values by index |
//! | end − 4 | 4 | CRC-32 (IEEE) of every byte before it |
//!
//! Decoding is strict: anything not produced by [`PeerProfile::to_bytes`] for a valid
//! profile is refused with the offset of the offending field. Every count read from the
//! file is checked against the bytes left before anything is allocated for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use model::{Kind, SettingKey};

use crate::error::{Format, ProfileError};
use crate::varint;
use crate::PeerProfile;

/// The first 8 bytes of a binary profile.
pub const MAGIC: &[u8; 8] = b"VMSIFTPP";
/// The binary format version this build writes and reads.
pub const BINARY_VERSION: u16 = 1;
/// Flag bit: values are keyed hashes and a salt check follows the flags.
const FLAG_HASHED: u16 = 1;
/// Bytes of the fixed header (magic, version, flags).
const HEADER: usize = 12;
/// Bytes of the CRC-32 trailer.
const TRAILER: usize = 4;
/// Bytes of the salt check.
const SALT_CHECK: usize = 16;

impl PeerProfile {
    /// Encodes the profile in the binary format (see the module docs of `binary`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut strings: BTreeSet<&str> = BTreeSet::new();
        for (key, values) in &self.counts {
            strings.insert(key.kind.as_str());
            strings.insert(&key.path);
            strings.insert(&key.name);
            strings.extend(values.keys().map(String::as_str));
        }
        strings.extend(self.parents.keys().map(String::as_str));
        let table: Vec<&str> = strings.into_iter().collect();
        // The table is sorted, so an index is a binary search away.
        let index = |s: &str| table.binary_search(&s).map_or(0, |i| i as u32);

        let mut out = Vec::with_capacity(64 + table.iter().map(|s| s.len() + 2).sum::<usize>());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&BINARY_VERSION.to_le_bytes());
        let flags = if self.salt_check.is_some() { FLAG_HASHED } else { 0 };
        out.extend_from_slice(&flags.to_le_bytes());
        if let Some(check) = &self.salt_check {
            out.extend_from_slice(check);
        }
        varint::put(&mut out, self.peers);
        varint::put(&mut out, len32(table.len()));
        for s in &table {
            varint::put(&mut out, len32(s.len()));
            out.extend_from_slice(s.as_bytes());
        }
        varint::put(&mut out, len32(self.parents.len()));
        for (path, count) in &self.parents {
            varint::put(&mut out, index(path));
            varint::put(&mut out, *count);
        }
        varint::put(&mut out, len32(self.counts.len()));
        for (key, values) in &self.counts {
            varint::put(&mut out, index(key.kind.as_str()));
            varint::put(&mut out, index(&key.path));
            varint::put(&mut out, index(&key.name));
            varint::put(&mut out, len32(values.len()));
            for (value, count) in values {
                varint::put(&mut out, index(value));
                varint::put(&mut out, *count);
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes a binary profile.
    ///
    /// # Errors
    /// [`ProfileError::UnsupportedVersion`] for a newer format version;
    /// [`ProfileError::Corrupt`] for anything else that is not a valid profile (wrong magic,
    /// truncation, checksum mismatch, out-of-range index or count, unsorted or duplicate
    /// entries, trailing bytes), naming the structure and its absolute offset.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProfileError> {
        let corrupt = |structure: &str, offset: usize, reason: String| ProfileError::Corrupt {
            format: Format::Binary,
            structure: structure.into(),
            offset: offset as u64,
            reason,
        };
        let magic = bytes.get(..MAGIC.len());
        if magic != Some(MAGIC.as_slice()) {
            let reason = if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
                format!("the file is {} bytes long, shorter than the magic", bytes.len())
            } else {
                "not a vmsift peer profile (magic is not VMSIFTPP)".into()
            };
            return Err(corrupt("magic", 0, reason));
        }
        let (Some(version), Some(flags)) = (read_u16(bytes, 8), read_u16(bytes, 10)) else {
            return Err(corrupt("header", bytes.len(), format!("truncated: the header needs {HEADER} bytes")));
        };
        if version == 0 {
            return Err(corrupt("version", 8, "version 0 does not exist".into()));
        }
        if version != BINARY_VERSION {
            return Err(ProfileError::UnsupportedVersion {
                format: Format::Binary,
                found: u64::from(version),
                supported: u32::from(BINARY_VERSION),
                offset: 8,
            });
        }
        if flags & !FLAG_HASHED != 0 {
            return Err(corrupt("flags", 10, format!("unknown flag bits {flags:#06x}")));
        }
        let hashed = flags & FLAG_HASHED != 0;
        let body_start = HEADER + if hashed { SALT_CHECK } else { 0 };
        // The smallest body: N, and three empty tables.
        if bytes.len() < body_start + 4 + TRAILER {
            return Err(corrupt("file", bytes.len(), "truncated: too short for a profile".into()));
        }
        let end = bytes.len() - TRAILER;
        let stored = read_u32(bytes, end).unwrap_or(0);
        let computed = crc32fast::hash(bytes.get(..end).unwrap_or_default());
        if stored != computed {
            return Err(corrupt(
                "CRC-32 trailer",
                end,
                format!("checksum {stored:#010x} does not match the contents ({computed:#010x}): the file is corrupt or truncated"),
            ));
        }
        let salt_check = if hashed {
            let mut check = [0u8; SALT_CHECK];
            check.copy_from_slice(bytes.get(HEADER..body_start).unwrap_or(&[0; SALT_CHECK]));
            Some(check)
        } else {
            None
        };
        let mut r = Reader { bytes, pos: body_start, end };
        let peers = r.varint("peer count")?;

        // String table.
        let table_at = r.pos;
        let count = r.count("string table", 1)?;
        let mut table: Vec<&str> = Vec::with_capacity(count);
        for i in 0..count {
            let at = r.pos;
            let len = r.varint("string length")? as usize;
            let raw = r.take(len, "string")?;
            let s = std::str::from_utf8(raw)
                .map_err(|e| corrupt("string", at, format!("string {i} is not UTF-8 ({e})")))?;
            if table.last().is_some_and(|prev| *prev >= s) {
                return Err(corrupt("string table", at, format!("string {i} is out of order or repeated")));
            }
            table.push(s);
        }
        // Every string must be referenced, so that an accepted file is exactly what
        // `to_bytes` writes for its profile (the encoding is canonical).
        let mut used = vec![false; table.len()];
        let mut string = |r: &Reader<'_>, index: u32, what: &str| {
            let found = table.get(index as usize).copied().ok_or_else(|| {
                corrupt(
                    what,
                    r.pos,
                    format!("string index {index} is out of range (the table has {} strings)", table.len()),
                )
            })?;
            if let Some(u) = used.get_mut(index as usize) {
                *u = true;
            }
            Ok::<&str, ProfileError>(found)
        };

        // Locations.
        let count = r.count("location table", 2)?;
        let mut parents: BTreeMap<String, u32> = BTreeMap::new();
        let mut previous: Option<u32> = None;
        for _ in 0..count {
            let at = r.pos;
            let index = r.varint("location path index")?;
            if previous.is_some_and(|p| p >= index) {
                return Err(corrupt("location", at, "locations are out of order or repeated".into()));
            }
            previous = Some(index);
            let path = string(&r, index, "location path index")?;
            let at = r.pos;
            let n = r.varint("location peer count")?;
            if n == 0 || n > peers {
                return Err(corrupt("location peer count", at, format!("{n} peers have {path}, out of {peers}")));
            }
            parents.insert(path.to_owned(), n);
        }

        // Settings.
        let count = r.count("setting table", 5)?;
        let mut counts: BTreeMap<SettingKey, BTreeMap<String, u32>> = BTreeMap::new();
        let mut kinds: HashMap<u32, Kind> = HashMap::new();
        let mut previous: Option<(Kind, &str, &str)> = None;
        for _ in 0..count {
            let at = r.pos;
            let kind_index = r.varint("setting kind index")?;
            let kind = match kinds.get(&kind_index) {
                Some(kind) => *kind,
                None => {
                    let name = string(&r, kind_index, "setting kind index")?;
                    let kind = parse_kind(name)
                        .ok_or_else(|| corrupt("setting kind index", at, format!("unknown setting kind {name:?}")))?;
                    kinds.insert(kind_index, kind);
                    kind
                }
            };
            let index = r.varint("setting path index")?;
            let path = string(&r, index, "setting path index")?;
            let index = r.varint("setting name index")?;
            let name = string(&r, index, "setting name index")?;
            if previous.is_some_and(|p| p >= (kind, path, name)) {
                return Err(corrupt("setting", at, "settings are out of order or repeated".into()));
            }
            previous = Some((kind, path, name));
            let parent = parents.get(path).copied().ok_or_else(|| {
                corrupt("setting", at, format!("{} {path} {name}: no peer count for its location", kind.as_str()))
            })?;
            let n_values = r.count("value list", 2)?;
            if n_values == 0 {
                return Err(corrupt("value list", r.pos, "a setting without values".into()));
            }
            let mut values: BTreeMap<String, u32> = BTreeMap::new();
            let mut previous_value: Option<u32> = None;
            let mut sum: u64 = 0;
            for _ in 0..n_values {
                let at = r.pos;
                let index = r.varint("value index")?;
                if previous_value.is_some_and(|p| p >= index) {
                    return Err(corrupt("value", at, "values are out of order or repeated".into()));
                }
                previous_value = Some(index);
                let value = string(&r, index, "value index")?;
                let at = r.pos;
                let n = r.varint("value count")?;
                sum += u64::from(n);
                if n == 0 || sum > u64::from(parent) {
                    return Err(corrupt(
                        "value count",
                        at,
                        format!("{} {path} {name}: {sum} peers counted, but {parent} have its location", kind.as_str()),
                    ));
                }
                values.insert(value.to_owned(), n);
            }
            counts.insert(SettingKey { kind, path: path.to_owned(), name: name.to_owned() }, values);
        }
        if let Some(unused) = used.iter().position(|u| !u) {
            return Err(corrupt("string table", table_at, format!("string {unused} is not used")));
        }
        if r.pos != end {
            return Err(corrupt("file", r.pos, format!("{} unexpected bytes before the trailer", end - r.pos)));
        }
        Ok(PeerProfile { peers, counts, parents, salt_check })
    }
}

/// A kind from its JSON name; `None` for a kind this build does not know.
pub(crate) fn parse_kind(name: &str) -> Option<Kind> {
    name.parse().ok()
}

fn len32(n: usize) -> u32 {
    // Tables are indexed by u32 varints; a profile over 4 G strings cannot be built in memory.
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// A cursor over the body (between the header and the trailer).
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn corrupt(&self, structure: &str, offset: usize, reason: String) -> ProfileError {
        ProfileError::Corrupt { format: Format::Binary, structure: structure.into(), offset: offset as u64, reason }
    }

    fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    fn varint(&mut self, structure: &str) -> Result<u32, ProfileError> {
        let start = self.pos;
        let body = self.bytes.get(..self.end).unwrap_or_default();
        let (value, next) = varint::get(body, start).map_err(|e| self.corrupt(structure, start, e.to_string()))?;
        self.pos = next;
        Ok(value)
    }

    /// Reads an item count and checks it against the bytes left, given that each item
    /// takes at least `min_item` bytes: the bound on every allocation sized from the file.
    fn count(&mut self, structure: &str, min_item: usize) -> Result<usize, ProfileError> {
        let start = self.pos;
        let n = self.varint(structure)? as usize;
        let fits = self.remaining() / min_item;
        if n > fits {
            return Err(self.corrupt(
                structure,
                start,
                format!("{n} items cannot fit in the {} bytes left", self.remaining()),
            ));
        }
        Ok(n)
    }

    fn take(&mut self, len: usize, structure: &str) -> Result<&'a [u8], ProfileError> {
        if len > self.remaining() {
            return Err(self.corrupt(structure, self.pos, format!("{len} bytes needed, {} left", self.remaining())));
        }
        let slice = self.bytes.get(self.pos..self.pos + len).unwrap_or_default();
        self.pos += len;
        Ok(slice)
    }
}
