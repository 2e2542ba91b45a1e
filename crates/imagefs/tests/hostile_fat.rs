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
