// SPDX-License-Identifier: GPL-3.0-or-later
//! Benchmark: align and rank a real fleet's scans, the work `vmsift rank --peers` does after
//! scanning. The scans come from the CLI, target first:
//!
//! ```sh
//! vmsift scan TARGET PEER... --format json > /tmp/scans.json
//! VMSIFT_FLEET_SCANS=/tmp/scans.json cargo bench -p peerpressure --bench fleet
//! ```
//!
//! (`tests/bench/realfleet/build.sh` builds a realistic 20-peer fleet.) Without the variable
//! the benchmark says so and measures nothing.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use model::Setting;
use peerpressure::{rank, PeerProfile};
use serde::Deserialize;

#[derive(Deserialize)]
struct Scans {
    machines: Vec<Scan>,
}

#[derive(Deserialize)]
struct Scan {
    settings: Vec<Setting>,
}

fn fleet(c: &mut Criterion) {
    let Ok(file) = std::env::var("VMSIFT_FLEET_SCANS") else {
        eprintln!("fleet: set VMSIFT_FLEET_SCANS to the output of `vmsift scan TARGET PEER... --format json`");
        return;
    };
    let text = std::fs::read_to_string(&file).expect("VMSIFT_FLEET_SCANS is readable");
    let scans: Scans = serde_json::from_str(&text).expect("VMSIFT_FLEET_SCANS holds `vmsift scan` JSON");
    let (target, peers) = scans.machines.split_first().expect("a target and peers");
    let peers: Vec<&[Setting]> = peers.iter().map(|m| m.settings.as_slice()).collect();
    let mut group = c.benchmark_group("fleet");
    group.sample_size(10);
    group.bench_function("profile_from_machines", |b| {
        b.iter(|| black_box(PeerProfile::from_machines(peers.iter().copied())));
    });
    let profile = PeerProfile::from_machines(peers.iter().copied());
    group.bench_function("rank_target", |b| {
        b.iter(|| black_box(rank(&target.settings, &profile)));
    });
    group.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
