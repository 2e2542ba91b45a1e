// SPDX-License-Identifier: GPL-3.0-or-later
//! Categories of ranked settings: uniform, noisy, of interest.
//!
//! The rule (see the crate docs for the reasoning), with `counts` the number of peers per
//! distinct value (ABSENT included), N their sum, `top` the largest count and m the number
//! of peers sharing the target's value:
//!
//! 1. **Uniform** when every peer has the same value and the target has it too, or when the
//!    target has the most common value and that value's share of the peers is at least
//!    [`UNIFORM_SHARE`] with [`CREDIBILITY`] (lower bound of its Beta posterior).
//! 2. **Noisy** when N ≥ 2 and even a pessimistic estimate of the normalized entropy is at
//!    least [`NOISY_ENTROPY`]: the most common value's share is raised to the upper
//!    [`CREDIBILITY`] bound of its Beta posterior (the other shares shrink in proportion),
//!    and the entropy of that distribution, divided by ln N, must still reach the threshold.
//! 3. **Of interest** otherwise: a consensus the target deviates from, or a setting in
//!    between.
//!
//! The Beta posterior is the marginal of the Dirichlet posterior of the peer distribution
//! for one value: with Jeffreys' prior (½ per outcome, "this value" vs "any other"), the
//! share of a value seen `k` times among N peers is Beta(k + ½, N − k + ½).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF};

/// How a setting behaves across the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The target differs from peers that mostly agree, or peers disagree without being
    /// noisy: the place to look.
    OfInterest,
    /// Values nearly unique per machine (timestamps, counters, MRU lists, machine IDs).
    Noisy,
    /// The peers agree and so does the target.
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

    /// A short phrase saying why a setting has this category.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::OfInterest => "the peers share a consensus the target departs from, or neither agree nor scatter",
            Self::Noisy => "the peers' values are nearly unique per machine (operational data)",
            Self::Uniform => "the peers agree and the target has their value",
        }
    }
}

/// Normalized entropy (entropy / ln N) that a pessimistic estimate of the peer distribution
/// must reach for the setting to count as noisy. 0.9 is reached only when nearly every peer
/// has its own value: with N = 100 peers, 90 singletons and one value shared by 10 peers
/// give 0.95; half the peers sharing one value gives 0.58.
pub const NOISY_ENTROPY: f64 = 0.9;

/// Share of the peers that the target's value must have (lower credible bound) for a
/// setting with some disagreement among peers to still count as uniform.
pub const UNIFORM_SHARE: f64 = 0.95;

/// Credibility of the bounds used by the rule (one-sided).
pub const CREDIBILITY: f64 = 0.95;

/// Normalized Shannon entropy of the peer distribution (0 = all agree, 1 = all differ):
/// the entropy of the shares `count / n`, divided by ln `n`, the largest entropy `n` peers
/// can have. 0 when `n` < 2.
pub fn normalized_entropy(peer_values: &[(Option<String>, u32)], n: u32) -> f64 {
    let counts: Vec<u32> = peer_values.iter().map(|(_, c)| *c).collect();
    entropy_of_counts(&counts, n)
}

fn entropy_of_counts(counts: &[u32], n: u32) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let nf = f64::from(n);
    let h: f64 = counts.iter().map(|c| f64::from(*c) / nf).filter(|p| *p > 0.0).map(|p| -p * p.ln()).sum();
    h / nf.ln()
}

/// Bound of the credible interval of the share of a value seen `k` times among `n` peers:
/// the `q` quantile of Beta(k + ½, n − k + ½).
pub fn share_quantile(k: u32, n: u32, q: f64) -> f64 {
    let a = f64::from(k) + 0.5;
    let b = f64::from(n.saturating_sub(k)) + 0.5;
    // Both shapes are ≥ ½, so construction cannot fail; fall back to the point estimate.
    match Beta::new(a, b) {
        Ok(beta) => beta.inverse_cdf(q.clamp(0.0, 1.0)),
        Err(_) => a / (a + b),
    }
}

/// The pessimistic normalized entropy of rule 2: the top share raised to its upper credible
/// bound, the other shares scaled down in proportion.
pub fn pessimistic_entropy(counts: &[u32], n: u32, top_upper: f64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let nf = f64::from(n);
    let Some((top_index, &top)) = counts.iter().enumerate().max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i))) else {
        return 0.0;
    };
    let p_top = f64::from(top) / nf;
    if p_top >= 1.0 {
        return 0.0;
    }
    let raised = top_upper.max(p_top).min(1.0);
    let scale = (1.0 - raised) / (1.0 - p_top);
    let term = |p: f64| if p > 0.0 { -p * p.ln() } else { 0.0 };
    let h: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, c)| if i == top_index { term(raised) } else { term(f64::from(*c) / nf * scale) })
        .sum();
    h / nf.ln()
}

/// Categorizes one setting from its peer counts per distinct value (ABSENT included) and
/// `m`, the count of the target's value (0 when no peer has it). See the module docs.
pub fn categorize(counts: &[u32], m: u32) -> Category {
    Categorizer::default().categorize(counts, m)
}

