// SPDX-License-Identifier: GPL-3.0-or-later
//! WASM half of `tests/bench/wasm_vs_native.sh`: the registry walk and extraction of the
//! real Windows 10 1709 SYSTEM hive (embedded at compile time from `target/fixtures`), timed
//! with `performance.now()` in a dedicated worker in headless Chromium — where the app runs
//! it. The native half is `crates/settings/examples/registry_speed.rs`; both print the same
//! lines and share the in-memory volume (`crates/settings/tests/common/memfs.rs`).
//!
//! Not part of `cargo xtask test` (it embeds a 15 MiB hive and runs for seconds): built only
//! with the `bench-wasm` feature. Run it through `tests/bench/wasm_vs_native.sh`, or:
//!
//! ```text
//! CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! WASM_BINDGEN_TEST_WEBDRIVER_JSON=tests/webdriver.json \
//! cargo test --release --target wasm32-unknown-unknown -p worker --features bench-wasm --test extract_speed
//! ```

#![cfg(all(target_arch = "wasm32", feature = "bench-wasm"))]

use settings::registry::{count_values, extract_registry, Hive, HiveKind};
use settings::ExtractionProfile;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

#[path = "../../settings/tests/common/memfs.rs"]
mod memfs;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Iterations per measurement (median and best reported), as the native half's default.
const ITERATIONS: usize = 15;

/// `performance.now()` of the worker, in milliseconds.
fn now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &JsValue::from_str("now")).unwrap().unchecked_into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

/// Runs `f` `n` times (after one warm-up); its result, the median and the best time in ms.
fn measure(n: usize, mut f: impl FnMut() -> usize) -> (usize, f64, f64) {
    let count = f();
    let mut times: Vec<f64> = (0..n.max(1))
        .map(|_| {
            let start = now();
            std::hint::black_box(f());
            now() - start
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (count, times[times.len() / 2], times[0])
}

#[wasm_bindgen_test]
fn registry_speed_in_a_worker() {
    let bytes: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/registry/win10-1709/SYSTEM"));
    let hive = Hive::new(bytes, "SYSTEM").expect("a hive");
    let walk = measure(ITERATIONS, || count_values(&hive).expect("walkable").0);
    let rules: Vec<_> =
        ExtractionProfile::default().registry.into_iter().filter(|r| r.hive == HiveKind::System).collect();
    let fs = memfs::MemFs::system_hive(bytes.to_vec());
    let extract = measure(ITERATIONS, || extract_registry(&fs, &rules).0.len());
    assert!(walk.0 > 90_000, "{} values", walk.0);
    console_log!(
        "wasm walk: {} values, median {:.3} ms, best {:.3} ms, {:.0} values/s",
        walk.0,
        walk.1,
        walk.2,
        walk.0 as f64 / walk.2 * 1e3
    );
    console_log!(
        "wasm extract: {} settings, median {:.3} ms, best {:.3} ms, {:.0} settings/s",
        extract.0,
        extract.1,
        extract.2,
        extract.0 as f64 / extract.2 * 1e3
    );
}
