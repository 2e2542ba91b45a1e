// SPDX-License-Identifier: GPL-3.0-or-later
//! Peer profiles: per setting, value → number of peers; plus the number of peers N.
//!
//! A profile is the unit that is stored, merged and shared. It holds counts and nothing
//! else: which peer had which value is not recoverable from it. Besides the per-setting
//! counts it keeps, per location (`path`), how many peers have any setting there, which
//! is what [`crate::RankOptions::scope_to_parent`] compares against.
//!
//! Invariants (checked by the decoders, kept by every method): every count is ≥ 1; for a
//! setting, the sum of its value counts ≤ the peers having its `path` ≤ N.

use std::collections::{BTreeMap, HashMap};

use model::{Kind, Setting, SettingKey};

use crate::error::{describe, ProfileError};
use crate::hash::{SaltCheck, ValueHasher};

/// Counts of canonical values among `peers` machines. A peer that lacks a setting is
/// counted implicitly: ABSENT = `peers` − the sum of the setting's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerProfile {
    /// Number of peers, N.
    pub peers: u32,
    /// Per setting, value → number of peers with it.
    pub counts: BTreeMap<SettingKey, BTreeMap<String, u32>>,
    /// Per location (a setting's `path`), the number of peers with at least one setting
    /// there: a peer with no setting under `/etc/samba/smb.conf` lacks the application.
    pub parents: BTreeMap<String, u32>,
    /// `Some` when every value is a keyed hash (see [`PeerProfile::hashed`]): the check
    /// value of the salt, which tells a right salt from a wrong one and reveals nothing else.
    pub salt_check: Option<SaltCheck>,
}

