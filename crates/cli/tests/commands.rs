// SPDX-License-Identifier: GPL-3.0-or-later
//! The `vmsift` subcommands on real disk images: the slice fleet (tests/fixtures.d/10-slice.sh,
//! MBR/GPT + FAT disks made by sfdisk and mtools) and the Linux disks of
//! tests/fixtures.d/50-linux.sh (ext4 by mke2fs -d, FAT by mtools).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures")).join(rel);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

fn peers() -> Vec<PathBuf> {
    (1..=4).map(|i| fixture(&format!("slice/peer{i}.img"))).collect()
}

fn vmsift<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vmsift")).args(args).output().unwrap()
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "status {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    out
}

fn args(items: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    items.iter().map(|i| i.as_ref().to_owned()).collect()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vmsift-cli-cmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

fn build(machines: &[PathBuf], output: &Path, as_json: bool) {
    let mut a = args(&[&"profile", &"build", &"-o", &output]);
    if as_json {
        a.push("--json".into());
    }
    a.extend(machines.iter().map(Into::into));
    ok(vmsift(a));
}

fn rank_json(extra: &[&dyn AsRef<std::ffi::OsStr>]) -> Value {
    let mut a = args(&[&"rank", &"--format", &"json", &"--target", &fixture("slice/target.img")]);
    a.extend(args(extra));
    json(&ok(vmsift(a)))
}

#[test]
fn rank_against_a_saved_profile_equals_rank_against_the_peers() {
    let bin = tmp("rank.vmsiftpp");
    let js = tmp("rank.json");
    build(&peers(), &bin, false);
    build(&peers(), &js, true);
    assert_eq!(&std::fs::read(&bin).unwrap()[..8], b"VMSIFTPP");
    let mut a: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"--peers"];
    let p = peers();
    for x in &p {
        a.push(x);
    }
    let from_peers = rank_json(&a);
    let from_binary = rank_json(&[&"--profile", &bin]);
    let from_json = rank_json(&[&"--profile", &js]);
    assert_eq!(from_peers, from_binary);
    assert_eq!(from_peers, from_json);
    let top = &from_binary["ranking"][0];
    assert_eq!((top["name"].as_str(), top["value"].as_str()), (Some("permitrootlogin"), Some("true")));
    // Every peer lacks it: one ABSENT entry counting all four.
    assert_eq!(top["peer_values"], serde_json::json!([[null, 4]]));
    // --top and --category keep working with a profile.
    let two = rank_json(&[&"--profile", &bin, &"--top", &"2", &"--category", &"uniform"]);
    let rows = two["ranking"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["category"] == "uniform"));
}

