// SPDX-License-Identifier: GPL-3.0-or-later
//! Canonicalization: rewrite values so that peers that mean the same thing compare equal.
//!
//! Config files:
//!
//! | rule | example |
//! |---|---|
//! | trim, collapse inner whitespace | `"a   b "` → `"a b"` |
//! | strip one pair of enclosing quotes | `"\"Debian\""` → `"Debian"` |
//! | integer literals to decimal | `0x1`, `01`, `1` → `1` |
//! | booleans (config files) | `yes`, `true`, `on` → `true`; `no`, `false`, `off` → `false` |
//!
//! Registry ([`RegistryContext`]; rules apply in this order; paths and names are the key
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
//!
//! Machine identity in Linux, config-file and VM settings ([`IdentityContext`], filled by
//! `crate::identity` from the machine's own files; applied by `scan_machine` to every
//! setting except registry ones, which R3–R9 already cover, and installed-package
//! versions). Host names and machine IDs identify one machine, they configure nothing:
//! left alone they make every peer differ and tie the culprit with them.
//!
//! | # | rule | applies to | example |
//! |---|---|---|---|
//! | I1 | host names → `<hostname>`, case-insensitive, whole labels only (a label is a run of letters, digits, `-`, `_`). Collected: first line of `/etc/hostname`, every name on a `127.0.1.1` line of `/etc/hosts` (Debian's line for the machine itself), each reduced to its first DNS label, so an FQDN keeps its domain (fleet configuration): `web-01.example.lan` → `<hostname>.example.lan` | paths, names, values | `WEB-01` → `<hostname>`; `web-010` stays |
//! | I2 | a host name that is a distribution default or loopback name (`localhost`, `debian`, `ubuntu`, …) is identity only in the identity files (`/etc/hostname`, `/etc/hosts`, `/etc/mailname`): elsewhere the same word is configuration (`ID=debian`) | | `/etc/os-release` `ID` `debian` stays on a host named `debian` |
//! | I3 | machine IDs (first line of `/etc/machine-id` and `/var/lib/dbus/machine-id`, 8–64 hex digits) → `<machine-id>`, case-insensitive, whole words | paths, names, values | `/var/log/journal/4f3c…` → `/var/log/journal/<machine-id>` |
//! | I4 | a MAC address (`52:54:00:12:34:56`, `52-54-…`) anywhere in a value, as a whitespace/comma-separated word → `<mac>` (as R7): MACs are per-machine | values | `hwaddress ether 52:54:00:12:34:56` → `hwaddress ether <mac>` |
//! | I5 | in a value whose name's last component (after `/`, `.`, `:`) is a per-machine address key (`address`, `addresses`, `ipaddr`, `ipaddrN`, `ipv6addr`, `hwaddr`, `macaddress`, `hwaddress`, `ip`), each IPv4 → `<ipv4>` and IPv6 → `<ipv6>` word, a `/prefix` kept (as R8/R9; not loopback, `0.0.0.0`, `::` or `255.…` masks). Name servers, gateways and DNS are fleet configuration and stay | values | `IPADDR` `10.0.0.11` → `<ipv4>`; `address` `10.0.0.11/24` → `<ipv4>/24`; `nameserver` stays |
//! | I7 | on Windows, the computer name and TCP/IP host names the registry extractor found (R6) are host names for I1 too, so they become `<hostname>` in `C:/Windows/*.ini`, logs and first lines as in the registry | paths, names, values | `/Windows/setup.ini` `computer=PEER-ALPHA` → `computer=<hostname>` |
//! | I8 | people's names: the GECOS full name (first comma-separated field) of each account with a UID from 1000 to 65533 in `/etc/passwd`, when it has two words or more, and the names R15 collects → `<fullname>`, case-insensitive, whole words; e-mail addresses → `<email>` (as R16) | paths, names, values | `/etc/aliases` `ben.white@example.org` → `<email>` |
//! | I9 | people's account names: the name of each account with a UID from 1000 to 65533 in `/etc/passwd` and the Windows profiles' user names (R5) → `<user:UID>` (Linux) or `<user>` (Windows names, whose SIDs R3 already tokenizes), case-insensitive, whole words (not distribution defaults such as `debian`, which are configuration words elsewhere). The ranking then keys accounts by role (`<user:#1>`, see `peerpressure::align`), so a uid that differs between machines does not misalign them | paths, names, values | `/etc/passwd` `ben/shell` → `<user:1000>/shell` |
//! | I6 | `/etc/hosts`: the addresses of a name that holds `<hostname>` after I1 → `<ipv4>`/`<ipv6>` unless loopback (`127.0.0.0/8`, `::1`): the machine's own address is per-machine; the list is sorted again after | values | `<hostname>` `10.0.0.11 127.0.1.1` → `127.0.1.1 <ipv4>` |
/// Canonical form of a config-file value.
pub fn config_value(raw: &str) -> String {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let unquoted = strip_quotes(&collapsed);
    if let Some(b) = boolean(unquoted) {
        return b.to_owned();
    }
    if let Some(n) = integer(unquoted) {
        return n.to_string();
    }
    unquoted.to_owned()
}

