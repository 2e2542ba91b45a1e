// SPDX-License-Identifier: GPL-3.0-or-later
//! The tar archive of an OVA, read in place: member names and where their bytes are.
//! POSIX ustar headers, with the pax (`x`) and GNU long-name (`L`) extensions that tar
//! writes for long names and members over 8 GiB.

use crate::{read_vec, Error, ReadAt, Result};

/// Most members listed. An OVA holds an OVF, a manifest, a certificate and its disks.
pub(super) const MAX_MEMBERS: usize = 4096;

/// Largest pax extended header or GNU long name read.
const MAX_EXTENDED_HEADER: u64 = 64 * 1024;

/// One regular file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Member {
    /// Path inside the archive.
    pub(super) name: String,
    /// Absolute offset of its data.
    pub(super) offset: u64,
    /// Length of its data.
    pub(super) size: u64,
}

/// Parses an octal field (NUL/space padded), or a GNU base-256 one (high bit set).
fn number(field: &[u8]) -> Option<u64> {
    if let Some((&first, rest)) = field.split_first() {
        if first & 0x80 != 0 {
            let mut v = u64::from(first & 0x7f);
            for &b in rest {
                v = v.checked_mul(256)?.checked_add(u64::from(b))?;
            }
            return Some(v);
        }
    }
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Values of a pax extended header (`"%d %s=%s\n"` records) that matter here.
fn pax(data: &[u8], name: &mut Option<String>, size: &mut Option<u64>) {
    let mut rest = data;
    // Each record is at least "0 k=\n"-long, so this loop ends within data.len() / 5 turns.
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let Some(len) = std::str::from_utf8(&rest[..space]).ok().and_then(|l| l.parse::<usize>().ok()) else { return };
        if len <= space || len > rest.len() {
            return;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=') {
            let (key, value) = (&record[..eq], &record[eq + 1..]);
            match key {
                b"path" => *name = Some(String::from_utf8_lossy(value).into_owned()),
                b"size" => *size = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()),
                _ => {}
            }
        }
        rest = &rest[len..];
    }
}

/// Lists the regular files of the tar archive in `source`.
pub(super) fn members(source: &dyn ReadAt) -> Result<Vec<Member>> {
    let file = source.name();
    let mut members = Vec::new();
    let mut at = 0u64;
    let mut long_name: Option<String> = None;
    let mut long_size: Option<u64> = None;
    // Bounded: every turn advances by at least one 512-byte block, and members are capped.
    while at.saturating_add(512) <= source.size() {
        let mut h = [0u8; 512];
        source.read_exact_at(at, &mut h)?;
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let corrupt =
            |detail: String| Error::Corrupt { file: file.to_owned(), structure: "tar header", offset: at, detail };
        let stored = number(&h[148..156]).ok_or_else(|| corrupt("checksum field is not octal".into()))?;
        let sum: u64 =
            h.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { u64::from(b) }).sum();
        if stored != sum {
            return Err(corrupt(format!("checksum is {stored}, the header sums to {sum}")));
        }
        let size = number(&h[124..136]).ok_or_else(|| corrupt("size field is not a number".into()))?;
        let size = long_size.take().unwrap_or(size);
        let data = at + 512;
        let next = size
            .div_ceil(512)
            .checked_mul(512)
            .and_then(|s| data.checked_add(s))
            .ok_or_else(|| corrupt(format!("member size {size} overflows")))?;
        let typeflag = h[156];
        match typeflag {
            b'x' | b'L' => {
                if size > MAX_EXTENDED_HEADER {
                    return Err(corrupt(format!("extended header of {size} bytes")));
                }
                let bytes = read_vec(source, data, size)?;
                if typeflag == b'L' {
                    long_name = Some(text(&bytes));
                } else {
                    pax(&bytes, &mut long_name, &mut long_size);
                }
            }
            b'0' | 0 | b'7' => {
                let mut name = text(&h[..100]);
                if &h[257..262] == b"ustar" && h[345] != 0 {
                    name = format!("{}/{name}", text(&h[345..500]));
                }
                let name = long_name.take().unwrap_or(name);
                if members.len() >= MAX_MEMBERS {
                    return Err(corrupt(format!("more than {MAX_MEMBERS} members")));
                }
                if data.checked_add(size).is_none_or(|end| end > source.size()) {
                    return Err(Error::OutOfBounds {
                        file: file.to_owned(),
                        offset: data,
                        len: size,
                        size: source.size(),
                    });
                }
                members.push(Member { name, offset: data, size });
            }
            // Directories, links, global pax headers: nothing to read.
            _ => long_name = None,
        }
        at = next;
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_octal_and_base256() {
        assert_eq!(number(b"00000001750\0"), Some(1000));
        assert_eq!(number(b"     \0"), Some(0));
        assert_eq!(number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00]), Some(512));
        assert_eq!(number(b"12x\0"), None);
    }

    #[test]
    fn pax_records() {
        let (mut name, mut size) = (None, None);
        pax(b"29 path=dir/a-long-name.vmdk\n20 size=12345678901\n", &mut name, &mut size);
        assert_eq!(name.as_deref(), Some("dir/a-long-name.vmdk"));
        assert_eq!(size, Some(12_345_678_901));
    }
}
