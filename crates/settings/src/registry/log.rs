// SPDX-License-Identifier: GPL-3.0-or-later
//! Transaction logs (`.LOG1`/`.LOG2`, or `.LOG`): replaying them into a dirty hive.
//!
//! A hive is dirty when Windows stopped between writing its log and writing the hive. Two
//! log formats exist (Suhanov's regf specification, "Format of transaction log files"):
//!
//! * new (Windows 8.1+, file type 6): after a 512-byte base block, a sequence of `HvLE`
//!   entries, each with consecutive sequence numbers, the hive bins size, a list of
//!   (offset, size) dirty page references followed by the pages, and two Marvin32 hashes;
//!   an entry whose signature, size, sequence number or hashes are wrong ends the log.
//! * old (Vista/7, file type 1 or 2): after the base block, a `DIRT` bitmap with one bit per
//!   512-byte page of the hive bins, then the dirty pages in bitmap order.
//!
//! Replay follows what Windows does (and what yarp reproduces): with two new-format logs,
//! the one with the smaller sequence number is applied first, then the other if it
//! continues the sequence. The replay works on an in-memory copy; the image is never written.

use imagefs::Error;

use super::hive::{base_block_checksum, le32, BaseBlock, BASE_BLOCK_SIZE};

/// Log base blocks are 512 bytes (the rest of the first sector is unused).
const LOG_BASE_BLOCK_SIZE: usize = 512;
/// Seed of the Marvin32 hashes in log entries.
const MARVIN_SEED: u64 = 0x82EF_4D88_7A4E_55C5;
/// File type of a new-format log.
const FILE_TYPE_LOG_NEW: u32 = 6;
/// File types of old-format logs.
const FILE_TYPES_LOG_OLD: [u32; 2] = [1, 2];
/// Upper bound for the hive bins size after replay; the hive was read with a similar limit
/// and a log entry may not make it grow without bound.
pub const MAX_REPLAYED_HIVE: usize = 512 * 1024 * 1024;

/// Marvin32 hash (the 64-bit form), as used by Windows for log entries.
fn marvin32(data: &[u8], seed: u64) -> u64 {
    let mut lo = seed as u32;
    let mut hi = (seed >> 32) as u32;
    let round = |lo: &mut u32, hi: &mut u32| {
        *hi ^= *lo;
        *lo = lo.rotate_left(20);
        *lo = lo.wrapping_add(*hi);
        *hi = hi.rotate_left(9);
        *hi ^= *lo;
        *lo = lo.rotate_left(27);
        *lo = lo.wrapping_add(*hi);
        *hi = hi.rotate_left(19);
    };
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        lo = lo.wrapping_add(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        round(&mut lo, &mut hi);
    }
    let rest = chunks.remainder();
    let mut last = 0x80u32;
    for &b in rest.iter().rev() {
        last = (last << 8) | u32::from(b);
    }
    lo = lo.wrapping_add(last);
    round(&mut lo, &mut hi);
    round(&mut lo, &mut hi);
    (u64::from(hi) << 32) | u64::from(lo)
}

/// What a replay did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Replay {
    /// Log files applied, in order.
    pub applied: Vec<String>,
    /// Log entries (new format) or dirty pages (old format) written.
    pub units: usize,
}

/// A log file offered for replay.
#[derive(Debug, Clone, Copy)]
pub struct LogFile<'a> {
    /// Name for messages.
    pub name: &'a str,
    /// Whole file.
    pub bytes: &'a [u8],
}

fn corrupt(file: &str, structure: &'static str, offset: usize, detail: impl Into<String>) -> Error {
    Error::Corrupt { file: file.to_owned(), structure, offset: offset as u64, detail: detail.into() }
}

/// Parses a log's base block and checks it is a usable log of the given kind.
fn log_base(log: &LogFile<'_>, new_format: bool) -> Result<BaseBlock, Error> {
    let base = BaseBlock::parse(log.bytes, log.name)?;
    let ok_type =
        if new_format { base.file_type == FILE_TYPE_LOG_NEW } else { FILE_TYPES_LOG_OLD.contains(&base.file_type) };
    if !ok_type {
        return Err(corrupt(log.name, "log base block", 28, format!("file type {} is not expected", base.file_type)));
    }
    if base.is_dirty() {
        return Err(corrupt(log.name, "log base block", 4, "the log's own base block is inconsistent"));
    }
    Ok(base)
}

/// Writes `page` at `offset` of the hive bins, growing the hive when the log says it grew.
fn write_page(
    hive: &mut Vec<u8>,
    bins_offset: usize,
    page: &[u8],
    max_bins: usize,
    log: &str,
    at: usize,
) -> Result<(), Error> {
    let start = BASE_BLOCK_SIZE
        .checked_add(bins_offset)
        .filter(|s| s.saturating_add(page.len()) <= BASE_BLOCK_SIZE + max_bins)
        .ok_or_else(|| corrupt(log, "dirty page reference", at, "page lies beyond any plausible hive size"))?;
    let end = start + page.len();
    if hive.len() < end {
        hive.resize(end, 0);
    }
    if let Some(dst) = hive.get_mut(start..end) {
        dst.copy_from_slice(page);
    }
    Ok(())
}

