// SPDX-License-Identifier: GPL-3.0-or-later
//! INI files (Windows .ini, smb.conf, systemd-style sections): `[section]` headers and
//! `key = value` lines; `#` and `;` start comments.

use super::MAX_LINES;

/// Parses INI text into `("section/key", value)` pairs; keys before any section header
/// have no `section/` prefix. Section and key names keep their case; callers fold it
/// where the format is case-insensitive.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_ini_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            if let Some(name) = rest.strip_suffix(']') {
                section = name.trim().to_owned();
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let name = if section.is_empty() { key.to_owned() } else { format!("{section}/{key}") };
        out.push((name, value.trim().to_owned(), number));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_prefix_keys_and_comments_are_skipped() {
        let text =
            "top = 1\n# c\n[global]\n  workgroup = MYGROUP\n; security = share\n[homes]\nbrowseable=no\nnot a pair\n";
        assert_eq!(
            crate::parse::pairs(parse_ini_lines(text)),
            vec![
                ("top".into(), "1".into()),
                ("global/workgroup".into(), "MYGROUP".into()),
                ("homes/browseable".into(), "no".into()),
            ]
        );
    }
}
