// SPDX-License-Identifier: GPL-3.0-or-later
//! Partition tables: MBR (with extended/logical partitions) and GPT, or none.

mod gpt;
mod mbr;

use std::rc::Rc;

use crate::{ReadAt, Result, Slice, Source};

/// Which table a partition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// No partition table: the filesystem starts at byte 0.
    None,
    /// Master boot record (DOS) table.
    Mbr,
    /// GUID partition table.
    Gpt,
}

/// One partition (or the whole disk when there is no table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// 1-based number as Linux would name it (`sda1`…; logical MBR partitions start at 5).
    pub number: u32,
    /// Table the entry came from.
    pub scheme: Scheme,
    /// Byte offset on the disk.
    pub start: u64,
    /// Size in bytes.
    pub size: u64,
    /// MBR type byte as `0x07`, or the GPT type GUID.
    pub type_id: String,
    /// GPT partition name (empty for MBR).
    pub name: String,
}

impl Partition {
    /// The partition's bytes as a source.
    ///
    /// # Errors
    /// [`crate::Error::OutOfBounds`] when the entry points past the disk.
    pub fn open(&self, disk: &Source) -> Result<Source> {
        let name = format!("{} partition {}", disk.name(), self.number);
        Ok(Rc::new(Slice::new(name, Rc::clone(disk), self.start, self.size)?))
    }
}

/// Reads the partition table of `disk`.
///
/// A GPT (protective MBR + `EFI PART` header, falling back to the backup header) wins over
/// the MBR; an MBR whose entries are not plausible (as in a bare FAT boot sector, which
/// also ends in `55 AA`) counts as no table, and the whole disk is returned as one volume.
///
/// # Errors
/// Read errors, and corrupt tables that cannot be interpreted at all.
pub fn read_partitions(disk: &dyn ReadAt) -> Result<(Scheme, Vec<Partition>)> {
    let mut sector = [0u8; 512];
    if disk.size() < 512 {
        return Ok((Scheme::None, vec![whole_disk(disk)]));
    }
    disk.read_exact_at(0, &mut sector)?;
    match mbr::parse(disk, &sector)? {
        mbr::Table::Protective => Ok((Scheme::Gpt, gpt::read(disk)?)),
        mbr::Table::Partitions(parts) if !parts.is_empty() => Ok((Scheme::Mbr, parts)),
        _ => {
            // Some tools write a GPT without a protective MBR entry; look anyway.
            match gpt::read(disk) {
                Ok(parts) => Ok((Scheme::Gpt, parts)),
                Err(_) => Ok((Scheme::None, vec![whole_disk(disk)])),
            }
        }
    }
}

fn whole_disk(disk: &dyn ReadAt) -> Partition {
    Partition {
        number: 0,
        scheme: Scheme::None,
        start: 0,
        size: disk.size(),
        type_id: String::new(),
        name: String::new(),
    }
}
