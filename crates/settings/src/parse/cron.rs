// SPDX-License-Identifier: GPL-3.0-or-later
//! crontab files: `/etc/crontab` and `/etc/cron.d/*` (with a user field) and user
//! crontabs (without).

use super::{collapse, Pairs, MAX_LINES};

/// Parses a crontab into pairs. A job becomes `(command, "schedule [user]")`: the
/// command names the setting because it identifies the job across machines while its
/// schedule is what gets misconfigured. Repeated commands accumulate with `; `.
/// Environment lines (`MAILTO=root`) become `(NAME, value)`. `system` says whether the
/// sixth field is a user name (`/etc/crontab`, `/etc/cron.d`).
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_crontab_lines(text: &str, system: bool) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.chars().next().unwrap_or(' ');
        if !(first.is_ascii_digit() || first == '*' || first == '@') {
            if let Some((name, value)) = line.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && !name.contains(char::is_whitespace) {
                    pairs.last(name.to_owned(), value.trim().to_owned(), number);
                }
            }
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let schedule_len = if first == '@' { 1 } else { 5 };
        let command_at = schedule_len + usize::from(system);
        let (Some(schedule), Some(command)) = (fields.get(..schedule_len), fields.get(command_at..)) else { continue };
        if command.is_empty() {
            continue;
        }
        let mut value = schedule.join(" ");
        if system {
            if let Some(user) = fields.get(schedule_len) {
                value.push(' ');
                value.push_str(user);
            }
        }
        pairs.append(collapse(&command.join(" ")), &value, "; ", number);
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_and_user_crontabs() {
        let text = "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n@reboot root /bin/x\n";
        let got = crate::parse::pairs(parse_crontab_lines(text, true));
        assert_eq!(got[0], ("SHELL".into(), "/bin/sh".into()));
        assert_eq!(got[1], ("cd / && run-parts --report /etc/cron.hourly".into(), "17 * * * * root".into()));
        assert_eq!(got[2], ("/bin/x".into(), "@reboot root".into()));
        assert_eq!(
            crate::parse::pairs(parse_crontab_lines("*/5 * * * * /usr/bin/true\n", false)),
            vec![("/usr/bin/true".into(), "*/5 * * * *".into())]
        );
    }
}
