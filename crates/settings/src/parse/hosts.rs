// SPDX-License-Identifier: GPL-3.0-or-later
//! `/etc/hosts`: `address name [aliases…]`, `#` comments.

use std::collections::BTreeMap;

use super::MAX_LINES;

/// Host names kept per file at most: a blocklist-style hosts file with a million
/// entries is data, not configuration.
const MAX_NAMES: usize = 10_000;

/// Parses hosts into `(hostname, addresses)` pairs: every name and alias (lowercased)
/// maps to its addresses, sorted and space-joined (`localhost` → `127.0.0.1 ::1`).
/// Sorted by host name.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_hosts_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut names: BTreeMap<String, (Vec<String>, u32)> = BTreeMap::new();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        let Some(address) = fields.next() else { continue };
        for name in fields {
            if names.len() >= MAX_NAMES && !names.contains_key(name) {
                break;
            }
            let (addresses, _) = names.entry(name.to_ascii_lowercase()).or_insert_with(|| (Vec::new(), number));
            if !addresses.iter().any(|a| a == address) {
                addresses.push(address.to_owned());
            }
        }
    }
    names
        .into_iter()
        .map(|(name, (mut addresses, line))| {
            addresses.sort();
            (name, addresses.join(" "), line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_multiple_addresses() {
        let got = crate::parse::pairs(parse_hosts_lines(
            "127.0.0.1 localhost\n::1 localhost ip6-localhost # v6\n# 10.0.0.1 gone\n",
        ));
        assert_eq!(got, vec![("ip6-localhost".into(), "::1".into()), ("localhost".into(), "127.0.0.1 ::1".into())]);
    }
}