fn strip_quotes(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn boolean(s: &str) -> Option<&'static str> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some("true"),
        "no" | "false" | "off" => Some("false"),
        _ => None,
    }
}

/// Parses a decimal or `0x` hexadecimal integer literal (optionally signed).
pub fn integer(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || digits.len() > 34 {
        return None;
    }
    let value = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()?
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i128>().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

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

/// Full names read per machine at most: a machine has a few users; bounds the needle list.
const MAX_FULL_NAMES: usize = 64;

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

/// Lower-cased `text` when it can serve as a full name to search for everywhere: two words
/// or more with letters, at most 128 bytes, not a placeholder Windows setup writes. A
/// one-word name ("Owner", "user") would match configuration words.
pub fn person_name(text: &str) -> Option<String> {
    const PLACEHOLDERS: &[&str] = &["windows user", "authorized user", "valued customer", "system administrator"];
    let words: Vec<&str> = text.split_whitespace().collect();
    let name = words.join(" ").to_lowercase();
    let wordy = words.len() >= 2 && words.iter().filter(|w| w.chars().any(char::is_alphabetic)).count() >= 2;
    (wordy && name.len() <= 128 && !PLACEHOLDERS.contains(&name.as_str())).then_some(name)
}

/// Needles for rule R15/I8: each full name with its token.
fn full_name_needles<'n>(names: &'n [String], text: &str) -> Vec<(&'n str, &'static str)> {
    names.iter().filter(|n| contains_ci(text, n)).map(|n| (n.as_str(), "<fullname>")).collect()
}

/// Endings that make `name@instance.ending` a file or unit name, not an e-mail address
/// (`getty@tty1.service`, `openvpn@client.conf`).
const NOT_EMAIL_ENDINGS: &[&str] = &[
    "service",
    "socket",
    "target",
    "timer",
    "mount",
    "automount",
    "path",
    "slice",
    "scope",
    "swap",
    "device",
    "conf",
    "cfg",
    "ini",
    "log",
    "json",
    "xml",
    "yaml",
    "yml",
    "txt",
    "exe",
    "dll",
    "sys",
];

/// A byte of an e-mail address's local part.
fn is_email_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-".contains(&b)
}

