// SPDX-License-Identifier: GPL-3.0-or-later
//! Name-service configuration: `/etc/resolv.conf` and `/etc/nsswitch.conf`.

use super::{collapse, without_lines, Pairs, MAX_LINES};

/// Parses resolv.conf: `nameserver` lines accumulate in order (space-joined, order
/// matters to the resolver); the last `search`/`domain` wins; each `options` token
/// becomes `options/<name>` (value after `:`, or `true` for a flag).
pub fn parse_resolv_conf(text: &str) -> Vec<(String, String)> {
    without_lines(parse_resolv_conf_lines(text))
}

/// [`parse_resolv_conf`] with the 1-based line number of each pair (its provenance; the
/// first `nameserver` line for the accumulated servers).
pub fn parse_resolv_conf_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(keyword) = fields.next() else { continue };
        let rest: Vec<&str> = fields.collect();
        match keyword {
            "nameserver" => pairs.append("nameserver".into(), &rest.join(" "), " ", number),
            "options" => {
                for option in rest {
                    let (name, value) = option.split_once(':').unwrap_or((option, "true"));
                    pairs.last(format!("options/{name}"), value.to_owned(), number);
                }
            }
            other => pairs.last(other.to_owned(), rest.join(" "), number),
        }
    }
    pairs.into_vec()
}

/// Parses nsswitch.conf: `database: sources` → `(database, sources)` with whitespace
/// collapsed (`[NOTFOUND=return]` actions kept: they change behaviour).
pub fn parse_nsswitch(text: &str) -> Vec<(String, String)> {
    without_lines(parse_nsswitch_lines(text))
}

/// [`parse_nsswitch`] with the 1-based line number of each pair (its provenance).
pub fn parse_nsswitch_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((database, sources)) = line.split_once(':') else { continue };
        let database = database.trim();
        if database.is_empty() || database.contains(char::is_whitespace) {
            continue;
        }
        pairs.last(database.to_owned(), collapse(sources), number);
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_and_nsswitch() {
        let got =
            parse_resolv_conf("search a.example\nnameserver 10.0.0.1\nnameserver 10.0.0.2\noptions ndots:2 rotate\n");
        assert!(got.contains(&("nameserver".into(), "10.0.0.1 10.0.0.2".into())));
        assert!(got.contains(&("options/ndots".into(), "2".into())));
        assert!(got.contains(&("options/rotate".into(), "true".into())));
        let ns = parse_nsswitch("passwd:  files   systemd\nhosts: files dns [NOTFOUND=return] # x\n");
        assert_eq!(ns[1], ("hosts".into(), "files dns [NOTFOUND=return]".into()));
    }
}
