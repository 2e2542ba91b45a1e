// SPDX-License-Identifier: GPL-3.0-or-later
//! Hard links and directory loops (issue 15). Fixtures from `tests/fixtures.d/96-links.sh`:
//! ext4 made by `mke2fs -d` plus a directory hard link `/etc/app/sub/up` → `/etc/app` made
//! by `debugfs link`; NTFS made by mkntfs and `wimlib-imagex apply` (real NTFS hard links)
//! with the index entry of `/etc/app/sub/up` pointed at `/etc/app`'s file record. On both,
//! `/etc/sysctl.d/a.conf` and `b.conf` are one file.

use std::path::Path;
use std::rc::Rc;

use settings::{scan_machine, ExtractionProfile, MachineScan};

fn scan(name: &str) -> MachineScan {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/links")).join(name);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    let source: imagefs::Source = Rc::new(imagefs::FileSource::open(&path).unwrap());
    let machine = imagefs::open_machine(vec![source]).unwrap();
    scan_machine(&machine, &ExtractionProfile::default())
}

fn values(scan: &MachineScan, path: &str) -> Vec<(String, String)> {
    scan.settings().iter().filter(|s| s.path == path).map(|s| (s.name.clone(), s.value.clone())).collect()
}

fn check(scan: &MachineScan) {
    // Both names of the hard-linked file have its settings (the second without a read).
    let a = values(scan, "/etc/sysctl.d/a.conf");
    assert_eq!(a, [("net.a".to_owned(), "1".to_owned()), ("net.b".to_owned(), "2".to_owned())]);
    assert_eq!(values(scan, "/etc/sysctl.d/b.conf"), a);
    // The `/etc/**` walk reads /etc/app/sub/x.conf once and stops at the loop with a warning
    // naming the entry and the directory it leads back to.
    assert!(!values(scan, "/etc/app/sub/x.conf").is_empty(), "{:?}", scan.settings());
    let looped: Vec<&str> = scan.settings().iter().map(|s| s.path.as_str()).filter(|p| p.contains("/up/")).collect();
    assert!(looped.is_empty(), "read through the loop: {looped:?}");
    let warning = scan.warnings.iter().find(|w| w.contains("/etc/app/sub/up")).expect("a warning about the loop");
    assert!(warning.contains("leads back to /etc/app ") && warning.contains("directory loop"), "{warning}");
    assert!(scan.warnings.iter().all(|w| !w.contains("sysctl.d")), "hard links are no problem: {:?}", scan.warnings);
}

#[test]
fn ext_hard_links_are_read_once_and_a_directory_hard_link_loop_is_walked_once() {
    check(&scan("ext-links.img"));
}

#[test]
fn ntfs_hard_links_are_read_once_and_an_index_entry_leading_back_is_walked_once() {
    check(&scan("ntfs-links.img"));
}

#[test]
fn a_symlink_to_an_ancestor_in_a_directory_tree_is_walked_once() {
    // A guest tree read in place (`DirFs`): a link inside the tree is followed, so a link to
    // an ancestor is a loop; the inode of what it points to says so.
    let root = std::env::temp_dir().join(format!("vmsift-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("etc/app/sub")).unwrap();
    std::fs::write(root.join("etc/app/sub/x.conf"), "key = value\n").unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=debian\n").unwrap();
    std::os::unix::fs::symlink("../../app", root.join("etc/app/sub/up")).unwrap();
    let stats = Rc::new(imagefs::ReadStats::default());
    let fs = imagefs::fs::DirFs::open(&root, Rc::clone(&stats)).unwrap();
    let machine = imagefs::open_tree(Box::new(fs), stats);
    let scan = scan_machine(&machine, &ExtractionProfile::default());
    std::fs::remove_dir_all(&root).unwrap();
    assert!(!values(&scan, "/etc/app/sub/x.conf").is_empty(), "{:?}", scan.settings());
    assert!(scan.settings().iter().all(|s| !s.path.contains("/up/")), "{:?}", scan.settings());
    assert!(
        scan.warnings.iter().any(|w| w.contains("/etc/app/sub/up") && w.contains("leads back to /etc/app ")),
        "{:?}",
        scan.warnings
    );
}

#[test]
fn a_fat_directory_entry_whose_first_cluster_is_an_ancestors_is_walked_once() {
    // fat-loop.img: /ETC/APP/SUB/UP's entry names /ETC/APP's first cluster (a loop no
    // cluster chain shows).
    let scan = scan("fat-loop.img");
    let read: Vec<&str> = scan.settings().iter().map(|s| s.path.as_str()).filter(|p| p.contains("X.CONF")).collect();
    // (`/etc` as the profile names it, the rest as listed.)
    assert_eq!(read, ["/etc/APP/SUB/X.CONF"], "{:?}", scan.settings());
    let warning = scan.warnings.iter().find(|w| w.contains("/etc/APP/SUB/UP")).expect("a warning about the loop");
    assert!(warning.contains("leads back to /etc/APP ") && warning.contains("directory loop"), "{warning}");
}
