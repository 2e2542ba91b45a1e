// SPDX-License-Identifier: GPL-3.0-or-later
//! Netplan YAML (`/etc/netplan/*.yaml`): block mappings flattened to dotted names.
//!
//! No YAML crate is used: `serde_yaml` is deprecated and unmaintained, and its forks
//! (`serde_yml` and others) are young, single-maintainer projects; netplan files use a
//! small, regular subset that a line parser reads exactly:
//!
//! - `key: value` in block mappings nested by indentation → `network.ethernets.eth0.dhcp4` = `true`;
//! - block sequences (`- item`) and flow sequences (`[a, "b"]`) → items joined with `, `;
//! - a sequence item that is a mapping (`- to: default` / `  via: 10.0.0.1`, netplan's
//!   `routes`) → one item `to=default via=10.0.0.1`;
//! - `#` comments, `---`, quoted scalars (quotes are stripped later by canonicalization);
//! - an empty flow mapping (`eth1: {}`, an interface declared without options) stays `{}`;
//! - secrets ([`SECRET_KEYS`]: WireGuard keys, passwords) are dropped wherever they occur.
//!
//! Anchors, multi-line scalars and flow mappings are not used by netplan's documented
//! examples; such lines are kept as their raw text or skipped, never misparsed into
//! another key. Interface addresses are per-machine and become tokens in the identity
//! pass (rule I5, name ending in `addresses`); `nameservers.addresses` stays (fleet
//! configuration).

use std::collections::HashMap;

use super::MAX_LINES;

/// Deepest nesting followed: netplan's schema is 5 levels deep (`network.ethernets.<if>.nameservers.search`);
/// deeper lines of a hostile file are skipped instead of growing the stack.
pub const MAX_DEPTH: usize = 32;

/// One open mapping key.
struct Open {
    indent: usize,
    key: String,
}

/// Collected output: dotted name → (value, line), in order of first appearance.
#[derive(Default)]
struct Out {
    pairs: Vec<(String, String, u32)>,
    index: HashMap<String, usize>,
}

impl Out {
    /// Sets a scalar (a repeated key replaces the value, as YAML loaders keep the last).
    fn scalar(&mut self, name: String, value: String, line: u32) {
        match self.index.get(&name) {
            Some(&i) => {
                if let Some(slot) = self.pairs.get_mut(i) {
                    slot.1 = value;
                }
            }
            None => {
                self.index.insert(name.clone(), self.pairs.len());
                self.pairs.push((name, value, line));
            }
        }
    }

    /// Appends a sequence item (an empty one is a mapping item whose parts follow).
    fn item(&mut self, name: String, item: &str, line: u32) {
        match self.index.get(&name) {
            Some(&i) => {
                if let Some(slot) = self.pairs.get_mut(i) {
                    if !slot.1.is_empty() {
                        slot.1.push_str(", ");
                    }
                    slot.1.push_str(item);
                }
            }
            None => {
                self.index.insert(name.clone(), self.pairs.len());
                self.pairs.push((name, item.to_owned(), line));
            }
        }
    }

    /// Appends `k=v` to the last item of the sequence `name` (a mapping item continued).
    fn extend_item(&mut self, name: &str, part: &str) {
        if let Some(slot) = self.index.get(name).and_then(|&i| self.pairs.get_mut(i)) {
            if !slot.1.is_empty() && !slot.1.ends_with(", ") {
                slot.1.push(' ');
            }
            slot.1.push_str(part);
        }
    }
}

/// Keys whose values are secrets (WireGuard private and pre-shared keys, Wi-Fi and 802.1X
/// passwords): never settings, as password fields elsewhere.
pub const SECRET_KEYS: &[&str] = &["key", "private-key", "shared", "password", "psk", "private-key-password"];

fn is_secret(key: &str) -> bool {
    SECRET_KEYS.iter().any(|s| key.eq_ignore_ascii_case(s))
}

/// `text` without a trailing `# comment` (a `#` at the start or after whitespace, outside quotes).
fn strip_comment(text: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if prev_space => return text.get(..i).unwrap_or(text),
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    text
}

/// Splits `key: value` (the colon must be followed by a space or end the line, so that
/// IPv6 addresses and MACs are not split).
fn split_key(text: &str) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, ':') => {
                let rest = text.get(i + 1..)?;
                if rest.is_empty() || rest.starts_with([' ', '\t']) {
                    let key = text.get(..i)?.trim().trim_matches(['"', '\'']);
                    return (!key.is_empty()).then_some((key, rest.trim()));
                }
            }
            _ => {}
        }
    }
    None
}

