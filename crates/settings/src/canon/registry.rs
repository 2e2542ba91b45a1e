// SPDX-License-Identifier: GPL-3.0-or-later
//! Registry values ([`RegistryContext`]; rules apply in this order; paths and names are the key
//! path and value name, values the text of [`crate::registry::format_value`]):
//!
//! | # | rule | applies to | example |
//! |---|---|---|---|
//! | R1 | the current control set (`Select\Current`) becomes `CurrentControlSet`; other control sets are dropped | SYSTEM paths | `ControlSet001\Services` → `CurrentControlSet\Services`; `ControlSet002\…` → (none) |
//! | R2 | (retired) interface GUIDs stay as they are: numbering them by sorted GUID gave the same adapter a different number on a machine with one more NIC. The ranking's peer-aware stage (`peerpressure::align`) lines up the GUIDs that one machine has once | | |
//! | R3 | user SIDs `S-1-5-21-a-b-c-RID` → `<user:RID>`; a machine SID `S-1-5-21-a-b-c` → `<machine-sid>`; well-known SIDs (`S-1-5-18`) stay | paths, names, values | `ProfileList\S-1-5-21-1-2-3-1001` → `ProfileList\<user:1001>` |
//! | R4 | a binary value equal to a profile's binary SID → `<user:RID>` | binary values | `ProfileList\…\Sid` |
//! | R5 | user names (last component of each `ProfileImagePath`, and the SAM's local accounts with RID ≥ 1000, which may have no profile) → `<user>`, case-insensitive, whole words only | paths, names, values | `C:\Users\alice\x.exe` → `C:\Users\<user>\x.exe` |
//! | R6 | computer name and TCP/IP host names → `<hostname>`, case-insensitive, whole words only | paths, names, values | `peer-a.corp.example` → `<hostname>.corp.example` |
//! | R7 | a value that is a MAC address (`00-15-5D-01-02-03`, `00:15:…`), or 12 hex digits in a value named `*NetworkAddress*`/`*Mac*` → `<mac>` | values | |
//! | R8 | an IPv4 address in a value whose name mentions an address, IP, server or gateway → `<ipv4>` (except `0.0.0.0`, loopback and masks `255.…`) | values | `DhcpIPAddress` `192.168.1.23` → `<ipv4>` |
//! | R9 | a value that is an IPv6 address (not `::` or `::1`) → `<ipv6>` | values | |
//! | R10 | install dates and timestamps: a value named `*Date`, `*Time`, `*Timestamp`, `InstallDate*`, `InstallTime*` holding a Unix time (2000–2100) or FILETIME (2000–2100), or any `REG_QWORD`/8-byte binary in the FILETIME range whose name mentions time/date → `<timestamp>` | values | `InstallDate` `1523264153` → `<timestamp>` |
//! | R11 | key paths and value names are case-folded to lower case (Windows compares them case-insensitively); the unnamed value is `(default)` | paths, names | `Services\Tcpip` → `services\tcpip` |
//! | R13 | service image paths ([`canonical_image_path`], [`Kind::Service`](crate::Kind::Service) values only): lower case, program quotes removed, the Windows directory as `%systemroot%` | service values | `\SystemRoot\System32\drivers\x.sys`, `System32\drivers\x.sys` → `%systemroot%\system32\drivers\x.sys` |
//! | R14 | per-user service instances (`Type` has `0x80`) named `<template>_<LUID>` → `<template>_<instance>` ([`Kind::Service`](crate::Kind::Service) names only; the raw registry keys keep the LUID) | service names | `cdpusersvc_b006d` → `cdpusersvc_<instance>` |
//! | R15 | people's names: the value of a field that holds one (`LastLoggedOnDisplayName`, `RegisteredOwner`, `DisplayName`/`FullName`/`UserName` below `…\Office\…\UserInfo`) → `<fullname>`; names of two words or more read from SOFTWARE's LogonUI `LastLoggedOnDisplayName` and `RegisteredOwner` → `<fullname>` wherever they occur (case-insensitive, whole words) | paths, names, values | `LastLoggedOnDisplayName` `Ben White` → `<fullname>` |
//! | R16 | e-mail addresses (`local@domain.tld`) → `<email>` | paths, names, values | `mailto:ben@example.org` → `mailto:<email>` |
//! | R12 | numbers: `REG_DWORD`/`REG_QWORD`/`REG_DWORD_BIG_ENDIAN` are already decimal; text in `REG_SZ` is left as written (`"01"` and `"1"` differ), since only the type says a value is numeric | values | |
//!
//! Tokens (`<user>`, `<hostname>`, …) never occur in real registry data, so they cannot
//! collide with a value that was there.

