// SPDX-License-Identifier: GPL-3.0-or-later
//! The scanned machine's OS name comes from SOFTWARE's CurrentVersion key on Windows.
//! Fixture: tests/fixtures.d/40-registry.sh (FAT volume with SOFTWARE merged by hivexregedit
//! from the corpus's real v2v Windows 10 .reg export).

use std::path::PathBuf;
use std::rc::Rc;

use settings::{scan_machine, ExtractionProfile};

#[test]
fn windows_edition_and_build_from_the_software_hive() {
    let img = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/registry/peer-a-fat.img"));
    assert!(img.exists(), "{} is missing: run tests/fixtures.sh", img.display());
    let source: imagefs::Source = Rc::new(imagefs::FileSource::open(&img).unwrap());
    let machine = imagefs::open_machine(vec![source]).unwrap();
    assert_eq!(machine.os.as_ref().map(|o| o.name.as_str()), Some("Windows"));
    let scan = scan_machine(&machine, &ExtractionProfile::default());
    assert_eq!(scan.os.as_deref(), Some("Windows 10 Enterprise Evaluation (build 17763)"));
}
