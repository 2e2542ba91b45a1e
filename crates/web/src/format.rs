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
