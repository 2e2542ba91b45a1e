// SPDX-License-Identifier: GPL-3.0-or-later
//! Hives crafted to make a walk do unbounded work: subkey lists that repeat the same keys
//! (index roots pointing to one leaf many times) and value lists that repeat one big-data
//! value. Both are built on the real `hivex/minimal` hive (its base block and root key),
//! with one extra hive bin laid out as in the regf specification (Suhanov, "Windows registry
//! file format specification": `hbin` header, cells with a negative size when allocated,
//! `nk`, `li`, `ri`, `vk`, `db`). Before the walk budgets each of them ran for minutes and
//! asked for gigabytes.

use std::path::Path;
use std::time::{Duration, Instant};

use settings::registry::hive::{base_block_checksum, Hive};
use settings::registry::walk::walk;
use settings::registry::walk_hive;

/// What a walk of either hive may take at most, in a debug build.
const LIMIT: Duration = Duration::from_secs(3);

fn minimal() -> Vec<u8> {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/registry/hivex/minimal"));
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e} (the corpus is ../shared/corpus)", path.display()))
}

/// A hive bin under construction: cells are appended, offsets are relative to the start
/// of the hive bins (as every cell reference is).
struct Bin {
    base: u32,
    bytes: Vec<u8>,
}

impl Bin {
    fn new(base: u32) -> Self {
        let mut bytes = b"hbin".to_vec();
        bytes.extend_from_slice(&base.to_le_bytes());
        bytes.resize(32, 0);
        Self { base, bytes }
    }

    /// Offset the next cell will get.
    fn next(&self) -> u32 {
        self.base + self.bytes.len() as u32
    }

    /// Appends an allocated cell holding `data`, 8-byte aligned; returns its offset.
    fn cell(&mut self, data: &[u8]) -> u32 {
        let at = self.next();
        let size = (data.len() + 4).div_ceil(8) * 8;
        self.bytes.extend_from_slice(&(-(size as i32)).to_le_bytes());
        self.bytes.extend_from_slice(data);
        self.bytes.resize(self.bytes.len() + size - 4 - data.len(), 0);
        at
    }

    /// The hive: `minimal` with this bin appended, its root key patched by `root`.
    fn into_hive(mut self, root: impl FnOnce(&mut [u8])) -> Vec<u8> {
        let mut hive = minimal();
        let size = self.bytes.len().div_ceil(4096) * 4096;
        self.bytes.resize(size, 0);
        self.bytes[8..12].copy_from_slice(&(size as u32).to_le_bytes());
        let bins_end = 4096 + self.base as usize;
        hive.truncate(bins_end);
        hive.extend_from_slice(&self.bytes);
        // Hive bins data size, and minor version 5 (big data needs 1.4 or later).
        hive[40..44].copy_from_slice(&((self.base as usize + size) as u32).to_le_bytes());
        hive[24..28].copy_from_slice(&5u32.to_le_bytes());
        let root_cell = u32::from_le_bytes([hive[36], hive[37], hive[38], hive[39]]) as usize;
        root(&mut hive[4096 + root_cell + 4..]);
        let sum = base_block_checksum(&hive).expect("base block");
        hive[508..512].copy_from_slice(&sum.to_le_bytes());
        hive
    }
}

fn root_nk(hive: &[u8]) -> Vec<u8> {
    let root = u32::from_le_bytes([hive[36], hive[37], hive[38], hive[39]]) as usize;
    let size = i32::from_le_bytes([hive[4096 + root], hive[4097 + root], hive[4098 + root], hive[4099 + root]]);
    hive[4096 + root + 4..4096 + root + size.unsigned_abs() as usize].to_vec()
}

