// SPDX-License-Identifier: GPL-3.0-or-later
//! The VHDX region table (MS-VHDX 2.2.3): where the BAT and the metadata region are.

use super::crc32c::checksum_skipping;
use super::{le32, le64, Guid};
use crate::{read_vec, Error, ReadAt, Result};

/// Offsets of the two region table copies.
const TABLE_OFFSETS: [u64; 2] = [192 * 1024, 256 * 1024];

/// Bytes of a region table covered by its checksum.
const TABLE_SIZE: u64 = 64 * 1024;

/// The specification's limit on region table entries (what fits in 64 KiB).
const MAX_ENTRIES: u32 = 2047;

/// Region GUID of the block allocation table.
pub(super) const BAT: Guid = Guid::new(0x2dc2_7766, 0xf623, 0x4200, [0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08]);
/// Region GUID of the metadata region.
pub(super) const METADATA: Guid =
    Guid::new(0x8b7c_a206, 0x4790, 0x4b9a, [0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e]);

/// One region: where it is in the file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Region {
    /// Absolute offset.
    pub(super) offset: u64,
    /// Length in bytes.
    pub(super) len: u32,
}

/// The BAT and metadata regions.
#[derive(Debug, Clone, Copy)]
pub(super) struct Regions {
    pub(super) bat: Region,
    pub(super) metadata: Region,
}

/// Reads the first valid region table copy.
///
/// # Errors
/// [`Error::Corrupt`] when neither copy is valid or a required region is missing,
/// [`Error::Unsupported`] for an unknown region marked required.
pub(super) fn read(file: &dyn ReadAt) -> Result<Regions> {
    match parse_at(file, TABLE_OFFSETS[0]) {
        Ok(r) => Ok(r),
        Err(first) => parse_at(file, TABLE_OFFSETS[1]).map_err(|_| first),
    }
}

fn parse_at(file: &dyn ReadAt, offset: u64) -> Result<Regions> {
    let b = read_vec(file, offset, TABLE_SIZE)?;
    let corrupt = |at: u64, detail: String| Error::Corrupt {
        file: file.name().to_owned(),
        structure: "VHDX region table",
        offset: offset + at,
        detail,
    };
    if b.get(0..4) != Some(b"regi".as_slice()) {
        return Err(corrupt(0, "no \"regi\" signature".into()));
    }
    let stored = le32(&b, 4);
    let computed = checksum_skipping(&b, 4);
    if stored != computed {
        return Err(corrupt(4, format!("CRC-32C is {stored:#010x} but the table's bytes give {computed:#010x}")));
    }
    let count = le32(&b, 8);
    if count > MAX_ENTRIES {
        return Err(corrupt(8, format!("{count} entries, more than the {MAX_ENTRIES} that fit")));
    }
    let (mut bat, mut metadata) = (None, None);
    for i in 0..count as usize {
        let at = 16 + 32 * i;
        let guid = Guid::at(&b, at);
        let region = Region { offset: le64(&b, at + 16), len: le32(&b, at + 24) };
        let required = le32(&b, at + 28) & 1 != 0;
        if guid == BAT {
            bat = Some(region);
        } else if guid == METADATA {
            metadata = Some(region);
        } else if required {
            return Err(Error::Unsupported {
                file: file.name().to_owned(),
                structure: "VHDX region table",
                offset: offset + at as u64,
                detail: format!("unknown required region {guid}"),
            });
        }
    }
    match (bat, metadata) {
        (Some(bat), Some(metadata)) => Ok(Regions { bat, metadata }),
        (None, _) => Err(corrupt(16, "no BAT region".into())),
        (_, None) => Err(corrupt(16, "no metadata region".into())),
    }
}
