// SPDX-License-Identifier: GPL-3.0-or-later
//! The PeerPressure ranking (Wang et al., OSDI 2004).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use settings::{Kind, Setting, SettingKey};

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

/// How a setting behaves across the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The target differs from peers that mostly agree: the place to look.
    OfInterest,
    /// Values nearly unique per machine (timestamps, counters, MRU lists).
    Noisy,
    /// All peers agree and so does the target.
    Uniform,
}

impl Category {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OfInterest => "of-interest",
            Self::Noisy => "noisy",
            Self::Uniform => "uniform",
        }
    }
}

/// Normalized entropy of the peer values above which a setting counts as noisy: with N
/// peers, it is reached only when nearly every peer has its own value.
pub const NOISY_ENTROPY: f64 = 0.9;

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
    /// The target's canonical value; `None` when the target lacks the setting.
    pub value: Option<String>,
    /// Sick probability P.
    pub probability: f64,
    /// Category.
    pub category: Category,
    /// Peers sharing the target's value.
    pub m: u32,
    /// Distinct values among peers and target.
    pub c: u32,
    /// Peer values with counts, most common first; `None` is ABSENT.
    pub peer_values: Vec<(Option<String>, u32)>,
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
/// lacks (as ABSENT), by sick probability. Ties go to fewer distinct values, then path
/// and name, so the result does not depend on input order.
pub fn rank(target: &[Setting], profile: &PeerProfile) -> Ranking {
    let mut target_values: BTreeMap<SettingKey, &str> = BTreeMap::new();
    for s in target {
        target_values.entry(s.key()).or_insert(&s.value);
    }
    let keys: BTreeSet<&SettingKey> = target_values.keys().chain(profile.counts.keys()).collect();
    let t = u32::try_from(keys.len()).unwrap_or(u32::MAX);
    let n = profile.peers;
    let empty = BTreeMap::new();
    let mut rows: Vec<RankedSetting> = keys
        .into_iter()
        .map(|key| {
            let counts = profile.counts.get(key).unwrap_or(&empty);
            let mut peer_values: Vec<(Option<String>, u32)> =
                counts.iter().map(|(v, &c)| (Some(v.clone()), c)).collect();
            let absent = profile.absent(key);
            if absent > 0 {
                peer_values.push((None, absent));
            }
            peer_values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let value = target_values.get(key).map(|v| (*v).to_owned());
            let m = peer_values.iter().find(|(v, _)| *v == value).map_or(0, |(_, c)| *c);
            let c = peer_values.len() as u32 + u32::from(m == 0);
            RankedSetting {
                rank: 0,
                kind: key.kind,
                path: key.path.clone(),
                name: key.name.clone(),
                category: categorize(&peer_values, m, n),
                probability: sick_probability(n, t, m, c),
                value,
                m,
                c,
                peer_values,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.c.cmp(&b.c))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    for (i, row) in rows.iter_mut().enumerate() {
        row.rank = i as u32 + 1;
    }
    Ranking { peers: n, suspects: t, ranking: rows }
}

/// Normalized Shannon entropy of the peer distribution (0 = all agree, 1 = all differ).
pub fn normalized_entropy(peer_values: &[(Option<String>, u32)], n: u32) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let n = f64::from(n);
    let h: f64 = peer_values
        .iter()
        .map(|(_, c)| f64::from(*c) / n)
        .filter(|p| *p > 0.0)
        .map(|p| -p * p.ln())
        .sum();
    h / n.ln()
}

fn categorize(peer_values: &[(Option<String>, u32)], m: u32, n: u32) -> Category {
    if peer_values.len() <= 1 && m == n {
        Category::Uniform
    } else if normalized_entropy(peer_values, n) >= NOISY_ENTROPY {
        Category::Noisy
    } else {
        Category::OfInterest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/app.ini".into(), name: name.into(), value: value.into() }
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
    }

    #[test]
    fn ranking_is_independent_of_input_order() {
        let peers: Vec<Vec<Setting>> =
            (0..6).map(|i| vec![s("a", &i.to_string()), s("b", "x"), s("c", if i % 2 == 0 { "p" } else { "q" })]).collect();
        let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
        let mut target = vec![s("a", "9"), s("b", "y"), s("c", "p")];
        let first = rank(&target, &profile);
        target.reverse();
        let reversed_peers = PeerProfile::from_machines(peers.iter().rev().map(Vec::as_slice));
        assert_eq!(first, rank(&target, &reversed_peers));
        assert_eq!(first.ranking.iter().find(|r| r.name == "a").unwrap().category, Category::Noisy);
    }
}
