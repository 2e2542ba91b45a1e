// SPDX-License-Identifier: GPL-3.0-or-later
//! A FAT directory entry claiming more bytes than its volume holds (the corpus's `fat12.img`,
//! from rust-fatfs, with the 32-bit size field of `LONG.TXT`'s short entry, offset 28 per the
//! FAT specification, raised to 400 MB): reading it is an error, not a 400 MB allocation
//! filled from a 1 MB image. Fixture: `tests/fixtures.sh` (decompressed corpus).

use std::path::Path;
use std::rc::Rc;

use imagefs::{open_machine, Error, MemorySource, Source};

fn fat12(long_txt_size: Option<u32>) -> imagefs::Machine {
    let path =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/containers-b/corpus/raw/fat12.img"));
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()));
    if let Some(size) = long_txt_size {
        let entry = bytes.windows(11).position(|w| w == b"LONG    TXT").expect("the short entry of long.txt");
        bytes[entry + 28..entry + 32].copy_from_slice(&size.to_le_bytes());
    }
    let source: Source = Rc::new(MemorySource::new("fat12.img", bytes));
    open_machine(vec![source]).unwrap()
}

#[test]
fn a_file_larger_than_its_volume_is_refused() {
    let m = fat12(None);
    assert_eq!(m.volumes[0].fs.read_file("/long.txt", 1 << 20).unwrap().len(), 14_000);

    let m = fat12(Some(400_000_000));
    let fs = &m.volumes[0].fs;
    assert_eq!(fs.metadata("/long.txt").unwrap().size, 400_000_000);
    for result in [fs.read_file("/long.txt", 512 << 20), fs.read_range("/long.txt", 0, 100)] {
        match result {
            Err(Error::Filesystem { ref message, .. }) => assert!(message.contains("more than the"), "{message}"),
            other => panic!("expected the size to be refused, got {:?}", other.map(|b| b.len())),
        }
    }
}

/// A FAT32 directory entry whose first cluster (high word at offset 20, low word at 26 of the
/// short entry, per the FAT specification) is above 2^30: fatfs 0.3.6 computed the FAT
/// entry's offset as `cluster * 4` in 32 bits and panicked on the overflow (found by fuzzing);
/// the vendored copy (vendor/fatfs) computes it in 64 bits and the read fails cleanly.
#[test]
fn a_first_cluster_beyond_any_fat_is_an_error() {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/fat32/fat32.img"));
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()));
    let m = open_machine(vec![Rc::new(MemorySource::new("fat32.img", bytes.clone())) as Source]).unwrap();
    assert_eq!(m.volumes[0].fs.read_file("/long.txt", 1 << 20).unwrap().len(), 14_000);

    let entry = bytes.windows(11).position(|w| w == b"LONG    TXT").expect("the short entry of LONG.TXT");
    bytes[entry + 20..entry + 22].copy_from_slice(&0x4000u16.to_le_bytes());
    bytes[entry + 26..entry + 28].copy_from_slice(&0x0003u16.to_le_bytes());
    let m = open_machine(vec![Rc::new(MemorySource::new("fat32.img", bytes)) as Source]).unwrap();
    let fs = &m.volumes[0].fs;
    for result in [fs.read_file("/long.txt", 1 << 20), fs.read_range("/long.txt", 0, 100)] {
        assert!(result.is_err(), "a first cluster of 0x40000003 read as {:?}", result.map(|b| b.len()));
    }
}

