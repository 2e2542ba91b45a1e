// SPDX-License-Identifier: GPL-3.0-or-later
//! Config-file parsers: text in, `(name, raw value)` pairs out. They never fail: a line
//! they do not understand is skipped, as the programs that read these files do.
//!
//! [`parse`] is the entry: a [`crate::FileFormat`] and a file's text in, canonical settings
//! with the 1-based line each value comes from (its provenance, [`crate::Offset::Line`]) out.
//! One module per format below it; each `parse_x_lines` gives `(name, raw value, line)`. Every parser reads at most [`MAX_LINES`] lines (the dpkg
//! database, which is legitimately long, has its own bound).

mod accounts;
mod apt;
mod cron;
mod dpkg;
mod entry;
mod fstab;
mod hosts;
mod ini;
mod interfaces;
mod keyvalue;
mod limits;
pub mod localtime;
mod logrotate;
mod modprobe;
pub mod netplan;
mod pam;
mod resolv;
pub mod sniff;
mod sshd;
mod sudoers;
mod systemd;

pub use accounts::{parse_group_lines, parse_passwd_lines};
pub use apt::parse_apt_sources_lines;
pub use cron::parse_crontab_lines;
pub use dpkg::{parse_dpkg_status_lines, MAX_STATUS_LINES};
pub use entry::parse;
pub use fstab::parse_fstab_lines;
pub use hosts::parse_hosts_lines;
pub use ini::parse_ini_lines;
pub use interfaces::parse_interfaces;
pub use keyvalue::{parse_key_value_lines, Separator};
pub use limits::{parse_access_conf_lines, parse_limits_lines};
pub use logrotate::parse_logrotate_lines;
pub use modprobe::parse_modprobe_lines;
pub use netplan::parse_netplan;
pub use pam::parse_pam_lines;
pub use resolv::{parse_nsswitch_lines, parse_resolv_conf_lines};
pub use sshd::parse_sshd_config_lines;
pub use sudoers::parse_sudoers_lines;
pub use systemd::parse_systemd_unit_lines;

/// Runs [`parse`] with every [`FileFormat`] on `text` and returns how many settings they
/// found in all.
///
/// For the hostile-input checks (the `config_parsers` fuzz target and the truncation sweep):
/// derived from the format list, so a format added to it is covered by both.
#[doc(hidden)]
pub fn run_every_parser(text: &str) -> usize {
    crate::FileFormat::all().map(|format| parse(format, "/etc/fuzz", text).len()).sum()
}

/// The `(name, value)` pairs of `(name, value, line)` triples (for tests).
#[cfg(test)]
pub(crate) fn pairs(triples: Vec<(String, String, u32)>) -> Vec<(String, String)> {
    triples.into_iter().map(|(n, v, _)| (n, v)).collect()
}

/// Lines parsed at most per file: a multi-megabyte "config" is not one.
pub const MAX_LINES: usize = 100_000;

/// Pairs in file order where a repeated name appends to the first occurrence's value
/// instead of adding a second pair (multi-valued keywords). Each pair carries the 1-based
/// line its value comes from (its provenance): the line of the value kept, and for values
/// gathered from several lines the first of them.
#[derive(Debug, Default)]
pub(crate) struct Pairs {
    out: Vec<(String, String, u32)>,
    index: std::collections::HashMap<String, usize>,
}

impl Pairs {
    /// Sets `name` unless it is already set (first value wins).
    pub(crate) fn first(&mut self, name: String, value: String, line: u32) {
        if !self.index.contains_key(&name) {
            self.index.insert(name.clone(), self.out.len());
            self.out.push((name, value, line));
        }
    }

    /// Sets `name`, replacing an earlier value and its line (last value wins).
    pub(crate) fn last(&mut self, name: String, value: String, line: u32) {
        match self.index.get(&name) {
            Some(&i) => {
                if let Some(slot) = self.out.get_mut(i) {
                    slot.1 = value;
                    slot.2 = line;
                }
            }
            None => {
                self.index.insert(name.clone(), self.out.len());
                self.out.push((name, value, line));
            }
        }
    }

    /// Appends `value` to `name`'s value with `sep` (or sets it). The line stays the
    /// first one that contributed, except after an empty value (a reset), where the
    /// first non-empty contribution gives it.
    pub(crate) fn append(&mut self, name: String, value: &str, sep: &str, line: u32) {
        match self.index.get(&name) {
            Some(&i) => {
                if let Some(slot) = self.out.get_mut(i) {
                    if slot.1.is_empty() {
                        value.clone_into(&mut slot.1);
                        slot.2 = line;
                    } else if !value.is_empty() {
                        slot.1.push_str(sep);
                        slot.1.push_str(value);
                    }
                }
            }
            None => {
                self.index.insert(name.clone(), self.out.len());
                self.out.push((name, value.to_owned(), line));
            }
        }
    }

    /// The `(name, value, line)` triples, in order of first appearance.
    pub(crate) fn into_vec(self) -> Vec<(String, String, u32)> {
        self.out
    }
}

/// Lines with `\` continuations joined (sudoers, systemd units), each with the 1-based
/// number of its first physical line; at most [`MAX_LINES`] physical lines read.
pub(crate) fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut start = 1u32;
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        if pending.is_empty() {
            start = number;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        out.push((start, std::mem::take(&mut pending)));
    }
    if !pending.is_empty() {
        out.push((start, pending));
    }
    out
}

/// `s` with runs of whitespace collapsed to one space and trimmed.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
