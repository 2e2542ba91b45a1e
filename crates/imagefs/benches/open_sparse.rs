// SPDX-License-Identifier: GPL-3.0-or-later
//! Open a sparse image of each container format, in two virtual sizes (2 GiB and 20 GiB, the
//! NTFS partition 1 GiB before the end in both), and read Windows/System32/config/SYSTEM
//! (15.5 MB, the real Windows 10 1709 hive), counting the bytes read from the file.
//! Fixtures: tests/fixtures.d/80-bench.sh. Bytes read must not grow with the virtual size:
//! a table prints them per format and size, as a ratio to the hive size, with the time of a
//! run (median of a few) relative to raw at the same size, and the 20 GiB / 2 GiB ratios.

use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use imagefs::{open_machine, FileSource, Source};

const SYSTEM: &str = "/Windows/System32/config/SYSTEM";
const FORMATS: [&str; 5] = ["raw", "vhd", "vhdx", "vmdk", "qcow2"];
const SIZES_GIB: [u64; 2] = [2, 20];
/// Runs timed per image for the table (the median is printed); criterion times them again.
const TABLE_RUNS: usize = 7;

fn fixture(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/bench")).join(name);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

/// Opens the image, reads the hive; returns (hive bytes, bytes read from the file, virtual size).
fn read_system(name: &str) -> (usize, u64, u64) {
    let source: Source = Rc::new(FileSource::open(&fixture(name)).unwrap());
    let machine = open_machine(vec![source]).unwrap();
    let volume = machine.volumes.iter().find(|v| v.fs.metadata(SYSTEM).is_ok()).expect("a volume with SYSTEM");
    let hive = volume.fs.read_file(SYSTEM, 64 << 20).unwrap();
    (hive.len(), machine.stats.bytes(), machine.disks[0].source.size())
}

/// One row of the table.
struct Row {
    format: &'static str,
    gib: u64,
    hive: usize,
    read: u64,
    virtual_size: u64,
    time: Duration,
}

fn median_time(name: &str) -> Duration {
    let mut times: Vec<Duration> = (0..TABLE_RUNS)
        .map(|_| {
            let start = Instant::now();
            read_system(name);
            start.elapsed()
        })
        .collect();
    times.sort();
    times[TABLE_RUNS / 2]
}

fn print_table(rows: &[Row]) {
    let find = |format: &str, gib: u64| rows.iter().find(|r| r.format == format && r.gib == gib);
    eprintln!();
    eprintln!(
        "{:<6} {:>5} {:>12} {:>9} {:>10} {:>10} {:>9} {:>14} {:>13}",
        "format", "size", "bytes read", "/ hive", "% of disk", "time ms", "vs raw", "read 20G/2G", "time 20G/2G"
    );
    for r in rows {
        let raw = find("raw", r.gib).map_or(r.time, |raw| raw.time);
        let small = find(r.format, SIZES_GIB[0]);
        let (read_ratio, time_ratio) = match small {
            Some(s) if r.gib != s.gib => (
                format!("{:.3}", r.read as f64 / s.read as f64),
                format!("{:.2}", r.time.as_secs_f64() / s.time.as_secs_f64()),
            ),
            _ => (String::new(), String::new()),
        };
        eprintln!(
            "{:<6} {:>4}G {:>12} {:>8.3}x {:>9.4}% {:>10.1} {:>8.2}x {:>14} {:>13}",
            r.format,
            r.gib,
            r.read,
            r.read as f64 / r.hive as f64,
            100.0 * r.read as f64 / r.virtual_size as f64,
            r.time.as_secs_f64() * 1000.0,
            r.time.as_secs_f64() / raw.as_secs_f64(),
            read_ratio,
            time_ratio
        );
    }
    eprintln!();
}

fn bench(c: &mut Criterion) {
    let mut rows = Vec::new();
    for gib in SIZES_GIB {
        for format in FORMATS {
            let name = format!("sparse{gib}g.{format}");
            let (hive, read, virtual_size) = read_system(&name);
            assert_eq!(virtual_size, gib << 30, "{name}");
            rows.push(Row { format, gib, hive, read, virtual_size, time: median_time(&name) });
        }
    }
    print_table(&rows);
    let mut group = c.benchmark_group("open sparse image and read SYSTEM");
    group.sample_size(10);
    for gib in SIZES_GIB {
        for format in FORMATS {
            let name = format!("sparse{gib}g.{format}");
            group.bench_function(&name, |b| b.iter(|| read_system(&name)));
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
