// SPDX-License-Identifier: GPL-3.0-or-later
//! `/etc/security` tables of pam_limits and pam_access.
//!
//! - limits.conf(5) (`limits.conf`, `limits.d/*.conf`): `<domain> <type> <item> <value>` →
//!   `domain/type/item` = value (`@jackuser/-/rtprio` = `20`); a later line for the same
//!   triple wins, as pam_limits applies them in order.
//! - access.conf(5): `permission : users : origins` → `users : origins` = `+` or `-`; the
//!   first matching line decides, so the first one is kept.

use super::{collapse, Pairs, MAX_LINES};

/// Parses a limits.conf file (see the module docs).
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_limits_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.split('#').next().unwrap_or("");
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [domain, kind, item, value] = fields.as_slice() else { continue };
        pairs.last(format!("{domain}/{kind}/{item}"), (*value).to_owned(), number);
    }
    pairs.into_vec()
}

/// Parses an access.conf file (see the module docs).
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_access_conf_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(3, ':');
        let (Some(permission), Some(users), Some(origins)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let permission = permission.trim();
        if permission != "+" && permission != "-" {
            continue;
        }
        pairs.first(format!("{} : {}", collapse(users), collapse(origins)), permission.to_owned(), number);
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_triples_and_access_rules() {
        let limits = crate::parse::pairs(parse_limits_lines(
            "#<domain> <type> <item> <value>\n*  soft  core  0\n@student - maxlogins 4\n*  soft core 1\n",
        ));
        assert_eq!(limits, vec![("*/soft/core".into(), "1".into()), ("@student/-/maxlogins".into(), "4".into())]);
        // access.conf(5)'s own examples.
        let access = crate::parse::pairs(parse_access_conf_lines(
            "# comment\n+:root:crond :0 tty1 tty2 tty3 tty4 tty5 tty6\n-:ALL EXCEPT root:tty1\n",
        ));
        assert_eq!(
            access,
            vec![
                ("root : crond :0 tty1 tty2 tty3 tty4 tty5 tty6".into(), "+".into()),
                ("ALL EXCEPT root : tty1".into(), "-".into())
            ]
        );
    }
}
