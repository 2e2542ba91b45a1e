// SPDX-License-Identifier: GPL-3.0-or-later
//! PeerPressure: rank a target machine's settings by how likely each is the culprit,
//! by comparing them with healthy peers.
//!
//! Getting started:
//! 1. Build a [`PeerProfile`] from the peers' settings (or load a saved one).
//! 2. Call [`rank`] with the target's settings.
//! 3. Read [`Ranking::ranking`]: most suspicious first, each row explained.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod profile;
mod rank;

pub use profile::PeerProfile;
pub use rank::{normalized_entropy, rank, sick_probability, Category, RankedSetting, Ranking, NOISY_ENTROPY};