fn put(cell: &mut [u8], at: usize, v: u32) {
    cell[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn subkey_lists_repeating_the_same_keys_stop_at_the_reference_budget() {
    // 2000 keys; each lists, through an index root with 3 entries pointing to one leaf of
    // 65535 items, those same keys again: 196,605 references per key, 393 million in all.
    const KEYS: u32 = 2000;
    let base = u32::from_le_bytes(minimal()[40..44].try_into().unwrap());
    let template = root_nk(&minimal());
    let mut bin = Bin::new(base);
    let nk_size = (template.len() + 4).div_ceil(8) as u32 * 8;
    let first = bin.next();
    let leaf_at = first + KEYS * nk_size;
    let leaf_size = (4 + 4 * 65535 + 4u32).div_ceil(8) * 8;
    let ri_at = leaf_at + leaf_size;
    for _ in 0..KEYS {
        let mut nk = template.clone();
        put(&mut nk, 20, 1); // subkey count (non-zero: the list is read)
        put(&mut nk, 28, ri_at);
        put(&mut nk, 36, 0); // no values
        bin.cell(&nk);
    }
    let mut leaf = b"li".to_vec();
    leaf.extend_from_slice(&65535u16.to_le_bytes());
    for i in 0..65535u32 {
        leaf.extend_from_slice(&(first + (i % KEYS) * nk_size).to_le_bytes());
    }
    assert_eq!(bin.cell(&leaf), leaf_at);
    let mut ri = b"ri".to_vec();
    ri.extend_from_slice(&3u16.to_le_bytes());
    for _ in 0..3 {
        ri.extend_from_slice(&leaf_at.to_le_bytes());
    }
    assert_eq!(bin.cell(&ri), ri_at);
    let bytes = bin.into_hive(|root| {
        put(root, 20, 1);
        put(root, 28, ri_at);
    });

    let hive = Hive::new(&bytes, "fanout").expect("the crafted hive opens");
    let start = Instant::now();
    let stats = walk(&hive, hive.root().unwrap(), |_| {});
    let took = start.elapsed();
    assert!(took < LIMIT, "walk took {took:?}");
    assert!(stats.truncated, "the walk must say it stopped early");
    assert!(stats.keys <= KEYS as usize + 1, "{} keys visited, only {} exist", stats.keys, KEYS + 1);
}

#[test]
fn value_lists_repeating_one_big_value_stop_at_the_data_budget() {
    // One 4,000,000-byte big-data value (245 segments, all the same 16,344-byte cell), listed
    // 20,000 times by the root key: 80 GB to copy before the data budget.
    const SIZE: u32 = 4_000_000;
    const SEGMENT: u32 = 16_344;
    const LISTED: u32 = 20_000;
    let base = u32::from_le_bytes(minimal()[40..44].try_into().unwrap());
    let mut bin = Bin::new(base);
    let segment = bin.cell(&vec![0x41; SEGMENT as usize]);
    let segments = SIZE.div_ceil(SEGMENT);
    let list: Vec<u8> = (0..segments).flat_map(|_| segment.to_le_bytes()).collect();
    let list_at = bin.cell(&list);
    let mut db = b"db".to_vec();
    db.extend_from_slice(&(segments as u16).to_le_bytes());
    db.extend_from_slice(&list_at.to_le_bytes());
    let db_at = bin.cell(&db);
    let mut vk = b"vk".to_vec();
    vk.extend_from_slice(&0u16.to_le_bytes()); // name length: the default value
    vk.extend_from_slice(&SIZE.to_le_bytes());
    vk.extend_from_slice(&db_at.to_le_bytes());
    vk.extend_from_slice(&3u32.to_le_bytes()); // REG_BINARY
    vk.extend_from_slice(&1u16.to_le_bytes()); // name stored as Latin-1
    vk.extend_from_slice(&0u16.to_le_bytes());
    let vk_at = bin.cell(&vk);
    let values: Vec<u8> = (0..LISTED).flat_map(|_| vk_at.to_le_bytes()).collect();
    let values_at = bin.cell(&values);
    let bytes = bin.into_hive(|root| {
        put(root, 36, LISTED);
        put(root, 40, values_at);
    });

    let hive = Hive::new(&bytes, "bigdata").expect("the crafted hive opens");
    let start = Instant::now();
    let stats = walk(&hive, hive.root().unwrap(), |v| {
        assert_eq!(v.data.as_ref().map(|d| d.len()).ok(), Some(SIZE as usize), "the value itself reads whole");
    });
    let took = start.elapsed();
    assert!(took < LIMIT, "walk took {took:?}");
    assert!(stats.truncated, "the walk must say it stopped early");
    assert!(stats.values < 4, "{} copies of a 4 MB value read from a {}-byte hive", stats.values, bytes.len());
    // The export walk stops the same way.
    let start = Instant::now();
    let (values, _) = walk_hive(&hive).expect("walk");
    assert!(values.len() < 4 && start.elapsed() < LIMIT);
}
