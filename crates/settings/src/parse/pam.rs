// SPDX-License-Identifier: GPL-3.0-or-later
//! Linux-PAM service files (`/etc/pam.d/*`, pam.d(5)): `type control module-path args`
//! lines, `@include` lines, `#` comments and `\` continuations.
//!
//! A rule is keyed by `type/module` (`auth/pam_unix.so`), its value is `control args`
//! (`[success=1 default=ignore] nullok`), so a changed control flag or argument is one
//! changed setting rather than one rule gone and another added. A module used twice in one
//! type is keyed `auth/pam_unix.so#2` by order of appearance. A leading `-` on the type
//! (skip the rule when the module is missing) is kept in front of the control, and an
//! `include`/`substack` control's target is the module position.

use super::{logical_lines, MAX_LINES};

/// Parses a pam.d file into `("type/module", "control args")` pairs; `@include X` gives
/// `("@include/X", "included")`.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_pam_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut out: Vec<(String, String, u32)> = Vec::new();
    for (number, line) in logical_lines(text).into_iter().take(MAX_LINES) {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(target) = line.strip_prefix("@include") {
            let name = format!("@include/{}", target.trim());
            push_unique(&mut out, name, "included".into(), number);
            continue;
        }
        let Some((kind, rest)) = line.split_once(char::is_whitespace) else { continue };
        let (quiet, kind) = match kind.strip_prefix('-') {
            Some(k) => ("-", k),
            None => ("", kind),
        };
        let rest = rest.trim_start();
        // A bracketed control (`[success=1 default=ignore]`) holds spaces.
        let (control, rest) = if rest.starts_with('[') {
            match rest.find(']') {
                Some(end) => (rest.get(..=end).unwrap_or(rest), rest.get(end + 1..).unwrap_or("")),
                None => continue,
            }
        } else {
            rest.split_once(char::is_whitespace).unwrap_or((rest, ""))
        };
        let control = super::collapse(control);
        let mut fields = rest.split_whitespace();
        let Some(module) = fields.next() else { continue };
        let args: Vec<&str> = fields.collect();
        let mut value = format!("{quiet}{control}");
        if !args.is_empty() {
            value.push(' ');
            value.push_str(&args.join(" "));
        }
        push_unique(&mut out, format!("{}/{module}", kind.to_ascii_lowercase()), value, number);
    }
    out
}

/// Adds `name`, or `name#2`, `name#3`… when an earlier line already used it.
fn push_unique(out: &mut Vec<(String, String, u32)>, name: String, value: String, line: u32) {
    let mut key = name.clone();
    let mut n = 1;
    while out.iter().any(|(k, _, _)| *k == key) {
        n += 1;
        key = format!("{name}#{n}");
    }
    out.push((key, value, line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_argument_is_one_changed_value_and_dash_and_include_are_kept() {
        // Debian's common-auth (libpam-runtime) with nullok dropped on one machine.
        let a = crate::parse::pairs(parse_pam_lines(
            "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n@include common-account\n",
        ));
        let b = crate::parse::pairs(parse_pam_lines(
            "auth\t[success=1 default=ignore]\tpam_unix.so\n-session optional pam_systemd.so\n",
        ));
        assert_eq!(a[0].0, b[0].0);
        assert_ne!(a[0].1, b[0].1);
        assert_eq!(a[1], ("@include/common-account".into(), "included".into()));
        assert_eq!(b[1], ("session/pam_systemd.so".into(), "-optional".into()));
    }
}