#[test]
fn scope_to_parent_counts_only_peers_having_the_location() {
    // Peers: the four slice machines and the ext4 Linux disk, which alone has /etc/fstab.
    let mut machines = peers();
    machines.push(fixture("linux/linux-ext4.img"));
    let profile = tmp("scope.json");
    build(&machines, &profile, true);
    let saved: Value = serde_json::from_slice(&std::fs::read(&profile).unwrap()).unwrap();
    let parents: std::collections::BTreeMap<String, u64> = saved["parents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_u64().unwrap()))
        .collect();
    let plain = rank_json(&[&"--profile", &profile]);
    let scoped = rank_json(&[&"--profile", &profile, &"--scope-to-parent"]);
    let mut partial = 0;
    for row in scoped["ranking"].as_array().unwrap() {
        let path = row["path"].as_str().unwrap();
        assert_eq!(row["n"].as_u64(), parents.get(path).copied().or(Some(0)), "{row}");
        partial += usize::from(parents.get(path).is_some_and(|n| *n < 5));
    }
    assert!(partial > 0, "the Linux disk should bring locations the slice peers lack");
    assert!(plain["ranking"].as_array().unwrap().iter().all(|r| r["n"] == 5));
}

#[test]
fn profiles_build_merge_and_show() {
    let p = peers();
    let (ab, cd, all, merged) = (tmp("ab.vmsiftpp"), tmp("cd.json"), tmp("all.vmsiftpp"), tmp("merged.vmsiftpp"));
    build(&p[..2], &ab, false);
    build(&p[2..], &cd, true);
    build(&p, &all, false);
    ok(vmsift(args(&[&"profile", &"merge", &ab, &cd, &"-o", &merged])));
    assert_eq!(std::fs::read(&merged).unwrap(), std::fs::read(&all).unwrap());

    let all_json = tmp("all.json");
    build(&p, &all_json, true);
    let saved: Value = serde_json::from_slice(&std::fs::read(&all_json).unwrap()).unwrap();
    let settings = saved["settings"].as_array().unwrap().len();
    let shown = json(&ok(vmsift(args(&[&"profile", &"show", &"--format", &"json", &"--top", &"3", &merged]))));
    assert_eq!(shown["peers"], 4);
    assert_eq!(shown["settings"].as_u64(), Some(settings as u64));
    assert_eq!(shown["locations"].as_u64(), Some(saved["parents"].as_array().unwrap().len() as u64));
    let top = shown["top"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert!(top.iter().all(|e| e["present"] == 4));
    let text = String::from_utf8(ok(vmsift(args(&[&"profile", &"show", &merged]))).stdout).unwrap();
    assert!(text.starts_with(&format!("4 peers, {settings} settings")), "{text}");
}

#[test]
fn a_corrupt_profile_is_an_error_naming_file_structure_and_offset() {
    let bin = tmp("corrupt.vmsiftpp");
    build(&peers(), &bin, false);
    let mut bytes = std::fs::read(&bin).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&bin, &bytes).unwrap();
    for cmd in [
        args(&[&"profile", &"show", &bin]),
        args(&[&"rank", &"--target", &fixture("slice/target.img"), &"--profile", &bin]),
    ] {
        let out = vmsift(cmd);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("corrupt.vmsiftpp") && err.contains("binary peer profile") && err.contains("offset"),
            "{err}"
        );
    }
    let js = tmp("corrupt.json");
    let text = "{\"format\": \"vmsift-peer-profile\", \"version\": 1, \"peers\": 1, \"settings\": [}";
    std::fs::write(&js, text).unwrap();
    let bad = text.find("[}").unwrap() + 1;
    let out = vmsift(args(&[&"profile", &"show", &js]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("corrupt.json: JSON peer profile: document at offset {bad}")), "{err}");
}

