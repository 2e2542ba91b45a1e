// SPDX-License-Identifier: GPL-3.0-or-later
//! Canonical config-file values.
//!
//! | rule | example |
//! |---|---|
//! | trim, collapse inner whitespace | `"a   b "` → `"a b"` |
//! | strip one pair of enclosing quotes | `"\"Debian\""` → `"Debian"` |
//! | integer literals to decimal | `0x1`, `01`, `1` → `1` |
//! | booleans (config files) | `yes`, `true`, `on` → `true`; `no`, `false`, `off` → `false` |

/// Canonical form of a config-file value.
pub fn config_value(raw: &str) -> String {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let unquoted = strip_quotes(&collapsed);
    if let Some(b) = boolean(unquoted) {
        return b.to_owned();
    }
    if let Some(n) = integer(unquoted) {
        return n.to_string();
    }
    unquoted.to_owned()
}

fn strip_quotes(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn boolean(s: &str) -> Option<&'static str> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some("true"),
        "no" | "false" | "off" => Some("false"),
        _ => None,
    }
}

/// Parses a decimal or `0x` hexadecimal integer literal (optionally signed).
pub fn integer(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || digits.len() > 34 {
        return None;
    }
    let value = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()?
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i128>().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_semantically() {
        assert_eq!(config_value("0x1"), "1");
        assert_eq!(config_value("01"), "1");
        assert_eq!(config_value("1"), "1");
        assert_eq!(config_value("0x1F"), "31");
        assert_eq!(config_value("-5"), "-5");
        assert_eq!(config_value("1.5"), "1.5");
    }

    #[test]
    fn booleans_quotes_and_whitespace() {
        assert_eq!(config_value("Yes"), "true");
        assert_eq!(config_value(" on "), "true");
        assert_eq!(config_value("OFF"), "false");
        assert_eq!(config_value("\"Debian  GNU/Linux\""), "Debian GNU/Linux");
        assert_eq!(config_value("'x'"), "x");
        assert_eq!(config_value("\"unbalanced"), "\"unbalanced");
    }
}
