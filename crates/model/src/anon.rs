// SPDX-License-Identifier: GPL-3.0-or-later
//! The one anonymizer: recognizing and replacing the identifiers that name one machine or
//! person rather than configure it. The settings crate's canonicalization (rules R3, R6–R9,
//! R16, I1–I9) and the share link's last privacy pass are both built from these functions,
//! so they agree on what a SID, a MAC, an IP or e-mail address and a word are.
//!
//! | what | recognized as | token |
//! |---|---|---|
//! | word | a run of ASCII letters, digits, `-`, `_` ([`is_word_byte`]); needles match whole words, case-insensitively ([`replace_words`]) | the caller's (`<hostname>`, `<user>`, `<redacted>`, …) |
//! | domain SID | `S-1-5-21-a-b-c` (machine) or `S-1-5-21-a-b-c-RID` (account), in free text too ([`replace_sids`]) | `<machine-sid>`, `<user:RID>` |
//! | MAC address | 6 hex pairs joined by `-` or `:` ([`is_mac`]) | `<mac>` |
//! | IP address | IPv4 or IPv6, optionally `/prefix`, not unspecified, loopback or a `255.…` mask ([`ip_token`]) | `<ipv4>`, `<ipv6>` |
//! | e-mail address | `local@domain.tld` ([`replace_emails`]) | `<email>` |
//!
//! Tokens hold `<`, `>` and `:`, which none of the recognizers matches, so running a pass
//! again changes nothing (property-tested below).

