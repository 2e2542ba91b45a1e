// SPDX-License-Identifier: GPL-3.0-or-later
//! Line-oriented `key value` and `key=value` files: sshd_config, sysctl.conf,
//! /etc/default/*, os-release.

use super::MAX_LINES;

/// How a key is separated from its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `key=value` (sysctl.conf, /etc/default/*, os-release).
    Equals,
    /// `Key value` or `Key=value` (sshd_config style).
    Whitespace,
}

/// Parses one pair per line; `#` starts a comment line. With [`Separator::Whitespace`],
/// a repeated key keeps its first value, as sshd does.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_key_value_lines(text: &str, separator: Separator) -> Vec<(String, String, u32)> {
    let mut out: Vec<(String, String, u32)> = Vec::new();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let pair = match separator {
            Separator::Equals => line.split_once('='),
            Separator::Whitespace => line.split_once(|c: char| c.is_whitespace() || c == '='),
        };
        let Some((key, value)) = pair else { continue };
        let key = key.trim();
        let value = value.trim().trim_start_matches('=').trim();
        if key.is_empty() {
            continue;
        }
        if separator == Separator::Whitespace && out.iter().any(|(k, _, _)| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        out.push((key.to_owned(), value.to_owned(), number));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sshd_style_keeps_first_value() {
        let text = "# comment\nPort 22\nPermitRootLogin no\npermitrootlogin yes\nX11Forwarding=yes\n";
        assert_eq!(
            crate::parse::pairs(parse_key_value_lines(text, Separator::Whitespace)),
            vec![
                ("Port".into(), "22".into()),
                ("PermitRootLogin".into(), "no".into()),
                ("X11Forwarding".into(), "yes".into())
            ]
        );
    }

    #[test]
    fn equals_style() {
        assert_eq!(
            crate::parse::pairs(parse_key_value_lines("net.ipv4.ip_forward = 1\nNAME=\"Debian\"\n", Separator::Equals)),
            vec![("net.ipv4.ip_forward".into(), "1".into()), ("NAME".into(), "\"Debian\"".into())]
        );
    }
}
