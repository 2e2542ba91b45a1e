// SPDX-License-Identifier: GPL-3.0-or-later
//! GUID partition table: header at LBA 1 (backup at the last LBA) and its entry array.
//!
//! Source: UEFI Specification 2.10, section 5.3 "GUID Partition Table (GPT) Disk Layout".

use super::{Partition, Scheme};
use crate::{source::read_vec, Error, ReadAt, Result};

const SECTOR: u64 = 512;
/// The spec requires at least 16 KiB for the entry array; 128 entries of 128 bytes is the
/// norm. A larger array is refused rather than allocated.
const MAX_ENTRIES: u32 = 4096;
const MAX_ENTRY_SIZE: u32 = 4096;

/// Reads the primary GPT, falling back to the backup header when the primary is damaged.
pub(super) fn read(disk: &dyn ReadAt) -> Result<Vec<Partition>> {
    match read_at_lba(disk, 1) {
        Ok(parts) => Ok(parts),
        Err(primary) => {
            let last = disk.size() / SECTOR;
            if last < 2 {
                return Err(primary);
            }
            read_at_lba(disk, last - 1).map_err(|_| primary)
        }
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

/// Formats a mixed-endian GUID as text (`C12A7328-F81F-11D2-BA4B-00A0C93EC93B`).
pub(crate) fn guid_text(b: &[u8]) -> String {
    format!(
        "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        le32(b, 0),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

fn read_at_lba(disk: &dyn ReadAt, lba: u64) -> Result<Vec<Partition>> {
    let offset = lba * SECTOR;
    let corrupt = |at: u64, detail: String| Error::Corrupt {
        file: disk.name().to_owned(),
        structure: "GPT header",
        offset: at,
        detail,
    };
    let mut header = [0u8; 92];
    disk.read_exact_at(offset, &mut header)?;
    if &header[0..8] != b"EFI PART" {
        return Err(corrupt(
            offset,
            format!("signature is {:?}, expected \"EFI PART\"", String::from_utf8_lossy(&header[0..8])),
        ));
    }
    let header_size = le32(&header, 12);
    if !(92..=512).contains(&header_size) {
        return Err(corrupt(offset + 12, format!("header size {header_size} is outside 92..=512")));
    }
    let mut full = vec![0u8; header_size as usize];
    disk.read_exact_at(offset, &mut full)?;
    let stored_crc = le32(&full, 16);
    full[16..20].fill(0);
    let crc = crc32fast::hash(&full);
    if crc != stored_crc {
        return Err(corrupt(offset + 16, format!("header CRC32 is {stored_crc:#010x}, computed {crc:#010x}")));
    }
    let entries_lba = le64(&header, 72);
    let count = le32(&header, 80);
    let entry_size = le32(&header, 84);
    if count > MAX_ENTRIES || !(128..=MAX_ENTRY_SIZE).contains(&entry_size) || entry_size % 8 != 0 {
        return Err(corrupt(offset + 80, format!("{count} entries of {entry_size} bytes is not a valid entry array")));
    }
    let array_offset = entries_lba
        .checked_mul(SECTOR)
        .ok_or_else(|| corrupt(offset + 72, format!("entry array LBA {entries_lba} overflows")))?;
    let array = read_vec(disk, array_offset, u64::from(count) * u64::from(entry_size))?;
    let array_crc = crc32fast::hash(&array);
    if array_crc != le32(&header, 88) {
        return Err(Error::Corrupt {
            file: disk.name().to_owned(),
            structure: "GPT partition entry array",
            offset: array_offset,
            detail: format!("CRC32 is {array_crc:#010x}, header says {:#010x}", le32(&header, 88)),
        });
    }
    let mut parts = Vec::new();
    for (i, e) in array.chunks_exact(entry_size as usize).enumerate() {
        if e[0..16].iter().all(|&b| b == 0) {
            continue;
        }
        let first = le64(e, 32);
        let last = le64(e, 40);
        let entry_offset = array_offset + i as u64 * u64::from(entry_size);
        if last < first || last.saturating_add(1).saturating_mul(SECTOR) > disk.size() {
            return Err(Error::Corrupt {
                file: disk.name().to_owned(),
                structure: "GPT partition entry",
                offset: entry_offset + 32,
                detail: format!("LBA range {first}..={last} does not fit the {}-byte disk", disk.size()),
            });
        }
        let name: Vec<u16> =
            e[56..128].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&c| c != 0).collect();
        parts.push(Partition {
            number: i as u32 + 1,
            scheme: Scheme::Gpt,
            start: first * SECTOR,
            size: (last - first + 1) * SECTOR,
            type_id: guid_text(&e[0..16]),
            name: String::from_utf16_lossy(&name),
        });
    }
    Ok(parts)
}