/// [`categorize`] with the Beta quantiles memoized: a ranking asks for the same (k, N)
/// pairs over and over, and each quantile is an iterative inversion.
#[derive(Debug, Default)]
pub(crate) struct Categorizer {
    lower: HashMap<(u32, u32), f64>,
    upper: HashMap<(u32, u32), f64>,
}

impl Categorizer {
    pub(crate) fn categorize(&mut self, counts: &[u32], m: u32) -> Category {
        let n: u64 = counts.iter().map(|c| u64::from(*c)).sum();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let top = counts.iter().copied().max().unwrap_or(0);
        if n == 0 {
            // No peer to compare with: nothing can be said, so it stays visible.
            return Category::OfInterest;
        }
        if m == n {
            return Category::Uniform;
        }
        if n >= 2 && counts.len() > 1 && entropy_of_counts(counts, n) >= NOISY_ENTROPY {
            let upper = *self.upper.entry((top, n)).or_insert_with(|| share_quantile(top, n, CREDIBILITY));
            if pessimistic_entropy(counts, n, upper) >= NOISY_ENTROPY {
                return Category::Noisy;
            }
        }
        if m > 0 && m == top {
            let lower = *self.lower.entry((top, n)).or_insert_with(|| share_quantile(top, n, 1.0 - CREDIBILITY));
            if lower >= UNIFORM_SHARE {
                return Category::Uniform;
            }
        }
        Category::OfInterest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn singletons(n: u32) -> Vec<u32> {
        vec![1; n as usize]
    }

    #[test]
    fn all_agree_and_target_agrees_is_uniform_even_for_one_peer() {
        assert_eq!(categorize(&[1], 1), Category::Uniform);
        assert_eq!(categorize(&[3], 3), Category::Uniform);
        assert_eq!(categorize(&[500], 500), Category::Uniform);
    }

    #[test]
    fn target_departing_from_consensus_is_of_interest() {
        assert_eq!(categorize(&[3], 0), Category::OfInterest);
        assert_eq!(categorize(&[999, 1], 1), Category::OfInterest);
        assert_eq!(categorize(&[1], 0), Category::OfInterest);
    }

    #[test]
    fn strong_consensus_with_stragglers_is_uniform_only_with_enough_evidence() {
        // 999 of 1000: the lower 95% bound of the share is about 0.995.
        assert_eq!(categorize(&[999, 1], 999), Category::Uniform);
        // 19 of 20 is 95% as a point estimate, but the bound is about 0.8: not enough.
        assert_eq!(categorize(&[19, 1], 19), Category::OfInterest);
        let lower = share_quantile(19, 20, 0.05);
        assert!(lower > 0.75 && lower < 0.9, "{lower}");
        // Borderline: find the smallest N where N−1 of N is uniform; it must be well above 20
        // and the rule must be monotone in N from there on.
        let first = (2..2000).find(|&n| categorize(&[n - 1, 1], n - 1) == Category::Uniform).unwrap();
        assert!(first > 40 && first < 200, "{first}");
        assert!((first..first + 50).all(|n| categorize(&[n - 1, 1], n - 1) == Category::Uniform));
    }

    #[test]
    fn unique_values_are_noisy_only_in_fleets_large_enough() {
        // Three peers with three values: compatible with a true majority value: not noisy.
        assert_eq!(categorize(&singletons(3), 0), Category::OfInterest);
        assert_eq!(categorize(&singletons(5), 0), Category::OfInterest);
        // The point entropy of all-distinct is 1 for any N; the pessimistic one crosses 0.9
        // around N = 8. Check the borderline both sides and the computation itself.
        let at = |n: u32| pessimistic_entropy(&singletons(n), n, share_quantile(1, n, CREDIBILITY));
        let first = (2..100).find(|&n| categorize(&singletons(n), 0) == Category::Noisy).unwrap();
        assert!((7..=10).contains(&first), "first noisy fleet size {first}");
        assert!(at(first) >= NOISY_ENTROPY && at(first - 1) < NOISY_ENTROPY);
        assert!((first..100).all(|n| categorize(&singletons(n), 0) == Category::Noisy));
        assert_eq!(normalized_entropy(&[(Some("a".into()), 1), (Some("b".into()), 1)], 2), 1.0);
        // A target with one of the unique values is just as noisy.
        assert_eq!(categorize(&singletons(50), 1), Category::Noisy);
    }

    #[test]
    fn mostly_unique_is_noisy_but_a_shared_block_is_not() {
        // 100 peers: 90 unique values and one shared by 10.
        let mut counts = singletons(90);
        counts.push(10);
        assert!((entropy_of_counts(&counts, 100) - 0.95).abs() < 0.001);
        assert_eq!(categorize(&counts, 10), Category::Noisy);
        // Half the peers share one value: a real consensus, not noise.
        let mut counts = singletons(50);
        counts.push(50);
        assert_eq!(categorize(&counts, 0), Category::OfInterest);
        // Two camps (a bimodal setting) are in between.
        assert_eq!(categorize(&[60, 40], 40), Category::OfInterest);
    }

    #[test]
    fn no_peers_is_of_interest() {
        assert_eq!(categorize(&[], 0), Category::OfInterest);
    }
}