use model::anon::{contains_ci, has_sid, is_mac, replace_emails, replace_sids, replace_words, sid_token};

use super::{full_name_needles, person_name, MAX_FULL_NAMES};

/// What registry canonicalization needs to know about one machine (read from its hives
/// before the walk).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryContext {
    /// Number N of the current `ControlSet00N` (from `Select\Current`).
    pub current_control_set: Option<u32>,
    /// Computer name and TCP/IP host names, lower-cased.
    pub hostnames: Vec<String>,
    /// User profiles from `ProfileList`.
    pub users: Vec<UserProfile>,
    /// People's full names (rule R15), lower-case.
    pub full_names: Vec<String>,
}

impl RegistryContext {
    /// Adds a person's full name (rule R15) if it can be one (see [`person_name`]).
    pub fn add_full_name(&mut self, name: &str) {
        if let Some(n) = person_name(name) {
            if self.full_names.len() < MAX_FULL_NAMES && !self.full_names.contains(&n) {
                self.full_names.push(n);
            }
        }
    }
}

/// Values that hold a person's name whatever it is (rule R15), lower-case.
const PERSON_NAME_VALUES: &[&str] = &["lastloggedondisplayname", "registeredowner"];
/// Values below an Office `UserInfo` key that hold a person's name or initials.
const OFFICE_USER_VALUES: &[&str] = &["username", "userinitials", "displayname", "fullname"];

/// Is the value `name` of the key `path` a field holding a person's name (rule R15)?
pub fn is_person_name_value(path: &str, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    PERSON_NAME_VALUES.contains(&name.as_str())
        || (OFFICE_USER_VALUES.contains(&name.as_str())
            && contains_ci(path, "\\office\\")
            && path.to_ascii_lowercase().ends_with("\\userinfo"))
}

/// One user profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    /// SID string (`S-1-5-21-…`).
    pub sid: String,
    /// User name: last component of the profile path, lower-cased.
    pub name: String,
    /// The SID in binary form, for rule R4.
    pub binary_sid: Vec<u8>,
}

/// Binary form of a SID string (`S-1-5-21-1-2-3-1001`), for rule R4.
pub fn sid_to_binary(sid: &str) -> Option<Vec<u8>> {
    let mut parts = sid.split('-');
    if !parts.next()?.eq_ignore_ascii_case("s") {
        return None;
    }
    let revision: u8 = parts.next()?.parse().ok()?;
    let authority: u64 = parts.next()?.parse().ok()?;
    let subs: Vec<u32> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let count = u8::try_from(subs.len()).ok().filter(|&c| c <= 15)?;
    let mut out = vec![revision, count];
    out.extend_from_slice(&authority.to_be_bytes()[2..]);
    for s in subs {
        out.extend_from_slice(&s.to_le_bytes());
    }
    Some(out)
}

fn is_timestamp_name(name: &str) -> bool {
    let n = name.as_bytes();
    let starts = |p: &str| n.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()));
    let ends = |p: &str| {
        n.len() >= p.len() && n.get(n.len() - p.len()..).is_some_and(|t| t.eq_ignore_ascii_case(p.as_bytes()))
    };
    starts("installdate") || starts("installtime") || ends("date") || ends("time") || ends("timestamp")
}

/// Unix seconds 2000-01-01 .. 2100-01-01.
const UNIX_RANGE: std::ops::Range<u64> = 946_684_800..4_102_444_800;
/// FILETIME (100 ns since 1601) 2000-01-01 .. 2100-01-01.
const FILETIME_RANGE: std::ops::Range<u64> = 125_911_584_000_000_000..157_469_184_000_000_000;

