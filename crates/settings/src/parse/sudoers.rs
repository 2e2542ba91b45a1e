// SPDX-License-Identifier: GPL-3.0-or-later
//! `/etc/sudoers` and `/etc/sudoers.d/*` (sudoers(5)): `Defaults`, aliases, user
//! specifications and include directives, with `\` continuations.

use super::{collapse, logical_lines, Pairs};

/// The alias kinds sudoers defines.
const ALIASES: &[&str] = &["User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"];

/// Parses sudoers into pairs:
/// - `Defaults env_reset` → `Defaults/env_reset = true`, `!lecture` → `false`,
///   `secure_path = …` → its value, `+=`/`-=` appended as `+value`/`-value`;
///   `Defaults:alice …` / `Defaults@host …` → `Defaults:alice/<param>`;
/// - `Cmnd_Alias NAME = a, b` → `Cmnd_Alias/NAME = a, b`;
/// - a user spec `%admin ALL=(ALL) ALL` → `%admin = ALL=(ALL) ALL` (repeated users
///   accumulate with `; `);
/// - `#include`/`@include`/`#includedir`/`@includedir` → `include`/`includedir`.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_sudoers_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in logical_lines(text) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let directive = line.strip_prefix('@').or_else(|| line.strip_prefix('#'));
        if let Some(d) = directive {
            for kind in ["includedir", "include"] {
                if let Some(target) = d.strip_prefix(kind).filter(|r| r.starts_with(char::is_whitespace)) {
                    pairs.append(kind.to_owned(), target.trim(), "; ", number);
                    break;
                }
            }
            continue;
        }
        let (head, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if let Some(binding) = head.strip_prefix("Defaults") {
            defaults(&mut pairs, binding, rest, number);
        } else if ALIASES.contains(&head) {
            // `NAME = list : NAME2 = list`
            for def in rest.split(" : ") {
                let Some((name, list)) = def.split_once('=') else { continue };
                let list: Vec<String> = list.split(',').map(collapse).filter(|i| !i.is_empty()).collect();
                pairs.last(format!("{head}/{}", name.trim()), list.join(", "), number);
            }
        } else {
            pairs.append(head.to_owned(), &collapse(rest), "; ", number);
        }
    }
    pairs.into_vec()
}

/// One `Defaults[:@!>]binding param, param…` line, at line `number`.
fn defaults(pairs: &mut Pairs, binding: &str, params: &str, number: u32) {
    let prefix = format!("Defaults{}", binding.trim());
    for param in split_params(params) {
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        if let Some((name, value)) = param.split_once('=') {
            let value = collapse(value.trim().trim_matches('"'));
            let name = name.trim_end();
            if let Some(name) = name.strip_suffix('+') {
                pairs.append(format!("{prefix}/{}", name.trim()), &format!("+{value}"), " ", number);
            } else if let Some(name) = name.strip_suffix('-') {
                pairs.append(format!("{prefix}/{}", name.trim()), &format!("-{value}"), " ", number);
            } else {
                pairs.last(format!("{prefix}/{}", name.trim()), value, number);
            }
        } else if let Some(flag) = param.strip_prefix('!') {
            pairs.last(format!("{prefix}/{}", flag.trim()), "false".into(), number);
        } else {
            pairs.last(format!("{prefix}/{param}"), "true".into(), number);
        }
    }
}

/// Splits `a, b="x, y", c` on commas outside double quotes.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(s.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s.get(start..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_aliases_specs_and_includes() {
        let text = "Defaults env_reset, !lecture\nDefaults env_keep = \"A B\"\nDefaults env_keep += \"C\"\n\
                    Defaults:alice timestamp_timeout=0\nCmnd_Alias NET = /sbin/ip, \\\n /sbin/ss\n\
                    root ALL=(ALL:ALL) ALL\n%sudo   ALL=(ALL:ALL) ALL\n# a comment\n#includedir /etc/sudoers.d\n";
        let got = crate::parse::pairs(parse_sudoers_lines(text));
        let get = |k: &str| got.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Defaults/env_reset"), Some("true"));
        assert_eq!(get("Defaults/lecture"), Some("false"));
        assert_eq!(get("Defaults/env_keep"), Some("A B +C"));
        assert_eq!(get("Defaults:alice/timestamp_timeout"), Some("0"));
        assert_eq!(get("Cmnd_Alias/NET"), Some("/sbin/ip, /sbin/ss"));
        assert_eq!(get("%sudo"), Some("ALL=(ALL:ALL) ALL"));
        assert_eq!(get("includedir"), Some("/etc/sudoers.d"));
        assert_eq!(got.len(), 8);
    }
}
