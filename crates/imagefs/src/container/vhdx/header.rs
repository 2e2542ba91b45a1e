// SPDX-License-Identifier: GPL-3.0-or-later
//! The VHDX file type identifier and the two headers (MS-VHDX 2.2.1, 2.2.2).

use super::crc32c::checksum_skipping;
use super::{le16, le32, le64, Guid};
use crate::{Error, ReadAt, Result};

/// Offsets of the two header copies.
const HEADER_OFFSETS: [u64; 2] = [64 * 1024, 128 * 1024];

/// Bytes of a header covered by its checksum.
const HEADER_SIZE: usize = 4096;

/// The one header version defined.
const VERSION: u16 = 1;

/// The header fields vmsift uses.
#[derive(Debug, Clone)]
pub(super) struct Header {
    /// Sequence number: the valid copy with the higher one is current.
    pub(super) sequence: u64,
    /// Changes whenever guest-visible data changes; children name it as parent linkage.
    pub(super) data_write_guid: Guid,
    /// Non-zero when the log holds entries that must be replayed.
    pub(super) log_guid: Guid,
    /// Length of the log in bytes.
    pub(super) log_length: u32,
    /// Absolute offset of the log.
    pub(super) log_offset: u64,
}

/// Checks the file identifier and returns the current header: the valid copy (signature
/// `head`, CRC-32C, version 1) with the higher sequence number.
///
/// # Errors
/// [`Error::Corrupt`] when the identifier is wrong or neither header copy is valid.
pub(super) fn read_current(file: &dyn ReadAt) -> Result<Header> {
    let mut ident = [0u8; 8];
    file.read_exact_at(0, &mut ident)?;
    if &ident != b"vhdxfile" {
        return Err(Error::Corrupt {
            file: file.name().to_owned(),
            structure: "VHDX file type identifier",
            offset: 0,
            detail: "no \"vhdxfile\" signature".into(),
        });
    }
    let first = parse_at(file, HEADER_OFFSETS[0]);
    let second = parse_at(file, HEADER_OFFSETS[1]);
    match (first, second) {
        (Ok(a), Ok(b)) => Ok(if b.sequence > a.sequence { b } else { a }),
        (Ok(a), Err(_)) => Ok(a),
        (Err(_), Ok(b)) => Ok(b),
        (Err(a), Err(_)) => Err(a),
    }
}

fn parse_at(file: &dyn ReadAt, offset: u64) -> Result<Header> {
    let mut b = vec![0u8; HEADER_SIZE];
    file.read_exact_at(offset, &mut b)?;
    let corrupt = |at: u64, detail: String| Error::Corrupt {
        file: file.name().to_owned(),
        structure: "VHDX header",
        offset: offset + at,
        detail,
    };
    if b.get(0..4) != Some(b"head".as_slice()) {
        return Err(corrupt(0, "no \"head\" signature (both header copies are invalid)".into()));
    }
    let stored = le32(&b, 4);
    let computed = checksum_skipping(&b, 4);
    if stored != computed {
        return Err(corrupt(
            4,
            format!("CRC-32C is {stored:#010x} but the header's bytes give {computed:#010x} (both header copies are invalid)"),
        ));
    }
    let version = le16(&b, 66);
    if version != VERSION {
        return Err(Error::Unsupported {
            file: file.name().to_owned(),
            structure: "VHDX header",
            offset: offset + 66,
            detail: format!("version {version} (only 1 is defined)"),
        });
    }
    Ok(Header {
        sequence: le64(&b, 8),
        data_write_guid: Guid::at(&b, 32),
        log_guid: Guid::at(&b, 48),
        log_length: le32(&b, 68),
        log_offset: le64(&b, 72),
    })
}
