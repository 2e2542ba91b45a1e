// SPDX-License-Identifier: GPL-3.0-or-later
//! Open a 20 GiB sparse image of each container format and read
//! Windows/System32/config/SYSTEM (15.5 MB, the real Windows 10 1709 hive), counting the bytes
//! read from the file. Fixtures: tests/fixtures.d/80-bench.sh. Bytes read must not grow with
//! the virtual size: they are printed as a fraction of it.

use std::path::PathBuf;
use std::rc::Rc;

use criterion::{criterion_group, criterion_main, Criterion};
use imagefs::{open_machine, FileSource, Source};

const SYSTEM: &str = "/Windows/System32/config/SYSTEM";

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

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("open 20 GiB sparse image and read SYSTEM");
    group.sample_size(10);
    for name in ["sparse20g.raw", "sparse20g.vhd", "sparse20g.vhdx", "sparse20g.vmdk", "sparse20g.qcow2"] {
        let (hive, read, virtual_size) = read_system(name);
        eprintln!(
            "{name}: SYSTEM {hive} bytes; read {read} bytes from the file = {:.4} % of the {virtual_size}-byte disk, {:.2}× the hive",
            100.0 * read as f64 / virtual_size as f64,
            read as f64 / hive as f64
        );
        group.bench_function(name, |b| b.iter(|| read_system(name)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
