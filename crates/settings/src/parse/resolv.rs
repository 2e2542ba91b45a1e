// SPDX-License-Identifier: GPL-3.0-or-later
//! Name-service configuration: `/etc/resolv.conf` and `/etc/nsswitch.conf`.

use super::{collapse, Pairs, MAX_LINES};

/// Parses resolv.conf: `nameserver` lines accumulate in order (space-joined, order
/// matters to the resolver); the last `search`/`domain` wins; each `options` token
/// becomes `options/<name>` (value after `:`, or `true` for a flag).
///
/// Each pair carries the 1-based line its value comes from (its provenance).
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
///
/// Each pair carries the 1-based line its value comes from (its provenance).
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
        let got = crate::parse::pairs(parse_resolv_conf_lines(
            "search a.example\nnameserver 10.0.0.1\nnameserver 10.0.0.2\noptions ndots:2 rotate\n",
        ));
        assert!(got.contains(&("nameserver".into(), "10.0.0.1 10.0.0.2".into())));
        assert!(got.contains(&("options/ndots".into(), "2".into())));
        assert!(got.contains(&("options/rotate".into(), "true".into())));
        let ns = crate::parse::pairs(parse_nsswitch_lines(
            "passwd:  files   systemd\nhosts: files dns [NOTFOUND=return] # x\n",
        ));
        assert_eq!(ns[1], ("hosts".into(), "files dns [NOTFOUND=return]".into()));
    }
}
