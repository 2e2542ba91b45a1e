// SPDX-License-Identifier: GPL-3.0-or-later
//! The browser read path, in a real dedicated worker in headless Chromium: a `Blob` read
//! through FileReaderSync + Blob.slice, under imagefs's cache, opened down to FAT files.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use imagefs::{open_machine, ReadAt, Source};
use wasm_bindgen_test::*;
use worker::BlobSource;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob(bytes: &[u8]) -> web_sys::Blob {
    let array = js_sys::Uint8Array::from(bytes);
    web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&array)).unwrap()
}

#[wasm_bindgen_test]
fn reads_exact_ranges_and_refuses_past_the_end() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let source = BlobSource::new("b.img", blob(&data)).unwrap();
    assert_eq!(source.size(), 100_000);
    let mut buf = vec![0; 1000];
    source.read_exact_at(99_000, &mut buf).unwrap();
    assert_eq!(buf, data[99_000..]);
    let err = source.read_exact_at(99_500, &mut buf).unwrap_err();
    assert!(err.to_string().contains("b.img"), "{err}");
}

/// A real MBR + FAT12 disk made by sfdisk and mtools (tests/fixtures.d/10-slice.sh),
/// embedded at compile time and handed to the worker's reader as a Blob.
#[wasm_bindgen_test]
fn opens_a_real_mbr_fat_image_lazily() {
    let image: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/slice/small.img"));
    let source: Source = Rc::new(BlobSource::new("small.img", blob(image)).unwrap());
    let machine = open_machine(vec![source]).unwrap();
    assert_eq!(machine.volumes.len(), 1);
    let text = machine.volumes[0].fs.read_file("/etc/hostname", 1024).unwrap();
    assert_eq!(text, b"small\n");
    let sshd = machine.volumes[0].fs.read_file("/ETC/SSH/SSHD_CONFIG", 1 << 20).unwrap();
    assert!(String::from_utf8_lossy(&sshd).contains("PasswordAuthentication yes"));
    // 2 MiB image: only metadata and two small files were read.
    assert!(machine.stats.bytes() < 512 * 1024, "read {} bytes", machine.stats.bytes());
}

/// One disk (2 MiB MBR + FAT12) converted by qemu-img into every container family and read
/// from a Blob: each must decode down to the same file.
fn open_small(name: &str, image: &[u8]) {
    let source: Source = Rc::new(BlobSource::new(name, blob(image)).unwrap());
    let machine = open_machine(vec![source]).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(machine.volumes.len(), 1, "{name}");
    let text = machine.volumes[0].fs.read_file("/etc/hostname", 1024).unwrap();
    assert_eq!(text, b"small\n", "{name}");
    assert!(machine.stats.bytes() < 1024 * 1024, "{name}: read {} bytes", machine.stats.bytes());
}

macro_rules! fixture {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/slice/", $file))
    };
}

#[wasm_bindgen_test]
fn vhd_dynamic_in_the_browser() {
    open_small("small.vhd", fixture!("small.vhd"));
}

#[wasm_bindgen_test]
fn vhdx_dynamic_in_the_browser() {
    open_small("small.vhdx", fixture!("small.vhdx"));
}

#[wasm_bindgen_test]
fn vmdk_sparse_in_the_browser() {
    open_small("small.vmdk", fixture!("small.vmdk"));
}

#[wasm_bindgen_test]
fn qcow2_compressed_in_the_browser() {
    open_small("small.qcow2", fixture!("small.qcow2"));
}

#[wasm_bindgen_test]
fn ova_in_the_browser() {
    open_small("small.ova", fixture!("small.ova"));
}
