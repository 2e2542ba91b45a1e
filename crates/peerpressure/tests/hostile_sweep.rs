// SPDX-License-Identifier: GPL-3.0-or-later
//! Hostile-input sweep: every file of `../shared/corpus` and the small generated images of
//! `target/fixtures`, truncated and bit-flipped with deterministic seeds, goes through the
//! full path for its kind:
//!
//! * every file: [`imagefs::open_machine`], a bounded walk of each volume (list, metadata,
//!   read), and [`settings::scan_machine`] with the built-in extraction profile;
//! * hives (`regf`): [`settings::registry::load_hive`] with the logs beside them (a mutated
//!   log is replayed into its unmutated hive), then [`settings::registry::walk_hive`];
//! * config files: every parser of `settings::parse` and `settings::vmconfig::extract`;
//! * peer profiles built from the fixture images: [`PeerProfile::from_bytes`] and
//!   [`PeerProfile::from_json`], then a ranking with what decoded.
//!
//! Each case must end (in `Ok` or an error) without a panic (`catch_unwind` per case), within
//! [`CASE_TIME_LIMIT`], and without one allocation larger than [`allocation_limit`] of its
//! input (a counting global allocator records the largest single allocation made by the
//! case's thread). Failures name the file and the mutation.
//!
//! It lives in the peerpressure crate because that is the one crate that sees all three
//! layers (imagefs → settings → peerpressure).
#![allow(unsafe_code)] // the counting allocator: `GlobalAlloc` can only be implemented unsafely

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use imagefs::{FileSystem, MemorySource, Source};
use peerpressure::PeerProfile;
use settings::registry::log::LogFile;
use settings::registry::{load_hive, walk_hive};
use settings::{scan_machine, ExtractionProfile, Setting};

// ---------------------------------------------------------------------------------------
// Bounds

/// Most CPU time a single case may use (measured as the CPU time of the test's thread, so
/// that a loaded machine does not fail the test; wall time at load 10 on 2 cores was up to
/// 4 times larger). Debug builds of the workspace crates run at opt-level 0: the slowest
/// correct cases (whole scans of the 3.4 MB OVAs, whose hives and files come out of
/// deflated stream-optimized grains) use well under half of this. A loop that does not
/// end, or work that grows with a header field rather than with the input, blows through it.
const CASE_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Floor of the allocation limit: the block cache, hash tables and output vectors of a
/// correct run of any size stay below it, and `read_file`'s default limit is this size.
const ALLOCATION_FLOOR: usize = 64 * 1024 * 1024;

/// Multiple of the input length a single allocation may reach. A correct reader allocates
/// at most about the input (the input itself, a hive copied for replay, a file read from
/// a raw volume), plus tables that scale with it. 16 leaves room for a compressed cluster
/// or grain (deflate ratios of real data stay below 16) while catching every "size from a
/// header" allocation that was not checked against the source length.
const ALLOCATION_FACTOR: usize = 16;

/// Largest single allocation a case on `input_len` bytes may make.
fn allocation_limit(input_len: usize) -> usize {
    ALLOCATION_FLOOR.max(ALLOCATION_FACTOR.saturating_mul(input_len))
}

/// Files are read (or decompressed) up to this length: the headers, tables and first
/// files of every image lie within it, and it keeps the sweep in seconds.
const FILE_CAP: usize = 4 * 1024 * 1024;
/// Generated fixture images larger than this are not swept (bench and 64 MiB disks).
const FIXTURE_MAX: u64 = 4 * 1024 * 1024;
/// Bit-flip cases per file; each flips one to three bits.
const FLIPS: u64 = 8;
/// Files larger than this get half the flips and only three truncations, to keep the
/// sweep in seconds (they are the slow cases: whole images with hives on them).
const LARGE: usize = 1024 * 1024;
/// Flips of even-numbered cases land in the first bytes, where headers and tables live.
const HEAD: usize = 64 * 1024;

/// Walk bounds: directories visited, entries per directory, files read, depth.
const WALK_DIRS: usize = 32;
const WALK_ENTRIES: usize = 48;
const WALK_FILES: usize = 32;
const WALK_DEPTH: usize = 5;

