// SPDX-License-Identifier: GPL-3.0-or-later
//! The VHDX metadata region (MS-VHDX 2.6): block size, virtual size, sector sizes and,
//! for differencing disks, the parent locator.

use super::region_table::Region;
use super::{le16, le32, le64, Guid};
use crate::{read_vec, Error, ReadAt, Result};

/// The metadata table is the first 64 KiB of the region.
const TABLE_SIZE: u64 = 64 * 1024;

/// The specification's limit on metadata entries (what fits in 64 KiB).
const MAX_ENTRIES: u16 = 2047;

/// Largest metadata item read; the specification caps items at 1 MiB.
const MAX_ITEM_LEN: u32 = 1024 * 1024;

/// Block sizes the specification allows: powers of two from 1 MiB to 256 MiB.
const BLOCK_SIZES: std::ops::RangeInclusive<u32> = (1 << 20)..=(256 << 20);

/// Largest virtual disk the specification allows (64 TiB).
const MAX_VIRTUAL_SIZE: u64 = 64 << 40;

const FILE_PARAMETERS: Guid = Guid::new(0xcaa1_6737, 0xfa36, 0x4d43, [0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b]);
const VIRTUAL_DISK_SIZE: Guid =
    Guid::new(0x2fa5_4224, 0xcd1b, 0x4876, [0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8]);
const VIRTUAL_DISK_ID: Guid = Guid::new(0xbeca_12ab, 0xb2e6, 0x4523, [0x93, 0xef, 0xc3, 0x09, 0xe0, 0x00, 0xc7, 0x46]);
const LOGICAL_SECTOR_SIZE: Guid =
    Guid::new(0x8141_bf1d, 0xa96f, 0x4709, [0xba, 0x47, 0xf2, 0x33, 0xa8, 0xfa, 0xab, 0x5f]);
const PHYSICAL_SECTOR_SIZE: Guid =
    Guid::new(0xcda3_48c7, 0x445d, 0x4471, [0x9c, 0xc9, 0xe9, 0x88, 0x52, 0x51, 0xc5, 0x56]);
const PARENT_LOCATOR: Guid = Guid::new(0xa8d3_5f2d, 0xb30b, 0x454d, [0xab, 0xf7, 0xd3, 0xd8, 0x48, 0x34, 0xab, 0x0c]);
/// Locator type of the VHDX parent locator, the only one defined.
const VHDX_PARENT_LOCATOR_TYPE: Guid =
    Guid::new(0xb04a_efb7, 0xd19e, 0x4a81, [0xb7, 0x89, 0x25, 0xb8, 0xe9, 0x44, 0x59, 0x13]);

/// The metadata vmsift uses.
#[derive(Debug, Clone)]
pub(super) struct Metadata {
    pub(super) block_size: u32,
    /// Blocks are never freed: set on fixed disks, the only thing telling them apart.
    pub(super) leave_blocks_allocated: bool,
    pub(super) has_parent: bool,
    pub(super) virtual_size: u64,
    pub(super) logical_sector_size: u32,
    /// Key/value pairs of the parent locator (differencing disks).
    pub(super) parent_locator: Vec<(String, String)>,
}

