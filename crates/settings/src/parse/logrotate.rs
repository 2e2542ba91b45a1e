// SPDX-License-Identifier: GPL-3.0-or-later
//! logrotate configuration (`/etc/logrotate.conf`, `/etc/logrotate.d/*`, logrotate(8)):
//! global directives, then `path… { directives }` blocks; `#` comments;
//! `postrotate`/`prerotate`/`firstaction`/`lastaction`/`preremove` … `endscript` scripts.
//!
//! A directive is keyed by its block (the block's paths as written, space-joined) and name:
//! `/var/log/apt/term.log/rotate` = `12`; global ones have no block part. The rotation
//! period (`daily`, `weekly`, `monthly`, `yearly`, `hourly`) is one setting `frequency`, and
//! a `noX` switch is the setting `X` with value `no` (`nocompress` → `compress` = `no`), so
//! switching either is one changed value. A script is one value: its lines joined with `; `.

use super::{collapse, Pairs, MAX_LINES};

/// Switches that have a `no` form (logrotate(8)); `notifempty` is the `no` form of `ifempty`.
const SWITCHES: &[&str] = &[
    "compress",
    "copy",
    "copytruncate",
    "create",
    "createolddir",
    "dateext",
    "delaycompress",
    "ifempty",
    "mail",
    "missingok",
    "olddir",
    "sharedscripts",
    "shred",
];
const PERIODS: &[&str] = &["hourly", "daily", "weekly", "monthly", "yearly"];
const SCRIPTS: &[&str] = &["postrotate", "prerotate", "firstaction", "lastaction", "preremove"];

/// Parses a logrotate file into `(name, value)` pairs (see the module docs).
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_logrotate_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    let mut block: Option<String> = None;
    // (name, first line, script lines) while inside a script.
    let mut script: Option<(String, u32, Vec<String>)> = None;
    for (number, raw) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = raw.trim();
        if let Some((name, start, body)) = &mut script {
            if line == "endscript" {
                pairs.last(std::mem::take(name), body.join("; "), *start);
                script = None;
            } else if !line.is_empty() && !line.starts_with('#') {
                body.push(collapse(line));
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "}" {
            block = None;
            continue;
        }
        if let Some(paths) = line.strip_suffix('{') {
            block = Some(collapse(paths));
            continue;
        }
        let (directive, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let directive = directive.to_ascii_lowercase();
        let (key, value) = if PERIODS.contains(&directive.as_str()) {
            ("frequency".to_owned(), directive.clone())
        } else if SWITCHES.contains(&directive.as_str()) {
            let value = if args.trim().is_empty() { "yes".to_owned() } else { collapse(args) };
            (directive.clone(), value)
        } else if directive == "notifempty" {
            ("ifempty".to_owned(), "no".to_owned())
        } else if let Some(base) = directive.strip_prefix("no").filter(|b| SWITCHES.contains(b)) {
            (base.to_owned(), "no".to_owned())
        } else {
            (directive.clone(), collapse(args))
        };
        let name = match &block {
            Some(paths) => format!("{paths}/{key}"),
            None => key,
        };
        if SCRIPTS.contains(&directive.as_str()) {
            script = Some((name, number, Vec::new()));
        } else {
            pairs.last(name, value, number);
        }
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_switches_periods_and_scripts() {
        // Debian's /etc/logrotate.d/dpkg and the top of logrotate.conf.
        let text = "weekly\nrotate 4\ncreate\n#compress\ninclude /etc/logrotate.d\n\
                    /var/log/dpkg.log {\n\tmonthly\n\trotate 12\n\tcompress\n\tdelaycompress\n\tmissingok\n\tnotifempty\n\
                    \tcreate 644 root root\n}\n/var/log/a.log /var/log/b.log {\n  nocompress\n  postrotate\n    \
                    invoke-rc.d rsyslog rotate > /dev/null\n  endscript\n}\n";
        let got = crate::parse::pairs(parse_logrotate_lines(text));
        let get = |n: &str| got.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("frequency"), Some("weekly"));
        assert_eq!(get("create"), Some("yes"));
        assert_eq!(get("compress"), None);
        assert_eq!(get("include"), Some("/etc/logrotate.d"));
        assert_eq!(get("/var/log/dpkg.log/frequency"), Some("monthly"));
        assert_eq!(get("/var/log/dpkg.log/ifempty"), Some("no"));
        assert_eq!(get("/var/log/dpkg.log/create"), Some("644 root root"));
        assert_eq!(get("/var/log/a.log /var/log/b.log/compress"), Some("no"));
        assert_eq!(get("/var/log/a.log /var/log/b.log/postrotate"), Some("invoke-rc.d rsyslog rotate > /dev/null"));
    }
}
