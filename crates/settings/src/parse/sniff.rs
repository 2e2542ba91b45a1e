// SPDX-License-Identifier: GPL-3.0-or-later
//! Text files no parser claims (the profile's `sniff` format): their syntax is guessed from
//! their lines, and the matching existing parser reads them.
//!
//! - INI when a `[section]` header precedes a `key = value` line;
//! - `key=value` when most meaningful lines are assignments to a one-word key;
//! - otherwise plain text, kept as its first line and line count.
//!
//! Values whose name says they are secret ([`is_secret_name`]) are replaced by
//! [`REDACTED`]: a sniffed file may hold credentials no rule anticipated.

use super::MAX_LINES;

/// How a sniffed text reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `[section]` and `key = value` lines.
    Ini,
    /// `key=value` lines.
    KeyValue,
    /// Anything else.
    Text,
}

/// Value kept for a setting whose name says it is secret.
pub const REDACTED: &str = "<redacted>";

/// Lines looked at to decide the syntax.
const SNIFF_LINES: usize = 200;

/// Guesses the syntax of `text` from its first meaningful lines.
pub fn sniff_syntax(text: &str) -> Syntax {
    let mut assignments = 0usize;
    let mut others = 0usize;
    let mut section = false;
    let mut ini = false;
    let meaningful = text
        .lines()
        .take(MAX_LINES)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .take(SNIFF_LINES);
    for line in meaningful {
        if line.starts_with('[') && line.ends_with(']') {
            section = true;
            continue;
        }
        match line.split_once('=') {
            Some((key, _)) if is_word(key.trim()) => {
                assignments += 1;
                ini |= section;
            }
            _ => others += 1,
        }
    }
    if ini {
        Syntax::Ini
    } else if assignments > 0 && assignments >= others * 2 {
        Syntax::KeyValue
    } else {
        Syntax::Text
    }
}

/// A key: one word of letters, digits and `._-:/@`.
fn is_word(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || "._-:/@".contains(c))
}

/// Whether a setting name (its last `/`-separated part) says its value is a secret.
pub fn is_secret_name(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    last == "pass"
        || [
            "password",
            "passwd",
            "passphrase",
            "secret",
            "psk",
            "token",
            "credential",
            "privatekey",
            "private_key",
            "private-key",
            "apikey",
            "api_key",
        ]
        .iter()
        .any(|s| last.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntaxes() {
        assert_eq!(sniff_syntax("# c\n[main]\ngpgcheck=1\n"), Syntax::Ini);
        assert_eq!(sniff_syntax("PATH=\"/usr/bin\"\nLANG=C\n"), Syntax::KeyValue);
        assert_eq!(sniff_syntax("#!/bin/sh\necho a=b c\nexit 0\n"), Syntax::Text);
        assert_eq!(sniff_syntax("+:root:ALL\n"), Syntax::Text);
        assert!(is_secret_name("wifi-security/psk") && is_secret_name("db_password") && !is_secret_name("port"));
        // libnet.cfg's `ftp_int_passive` is no password.
        assert!(!is_secret_name("ftp_int_passive") && is_secret_name("pass"));
    }
}
