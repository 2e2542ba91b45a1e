// SPDX-License-Identifier: GPL-3.0-or-later
//! Small hostile inputs that once cost gigabytes or hours (issue 15), built by
//! tests/fixtures.d/95-resource.sh with mke2fs -d, qemu-img, mkfs.fat, mtools and the probe's
//! own builders: each scan ends within 5 s and 256 MiB with exit 0 and a warning naming the
//! file, the structure and the offset (stderr and JSON); `--strict` makes it exit 1; a FIFO
//! is refused. Also: `-o` never overwrites an input.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The ceilings for an input that compresses below 1 MiB: 5 s for the release
/// binary (`cargo test --release`); a debug binary (opt-level 0, the default `cargo test`)
/// runs the same work 4–8× slower (f3: 1.1 s release, 8.4 s debug at load 9), so it gets 4×.
const MAX_SECONDS: f64 = if cfg!(debug_assertions) { 20.0 } else { 5.0 };
const MAX_PEAK_KIB: u64 = 256 * 1024;

fn fixture(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures")).join(name);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

/// Exit code, stdout, stderr (without the measurement line), wall seconds and peak RSS of
/// `vmsift args`, measured by GNU time (`/usr/bin/time`, Debian package `time`).
fn measured(args: &[&std::ffi::OsStr]) -> (i32, Vec<u8>, String, f64, u64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(env!("CARGO_BIN_EXE_vmsift"))
        .args(args)
        .output()
        .expect("/usr/bin/time (Debian package `time`)");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (rest, last) = stderr.trim_end().rsplit_once('\n').unwrap_or(("", stderr.trim_end()));
    let mut fields = last.split_whitespace();
    let seconds: f64 = fields.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("time: {last}"));
    let peak: u64 = fields.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("time: {last}"));
    // GNU time reports a failing command on a line of its own before the measurement.
    let rest = rest.lines().filter(|l| !l.starts_with("Command exited with")).collect::<Vec<_>>().join("\n");
    (out.status.code().unwrap_or(-1), out.stdout, rest, seconds, peak)
}

/// Each input with what its first warning must say (file, structure, offset).
const INPUTS: [(&str, &str); 5] = [
    // Sparse 512 MiB dirty SYSTEM and SOFTWARE with sparse 256 MiB logs in a 334 KB qcow2.
    ("f1.qcow2", "/Windows/System32/config/SYSTEM: hive at offset 0x0"),
    // An 8 KiB dirty hive whose old-format log declares 512 MiB of hive bins.
    ("f2.img", "SYSTEM.LOG: corrupt log base block at offset 0x28: hive bins size 536866816 is more than"),
    // One 100k-line sysctl.d file hard-linked 50 times.
    ("f3.qcow2", "/etc/sysctl.d/k"),
    // One sparse 64 MiB /var/log file hard-linked 200 times.
    ("f4.qcow2", "/var/log/a"),
    // A FAT16 directory whose cluster chain points to itself.
    ("f5-loop.img", "/etc/default: cluster chain loops"),
];

