// SPDX-License-Identifier: GPL-3.0-or-later
//! Turn an opened VM image into canonical setting → value pairs.
//!
//! Extraction decides what the ranking can ever find; canonicalization decides whether
//! peers line up. This crate does both and nothing else: it reads through
//! [`imagefs`], never touches the browser or the OS, and never fails a whole machine
//! because one file is unreadable (that becomes a warning).
//!
//! Getting started:
//! 1. Open a machine with [`imagefs::open_machine`].
//! 2. Pick an [`ExtractionProfile`] (the default one ships with the crate).
//! 3. Call [`scan_machine`]; its [`MachineScan::settings`] go to the ranking.
//! 4. To show where a value came from, ask [`MachineScan::provenance`] (by index) or
//!    [`MachineScan::provenance_of`] (by key): the guest file or registry hive ([`Source`])
//!    and the line or hive cell offset ([`Offset`]). Provenance lives beside the settings,
//!    never in a [`Setting`] or its JSON form, so peer profiles never carry it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod budget;
pub mod canon;
mod extract;
mod found;
pub mod identity;
pub mod parse;
pub mod registry;
pub mod vmconfig;

pub use budget::Budget;
pub use extract::{
    scan_machine, scan_machine_within, MAX_CONFIG_FILE, MAX_GLOB_MATCHES, MAX_LOG_FILE, MAX_SNIFFED_FILE,
    MAX_TREE_DEPTH, MAX_TREE_ENTRIES,
};
pub use model::{
    ExtractionProfile, FileFormat, FileRule, Kind, MachineScan, Offset, Origin, ProfileError, Provenance, Setting,
    SettingKey, Source, PROFILE_VERSION,
};