/// Replays a fuzz input the way its target (fuzz/fuzz_targets, fuzz/common) feeds it:
/// split off the optional second file (4-byte length prefix), let `prepare` force the
/// family's magic, open the container, then walk every partition's filesystem reading the
/// start and the tail of each file (the tail read seeks along the cluster chain). Returns
/// the number of files reached.
fn replay_fuzz_input(input: &str, top_name: &str, parent_name: &str, prepare: impl Fn(Vec<u8>) -> Vec<u8>) -> usize {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/fat32")).join(input);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()));
    let len = u32::from_le_bytes(data[..4].try_into().unwrap()) as usize;
    let (top, other) =
        if len <= data.len() - 4 { (data[4..4 + len].to_vec(), &data[4 + len..]) } else { (data.clone(), &data[..0]) };
    let top: Source = Rc::new(MemorySource::new(top_name, prepare(top)));
    let mut files = vec![Rc::clone(&top)];
    if !other.is_empty() {
        files.push(Rc::new(MemorySource::new(parent_name, other.to_vec())));
    }
    let disk = imagefs::container::open_disk(top, &imagefs::container::FileSet::new(files)).expect("the image opens");
    let (_, parts) = imagefs::partition::read_partitions(&*disk.source).expect("a partition table");
    let mut read = 0;
    for part in parts.iter().take(8) {
        let Ok(Some(fs)) = part.open(&disk.source).and_then(imagefs::fs::open_filesystem) else { continue };
        let mut dirs = vec!["/".to_owned()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = fs.read_dir(&dir) else { continue };
            for e in entries.iter().take(64) {
                let path = if dir == "/" { format!("/{}", e.name) } else { format!("{dir}/{}", e.name) };
                let _ = fs.metadata(&path);
                if e.is_dir && dirs.len() < 64 {
                    dirs.push(path);
                } else {
                    let _ = fs.read_range(&path, 0, 4096);
                    let _ = fs.read_range(&path, e.size.saturating_sub(100), 200);
                    read += 1;
                }
            }
        }
    }
    read
}

/// The input with which `fuzz/run.sh` (target `container_qcow2`) made fatfs 0.3.6 overflow
/// `cluster * 4` in 32 bits (a panic with overflow checks, the wrong FAT entry without): a
/// FAT32 directory entry with a first cluster above 2^30.
#[test]
fn the_fuzzed_qcow2_that_overflowed_fatfs_reads_without_a_panic() {
    let read = replay_fuzz_input("fuzz-container_qcow2-fatfs-overflow", "fuzz.qcow2", "parent.qcow2", |mut top| {
        top[..4].copy_from_slice(b"QFI\xfb");
        top
    });
    assert!(read > 0, "the volume's files were reached");
}

/// The input with which `fuzz/run.sh` (target `container_vhd`) made fatfs 0.3.6 overflow
/// `first_data_sector + (cluster - 2) * sectors_per_cluster` in 32 bits: a cluster number
/// below 2 or far beyond the volume. The vendored copy computes the offset in 64 bits.
#[test]
fn the_fuzzed_vhd_that_overflowed_fatfs_reads_without_a_panic() {
    let read = replay_fuzz_input("fuzz-container_vhd-fatfs-cluster", "fuzz.vhd", "parent.vhd", |mut top| {
        let tail = top.len().checked_sub(512).map(|at| top[at..].starts_with(b"conectix"));
        if !top.starts_with(b"conectix") && tail != Some(true) {
            top[..8].copy_from_slice(b"conectix");
        }
        top
    });
    assert!(read > 0, "the volume's files were reached");
}

/// A FAT16 directory (`/ETC/DEFAULT`) whose cluster chain points to itself, made by mkfs.fat
/// and mtools and patched by the probe's `fat-loop.py` (tests/fixtures.d/95-resource.sh):
/// listing it is an error naming the loop, at once, instead of 65,536 repeated entries.
#[test]
fn a_directory_whose_cluster_chain_loops_is_an_error() {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/resource/f5-loop.img"));
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}: run tests/fixtures.sh", path.display()));
    let m = open_machine(vec![Rc::new(MemorySource::new("f5-loop.img", bytes)) as Source]).unwrap();
    let fs = &m.volumes[0].fs;
    assert!(fs.read_dir("/etc").unwrap().iter().any(|e| e.name == "DEFAULT" && e.is_dir));
    match fs.read_dir("/etc/default") {
        Err(Error::Filesystem { path, message, .. }) => {
            assert_eq!(path, "/etc/default");
            assert!(message.contains("cluster chain loops"), "{message}");
        }
        other => panic!("expected the loop to be an error, got {other:?}"),
    }
}
