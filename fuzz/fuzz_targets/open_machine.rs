// SPDX-License-Identifier: GPL-3.0-or-later
//! Containers, partition tables and filesystems on arbitrary bytes: open, list, read.
#![no_main]

use std::rc::Rc;

use imagefs::{open_machine, MemorySource, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source: Source = Rc::new(MemorySource::new("fuzz.img", data.to_vec()));
    let Ok(machine) = open_machine(vec![source]) else { return };
    for volume in &machine.volumes {
        let Ok(entries) = volume.fs.read_dir("/") else { continue };
        for entry in entries.iter().take(16) {
            let path = format!("/{}", entry.name);
            if entry.is_dir {
                let _ = volume.fs.read_dir(&path);
            } else {
                let _ = volume.fs.read_range(&path, 0, 4096);
            }
        }
    }
});
