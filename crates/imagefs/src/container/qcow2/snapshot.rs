// SPDX-License-Identifier: GPL-3.0-or-later
//! The QCOW2 snapshot table (`docs/interop/qcow2.txt`, "Snapshots"): internal snapshots,
//! each a saved copy of the L1 table that still maps the clusters of its time.
//!
//! Each entry is a 40-byte fixed part (L1 table offset and size, lengths of the ID and
//! name, date, VM clock, VM state size, extra data size), the extra data (version 3: the
//! virtual disk size of the snapshot), the ID and name strings, padded to 8 bytes.

use super::header::{be32, be64, Header, MAX_L1_BYTES};
use crate::{check_bounds, read_vec, Error, ReadAt, Result};

/// qemu's `QCOW_MAX_SNAPSHOTS`: it refuses images with more internal snapshots.
pub(super) const MAX_SNAPSHOTS: u32 = 65536;

/// qemu's `QCOW_MAX_SNAPSHOTS_SIZE`: the whole table is at most 64 MiB.
const MAX_TABLE_BYTES: u64 = 64 * 1024 * 1024;

/// qemu's `QCOW_MAX_SNAPSHOT_EXTRA_DATA`: extra data per entry is at most 1 KiB.
const MAX_EXTRA_DATA: u32 = 1024;

/// Length of the fixed part of an entry.
const FIXED: u64 = 40;

/// One internal snapshot of a QCOW2 image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Unique ID string (qemu numbers them "1", "2"…).
    pub id: String,
    /// Name (the tag given to `qemu-img snapshot -c`).
    pub name: String,
    /// Size of the virtual disk when the snapshot was taken.
    pub virtual_size: u64,
    /// When it was taken, seconds since 1970-01-01 UTC.
    pub date_secs: u32,
    /// Absolute offset of the snapshot's L1 table.
    pub(super) l1_table_offset: u64,
    /// Entries of that L1 table.
    pub(super) l1_size: u32,
    /// Absolute offset of the table entry, for error messages.
    pub(super) entry_offset: u64,
}

impl Snapshot {
    /// The date as `YYYY-MM-DD hh:mm:ss UTC`.
    pub fn date_utc(&self) -> String {
        let secs = u64::from(self.date_secs);
        let (days, rem) = (secs / 86_400, secs % 86_400);
        let (y, m, d) = civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem / 60 % 60, rem % 60)
    }

    /// One-line description for a layer: `1 'snap1' 67108864 bytes 2026-11-28 23:23:06 UTC`.
    pub(super) fn describe(&self) -> String {
        format!("{} '{}' {} bytes {}", self.id, self.name, self.virtual_size, self.date_utc())
    }
}

/// Year, month, day of the `days`-th day after 1970-01-01 (proleptic Gregorian calendar;
/// Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// Reads the first `limit` entries of the snapshot table of `file` (all of them when
/// `limit` is at least `nb_snapshots`).
///
/// # Errors
/// [`Error::Corrupt`] naming the entry's offset when the table claims more snapshots than
/// qemu allows or than the file can hold, or an entry runs past the file or the table limit.
pub(super) fn read(file: &dyn ReadAt, header: &Header, limit: u32) -> Result<Vec<Snapshot>> {
    let name = file.name();
    let corrupt = |offset: u64, detail: String| Error::Corrupt {
        file: name.to_owned(),
        structure: "QCOW2 snapshot table",
        offset,
        detail,
    };
    let count = header.nb_snapshots;
    if count == 0 {
        return Ok(Vec::new());
    }
    let start = header.snapshots_offset;
    if count > MAX_SNAPSHOTS {
        return Err(corrupt(60, format!("nb_snapshots {count} is over qemu's limit of {MAX_SNAPSHOTS}")));
    }
    // Every entry takes at least its fixed part: the file must have room for all of them.
    let room = file.size().saturating_sub(start);
    if u64::from(count) * FIXED > room {
        return Err(corrupt(
            60,
            format!("nb_snapshots {count} entries of at least {FIXED} bytes cannot fit in the {room} bytes after {start:#x}"),
        ));
    }
    let mut out = Vec::new();
    let mut pos = start;
    // Bounded by MAX_SNAPSHOTS (checked above).
    for _ in 0..count.min(limit) {
        if pos - start + FIXED > MAX_TABLE_BYTES {
            return Err(corrupt(pos, format!("the table runs past qemu's {MAX_TABLE_BYTES}-byte limit")));
        }
        check_bounds(name, file.size(), pos, FIXED as usize)?;
        let mut f = [0u8; FIXED as usize];
        file.read_exact_at(pos, &mut f)?;
        let l1_table_offset = be64(&f, 0);
        let l1_size = be32(&f, 8);
        let id_len = u64::from(u16::from_be_bytes([f[12], f[13]]));
        let name_len = u64::from(u16::from_be_bytes([f[14], f[15]]));
        let date_secs = be32(&f, 16);
        let extra_len = be32(&f, 36);
        if extra_len > MAX_EXTRA_DATA {
            return Err(corrupt(pos + 36, format!("extra_data_size {extra_len} is over qemu's {MAX_EXTRA_DATA}")));
        }
        if u64::from(l1_size) * 8 > MAX_L1_BYTES {
            return Err(corrupt(pos + 8, format!("l1_size {l1_size} is beyond qemu's 32 MiB L1 limit")));
        }
        let variable = u64::from(extra_len) + id_len + name_len;
        let end = pos + FIXED + variable;
        if end - start > MAX_TABLE_BYTES {
            return Err(corrupt(pos, format!("the table runs past qemu's {MAX_TABLE_BYTES}-byte limit")));
        }
        // read_vec checks the range against the file before allocating (at most 1 KiB + 128 KiB).
        let rest = read_vec(file, pos + FIXED, variable)?;
        let extra = rest.get(..extra_len as usize).unwrap_or_default();
        // Extra data bytes 8..16: the snapshot's virtual disk size; older images lack it and
        // then the snapshot has the image's current size, as qemu assumes.
        let virtual_size = if extra.len() >= 16 { be64(extra, 8) } else { header.size };
        let text = |from: u64, len: u64| {
            let bytes = rest.get(from as usize..(from + len) as usize).unwrap_or_default();
            String::from_utf8_lossy(bytes).into_owned()
        };
        let id = text(u64::from(extra_len), id_len);
        let snap_name = text(u64::from(extra_len) + id_len, name_len);
        out.push(Snapshot {
            id,
            name: snap_name,
            virtual_size,
            date_secs,
            l1_table_offset,
            l1_size,
            entry_offset: pos,
        });
        pos = start + (end - start).div_ceil(8) * 8;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates_match_the_calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_420), (2025, 11, 28));
    }
}