#[test]
fn from_counts_refuses_counts_above_the_peers() {
    let counts = tmp("bad-counts.csv");
    std::fs::write(&counts, "kind,path,name,value,count\nconfig,/etc/x,k,1,3\nconfig,/etc/x,k,2,2\n").unwrap();
    let out = vmsift(args(&[&"profile", &"from-counts", &counts, &"--peers", &"4", &"-o", &tmp("bad.vmsiftpp")]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-counts.csv: config /etc/x k: 5 peers have it, out of 4"), "{err}");
    // Without ABSENT rows nor --peers, N is unknown.
    let out = vmsift(args(&[&"profile", &"from-counts", &counts, &"-o", &tmp("bad.vmsiftpp")]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--peers"));
}

#[test]
fn scan_ndjson_has_one_object_per_setting() {
    let p = peers();
    let mut a = args(&[&"scan", &"--format", &"ndjson"]);
    a.extend(p.iter().map(Into::into));
    let out = ok(vmsift(&a));
    // No progress bar when stderr is not a terminal.
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    a[2] = "csv".into();
    let csv = String::from_utf8(ok(vmsift(&a)).stdout).unwrap();
    assert_eq!(text.lines().count(), csv.lines().count() - 1);
    let mut machines = Vec::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.keys().cloned().collect::<Vec<_>>(), ["kind", "machine", "name", "path", "value"]);
        let m = obj["machine"].as_str().unwrap().to_owned();
        if machines.last() != Some(&m) {
            machines.push(m);
        }
    }
    // Machines come in argument order, each as one block.
    assert_eq!(machines, p.iter().map(|x| x.display().to_string()).collect::<Vec<_>>());
    assert!(text.contains("\"path\":\"/etc/hostname\""));
}

#[test]
fn diff_shows_the_injected_setting_both_ways() {
    let (peer, target) = (fixture("slice/peer1.img"), fixture("slice/target.img"));
    let forward = json(&ok(vmsift(args(&[&"diff", &"--format", &"json", &peer, &target]))));
    assert_eq!(
        (forward["changed"].as_u64(), forward["added"].as_u64(), forward["removed"].as_u64()),
        (Some(0), Some(1), Some(0))
    );
    let d = &forward["differences"][0];
    assert_eq!(
        (d["change"].as_str(), d["path"].as_str(), d["name"].as_str()),
        (Some("added"), Some("/etc/ssh/sshd_config"), Some("permitrootlogin"))
    );
    assert_eq!((d["a"].clone(), d["b"].clone()), (Value::Null, Value::from("true")));
    let back = json(&ok(vmsift(args(&[&"diff", &"--format", &"json", &target, &peer]))));
    assert_eq!(back["removed"], 1);
    assert_eq!(back["differences"][0]["a"], "true");
    // The ext4 Linux disk has other settings at the same locations: changes appear.
    let linux = fixture("linux/linux-ext4.img");
    let vs = json(&ok(vmsift(args(&[&"diff", &"--format", &"json", &peer, &linux]))));
    let diffs = vs["differences"].as_array().unwrap();
    assert_eq!(
        vs["changed"].as_u64().unwrap() + vs["added"].as_u64().unwrap() + vs["removed"].as_u64().unwrap(),
        diffs.len() as u64
    );
    for d in diffs.iter().filter(|d| d["change"] == "changed") {
        assert_ne!(d["a"], d["b"]);
    }
    let csv = String::from_utf8(ok(vmsift(args(&[&"diff", &"--format", &"csv", &peer, &target]))).stdout).unwrap();
    assert_eq!(csv, "change,kind,path,name,a,b\nadded,config,/etc/ssh/sshd_config,permitrootlogin,,true\n");
    let table = String::from_utf8(ok(vmsift(args(&[&"diff", &peer, &target]))).stdout).unwrap();
    assert!(
        table.contains("0 changed, 1 added, 0 removed")
            && table.contains("+ config /etc/ssh/sshd_config permitrootlogin = true"),
        "{table}"
    );
}

#[test]
fn every_subcommand_has_examples_and_usage_errors_exit_2() {
    for cmd in [
        &["scan"][..],
        &["profile"],
        &["rank"],
        &["diff"],
        &["inspect"],
        &["profile", "build"],
        &["profile", "merge"],
        &["profile", "show"],
        &["profile", "from-counts"],
    ] {
        let mut a: Vec<&str> = cmd.to_vec();
        a.push("--help");
        let out = ok(vmsift(&a));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Examples:\n  vmsift "), "{cmd:?}: {text}");
    }
    let target = fixture("slice/target.img");
    let both = vmsift(args(&[&"rank", &"--target", &target, &"--peers", &target, &"--profile", &target]));
    assert_eq!(both.status.code(), Some(2));
    assert_eq!(vmsift(["profile", "merge", "only-one"]).status.code(), Some(2));
    assert_eq!(vmsift(["diff", "a"]).status.code(), Some(2));
}

#[test]
fn rank_against_a_hashed_profile_needs_its_salt() {
    let plain = tmp("plain.vmsiftpp");
    build(&peers(), &plain, false);
    let profile = peerpressure::PeerProfile::from_bytes(&std::fs::read(&plain).unwrap()).unwrap();
    let hashed = tmp("hashed.vmsiftpp");
    std::fs::write(&hashed, profile.hashed(b"org salt").unwrap().to_bytes()).unwrap();
    let ranked = rank_json(&[&"--profile", &hashed, &"--salt", &"org salt"]);
    let top = &ranked["ranking"][0];
    assert_eq!((top["name"].as_str(), top["hashed"].as_bool()), (Some("permitrootlogin"), Some(true)));
    assert_eq!(ranked["ranking"], {
        // Same order and numbers as the plain profile; only peer values differ (hashes).
        let mut plain = rank_json(&[&"--profile", &plain])["ranking"].clone();
        for (p, h) in plain.as_array_mut().unwrap().iter_mut().zip(ranked["ranking"].as_array().unwrap()) {
            p["peer_values"] = h["peer_values"].clone();
            p["hashed"] = Value::from(true);
        }
        plain
    });
    for salt in [None, Some("wrong")] {
        let mut a = args(&[&"rank", &"--target", &fixture("slice/target.img"), &"--profile", &hashed]);
        if let Some(s) = salt {
            a.extend(args(&[&"--salt", &s]));
        }
        let out = vmsift(a);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("salt"), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn progress_bars_are_drawn_on_a_terminal() {
    // `script` (util-linux) runs the command with a pseudo-terminal as stderr.
    let p = peers();
    let out_file = tmp("tty.vmsiftpp");
    let cmd = format!(
        "{} profile build -o {} {} {}",
        env!("CARGO_BIN_EXE_vmsift"),
        out_file.display(),
        p[0].display(),
        p[1].display()
    );
    let out =
        ok(Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().expect("script (util-linux) is needed"));
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("scanning [") && tty.contains("2/2"), "{tty}");
    assert!(out_file.exists());
}