/// Sets the hive's base block after a replay: consistent sequence numbers, the log's root
/// cell, version and hive bins size, and a fresh checksum.
fn finish_base_block(hive: &mut Vec<u8>, log_base: &[u8], sequence: u32, hbins_size: u32) {
    fn put(hive: &mut [u8], at: usize, v: u32) {
        if let Some(dst) = hive.get_mut(at..at + 4) {
            dst.copy_from_slice(&v.to_le_bytes());
        }
    }
    let bins_end = BASE_BLOCK_SIZE + hbins_size as usize;
    if hive.len() < bins_end {
        hive.resize(bins_end, 0);
    }
    put(hive, 4, sequence);
    put(hive, 8, sequence);
    for at in [20, 24, 36] {
        put(hive, at, le32(log_base, at).unwrap_or(0));
    }
    put(hive, 28, 0);
    put(hive, 40, hbins_size);
    let sum = base_block_checksum(hive).unwrap_or(1);
    put(hive, 508, sum);
}

/// Applies the valid entries of one new-format log. Returns the last sequence number
/// applied, or `None` if the log had no valid entry.
fn apply_new_log(
    hive: &mut Vec<u8>,
    log: &LogFile<'_>,
    base: &BaseBlock,
    max_bins: usize,
    units: &mut usize,
) -> Option<u32> {
    /// Each entry is at least one 512-byte sector, so a log of N bytes has fewer than N/512
    /// entries; this constant only documents that the loop below is bounded by the file.
    const SECTOR: usize = 512;
    let bytes = log.bytes;
    let mut at = LOG_BASE_BLOCK_SIZE;
    let mut expected = base.primary_sequence;
    let mut last = None;
    let mut hbins = base.hbins_size;
    while at.saturating_add(40) <= bytes.len() {
        let Some(entry_head) = bytes.get(at..at + 40) else { break };
        if &entry_head[..4] != b"HvLE" {
            break;
        }
        let size = le32(entry_head, 4).unwrap_or(0) as usize;
        let Some(entry) = bytes.get(at..at.saturating_add(size)) else { break };
        let sequence = le32(entry_head, 12).unwrap_or(0);
        let entry_hbins = le32(entry_head, 16).unwrap_or(0);
        let pages = le32(entry_head, 20).unwrap_or(0) as usize;
        let hash1 = u64::from(le32(entry_head, 24).unwrap_or(0)) | (u64::from(le32(entry_head, 28).unwrap_or(0)) << 32);
        let hash2 = u64::from(le32(entry_head, 32).unwrap_or(0)) | (u64::from(le32(entry_head, 36).unwrap_or(0)) << 32);
        let refs_end = pages.checked_mul(8).and_then(|n| n.checked_add(40));
        let valid = size >= SECTOR
            && size % SECTOR == 0
            && entry_hbins >= 4096
            && entry_hbins % 4096 == 0
            && entry_hbins as usize <= max_bins
            && pages > 0
            && refs_end.is_some_and(|e| e <= size)
            && sequence == expected
            && marvin32(&entry_head[..32], MARVIN_SEED) == hash2
            && marvin32(entry.get(40..).unwrap_or(&[]), MARVIN_SEED) == hash1;
        if !valid {
            break;
        }
        // Check every page fits before writing any, so an entry applies whole or not at all.
        let mut data_at = refs_end.unwrap_or(size);
        let mut plan = Vec::with_capacity(pages.min(size / 8));
        for i in 0..pages {
            let r = 40 + i * 8;
            let (Some(offset), Some(len)) = (le32(entry, r), le32(entry, r + 4)) else { return last };
            let Some(page) = entry.get(data_at..data_at.saturating_add(len as usize)) else { return last };
            plan.push((offset as usize, page, at + r));
            data_at += len as usize;
        }
        if plan.iter().any(|&(offset, page, _)| offset.saturating_add(page.len()) > entry_hbins as usize) {
            return last;
        }
        for (offset, page, ref_at) in plan {
            if write_page(hive, offset, page, max_bins, log.name, ref_at).is_err() {
                return last;
            }
        }
        *units += 1;
        hbins = entry_hbins;
        last = Some(sequence);
        expected = sequence.wrapping_add(1);
        at += size;
    }
    if let Some(seq) = last {
        finish_base_block(hive, bytes, seq, hbins);
    }
    last
}

