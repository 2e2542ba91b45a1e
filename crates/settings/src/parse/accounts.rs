// SPDX-License-Identifier: GPL-3.0-or-later
//! `/etc/passwd` and `/etc/group`. Password fields are never read (and `shadow` /
//! `gshadow` are not in any profile): they are secrets, not configuration.

use super::{Pairs, MAX_LINES};

/// Parses passwd into `<user>/uid`, `/gid`, `/home`, `/shell` pairs. The password and
/// GECOS (real name) fields are skipped. The first entry of a user wins, as getpwnam does.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_passwd_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        let [user, _password, uid, gid, _gecos, home, shell] = fields.as_slice() else { continue };
        if user.is_empty() {
            continue;
        }
        pairs.first(format!("{user}/uid"), (*uid).to_owned(), number);
        pairs.first(format!("{user}/gid"), (*gid).to_owned(), number);
        pairs.first(format!("{user}/home"), (*home).to_owned(), number);
        pairs.first(format!("{user}/shell"), (*shell).to_owned(), number);
    }
    pairs.into_vec()
}

/// Parses group into `<group>/gid` and `<group>/members` (sorted, comma-joined; empty
/// when none). The password field is skipped.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_group_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        let [group, _password, gid, members] = fields.as_slice() else { continue };
        if group.is_empty() {
            continue;
        }
        let mut members: Vec<&str> = members.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
        members.sort_unstable();
        members.dedup();
        pairs.first(format!("{group}/gid"), (*gid).to_owned(), number);
        pairs.first(format!("{group}/members"), members.join(","), number);
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_without_secrets() {
        let got =
            crate::parse::pairs(parse_passwd_lines("root:$6$secret:0:0:Root User:/root:/bin/bash\nbroken:line\n"));
        assert_eq!(got.len(), 4);
        assert!(got.contains(&("root/shell".into(), "/bin/bash".into())));
        assert!(!got.iter().any(|(n, v)| v.contains("secret") || v.contains("Root User") || n.contains("secret")));
        let got = crate::parse::pairs(parse_group_lines("adm:x:4:syslog,alice,alice\nsudo:x:27:\n"));
        assert!(got.contains(&("adm/members".into(), "alice,syslog".into())));
        assert!(got.contains(&("sudo/members".into(), String::new())));
    }
}
