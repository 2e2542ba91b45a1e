// SPDX-License-Identifier: GPL-3.0-or-later
//! The PeerPressure ranking (Wang et al., OSDI 2004).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use model::{Kind, Setting, SettingKey};
use serde::{Deserialize, Serialize};

use crate::align::Novelty;
use crate::category::{Categorizer, Category};
use crate::error::ProfileError;
use crate::hash::ValueHasher;
use crate::profile::total;
use crate::PeerProfile;

/// Sick probability of one setting:
/// P = (N + c) / (N + c·t + c·m·(t − 1)).
///
/// It is Bayes' rule with prior 1/t that the setting is the culprit, P(value | sick) = 1/c
/// and P(value | healthy) = (m + 1)/(N + c): N peers, t suspects, m peers sharing the
/// target's value, c distinct values among peers and target (ABSENT included).
pub fn sick_probability(n: u32, t: u32, m: u32, c: u32) -> f64 {
    let (n, t, m, c) = (f64::from(n), f64::from(t), f64::from(m), f64::from(c));
    (n + c) / (n + c * t + c * m * (t - 1.0))
}

/// Options of [`rank_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RankOptions {
    /// Compare each setting only with the peers that have its location (its `path`: the
    /// registry key, the config file, the directory): N becomes the number of peers with
    /// any setting under that path, so a peer without the application does not count as
    /// ABSENT. Off: every peer counts (the paper's rule).
    pub scope_to_parent: bool,
    /// The salt of a hashed profile ([`PeerProfile::hashed`]); the target's values are
    /// hashed with it before they are compared. Required for a hashed profile, refused for
    /// a plain one.
    pub salt: Option<Vec<u8>>,
}

/// One ranked target setting, with what explains its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedSetting {
    /// 1-based rank.
    pub rank: u32,
    /// Kind.
    pub kind: Kind,
    /// Location.
    pub path: String,
    /// Name.
    pub name: String,
    /// The target's canonical value (raw, also for hashed profiles); `None` when the target
    /// lacks the setting.
    pub value: Option<String>,
    /// Sick probability P.
    pub probability: f64,
    /// Category.
    pub category: Category,
    /// Peers sharing the target's value.
    pub m: u32,
    /// Distinct values among peers and target.
    pub c: u32,
    /// Peer values with counts, most common first; `None` is ABSENT. Hashes for a hashed
    /// profile.
    pub peer_values: Vec<(Option<String>, u32)>,
    /// N used for this setting: all peers, or those with its location when scoped.
    #[serde(default)]
    pub n: u32,
    /// t, the number of suspects.
    #[serde(default)]
    pub t: u32,
    /// Whether peer values are keyed hashes (the target's value was hashed to compare).
    #[serde(default)]
    pub hashed: bool,
    /// For a value no peer shares (m = 0): the peers that also had something no other peer
    /// had there (see [`crate::align`]'s novelty), used in place of m in P. 0 otherwise.
    #[serde(default)]
    pub novel: u32,
    /// The number of rows with exactly this P, this one included.
    #[serde(default)]
    pub ties: u32,
}

/// Peer values listed in full by [`RankedSetting::explain`]; the rest are summarized.
const EXPLAIN_VALUES: usize = 5;

impl RankedSetting {
    /// A sentence explaining the row: the target's value, the peers' values with counts,
    /// m, c, N, t, P and the category.
    pub fn explain(&self) -> String {
        let mut s = String::new();
        let value = self.value.as_deref().map_or_else(|| "ABSENT".to_owned(), |v| format!("{v:?}"));
        let _ = write!(s, "#{} {} {} {} = {value}: ", self.rank, self.kind.as_str(), self.path, self.name);
        let share = if self.m == 0 {
            format!("no peer of {} has this value", self.n)
        } else if self.m == self.n {
            format!("all {} peers have this value", self.n)
        } else {
            format!("{} of {} peers share this value", self.m, self.n)
        };
        let _ = write!(s, "{share} (m = {}); ", self.m);
        if self.novel > 0 {
            let _ = write!(
                s,
                "but {} peers also had a value or key here that no other peer had, so P uses m = {}; ",
                self.novel, self.novel
            );
        }
        let listed: Vec<String> = self
            .peer_values
            .iter()
            .take(EXPLAIN_VALUES)
            .map(|(v, n)| match v {
                Some(v) => format!("{v:?} ×{n}"),
                None => format!("ABSENT ×{n}"),
            })
            .collect();
        let more = self.peer_values.len().saturating_sub(EXPLAIN_VALUES);
        let hashed = if self.hashed { "hashed " } else { "" };
        let _ = write!(s, "{hashed}peer values: {}", listed.join(", "));
        if more > 0 {
            let _ = write!(s, " and {more} more");
        }
        let _ = write!(
            s,
            "; c = {} distinct values with the target's. P(sick) = (N + c) / (N + c·t + c·m·(t − 1)) = {:.6} with N = {}, t = {}. Category {}: {}.",
            self.c,
            self.probability,
            self.n,
            self.t,
            self.category.as_str(),
            self.category.meaning()
        );
        if self.ties > 1 {
            let _ = write!(s, " {} rows share this P.", self.ties);
        }
        s
    }
}