/// Reads the metadata table of `region` and the items vmsift needs.
///
/// # Errors
/// [`Error::Corrupt`] for a bad table or out-of-range values, [`Error::Unsupported`] for
/// unknown required items.
pub(super) fn read(file: &dyn ReadAt, region: Region) -> Result<Metadata> {
    let name = file.name();
    let corrupt = |at: u64, detail: String| Error::Corrupt {
        file: name.to_owned(),
        structure: "VHDX metadata table",
        offset: region.offset + at,
        detail,
    };
    if u64::from(region.len) < TABLE_SIZE {
        return Err(corrupt(0, format!("the metadata region is {} bytes, smaller than its 64 KiB table", region.len)));
    }
    let b = read_vec(file, region.offset, TABLE_SIZE)?;
    if b.get(0..8) != Some(b"metadata".as_slice()) {
        return Err(corrupt(0, "no \"metadata\" signature".into()));
    }
    let count = le16(&b, 10);
    if count > MAX_ENTRIES {
        return Err(corrupt(10, format!("{count} entries, more than the {MAX_ENTRIES} that fit")));
    }
    let (mut params, mut size, mut sector, mut locator) = (None, None, None, None);
    for i in 0..usize::from(count) {
        let at = 32 + 32 * i;
        let id = Guid::at(&b, at);
        let offset = le32(&b, at + 16);
        let len = le32(&b, at + 20);
        let flags = le32(&b, at + 24);
        let entry_at = at as u64;
        if len == 0 {
            continue;
        }
        if len > MAX_ITEM_LEN || u64::from(offset) + u64::from(len) > u64::from(region.len) {
            return Err(corrupt(entry_at, format!("item {id} of {len} bytes at {offset:#x} lies outside the region")));
        }
        let item = || read_vec(file, region.offset + u64::from(offset), u64::from(len));
        let item_at = region.offset + u64::from(offset);
        if id == FILE_PARAMETERS {
            params = Some((item()?, item_at));
        } else if id == VIRTUAL_DISK_SIZE {
            size = Some((item()?, item_at));
        } else if id == LOGICAL_SECTOR_SIZE {
            sector = Some((item()?, item_at));
        } else if id == PARENT_LOCATOR {
            locator = Some((item()?, item_at));
        } else if id == VIRTUAL_DISK_ID || id == PHYSICAL_SECTOR_SIZE {
            // Known, not needed to read the disk.
        } else if flags & 4 != 0 {
            return Err(Error::Unsupported {
                file: name.to_owned(),
                structure: "VHDX metadata table",
                offset: region.offset + entry_at,
                detail: format!("unknown required metadata item {id}"),
            });
        }
    }
    let item_corrupt = |at: u64, detail: String| Error::Corrupt {
        file: name.to_owned(),
        structure: "VHDX metadata item",
        offset: at,
        detail,
    };
    let missing = |what: &str| corrupt(0, format!("no {what} item"));
    let (params, params_at) = params.ok_or_else(|| missing("file parameters"))?;
    let block_size = le32(&params, 0);
    let leave_blocks_allocated = le32(&params, 4) & 1 != 0;
    let has_parent = le32(&params, 4) & 2 != 0;
    if !block_size.is_power_of_two() || !BLOCK_SIZES.contains(&block_size) {
        return Err(item_corrupt(
            params_at,
            format!("block size {block_size} is not a power of two from 1 MiB to 256 MiB"),
        ));
    }
    let (size, size_at) = size.ok_or_else(|| missing("virtual disk size"))?;
    let virtual_size = le64(&size, 0);
    let (sector, sector_at) = sector.ok_or_else(|| missing("logical sector size"))?;
    let logical_sector_size = le32(&sector, 0);
    if logical_sector_size != 512 && logical_sector_size != 4096 {
        return Err(item_corrupt(
            sector_at,
            format!("logical sector size {logical_sector_size} is neither 512 nor 4096"),
        ));
    }
    if virtual_size > MAX_VIRTUAL_SIZE || virtual_size % u64::from(logical_sector_size) != 0 {
        return Err(item_corrupt(
            size_at,
            format!("virtual disk size {virtual_size} is over 64 TiB or not a multiple of the {logical_sector_size}-byte sector"),
        ));
    }
    let parent_locator = match locator {
        Some((bytes, at)) if has_parent => parse_parent_locator(name, &bytes, at)?,
        _ => Vec::new(),
    };
    Ok(Metadata { block_size, leave_blocks_allocated, has_parent, virtual_size, logical_sector_size, parent_locator })
}

/// Decodes the key/value entries of a VHDX parent locator (UTF-16LE strings).
fn parse_parent_locator(file: &str, b: &[u8], at: u64) -> Result<Vec<(String, String)>> {
    let corrupt =
        |detail: String| Error::Corrupt { file: file.to_owned(), structure: "VHDX parent locator", offset: at, detail };
    let kind = Guid::at(b, 0);
    if kind != VHDX_PARENT_LOCATOR_TYPE {
        return Err(Error::Unsupported {
            file: file.to_owned(),
            structure: "VHDX parent locator",
            offset: at,
            detail: format!("locator type {kind}"),
        });
    }
    let count = usize::from(le16(b, 18));
    // Each entry takes 12 bytes after the 20-byte header: that bounds the loop.
    if 20 + 12 * count > b.len() {
        return Err(corrupt(format!("{count} entries do not fit in {} bytes", b.len())));
    }
    let text = |offset: u32, len: u16| -> Result<String> {
        // Checked: on 32-bit targets (wasm32) offset + len can overflow usize.
        let range = usize::try_from(offset).ok().and_then(|start| Some(start..start.checked_add(usize::from(len))?));
        let bytes = range
            .and_then(|r| b.get(r))
            .ok_or_else(|| corrupt(format!("string of {len} bytes at {offset:#x} lies outside the locator")))?;
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        Ok(String::from_utf16_lossy(&units))
    };
    let mut pairs = Vec::with_capacity(count);
    for i in 0..count {
        let e = 20 + 12 * i;
        let key = text(le32(b, e), le16(b, e + 8))?;
        let value = text(le32(b, e + 4), le16(b, e + 10))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}
