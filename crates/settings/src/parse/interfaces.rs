// SPDX-License-Identifier: GPL-3.0-or-later
//! ifupdown's `/etc/network/interfaces` (interfaces(5)): stanzas and their options.
//!
//! | line | setting name | value |
//! |---|---|---|
//! | `auto eth0 eth1`, `allow-auto …`, `allow-hotplug eth0` | `eth0/auto`, `eth0/allow-hotplug` | `true` |
//! | `iface eth0 inet static` | `eth0 inet/method` | `static` |
//! | an option after it (`address 10.0.0.2/24`) | `eth0 inet/address` | `10.0.0.2/24` |
//! | a repeated option (`up …`, `pre-up …`) | same | values joined with `; ` in file order |
//! | `mapping eth0` + `script …`/`map …` | `mapping eth0/script` | … |
//! | `source …`, `source-directory …` | `source`, `source-directory` | paths joined with `; ` |
//!
//! `address` options are the machine's own and become tokens in the identity pass (rule
//! I5); netmask, gateway, broadcast and network stay (configuration of the subnet).

use std::collections::HashMap;

use super::MAX_LINES;

/// Parses interfaces(5) text into `(name, raw value, line)` triples.
pub fn parse_interfaces(text: &str) -> Vec<(String, String, u32)> {
    let mut out: Vec<(String, String, u32)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut add = |name: String, value: &str, line: u32| match index.get(&name) {
        Some(&i) => {
            if let Some(slot) = out.get_mut(i) {
                slot.1.push_str("; ");
                slot.1.push_str(value);
            }
        }
        None => {
            index.insert(name.clone(), out.len());
            out.push((name, value.to_owned(), line));
        }
    };
    // The stanza options belong to: `eth0 inet` or `mapping eth0`.
    let mut stanza: Option<String> = None;
    let mut pending = String::new();
    let mut start = 0u32;
    for (number, raw) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        // A trailing `\` continues the line (interfaces(5)).
        if pending.is_empty() {
            start = number;
        }
        if let Some(head) = raw.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        let line = std::mem::take(&mut pending);
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut words = content.split_whitespace();
        let Some(first) = words.next() else { continue };
        let rest: Vec<&str> = words.collect();
        match first {
            "auto" | "allow-auto" | "allow-hotplug" => {
                let flag = if first == "allow-hotplug" { "allow-hotplug" } else { "auto" };
                for iface in &rest {
                    add(format!("{iface}/{flag}"), "true", start);
                }
                stanza = None;
            }
            "iface" => match rest.as_slice() {
                [iface, family, method, ..] => {
                    let name = format!("{iface} {family}");
                    add(format!("{name}/method"), method, start);
                    stanza = Some(name);
                }
                _ => stanza = None,
            },
            "mapping" => {
                stanza = Some(format!("mapping {}", rest.join(" ")));
            }
            "source" | "source-directory" => {
                add(first.to_owned(), &rest.join(" "), start);
                stanza = None;
            }
            option => {
                if let Some(s) = &stanza {
                    add(format!("{s}/{option}"), &rest.join(" "), start);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_options_and_repeats() {
        let text = "auto lo eth0\nallow-hotplug eth1\niface lo inet loopback\n\niface eth0 inet static\n  address 10.0.0.2/24\n  gateway 10.0.0.1\n  up ip route add \\\n     10.1.0.0/16 via 10.0.0.254\n  up echo hi\n# comment\nsource /etc/network/interfaces.d/*\nstray option\n";
        let got = parse_interfaces(text);
        let get = |n: &str| got.iter().find(|(k, _, _)| k == n).map(|(_, v, l)| (v.as_str(), *l));
        assert_eq!(get("lo/auto"), Some(("true", 1)));
        assert_eq!(get("eth0/auto"), Some(("true", 1)));
        assert_eq!(get("eth1/allow-hotplug"), Some(("true", 2)));
        assert_eq!(get("lo inet/method"), Some(("loopback", 3)));
        assert_eq!(get("eth0 inet/address"), Some(("10.0.0.2/24", 6)));
        assert_eq!(get("eth0 inet/up"), Some(("ip route add 10.1.0.0/16 via 10.0.0.254; echo hi", 8)));
        assert_eq!(get("source"), Some(("/etc/network/interfaces.d/*", 12)));
        assert_eq!(got.len(), 9);
    }
}
