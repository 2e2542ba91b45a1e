// SPDX-License-Identifier: GPL-3.0-or-later
//! Native half of `tests/bench/wasm_vs_native.sh`: the same two measurements as the wasm
//! benchmark `crates/worker/tests/extract_speed.rs`, on the same real hive (Windows 10 1709
//! SYSTEM, decompressed by `tests/fixtures.sh`), printed in the same format:
//!
//! - `walk`: [`count_values`] (walk every value of the hive and format it);
//! - `extract`: [`extract_registry`] with the default profile's SYSTEM roots (walk the
//!   roots, canonicalize, derive services), from a one-file in-memory volume.
//!
//! Usage: `cargo run --release -p settings --example registry_speed [ITERATIONS]`.

use settings::registry::{count_values, extract_registry, Hive, HiveKind};
use settings::ExtractionProfile;

#[path = "../tests/common/memfs.rs"]
mod memfs;

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/registry/win10-1709/SYSTEM");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}; run tests/fixtures.sh first"));
    let iterations: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(15);
    let hive = Hive::new(&bytes, "SYSTEM").expect("a hive");
    let walk = measure(iterations, || count_values(&hive).expect("walkable").0);
    let rules: Vec<_> =
        ExtractionProfile::default().registry.into_iter().filter(|r| r.hive == HiveKind::System).collect();
    let fs = memfs::MemFs::system_hive(bytes.clone());
    let extract = measure(iterations, || extract_registry(&fs, &rules).0.len());
    println!(
        "native walk: {} values, median {:.3} ms, best {:.3} ms, {:.0} values/s",
        walk.0,
        walk.1,
        walk.2,
        walk.0 as f64 / walk.2 * 1e3
    );
    println!(
        "native extract: {} settings, median {:.3} ms, best {:.3} ms, {:.0} settings/s",
        extract.0,
        extract.1,
        extract.2,
        extract.0 as f64 / extract.2 * 1e3
    );
}

/// Runs `f` `n` times (after one warm-up); its result, the median and the best time in
/// milliseconds (the best is what the comparison uses: on a shared machine, the run least
/// disturbed by others).
fn measure(n: usize, mut f: impl FnMut() -> usize) -> (usize, f64, f64) {
    let count = f();
    let mut times: Vec<f64> = (0..n.max(1))
        .map(|_| {
            let start = std::time::Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (count, times[times.len() / 2], times[0])
}