/// Whether `v` is a MAC address written with `-` or `:` separators (`00-15-5D-01-02-03`).
pub fn is_mac(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 17
        && (b[2] == b'-' || b[2] == b':')
        && b.iter().enumerate().all(|(i, &c)| if i % 3 == 2 { c == b[2] } else { c.is_ascii_hexdigit() })
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

/// A byte of a word: an ASCII letter or digit, `-` or `_`. Whole-word matches need a
/// non-word byte (or the text's end) on both sides; every byte of a non-ASCII character is
/// a non-word byte, so a needle next to `é` still matches (the safe side for privacy).
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Replaces whole-word, case-insensitive occurrences of each needle (already lower-case)
/// with its token. Works on byte offsets of the lower-cased text, which line up with the
/// original when lower-casing keeps lengths (always for ASCII); otherwise the lower-cased
/// text is used as the base.
pub fn replace_words(text: &str, needles: &[(&str, &str)]) -> String {
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
pub fn replace_sids(text: &str) -> String {
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
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    let ascii = haystack.is_ascii();
    if needle.is_empty() || haystack.len() < needle.len() && ascii {
        return false;
    }
    if ascii && needle.is_ascii() {
        // Candidates are where the first byte occurs in either case (memchr2 scans a
        // vector at a time): most texts hold no candidate at all.
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        let Some(&first) = n.first() else { return false };
        let last_start = h.len() - n.len();
        let mut from = 0;
        while let Some(i) = h
            .get(from..=last_start)
            .and_then(|w| memchr::memchr2(first.to_ascii_lowercase(), first.to_ascii_uppercase(), w))
        {
            let at = from + i;
            if h.get(at..at + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n)) {
                return true;
            }
            from = at + 1;
        }
        return false;
    }
    haystack.to_lowercase().contains(needle)
}

/// Whether `text` may hold a domain SID (the check [`replace_sids`] starts with).
pub fn has_sid(text: &str) -> bool {
    const PREFIX: &[u8] = b"s-1-5-21-";
    text.as_bytes().windows(PREFIX.len()).any(|w| w.eq_ignore_ascii_case(PREFIX))
}

/// The token for an IP address word (`10.0.0.1`, `fe80::1`, optionally `/prefix`), or
/// `None` for anything else and for addresses that are the same on every machine
/// (unspecified, loopback, `255.…` masks).
pub fn ip_token(word: &str) -> Option<String> {
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

/// Every domain SID, MAC address and IP address in free text (the share link's last
/// pass): runs of the characters they are written with (hex digits, `-`, `:`, `.`, `s`)
/// are checked one by one; trailing dots (end of a sentence, an FQDN) stay outside the
/// token. Unlike the settings crate's value rules, which tokenize addresses only where the
/// value's name says they are the machine's own, every non-local address goes.
pub fn scrub_identifiers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let core = run.trim_end_matches('.');
        match identifier_token(core) {
            Some(token) => {
                out.push_str(&token);
                out.push_str(run.get(core.len()..).unwrap_or(""));
            }
            None => out.push_str(run),
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() || matches!(c, '-' | ':' | '.' | 's' | 'S') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The token for one run of [`scrub_identifiers`], or `None` to keep it.
fn identifier_token(run: &str) -> Option<String> {
    if has_sid(run) {
        let replaced = replace_sids(run);
        return (replaced != run).then_some(replaced);
    }
    if is_mac(run) {
        return Some("<mac>".to_owned());
    }
    if !run.contains(['.', ':']) {
        return None;
    }
    ip_token(run)
}

/// The share link's last privacy pass: each whole-word, case-insensitive occurrence of an
/// identity string (at least 3 characters) becomes `<redacted>`, then
/// [`scrub_identifiers`].
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Lower-cased identity strings, longest first.
    identity: Vec<String>,
}

impl Redactor {
    /// A pass over `identity` (machine or user names, file names), at most `max` of them;
    /// strings shorter than 3 characters are ignored (they would match everywhere).
    pub fn new(identity: &[String], max: usize) -> Self {
        let mut identity: Vec<String> =
            identity.iter().map(|s| s.trim().to_lowercase()).filter(|s| s.chars().count() >= 3).take(max).collect();
        identity.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        identity.dedup();
        Self { identity }
    }

    /// `text` with identity strings, SIDs, MACs and IP addresses replaced.
    pub fn text(&self, text: &str) -> String {
        let needles: Vec<(&str, &str)> =
            self.identity.iter().filter(|n| contains_ci(text, n)).map(|n| (n.as_str(), "<redacted>")).collect();
        if needles.is_empty() {
            scrub_identifiers(text)
        } else {
            scrub_identifiers(&replace_words(text, &needles))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of canonical text: the tokens the anonymizer writes, configuration words
    /// (ASCII and not), numbers, values every machine shares.
    fn canonical_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "<hostname>",
                "<hostname>.corp.example",
                "<user>",
                "<user:1001>",
                "<user:#1>",
                "<machine-sid>",
                "<mac>",
                "<ipv4>",
                "<ipv4>/24",
                "<ipv6>",
                "mailto:<email>",
                "<fullname>",
                "<machine-id>",
                "<timestamp>",
                "<redacted>",
                "%systemroot%\\system32\\drivers\\e1g6032e.sys",
                "S-1-5-18",
                "127.0.0.1",
                "::1",
                "0.0.0.0",
                "255.255.255.0",
                "(default)",
                "getty@tty1.service",
            ])
            .prop_map(str::to_owned),
            "[a-zA-Z_][a-zA-Z0-9_-]{0,8}",
            "[à-ÿа-я]{1,6}",
            (256u32..100_000).prop_map(|n| n.to_string()),
        ]
    }

    /// Pieces that identify a machine or a person.
    fn identifying_piece() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "S-1-5-21-1004336348-1177238915-682003330-1001",
            "s-1-5-21-1-2-3",
            "00-15-5D-01-02-03",
            "52:54:00:12:34:56",
            "10.0.0.5",
            "192.168.1.23.",
            "fe80::1",
            "2001:db8::5/64",
            "ben.white@example.org",
            "PEER-A",
            "Ben White",
            "Jürgen",
        ])
        .prop_map(str::to_owned)
    }

    /// Separators between pieces (none of them joins two pieces into an identifier).
    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![" ", ", ", "/", "\\", "=", ";", "\n", "\t", "\"", "(", ")", " é "])
    }

    fn text(piece: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        prop::collection::vec((piece, separator()), 0..12)
            .prop_map(|parts| parts.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
    }

    fn identity() -> Vec<String> {
        ["peer-a", "ben white", "jürgen", "peer-a.corp.example"].map(str::to_owned).to_vec()
    }

    proptest! {
        /// Scrubbing canonical text changes nothing: not the share link's pass, not the
        /// settings crate's free-text rules.
        #[test]
        fn scrubbing_canonical_text_changes_nothing(t in text(canonical_piece())) {
            prop_assert_eq!(Redactor::new(&identity(), 64).text(&t), t.clone());
            prop_assert_eq!(scrub_identifiers(&t), t.clone());
            prop_assert_eq!(replace_sids(&t), t.clone());
            prop_assert_eq!(replace_emails(&t).into_owned(), t.clone());
            let needles = [("peer-a", "<hostname>"), ("ben white", "<fullname>"), ("alice", "<user>")];
            prop_assert_eq!(replace_words(&t, &needles), t);
        }

        /// Identifiers go, and what the pass leaves is canonical: a second pass changes
        /// nothing.
        #[test]
        fn scrubbed_text_is_canonical(t in text(prop_oneof![canonical_piece(), identifying_piece()])) {
            let redactor = Redactor::new(&identity(), 64);
            let once = redactor.text(&t);
            prop_assert_eq!(redactor.text(&once), once.clone());
            let lower = once.to_lowercase();
            for gone in ["s-1-5-21-", "00-15-5d-01-02-03", "52:54:00", "10.0.0.5", "192.168.1.23", "fe80::1", "2001:db8", "peer-a", "ben white", "jürgen"] {
                prop_assert!(!lower.contains(gone), "{} left in {:?}", gone, once);
            }
        }
    }

    #[test]
    fn words_are_ascii_words_for_both_passes() {
        // A needle next to a non-ASCII letter is a whole word (the safe side for privacy).
        assert_eq!(Redactor::new(&identity(), 64).text("éPEER-Aé"), "é<redacted>é");
        assert_eq!(replace_words("éPEER-Aé", &[("peer-a", "<hostname>")]), "é<hostname>é");
        assert_eq!(Redactor::new(&identity(), 64).text("xpeer-a peer-ax"), "xpeer-a peer-ax");
    }
}
