// SPDX-License-Identifier: GPL-3.0-or-later
//! One machine's settings, sorted and unique by key, with their provenance.

use serde::{Deserialize, Serialize};

use crate::{Origin, Provenance, Setting, SettingKey, Source};

/// The settings of one machine, and what it cost to get them.
///
/// **Invariant:** `settings` are sorted and hold each [`SettingKey`] once (the smallest
/// value of a key is kept); `origins` is as long as `settings` or empty. The constructors
/// and deserialization establish it, and the fields that carry it are private, so
/// [`Self::get`] and [`Self::provenance_of`] can search by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawScan")]
pub struct MachineScan {
    /// Detected operating system.
    pub os: Option<String>,
    /// Canonical settings, sorted by key, unique.
    settings: Vec<Setting>,
    /// Problems that did not stop extraction (unreadable partitions or files).
    pub warnings: Vec<String>,
    /// Bytes read from the machine's files.
    pub bytes_read: u64,
    /// Read calls issued to the machine's files.
    pub read_calls: u64,
    /// Total size of the machine's files.
    pub total_size: u64,
    /// Files (and hives) the settings were read from, referred to by the origins.
    /// Empty in scans made before provenance existed.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Provenance: `origins[i]` says where `settings[i]` was read. Either as long as
    /// `settings` or empty; never part of a setting's JSON form or of peer profiles.
    #[serde(default)]
    origins: Vec<Origin>,
}

/// The serialized form, read without trusting its order.
#[derive(Deserialize)]
struct RawScan {
    os: Option<String>,
    settings: Vec<Setting>,
    warnings: Vec<String>,
    bytes_read: u64,
    read_calls: u64,
    total_size: u64,
    #[serde(default)]
    sources: Vec<Source>,
    #[serde(default)]
    origins: Vec<Origin>,
}

impl From<RawScan> for MachineScan {
    fn from(raw: RawScan) -> Self {
        Self {
            os: raw.os,
            warnings: raw.warnings,
            bytes_read: raw.bytes_read,
            read_calls: raw.read_calls,
            total_size: raw.total_size,
            ..Self::with_origins(raw.settings, raw.origins, raw.sources)
        }
    }
}

impl MachineScan {
    /// A scan of `settings` without provenance (sorted, one value per key: the smallest).
    pub fn new(settings: Vec<Setting>) -> Self {
        Self::with_origins(settings, Vec::new(), Vec::new())
    }

    /// A scan of `settings` read at `origins` (`origins[i]` for `settings[i]`) from
    /// `sources`, sorted by setting with their origins; of several values of a key the
    /// smallest is kept. Origins of another length than the settings are dropped.
    pub fn with_origins(settings: Vec<Setting>, origins: Vec<Origin>, sources: Vec<Source>) -> Self {
        let (settings, origins) = if origins.len() == settings.len() {
            let mut pairs: Vec<(Setting, Origin)> = settings.into_iter().zip(origins).collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            pairs.dedup_by(|a, b| same_key(&a.0, &b.0));
            pairs.into_iter().unzip()
        } else {
            let mut settings = settings;
            settings.sort();
            settings.dedup_by(|a, b| same_key(a, b));
            (settings, Vec::new())
        };
        Self { settings, origins, sources, ..Self::default() }
    }

    /// The settings, sorted by key, one per key.
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    /// The settings, giving up the scan.
    pub fn into_settings(self) -> Vec<Setting> {
        self.settings
    }

    /// `origins()[i]` is where `settings()[i]` was read; empty for a scan without provenance.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// The setting with `key` (a binary search).
    pub fn get(&self, key: &SettingKey) -> Option<&Setting> {
        self.index_of(key).and_then(|i| self.settings.get(i))
    }

    /// Where `settings()[index]` was read: its file or hive and the cell offset or line.
    /// `None` for an index out of range or a scan without provenance.
    pub fn provenance(&self, index: usize) -> Option<Provenance<'_>> {
        let origin = self.origins.get(index)?;
        let source = self.sources.get(origin.source as usize)?;
        Some(Provenance { source, offset: origin.offset })
    }

    /// Where the setting with `key` was read.
    pub fn provenance_of(&self, key: &SettingKey) -> Option<Provenance<'_>> {
        self.provenance(self.index_of(key)?)
    }

    fn index_of(&self, key: &SettingKey) -> Option<usize> {
        self.settings
            .binary_search_by(|s| (s.kind, s.path.as_str(), s.name.as_str()).cmp(&(key.kind, &key.path, &key.name)))
            .ok()
    }
}

fn same_key(a: &Setting, b: &Setting) -> bool {
    a.kind == b.kind && a.path == b.path && a.name == b.name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Offset};

    fn s(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/a".into(), name: name.into(), value: value.into() }
    }

    #[test]
    fn sorted_unique_and_searchable_however_built() {
        let origin = |line| Origin { source: 0, offset: Offset::Line(line) };
        let sources = vec![Source { volume: Some(0), path: "/etc/a".into(), hive: None }];
        let scan = MachineScan::with_origins(
            vec![s("b", "2"), s("a", "9"), s("a", "1")],
            vec![origin(1), origin(2), origin(3)],
            sources,
        );
        assert_eq!(scan.settings(), &[s("a", "1"), s("b", "2")]);
        assert_eq!(scan.origins(), &[origin(3), origin(1)]);
        assert_eq!(scan.get(&s("b", "").key()), Some(&s("b", "2")));
        assert_eq!(scan.get(&s("c", "").key()), None);
        assert_eq!(scan.provenance_of(&s("a", "").key()).unwrap().to_string(), "volume 0: /etc/a:3");

        // JSON in any order reads back sorted; the JSON form is unchanged.
        let json = serde_json::to_string(&scan).unwrap();
        assert!(json.contains(r#""settings":[{"kind":"config","path":"/etc/a","name":"a","value":"1"}"#), "{json}");
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["settings"].as_array_mut().unwrap().reverse();
        value["origins"].as_array_mut().unwrap().reverse();
        let back: MachineScan = serde_json::from_value(value).unwrap();
        assert_eq!(back, scan);

        // Origins that do not match are dropped, not misattributed.
        let without = MachineScan::with_origins(vec![s("b", "2"), s("a", "1")], vec![origin(1)], Vec::new());
        assert!(without.origins().is_empty());
        assert_eq!(without.settings(), &[s("a", "1"), s("b", "2")]);
    }
}
