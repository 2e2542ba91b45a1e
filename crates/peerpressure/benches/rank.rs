// SPDX-License-Identifier: GPL-3.0-or-later
//! Benchmarks: rank 1 M target settings against a 1,000-peer profile; build, merge and
//! encode profiles.
//!
//! Run once, briefly: `cargo bench -p peerpressure --bench rank -- --warm-up-time 1 --measurement-time 5`.
//! The profile is synthetic but shaped like a fleet: most settings uniform, some with a
//! minority value, a few operational (a value per peer), some missing on part of the fleet.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use model::{Kind, Setting, SettingKey};
use peerpressure::{rank, PeerProfile};

const PEERS: u32 = 1000;
const SETTINGS: usize = 1_000_000;
/// Settings per location (a config file or registry key).
const PER_PATH: usize = 50;

fn path_of(i: usize) -> String {
    format!("HKLM\\SOFTWARE\\Vendor{}\\Product\\Key{}", i / PER_PATH / 100, i / PER_PATH)
}

/// A 1,000-peer profile over `SETTINGS` settings: 1 in 1,000 operational (a value per peer),
/// 1 in 20 with a 10% minority value, 1 in 50 present on 60% of the peers, the rest uniform.
fn fleet_profile() -> PeerProfile {
    let mut counts = BTreeMap::new();
    let mut parents = BTreeMap::new();
    for i in 0..SETTINGS {
        let key = SettingKey { kind: Kind::Registry, path: path_of(i), name: format!("Value{i}") };
        let mut values = BTreeMap::new();
        if i % 1000 == 7 {
            for p in 0..PEERS {
                values.insert(format!("{}", 1_700_000_000 + p), 1);
            }
        } else if i % 20 == 3 {
            values.insert("enabled".to_owned(), 900);
            values.insert("disabled".to_owned(), 100);
        } else if i % 50 == 11 {
            values.insert("1".to_owned(), 600);
        } else {
            values.insert(format!("v{}", i % 7), PEERS);
        }
        counts.insert(key, values);
        parents.entry(path_of(i)).or_insert(PEERS);
    }
    PeerProfile { peers: PEERS, counts, parents, salt_check: None }
}

/// The target: the fleet's common values, with 1 in 10,000 settings changed.
fn target() -> Vec<Setting> {
    (0..SETTINGS)
        .map(|i| {
            let value = if i % 10_000 == 5 {
                "misconfigured".to_owned()
            } else if i % 1000 == 7 {
                "1800000000".to_owned()
            } else if i % 20 == 3 {
                "enabled".to_owned()
            } else if i % 50 == 11 {
                "1".to_owned()
            } else {
                format!("v{}", i % 7)
            };
            Setting { kind: Kind::Registry, path: path_of(i), name: format!("Value{i}"), value }
        })
        .collect()
}

/// `n` machines of `per` settings each, drawn from a small set of values.
fn machines(n: usize, per: usize) -> Vec<Vec<Setting>> {
    (0..n)
        .map(|m| {
            (0..per)
                .map(|i| Setting {
                    kind: Kind::Config,
                    path: format!("/etc/app{}.conf", i / PER_PATH),
                    name: format!("key{i}"),
                    value: if (i + m) % 97 == 0 { format!("x{m}") } else { "default".to_owned() },
                })
                .collect()
        })
        .collect()
}

fn bench_rank(c: &mut Criterion) {
    let profile = fleet_profile();
    let target = target();
    let mut group = c.benchmark_group("rank");
    // One iteration takes seconds: ten flat samples of one iteration each.
    group.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(10));
    group.bench_function("1M settings vs 1000 peers", |b| {
        b.iter(|| {
            let r = rank(black_box(&target), black_box(&profile));
            assert_eq!(r.ranking.len(), SETTINGS);
            r
        })
    });
    group.finish();
}

fn bench_profiles(c: &mut Criterion) {
    let fleet = machines(1000, 1000);
    let mut group = c.benchmark_group("profile");
    group.sample_size(10);
    group.bench_function("build 1000 machines x 1000 settings", |b| {
        b.iter(|| PeerProfile::from_machines(black_box(&fleet).iter().map(Vec::as_slice)))
    });
    let half = PeerProfile::from_machines(fleet[..500].iter().map(Vec::as_slice));
    let other = PeerProfile::from_machines(fleet[500..].iter().map(Vec::as_slice));
    group.bench_function("merge two 500-peer profiles", |b| {
        b.iter(|| {
            let mut p = half.clone();
            p.merge(black_box(&other)).map(|()| p)
        })
    });
    let whole = PeerProfile::from_machines(fleet.iter().map(Vec::as_slice));
    let bytes = whole.to_bytes();
    group.bench_function("encode binary (1000 settings, 1000 peers)", |b| b.iter(|| black_box(&whole).to_bytes()));
    group.bench_function("decode binary (1000 settings, 1000 peers)", |b| {
        b.iter(|| PeerProfile::from_bytes(black_box(&bytes)))
    });
    group.finish();
}

criterion_group!(benches, bench_profiles, bench_rank);
criterion_main!(benches);