/// A ranking of a target against a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// N.
    pub peers: u32,
    /// t: settings considered (the union of the target's and the peers' settings).
    pub suspects: u32,
    /// Most suspicious first.
    pub ranking: Vec<RankedSetting>,
}

/// Ranks every setting of `target`, and every setting the peers have that the target
/// lacks (as ABSENT), by sick probability, comparing with all peers. Ties go to fewer
/// distinct values, then path, name and kind, so the result does not depend on input
/// order. A key the target repeats with different values keeps the smallest value.
///
/// This is [`rank_with`] with default options. A hashed profile needs the salt: with
/// `rank`, the target's raw values never match the peers' hashes (every setting gets
/// m = 0), so use [`rank_with`] for hashed profiles.
pub fn rank(target: &[Setting], profile: &PeerProfile) -> Ranking {
    rank_inner(target, profile, false, None)
}

/// [`rank`] with options: scoping N to the peers having the setting's location, and the
/// salt of a hashed profile.
///
/// # Errors
/// [`ProfileError::Hashing`] when the profile is hashed and no salt or another salt is
/// given, or a salt is given for a plain profile.
pub fn rank_with(target: &[Setting], profile: &PeerProfile, options: &RankOptions) -> Result<Ranking, ProfileError> {
    let hasher = match (&options.salt, profile.salt_check) {
        (None, None) => None,
        (Some(salt), _) => Some(profile.check_salt(salt)?),
        (None, Some(_)) => {
            return Err(ProfileError::Hashing("the profile is hashed: rank with the salt it was hashed with".into()))
        }
    };
    Ok(rank_inner(target, profile, options.scope_to_parent, hasher.as_ref()))
}

/// A setting's identity, borrowed.
type KeyRef<'a> = (Kind, &'a str, &'a str);

/// One key of the union: the target's setting and the peers' counts, either may be missing.
type Joined<'a> = (KeyRef<'a>, Option<&'a Setting>, Option<&'a BTreeMap<String, u32>>);

/// A row before it is materialized: borrowed, cheap to sort.
struct Row<'a> {
    key: KeyRef<'a>,
    target: Option<&'a str>,
    counts: Option<&'a BTreeMap<String, u32>>,
    n: u32,
    m: u32,
    c: u32,
    absent: u32,
    probability: f64,
    category: Category,
    novel: u32,
    /// The most peers sharing one value (ABSENT included): how firm the peers' consensus is.
    support: u32,
    /// How many peers have the key: 2 every peer, 1 some, 0 none. A changed or missing
    /// setting that every peer has is firmer evidence than a key some peers lack, and that
    /// than a key only the target has.
    known: u8,
    /// Position in (path, name, kind) order: the tie-break, as an integer.
    tie: u32,
}

/// Numbers rows, which come sorted by (kind, path, name), in (path, name, kind) order.
/// Rows of one kind are already in (path, name) order, so merging the per-kind runs
/// (a handful) gives the order without sorting strings again: O(rows · kinds).
fn number_ties(rows: &mut [Row<'_>]) {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        let boundary = match (rows.get(i), rows.get(i - 1)) {
            (Some(a), Some(b)) => a.key.0 != b.key.0,
            _ => true,
        };
        if boundary {
            runs.push((start, i));
            start = i;
        }
    }
    let mut next = 0u32;
    loop {
        let mut best: Option<usize> = None;
        for (r, (head, end)) in runs.iter().enumerate() {
            if head >= end {
                continue;
            }
            let better = match best.and_then(|b| runs.get(b)).and_then(|(h, _)| rows.get(*h)) {
                None => true,
                Some(current) => rows.get(*head).is_some_and(|row| {
                    (row.key.1, row.key.2, row.key.0) < (current.key.1, current.key.2, current.key.0)
                }),
            };
            if better {
                best = Some(r);
            }
        }
        let Some(run) = best.and_then(|b| runs.get_mut(b)) else { break };
        if let Some(row) = rows.get_mut(run.0) {
            row.tie = next;
        }
        run.0 += 1;
        next = next.saturating_add(1);
    }
}

