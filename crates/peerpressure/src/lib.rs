// SPDX-License-Identifier: GPL-3.0-or-later
//! PeerPressure: rank a target machine's settings by how likely each is the culprit,
//! by comparing them with healthy peers (Wang et al., OSDI 2004).
//!
//! Getting started:
//! 1. Build a [`PeerProfile`] from the peers' settings ([`PeerProfile::from_machines`]), or
//!    load a saved one ([`PeerProfile::from_bytes`], [`PeerProfile::from_json`]).
//! 2. Call [`rank`] with the target's settings (or [`rank_with`] for options: scoping to
//!    the setting's location, the salt of a hashed profile).
//! 3. Read [`Ranking::ranking`]: most suspicious first, each row with its category and
//!    the numbers behind it; [`RankedSetting::explain`] says it in a sentence.
//!
//! # The metric
//!
//! For a setting, with N peers, t suspects (settings considered), m peers sharing the
//! target's value and c distinct values among peers and target (ABSENT included):
//! P(sick) = (N + c) / (N + c·t + c·m·(t − 1)) ([`sick_probability`]). Ties go to fewer
//! distinct values, then path, name, kind, so the ranking does not depend on input order.
//! With [`RankOptions::scope_to_parent`], N (and ABSENT) count only the peers that have
//! some setting under the same `path` (registry key, config file, directory): a peer
//! without the application is not evidence about its settings.
//!
//! # Categories
//!
//! Every ranked row gets a [`Category`] ([`categorize`]): **uniform** (the peers agree and
//! so does the target), **noisy** (values nearly unique per machine: timestamps,
//! counters, IDs), **of interest** (the rest: a consensus the target departs from, or a
//! setting in between). The rule:
//!
//! * Uniform: every peer has the target's value; or the target has the most common value
//!   and the 5% lower bound of that value's share is ≥ [`UNIFORM_SHARE`] (0.95).
//! * Noisy: the normalized entropy H / ln N of the peer distribution is ≥
//!   [`NOISY_ENTROPY`] (0.9) even after the most common value's share is raised to its
//!   95% upper bound (the other shares shrink in proportion).
//! * Of interest: otherwise.
//!
//! Shares are uncertain when the fleet is small, so the bounds come from the posterior:
//! with a Dirichlet posterior over the peer distribution (Jeffreys' prior, ½ per outcome),
//! the share of one value seen k times among N peers has the Beta(k + ½, N − k + ½)
//! marginal ([`share_quantile`], computed with `statrs`). Why this form:
//!
//! * Entropy / ln N is 1 exactly when every peer has its own value, whatever N, so one
//!   threshold serves every fleet size. But three peers with three values are also what a
//!   setting with a 60% majority value produces often enough; the point estimate would
//!   call it noisy and hide it. Raising the top share to its credible upper bound asks "is
//!   it still near-unique if the biggest group is as big as the data allow?". All-unique
//!   values count as noisy from about 8 peers on (unit-tested at the boundary); 90 unique
//!   values plus a group of 10 among 100 peers are noisy; a group of half the peers is not.
//! * Uniform tolerates stragglers only when the evidence of a consensus is strong: 999 of
//!   1000 peers is uniform, 19 of 20 is not (its lower bound is about 0.8), so a
//!   setting with a real minority stays visible.
//!
//! # Profiles
//!
//! A [`PeerProfile`] holds N, per setting the count of each value, and per location the
//! peers having it. Profiles [`merge`](PeerProfile::merge) (sum) and
//! [`subtract`](PeerProfile::subtract) (refusing to go negative). Two serialized forms:
//!
//! * binary ([`PeerProfile::to_bytes`] / [`PeerProfile::from_bytes`]): magic `VMSIFTPP`,
//!   version, flags, N, a sorted string table, varint entries, CRC-32 trailer; decoding is
//!   strict and bounded by the input length, and errors name the structure and offset;
//! * JSON ([`PeerProfile::to_json`] / [`PeerProfile::from_json`], also `serde`):
//!   `{"format": "vmsift-peer-profile", "version": 1, "peers": N, "salt_check", "parents",
//!   "settings": [{"kind", "path", "name", "values": [[value, count], …]}]}`.
//!
//! [`PeerProfile::hashed`] replaces every value with a keyed hash (HMAC-SHA-256 of the
//! setting's identity and value, [`ValueHasher`]); a shared hashed profile reveals no raw
//! peer values. Rank against it with [`rank_with`] and the same salt in
//! [`RankOptions::salt`]: the target's values are hashed the same way before comparing.
//!
//! # Share links
//!
//! [`share::SharedReport`] carries the top suspects (rank, P(sick), category, setting,
//! target value, peer distribution, N) in a URL fragment `#report=v1.<data>`: deflated,
//! base64url, bounded on decoding, through a last privacy pass unless the user opts in.
//!
//! # Peer groups
//!
//! [`group_machines`] groups machines by golden image: explicit assignments first, then
//! the same parent disk UUID, then the same OS and a Jaccard similarity of installed
//! software ([`software_set`]) above a threshold.
//!
//! # Cost
//!
//! [`rank`] sorts the target's settings and merge-joins them with the profile's sorted
//! keys, then sorts borrowed rows by probability and only then copies strings into the
//! output: O(S log S) in the total number of settings and values. See `benches/rank.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod align;
mod binary;
mod category;
mod decode;
mod error;
pub mod export;
mod group;
mod hash;
mod json;
mod profile;
mod rank;
pub mod share;
mod varint;

pub use binary::{BINARY_VERSION, MAGIC};
pub use category::{
    categorize, normalized_entropy, pessimistic_entropy, share_quantile, Category, CREDIBILITY, NOISY_ENTROPY,
    UNIFORM_SHARE,
};
pub use error::{Format, ProfileError};
pub use export::{warnings_csv, MachineWarnings};
pub use group::{
    group_machines, group_of, jaccard, software_set, GroupOptions, GroupReason, MachineSummary, PeerGroup,
    DEFAULT_SIMILARITY,
};
pub use hash::{SaltCheck, ValueHasher};
pub use json::{JSON_FORMAT, JSON_VERSION};
pub use profile::PeerProfile;
pub use rank::{rank, rank_with, sick_probability, RankOptions, RankedSetting, Ranking};
