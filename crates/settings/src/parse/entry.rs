// SPDX-License-Identifier: GPL-3.0-or-later
//! The one entry to the config-file parsers: a [`FileFormat`] and a file's text in,
//! canonical settings with their line (provenance) out.

use crate::canon::config_value;
use crate::{FileFormat, Kind, Offset, Setting};

use super::*;

/// The settings of the file at `path` read as `format`, each with the line its value comes
/// from ([`Offset::Line`], or [`Offset::Unknown`] for facts of the whole file). Config
/// names are lower-cased for the formats that compare them case-insensitively, values are
/// canonical ([`config_value`]). [`FileFormat::Localtime`] gives nothing: the zone is read
/// from the file system (a link target or a binary zone file), not from text.
pub fn parse(format: FileFormat, path: &str, text: &str) -> Vec<(Setting, Offset)> {
    let at = |line: Option<u32>| line.map_or(Offset::Unknown, Offset::Line);
    let setting = |kind, name: String, value: String| Setting { kind, path: path.to_owned(), name, value };
    let with_lines = |pairs: Vec<(String, String, u32)>| pairs.into_iter().map(|(n, v, l)| (n, v, Some(l))).collect();
    match format {
        FileFormat::Ini => config_lines(path, with_lines(parse_ini_lines(text)), true),
        FileFormat::Whitespace => {
            config_lines(path, with_lines(parse_key_value_lines(text, Separator::Whitespace)), true)
        }
        FileFormat::KeyValue => config_lines(path, with_lines(parse_key_value_lines(text, Separator::Equals)), false),
        FileFormat::Sshd => config_lines(path, with_lines(parse_sshd_config_lines(text)), false),
        FileFormat::SystemdUnit => config_lines(path, with_lines(parse_systemd_unit_lines(text)), false),
        FileFormat::Fstab => config_lines(path, with_lines(parse_fstab_lines(text)), false),
        FileFormat::Hosts => config_lines(path, with_lines(parse_hosts_lines(text)), false),
        FileFormat::ResolvConf => config_lines(path, with_lines(parse_resolv_conf_lines(text)), false),
        FileFormat::Nsswitch => config_lines(path, with_lines(parse_nsswitch_lines(text)), false),
        FileFormat::Sudoers => config_lines(path, with_lines(parse_sudoers_lines(text)), false),
        FileFormat::Passwd => config_lines(path, with_lines(parse_passwd_lines(text)), false),
        FileFormat::Group => config_lines(path, with_lines(parse_group_lines(text)), false),
        FileFormat::Crontab => config_lines(path, with_lines(parse_crontab_lines(text, true)), false),
        FileFormat::AptSources => config_lines(path, with_lines(parse_apt_sources_lines(text)), false),
        FileFormat::Netplan => config_lines(path, with_lines(parse_netplan(text)), false),
        FileFormat::Interfaces => config_lines(path, with_lines(parse_interfaces(text)), false),
        FileFormat::Pam => config_lines(path, with_lines(parse_pam_lines(text)), false),
        FileFormat::Modprobe => config_lines(path, with_lines(parse_modprobe_lines(text)), false),
        FileFormat::Limits => config_lines(path, with_lines(parse_limits_lines(text)), false),
        FileFormat::AccessConf => config_lines(path, with_lines(parse_access_conf_lines(text)), false),
        FileFormat::Logrotate => config_lines(path, with_lines(parse_logrotate_lines(text)), false),
        FileFormat::Yaml => config_lines(path, with_lines(parse_netplan(text)), false),
        FileFormat::DpkgStatus => parse_dpkg_status_lines(text)
            .into_iter()
            .map(|(name, version, line)| (setting(Kind::Package, name, version), Offset::Line(line)))
            .collect(),
        FileFormat::FirstLine => {
            let first = text.lines().next().unwrap_or("").trim().to_owned();
            vec![(setting(Kind::FirstLine, String::new(), first), at(Some(1)))]
        }
        // A count is a fact of the whole file, not of one line: no position.
        FileFormat::LineCount => {
            vec![(setting(Kind::LineCount, String::new(), text.lines().count().to_string()), Offset::Unknown)]
        }
        FileFormat::Sniff => sniffed(path, text),
        // Read from the file system (a symbolic link or a binary zone file), not from text.
        FileFormat::Localtime => vec![],
    }
}

/// [`FileFormat::Sniff`]: INI or `key=value` where the text reads as such (secret-looking
/// names get a redacted value), else its first line and line count.
fn sniffed(path: &str, text: &str) -> Vec<(Setting, Offset)> {
    let lines = |pairs: Vec<(String, String, u32)>| pairs.into_iter().map(|(n, v, l)| (n, v, Some(l))).collect();
    let mut out = match sniff::sniff_syntax(text) {
        sniff::Syntax::Ini => config_lines(path, lines(parse_ini_lines(text)), true),
        sniff::Syntax::KeyValue => config_lines(path, lines(parse_key_value_lines(text, Separator::Equals)), false),
        sniff::Syntax::Text => {
            let setting = |kind, value: String| Setting { kind, path: path.to_owned(), name: String::new(), value };
            let first = text.lines().next().unwrap_or("").trim().to_owned();
            // An empty first line is no position worth pointing at.
            let at = if first.is_empty() { Offset::Unknown } else { Offset::Line(1) };
            vec![
                (setting(Kind::FirstLine, first), at),
                (setting(Kind::LineCount, text.lines().count().to_string()), Offset::Unknown),
            ]
        }
    };
    for (setting, _) in &mut out {
        if setting.kind == Kind::Config && sniff::is_secret_name(&setting.name) {
            sniff::REDACTED.clone_into(&mut setting.value);
        }
    }
    out
}

/// Config settings from `(name, raw value, line)` triples; `fold` lower-cases names.
fn config_lines(path: &str, pairs: Vec<(String, String, Option<u32>)>, fold: bool) -> Vec<(Setting, Offset)> {
    pairs
        .into_iter()
        .map(|(name, value, line)| {
            let setting = Setting {
                kind: Kind::Config,
                path: path.to_owned(),
                name: if fold { name.to_lowercase() } else { name },
                value: config_value(&value),
            };
            (setting, line.map_or(Offset::Unknown, Offset::Line))
        })
        .collect()
}
