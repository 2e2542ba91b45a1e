// SPDX-License-Identifier: GPL-3.0-or-later
//! modprobe configuration (`/etc/modprobe.d/*.conf`, modprobe.d(5)): one command per line,
//! `#` comments, `\` continuations.
//!
//! | line | name | value |
//! |---|---|---|
//! | `options snd-hda-intel power_save=0 model=auto` | `options/snd-hda-intel/power_save`, `…/model` | `0`, `auto` |
//! | `blacklist pcspkr` | `blacklist/pcspkr` | `yes` |
//! | `install usb-storage /bin/true` | `install/usb-storage` | `/bin/true` |
//! | `remove`, `softdep`, `alias` | `remove/<module>`, `softdep/<module>`, `alias/<wildcard>` | the rest of the line |
//!
//! Module names are folded the way modprobe compares them (`-` and `_` are the same).

use super::{collapse, logical_lines, Pairs, MAX_LINES};

/// Parses a modprobe.d file into `(name, value)` pairs (see the module docs).
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_modprobe_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in logical_lines(text).into_iter().take(MAX_LINES) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(command), Some(target)) = (fields.next(), fields.next()) else { continue };
        let command = command.to_ascii_lowercase();
        let rest: Vec<&str> = fields.collect();
        match command.as_str() {
            "options" => {
                let module = module_name(target);
                for option in rest {
                    let (key, value) = option.split_once('=').unwrap_or((option, ""));
                    // A later `options` line for the same parameter wins, as in the kernel.
                    pairs.last(format!("options/{module}/{key}"), value.to_owned(), number);
                }
            }
            "blacklist" => pairs.last(format!("blacklist/{}", module_name(target)), "yes".into(), number),
            "install" | "remove" | "softdep" => {
                pairs.first(format!("{command}/{}", module_name(target)), collapse(&rest.join(" ")), number);
            }
            "alias" => pairs.first(format!("alias/{target}"), rest.join(" "), number),
            _ => {}
        }
    }
    pairs.into_vec()
}

/// `snd_hda_intel` and `snd-hda-intel` name one module.
fn module_name(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_continuations() {
        // Lines from a real modprobe.d dump (blacklist.conf, blacklist-rare-network.conf, iwlwifi.conf).
        let text = "blacklist evbug\nblacklist pcspkr\nalias net-pf-3 off\nremove iwlwifi \\\n\
                    (/sbin/lsmod | grep -o -e ^iwlmvm -e ^iwldvm -e ^iwlwifi | xargs /sbin/rmmod) \\\n\
                    && /sbin/modprobe -r mac80211\noptions snd-hda-intel power_save=0 model=auto\n";
        let got = crate::parse::pairs(parse_modprobe_lines(text));
        let get = |n: &str| got.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("blacklist/pcspkr"), Some("yes"));
        assert_eq!(get("alias/net-pf-3"), Some("off"));
        assert_eq!(
            get("remove/iwlwifi"),
            Some("(/sbin/lsmod | grep -o -e ^iwlmvm -e ^iwldvm -e ^iwlwifi | xargs /sbin/rmmod) && /sbin/modprobe -r mac80211")
        );
        assert_eq!(get("options/snd_hda_intel/power_save"), Some("0"));
        assert_eq!(get("options/snd_hda_intel/model"), Some("auto"));
    }
}
