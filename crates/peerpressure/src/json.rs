// SPDX-License-Identifier: GPL-3.0-or-later
//! The JSON form of a peer profile, for export, import and `serde`.
//!
//! ```json
//! {"format": "vmsift-peer-profile", "version": 1, "peers": 3, "salt_check": null,
//!  "parents": [["/etc/x", 3]],
//!  "settings": [{"kind": "config", "path": "/etc/x", "name": "k", "values": [["1", 2], ["2", 1]]}]}
//! ```
//!
//! `salt_check` (32 hex digits, or null) is set for hashed profiles. `parents` lists, per
//! location, the peers having any setting there; when it is missing (a hand-written file),
//! each location gets the largest count of any of its settings, a lower bound. Settings are
//! a list because JSON objects cannot be keyed by a (kind, path, name) triple. Import is
//! strict: unknown fields, duplicates, zero counts and counts above N are refused.

use std::collections::BTreeMap;

use model::{Kind, SettingKey};
use serde::de::Error as _;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{describe, Format, ProfileError};
use crate::hash::{hex, parse_salt_check};
use crate::PeerProfile;

/// The `format` field of a JSON profile.
pub const JSON_FORMAT: &str = "vmsift-peer-profile";
/// The JSON format version this build writes and reads.
pub const JSON_VERSION: u32 = 1;

struct Parents<'a>(&'a BTreeMap<String, u32>);

impl Serialize for Parents<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

struct Settings<'a>(&'a BTreeMap<SettingKey, BTreeMap<String, u32>>);

impl Serialize for Settings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(key, values)| SettingRef { key, values }))
    }
}

struct SettingRef<'a> {
    key: &'a SettingKey,
    values: &'a BTreeMap<String, u32>,
}

impl Serialize for SettingRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Setting", 4)?;
        st.serialize_field("kind", &self.key.kind)?;
        st.serialize_field("path", &self.key.path)?;
        st.serialize_field("name", &self.key.name)?;
        st.serialize_field("values", &Values(self.values))?;
        st.end()
    }
}

struct Values<'a>(&'a BTreeMap<String, u32>);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl Serialize for PeerProfile {
    /// The JSON form (module docs of `json`); with `serde_json` this is [`PeerProfile::to_json`].
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("PeerProfile", 6)?;
        st.serialize_field("format", JSON_FORMAT)?;
        st.serialize_field("version", &JSON_VERSION)?;
        st.serialize_field("peers", &self.peers)?;
        st.serialize_field("salt_check", &self.salt_check.map(|c| hex(&c)))?;
        st.serialize_field("parents", &Parents(&self.parents))?;
        st.serialize_field("settings", &Settings(&self.counts))?;
        st.end()
    }
}

/// Only the fields that say whether the rest can be read.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnedProfile {
    format: String,
    version: u64,
    peers: u32,
    #[serde(default)]
    salt_check: Option<String>,
    #[serde(default)]
    parents: Option<Vec<(String, u32)>>,
    settings: Vec<OwnedSetting>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnedSetting {
    kind: Kind,
    path: String,
    name: String,
    values: Vec<(String, u32)>,
}

impl<'de> Deserialize<'de> for PeerProfile {
    /// Strict: the same checks as [`PeerProfile::from_json`], without byte offsets.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let owned = OwnedProfile::deserialize(d)?;
        check_header(owned.format.as_str().into(), Some(owned.version), 0).map_err(D::Error::custom)?;
        owned.into_profile().map_err(D::Error::custom)
    }
}

fn corrupt(structure: impl Into<String>, offset: u64, reason: impl Into<String>) -> ProfileError {
    ProfileError::Corrupt { format: Format::Json, structure: structure.into(), offset, reason: reason.into() }
}

fn check_header(format: Option<&str>, version: Option<u64>, version_offset: u64) -> Result<(), ProfileError> {
    if format != Some(JSON_FORMAT) {
        return Err(corrupt("format", 0, format!("expected \"format\": \"{JSON_FORMAT}\", found {format:?}")));
    }
    match version {
        Some(v) if v == u64::from(JSON_VERSION) => Ok(()),
        Some(0) | None => Err(corrupt("version", version_offset, "missing or zero version")),
        Some(found) => Err(ProfileError::UnsupportedVersion {
            format: Format::Json,
            found,
            supported: JSON_VERSION,
            offset: version_offset,
        }),
    }
}

