// SPDX-License-Identifier: GPL-3.0-or-later
//! Parent chains that loop, made from real differencing images: the child is supplied
//! again under its parent's name, so that it is its own parent. Opening must stop with an
//! error, quickly: at [`imagefs::container::MAX_CHAIN_DEPTH`], at an identity check (VMDK
//! CID, VHD unique ID) or at the rule that a file is never its own parent.
//! Fixtures: `tests/fixtures.sh` (the corpus's dfvfs differencing VHD; the qemu-made VMDK
//! delta of `tests/fixtures.d/30-containers-b.sh`). The QCOW2 loop (`loop-a`/`loop-b`) is
//! tested in `containers_vhd_vhdx_qcow2.rs`.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use imagefs::container::{open_disk, FileSet};
use imagefs::{Error, MemorySource, Source};

fn fixture(rel: &str) -> Vec<u8> {
    let path: PathBuf = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures")).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()))
}

/// Opens `child` with its own bytes also supplied as `parent_name`.
fn open_as_own_parent(child_name: &str, bytes: Vec<u8>, parent_name: &str) -> (imagefs::Result<()>, Duration) {
    let bytes: Rc<[u8]> = bytes.into();
    let child: Source = Rc::new(MemorySource::new(child_name, Rc::clone(&bytes)));
    let parent: Source = Rc::new(MemorySource::new(parent_name, bytes));
    let set = FileSet::new(vec![Rc::clone(&child), parent]);
    let start = Instant::now();
    let result = open_disk(child, &set).map(|_| ());
    (result, start.elapsed())
}

/// The differencing VHD with its parent's unique ID (dynamic header offset 40) set to its
/// own (footer offset 68) and the header checksum (offset 36: one's complement of the byte
/// sum, field zeroed) redone, as in the VHD specification: a file that passes the parent
/// identity check as its own parent.
fn self_parent_vhd() -> Vec<u8> {
    let mut v = fixture("containers-b/corpus/vhd/dfvfs-fat-differential.vhd");
    let footer = v.len() - 512;
    let header = u64::from_be_bytes(v[footer + 16..footer + 24].try_into().unwrap()) as usize;
    let own_id: [u8; 16] = v[footer + 68..footer + 84].try_into().unwrap();
    v[header + 40..header + 56].copy_from_slice(&own_id);
    v[header + 36..header + 40].fill(0);
    let sum = v[header..header + 1024].iter().fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
    v[header + 36..header + 40].copy_from_slice(&(!sum).to_be_bytes());
    v
}

#[test]
fn differencing_vhd_that_is_its_own_parent() {
    // Its parent locators name `fat-parent.vhd`.
    let (result, took) = open_as_own_parent("fat.vhd", self_parent_vhd(), "fat-parent.vhd");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // The first level passes the identity check; the second looks for its parent without
    // taking itself (a file is never its own parent), or the depth bound ends the loop.
    match result {
        Err(Error::Corrupt { structure: "parent chain", ref detail, .. }) => {
            assert!(detail.contains("loops"), "{detail}")
        }
        Err(Error::MissingFile { ref needed_by, ref what }) => {
            assert!(needed_by.contains("fat-parent.vhd") && what.contains("fat-parent.vhd"), "{needed_by}: {what}")
        }
        other => panic!("expected the looping chain to be refused, got {other:?}"),
    }
}

#[test]
fn vmdk_delta_that_is_its_own_parent() {
    let child = fixture("containers-b/delta/child.vmdk");
    let (result, took) = open_as_own_parent("child.vmdk", child, "base.vmdk");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // Refused either as a loop or because the parent's CID is not the one the child expects.
    let err = result.expect_err("a VMDK cannot be its own parent");
    let text = err.to_string();
    assert!(text.contains("base.vmdk") || text.contains("child.vmdk"), "{text}");
}
