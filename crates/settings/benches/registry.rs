// SPDX-License-Identifier: GPL-3.0-or-later
//! Walks the real Windows 10 1709 SYSTEM hive (90,307 values), formatting every value.
//! Fixture: `tests/fixtures.sh` (decompresses it to `target/fixtures/registry/win10-1709/SYSTEM`).
//! `tests/bench/registry_vs_hivexml.sh` compares the rate with `hivexml`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use settings::registry::{count_values, Hive};

fn hive_bytes() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/registry/win10-1709/SYSTEM");
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}; run tests/fixtures.sh first"))
}

fn walk_system(c: &mut Criterion) {
    let bytes = hive_bytes();
    let hive = Hive::new(&bytes, "SYSTEM").expect("the fixture is a valid hive");
    let (values, _) = count_values(&hive).expect("walkable");
    let mut group = c.benchmark_group("registry");
    group.throughput(Throughput::Elements(values as u64));
    group.sample_size(20);
    group.bench_function("walk_win10_system", |b| b.iter(|| count_values(std::hint::black_box(&hive))));
    group.finish();
}

criterion_group!(benches, walk_system);
criterion_main!(benches);