/// For each row (sorted by P), the number of rows with exactly its P.
fn tie_counts(rows: &[&Row<'_>]) -> Vec<u32> {
    let mut out = vec![1u32; rows.len()];
    let mut start = 0;
    while start < rows.len() {
        let p = rows.get(start).map_or(0.0, |r| r.probability);
        let end = rows
            .get(start..)
            .map_or(start, |rest| start + rest.iter().take_while(|r| r.probability.to_bits() == p.to_bits()).count());
        let end = end.max(start + 1);
        let size = u32::try_from(end - start).unwrap_or(u32::MAX);
        out.get_mut(start..end).into_iter().flatten().for_each(|t| *t = size);
        start = end;
    }
    out
}

/// Whether the target's own setting `first` (its first account's) has the value of `s` (a
/// secondary account's), in the first account's terms: then that value, which is compared
/// with the peers' first accounts.
fn same_as_own_first_account<'t>(targets: &[&'t Setting], s: &Setting, first: &SettingKey) -> Option<&'t str> {
    let at = targets
        .binary_search_by(|t| (t.kind, t.path.as_str(), t.name.as_str()).cmp(&(first.kind, &first.path, &first.name)))
        .ok()?;
    let value = crate::align::as_first_account(&s.value);
    let own = targets.get(at)?;
    (own.value == value.as_deref().unwrap_or(&s.value)).then_some(own.value.as_str())
}

/// The targets' settings sorted by key, one per key (the smallest value of a repeat).
pub(crate) fn unique_sorted<'s>(settings: impl IntoIterator<Item = &'s Setting>) -> Vec<&'s Setting> {
    let mut sorted: Vec<&Setting> = settings.into_iter().collect();
    // Scanners often emit settings in order already: a linear check skips the sort.
    if !sorted.is_sorted() {
        sorted.sort_unstable();
    }
    sorted.dedup_by(|later, earlier| {
        (later.kind, &later.path, &later.name) == (earlier.kind, &earlier.path, &earlier.name)
    });
    sorted
}

