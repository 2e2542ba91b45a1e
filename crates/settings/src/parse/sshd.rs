// SPDX-License-Identifier: GPL-3.0-or-later
//! OpenSSH `sshd_config`: `Keyword value` (or `Keyword=value`), case-insensitive
//! keywords, first value wins, `Match` blocks until the next `Match`.

use super::{collapse, Pairs, MAX_LINES};

/// Keywords sshd accumulates over repeated lines instead of keeping the first
/// (sshd_config(5)); their values are joined in file order.
const MULTI_VALUED: &[&str] = &[
    "acceptenv",
    "allowgroups",
    "allowusers",
    "denygroups",
    "denyusers",
    "hostcertificate",
    "hostkey",
    "include",
    "listenaddress",
    "port",
    "subsystem",
];

/// Parses sshd_config text into `(keyword, value)` pairs with lowercased keywords.
///
/// Settings inside a `Match` block are named `match <criteria>/<keyword>`, criteria
/// keywords lowercased and whitespace collapsed (`Match User anoncvs` + `X11Forwarding no`
/// → `match user anoncvs/x11forwarding`); `Match all` returns to the global section.
/// Multi-valued keywords (`AcceptEnv`, `HostKey`, `Port`, `Subsystem`…) accumulate:
/// token lists are joined with a space, `Subsystem`/`Include`/`HostKey` lines with `; `.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_sshd_config_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    let mut prefix = String::new();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((keyword, value)) = split_keyword(line) else { continue };
        let keyword = keyword.to_ascii_lowercase();
        if keyword == "match" {
            prefix = match_prefix(value);
            continue;
        }
        let name = format!("{prefix}{keyword}");
        let value = collapse(value);
        if MULTI_VALUED.contains(&keyword.as_str()) {
            let sep = if matches!(keyword.as_str(), "subsystem" | "include" | "hostkey" | "hostcertificate") {
                "; "
            } else {
                " "
            };
            pairs.append(name, &value, sep, number);
        } else {
            pairs.first(name, value, number);
        }
    }
    pairs.into_vec()
}

/// Splits `Keyword value`, `Keyword=value` and `Keyword = value`.
fn split_keyword(line: &str) -> Option<(&str, &str)> {
    let end = line.find(|c: char| c.is_whitespace() || c == '=')?;
    let (keyword, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
    (!keyword.is_empty()).then_some((keyword, rest))
}

/// `Match User anoncvs` → `"match user anoncvs/"`; `Match all` → `""` (global again).
fn match_prefix(criteria: &str) -> String {
    let tokens: Vec<&str> = criteria.split_whitespace().collect();
    if tokens.is_empty() || (tokens.len() == 1 && tokens.iter().any(|t| t.eq_ignore_ascii_case("all"))) {
        return String::new();
    }
    // Criteria come as `Keyword pattern` pairs: fold the keywords, keep the patterns.
    let folded: Vec<String> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| if i % 2 == 0 { t.to_ascii_lowercase() } else { (*t).to_owned() })
        .collect();
    format!("match {}/", folded.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_wins_multi_accumulates_and_match_prefixes() {
        let text = "Port 22\nport 2222\nPermitRootLogin no\nPERMITROOTLOGIN yes\nAcceptEnv LANG\nAcceptEnv LC_*\n\
                    X11Forwarding=yes\nMatch User anoncvs\n  X11Forwarding no\n  X11Forwarding yes\nMatch all\nUsePAM yes\n";
        let got = crate::parse::pairs(parse_sshd_config_lines(text));
        let get = |k: &str| got.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("port"), Some("22 2222"));
        assert_eq!(get("permitrootlogin"), Some("no"));
        assert_eq!(get("acceptenv"), Some("LANG LC_*"));
        assert_eq!(get("x11forwarding"), Some("yes"));
        assert_eq!(get("match user anoncvs/x11forwarding"), Some("no"));
        assert_eq!(get("usepam"), Some("yes"));
    }
}
