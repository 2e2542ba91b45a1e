// SPDX-License-Identifier: GPL-3.0-or-later
//! vmsift's data model: what every other crate exchanges, and nothing that reads bytes.
//!
//! A [`Setting`] is one canonical observation (`kind`, `path`, `name` → `value`); a
//! [`MachineScan`] holds one machine's settings, sorted and unique by [`SettingKey`], with
//! their provenance beside them ([`Source`], [`Origin`]); an [`ExtractionProfile`] says what
//! to extract; [`anon`] recognizes and scrubs identifiers (SIDs, MACs, IP and e-mail
//! addresses, given words) for the settings crate and the share links alike.
//!
//! This crate depends on serde only: the ranking, the worker protocol and the page use it
//! without linking the image and registry parsers.
//!
//! Getting started:
//! 1. Build settings by hand or get a [`MachineScan`] from the `settings` crate.
//! 2. Look a setting up with [`MachineScan::get`]; ask where it came from with
//!    [`MachineScan::provenance_of`].
//! 3. Name a kind in text with [`Kind::as_str`] / [`str::parse`], in bytes with
//!    [`Kind::code`] / [`Kind::from_code`]; [`Kind::all`] lists every kind.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anon;
mod extraction;
mod provenance;
mod scan;
mod setting;

pub use extraction::{ExtractionProfile, FileFormat, FileRule, HiveKind, ProfileError, RegistryRule, PROFILE_VERSION};
pub use provenance::{Offset, Origin, Provenance, Source};
pub use scan::MachineScan;
pub use setting::{Kind, Setting, SettingKey, UnknownKind};
