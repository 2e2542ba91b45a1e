// SPDX-License-Identifier: GPL-3.0-or-later
//! Small display helpers.

/// `1536` → `"1.5 KiB"`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A target or peer value for display; `None` is the ABSENT value.
pub(crate) fn value(v: Option<&str>) -> String {
    v.map_or_else(|| "(absent)".to_owned(), ToOwned::to_owned)
}

/// A sick probability: four decimals, or three significant digits when smaller than 0.001
/// (with 100,000 suspects every P is tiny, and "0.0000" would hide the ranking).
pub(crate) fn probability(p: f64) -> String {
    if p == 0.0 || p >= 0.001 {
        format!("{p:.4}")
    } else {
        format!("{p:.2e}")
    }
}

/// `120000` → `"120,000"` (any unsigned integer).
pub(crate) fn count(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `"1 peer"`, `"2 peers"`.
pub(crate) fn plural(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = count(n);
    let word = if n == "1" { one } else { many };
    format!("{n} {word}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_keep_three_significant_digits_when_small() {
        assert_eq!(probability(0.39623), "0.3962");
        assert_eq!(probability(0.0), "0.0000");
        assert_eq!(probability(1.6667e-5), "1.67e-5");
        assert_eq!(probability(1.6667e-5).parse::<f64>().ok(), Some(1.67e-5));
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(120_000), "120,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(plural(1, "peer", "peers"), "1 peer");
        assert_eq!(plural(100, "peer", "peers"), "100 peers");
    }
}