/// CPU time used so far by the calling thread (Linux: `/proc/thread-self/stat`, in clock
/// ticks of 10 ms), or the wall clock elsewhere.
fn thread_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/thread-self/stat").ok().and_then(|stat| {
        // Fields after the command name (which may hold spaces) start with the state (field 3);
        // utime and stime are fields 14 and 15.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    });
    match ticks {
        Some(t) => Duration::from_millis(t * 10),
        None => {
            thread_local!(static START: Instant = Instant::now());
            START.with(Instant::elapsed)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Counting allocator

thread_local! {
    /// Largest single allocation (or reallocation target) of this thread since the reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    /// Bytes this thread holds (allocated minus freed by it) since the reset.
    static HELD: Cell<isize> = const { Cell::new(0) };
    /// Most bytes this thread held at once since the reset.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|l| {
        if size > l.get() {
            l.set(size);
        }
    });
}

/// Records `delta` bytes allocated (positive) or freed (negative) by this thread.
fn hold(delta: isize) {
    let _ = HELD.try_with(|h| {
        let now = h.get().saturating_add(delta);
        h.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

/// Size as a signed delta (allocations never exceed `isize::MAX`).
fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

/// The system allocator, recording allocation sizes per thread (tests run in parallel).
struct Counting;

// SAFETY: every call is forwarded unchanged to `System`; only the size is recorded, in a
// const-initialized thread-local that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        hold(signed(layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        hold(signed(layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        hold(signed(new_size) - signed(layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        hold(-signed(layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------
// Inputs

fn corpus_dir() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"));
    assert!(dir.join("MANIFEST.md").is_file(), "corpus missing at {}: the sweep reads ../shared/corpus", dir.display());
    dir.to_path_buf()
}

fn fixtures_dir() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures"));
    for sub in ["slice", "containers-a", "containers-b"] {
        assert!(dir.join(sub).is_dir(), "fixtures missing at {}/{sub}: run tests/fixtures.sh", dir.display());
    }
    dir.to_path_buf()
}

/// Every regular file below `dir`, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The first [`FILE_CAP`] bytes of `path`, decompressing `.xz` in memory.
fn load(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    if path.extension().is_some_and(|e| e == "xz") {
        let mut child = Command::new("xz")
            .arg("-dc")
            .arg(path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("xz is installed (tests/fixtures.sh installs it)");
        let stdout = child.stdout.take().expect("piped stdout");
        stdout.take(FILE_CAP as u64).read_to_end(&mut out).expect("xz output");
        let _ = child.kill();
        let _ = child.wait();
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(FILE_CAP as u64).read_to_end(&mut out))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    out
}

/// Display name of a file (relative to its root) and the name the parsers see (without
/// `.xz`).
fn names(root: &Path, path: &Path) -> (String, String) {
    let rel = path.strip_prefix(root).unwrap_or(path).display().to_string();
    let base = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (rel, base.strip_suffix(".xz").unwrap_or(&base).to_owned())
}

// ---------------------------------------------------------------------------------------
// Mutations

/// xorshift64*: small, deterministic, good enough to spread positions.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// FNV-1a of the file's name: the seed of its flips, stable across runs and machines.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The cases of one file: the file, truncations, bit flips. Each has a label for messages.
fn mutations(name: &str, data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let len = data.len();
    let mut out = vec![("original".to_owned(), data.to_vec())];
    let large = len > LARGE;
    let mut cuts: Vec<usize> =
        if large { vec![512, len / 2, len - 1] } else { vec![0, 512, 4096, len / 4, len / 2, len.saturating_sub(1)] };
    cuts.retain(|&c| c < len);
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts {
        out.push((format!("truncated to {cut} bytes"), data[..cut].to_vec()));
    }
    if len == 0 {
        return out;
    }
    let mut rng = XorShift::new(seed_of(name));
    for case in 0..if large { FLIPS / 2 } else { FLIPS } {
        let mut bytes = data.to_vec();
        let span = if case % 2 == 0 { len.min(HEAD) } else { len };
        let mut flipped = Vec::new();
        for _ in 0..=rng.below(3) {
            let at = rng.below(span);
            let bit = rng.below(8);
            bytes[at] ^= 1 << bit;
            flipped.push(format!("{at:#x}.{bit}"));
        }
        out.push((format!("bit flip #{case} at {}", flipped.join(", ")), bytes));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Running cases

/// Outcome counts and failures of a sweep.
#[derive(Default)]
struct Report {
    cases: usize,
    failures: Vec<String>,
    slowest: (Duration, String),
    largest_ratio: (f64, String),
}

impl Report {
    /// Runs one case: no panic, within the time limit, no oversized allocation.
    fn case(&mut self, what: &str, input_len: usize, f: impl FnOnce()) {
        self.cases += 1;
        LARGEST.with(|l| l.set(0));
        let start = thread_time();
        let outcome = catch_unwind(AssertUnwindSafe(f));
        let took = thread_time().saturating_sub(start);
        let largest = LARGEST.with(Cell::get);
        if let Err(panic) = outcome {
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string panic)");
            self.failures.push(format!("{what}: panicked: {msg}"));
        }
        if took > CASE_TIME_LIMIT {
            self.failures.push(format!("{what}: took {took:?} of CPU time (limit {CASE_TIME_LIMIT:?})"));
        }
        let limit = allocation_limit(input_len);
        if largest > limit {
            self.failures.push(format!(
                "{what}: one allocation of {largest} bytes for {input_len} bytes of input (limit {limit})"
            ));
        }
        if took > self.slowest.0 {
            self.slowest = (took, what.to_owned());
        }
        let ratio = largest as f64 / input_len.max(1) as f64;
        // (Tiny inputs make any allocation a large ratio; only real sizes are reported.)
        if input_len >= 64 * 1024 && ratio > self.largest_ratio.0 {
            self.largest_ratio = (ratio, what.to_owned());
        }
    }

    fn finish(self, sweep: &str) {
        eprintln!(
            "{sweep}: {} cases; most CPU {:?} ({}); largest allocation/input {:.1} ({})",
            self.cases, self.slowest.0, self.slowest.1, self.largest_ratio.0, self.largest_ratio.1
        );
        assert!(self.cases > 0, "{sweep}: no cases");
        assert!(self.failures.is_empty(), "{sweep}: {} failures:\n{}", self.failures.len(), self.failures.join("\n"));
    }
}

/// Lists and reads a volume within the walk bounds.
fn walk(fs: &dyn FileSystem) {
    let _ = fs.label();
    let mut queue = vec![("/".to_owned(), 0usize)];
    let (mut dirs, mut files) = (0, 0);
    while let Some((dir, depth)) = queue.pop() {
        dirs += 1;
        if dirs > WALK_DIRS {
            break;
        }
        let Ok(entries) = fs.read_dir(&dir) else { continue };
        for e in entries.iter().take(WALK_ENTRIES) {
            let path = if dir == "/" { format!("/{}", e.name) } else { format!("{dir}/{}", e.name) };
            let _ = fs.metadata(&path);
            if e.is_dir {
                if depth < WALK_DEPTH {
                    queue.push((path, depth + 1));
                }
            } else if files < WALK_FILES {
                files += 1;
                let _ = fs.read_range(&path, 0, 4096);
                let _ = fs.read_range(&path, e.size.saturating_sub(64), 128);
            }
        }
    }
}

/// The full path of a disk image: open, walk, scan.
fn disk_path(name: &str, bytes: &[u8], profile: &ExtractionProfile) -> Vec<Setting> {
    let source: Source = Rc::new(MemorySource::new(name, bytes.to_vec()));
    let Ok(machine) = imagefs::open_machine(vec![source]) else { return Vec::new() };
    for v in &machine.volumes {
        walk(&*v.fs);
    }
    scan_machine(&machine, profile).into_settings()
}

/// Every config-file parser and the VM-config extraction.
fn config_path(name: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = settings::parse::run_every_parser(&text);
    let _ = settings::vmconfig::extract(name, &text);
}

/// Loads a hive with its logs (replaying them when it is dirty) and walks it.
fn hive_path(name: &str, hive: Vec<u8>, logs: &[(String, Vec<u8>)]) {
    let logs: Vec<LogFile<'_>> = logs.iter().map(|(n, b)| LogFile { name: n, bytes: b }).collect();
    let mut warnings = Vec::new();
    if let Ok(loaded) = load_hive(name, hive, &logs, &mut warnings) {
        if let Ok(h) = loaded.hive() {
            let _ = walk_hive(&h);
        }
    }
}

fn is_log(base: &str) -> bool {
    let lower = base.to_ascii_lowercase();
    lower.ends_with(".log") || lower.ends_with(".log1") || lower.ends_with(".log2")
}

/// The logs beside a hive file (`X.LOG1`, `X.log2`, … in the same directory).
fn logs_of(path: &Path, base: &str) -> Vec<(String, Vec<u8>)> {
    let Some(dir) = path.parent() else { return Vec::new() };
    let prefix = format!("{}.log", base.to_ascii_lowercase());
    files_below(dir)
        .into_iter()
        .filter(|p| p.parent() == Some(dir))
        .filter_map(|p| {
            let (_, b) = names(dir, &p);
            b.to_ascii_lowercase().starts_with(&prefix).then(|| (b, load(&p)))
        })
        .collect()
}

/// The hive a log belongs to (`X` for `X.LOG1`), if it is beside it.
fn hive_of_log(path: &Path, base: &str) -> Option<(String, Vec<u8>)> {
    let dir = path.parent()?;
    let stem = base.rsplit_once('.')?.0.to_ascii_lowercase();
    files_below(dir).into_iter().filter(|p| p.parent() == Some(dir)).find_map(|p| {
        let (_, b) = names(dir, &p);
        (b.to_ascii_lowercase() == stem).then(|| (b, load(&p)))
    })
}

/// Sweeps the files of `root` whose path passes `keep`.
fn sweep_files(report: &mut Report, root: &Path, files: &[PathBuf]) {
    let profile = ExtractionProfile::default();
    for path in files {
        let (rel, base) = names(root, path);
        let data = load(path);
        let is_hive = data.starts_with(b"regf");
        let in_dir = |d: &str| rel.starts_with(d);
        let is_config = in_dir("linux-etc") || in_dir("vmconfig") || in_dir("registry/reg-text");
        let hive_logs = if is_hive && !is_log(&base) { logs_of(path, &base) } else { Vec::new() };
        let log_hive = if is_log(&base) { hive_of_log(path, &base) } else { None };
        // Unmutated companions (a hive's logs, a log's hive) are input of the case too.
        let companions =
            hive_logs.iter().map(|(_, b)| b.len()).sum::<usize>() + log_hive.as_ref().map_or(0, |(_, b)| b.len());
        for (mutation, bytes) in mutations(&rel, &data) {
            let what = format!("{rel} ({mutation})");
            let len = bytes.len() + companions;
            report.case(&what, len, || {
                if is_config {
                    config_path(&base, &bytes);
                    return;
                }
                let _ = disk_path(&base, &bytes, &profile);
                if is_hive && !is_log(&base) {
                    hive_path(&base, bytes.clone(), &hive_logs);
                } else if let Some((hive_name, hive)) = &log_hive {
                    hive_path(hive_name, hive.clone(), &[(base.clone(), bytes.clone())]);
                }
            });
        }
    }
}

/// Corpus files under `sub` (relative to the corpus root).
fn corpus_files(sub: &str) -> (PathBuf, Vec<PathBuf>) {
    let root = corpus_dir();
    let files = files_below(&root.join(sub));
    assert!(!files.is_empty(), "no corpus files under {sub}");
    (root, files)
}

/// CPU time one machine of the resource attacks may take (issue 15): 5 s in release
/// builds; debug builds (opt-level 0) do the same work 4–8× slower and get 4×.
const MACHINE_TIME_LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 20 } else { 5 });
/// Memory one machine of the resource attacks may hold at once (issue 15).
const MACHINE_PEAK_LIMIT: isize = 256 * 1024 * 1024;

/// Small inputs (each compresses below 1 MiB) built to cost gigabytes or hours, from
/// tests/fixtures.d/95-resource.sh: sparse huge dirty hives with sparse logs (f1), a log
/// declaring 512 MiB of hive bins (f2), a 100k-line file hard-linked 50 times (f3), a
/// sparse 64 MiB log hard-linked 200 times (f4), a FAT directory chain looping onto itself
/// (f5), a sparse 512 MiB file at every path the profile reads (g1), and from 96-links.sh
/// directory entries leading back to an ancestor (ext, NTFS, FAT). Each whole machine
/// (open, walk, scan) stays within [`MACHINE_TIME_LIMIT`] of CPU and
/// [`MACHINE_PEAK_LIMIT`] held at once, and its scan warns about what it skipped.
#[test]
fn resource_attacks_stay_within_5_s_of_cpu_and_256_mib_per_machine() {
    let profile = ExtractionProfile::default();
    let mut failures = Vec::new();
    let resource = ["f1.qcow2", "f2.img", "f3.qcow2", "f4.qcow2", "f5-loop.img", "g1.qcow2"].map(|n| ("resource", n));
    // Hard links and directory loops on ext, NTFS and FAT (tests/fixtures.d/96-links.sh).
    let links = [("links", "ext-links.img"), ("links", "ntfs-links.img"), ("links", "fat-loop.img")];
    for (dir, name) in resource.into_iter().chain(links) {
        let path = fixtures_dir().join(dir).join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()));
        HELD.with(|h| h.set(0));
        PEAK.with(|p| p.set(0));
        let start = thread_time();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let source: Source = Rc::new(MemorySource::new(name, bytes));
            let machine = imagefs::open_machine(vec![source]).expect("the attack images open");
            for v in &machine.volumes {
                walk(&*v.fs);
            }
            scan_machine(&machine, &profile).warnings
        }));
        let took = thread_time().saturating_sub(start);
        let peak = PEAK.with(Cell::get);
        eprintln!("{name}: {took:?} of CPU, {} MiB held at most", peak >> 20);
        match outcome {
            Err(_) => failures.push(format!("{name}: panicked")),
            Ok(warnings) if warnings.is_empty() => failures.push(format!("{name}: no warning")),
            Ok(_) => {}
        }
        if took > MACHINE_TIME_LIMIT {
            failures.push(format!("{name}: took {took:?} of CPU (limit {MACHINE_TIME_LIMIT:?})"));
        }
        if peak > MACHINE_PEAK_LIMIT {
            failures.push(format!("{name}: held {peak} bytes at once (limit {MACHINE_PEAK_LIMIT})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_disks_survive_truncation_and_bit_flips() {
    let (root, files) = corpus_files("disks");
    let mut report = Report::default();
    sweep_files(&mut report, &root, &files);
    report.finish("corpus disks");
}

#[test]
fn corpus_hives_and_logs_survive_truncation_and_bit_flips() {
    let (root, files) = corpus_files("registry");
    let files: Vec<PathBuf> = files.into_iter().filter(|p| !p.starts_with(root.join("registry/reg-text"))).collect();
    let mut report = Report::default();
    sweep_files(&mut report, &root, &files);
    report.finish("corpus hives");
}

#[test]
fn corpus_config_files_survive_truncation_and_bit_flips() {
    let root = corpus_dir();
    let mut files = Vec::new();
    for sub in ["linux-etc", "vmconfig", "registry/reg-text"] {
        files.extend(files_below(&root.join(sub)));
    }
    let mut report = Report::default();
    sweep_files(&mut report, &root, &files);
    report.finish("corpus config files");
}

#[test]
fn generated_images_survive_truncation_and_bit_flips() {
    let root = fixtures_dir();
    let mut files = Vec::new();
    for sub in ["slice", "containers-a", "containers-b"] {
        files.extend(
            files_below(&root.join(sub))
                .into_iter()
                .filter(|p| p.parent() == Some(&root.join(sub)))
                .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= FIXTURE_MAX))
                .filter(|p| !p.extension().is_some_and(|e| e == "sha256" || e == "count")),
        );
    }
    assert!(files.len() >= 10, "only {} small generated images: run tests/fixtures.sh", files.len());
    let mut report = Report::default();
    sweep_files(&mut report, &root, &files);
    report.finish("generated images");
}

#[test]
fn peer_profiles_survive_truncation_and_bit_flips() {
    let root = fixtures_dir();
    let profile = ExtractionProfile::default();
    let mut machines = Vec::new();
    for name in ["peer1.img", "peer2.img"] {
        let path = root.join("slice").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()));
        let settings = disk_path(name, &bytes, &profile);
        assert!(!settings.is_empty(), "{name}: no settings");
        machines.push(settings);
    }
    let built = PeerProfile::from_machines(machines.iter().map(Vec::as_slice));
    let target = &machines[0];
    let mut report = Report::default();
    for (name, data) in [("profile.vmsiftpp", built.to_bytes()), ("profile.json", built.to_json().into_bytes())] {
        for (mutation, bytes) in mutations(name, &data) {
            report.case(&format!("{name} ({mutation})"), bytes.len(), || {
                let decoded = if name.ends_with(".json") {
                    std::str::from_utf8(&bytes).ok().and_then(|t| PeerProfile::from_json(t).ok())
                } else {
                    PeerProfile::from_bytes(&bytes).ok()
                };
                if let Some(p) = decoded {
                    let _ = peerpressure::rank(target, &p);
                    let _ = p.to_bytes();
                }
            });
        }
    }
    report.finish("peer profiles");
}
