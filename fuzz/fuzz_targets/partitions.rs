// SPDX-License-Identifier: GPL-3.0-or-later
//! MBR (with extended/logical chains) and GPT (primary and backup header, entry array):
//! the input is a whole disk; every partition found is opened and its first sector read.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let disk = common::source("fuzz.img", data);
    let Ok((_, parts)) = imagefs::partition::read_partitions(&*disk) else { return };
    let mut sector = [0u8; 512];
    for p in &parts {
        if let Ok(slice) = p.open(&disk) {
            let n = slice.size().min(512) as usize;
            let _ = slice.read_exact_at(0, &mut sector[..n]);
        }
    }
});
