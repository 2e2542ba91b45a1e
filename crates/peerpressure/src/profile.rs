// SPDX-License-Identifier: GPL-3.0-or-later
//! Peer profiles: per setting, value → number of peers; plus the number of peers N.
//!
//! A profile is the unit that is stored, merged and shared. It holds counts and nothing
//! else: which peer had which value is not recoverable from it.

use std::collections::BTreeMap;

use settings::{Setting, SettingKey};

/// Counts of canonical values among `peers` machines. A peer that lacks a setting is
/// counted implicitly: ABSENT = `peers` − the sum of the setting's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerProfile {
    /// Number of peers, N.
    pub peers: u32,
    /// Per setting, value → number of peers with it.
    pub counts: BTreeMap<SettingKey, BTreeMap<String, u32>>,
}

impl PeerProfile {
    /// The profile of a set of machines, each given by its settings.
    pub fn from_machines<'a>(machines: impl IntoIterator<Item = &'a [Setting]>) -> Self {
        let mut profile = Self::default();
        for settings in machines {
            profile.add_machine(settings);
        }
        profile
    }

    /// Adds one machine's settings. A key repeated within `settings` counts once.
    pub fn add_machine(&mut self, settings: &[Setting]) {
        self.peers += 1;
        let mut seen = std::collections::BTreeSet::new();
        for s in settings {
            let key = s.key();
            if seen.insert(key.clone()) {
                *self.counts.entry(key).or_default().entry(s.value.clone()).or_default() += 1;
            }
        }
    }

    /// Adds the peers of `other` to this profile.
    pub fn merge(&mut self, other: &Self) {
        self.peers += other.peers;
        for (key, values) in &other.counts {
            let mine = self.counts.entry(key.clone()).or_default();
            for (value, count) in values {
                *mine.entry(value.clone()).or_default() += count;
            }
        }
    }

    /// Number of peers that lack `key`.
    pub fn absent(&self, key: &SettingKey) -> u32 {
        let present: u32 = self.counts.get(key).map_or(0, |v| v.values().sum());
        self.peers.saturating_sub(present)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use settings::Kind;

    fn s(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/x".into(), name: name.into(), value: value.into() }
    }

    #[test]
    fn merge_equals_building_from_all_machines() {
        let a = vec![s("k", "1"), s("j", "x")];
        let b = vec![s("k", "1")];
        let c = vec![s("k", "2")];
        let mut left = PeerProfile::from_machines([a.as_slice(), b.as_slice()]);
        left.merge(&PeerProfile::from_machines([c.as_slice()]));
        assert_eq!(left, PeerProfile::from_machines([a.as_slice(), b.as_slice(), c.as_slice()]));
        assert_eq!(left.peers, 3);
        assert_eq!(left.absent(&s("j", "").key()), 2);
    }
}
