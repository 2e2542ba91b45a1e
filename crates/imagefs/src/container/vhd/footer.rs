// SPDX-License-Identifier: GPL-3.0-or-later
//! The VHD hard disk footer: the 512-byte record at the end of every VHD (and, for
//! dynamic and differencing disks, copied at offset 0).

use super::{be32, be64, checksum, uuid_text};
use crate::{Error, ReadAt, Result};

/// Size of the footer on disk.
pub(super) const FOOTER_SIZE: u64 = 512;

/// Byte range of the checksum field, left out of the checksum itself.
const CHECKSUM_FIELD: std::ops::Range<usize> = 64..68;

/// The only footer format version defined (1.0).
const FORMAT_VERSION: u32 = 0x0001_0000;

/// Disk types the specification defines and vmsift reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DiskType {
    /// Type 2: the data, then the footer.
    Fixed,
    /// Type 3: a block allocation table of blocks allocated on write.
    Dynamic,
    /// Type 4: a dynamic disk whose unwritten sectors come from a parent.
    Differencing,
}

impl DiskType {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::Dynamic => "dynamic",
            Self::Differencing => "differencing",
        }
    }
}

/// The fields of the footer vmsift uses.
#[derive(Debug, Clone)]
pub(super) struct Footer {
    /// Absolute offset the footer was read from.
    pub(super) offset: u64,
    /// Offset of the dynamic disk header (dynamic and differencing disks).
    pub(super) data_offset: u64,
    /// Size of the disk as the virtual machine sees it.
    pub(super) current_size: u64,
    /// Disk type.
    pub(super) disk_type: DiskType,
    /// Unique id, which a child names as its parent's.
    pub(super) uuid: [u8; 16],
}

/// Reads and checks the footer of `file`: the one at the end, or, when that one is
/// damaged, the copy dynamic disks keep at offset 0.
///
/// # Errors
/// [`Error::Corrupt`] when neither copy has the `conectix` cookie and a valid checksum,
/// [`Error::Unsupported`] for unknown versions and disk types.
pub(super) fn read(file: &dyn ReadAt) -> Result<Footer> {
    let size = file.size();
    if size < FOOTER_SIZE {
        return Err(corrupt(file, 0, format!("the file is {size} bytes, shorter than the 512-byte footer")));
    }
    let end = size - FOOTER_SIZE;
    let at_end = parse_at(file, end);
    match at_end {
        Ok(footer) => Ok(footer),
        Err(end_error) => {
            // The copy at 0 only exists for dynamic disks; a fixed disk's first sector is data.
            if end != 0 {
                if let Ok(copy) = parse_at(file, 0) {
                    if copy.disk_type != DiskType::Fixed {
                        return Ok(copy);
                    }
                }
            }
            Err(end_error)
        }
    }
}

fn parse_at(file: &dyn ReadAt, offset: u64) -> Result<Footer> {
    let mut b = [0u8; FOOTER_SIZE as usize];
    file.read_exact_at(offset, &mut b)?;
    if &b[0..8] != b"conectix" {
        return Err(corrupt(file, offset, "no \"conectix\" cookie".into()));
    }
    let stored = be32(&b, CHECKSUM_FIELD.start);
    let computed = checksum(&b, CHECKSUM_FIELD);
    if stored != computed {
        return Err(corrupt(
            file,
            offset + CHECKSUM_FIELD.start as u64,
            format!("checksum is {stored:#010x}, the footer's bytes sum to {computed:#010x}"),
        ));
    }
    let version = be32(&b, 12);
    if version != FORMAT_VERSION {
        return Err(Error::Unsupported {
            file: file.name().to_owned(),
            structure: "VHD footer",
            offset: offset + 12,
            detail: format!("file format version {version:#010x} (only 1.0 is defined)"),
        });
    }
    let disk_type = match be32(&b, 60) {
        2 => DiskType::Fixed,
        3 => DiskType::Dynamic,
        4 => DiskType::Differencing,
        other => {
            return Err(Error::Unsupported {
                file: file.name().to_owned(),
                structure: "VHD footer",
                offset: offset + 60,
                detail: format!("disk type {other} (only 2 fixed, 3 dynamic and 4 differencing exist)"),
            })
        }
    };
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&b[68..84]);
    Ok(Footer { offset, data_offset: be64(&b, 16), current_size: be64(&b, 48), disk_type, uuid })
}

impl Footer {
    /// The unique id in words, for messages.
    pub(super) fn uuid_text(&self) -> String {
        uuid_text(&self.uuid)
    }
}

fn corrupt(file: &dyn ReadAt, offset: u64, detail: String) -> Error {
    Error::Corrupt { file: file.name().to_owned(), structure: "VHD footer", offset, detail }
}
