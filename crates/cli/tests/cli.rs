// SPDX-License-Identifier: GPL-3.0-or-later
//! The `vmsift` binary on the slice fleet (tests/fixtures.d/10-slice.sh): real MBR/GPT disks
//! with FAT filesystems made by sfdisk and mtools, holding real config files from the corpus.

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/slice")).join(name);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

fn vmsift<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vmsift")).args(args).output().unwrap()
}

#[test]
fn rank_json_puts_the_injected_setting_first() {
    let target = fixture("target.img");
    let peers: Vec<PathBuf> = (1..=4).map(|i| fixture(&format!("peer{i}.img"))).collect();
    let mut args: Vec<std::ffi::OsString> = vec!["rank".into(), "--target".into(), target.into(), "--peers".into()];
    args.extend(peers.into_iter().map(Into::into));
    args.extend(["--format".into(), "json".into()]);
    let out = vmsift(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["peers"], 4);
    let ranking = json["ranking"].as_array().unwrap();
    assert_eq!(json["suspects"].as_u64().unwrap() as usize, ranking.len());
    let top = &ranking[0];
    assert_eq!(top["rank"], 1);
    assert_eq!(top["kind"], "config");
    assert_eq!(top["path"], "/etc/ssh/sshd_config");
    assert_eq!(top["name"], "permitrootlogin");
    assert_eq!(top["value"], "true");
    assert_eq!(top["category"], "of-interest");
    assert_eq!((top["m"].as_u64(), top["c"].as_u64()), (Some(0), Some(2)));
    // P = (N + c) / (N + c·t) with m = 0.
    let t = json["suspects"].as_f64().unwrap();
    let p = top["probability"].as_f64().unwrap();
    assert!((p - 6.0 / (4.0 + 2.0 * t)).abs() < 1e-12, "{p}");
    for key in ["rank", "kind", "path", "name", "value", "probability", "category", "m", "c", "peer_values"] {
        assert!(top.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn scan_csv_has_a_header_and_one_row_per_setting() {
    let out = vmsift([std::ffi::OsString::from("scan"), "--format".into(), "csv".into(), fixture("peer2.img").into()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("machine,kind,path,name,value"));
    // The value is the hostname, or its placeholder where the settings crate canonicalizes it.
    assert!(text.contains(",firstline,/etc/hostname,,"), "{text}");
    assert!(lines.count() > 20);
}

#[test]
fn a_file_without_a_filesystem_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("vmsift-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.img");
    std::fs::write(&junk, vec![0x41u8; 8192]).unwrap();
    let out = vmsift([std::ffi::OsString::from("scan"), junk.clone().into()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("vmsift: ") && err.contains("junk.img") && err.contains("no FAT, NTFS or ext2/3/4"),
        "{err}"
    );
    let usage = vmsift(["rank"]);
    assert_eq!(usage.status.code(), Some(2));
}
