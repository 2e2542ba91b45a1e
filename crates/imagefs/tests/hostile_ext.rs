// SPDX-License-Identifier: GPL-3.0-or-later
//! ext reads at an offset on damaged volumes (found by the hostile-input sweep,
//! `crates/peerpressure/tests/hostile_sweep.rs`): ext4-view's `File::seek_to` skips blocks
//! ignoring errors, and the next read then panicked inside the crate. The adapter now reads
//! up to the offset itself. Fixture: the corpus's `hierarchy_64.ext4` (velociraptor test
//! data) as decompressed by `tests/fixtures.sh`.

use std::path::Path;
use std::rc::Rc;

use imagefs::{open_machine, MemorySource, Source};

fn hierarchy_64() -> Vec<u8> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/fixtures/containers-b/corpus/raw/hierarchy_64.ext4"
    ));
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()))
}

fn volume(bytes: Vec<u8>) -> imagefs::Machine {
    let source: Source = Rc::new(MemorySource::new("hierarchy_64.ext4", bytes));
    open_machine(vec![source]).expect("the superblock and root directory are in the first 256 KiB")
}

#[test]
fn reads_at_an_offset_match_the_whole_file() {
    let m = volume(hierarchy_64());
    let fs = &m.volumes[0].fs;
    let whole = fs.read_file("/thejungle.txt", 1 << 20).unwrap();
    assert_eq!(whole.len(), 849_597);
    for (offset, len) in [(0u64, 100u64), (1023, 2), (4096, 5000), (849_597 - 64, 128), (849_597, 10), (900_000, 1)] {
        let got = fs.read_range("/thejungle.txt", offset, len).unwrap();
        let start = (offset as usize).min(whole.len());
        let end = (start + len as usize).min(whole.len());
        assert_eq!(got, &whole[start..end], "offset {offset}, len {len}");
    }
}

#[test]
fn a_read_past_an_unreadable_block_is_an_error_not_a_panic() {
    let mut bytes = hierarchy_64();
    bytes.truncate(256 * 1024);
    let m = volume(bytes);
    let fs = &m.volumes[0].fs;
    let size = fs.metadata("/thejungle.txt").unwrap().size;
    assert_eq!(size, 849_597, "the inode is intact");
    // The data lies past the end of the truncated volume: an error naming the volume.
    let err = fs.read_range("/thejungle.txt", size - 64, 128).expect_err("data past the end of the volume");
    assert!(err.to_string().contains("hierarchy_64.ext4"), "{err}");
    assert!(fs.read_file("/thejungle.txt", 1 << 20).is_err());
}

#[test]
fn a_block_count_needing_more_group_descriptors_than_the_volume_holds_is_refused() {
    // Found by the container_vhd fuzz target: ext4-view sized its descriptor vector from the
    // superblock's block count (2 GB for a 10 KB image). Here: s_blocks_count_hi (offset
    // 0x150 of the superblock, 64bit feature set) raised to 2^16, i.e. 2^48 blocks.
    let mut bytes = hierarchy_64();
    bytes[1024 + 0x150..1024 + 0x154].copy_from_slice(&0x1_0000u32.to_le_bytes());
    let source: Source = Rc::new(MemorySource::new("hierarchy_64.ext4", bytes));
    match open_machine(vec![source]) {
        Err(imagefs::Error::Corrupt { structure: "ext superblock", detail, .. }) => {
            assert!(detail.contains("group descriptors"), "{detail}")
        }
        other => panic!("expected the superblock to be refused, got {other:?}"),
    }
}