fn rank_inner(target: &[Setting], profile: &PeerProfile, scope: bool, hasher: Option<&ValueHasher>) -> Ranking {
    let aligned = crate::align::target(target, profile);
    let targets = match &aligned {
        Some(machine) => unique_sorted(machine.iter().map(|s| &**s)),
        None => unique_sorted(target),
    };
    let mut novelty = Novelty::new(profile);
    // Merge-join the two sorted key sequences: the target's and the profile's.
    let mut joined: Vec<Joined<'_>> = Vec::with_capacity(targets.len().max(profile.counts.len()));
    let mut ti = targets.iter().copied().peekable();
    let mut pi = profile.counts.iter().peekable();
    loop {
        let next_t = ti.peek().map(|s| (s.kind, s.path.as_str(), s.name.as_str()));
        let next_p = pi.peek().map(|(k, _)| (k.kind, k.path.as_str(), k.name.as_str()));
        match (next_t, next_p) {
            (None, None) => break,
            (Some(t), p) if p.is_none_or(|p| t < p) => joined.push((t, ti.next(), None)),
            (t, Some(p)) if t.is_none_or(|t| p < t) => joined.push((p, None, pi.next().map(|(_, v)| v))),
            (Some(t), Some(_)) => joined.push((t, ti.next(), pi.next().map(|(_, v)| v))),
            // Unreachable: the arms above cover every (Some, None) and (None, Some).
            _ => break,
        }
    }
    let t = u32::try_from(joined.len()).unwrap_or(u32::MAX);
    let mut categorizer = Categorizer::default();
    let mut buffer: Vec<u32> = Vec::new();
    let mut last_parent: Option<(&str, u32)> = None;
    let mut rows: Vec<Row<'_>> = Vec::with_capacity(joined.len());
    let sparse = crate::align::rare_limit(profile.peers);
    for (key, setting, counts) in joined {
        // What the peers' values are compared on: the setting's own; or, for a secondary
        // account's setting that fewer than half of the peers have (where most peers have
        // the account, their own consensus decides), where the target's first account has
        // the same value (a preference, not an account's own identity such as its uid), the
        // same setting of the peers' first account (`align::first_account_analog`).
        let mut location = key.1;
        let mut as_first: Option<&str> = None;
        let counts = match setting {
            Some(s) if hasher.is_none() && counts.is_none_or(|c| total(c).saturating_mul(2) < profile.peers) => {
                match crate::align::first_account_analog(profile, s.kind, &s.path, &s.name) {
                    Some((analog, values)) if total(values) > sparse => {
                        as_first = same_as_own_first_account(&targets, s, analog);
                        if as_first.is_some() {
                            location = &analog.path;
                            Some(values)
                        } else {
                            counts
                        }
                    }
                    _ => counts,
                }
            }
            _ => counts,
        };
        let n = if scope {
            match last_parent {
                Some((path, n)) if path == location => n,
                _ => {
                    let n = profile.peers_with_parent(location);
                    last_parent = Some((location, n));
                    n
                }
            }
        } else {
            profile.peers
        };
        let hashed_value = match (hasher, setting) {
            (Some(h), Some(s)) => Some(h.hash(s.kind, &s.path, &s.name, &s.value)),
            _ => None,
        };
        let compare = hashed_value.as_deref().or(as_first).or(setting.map(|s| s.value.as_str()));
        let present = counts.map_or(0u32, total);
        let absent = n.saturating_sub(present);
        let distinct = counts.map_or(0, BTreeMap::len) + usize::from(absent > 0);
        let m = match compare {
            Some(v) => counts.and_then(|c| c.get(v)).copied().unwrap_or(0),
            None => absent,
        };
        let c = u32::try_from(distinct).unwrap_or(u32::MAX).saturating_add(u32::from(m == 0));
        // A value no peer shares is ordinary where peers, too, each show something new: the
        // leave-one-out count of such peers stands in for m (Good–Turing's estimate of how
        // often a healthy machine shows an unseen value).
        // With one peer there is no other peer for it to look new to: no evidence of noise.
        let novel = match (m, setting, counts) {
            _ if profile.peers < 2 => 0,
            (0, Some(s), Some(values)) => {
                let own = Novelty::of_values(values, absent);
                // A setting few peers have, each with a value of its own: its siblings tell
                // whether values there are each machine's own (activity, timestamps).
                if present <= sparse && values.values().all(|c| *c == 1) {
                    own.max(novelty.of_location(s.kind, location))
                } else {
                    own
                }
            }
            (0, Some(s), None) => novelty.of_new_key(s.kind, &s.path),
            _ => 0,
        };
        let support = counts.map_or(0, |c| c.values().copied().max().unwrap_or(0)).max(absent);
        buffer.clear();
        buffer.extend(counts.into_iter().flat_map(|c| c.values().copied()));
        if absent > 0 {
            buffer.push(absent);
        }
        let category = categorizer.categorize(&buffer, m);
        rows.push(Row {
            key,
            target: setting.map(|s| s.value.as_str()),
            counts,
            n,
            m,
            c,
            absent,
            probability: sick_probability(n, t, m.max(novel), c),
            category,
            novel,
            support,
            known: match (counts.is_some(), absent) {
                (false, _) => 0,
                (true, 0) => 2,
                (true, _) => 1,
            },
            tie: 0,
        });
    }
    number_ties(&mut rows);
    // Ties by evidence: the firmer consensus first, then keys the peers know before keys
    // only the target has, then fewer distinct values, then path, name, kind (`tie`); `tie`
    // is unique, so the order is total and the unstable sort deterministic.
    // Sorted as compact keys, not as rows: a million rows are too heavy to move around.
    // Probabilities are in [0, 1], where the order of an f64's bits is its numeric order.
    let mut order: Vec<(u64, u32, u8, u32, u32, u32)> = rows
        .iter()
        .zip(0u32..)
        .map(|(r, i)| (u64::MAX - r.probability.to_bits(), u32::MAX - r.support, 2 - r.known, r.c, r.tie, i))
        .collect();
    order.sort_unstable();
    let rows: Vec<&Row<'_>> = order.iter().filter_map(|k| rows.get(k.5 as usize)).collect();
    let ties = tie_counts(&rows);
    let hashed = hasher.is_some();
    let ranking = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut peer_values: Vec<(Option<String>, u32)> =
                Vec::with_capacity(row.counts.map_or(0, BTreeMap::len) + usize::from(row.absent > 0));
            peer_values.extend(row.counts.into_iter().flatten().map(|(v, c)| (Some(v.clone()), *c)));
            if row.absent > 0 {
                peer_values.push((None, row.absent));
            }
            peer_values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            RankedSetting {
                rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                kind: row.key.0,
                path: row.key.1.to_owned(),
                name: row.key.2.to_owned(),
                value: row.target.map(str::to_owned),
                probability: row.probability,
                category: row.category,
                m: row.m,
                c: row.c,
                peer_values,
                n: row.n,
                t,
                hashed,
                novel: row.novel,
                ties: ties.get(i).copied().unwrap_or(1),
            }
        })
        .collect();
    Ranking { peers: profile.peers, suspects: t, ranking }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/app.ini".into(), name: name.into(), value: value.into() }
    }

    fn at(path: &str, name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: path.into(), name: name.into(), value: value.into() }
    }

    /// Exact Bayes with rationals: P(sick|v) = P(v|sick)P(sick) / (P(v|sick)P(sick) + P(v|healthy)P(healthy)).
    fn bayes(n: u32, t: u32, m: u32, c: u32) -> f64 {
        // Work in integers: P(v|sick)·(1/t) = 1/(c·t); P(v|healthy)·(t−1)/t = (m+1)(t−1)/((N+c)·t).
        let (n, t, m, c) = (u128::from(n), u128::from(t), u128::from(m), u128::from(c));
        let sick_num = n + c; // 1/(c t) scaled by c·t·(N+c)
        let healthy_num = (m + 1) * (t - 1) * c;
        (sick_num as f64) / ((sick_num + healthy_num) as f64)
    }

    #[test]
    fn closed_form_equals_bayes() {
        for n in [1, 2, 5, 20, 1000] {
            for t in [1, 2, 10, 5000] {
                for c in 1..6 {
                    for m in 0..=n.min(7) {
                        let (a, b) = (sick_probability(n, t, m, c), bayes(n, t, m, c));
                        assert!((a - b).abs() < 1e-12, "n={n} t={t} m={m} c={c}: {a} vs {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn differing_setting_ranks_first_and_absent_counts() {
        let peers: Vec<Vec<Setting>> = (0..5).map(|_| vec![s("a", "1"), s("b", "x"), s("gone", "y")]).collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let target = vec![s("a", "1"), s("b", "z")];
        let r = rank(&target, &profile);
        assert_eq!(r.suspects, 3);
        assert_eq!(r.peers, 5);
        let top: Vec<&str> = r.ranking.iter().map(|x| x.name.as_str()).collect();
        // "b" and "gone" both have m = 0, c = 2: the tie goes by path then name.
        assert_eq!(top, ["b", "gone", "a"]);
        assert_eq!(r.ranking[1].value, None);
        assert_eq!(r.ranking[2].category, Category::Uniform);
        assert_eq!(r.ranking[0].category, Category::OfInterest);
        assert_eq!((r.ranking[0].m, r.ranking[0].c), (0, 2));
        assert_eq!(r.ranking[0].probability, sick_probability(5, 3, 0, 2));
        assert_eq!(r.ranking[0].peer_values, [(Some("x".to_owned()), 5)]);
    }

    #[test]
    fn ties_go_to_fewer_distinct_values() {
        // Equal P needs equal (m, c) or a coincidence; with m = 0 everywhere and N = 0 P is
        // 1/t for every c, so c decides.
        let profile = PeerProfile::default();
        let target = vec![s("z", "1"), s("a", "1")];
        let r = rank(&target, &profile);
        assert_eq!(r.ranking.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["a", "z"]);
        // N = 4, t = 2: a setting with m = 0 and c = 3 vs m = 0 and c = 2.
        let peers = [vec![s("p", "1"), s("q", "1")], vec![s("p", "2"), s("q", "1")]];
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let r = rank(&[s("p", "3"), s("q", "2")], &profile);
        assert!(r.ranking[0].c <= r.ranking[1].c || r.ranking[0].probability > r.ranking[1].probability);
    }

    #[test]
    fn ties_order_by_path_then_name_then_kind_across_kinds() {
        let mk =
            |kind, path: &str, name: &str| Setting { kind, path: path.into(), name: name.into(), value: "1".into() };
        // No peers: every row has m = 0, c = 1 and the same P, so only the tie-break orders.
        let target = vec![
            mk(Kind::Vm, "/a", "x"),
            mk(Kind::Registry, "/b", "a"),
            mk(Kind::Config, "/a", "x"),
            mk(Kind::Registry, "/a", "y"),
            mk(Kind::Config, "/c", "a"),
        ];
        let r = rank(&target, &PeerProfile::default());
        let order: Vec<(Kind, &str, &str)> =
            r.ranking.iter().map(|x| (x.kind, x.path.as_str(), x.name.as_str())).collect();
        assert_eq!(
            order,
            [
                (Kind::Config, "/a", "x"),
                (Kind::Vm, "/a", "x"),
                (Kind::Registry, "/a", "y"),
                (Kind::Registry, "/b", "a"),
                (Kind::Config, "/c", "a"),
            ]
        );
    }

    #[test]
    fn scope_to_parent_ignores_peers_without_the_application() {
        // 10 peers; only 3 have samba, all with workgroup W. The target has samba with V.
        let mut peers: Vec<Vec<Setting>> = (0..7).map(|_| vec![at("/etc/hostname", "", "h")]).collect();
        peers.extend((0..3).map(|_| vec![at("/etc/hostname", "", "h"), at("/etc/smb.conf", "global/workgroup", "W")]));
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let target = vec![at("/etc/hostname", "", "h"), at("/etc/smb.conf", "global/workgroup", "V")];
        let all = rank(&target, &profile);
        let row = all.ranking.iter().find(|r| r.path == "/etc/smb.conf").unwrap();
        assert_eq!((row.n, row.m, row.c), (10, 0, 3));
        assert!(row.peer_values.contains(&(None, 7)));
        let options = RankOptions { scope_to_parent: true, salt: None };
        let scoped = rank_with(&target, &profile, &options).unwrap();
        let row = scoped.ranking.iter().find(|r| r.path == "/etc/smb.conf").unwrap();
        assert_eq!((row.n, row.m, row.c), (3, 0, 2));
        assert_eq!(row.peer_values, [(Some("W".to_owned()), 3)]);
        assert_eq!(row.probability, sick_probability(3, 2, 0, 2));
        assert_eq!(row.category, Category::OfInterest);
    }

    #[test]
    fn hashed_profile_ranks_like_the_plain_one() {
        let peers: Vec<Vec<Setting>> = (0..6)
            .map(|i| vec![s("a", &i.to_string()), s("b", "x"), s("c", if i % 3 == 0 { "p" } else { "q" })])
            .collect();
        let plain = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let hashed = plain.hashed(b"salt").unwrap();
        let target = vec![s("a", "9"), s("b", "x"), s("c", "p"), s("new", "1")];
        let expected = rank(&target, &plain);
        let options = RankOptions { salt: Some(b"salt".to_vec()), ..RankOptions::default() };
        let got = rank_with(&target, &hashed, &options).unwrap();
        assert_eq!(got.ranking.len(), expected.ranking.len());
        for (g, e) in got.ranking.iter().zip(&expected.ranking) {
            assert_eq!(
                (&g.name, &g.value, g.m, g.c, g.probability, g.category),
                (&e.name, &e.value, e.m, e.c, e.probability, e.category)
            );
            assert!(g.hashed);
            assert!(g.peer_values.iter().all(|(v, _)| v.as_ref().is_none_or(|v| v.len() == 32)));
        }
        // Wrong or missing salt: an error, not a silently wrong ranking.
        assert!(rank_with(&target, &hashed, &RankOptions::default()).is_err());
        let wrong = RankOptions { salt: Some(b"pepper".to_vec()), ..RankOptions::default() };
        assert!(rank_with(&target, &hashed, &wrong).is_err());
        assert!(rank_with(&target, &plain, &options).is_err());
    }

    #[test]
    fn explain_names_every_quantity() {
        let peers: Vec<Vec<Setting>> = (0..4).map(|i| vec![s("k", if i == 0 { "2" } else { "1" })]).collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let r = rank(&[s("k", "2")], &profile);
        let text = r.ranking[0].explain();
        assert!(text.starts_with("#1 config /etc/app.ini k = \"2\": 1 of 4 peers share this value (m = 1)"), "{text}");
        assert!(text.contains("peer values: \"1\" ×3, \"2\" ×1; c = 2"), "{text}");
        assert!(text.contains(&format!("= {:.6} with N = 4, t = 1", r.ranking[0].probability)), "{text}");
        assert!(text.contains("Category of-interest"), "{text}");
        let r = rank(&[], &profile);
        assert!(
            r.ranking[0].explain().contains("k = ABSENT: no peer of 4 has this value"),
            "{}",
            r.ranking[0].explain()
        );
    }

    #[test]
    fn one_peer_is_no_evidence_of_noise() {
        let profile = PeerProfile::from_machines([&[s("a", "1"), s("b", "2")][..]]);
        let r = rank(&[s("a", "1"), s("b", "3"), s("new", "x")], &profile);
        assert_eq!(r.ranking[0].name, "b");
        assert!(r.ranking.iter().all(|row| row.novel == 0));
        assert!(r.ranking[0].probability > r.ranking.iter().find(|x| x.name == "a").unwrap().probability);
    }

    #[test]
    fn noise_and_new_keys_among_new_keys_rank_below_a_broken_consensus() {
        // 20 peers. `agreed` is the same on all; `stamp` differs on every peer (a
        // timestamp); under `bam` every peer has a value name of its own.
        let peers: Vec<Vec<Setting>> = (0..20)
            .map(|i| {
                vec![
                    at("/etc/app.conf", "agreed", "1"),
                    at("/etc/app.conf", "stamp", &format!("t{i}")),
                    at("/var/bam", &format!("app{i}.exe"), "x"),
                    at("/var/bam", "common.exe", "x"),
                    at("/etc/other.conf", "k", "v"),
                ]
            })
            .collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let target = vec![
            at("/etc/app.conf", "agreed", "2"),
            at("/etc/app.conf", "stamp", "t99"),
            at("/var/bam", "mine.exe", "x"),
            at("/var/bam", "common.exe", "x"),
            at("/etc/other.conf", "k", "v"),
            at("/etc/other.conf", "added", "1"),
        ];
        let r = rank(&target, &profile);
        let order: Vec<&str> = r.ranking.iter().map(|x| x.name.as_str()).collect();
        // The broken consensus and the key added where peers agree tie on P; the key the
        // peers know goes first. The timestamp and the new BAM entry come after both.
        assert_eq!(&order[..2], ["agreed", "added"], "{order:?}");
        assert_eq!((r.ranking[0].ties, r.ranking[1].ties), (2, 2));
        let stamp = r.ranking.iter().find(|x| x.name == "stamp").unwrap();
        assert_eq!((stamp.m, stamp.novel), (0, 20));
        assert!(stamp.probability < r.ranking[1].probability);
        let bam = r.ranking.iter().find(|x| x.name == "mine.exe").unwrap();
        assert_eq!(bam.novel, 20);
        assert!(bam.probability < r.ranking[1].probability);
        assert!(bam.explain().contains("20 peers also had a value or key here"), "{}", bam.explain());
    }

    #[test]
    fn a_secondary_account_agreeing_with_its_first_is_compared_with_first_accounts() {
        // 20 peers, all with a first account (locale by site: 10 en-US, 10 en-SG); two also
        // have a second account, at the en-SG site. The target is at the en-US site and has
        // a second account too; the consensus on `agreed` is broken.
        let peers: Vec<Vec<Setting>> = (0..20)
            .map(|i| {
                let locale = if i < 10 { "en-US" } else { "en-SG" };
                let mut m = vec![
                    at("/etc/app.conf", "agreed", "1"),
                    at("HKU/<user:#1>/intl", "locale", locale),
                    at("/etc/passwd", "<user:#1>/uid", &format!("{}", 1000 + i % 2)),
                ];
                if i >= 18 {
                    m.push(at("HKU/<user:#2>/intl", "locale", locale));
                    m.push(at("/etc/passwd", "<user:#2>/uid", "1002"));
                }
                m
            })
            .collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let target = vec![
            at("/etc/app.conf", "agreed", "2"),
            at("HKU/<user:#1>/intl", "locale", "en-US"),
            at("HKU/<user:#2>/intl", "locale", "en-US"),
            at("/etc/passwd", "<user:#1>/uid", "1000"),
            at("/etc/passwd", "<user:#2>/uid", "1007"),
        ];
        let r = rank(&target, &profile);
        assert_eq!(r.ranking[0].name, "agreed", "{:?}", r.ranking[..3].iter().map(|x| &x.path).collect::<Vec<_>>());
        // The second account's locale is its first account's, which 10 peers' first accounts
        // share: compared with those, it is ordinary.
        let locale = r.ranking.iter().find(|x| x.path == "HKU/<user:#2>/intl").unwrap();
        assert_eq!((locale.m, locale.n), (10, 20), "{}", locale.explain());
        // Where most peers have the second account, their consensus on it decides.
        let mut most: Vec<Vec<Setting>> = peers.clone();
        for m in most.iter_mut().take(16) {
            if !m.iter().any(|s| s.path == "HKU/<user:#2>/intl") {
                m.push(at("HKU/<user:#2>/intl", "locale", "en-GB"));
            }
        }
        let by_most = PeerProfile::from_machines(most.iter().map(Vec::as_slice));
        let ranked = rank(&target, &by_most);
        let own = ranked.ranking.iter().find(|x| x.path == "HKU/<user:#2>/intl").unwrap();
        assert_eq!((own.m, own.peer_values[0].clone()), (0, (Some("en-GB".to_owned()), 16)), "{}", own.explain());
        // A uid differs from its own first account's: an account's own identity, compared
        // with the second accounts only (1002 on two peers).
        let uid = r.ranking.iter().find(|x| x.name == "<user:#2>/uid").unwrap();
        assert_eq!(uid.m, 0);
        assert!(uid.peer_values.contains(&(Some("1002".to_owned()), 2)), "{:?}", uid.peer_values);
    }

    #[test]
    fn a_value_few_peers_have_is_noise_where_its_siblings_are_each_peers_own() {
        // Six peers have a second account's activity, each entry with a value of its own;
        // one of them also ran `teams`. The target's second account ran `teams` at its own
        // time: one peer's evidence alone would call that new, its siblings say values there
        // are each machine's own.
        let peers: Vec<Vec<Setting>> = (0..20)
            .map(|i| {
                let mut m = vec![at("/etc/app.conf", "agreed", "1")];
                if i < 6 {
                    m.push(at("/var/bam/b", "explorer", &format!("t{i}")));
                }
                if i == 0 {
                    m.push(at("/var/bam/b", "teams", "t100"));
                }
                m
            })
            .collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let target = vec![
            at("/etc/app.conf", "agreed", "1"),
            at("/var/bam/b", "teams", "t201"),
            at("/etc/app.conf", "added", "1"),
        ];
        let r = rank(&target, &profile);
        let teams = r.ranking.iter().find(|x| x.name == "teams").unwrap();
        assert_eq!((teams.m, teams.novel), (0, 6), "{}", teams.explain());
        assert_eq!(r.ranking[0].name, "added");
        // A value two peers share is no noise, however noisy its place.
        let peers: Vec<Vec<Setting>> = peers
            .into_iter()
            .enumerate()
            .map(|(i, mut m)| {
                if i == 1 {
                    m.push(at("/var/bam/b", "teams", "t100"));
                }
                m
            })
            .collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let teams = rank(&target, &profile).ranking.into_iter().find(|x| x.name == "teams").unwrap();
        assert_eq!(teams.novel, 0);
    }

    /// A small deterministic generator (SplitMix64) for the shuffle property test.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn shuffle<T>(&mut self, v: &mut [T]) {
            for i in (1..v.len()).rev() {
                v.swap(i, self.below(i + 1));
            }
        }
    }

    #[test]
    fn ranking_is_independent_of_input_order_over_random_shuffles() {
        let mut rng = SplitMix(42);
        for case in 0..40 {
            // Random fleet: up to 12 peers over 8 keys in 3 paths with few values, some
            // keys missing, and a target with repeats (same key, different values).
            let n_peers = 1 + rng.below(12);
            let mut machines: Vec<Vec<Setting>> = (0..n_peers)
                .map(|_| {
                    let mut m = Vec::new();
                    for k in 0..8 {
                        if rng.below(4) != 0 {
                            m.push(at(&format!("/p{}", k % 3), &format!("k{k}"), &rng.below(3).to_string()));
                        }
                    }
                    m
                })
                .collect();
            let mut target: Vec<Setting> = (0..10)
                .map(|k| at(&format!("/p{}", k % 4), &format!("k{}", k % 9), &rng.below(4).to_string()))
                .collect();
            let profile = PeerProfile::from_machines(machines.iter().map(Vec::as_slice));
            for scope in [false, true] {
                let options = RankOptions { scope_to_parent: scope, salt: None };
                let expected = rank_with(&target, &profile, &options).unwrap();
                for _ in 0..5 {
                    rng.shuffle(&mut machines);
                    for m in &mut machines {
                        rng.shuffle(m);
                    }
                    rng.shuffle(&mut target);
                    let shuffled = PeerProfile::from_machines(machines.iter().map(Vec::as_slice));
                    assert_eq!(shuffled, profile, "case {case}");
                    assert_eq!(rank_with(&target, &shuffled, &options).unwrap(), expected, "case {case}");
                }
                // Sorted by P descending, ties counted, ranks 1..=t, every row labeled.
                for w in expected.ranking.windows(2) {
                    assert!(w[0].probability >= w[1].probability);
                    if w[0].probability == w[1].probability {
                        assert!(w[0].ties == w[1].ties && w[0].ties > 1);
                    }
                }
                assert!(expected
                    .ranking
                    .iter()
                    .enumerate()
                    .all(|(i, r)| r.rank as usize == i + 1 && r.t == expected.suspects));
            }
        }
    }
}
