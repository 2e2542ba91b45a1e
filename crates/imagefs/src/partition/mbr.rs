// SPDX-License-Identifier: GPL-3.0-or-later
//! Master boot record and extended boot records.
//!
//! Layout: 446 bytes of boot code, four 16-byte entries (status, CHS start, type,
//! CHS end, LBA start u32 LE, sector count u32 LE), signature `55 AA` at 510.
//! Source: <https://en.wikipedia.org/wiki/Master_boot_record>.

use super::{Partition, Scheme};
use crate::{Error, ReadAt, Result};

const SECTOR: u64 = 512;
/// Logical partitions followed along an EBR chain; a cycle or a huge chain stops here.
const MAX_LOGICAL_PARTITIONS: u32 = 128;

pub(super) enum Table {
    /// No valid MBR (or a VBR that only looks like one).
    NotMbr,
    /// A GPT protective MBR (type 0xEE).
    Protective,
    /// Primary and logical partitions.
    Partitions(Vec<Partition>),
}

struct Entry {
    status: u8,
    kind: u8,
    lba: u64,
    sectors: u64,
}

fn entries(sector: &[u8; 512]) -> [Entry; 4] {
    std::array::from_fn(|i| {
        let e = &sector[446 + 16 * i..446 + 16 * (i + 1)];
        Entry {
            status: e[0],
            kind: e[4],
            lba: u64::from(u32::from_le_bytes([e[8], e[9], e[10], e[11]])),
            sectors: u64::from(u32::from_le_bytes([e[12], e[13], e[14], e[15]])),
        }
    })
}

fn is_extended(kind: u8) -> bool {
    matches!(kind, 0x05 | 0x0f | 0x85)
}

pub(super) fn parse(disk: &dyn ReadAt, sector: &[u8; 512]) -> Result<Table> {
    if sector[510..512] != [0x55, 0xaa] {
        return Ok(Table::NotMbr);
    }
    let entries = entries(sector);
    let used: Vec<&Entry> = entries.iter().filter(|e| e.kind != 0).collect();
    // A FAT/NTFS boot sector has bytes in the entry area too; real entries have a 0x00/0x80
    // status and lie inside the disk.
    let disk_sectors = disk.size() / SECTOR;
    let plausible =
        !used.is_empty() && used.iter().all(|e| (e.status == 0 || e.status == 0x80) && e.lba > 0 && e.sectors > 0);
    if !plausible {
        return Ok(Table::NotMbr);
    }
    if used.iter().any(|e| e.kind == 0xee) {
        return Ok(Table::Protective);
    }
    let mut parts = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.kind == 0 {
            continue;
        }
        if e.lba + e.sectors > disk_sectors {
            return Err(Error::Corrupt {
                file: disk.name().to_owned(),
                structure: "MBR partition entry",
                offset: 446 + 16 * i as u64,
                detail: format!(
                    "partition {} spans sectors {}..{}, but the disk has {} sectors",
                    i + 1,
                    e.lba,
                    e.lba + e.sectors,
                    disk_sectors
                ),
            });
        }
        if is_extended(e.kind) {
            logical(disk, e.lba, &mut parts)?;
        } else {
            parts.push(Partition {
                number: i as u32 + 1,
                scheme: Scheme::Mbr,
                start: e.lba * SECTOR,
                size: e.sectors * SECTOR,
                type_id: format!("{:#04x}", e.kind),
                name: String::new(),
            });
        }
    }
    parts.sort_by_key(|p| p.number);
    Ok(Table::Partitions(parts))
}

/// Follows the EBR chain of an extended partition starting at `base` (in sectors).
fn logical(disk: &dyn ReadAt, base: u64, parts: &mut Vec<Partition>) -> Result<()> {
    let mut ebr_lba = base;
    for n in 0..MAX_LOGICAL_PARTITIONS {
        let mut sector = [0u8; 512];
        let offset = ebr_lba * SECTOR;
        disk.read_exact_at(offset, &mut sector)?;
        if sector[510..512] != [0x55, 0xaa] {
            return Err(Error::Corrupt {
                file: disk.name().to_owned(),
                structure: "extended boot record",
                offset: offset + 510,
                detail: format!("signature is {:02x} {:02x}, expected 55 aa", sector[510], sector[511]),
            });
        }
        let [first, second, ..] = entries(&sector);
        if first.kind != 0 && first.sectors > 0 {
            parts.push(Partition {
                number: 5 + n,
                scheme: Scheme::Mbr,
                start: (ebr_lba + first.lba) * SECTOR,
                size: first.sectors * SECTOR,
                type_id: format!("{:#04x}", first.kind),
                name: String::new(),
            });
        }
        if second.kind == 0 || second.lba == 0 {
            return Ok(());
        }
        // The next EBR is relative to the start of the extended partition.
        ebr_lba = base + second.lba;
    }
    Err(Error::Corrupt {
        file: disk.name().to_owned(),
        structure: "extended boot record chain",
        offset: base * SECTOR,
        detail: format!("more than {MAX_LOGICAL_PARTITIONS} logical partitions (a loop?)"),
    })
}