/// A byte of an e-mail address's domain.
fn is_email_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// Rule R16/I8: every e-mail address (`local@domain.tld`, the last label two letters or
/// more) → `<email>`. Borrowed when there is none.
pub fn replace_emails(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(pos) = text.get(at..).and_then(|s| s.find('@')) {
        let sign = at + pos;
        let mut start = sign;
        while start > copied && b.get(start - 1).copied().is_some_and(is_email_local_byte) {
            start -= 1;
        }
        let mut end = sign + 1;
        while b.get(end).copied().is_some_and(is_email_domain_byte) {
            end += 1;
        }
        while end > sign + 1 && b.get(end - 1) == Some(&b'.') {
            end -= 1;
        }
        let domain = text.get(sign + 1..end).unwrap_or("");
        let tld = domain.rsplit('.').next().unwrap_or("");
        let valid = start < sign
            && domain.contains('.')
            && !domain.starts_with('.')
            && tld.len() >= 2
            && tld.bytes().all(|c| c.is_ascii_alphabetic())
            && !NOT_EMAIL_ENDINGS.iter().any(|e| tld.eq_ignore_ascii_case(e));
        if valid {
            out.push_str(text.get(copied..start).unwrap_or(""));
            out.push_str("<email>");
            copied = end;
            at = end;
        } else {
            at = sign + 1;
        }
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    std::borrow::Cow::Owned(out)
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

/// The canonical token for a SID string: `<user:RID>`, `<machine-sid>`, or the SID itself
/// when it is well-known (rule R3).
pub fn sid_token(sid: &str) -> String {
    let lower = sid.to_ascii_lowercase();
    match lower.strip_prefix("s-1-5-21-") {
        Some(rest) => {
            let parts: Vec<&str> = rest.split('-').collect();
            if parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
                match parts.as_slice() {
                    [_, _, _] => return "<machine-sid>".into(),
                    [_, _, _, rid] => return format!("<user:{rid}>"),
                    _ => {}
                }
            }
            sid.to_owned()
        }
        None => sid.to_owned(),
    }
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

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Replaces whole-word, case-insensitive occurrences of each needle (already lower-case)
/// with its token. Works on byte offsets of the lower-cased text, which line up with the
/// original when lower-casing keeps lengths (always for ASCII); otherwise the lower-cased
/// text is used as the base.
fn replace_words(text: &str, needles: &[(&str, &str)]) -> String {
    let lower = text.to_lowercase();
    let base = if lower.len() == text.len() { text } else { lower.as_str() };
    let lb = lower.as_bytes();
    let mut hits: Vec<(usize, usize, &str)> = Vec::new();
    // Longest needles first, so `peer-a.corp` wins over `peer-a` where both match.
    let mut ordered: Vec<&(&str, &str)> = needles.iter().collect();
    ordered.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    for &&(needle, token) in &ordered {
        if needle.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(pos) = lower.get(from..).and_then(|s| s.find(needle)) {
            let start = from + pos;
            let end = start + needle.len();
            let before_ok = start == 0 || !lb.get(start - 1).copied().is_some_and(is_word_byte);
            let after_ok = !lb.get(end).copied().is_some_and(is_word_byte);
            if before_ok && after_ok && !hits.iter().any(|&(s, e, _)| start < e && s < end) {
                hits.push((start, end, token));
            }
            from = end;
        }
    }
    if hits.is_empty() {
        return text.to_owned();
    }
    hits.sort_unstable_by_key(|h| h.0);
    let mut out = String::with_capacity(base.len());
    let mut at = 0;
    for (start, end, token) in hits {
        out.push_str(base.get(at..start).unwrap_or(""));
        out.push_str(token);
        at = end;
    }
    out.push_str(base.get(at..).unwrap_or(""));
    out
}

/// Rule R3 on free text: every `S-1-5-21-…` SID inside `text` becomes its token.
fn replace_sids(text: &str) -> String {
    const PREFIX: &str = "s-1-5-21-";
    if !text.as_bytes().windows(PREFIX.len()).any(|w| w.eq_ignore_ascii_case(PREFIX.as_bytes())) {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i + PREFIX.len() <= bytes.len() {
        // A digit may precede the SID: Windows glues SIDs to numbers (the firewall's AppCs
        // names are `S-1-15-2-…-1690466945S-1-5-21-…-1001`); a letter may not (`xs-1-5-21-`).
        let boundary = i == 0 || !bytes.get(i - 1).copied().is_some_and(|b| b.is_ascii_alphabetic());
        if boundary && bytes.get(i..i + PREFIX.len()).is_some_and(|w| w.eq_ignore_ascii_case(PREFIX.as_bytes())) {
            let mut end = i + PREFIX.len();
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'-') {
                end += 1;
            }
            // Do not swallow a trailing dash (`S-1-5-21-1-2-3-1001-`).
            while end > i && bytes[end - 1] == b'-' {
                end -= 1;
            }
            let sid = text.get(i..end).unwrap_or("");
            let token = sid_token(sid);
            if token != sid {
                out.push_str(text.get(at..i).unwrap_or(""));
                out.push_str(&token);
                at = end;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// Whether `haystack` contains `needle` (lower case) ignoring case, as [`replace_words`]
/// compares: byte-wise for ASCII text, through `to_lowercase` otherwise. Allocates only
/// for non-ASCII text.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() || haystack.len() < needle.len() && haystack.is_ascii() {
        return false;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let n = needle.as_bytes();
        let first = n[0];
        return haystack
            .as_bytes()
            .windows(n.len())
            .any(|w| w[0].to_ascii_lowercase() == first && w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

/// Whether `text` may hold a domain SID (the check [`replace_sids`] starts with).
fn has_sid(text: &str) -> bool {
    const PREFIX: &[u8] = b"s-1-5-21-";
    text.as_bytes().windows(PREFIX.len()).any(|w| w.eq_ignore_ascii_case(PREFIX))
}

pub use model::anon::is_mac;

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

/// Host names that are loopback names or distribution defaults (rule I2): on a machine so
/// named the same word is likely configuration elsewhere (`ID=debian`, `deb.debian.org`).
const GENERIC_HOSTNAMES: &[&str] = &[
    "localhost",
    "localdomain",
    "ip6-localhost",
    "ip6-loopback",
    "debian",
    "ubuntu",
    "fedora",
    "centos",
    "rhel",
    "alpine",
    "archlinux",
    "raspberrypi",
    "kali",
    "opensuse",
    "suse",
    "linux",
];

/// Files whose whole content is the machine's identity (rule I2).
const IDENTITY_FILES: &[&str] = &["/etc/hostname", "/etc/hosts", "/etc/mailname"];

/// Value names (last component, lower case) that hold this machine's own address (rule I5).
const ADDRESS_KEYS: &[&str] =
    &["address", "addresses", "ipaddr", "ipv6addr", "hwaddr", "macaddress", "hwaddress", "ip"];

/// The identity strings of one machine (rules I1–I8), all lower case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityContext {
    /// Host labels (first DNS label of each collected host name).
    pub hostnames: Vec<String>,
    /// Machine IDs.
    pub machine_ids: Vec<String>,
    /// People's full names (rule I8), lower-case.
    pub full_names: Vec<String>,
    /// People's account names (rule I9), lower-case, with their tokens.
    pub users: Vec<(String, String)>,
}

impl IdentityContext {
    /// Adds a host name (rule I1): its first DNS label, lower-cased; empty and one-letter
    /// labels are ignored (they would match everywhere).
    pub fn add_hostname(&mut self, name: &str) {
        let label = name.trim().trim_end_matches('.').split('.').next().unwrap_or("").to_lowercase();
        if label.chars().count() >= 2 && label.bytes().all(is_word_byte) && !self.hostnames.contains(&label) {
            self.hostnames.push(label);
        }
    }

    /// Adds a machine ID (rule I3) if it is 8–64 hex digits.
    pub fn add_machine_id(&mut self, id: &str) {
        let id = id.trim().to_ascii_lowercase();
        if (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit()) && !self.machine_ids.contains(&id)
        {
            self.machine_ids.push(id);
        }
    }

    /// Adds a person's full name (rule I8) if it can be one (see [`person_name`]).
    pub fn add_full_name(&mut self, name: &str) {
        if let Some(n) = person_name(name) {
            if self.full_names.len() < MAX_FULL_NAMES && !self.full_names.contains(&n) {
                self.full_names.push(n);
            }
        }
    }

    /// Adds a person's account name (rule I9) with its uid (Linux) or none (Windows):
    /// lower-cased; one-letter names and names that are distribution defaults (`debian`,
    /// `ubuntu`, …: configuration words elsewhere) are ignored.
    pub fn add_user(&mut self, name: &str, uid: Option<u32>) {
        let name = name.trim().to_lowercase();
        let usable =
            name.chars().count() >= 2 && name.bytes().all(is_word_byte) && !GENERIC_HOSTNAMES.contains(&name.as_str());
        if usable && self.users.len() < MAX_FULL_NAMES && !self.users.iter().any(|(n, _)| *n == name) {
            let token = uid.map_or_else(|| "<user>".to_owned(), |u| format!("<user:{u}>"));
            self.users.push((name, token));
        }
    }

    /// True when nothing identifies the machine.
    pub fn is_empty(&self) -> bool {
        self.hostnames.is_empty() && self.machine_ids.is_empty() && self.full_names.is_empty() && self.users.is_empty()
    }

    /// Rules I1–I3, I8 and I9 on a path, name or value of a setting at `path`.
    pub fn text(&self, path: &str, text: &str) -> String {
        // E-mail addresses whole before the names in them.
        let text = &*replace_emails(text);
        let identity_file = IDENTITY_FILES.contains(&path);
        let mut needles: Vec<(&str, &str)> = self
            .hostnames
            .iter()
            .filter(|h| identity_file || !GENERIC_HOSTNAMES.contains(&h.as_str()))
            .map(|h| (h.as_str(), "<hostname>"))
            .collect();
        needles.extend(self.machine_ids.iter().map(|m| (m.as_str(), "<machine-id>")));
        needles.extend(full_name_needles(&self.full_names, text));
        needles.extend(self.users.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        if needles.is_empty() {
            return text.to_owned();
        }
        replace_words(text, &needles)
    }

    /// Canonical value (rules I1–I6) of the setting `name` at `path`; `name` is the
    /// already-canonical name (I6 looks for `<hostname>` in it).
    pub fn value(&self, path: &str, name: &str, value: &str) -> String {
        let text = self.text(path, value);
        let last = name.rsplit(['/', '.', ':']).next().unwrap_or("").to_ascii_lowercase();
        let digits = last.trim_end_matches(|c: char| c.is_ascii_digit());
        // Netplan's `nameservers.addresses` lists the fleet's DNS servers, not the machine's own.
        let address_key = (ADDRESS_KEYS.contains(&last.as_str()) || (digits == "ipaddr" && digits.len() < last.len()))
            && !name.to_ascii_lowercase().contains("nameservers");
        let own_host_entry = path == "/etc/hosts" && name.contains("<hostname>");
        let out = address_words(&text, address_key || own_host_entry);
        if !own_host_entry {
            return out;
        }
        // The hosts parser sorts a name's addresses; sort again once they are tokens, so the
        // order does not depend on the machine's own address.
        let mut words: Vec<&str> = out.split_whitespace().collect();
        words.sort_unstable();
        words.dedup();
        words.join(" ")
    }
}

/// The token for an IP address word (`10.0.0.1`, `fe80::1`, optionally `/prefix`), or
/// `None` for anything else and for addresses that are the same on every machine
/// (unspecified, loopback, `255.…` masks).
fn ip_token(word: &str) -> Option<String> {
    let (addr, prefix) = match word.split_once('/') {
        Some((a, p)) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => (a, Some(p)),
        Some(_) => return None,
        None => (word, None),
    };
    let token = if let Ok(ip) = addr.parse::<std::net::Ipv4Addr>() {
        if ip.is_unspecified() || ip.octets()[0] == 255 || ip.is_loopback() {
            return None;
        }
        "<ipv4>"
    } else if let Ok(ip) = addr.parse::<std::net::Ipv6Addr>() {
        if ip.is_unspecified() || ip.is_loopback() {
            return None;
        }
        "<ipv6>"
    } else {
        return None;
    };
    Some(match prefix {
        Some(p) => format!("{token}/{p}"),
        None => token.to_owned(),
    })
}

/// Rules I4 (always) and I5/I6 (when `addresses`) on the words of a value; words are
/// separated by whitespace or commas, which are kept as written.
fn address_words(text: &str, addresses: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if is_mac(word) {
            out.push_str("<mac>");
        } else if let Some(t) = addresses.then(|| ip_token(word)).flatten() {
            out.push_str(&t);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || c == ',' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
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

    #[test]
    fn numbers_compare_semantically() {
        assert_eq!(config_value("0x1"), "1");
        assert_eq!(config_value("01"), "1");
        assert_eq!(config_value("1"), "1");
        assert_eq!(config_value("0x1F"), "31");
        assert_eq!(config_value("-5"), "-5");
        assert_eq!(config_value("1.5"), "1.5");
    }

    #[test]
    fn booleans_quotes_and_whitespace() {
        assert_eq!(config_value("Yes"), "true");
        assert_eq!(config_value(" on "), "true");
        assert_eq!(config_value("OFF"), "false");
        assert_eq!(config_value("\"Debian  GNU/Linux\""), "Debian GNU/Linux");
        assert_eq!(config_value("'x'"), "x");
        assert_eq!(config_value("\"unbalanced"), "\"unbalanced");
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

    #[test]
    fn i8_full_names_and_emails_in_config_files() {
        let mut c = ident();
        for (account, uid, n) in crate::identity::people_in_passwd(
            "root:x:0:0:root:/root:/bin/bash\nlist:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin\nben:x:1000:1000:Ben White,,,:/home/ben:/bin/bash\ndebian:x:1001:1001::/home/debian:/bin/sh\n",
        ) {
            c.add_user(account, Some(uid));
            c.add_full_name(n);
        }
        assert_eq!(c.full_names, vec!["ben white".to_owned()]);
        assert_eq!(c.users, vec![("ben".to_owned(), "<user:1000>".to_owned())]);
        assert_eq!(c.text("/etc/passwd", "ben/shell"), "<user:1000>/shell");
        assert_eq!(c.text("/etc/os-release", "debian"), "debian");
        assert_eq!(c.text("/etc/aliases", "root: Ben White <ben@example.org>"), "root: <fullname> <<email>>");
        assert_eq!(c.text("/etc/x", "Mailing List Manager"), "Mailing List Manager");
    }

    fn ident() -> IdentityContext {
        let mut c = IdentityContext::default();
        c.add_hostname("WEB-01.example.lan");
        c.add_hostname("web-01");
        c.add_hostname("x");
        c.add_machine_id("4F3C2B1A00112233445566778899AABB\n");
        c.add_machine_id("not-hex");
        c
    }

    #[test]
    fn i1_host_names_whole_labels() {
        let c = ident();
        assert_eq!(c.hostnames, vec!["web-01".to_owned()], "first label, deduplicated, one-letter dropped");
        assert_eq!(c.text("/etc/hostname", "web-01"), "<hostname>");
        assert_eq!(c.text("/etc/x", "WEB-01"), "<hostname>");
        assert_eq!(c.text("/etc/hosts", "web-01.example.lan"), "<hostname>.example.lan");
        assert_eq!(c.text("/etc/x", "web-010 xweb-01 web-01_a web-01"), "web-010 xweb-01 web-01_a <hostname>");
        assert_eq!(c.text("/etc/x", "/srv/web-01/data"), "/srv/<hostname>/data");
        assert_eq!(c.value("/etc/samba/smb.conf", "global/netbios name", "WEB-01"), "<hostname>");
    }

    #[test]
    fn i2_generic_host_names_only_in_identity_files() {
        let mut c = IdentityContext::default();
        c.add_hostname("debian");
        assert_eq!(c.text("/etc/hostname", "debian"), "<hostname>");
        assert_eq!(c.text("/etc/hosts", "debian"), "<hostname>");
        assert_eq!(c.text("/etc/os-release", "debian"), "debian");
        assert_eq!(
            c.value("/etc/apt/sources.list", "deb", "http://deb.debian.org/debian"),
            "http://deb.debian.org/debian"
        );
    }

    #[test]
    fn i3_machine_ids() {
        let c = ident();
        assert_eq!(c.machine_ids, vec!["4f3c2b1a00112233445566778899aabb".to_owned()]);
        assert_eq!(c.text("/etc/machine-id", "4f3c2b1a00112233445566778899aabb"), "<machine-id>");
        assert_eq!(
            c.text("/var/log/journal", "/var/log/journal/4F3C2B1A00112233445566778899AABB/system.journal"),
            "/var/log/journal/<machine-id>/system.journal"
        );
        assert_eq!(c.text("/x", "4f3c2b1a00112233445566778899aabbcc"), "4f3c2b1a00112233445566778899aabbcc");
    }

    #[test]
    fn i4_macs_anywhere_in_a_value() {
        let c = IdentityContext::default();
        assert_eq!(c.value("/etc/network/interfaces", "hwaddress", "ether 52:54:00:12:34:56"), "ether <mac>");
        assert_eq!(c.value("/etc/x", "anything", "52-54-00-12-34-56,a"), "<mac>,a");
        assert_eq!(c.value("/etc/x", "anything", "52:54:00:12:34"), "52:54:00:12:34");
    }

    #[test]
    fn i5_own_addresses_by_name() {
        let c = IdentityContext::default();
        assert_eq!(c.value("/etc/default/ifcfg", "IPADDR", "10.0.0.11"), "<ipv4>");
        assert_eq!(c.value("/etc/default/ifcfg", "IPADDR1", "10.0.0.12"), "<ipv4>");
        assert_eq!(c.value("/etc/network/interfaces", "iface eth0/address", "10.0.0.11/24"), "<ipv4>/24");
        assert_eq!(
            c.value("/etc/netplan/01.yaml", "network.ethernets.eth0.addresses", "10.0.0.11/24, 2001:db8::11/64"),
            "<ipv4>/24, <ipv6>/64"
        );
        assert_eq!(
            c.value("/etc/x", "address", "127.0.0.1 0.0.0.0 255.255.255.0 ::1"),
            "127.0.0.1 0.0.0.0 255.255.255.0 ::1"
        );
        assert_eq!(c.value("/etc/resolv.conf", "nameserver", "192.168.0.1"), "192.168.0.1", "fleet-wide");
        assert_eq!(c.value("/etc/x", "gateway", "10.0.0.1"), "10.0.0.1", "fleet-wide");
        assert_eq!(c.value("/etc/x", "address", "10.0.0.1/abc"), "10.0.0.1/abc", "not a prefix");
        assert_eq!(c.value("/etc/x", "version", "10.0.0.1"), "10.0.0.1", "not an address by name");
    }

    #[test]
    fn i9_accounts_by_uid() {
        let mut c = IdentityContext::default();
        c.add_user("jdoe", Some(1000));
        c.add_user("ubuntu", Some(1001));
        c.add_user("alice", None);
        assert_eq!(c.users.len(), 2, "a distribution default is a configuration word");
        assert_eq!(c.text("/etc/passwd", "jdoe/home"), "<user:1000>/home");
        assert_eq!(c.value("/etc/passwd", "<user:1000>/home", "/home/jdoe"), "/home/<user:1000>");
        assert_eq!(c.value("/etc/group", "sudo/members", "jdoe ubuntu"), "<user:1000> ubuntu");
        assert_eq!(c.value("/Windows/app.ini", "owner", "Alice"), "<user>");
    }

    #[test]
    fn i6_own_hosts_entry_addresses() {
        let c = ident();
        let name = c.text("/etc/hosts", "web-01.example.lan");
        assert_eq!(c.value("/etc/hosts", &name, "10.0.0.11 127.0.1.1"), "127.0.1.1 <ipv4>");
        assert_eq!(c.value("/etc/hosts", &name, "127.0.1.1 192.168.9.9"), "127.0.1.1 <ipv4>", "sorted after tokens");
        assert_eq!(c.value("/etc/hosts", "<hostname>", "fe80::11"), "<ipv6>");
        assert_eq!(c.value("/etc/hosts", "orange", "172.31.122.14"), "172.31.122.14", "another host's address");
    }
}
