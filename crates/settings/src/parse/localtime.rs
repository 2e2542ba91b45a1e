// SPDX-License-Identifier: GPL-3.0-or-later
//! `/etc/localtime`: the machine's time zone.
//!
//! Usually a symlink into the zone database (`../usr/share/zoneinfo/Europe/Berlin`): the
//! zone name is the part after `zoneinfo/` ([`zone_from_link`]). When it is a copy of the
//! zone file (some installers, containers), the name is gone; the TZif file (RFC 8536)
//! from version 2 on ends with a footer holding the POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`),
//! which names the zone's behaviour ([`zone_from_tzif`]). A version-1 file has no footer:
//! its value is a hash of the whole file, so equal copies still compare equal.

/// Largest TZif file read: the biggest zone files are a few kilobytes.
pub const MAX_TZIF_FILE: u64 = 256 * 1024;
/// Longest footer accepted (RFC 8536 gives no limit; real ones are under 60 bytes).
const MAX_FOOTER: usize = 256;

/// Zone name from a symlink target: `…/zoneinfo/Europe/Berlin` → `Europe/Berlin`
/// (`posix/` and `right/` subtrees name the same zone). `None` when the target is not in
/// a zone database.
pub fn zone_from_link(target: &str) -> Option<String> {
    let (_, rest) = target.rsplit_once("zoneinfo/")?;
    let rest = rest.strip_prefix("posix/").or_else(|| rest.strip_prefix("right/")).unwrap_or(rest);
    let rest = rest.trim_matches('/');
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// The value for a TZif file's bytes and the byte offset it came from: `tz:<footer rule>`
/// for version 2+ files, `tzif:<64-bit FNV-1a of the file>` for version 1, `None` when
/// the bytes are not TZif.
pub fn zone_from_tzif(bytes: &[u8]) -> Option<(String, u64)> {
    if bytes.get(..4) != Some(b"TZif") {
        return None;
    }
    let footer = || {
        // "\n" rule "\n" at the very end of the file.
        let body = bytes.strip_suffix(b"\n")?;
        let start = body.iter().rposition(|&b| b == b'\n')? + 1;
        let rule = body.get(start..)?;
        (!rule.is_empty() && rule.len() <= MAX_FOOTER && rule.iter().all(u8::is_ascii_graphic))
            .then(|| (format!("tz:{}", String::from_utf8_lossy(rule)), start as u64))
    };
    if bytes.get(4).is_some_and(|&v| v != 0) {
        if let Some(found) = footer() {
            return Some(found);
        }
    }
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    Some((format!("tzif:{hash:016x}"), 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets() {
        assert_eq!(zone_from_link("../usr/share/zoneinfo/Europe/Berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(zone_from_link("/usr/share/zoneinfo/posix/Etc/UTC").as_deref(), Some("Etc/UTC"));
        assert_eq!(zone_from_link("/etc/alternatives/tz"), None);
        assert_eq!(zone_from_link("/usr/share/zoneinfo/"), None);
    }

    #[test]
    fn not_tzif_and_truncated() {
        assert_eq!(zone_from_tzif(b"Europe/Berlin\n"), None);
        assert_eq!(zone_from_tzif(b"TZi"), None);
        // Version 2 without a footer newline: falls back to the hash.
        assert!(zone_from_tzif(b"TZif2xyz").is_some_and(|(v, _)| v.starts_with("tzif:")));
    }
}