impl PeerProfile {
    /// The profile of a set of machines, each given by its settings.
    ///
    /// The machines are first aligned with each other ([`crate::align::peers`]): local
    /// accounts by role, identifiers that few of them have replaced by `<id>`. Rank a target
    /// against the result with [`crate::rank`], which aligns the target the same way.
    pub fn from_machines<'a>(machines: impl IntoIterator<Item = &'a [Setting]>) -> Self {
        let machines: Vec<&'a [Setting]> = machines.into_iter().collect();
        let aligned = crate::align::peers(&machines);
        let mut counter = Counter::default();
        for (machine, settings) in aligned.iter().enumerate() {
            for s in settings {
                counter.add(machine, s);
            }
        }
        counter.into_profile(u32::try_from(machines.len()).unwrap_or(u32::MAX))
    }

    /// Adds one machine's settings as they are (not aligned with the other peers: use
    /// [`from_machines`](Self::from_machines) for a comparison). A key repeated within `settings` counts once, with its
    /// smallest value (as in [`crate::rank`]: the result does not depend on order). Counts
    /// saturate at `u32::MAX`.
    ///
    /// On a hashed profile the values are stored as given: hash the machine first
    /// (`PeerProfile::from_machines([m]).hashed(salt)`) and [`merge`](Self::merge) it.
    pub fn add_machine(&mut self, settings: &[Setting]) {
        let mut counter = Counter::default();
        for s in settings {
            counter.add(0, s);
        }
        let machine = counter.into_profile(1);
        self.peers = self.peers.saturating_add(1);
        for (path, count) in machine.parents {
            let slot = self.parents.entry(path).or_default();
            *slot = slot.saturating_add(count);
        }
        for (key, values) in machine.counts {
            let mine = self.counts.entry(key).or_default();
            for (value, count) in values {
                let slot = mine.entry(value).or_default();
                *slot = slot.saturating_add(count);
            }
        }
    }

    /// Adds the peers of `other` to this profile (counts are summed).
    ///
    /// # Errors
    /// [`ProfileError::Hashing`] when one profile is hashed and the other is not, or they
    /// were hashed with different salts; [`ProfileError::Overflow`] when a count would
    /// exceed `u32::MAX`. On error `self` is unchanged.
    pub fn merge(&mut self, other: &Self) -> Result<(), ProfileError> {
        self.same_hashing(other)?;
        let overflow = |what: String| ProfileError::Overflow { what };
        // Check first so that an error leaves `self` as it was.
        self.peers.checked_add(other.peers).ok_or_else(|| overflow("the number of peers".into()))?;
        for (path, count) in &other.parents {
            let mine = self.parents.get(path).copied().unwrap_or(0);
            mine.checked_add(*count).ok_or_else(|| overflow(format!("the peers having {path}")))?;
        }
        // Value counts are bounded by their path's count, which was just checked.
        self.peers += other.peers;
        for (path, count) in &other.parents {
            *self.parents.entry(path.clone()).or_default() += count;
        }
        for (key, values) in &other.counts {
            let mine = self.counts.entry(key.clone()).or_default();
            for (value, count) in values {
                *mine.entry(value.clone()).or_default() += count;
            }
        }
        Ok(())
    }

    /// Removes the peers of `other` (a machine's or a profile's counts) from this profile,
    /// the inverse of [`merge`](Self::merge).
    ///
    /// # Errors
    /// [`ProfileError::Negative`] when `other` has a count this profile does not (the peers,
    /// a setting value, a location), or when the result would break the profile's
    /// invariants; [`ProfileError::Hashing`] as for `merge`. On error `self` is unchanged.
    pub fn subtract(&mut self, other: &Self) -> Result<(), ProfileError> {
        self.same_hashing(other)?;
        let negative = |what: String, have: u32, remove: u32| ProfileError::Negative { what, have, remove };
        if other.peers > self.peers {
            return Err(negative("the number of peers".into(), self.peers, other.peers));
        }
        for (path, count) in &other.parents {
            let have = self.parents.get(path).copied().unwrap_or(0);
            if *count > have {
                return Err(negative(format!("the peers having {path}"), have, *count));
            }
        }
        for (key, values) in &other.counts {
            let mine = self.counts.get(key);
            for (value, count) in values {
                let have = mine.and_then(|m| m.get(value)).copied().unwrap_or(0);
                if *count > have {
                    let what = format!("{} = {value:?}", describe(key.kind, &key.path, &key.name));
                    return Err(negative(what, have, *count));
                }
            }
        }
        // The result must still be a profile: a setting cannot be held by more peers than
        // there are peers with its location, nor those by more than there are peers.
        let peers = self.peers - other.peers;
        let new_parent = |path: &str| {
            let have = self.parents.get(path).copied().unwrap_or(0);
            have - other.parents.get(path).copied().unwrap_or(0)
        };
        for (path, have) in &self.parents {
            let left = have - other.parents.get(path).copied().unwrap_or(0);
            if left > peers {
                return Err(negative(
                    format!("the peers (left: {peers}) under {path} ({left})"),
                    self.peers,
                    other.peers,
                ));
            }
        }
        for (key, values) in &self.counts {
            let present: u64 = values.values().map(|c| u64::from(*c)).sum();
            let removed: u64 = other.counts.get(key).map_or(0, |v| v.values().map(|c| u64::from(*c)).sum());
            let left = present - removed;
            let parent = new_parent(&key.path);
            if left > u64::from(parent) {
                let what = format!("the peers having {} (left: {parent}, still needed: {left})", key.path);
                return Err(negative(what, self.parents.get(&key.path).copied().unwrap_or(0), parent));
            }
        }
        self.peers = peers;
        for (path, count) in &other.parents {
            if let Some(mine) = self.parents.get_mut(path) {
                *mine -= count;
                if *mine == 0 {
                    self.parents.remove(path);
                }
            }
        }
        for (key, values) in &other.counts {
            let Some(mine) = self.counts.get_mut(key) else { continue };
            for (value, count) in values {
                if let Some(have) = mine.get_mut(value) {
                    *have -= count;
                    if *have == 0 {
                        mine.remove(value);
                    }
                }
            }
            if mine.is_empty() {
                self.counts.remove(key);
            }
        }
        Ok(())
    }

    /// Removes one machine's settings, the inverse of [`add_machine`](Self::add_machine).
    ///
    /// # Errors
    /// As [`subtract`](Self::subtract); on a hashed profile, [`ProfileError::Hashing`]
    /// (hash the machine's profile with the same salt and subtract that).
    pub fn subtract_machine(&mut self, settings: &[Setting]) -> Result<(), ProfileError> {
        if self.salt_check.is_some() {
            return Err(ProfileError::Hashing(
                "cannot subtract raw settings from a hashed profile: hash the machine's profile with the same salt"
                    .into(),
            ));
        }
        let mut machine = Self::default();
        machine.add_machine(settings);
        self.subtract(&machine)
    }

    /// Number of peers that lack `key`.
    pub fn absent(&self, key: &SettingKey) -> u32 {
        let present: u32 = self.counts.get(key).map_or(0, total);
        self.peers.saturating_sub(present)
    }

    /// Number of peers with at least one setting under `path`.
    pub fn peers_with_parent(&self, path: &str) -> u32 {
        self.parents.get(path).copied().unwrap_or(0)
    }

    /// Whether values are keyed hashes.
    pub fn is_hashed(&self) -> bool {
        self.salt_check.is_some()
    }

    /// This profile with every value replaced by its keyed hash under `salt` (see
    /// [`ValueHasher`]). Counts, N and setting keys are unchanged; the salt itself is not
    /// stored. Rank a target against it with [`crate::rank_with`] and the same salt.
    ///
    /// # Errors
    /// [`ProfileError::Hashing`] when the profile is already hashed.
    pub fn hashed(&self, salt: &[u8]) -> Result<Self, ProfileError> {
        if self.salt_check.is_some() {
            return Err(ProfileError::Hashing("the profile is already hashed".into()));
        }
        let hasher = ValueHasher::new(salt);
        let counts = self
            .counts
            .iter()
            .map(|(key, values)| {
                let mut hashed: BTreeMap<String, u32> = BTreeMap::new();
                for (value, count) in values {
                    let h = hasher.hash(key.kind, &key.path, &key.name, value);
                    // Distinct values give distinct 128-bit hashes; add in case they do not.
                    let slot = hashed.entry(h).or_default();
                    *slot = slot.saturating_add(*count);
                }
                (key.clone(), hashed)
            })
            .collect();
        Ok(Self { peers: self.peers, counts, parents: self.parents.clone(), salt_check: Some(hasher.salt_check()) })
    }

    /// Checks that `salt` is the one this profile was hashed with.
    ///
    /// # Errors
    /// [`ProfileError::Hashing`] when the profile is not hashed or the salt differs.
    pub fn check_salt(&self, salt: &[u8]) -> Result<ValueHasher, ProfileError> {
        let hasher = ValueHasher::new(salt);
        match self.salt_check {
            None => Err(ProfileError::Hashing("the profile is not hashed, but a salt was given".into())),
            Some(check) if check == hasher.salt_check() => Ok(hasher),
            Some(_) => Err(ProfileError::Hashing("the salt does not match the one the profile was hashed with".into())),
        }
    }

    fn same_hashing(&self, other: &Self) -> Result<(), ProfileError> {
        match (self.salt_check, other.salt_check) {
            (None, None) => Ok(()),
            (Some(a), Some(b)) if a == b => Ok(()),
            (Some(_), Some(_)) => Err(ProfileError::Hashing("the profiles were hashed with different salts".into())),
            _ => Err(ProfileError::Hashing("a hashed and a plain profile cannot be combined".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Kind;

    fn s(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/x".into(), name: name.into(), value: value.into() }
    }

    fn at(path: &str, name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: path.into(), name: name.into(), value: value.into() }
    }

    #[test]
    fn merge_equals_building_from_all_machines() {
        let a = vec![s("k", "1"), s("j", "x")];
        let b = vec![s("k", "1")];
        let c = vec![s("k", "2")];
        let mut left = PeerProfile::from_machines([a.as_slice(), b.as_slice()]);
        left.merge(&PeerProfile::from_machines([c.as_slice()])).unwrap();
        assert_eq!(left, PeerProfile::from_machines([a.as_slice(), b.as_slice(), c.as_slice()]));
        assert_eq!(left.peers, 3);
        assert_eq!(left.absent(&s("j", "").key()), 2);
        assert_eq!(left.peers_with_parent("/etc/x"), 3);
    }

    #[test]
    fn counting_equals_adding_each_aligned_machine() {
        // Unsorted, a key repeated with two values, one path under two kinds, interleaved paths.
        let a = vec![
            at("/etc/b", "k", "2"),
            at("/etc/a", "k", "1"),
            at("/etc/b", "k", "0"),
            Setting { kind: Kind::Directory, path: "/etc/a".into(), name: String::new(), value: "x".into() },
            at("/etc/a", "j", "1"),
        ];
        let b = vec![at("/etc/a", "k", "1"), at("/etc/b", "k", "9"), at("/etc/b", "k", "0")];
        let c = vec![at("/etc/c", "k", "1")];
        let machines = [a.as_slice(), b.as_slice(), c.as_slice()];
        let mut added = PeerProfile::default();
        for m in crate::align::peers(&machines) {
            let owned: Vec<Setting> = m.into_iter().map(std::borrow::Cow::into_owned).collect();
            added.add_machine(&owned);
        }
        assert_eq!(PeerProfile::from_machines(machines), added);
        assert_eq!(added.counts[&at("/etc/b", "k", "").key()], BTreeMap::from([("0".to_owned(), 2)]));
        assert_eq!(added.peers_with_parent("/etc/a"), 2);
    }

    #[test]
    fn parents_count_peers_with_any_setting_at_a_path() {
        let a = vec![at("/etc/smb.conf", "global/workgroup", "W"), at("/etc/smb.conf", "global/x", "1")];
        let b = vec![at("/etc/smb.conf", "global/x", "2")];
        let c = vec![at("/etc/hostname", "", "c")];
        let p = PeerProfile::from_machines([a.as_slice(), b.as_slice(), c.as_slice()]);
        assert_eq!(p.peers_with_parent("/etc/smb.conf"), 2);
        assert_eq!(p.peers_with_parent("/etc/hostname"), 1);
        assert_eq!(p.peers_with_parent("/nowhere"), 0);
    }

    #[test]
    fn subtract_undoes_merge_and_machines() {
        let a = vec![s("k", "1"), s("j", "x"), at("/y", "q", "1")];
        let b = vec![s("k", "2")];
        let both = PeerProfile::from_machines([a.as_slice(), b.as_slice()]);
        let mut p = both.clone();
        p.subtract_machine(&a).unwrap();
        assert_eq!(p, PeerProfile::from_machines([b.as_slice()]));
        p.subtract_machine(&b).unwrap();
        assert_eq!(p, PeerProfile::default());
        let mut p = both.clone();
        p.subtract(&PeerProfile::from_machines([b.as_slice()])).unwrap();
        assert_eq!(p, PeerProfile::from_machines([a.as_slice()]));
    }

    #[test]
    fn subtract_refuses_to_go_negative_and_leaves_the_profile_alone() {
        let a = vec![s("k", "1")];
        let b = vec![s("k", "2")];
        let original = PeerProfile::from_machines([a.as_slice()]);
        let mut p = original.clone();
        let err = p.subtract_machine(&b).unwrap_err();
        assert!(matches!(err, ProfileError::Negative { have: 0, remove: 1, .. }), "{err}");
        assert!(err.to_string().contains("config /etc/x k = \"2\""), "{err}");
        assert_eq!(p, original);
        // More peers than there are.
        let err = p.subtract(&PeerProfile::from_machines([a.as_slice(), a.as_slice()])).unwrap_err();
        assert!(err.to_string().contains("the number of peers"), "{err}");
        // Removing a peer without removing its setting would leave a count above N.
        let mut two = PeerProfile::from_machines([a.as_slice(), a.as_slice()]);
        let empty: &[Setting] = &[];
        let before = two.clone();
        let err = two.subtract_machine(empty).unwrap_err();
        assert!(err.to_string().contains("under /etc/x"), "{err}");
        assert_eq!(two, before);
    }

    #[test]
    fn hashing_hides_values_and_keeps_counts() {
        let a = vec![s("k", "secret-host-name"), s("j", "1")];
        let b = vec![s("k", "other"), s("j", "1")];
        let plain = PeerProfile::from_machines([a.as_slice(), b.as_slice()]);
        let hashed = plain.hashed(b"org salt").unwrap();
        assert!(hashed.is_hashed());
        assert_eq!(hashed.peers, 2);
        assert_eq!(hashed.counts.len(), plain.counts.len());
        let j = hashed.counts.get(&s("j", "").key()).unwrap();
        assert_eq!(j.values().copied().collect::<Vec<_>>(), [2]);
        for values in hashed.counts.values() {
            assert!(values.keys().all(|v| v.len() == 32 && !v.contains("secret")));
        }
        assert!(hashed.hashed(b"again").is_err());
        assert!(hashed.check_salt(b"org salt").is_ok());
        assert!(hashed.check_salt(b"wrong").is_err());
        assert!(plain.check_salt(b"org salt").is_err());
        // Combining needs the same salt.
        let mut m = hashed.clone();
        assert!(m.merge(&plain).is_err());
        assert!(m.merge(&plain.hashed(b"other salt").unwrap()).is_err());
        m.merge(&PeerProfile::from_machines([a.as_slice()]).hashed(b"org salt").unwrap()).unwrap();
        assert_eq!(
            m,
            PeerProfile::from_machines([a.as_slice(), b.as_slice(), a.as_slice()]).hashed(b"org salt").unwrap()
        );
        assert!(m.subtract_machine(&a).is_err());
    }
}

/// The number of peers with any of a setting's values.
pub(crate) fn total(values: &BTreeMap<String, u32>) -> u32 {
    values.values().fold(0u32, |a, v| a.saturating_add(*v))
}

/// Counts machines' settings on borrowed text, each key copied once at the end: a fleet
/// repeats most of its keys on every machine, and a machine's settings come grouped by
/// location (one lookup per location, then one per name). Needs no sorting: a key that a
/// machine repeats counts once, with its smallest value, as in [`crate::rank`].
#[derive(Default)]
struct Counter<'s> {
    locations: Vec<Location<'s>>,
    /// Index of `locations` by kind and path.
    index: HashMap<(Kind, &'s str), usize>,
    /// Per path, the last machine counted and the machines having it.
    parents: HashMap<&'s str, (usize, u32)>,
    /// The last location counted: machine, kind, path and its index.
    last: Option<(usize, Kind, &'s str, usize)>,
}

struct Location<'s> {
    kind: Kind,
    path: &'s str,
    names: HashMap<&'s str, Values<'s>>,
}

/// One setting's values: the last machine counted and its value, and value → machines.
struct Values<'s> {
    last: (usize, &'s str),
    counts: HashMap<&'s str, u32>,
}

impl<'s> Counter<'s> {
    fn add(&mut self, machine: usize, s: &'s Setting) {
        let at = match self.last {
            Some((m, kind, path, at)) if m == machine && kind == s.kind && path == s.path => at,
            _ => {
                let parent = self.parents.entry(&s.path).or_insert((usize::MAX, 0));
                if parent.0 != machine {
                    *parent = (machine, parent.1 + 1);
                }
                let next = self.locations.len();
                let at = *self.index.entry((s.kind, &s.path)).or_insert(next);
                if at == next {
                    self.locations.push(Location { kind: s.kind, path: &s.path, names: HashMap::new() });
                }
                self.last = Some((machine, s.kind, &s.path, at));
                at
            }
        };
        let location = &mut self.locations[at];
        match location.names.get_mut(s.name.as_str()) {
            None => {
                let counts = HashMap::from([(s.value.as_str(), 1)]);
                location.names.insert(&s.name, Values { last: (machine, &s.value), counts });
            }
            Some(values) if values.last.0 != machine => {
                values.last = (machine, &s.value);
                *values.counts.entry(&s.value).or_default() += 1;
            }
            Some(values) => {
                // The machine has this key twice: keep its smallest value.
                let before = values.last.1;
                if s.value.as_str() < before {
                    if let Some(count) = values.counts.get_mut(before) {
                        *count -= 1;
                        if *count == 0 {
                            values.counts.remove(before);
                        }
                    }
                    values.last.1 = &s.value;
                    *values.counts.entry(&s.value).or_default() += 1;
                }
            }
        }
    }

    fn into_profile(self, peers: u32) -> PeerProfile {
        let mut counts: Vec<(SettingKey, BTreeMap<String, u32>)> = Vec::new();
        for Location { kind, path, names } in self.locations {
            for (name, values) in names {
                let values = values.counts.into_iter().map(|(v, c)| (v.to_owned(), c)).collect();
                counts.push((SettingKey { kind, path: path.to_owned(), name: name.to_owned() }, values));
            }
        }
        PeerProfile {
            peers,
            counts: counts.into_iter().collect(),
            parents: self.parents.into_iter().map(|(p, (_, c))| (p.to_owned(), c)).collect(),
            salt_check: None,
        }
    }
}
