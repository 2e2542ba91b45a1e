// SPDX-License-Identifier: GPL-3.0-or-later
//! Machines that are not one disk image, through the `vmsift` binary: directory trees,
//! loose hives, and a VMDK descriptor or overlay given alone (its extents and backing file
//! found by base name beside it). Fixtures: tests/fixtures.d/20-containers-a.sh,
//! 30-containers-b.sh (qemu-img), 40-registry.sh, 55-etc-wide.sh.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures")).join(rel);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

/// `vmsift scan --format csv PATH` → (rows without the machine column and the disk-header
/// rows, stderr); the scan must succeed.
fn scan(path: &Path) -> (Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vmsift")).args(["scan", "--format", "csv"]).arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{}: {stderr}", path.display());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows = text
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_owned())
        .filter(|r| !r.starts_with("vm,disk-header,"))
        .collect();
    (rows, stderr)
}

#[test]
fn a_directory_tree_scans_like_the_image_of_the_same_tree() {
    for (tree, image) in [("registry/peers/a", "registry/peer-a-fat.img"), ("linux/tree", "linux/linux-fat.img")] {
        let (from_tree, _) = scan(&fixture(tree));
        let (from_image, _) = scan(&fixture(image));
        assert!(from_tree.len() > 300, "{tree}: {} settings", from_tree.len());
        assert_eq!(from_tree, from_image, "{tree}");
    }
}

#[test]
fn a_loose_hive_and_a_folder_of_hives_are_machines() {
    let (rows, _) = scan(&fixture("registry/win10-1709/SYSTEM"));
    assert!(rows.iter().filter(|r| r.starts_with("registry,HKLM\\SYSTEM\\")).count() > 1000);
    // NTUSER.DAT with its .LOG1/.LOG2 (replayed) and DEFAULT.
    let (rows, stderr) = scan(&fixture("registry/win11"));
    // The SAM beside it has the account the profile folder is named after: keyed by its RID.
    assert!(rows.iter().any(|r| r.starts_with("registry,HKU\\<user:1001>\\")), "{stderr}");
    assert!(rows.iter().any(|r| r.starts_with("registry,HKU\\.DEFAULT\\")));
    assert!(!stderr.contains("could not be replayed"), "{stderr}");
    // A dirty SYSTEM given alone is replayed from the .LOG1/.LOG2 beside it: the same
    // settings as its whole folder.
    let (alone, _) = scan(&fixture("registry/win10-dirty/SYSTEM"));
    let (folder, _) = scan(&fixture("registry/win10-dirty"));
    assert!(alone.len() > 1000);
    assert_eq!(alone, folder);
}

/// `vmsift inspect PATH`'s volume and OS lines; it must succeed.
fn volumes(path: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_vmsift")).arg("inspect").arg(path).output().unwrap();
    assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().filter(|l| l.starts_with("volume:") || l.starts_with("os:")).map(str::to_owned).collect()
}

#[test]
fn a_lone_descriptor_or_overlay_finds_its_files_beside_it() {
    // small.raw holds a GPT disk with one NTFS volume; qemu-img made the VMDKs from it.
    let raw = volumes(&fixture("containers-b/small.raw"));
    assert!(raw.iter().any(|l| l.contains("NTFS")), "{raw:?}");
    for descriptor in ["small-monolithicFlat.vmdk", "small-twoGbMaxExtentSparse.vmdk", "small-twoGbMaxExtentFlat.vmdk"]
    {
        assert_eq!(volumes(&fixture(&format!("containers-b/{descriptor}"))), raw, "{descriptor}");
    }
    // A qcow2 overlay (`qemu-img create -b disk.raw`) whose backing file sits beside it.
    let (overlay, _) = scan(&fixture("containers-a/ov-raw.qcow2"));
    let (backing, _) = scan(&fixture("containers-a/disk.raw"));
    assert!(!backing.is_empty());
    assert_eq!(overlay, backing);
}

#[test]
fn a_path_in_a_header_is_never_followed() {
    // The monolithicFlat descriptor copied alone, its extent line naming the real extent by
    // an absolute path: only the base name is looked for, beside the descriptor.
    let dir = std::env::temp_dir().join(format!("vmsift-header-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let extent = fixture("containers-b/small-monolithicFlat-flat.vmdk");
    let text = std::fs::read_to_string(fixture("containers-b/small-monolithicFlat.vmdk")).unwrap();
    let text = text.replace("\"small-monolithicFlat-flat.vmdk\"", &format!("\"{}\"", extent.display()));
    assert!(text.contains(&extent.display().to_string()));
    let copy = dir.join("copy.vmdk");
    std::fs::write(&copy, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vmsift")).arg("scan").arg(&copy).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("needs its FLAT extent file"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tree_never_reads_outside_itself_or_special_files() {
    let dir = std::env::temp_dir().join(format!("vmsift-tree-escape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let etc = dir.join("root/etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::copy(fixture("linux/tree/etc/hosts"), etc.join("hosts")).unwrap();
    std::fs::write(dir.join("outside.conf"), "leaked = yes\n").unwrap();
    std::os::unix::fs::symlink("../../outside.conf", etc.join("escape.conf")).unwrap();
    let fifo = etc.join("pipe.conf");
    let fifo_made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    // Returns at all: the FIFO was never opened (opening it would block).
    let (rows, _) = scan(&dir.join("root"));
    assert!(rows.iter().any(|r| r.starts_with("config,/etc/hosts,")), "{rows:?}");
    assert!(!rows.iter().any(|r| r.contains("leaked") || r.contains("escape.conf")), "{rows:?}");
    assert!(!fifo_made || !rows.iter().any(|r| r.contains("pipe.conf")), "{rows:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_with_nothing_to_read_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("vmsift-empty-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("Logs")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vmsift")).arg("scan").arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no filesystem tree"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
