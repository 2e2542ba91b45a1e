// SPDX-License-Identifier: GPL-3.0-or-later
//! The VHDX log (MS-VHDX 2.3), replayed in memory.
//!
//! Metadata updates (BAT, metadata region) are first written to a circular log, then to
//! their place. An image whose header names a log GUID was not closed cleanly: the
//! updates of the active log sequence may not have reached their place, so they are
//! replayed here, without writing, as an overlay over the file.
//!
//! Finding the active sequence follows the specification (and qemu): every 4 KiB position
//! of the log is tried as the start of a chain of valid entries (signature, CRC-32C, log
//! GUID, consecutive sequence numbers, descriptors and data sectors that agree), and the
//! chain whose last entry has the highest sequence number wins.

use std::rc::Rc;

use super::crc32c::checksum_skipping;
use super::header::Header;
use super::{le32, le64, Guid};
use crate::{check_bounds, read_vec, Error, ReadAt, Result, Source};

/// Log sectors are 4 KiB.
const SECTOR: u64 = 4096;

/// Largest log replayed. Windows and qemu make 1 MiB logs; the specification allows any
/// multiple of 1 MiB, and the whole log is read into memory.
const MAX_LOG_LEN: u32 = 64 * 1024 * 1024;

/// Most bytes checksummed while searching the log. Hostile entries claiming the whole log
/// at every sector would otherwise cost (log sectors x log length) of CRC work.
const MAX_SCAN_BYTES: u64 = 256 * 1024 * 1024;

/// Most updates replayed (descriptors of one sequence): each is kept in memory and laid
/// over every read. Real sequences hold a handful.
const MAX_WRITES: usize = 64 * 1024;

/// One replayed update of the file.
#[derive(Debug, Clone)]
enum Write {
    /// A 4 KiB sector written at this offset.
    Data(u64, Rc<[u8]>),
    /// `len` zero bytes written at this offset.
    Zero(u64, u64),
}

/// The valid entries of one log sequence.
#[derive(Debug, Default)]
struct Sequence {
    head_sequence: u64,
    entries: usize,
    last_file_offset: u64,
    writes: Vec<Write>,
}

/// The file with the active log sequence applied, and how many entries that took.
pub(super) fn replay(file: &Source, header: &Header) -> Result<(Source, usize)> {
    let corrupt = |detail: String| Error::Corrupt {
        file: file.name().to_owned(),
        structure: "VHDX log",
        offset: header.log_offset,
        detail,
    };
    let len = header.log_length;
    if len == 0 || u64::from(len) % SECTOR != 0 {
        return Err(corrupt(format!("log length {len} is not a positive multiple of 4 KiB")));
    }
    if len > MAX_LOG_LEN {
        return Err(Error::Unsupported {
            file: file.name().to_owned(),
            structure: "VHDX log",
            offset: header.log_offset,
            detail: format!("a {len}-byte log to replay (at most {MAX_LOG_LEN} are)"),
        });
    }
    // read_vec checks the log against the file size before allocating.
    let log = read_vec(&**file, header.log_offset, u64::from(len))?;
    let mut best: Option<Sequence> = None;
    let sectors = u64::from(len) / SECTOR;
    let mut start = 0u64;
    let mut budget = MAX_SCAN_BYTES;
    let too_much = || Error::Unsupported {
        file: file.name().to_owned(),
        structure: "VHDX log",
        offset: header.log_offset,
        detail: format!(
            "the log needs more than {} MiB of checksumming or {MAX_WRITES} updates to replay",
            MAX_SCAN_BYTES >> 20
        ),
    };
    // Every start position is tried at most once: the loop is bounded by the sector count.
    while start < sectors {
        let mut sequence = Sequence::default();
        let mut pos = start;
        let mut expected = None;
        // A chain cannot hold more entries than the log has sectors.
        for _ in 0..sectors {
            let Some(entry) = parse_entry(&log, pos * SECTOR, header.log_guid, expected, &mut budget) else {
                break;
            };
            if budget == 0 || sequence.writes.len() + entry.writes.len() > MAX_WRITES {
                return Err(too_much());
            }
            sequence.head_sequence = entry.sequence;
            sequence.entries += 1;
            sequence.last_file_offset = entry.last_file_offset;
            sequence.writes.extend(entry.writes);
            expected = Some(entry.sequence + 1);
            pos = (pos + entry.sectors) % sectors;
            if pos == start {
                break;
            }
        }
        if budget == 0 {
            return Err(too_much());
        }
        let advance = if sequence.entries == 0 { 1 } else { (pos + sectors - start) % sectors };
        if sequence.entries > 0 && best.as_ref().is_none_or(|b| sequence.head_sequence > b.head_sequence) {
            best = Some(sequence);
        }
        // A chain that wrapped around to its own start has covered the whole log.
        if advance == 0 {
            break;
        }
        start += advance;
    }
    let Some(best) = best else {
        // A log GUID without a valid entry: the log is empty and nothing is replayed.
        return Ok((Rc::clone(file), 0));
    };
    let size = file.size().max(best.last_file_offset);
    let entries = best.entries;
    Ok((Rc::new(Replayed { inner: Rc::clone(file), size, writes: best.writes }), entries))
}