/// A flow sequence `[a, "b"]` → `a, b`; a quoted scalar without its quotes; anything else
/// as written.
fn scalar(value: &str) -> String {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        Some(inner) => inner
            .split(',')
            .map(|s| s.trim().trim_matches(['"', '\'']))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        None => value.to_owned(),
    }
}

/// Parses netplan YAML into `(dotted name, raw value, line)` triples.
pub fn parse_netplan(text: &str) -> Vec<(String, String, u32)> {
    let mut out = Out::default();
    let mut open: Vec<Open> = Vec::new();
    // The sequence whose mapping item is being continued: (its name, the item's key column).
    let mut item: Option<(String, usize)> = None;
    for (number, raw) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = strip_comment(raw).trim_end();
        let content = line.trim_start();
        if content.is_empty() || content == "---" || content == "..." {
            continue;
        }
        let indent = line.len() - content.len();
        let path = |open: &[Open]| open.iter().map(|o| o.key.as_str()).collect::<Vec<_>>().join(".");
        if let Some((seq, column)) = &item {
            if indent >= *column && !content.starts_with("- ") {
                if let Some((k, v)) = split_key(content) {
                    if !v.is_empty() && !is_secret(k) {
                        out.extend_item(seq, &format!("{k}={}", scalar(v)));
                    }
                }
                continue;
            }
            item = None;
        }
        if let Some(rest) = content.strip_prefix("- ").or_else(|| (content == "-").then_some("")) {
            // A sequence item belongs to the closest open key left of it or at its column
            // (YAML allows `key:` and its `- items` at the same indentation).
            while open.last().is_some_and(|o| o.indent > indent) {
                open.pop();
            }
            let name = path(&open);
            if name.is_empty() {
                continue;
            }
            let rest = rest.trim();
            match split_key(rest) {
                Some((k, v)) => {
                    // `- keys:` opens a nested mapping whose leaves continue the item.
                    let part = if v.is_empty() || is_secret(k) { String::new() } else { format!("{k}={}", scalar(v)) };
                    out.item(name.clone(), &part, number);
                    item = Some((name, indent + 2));
                }
                None if !rest.is_empty() => out.item(name, &scalar(rest), number),
                None => {}
            }
            continue;
        }
        let Some((key, value)) = split_key(content) else { continue };
        if is_secret(key) {
            continue;
        }
        while open.last().is_some_and(|o| o.indent >= indent) {
            open.pop();
        }
        if value.is_empty() {
            if open.len() < MAX_DEPTH {
                open.push(Open { indent, key: key.to_owned() });
            }
            continue;
        }
        let mut name = path(&open);
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(key);
        out.scalar(name, scalar(value), number);
    }
    out.pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_flow_sequences_and_route_items() {
        let text = "# netplan\nnetwork:\n  version: 2\n  ethernets:\n    enp3s0:\n      dhcp4: no # static\n      addresses:\n      - 10.10.10.2/24\n      - \"2001:db8::2/64\"\n      routes:\n        - to: default\n          via: 10.10.10.1\n        - to: 192.168.0.0/16\n          via: 10.10.10.254\n          metric: 100\n      nameservers:\n        search: [lab, home]\n        addresses: [8.8.8.8, \"1.1.1.1\"]\n      macaddress: 52:54:00:12:34:56\n";
        let got = parse_netplan(text);
        let get = |n: &str| got.iter().find(|(k, _, _)| k == n).map(|(_, v, l)| (v.as_str(), *l));
        assert_eq!(get("network.version"), Some(("2", 3)));
        assert_eq!(get("network.ethernets.enp3s0.dhcp4"), Some(("no", 6)));
        assert_eq!(get("network.ethernets.enp3s0.addresses"), Some(("10.10.10.2/24, 2001:db8::2/64", 8)));
        assert_eq!(
            get("network.ethernets.enp3s0.routes"),
            Some(("to=default via=10.10.10.1, to=192.168.0.0/16 via=10.10.10.254 metric=100", 11))
        );
        assert_eq!(get("network.ethernets.enp3s0.nameservers.search"), Some(("lab, home", 17)));
        assert_eq!(get("network.ethernets.enp3s0.nameservers.addresses"), Some(("8.8.8.8, 1.1.1.1", 18)));
        assert_eq!(get("network.ethernets.enp3s0.macaddress"), Some(("52:54:00:12:34:56", 19)));
        assert_eq!(got.len(), 7);
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let deep: String = (0..2_000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        let got = parse_netplan(&(deep + &" ".repeat(2_000) + "x: 1\n"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.split('.').count(), MAX_DEPTH + 1);
        assert!(parse_netplan("- a\n: b\n\"unterminated: x\n").is_empty());
    }
}
