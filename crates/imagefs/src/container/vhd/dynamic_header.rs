// SPDX-License-Identifier: GPL-3.0-or-later
//! The VHD dynamic disk header (`cxsparse`, 1024 bytes) and its parent locators.

use super::{be32, be64, checksum};
use crate::{Error, ReadAt, Result};

/// Size of the dynamic disk header on disk.
pub(super) const HEADER_SIZE: u64 = 1024;

/// Byte range of the checksum field, left out of the checksum itself.
const CHECKSUM_FIELD: std::ops::Range<usize> = 36..40;

/// The header has room for exactly eight parent locator entries.
const LOCATOR_ENTRIES: usize = 8;

/// Longest parent locator read: a path of 32 767 UTF-16 units (the Windows limit) and change.
const MAX_LOCATOR_LEN: u32 = 64 * 1024;

/// Largest block size accepted. The specification's default is 2 MiB; 256 MiB leaves room
/// for every tool seen while keeping one bitmap-plus-block addressable.
const MAX_BLOCK_SIZE: u32 = 256 * 1024 * 1024;

/// One parent locator entry: where a platform-specific path of the parent is stored.
#[derive(Debug, Clone)]
pub(super) struct Locator {
    /// Platform code, e.g. `W2ku` (Windows absolute path, UTF-16LE) or `MacX` (file URL).
    pub(super) code: [u8; 4],
    /// Length of the path in bytes.
    pub(super) len: u32,
    /// Absolute offset of the path.
    pub(super) offset: u64,
}

/// The fields of the dynamic disk header vmsift uses.
#[derive(Debug, Clone)]
pub(super) struct DynamicHeader {
    /// Absolute offset of the block allocation table.
    pub(super) table_offset: u64,
    /// Number of BAT entries.
    pub(super) max_table_entries: u32,
    /// Size of a data block in bytes (a power of two).
    pub(super) block_size: u32,
    /// Unique id of the parent (differencing disks).
    pub(super) parent_uuid: [u8; 16],
    /// The parent's file name as stored in the header (UTF-16BE), possibly a full path.
    pub(super) parent_name: String,
    /// Non-empty parent locator entries.
    pub(super) locators: Vec<Locator>,
}

/// Reads and checks the dynamic disk header at `offset` of `file`.
///
/// # Errors
/// [`Error::Corrupt`] for a bad cookie, checksum or block size, and read errors.
pub(super) fn read(file: &dyn ReadAt, offset: u64) -> Result<DynamicHeader> {
    let mut b = [0u8; HEADER_SIZE as usize];
    file.read_exact_at(offset, &mut b)?;
    let corrupt = |at: usize, detail: String| Error::Corrupt {
        file: file.name().to_owned(),
        structure: "VHD dynamic disk header",
        offset: offset + at as u64,
        detail,
    };
    if &b[0..8] != b"cxsparse" {
        return Err(corrupt(0, "no \"cxsparse\" cookie".into()));
    }
    let stored = be32(&b, CHECKSUM_FIELD.start);
    let computed = checksum(&b, CHECKSUM_FIELD);
    if stored != computed {
        return Err(corrupt(
            CHECKSUM_FIELD.start,
            format!("checksum is {stored:#010x}, the header's bytes sum to {computed:#010x}"),
        ));
    }
    let block_size = be32(&b, 32);
    if !block_size.is_power_of_two() || !(512..=MAX_BLOCK_SIZE).contains(&block_size) {
        return Err(corrupt(32, format!("block size {block_size} is not a power of two from 512 to {MAX_BLOCK_SIZE}")));
    }
    let mut parent_uuid = [0u8; 16];
    parent_uuid.copy_from_slice(&b[40..56]);
    let units: Vec<u16> =
        b[64..576].chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).take_while(|&u| u != 0).collect();
    let parent_name = String::from_utf16_lossy(&units);
    let mut locators = Vec::new();
    for i in 0..LOCATOR_ENTRIES {
        let e = &b[576 + 24 * i..600 + 24 * i];
        let code = [e[0], e[1], e[2], e[3]];
        let len = be32(e, 8);
        if code == [0; 4] || len == 0 {
            continue;
        }
        locators.push(Locator { code, len, offset: be64(e, 16) });
    }
    Ok(DynamicHeader {
        table_offset: be64(&b, 16),
        max_table_entries: be32(&b, 28),
        block_size,
        parent_uuid,
        parent_name,
        locators,
    })
}

impl DynamicHeader {
    /// File names the parent may have, most trusted first: the relative and absolute
    /// Windows paths of the locators, the Mac URL, then the name in the header itself.
    /// Unreadable locators are skipped: the header's name is still there to try.
    pub(super) fn parent_names(&self, file: &dyn ReadAt) -> Vec<String> {
        let mut names = Vec::new();
        for wanted in [b"W2ru", b"W2ku", b"MacX", b"Wi2r", b"Wi2k"] {
            for loc in self.locators.iter().filter(|l| &l.code == wanted) {
                if loc.len > MAX_LOCATOR_LEN {
                    continue;
                }
                let Ok(bytes) = crate::read_vec(file, loc.offset, u64::from(loc.len)) else { continue };
                let text = match wanted {
                    b"W2ru" | b"W2ku" => {
                        let units: Vec<u16> = bytes
                            .chunks_exact(2)
                            .map(|c| u16::from_le_bytes([c[0], c[1]]))
                            .take_while(|&u| u != 0)
                            .collect();
                        String::from_utf16_lossy(&units)
                    }
                    // MacX holds a file URL in UTF-8; Wi2r/Wi2k (deprecated) hold ANSI text.
                    _ => String::from_utf8_lossy(&bytes).trim_end_matches('\0').to_owned(),
                };
                let text = text.strip_prefix("file://").unwrap_or(&text).to_owned();
                if !text.is_empty() && !names.contains(&text) {
                    names.push(text);
                }
            }
        }
        if !self.parent_name.is_empty() && !names.contains(&self.parent_name) {
            names.push(self.parent_name.clone());
        }
        names
    }
}