impl OwnedProfile {
    fn into_profile(self) -> Result<PeerProfile, ProfileError> {
        let peers = self.peers;
        let salt_check = match &self.salt_check {
            None => None,
            Some(text) => {
                Some(parse_salt_check(text).ok_or_else(|| corrupt("salt_check", 0, "expected 32 hex digits"))?)
            }
        };
        let mut parents: BTreeMap<String, u32> = BTreeMap::new();
        let listed = self.parents.is_some();
        for (i, (path, count)) in self.parents.unwrap_or_default().into_iter().enumerate() {
            if count == 0 || count > peers {
                return Err(corrupt(format!("parents[{i}]"), 0, format!("{count} peers have {path}, out of {peers}")));
            }
            if parents.insert(path, count).is_some() {
                return Err(corrupt(format!("parents[{i}]"), 0, "location listed twice"));
            }
        }
        let mut counts: BTreeMap<SettingKey, BTreeMap<String, u32>> = BTreeMap::new();
        for (i, setting) in self.settings.into_iter().enumerate() {
            let what = describe(setting.kind, &setting.path, &setting.name);
            if setting.values.is_empty() {
                return Err(corrupt(format!("settings[{i}]"), 0, format!("{what}: no values")));
            }
            let mut values: BTreeMap<String, u32> = BTreeMap::new();
            let mut sum: u64 = 0;
            for (j, (value, count)) in setting.values.into_iter().enumerate() {
                sum += u64::from(count);
                if count == 0 || sum > u64::from(peers) {
                    return Err(corrupt(
                        format!("settings[{i}].values[{j}]"),
                        0,
                        format!("{what}: count {count} makes {sum} peers, out of {peers}"),
                    ));
                }
                if values.insert(value, count).is_some() {
                    return Err(corrupt(
                        format!("settings[{i}].values[{j}]"),
                        0,
                        format!("{what}: value listed twice"),
                    ));
                }
            }
            let sum = sum as u32; // ≤ peers, checked above
            if listed {
                let parent = parents.get(&setting.path).copied().unwrap_or(0);
                if sum > parent {
                    return Err(corrupt(
                        format!("settings[{i}]"),
                        0,
                        format!("{what}: {sum} peers have it, but {parent} have its location"),
                    ));
                }
            } else {
                let parent = parents.entry(setting.path.clone()).or_default();
                *parent = (*parent).max(sum);
            }
            let key = SettingKey { kind: setting.kind, path: setting.path, name: setting.name };
            if counts.insert(key, values).is_some() {
                return Err(corrupt(format!("settings[{i}]"), 0, format!("{what}: setting listed twice")));
            }
        }
        Ok(PeerProfile { peers, counts, parents, salt_check })
    }
}

/// Byte offset of 1-based `line` and `column` in `text` (as serde_json reports them).
fn byte_offset(text: &str, line: usize, column: usize) -> u64 {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
    (line_start + column.saturating_sub(1)) as u64
}

impl PeerProfile {
    /// The JSON export (module docs of `json`).
    pub fn to_json(&self) -> String {
        // Serializing maps of strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Imports a JSON profile.
    ///
    /// # Errors
    /// [`ProfileError::UnsupportedVersion`] for a newer version; [`ProfileError::Corrupt`]
    /// for invalid JSON (with the byte offset), a wrong `format`, unknown fields, or counts
    /// that do not make a profile (with the element path, e.g. `settings[3].values[1]`).
    pub fn from_json(text: &str) -> Result<Self, ProfileError> {
        let syntax = |e: serde_json::Error| corrupt("document", byte_offset(text, e.line(), e.column()), e.to_string());
        let header: Header = serde_json::from_str(text).map_err(syntax)?;
        let version_offset = text.find("\"version\"").unwrap_or(0) as u64;
        check_header(header.format.as_deref(), header.version, version_offset)?;
        let owned: OwnedProfile = serde_json::from_str(text).map_err(syntax)?;
        owned.into_profile()
    }
}