#[test]
fn each_resource_input_ends_within_5_s_and_256_mib_with_a_warning_naming_the_file() {
    for (name, said) in INPUTS {
        let input = fixture(&format!("resource/{name}"));
        let (code, stdout, stderr, seconds, peak) =
            measured(&["scan".as_ref(), "--format".as_ref(), "json".as_ref(), input.as_os_str()]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(seconds <= MAX_SECONDS, "{name}: {seconds} s");
        assert!(peak <= MAX_PEAK_KIB, "{name}: {peak} KiB peak");
        let first = stderr.lines().next().unwrap_or("");
        assert!(first.starts_with(&format!("vmsift: warning: {}: ", input.display())), "{name}: {stderr}");
        assert!(first.contains(said), "{name}: the first warning does not say {said:?}: {stderr}");
        let json: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
        let warnings = json["machines"][0]["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), stderr.lines().count(), "{name}: JSON and stderr differ: {stderr}");
        assert!(warnings[0].as_str().unwrap().contains(said), "{name}: {warnings:?}");
        // The rest of the machine is still read: the disk header's settings are there.
        assert!(json["machines"][0]["settings"].as_array().unwrap().iter().any(|s| s["name"] == "disk0.format"));
    }
}

#[test]
fn strict_turns_a_warning_into_exit_status_1_and_rank_and_diff_report_warnings() {
    let (f3, f4) = (fixture("resource/f3.qcow2"), fixture("resource/f4.qcow2"));
    let (code, _, stderr, ..) = measured(&["--strict".as_ref(), "scan".as_ref(), f4.as_os_str()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("vmsift: warning: ") && stderr.contains("--strict"), "{stderr}");
    let args = ["rank", "--target"].map(std::ffi::OsStr::new);
    let mut rank: Vec<&std::ffi::OsStr> = args.to_vec();
    rank.extend([f3.as_os_str(), "--peers".as_ref(), f4.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    let (code, stdout, stderr, ..) = measured(&rank);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings[0]["machine"], f3.display().to_string());
    assert_eq!(warnings[1]["machine"], f4.display().to_string());
    assert!(warnings.iter().all(|m| !m["warnings"].as_array().unwrap().is_empty()), "{warnings:?}");
    let (code, stdout, ..) =
        measured(&["diff".as_ref(), "--format".as_ref(), "json".as_ref(), f3.as_os_str(), f4.as_os_str()]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert!(json["warnings"][1]["warnings"][0].as_str().unwrap().contains("/var/log/a"));
}

#[test]
fn a_fifo_is_refused_before_it_is_opened() {
    let fifo = fixture("resource/f6.img");
    let start = std::time::Instant::now();
    let (code, _, stderr, ..) = measured(&["inspect".as_ref(), fifo.as_os_str()]);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(code, 1);
    assert_eq!(stderr.trim(), format!("vmsift: {}: is a FIFO, not a regular file; it was not opened", fifo.display()));
    // In a machine directory it is not one of the machine's files.
    let dir = temp_dir("fifo");
    std::fs::copy(fixture("slice/peer1.img"), dir.join("disk.img")).unwrap();
    assert!(Command::new("mkfifo").arg(dir.join("pipe.vmx")).status().unwrap().success());
    let (code, _, stderr, ..) = measured(&["inspect".as_ref(), dir.as_os_str()]);
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vmsift-resources-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn build_profile(machine: &Path, output: &Path) -> (i32, String) {
    let (code, _, stderr, ..) =
        measured(&["profile".as_ref(), "build".as_ref(), machine.as_os_str(), "-o".as_ref(), output.as_os_str()]);
    (code, stderr)
}

#[test]
fn output_onto_an_input_is_refused_and_writes_leave_no_temporary_file() {
    let dir = temp_dir("output");
    let disk = dir.join("disk.img");
    std::fs::copy(fixture("slice/peer1.img"), &disk).unwrap();
    let original = std::fs::read(&disk).unwrap();
    // The machine directory's own disk, the disk named directly, and a symlink to it.
    std::os::unix::fs::symlink(&disk, dir.join("link.vmsiftpp")).unwrap();
    for (machine, output) in [(&dir, &disk), (&disk, &disk), (&disk, &dir.join("link.vmsiftpp"))] {
        let (code, stderr) = build_profile(machine, output);
        assert_eq!(code, 1, "{} -o {}: {stderr}", machine.display(), output.display());
        assert!(stderr.contains("is one of the inputs"), "{stderr}");
    }
    assert_eq!(std::fs::read(&disk).unwrap(), original);
    let elsewhere = temp_dir("output-out");
    let profile = elsewhere.join("fleet.vmsiftpp");
    assert_eq!(build_profile(&dir, &profile).0, 0);
    assert!(std::fs::read(&profile).unwrap().starts_with(b"VMSIFTPP"));
    let names: Vec<_> = std::fs::read_dir(&elsewhere).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("fleet.vmsiftpp")]);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&elsewhere);
}
