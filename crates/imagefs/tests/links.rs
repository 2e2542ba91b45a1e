// SPDX-License-Identifier: GPL-3.0-or-later
//! File numbers in directory listings (issue 15): every hard link of a file has the same
//! `DirEntry::id`, and a directory hard link that leads back to an ancestor has the
//! ancestor's. Fixtures from `tests/fixtures.d/96-links.sh`: ext4 made by `mke2fs -d` with a
//! directory hard link made by `debugfs link`; NTFS made by mkntfs and `wimlib-imagex apply`
//! (real NTFS hard links) with one index entry pointed at an ancestor's file record.

use std::path::Path;

use imagefs::{open_machine, FileSource, FileSystem, Source};

fn open(name: &str) -> imagefs::Machine {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/links")).join(name);
    let source: Source = std::rc::Rc::new(
        FileSource::open(&path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display())),
    );
    open_machine(vec![source]).unwrap()
}

/// The id of `name` in the listing of `dir`.
fn id(fs: &dyn FileSystem, dir: &str, name: &str) -> u64 {
    let entries = fs.read_dir(dir).unwrap();
    let entry = entries.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{dir}/{name} in {entries:?}"));
    entry.id.unwrap_or_else(|| panic!("{dir}/{name} has no id"))
}

fn check(fs: &dyn FileSystem) {
    // Hard links: one file, two names.
    assert_eq!(id(fs, "/etc/sysctl.d", "a.conf"), id(fs, "/etc/sysctl.d", "b.conf"));
    // The loop: /etc/app/sub/up is /etc/app, so /etc/app/sub/up/sub lists like /etc/app/sub.
    let app = id(fs, "/etc", "app");
    assert_eq!(id(fs, "/etc/app/sub", "up"), app);
    assert!(fs.read_dir("/etc/app/sub/up").unwrap().iter().any(|e| e.name == "sub"));
    // Everything else is distinct.
    let mut others = vec![app, id(fs, "/etc", "sysctl.d"), id(fs, "/etc/app", "sub"), id(fs, "/etc/app/sub", "x.conf")];
    others.push(id(fs, "/etc/sysctl.d", "a.conf"));
    let count = others.len();
    others.sort_unstable();
    others.dedup();
    assert_eq!(others.len(), count, "{others:?}");
}

#[test]
fn ext_listings_carry_inode_numbers() {
    let m = open("ext-links.img");
    let fs = &*m.volumes[0].fs;
    check(fs);
    // ext's first inodes are fixed: 2 is the root directory, 11 lost+found.
    assert_eq!(id(fs, "/", "lost+found"), 11);
}

#[test]
fn ntfs_listings_carry_file_record_numbers() {
    let m = open("ntfs-links.img");
    check(&*m.volumes[0].fs);
}
