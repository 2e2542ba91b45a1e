// SPDX-License-Identifier: GPL-3.0-or-later
//! systemd unit files (`.service`, `.socket`, `.timer`, `.mount`…): `[Section]` headers,
//! `Key=Value` lines, `#`/`;` comments, `\` line continuations.

use super::{collapse, logical_lines, Pairs};

/// Parses a unit file into `("Section/Key", value)` pairs. Names keep their case
/// (systemd keys are case-sensitive). A repeated key accumulates, values joined with
/// `; ` in file order (`ExecStartPre=`, `After=`, `Environment=`); an empty assignment
/// (`ExecStart=`) clears the list, as systemd does.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_systemd_unit_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    let mut section = String::new();
    for (number, line) in logical_lines(text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            name.trim().clone_into(&mut section);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let name = if section.is_empty() { key.to_owned() } else { format!("{section}/{key}") };
        let value = collapse(value);
        if value.is_empty() {
            pairs.last(name, String::new(), number);
        } else {
            pairs.append(name, &value, "; ", number);
        }
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_accumulate_and_empty_resets() {
        let text = "[Unit]\nDescription=OpenBSD Secure Shell server\nAfter=network.target\nAfter=auditd.service\n\
                    [Service]\nExecStart=/bin/false\nExecStart=\nExecStart=/usr/sbin/sshd -D \\\n  $SSHD_OPTS\n";
        let got = crate::parse::pairs(parse_systemd_unit_lines(text));
        assert_eq!(
            got,
            vec![
                ("Unit/Description".into(), "OpenBSD Secure Shell server".into()),
                ("Unit/After".into(), "network.target; auditd.service".into()),
                ("Service/ExecStart".into(), "/usr/sbin/sshd -D $SSHD_OPTS".into()),
            ]
        );
        // Lines: the first contributing line; after a reset, the first line after it; a
        // continued line counts from its first physical line.
        let lines: Vec<u32> = parse_systemd_unit_lines(text).into_iter().map(|(_, _, l)| l).collect();
        let at = |needle: &str| text.lines().position(|l| l.starts_with(needle)).map(|i| i as u32 + 1);
        assert_eq!(lines, [at("Description="), at("After="), at("ExecStart=/usr/sbin")].map(Option::unwrap).to_vec());
    }
}