impl RegistryContext {
    /// Rule R1 on a SYSTEM key path (relative to the hive root, original case): the path
    /// with the current control set renamed, or `None` for a non-current control set.
    pub fn control_set_path(&self, path: &str) -> Option<String> {
        let (first, rest) = match path.split_once('\\') {
            Some((f, r)) => (f, Some(r)),
            None => (path, None),
        };
        let lower = first.to_ascii_lowercase();
        let Some(n) = lower.strip_prefix("controlset").and_then(|d| d.parse::<u32>().ok()) else {
            return Some(path.to_owned());
        };
        if Some(n) != self.current_control_set {
            return None;
        }
        Some(match rest {
            Some(r) => format!("CurrentControlSet\\{r}"),
            None => "CurrentControlSet".into(),
        })
    }

    /// Rules R2, R3, R5 and R6 on a piece of registry text (no case folding): for values
    /// that are re-read outside the walk (program names, service image paths).
    pub fn text_value(&self, text: &str) -> String {
        self.text_rules(text)
    }

    fn text_rules(&self, text: &str) -> String {
        self.text_rules_cow(text).into_owned()
    }

    /// Rules R2, R3, R5, R6, R15 and R16 on free text (a warning naming a user's file),
    /// keeping its case.
    pub fn anonymize_text(&self, text: &str) -> String {
        self.text_rules(text)
    }

    fn text_rules_cow<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        // Most values hold none of the machine's names: each rule first checks, without
        // allocating, that one of its needles occurs at all (a necessary condition for a
        // whole-word match), and only then builds its needle list and rewrites.
        let mut out = std::borrow::Cow::Borrowed(text);
        if has_sid(&out) {
            out = std::borrow::Cow::Owned(replace_sids(&out));
        }
        // E-mail addresses whole before the names in them; full names before user names
        // (`Ben White` of user `ben` is one name).
        if let std::borrow::Cow::Owned(o) = replace_emails(&out) {
            out = std::borrow::Cow::Owned(o);
        }
        let names = full_name_needles(&self.full_names, &out);
        if !names.is_empty() {
            out = std::borrow::Cow::Owned(replace_words(&out, &names));
        }
        let users: Vec<(&str, &str)> = self
            .users
            .iter()
            .filter(|u| u.name.chars().count() >= 2 && contains_ci(&out, &u.name))
            .map(|u| (u.name.as_str(), "<user>"))
            .collect();
        if !users.is_empty() {
            out = std::borrow::Cow::Owned(replace_words(&out, &users));
        }
        let hosts: Vec<(&str, &str)> = self
            .hostnames
            .iter()
            .filter(|h| h.chars().count() >= 2 && contains_ci(&out, h))
            .map(|h| (h.as_str(), "<hostname>"))
            .collect();
        if !hosts.is_empty() {
            out = std::borrow::Cow::Owned(replace_words(&out, &hosts));
        }
        out
    }

    /// Canonical key path below a hive (rules R2, R3, R5, R6, R11); `path` has already been
    /// through [`RegistryContext::control_set_path`] for SYSTEM.
    pub fn key_path(&self, path: &str) -> String {
        self.text_rules(path).to_lowercase()
    }

    /// Canonical value name (rules R2, R3, R5, R6, R11).
    pub fn value_name(&self, name: &str) -> String {
        if name.is_empty() {
            return "(default)".into();
        }
        let name = self.text_rules_cow(name);
        if name.is_ascii() {
            name.to_ascii_lowercase()
        } else {
            name.to_lowercase()
        }
    }

    /// Canonical value text (rules R2–R10, R12) for a value of `kind` named `name` with raw
    /// `data` and formatted `text`.
    pub fn value(&self, name: &str, kind: u32, data: &[u8], text: &str) -> String {
        self.value_from(name, kind, data, text.to_owned())
    }

    /// [`Self::value`] taking the formatted text by value: returned as is when no rule
    /// changes it (the common case), saving a copy per value in the walk.
    pub fn value_from(&self, name: &str, kind: u32, data: &[u8], text: String) -> String {
        use crate::registry::value::{REG_BINARY, REG_DWORD, REG_QWORD};
        if kind == REG_BINARY {
            if let Some(u) = self.users.iter().find(|u| !u.binary_sid.is_empty() && u.binary_sid == data) {
                return sid_token(&u.sid);
            }
        }
        let time_name = is_timestamp_name(name);
        let number = match (kind, data.len()) {
            (REG_DWORD, 4) => Some(u64::from(u32::from_le_bytes([data[0], data[1], data[2], data[3]]))),
            (REG_QWORD, 8) | (REG_BINARY, 8) => {
                let mut b = [0u8; 8];
                b.copy_from_slice(data);
                Some(u64::from_le_bytes(b))
            }
            _ => None,
        };
        if let Some(n) = number {
            if time_name && (UNIX_RANGE.contains(&n) || FILETIME_RANGE.contains(&n)) {
                return "<timestamp>".into();
            }
        }
        if time_name && kind != REG_BINARY && text.parse::<u64>().is_ok_and(|n| UNIX_RANGE.contains(&n)) {
            return "<timestamp>".into();
        }
        let trimmed = text.trim();
        let mac_name = contains_ci(name, "networkaddress") || contains_ci(name, "mac");
        if is_mac(trimmed) || (mac_name && trimmed.len() == 12 && trimmed.bytes().all(|b| b.is_ascii_hexdigit())) {
            return "<mac>".into();
        }
        if let Ok(ip) = trimmed.parse::<std::net::Ipv4Addr>() {
            let about_address = ["address", "ip", "server", "gateway"].iter().any(|w| contains_ci(name, w));
            if about_address && !ip.is_unspecified() && !ip.is_loopback() && ip.octets()[0] != 255 {
                return "<ipv4>".into();
            }
        }
        if trimmed.contains(':') {
            if let Ok(ip) = trimmed.parse::<std::net::Ipv6Addr>() {
                if !ip.is_unspecified() && !ip.is_loopback() {
                    return "<ipv6>".into();
                }
            }
        }
        if let std::borrow::Cow::Owned(changed) = self.text_rules_cow(&text) {
            return changed;
        }
        text
    }
}