/// Applies an old-format (`DIRT`) log.
fn apply_old_log(
    hive: &mut Vec<u8>,
    log: &LogFile<'_>,
    base: &BaseBlock,
    max_bins: usize,
    units: &mut usize,
) -> Result<(), Error> {
    let bytes = log.bytes;
    let hbins = base.hbins_size as usize;
    if hbins % 4096 != 0 {
        return Err(corrupt(log.name, "log base block", 40, format!("hive bins size {hbins} is invalid")));
    }
    if hbins > max_bins {
        return Err(corrupt(
            log.name,
            "log base block",
            40,
            format!("hive bins size {hbins} is more than the hive and its logs justify ({max_bins} bytes)"),
        ));
    }
    if bytes.get(LOG_BASE_BLOCK_SIZE..LOG_BASE_BLOCK_SIZE + 4) != Some(b"DIRT") {
        return Err(corrupt(log.name, "dirty vector", LOG_BASE_BLOCK_SIZE, "signature is not \"DIRT\""));
    }
    let vector_len = hbins / 4096;
    let bitmap_start = LOG_BASE_BLOCK_SIZE + 4;
    let bitmap = bytes
        .get(bitmap_start..bitmap_start + vector_len)
        .ok_or_else(|| corrupt(log.name, "dirty vector", bitmap_start, "bitmap is truncated"))?;
    let pages_start = (bitmap_start + vector_len).div_ceil(512) * 512;
    let mut page_index = 0usize;
    for bit in 0..vector_len * 8 {
        if bitmap.get(bit / 8).is_some_and(|b| b >> (bit % 8) & 1 == 1) {
            let from = pages_start + page_index * 512;
            let page = bytes
                .get(from..from + 512)
                .ok_or_else(|| corrupt(log.name, "dirty page", from, "page is past the end of the log"))?;
            write_page(hive, bit * 512, page, max_bins, log.name, from)?;
            page_index += 1;
            *units += 1;
        }
    }
    finish_base_block(hive, bytes, base.primary_sequence, base.hbins_size);
    Ok(())
}

/// The largest hive bins size a replay may produce: every page a log adds is stored in the
/// log, so the replayed bins are at most the primary file's bins plus the logs' bytes (and
/// never more than [`MAX_REPLAYED_HIVE`]). An 8 KiB hive whose log declares 512 MiB of bins
/// does not become a 512 MiB allocation.
fn justified_bins(hive_len: usize, logs: &[LogFile<'_>]) -> usize {
    let logs_len = logs.iter().fold(0usize, |sum, l| sum.saturating_add(l.bytes.len()));
    hive_len.saturating_sub(BASE_BLOCK_SIZE).saturating_add(logs_len).min(MAX_REPLAYED_HIVE)
}

/// Replays `logs` into the dirty hive `hive` (the whole file, modified in place).
///
/// # Errors
/// No log applies: none is a valid log of this hive, or none is newer than the hive.
pub fn replay(hive: &mut Vec<u8>, hive_name: &str, logs: &[LogFile<'_>]) -> Result<Replay, Error> {
    let primary = BaseBlock::parse(hive, hive_name)?;
    let max_bins = justified_bins(hive.len(), logs);
    let mut result = Replay::default();
    let mut news: Vec<(&LogFile<'_>, BaseBlock)> =
        logs.iter().filter_map(|l| log_base(l, true).ok().map(|b| (l, b))).collect();
    if !news.is_empty() {
        // The starting log has the smaller sequence number (with wrap-around).
        news.sort_by(|a, b| {
            let delta = b.1.primary_sequence.wrapping_sub(a.1.primary_sequence);
            if a.1.primary_sequence == b.1.primary_sequence {
                std::cmp::Ordering::Equal
            } else if delta <= 0x7fff_ffff {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        let valid_primary = primary.checksum_ok;
        let mut last: Option<u32> = None;
        for (i, (log, base)) in news.iter().enumerate() {
            // A log older than the hive's last complete write holds nothing new.
            if valid_primary && base.primary_sequence < primary.secondary_sequence {
                continue;
            }
            // A second log only continues the first one.
            if let Some(prev) = last {
                if base.primary_sequence != prev.wrapping_add(1) {
                    continue;
                }
            } else if !valid_primary && i + 1 < news.len() {
                // Without a trustworthy base block Windows uses the newer log only.
                continue;
            }
            if let Some(seq) = apply_new_log(hive, log, base, max_bins, &mut result.units) {
                last = Some(seq);
                result.applied.push(log.name.to_owned());
            }
        }
        if !result.applied.is_empty() {
            return Ok(result);
        }
    }
    // Old format: use the most recently written valid log (one is usually empty).
    let mut olds: Vec<(&LogFile<'_>, BaseBlock)> =
        logs.iter().filter_map(|l| log_base(l, false).ok().map(|b| (l, b))).collect();
    olds.sort_by_key(|(_, b)| std::cmp::Reverse(b.primary_sequence));
    let mut last_error = None;
    for (log, base) in olds {
        let mut copy = hive.clone();
        match apply_old_log(&mut copy, log, &base, max_bins, &mut result.units) {
            Ok(()) => {
                *hive = copy;
                result.applied.push(log.name.to_owned());
                return Ok(result);
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        corrupt(hive_name, "regf base block", 4, "no transaction log with newer data applies to this dirty hive")
    }))
}