/// One valid log entry.
struct Entry {
    sequence: u64,
    sectors: u64,
    last_file_offset: u64,
    writes: Vec<Write>,
}

/// The `len` bytes of the circular `log` from `offset`, wrapping at its end.
fn circular(log: &[u8], offset: u64, len: u64) -> Option<Vec<u8>> {
    let size = log.len() as u64;
    if len > size {
        return None;
    }
    let start = usize::try_from(offset % size).ok()?;
    let len = usize::try_from(len).ok()?;
    let first = (log.len() - start).min(len);
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(log.get(start..start + first)?);
    out.extend_from_slice(log.get(..len - first)?);
    Some(out)
}

/// The entry at `offset` of the log, if it is valid and (when `expected` is given) has that
/// sequence number.
/// Checksumming spends `budget`; an entry that would overdraw it is not read (and the
/// budget is emptied, which the caller reports).
fn parse_entry(log: &[u8], offset: u64, guid: Guid, expected: Option<u64>, budget: &mut u64) -> Option<Entry> {
    let head = circular(log, offset, SECTOR)?;
    if head.get(0..4) != Some(b"loge".as_slice()) {
        return None;
    }
    let length = u64::from(le32(&head, 8));
    let sequence = le64(&head, 16);
    let descriptors = u64::from(le32(&head, 24));
    if length == 0 || length % SECTOR != 0 || Guid::at(&head, 32) != guid || expected.is_some_and(|e| e != sequence) {
        return None;
    }
    if descriptors > MAX_WRITES as u64 {
        return None;
    }
    if length > *budget {
        *budget = 0;
        return None;
    }
    *budget -= length;
    let entry = circular(log, offset, length)?;
    if le32(&entry, 4) != checksum_skipping(&entry, 4) {
        return None;
    }
    let descriptor_sectors = (64 + 32 * descriptors).div_ceil(SECTOR);
    if descriptor_sectors * SECTOR > length {
        return None;
    }
    let mut writes = Vec::new();
    let mut data_sector = descriptor_sectors;
    for i in 0..descriptors {
        // In bounds: descriptors end within the descriptor sectors checked above.
        let d = usize::try_from(64 + 32 * i).ok()?;
        let desc = entry.get(d..d + 32)?;
        let file_offset = le64(desc, 16);
        if le64(desc, 24) != sequence {
            return None;
        }
        match desc.get(0..4)? {
            b"zero" => {
                let len = le64(desc, 8);
                if len % SECTOR != 0 || file_offset % SECTOR != 0 {
                    return None;
                }
                writes.push(Write::Zero(file_offset, len));
            }
            b"desc" => {
                let s = usize::try_from(data_sector * SECTOR).ok()?;
                let sector = entry.get(s..s + SECTOR as usize)?;
                let seq = (u64::from(le32(sector, 4)) << 32) | u64::from(le32(sector, 4092));
                if sector.get(0..4)? != b"data" || seq != sequence || file_offset % SECTOR != 0 {
                    return None;
                }
                // The sector is the descriptor's 8 leading bytes, the data sector's middle
                // 4084 bytes and the descriptor's 4 trailing bytes.
                let mut data = Vec::with_capacity(SECTOR as usize);
                data.extend_from_slice(desc.get(8..16)?);
                data.extend_from_slice(sector.get(8..4092)?);
                data.extend_from_slice(desc.get(4..8)?);
                writes.push(Write::Data(file_offset, data.into()));
                data_sector += 1;
            }
            _ => return None,
        }
    }
    if data_sector * SECTOR > length {
        return None;
    }
    Some(Entry { sequence, sectors: length / SECTOR, last_file_offset: le64(&head, 56), writes })
}

/// A file with replayed log writes laid over it, in log order.
struct Replayed {
    inner: Source,
    size: u64,
    writes: Vec<Write>,
}

impl std::fmt::Debug for Replayed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayed").field("inner", &self.inner.name()).field("writes", &self.writes.len()).finish()
    }
}

impl ReadAt for Replayed {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(self.name(), self.size, offset, buf.len())?;
        // The file may have been extended by the log (LastFileOffset): zeros past its end.
        super::read_parent(Some(&self.inner), offset, buf)?;
        let end = offset + buf.len() as u64;
        for write in &self.writes {
            let (start, len) = match write {
                Write::Data(at, data) => (*at, data.len() as u64),
                Write::Zero(at, len) => (*at, *len),
            };
            let (lo, hi) = (start.max(offset), start.saturating_add(len).min(end));
            if lo >= hi {
                continue;
            }
            let dst = &mut buf[(lo - offset) as usize..(hi - offset) as usize];
            match write {
                Write::Data(_, data) => {
                    let from = (lo - start) as usize;
                    dst.copy_from_slice(&data[from..from + dst.len()]);
                }
                Write::Zero(..) => dst.fill(0),
            }
        }
        Ok(())
    }
}