/// A service's `ImagePath` in one spelling (rule R13): lower case, enclosing quotes of the
/// program removed, and the Windows directory written as `%systemroot%` whichever way the
/// installer wrote it (`\SystemRoot\`, `\??\C:\Windows\`, `C:\Windows\`, `%windir%`, or a
/// bare `System32\…`, which the service control manager resolves against it).
pub fn canonical_image_path(path: &str) -> String {
    let mut p = path.trim().to_lowercase();
    if let Some(rest) = p.strip_prefix('"') {
        if let Some((program, args)) = rest.split_once('"') {
            p = format!("{program}{args}");
        }
    }
    if let Some(rest) = p.strip_prefix("\\??\\") {
        p = rest.to_owned();
    }
    for (from, to) in [
        ("\\systemroot\\", "%systemroot%\\"),
        ("c:\\windows\\", "%systemroot%\\"),
        ("%windir%\\", "%systemroot%\\"),
        ("system32\\", "%systemroot%\\system32\\"),
    ] {
        if let Some(rest) = p.strip_prefix(from) {
            p = format!("{to}{rest}");
            break;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r13_image_paths() {
        let want = "%systemroot%\\system32\\drivers\\e1g6032e.sys";
        for p in [
            "\\SystemRoot\\System32\\drivers\\E1G6032E.sys",
            "System32\\drivers\\e1g6032e.sys",
            "\\??\\C:\\Windows\\system32\\drivers\\e1g6032e.sys",
            "%windir%\\System32\\drivers\\e1g6032e.sys",
        ] {
            assert_eq!(canonical_image_path(p), want, "{p}");
        }
        assert_eq!(
            canonical_image_path("\"C:\\Program Files\\App\\svc.exe\" -k Net"),
            "c:\\program files\\app\\svc.exe -k net"
        );
        assert_eq!(canonical_image_path("\"unterminated"), "\"unterminated");
    }

    fn ctx() -> RegistryContext {
        RegistryContext {
            current_control_set: Some(1),
            hostnames: vec!["peer-a".into(), "peer-a.corp".into()],
            users: vec![UserProfile {
                sid: "S-1-5-21-1-2-3-1001".into(),
                name: "alice".into(),
                binary_sid: sid_to_binary("S-1-5-21-1-2-3-1001").unwrap(),
            }],
            full_names: vec![],
        }
    }

    #[test]
    fn r1_current_control_set() {
        let c = ctx();
        assert_eq!(c.control_set_path("ControlSet001\\Services\\Tcpip").unwrap(), "CurrentControlSet\\Services\\Tcpip");
        assert_eq!(c.control_set_path("controlset001").unwrap(), "CurrentControlSet");
        assert_eq!(c.control_set_path("ControlSet002\\Services"), None);
        assert_eq!(c.control_set_path("Select").unwrap(), "Select");
        assert_eq!(c.control_set_path("ControlSetX\\a").unwrap(), "ControlSetX\\a");
    }

    #[test]
    fn r2_interface_guids_stay_for_the_peer_aware_stage() {
        let c = ctx();
        let p = c.key_path(
            "CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{FFFFFFFF-0000-0000-0000-000000000002}",
        );
        assert_eq!(
            p,
            "currentcontrolset\\services\\tcpip\\parameters\\interfaces\\{ffffffff-0000-0000-0000-000000000002}"
        );
    }

    #[test]
    fn r3_sids() {
        let c = ctx();
        assert_eq!(sid_token("S-1-5-21-1-2-3-1001"), "<user:1001>");
        assert_eq!(sid_token("S-1-5-21-1-2-3"), "<machine-sid>");
        assert_eq!(sid_token("S-1-5-18"), "S-1-5-18");
        assert_eq!(c.key_path("ProfileList\\S-1-5-21-9-8-7-500"), "profilelist\\<user:500>");
        assert_eq!(c.key_path("S-1-5-21-1-2-3-1001_Classes"), "<user:1001>_classes");
        assert_eq!(c.value("x", 1, &[], "owner=S-1-5-21-1-2-3-1001;S-1-5-19"), "owner=<user:1001>;S-1-5-19");
        // Regression: a user SID glued to an app container SID (mpssvc AppCs value names in
        // the real Windows 10 1709 SYSTEM hive) leaked whole.
        assert_eq!(
            c.value_name("S-1-15-2-1063257880-416079064-1690466945S-1-5-21-2595688666-2948619230-3055395256-1001"),
            "s-1-15-2-1063257880-416079064-1690466945<user:1001>"
        );
        assert_eq!(c.value("x", 1, &[], "xS-1-5-21-1-2-3-1001"), "xS-1-5-21-1-2-3-1001", "inside a word");
    }

    #[test]
    fn r4_binary_sid() {
        let c = ctx();
        let bin = sid_to_binary("S-1-5-21-1-2-3-1001").unwrap();
        assert_eq!(bin[..8], [1, 5, 0, 0, 0, 0, 0, 5]);
        assert_eq!(c.value("Sid", 3, &bin, "ignored"), "<user:1001>");
        assert_eq!(c.value("Sid", 3, &[1, 2], "0102"), "0102");
    }

    #[test]
    fn r5_user_names_whole_words() {
        let c = ctx();
        assert_eq!(c.value("p", 1, &[], "C:\\Users\\Alice\\x.exe"), "C:\\Users\\<user>\\x.exe");
        assert_eq!(c.value("p", 1, &[], "malice aliced alice"), "malice aliced <user>");
        assert_eq!(c.key_path("Software\\alice"), "software\\<user>");
    }

    #[test]
    fn r6_host_names() {
        let c = ctx();
        assert_eq!(c.value("Hostname", 1, &[], "PEER-A"), "<hostname>");
        assert_eq!(c.value("x", 1, &[], "\\\\peer-a\\share"), "\\\\<hostname>\\share");
        assert_eq!(c.value("x", 1, &[], "peer-ab peer-a.corp.example"), "peer-ab <hostname>.example");
        assert_eq!(c.value_name("PEER-A"), "<hostname>");
    }

    #[test]
    fn r7_r8_r9_addresses() {
        let c = ctx();
        assert_eq!(c.value("NetworkAddress", 1, &[], "00-15-5D-01-02-03"), "<mac>");
        assert_eq!(c.value("x", 1, &[], "00:15:5d:01:02:03"), "<mac>");
        assert_eq!(c.value("NetworkAddress", 1, &[], "00155D010203"), "<mac>");
        assert_eq!(c.value("Serial", 1, &[], "00155D010203"), "00155D010203", "not a MAC by name");
        assert_eq!(c.value("DhcpIPAddress", 1, &[], "192.168.1.23"), "<ipv4>");
        assert_eq!(c.value("NameServer", 1, &[], "10.0.0.1"), "<ipv4>");
        assert_eq!(c.value("DhcpSubnetMask", 1, &[], "255.255.255.0"), "255.255.255.0");
        assert_eq!(c.value("Version", 1, &[], "6.1.7601.17514"), "6.1.7601.17514");
        assert_eq!(c.value("Version", 1, &[], "10.0.0.1"), "10.0.0.1", "not an address by name");
        assert_eq!(c.value("x", 1, &[], "fe80::1c2d:3e4f:5a6b:7c8d"), "<ipv6>");
        assert_eq!(c.value("x", 1, &[], "::1"), "::1");
    }

    #[test]
    fn r10_timestamps() {
        let c = ctx();
        assert_eq!(c.value("InstallDate", 4, &1_523_264_153u32.to_le_bytes(), "1523264153"), "<timestamp>");
        let ft = 131_677_377_530_000_000u64;
        assert_eq!(c.value("InstallTime", 11, &ft.to_le_bytes(), &ft.to_string()), "<timestamp>");
        assert_eq!(c.value("LastBootUpTime", 3, &ft.to_le_bytes(), "ignored"), "<timestamp>");
        assert_eq!(c.value("WaitToKillServiceTimeout", 1, &[], "5000"), "5000");
        assert_eq!(c.value("ShutdownTime", 4, &5000u32.to_le_bytes(), "5000"), "5000", "not in the epoch range");
        assert_eq!(
            c.value("Start", 4, &1_523_264_153u32.to_le_bytes(), "1523264153"),
            "1523264153",
            "name says nothing of time"
        );
    }

    #[test]
    fn r11_case_folding_and_default_name() {
        let c = ctx();
        assert_eq!(c.key_path("Control\\Terminal Server"), "control\\terminal server");
        assert_eq!(c.value_name("fDenyTSConnections"), "fdenytsconnections");
        assert_eq!(c.value_name(""), "(default)");
        assert_eq!(c.value("x", 1, &[], "MixedCase"), "MixedCase", "values keep their case");
    }

    #[test]
    fn r12_string_numbers_stay_as_written() {
        let c = ctx();
        assert_eq!(c.value("Start", 1, &[], "01"), "01");
        assert_eq!(c.value("Start", 1, &[], "0x1"), "0x1");
        assert_eq!(c.value("Start", 4, &1u32.to_le_bytes(), "1"), "1");
    }

    #[test]
    fn r16_email_addresses_become_tokens() {
        assert_eq!(replace_emails("mailto:ben.white@example.org, x"), "mailto:<email>, x");
        assert_eq!(replace_emails("a@b.co and c+d@mail.example.com."), "<email> and <email>.");
        for kept in ["no mail", "user@host", "@example.org", "a@.org", "ver@1.2", "x@y.z", "getty@tty1.service"] {
            assert_eq!(replace_emails(kept), kept);
        }
    }

    #[test]
    fn r15_full_names_become_tokens_and_fields_holding_one_always() {
        let mut c = ctx();
        c.add_full_name("  Ben   White ");
        c.add_full_name("Owner");
        c.add_full_name("Windows User");
        assert_eq!(c.full_names, vec!["ben white".to_owned()]);
        assert_eq!(c.value("Comment", 1, &[], "set up by BEN WHITE for alice"), "set up by <fullname> for <user>");
        assert_eq!(c.value("Comment", 1, &[], "Ben Whitehead"), "Ben Whitehead");
        assert!(is_person_name_value("hklm\\software\\microsoft\\windows nt\\currentversion", "RegisteredOwner"));
        assert!(is_person_name_value("hku\\<user:1001>\\software\\microsoft\\office\\common\\userinfo", "UserName"));
        assert!(!is_person_name_value("hklm\\system\\currentcontrolset\\services\\x", "DisplayName"));
    }
}
