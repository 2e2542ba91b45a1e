// SPDX-License-Identifier: GPL-3.0-or-later
//! Config-file parsers: text in, `(name, raw value)` pairs out. They never fail: a line
//! they do not understand is skipped, as the programs that read these files do.
//!
//! One module per format. Every parser reads at most [`MAX_LINES`] lines (the dpkg
//! database, which is legitimately long, has its own bound).

mod accounts;
mod apt;
mod cron;
mod dpkg;
mod fstab;
mod hosts;
mod ini;
mod interfaces;
mod keyvalue;
pub mod localtime;
pub mod netplan;
mod resolv;
mod sshd;
mod sudoers;
mod systemd;

pub use accounts::{parse_group, parse_passwd};
pub use apt::parse_apt_sources;
pub use cron::parse_crontab;
pub use dpkg::{parse_dpkg_status, MAX_STATUS_LINES};
pub use fstab::parse_fstab;
pub use hosts::parse_hosts;
pub use ini::{parse_ini, parse_ini_lines};
pub use interfaces::parse_interfaces;
pub use keyvalue::{parse_key_value, parse_key_value_lines, Separator};
pub use netplan::parse_netplan;
pub use resolv::{parse_nsswitch, parse_resolv_conf};
pub use sshd::parse_sshd_config;
pub use sudoers::parse_sudoers;
pub use systemd::parse_systemd_unit;

/// Lines parsed at most per file: a multi-megabyte "config" is not one.
pub const MAX_LINES: usize = 100_000;

/// Pairs in file order where a repeated name appends to the first occurrence's value
/// instead of adding a second pair (multi-valued keywords).
#[derive(Debug, Default)]
pub(crate) struct Pairs {
    out: Vec<(String, String)>,
    index: std::collections::HashMap<String, usize>,
}

impl Pairs {
    /// Sets `name` unless it is already set (first value wins).
    pub(crate) fn first(&mut self, name: String, value: String) {
        if !self.index.contains_key(&name) {
            self.index.insert(name.clone(), self.out.len());
            self.out.push((name, value));
        }
    }

    /// Sets `name`, replacing an earlier value (last value wins).
    pub(crate) fn last(&mut self, name: String, value: String) {
        match self.index.get(&name) {
            Some(&i) => {
                if let Some(slot) = self.out.get_mut(i) {
                    slot.1 = value;
                }
            }
            None => {
                self.index.insert(name.clone(), self.out.len());
                self.out.push((name, value));
            }
        }
    }

    /// Appends `value` to `name`'s value with `sep` (or sets it).
    pub(crate) fn append(&mut self, name: String, value: &str, sep: &str) {
        match self.index.get(&name) {
            Some(&i) => {
                if let Some(slot) = self.out.get_mut(i) {
                    if slot.1.is_empty() {
                        value.clone_into(&mut slot.1);
                    } else if !value.is_empty() {
                        slot.1.push_str(sep);
                        slot.1.push_str(value);
                    }
                }
            }
            None => {
                self.index.insert(name.clone(), self.out.len());
                self.out.push((name, value.to_owned()));
            }
        }
    }

    /// The pairs, in order of first appearance.
    pub(crate) fn into_vec(self) -> Vec<(String, String)> {
        self.out
    }
}

/// Lines with `\` continuations joined (sudoers, systemd units), at most [`MAX_LINES`]
/// physical lines read.
pub(crate) fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines().take(MAX_LINES) {
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        out.push(std::mem::take(&mut pending));
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// `s` with runs of whitespace collapsed to one space and trimmed.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
