// SPDX-License-Identifier: GPL-3.0-or-later
//! Content fingerprints of dropped machines: the key of the settings cache in the peer
//! database ([`crate::store`]), computed in the page without reading whole images.
//!
//! In the page rather than in a worker: a cache hit then starts no worker at all (a worker
//! costs a wasm instantiation), and the reads are few enough for async
//! `Blob.slice().arrayBuffer()` calls, batched per file.
//!
//! # What is hashed, and why
//!
//! SHA-256 over, for every file of the machine (in an order-independent way):
//! - its name (and `webkitRelativePath` when it has one), its size and its `lastModified`
//!   time (milliseconds);
//! - its content where it is small (up to [`WHOLE_FILE_LIMIT`]: configuration files,
//!   descriptors, small disks are hashed whole);
//! - for larger files: the first and last [`EDGE`] bytes (container headers and footers,
//!   partition tables, the GPT backup) and [`BLOCKS`] blocks of [`BLOCK`] bytes spread
//!   evenly in between, each with its offset;
//!
//! and over the extractor's identity ([`extractor_identity`]: the app version and the
//! built-in extraction profile), so settings extracted by other rules are never reused.
//!
//! # Trade-off
//!
//! Reading 4 MiB of a 20 GiB image in 64 reads costs a few tens of milliseconds (in the
//! page every Blob read costs about a millisecond, whatever its size: the number of reads
//! matters, so the samples are few and large); hashing it whole would take minutes, longer
//! than extracting its settings (which reads a few MiB). The price
//! is that two images differing only outside the sampled blocks look the same. Peers are
//! clones of one golden image, so *content sampling alone* is not enough: a clone with one
//! edited `sshd_config` usually differs in a single 4 KiB filesystem block. What makes a false hit
//! improbable is the metadata: an image edited in place (the VM ran, or was fixed and
//! exported again) gets a new `lastModified`, and distinct clones rarely share name, size
//! and modification time to the millisecond *and* every sampled block. A file copied
//! without its time (`cp` without `-p`) merely misses the cache. The card of a machine
//! whose settings came from the cache says so, and "Clear stored data" drops the cache.

use std::ops::Range;

use sha2::{Digest, Sha256};

/// Files up to this size are hashed whole: the sampling would read most of them anyway.
pub(crate) const WHOLE_FILE_LIMIT: u64 = 2 * EDGE + BLOCKS * BLOCK;
/// Bytes hashed at each end of a large file.
pub(crate) const EDGE: u64 = 64 * 1024;
/// Size of each sampled block (16 filesystem blocks: large, because reads are what cost).
pub(crate) const BLOCK: u64 = 64 * 1024;
/// Sampled blocks between the two ends of a large file: 3.9 MiB in all, read in one batch.
pub(crate) const BLOCKS: u64 = 62;

/// Format tag of the hash input: changing what is hashed changes the tag, so old cache
/// entries can never be found with a new scheme.
const SCHEME: &[u8] = b"vmsift-fingerprint-v1\0";

/// The byte ranges of a file of `size` bytes that go into the fingerprint, in increasing,
/// non-overlapping order, all within `0..size`.
pub(crate) fn plan(size: u64) -> Vec<Range<u64>> {
    if size <= WHOLE_FILE_LIMIT {
        // One range, the whole file (not the bytes 0 to size).
        #[allow(clippy::single_range_in_vec_init)]
        return if size == 0 { Vec::new() } else { vec![0..size] };
    }
    let mut ranges = Vec::with_capacity(BLOCKS as usize + 2);
    ranges.push(0..EDGE);
    // Blocks evenly spaced over the middle, block-aligned; size > WHOLE_FILE_LIMIT keeps
    // them clear of the two ends.
    let middle = EDGE..size - EDGE;
    let span = (middle.end - middle.start) / BLOCK;
    for i in 0..BLOCKS {
        let start = middle.start + (i * span / BLOCKS) * BLOCK;
        ranges.push(start..start + BLOCK);
    }
    ranges.push(size - EDGE..size);
    ranges
}

/// One file's part of the fingerprint, fed its metadata, then the bytes of [`plan`]'s ranges.
#[derive(Debug, Clone)]
pub(crate) struct FileHasher {
    hasher: Sha256,
}

impl FileHasher {
    /// Starts a file: `name` (with its relative path, if any), `size` in bytes and
    /// `last_modified` (milliseconds since the epoch, as the browser gives it).
    pub(crate) fn new(name: &str, size: u64, last_modified: f64) -> Self {
        let mut hasher = Sha256::new();
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(size.to_le_bytes());
        hasher.update(last_modified.to_bits().to_le_bytes());
        Self { hasher }
    }

    /// Adds the bytes of one planned range starting at `offset`.
    pub(crate) fn block(&mut self, offset: u64, bytes: &[u8]) {
        self.hasher.update(offset.to_le_bytes());
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
    }

    /// The file's digest.
    pub(crate) fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

/// The machine's fingerprint from its files' digests, in any order, as 64 hex digits.
/// `extractor` is [`extractor_identity`] (a parameter so tests can vary it).
pub(crate) fn combine(extractor: &[u8], mut files: Vec<[u8; 32]>) -> String {
    // Sorted: the same files dropped in another order (a folder read differently) are the
    // same machine.
    files.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(SCHEME);
    hasher.update((extractor.len() as u64).to_le_bytes());
    hasher.update(extractor);
    hasher.update((files.len() as u64).to_le_bytes());
    for f in &files {
        hasher.update(f);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What determines the settings extracted from identical bytes: the app's version and
/// the built-in extraction profile (the pool always uses it).
pub(crate) fn extractor_identity() -> Vec<u8> {
    let profile = serde_json::to_vec(&model::ExtractionProfile::default()).unwrap_or_default();
    let mut id = Sha256::new();
    id.update(env!("CARGO_PKG_VERSION").as_bytes());
    id.update([0]);
    id.update(&profile);
    id.finalize().to_vec()
}

pub(crate) use browser::machine;

mod browser {
    use js_sys::{Array, Promise, Reflect, Uint8Array};
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::JsFuture;

    use super::{combine, extractor_identity, plan, FileHasher};

    /// The fingerprint of a machine made of `files`: reads [`plan`]'s ranges of each file
    /// with `Blob.slice().arrayBuffer()` (all ranges of a file in one batch).
    ///
    /// # Errors
    /// A message when the browser cannot read a file (it was moved or deleted).
    pub(crate) async fn machine(files: &[web_sys::File]) -> Result<String, String> {
        let mut digests = Vec::with_capacity(files.len());
        for file in files {
            let size = file.size() as u64;
            let relative =
                Reflect::get(file, &JsValue::from_str("webkitRelativePath")).ok().and_then(|v| v.as_string());
            let name = match relative {
                Some(r) if !r.is_empty() => r,
                _ => file.name(),
            };
            let mut hasher = FileHasher::new(&name, size, file.last_modified());
            let ranges = plan(size);
            let reads = Array::new();
            for r in &ranges {
                // f64 holds every offset below 2^53 exactly: 8 PiB.
                let slice = file
                    .slice_with_f64_and_f64(r.start as f64, r.end as f64)
                    .map_err(|e| format!("{name} could not be read: {e:?}"))?;
                reads.push(&slice.array_buffer());
            }
            let buffers =
                JsFuture::from(Promise::all(&reads)).await.map_err(|e| format!("{name} could not be read: {e:?}"))?;
            let buffers: Array = buffers.into();
            for (r, buffer) in ranges.iter().zip(buffers.iter()) {
                let bytes = Uint8Array::new(&buffer).to_vec();
                if bytes.len() as u64 != r.end - r.start {
                    return Err(format!("{name} changed while it was read"));
                }
                hasher.block(r.start, &bytes);
            }
            digests.push(hasher.finish());
        }
        Ok(combine(&extractor_identity(), digests))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(files: &[(&str, &[u8], f64)]) -> String {
        let digests = files
            .iter()
            .map(|(name, bytes, time)| {
                let mut h = FileHasher::new(name, bytes.len() as u64, *time);
                for r in plan(bytes.len() as u64) {
                    h.block(r.start, &bytes[r.start as usize..r.end as usize]);
                }
                h.finish()
            })
            .collect();
        combine(&extractor_identity(), digests)
    }

    #[test]
    // One whole-file range is exactly what the plan of a small file should be.
    #[allow(clippy::single_range_in_vec_init)]
    fn plan_covers_small_files_whole_and_samples_large_ones_in_bounds() {
        assert!(plan(0).is_empty());
        assert_eq!(plan(1), [0..1]);
        assert_eq!(plan(WHOLE_FILE_LIMIT), [0..WHOLE_FILE_LIMIT]);
        for size in [WHOLE_FILE_LIMIT + 1, 16 << 20, (20 << 30) + 12345, u64::MAX / 2] {
            let ranges = plan(size);
            assert_eq!(ranges.len() as u64, BLOCKS + 2, "size {size}");
            assert_eq!(ranges[0], 0..EDGE);
            assert_eq!(ranges.last(), Some(&(size - EDGE..size)));
            for pair in ranges.windows(2) {
                assert!(pair[0].end <= pair[1].start, "{pair:?} overlap or out of order at size {size}");
            }
            let read: u64 = ranges.iter().map(|r| r.end - r.start).sum();
            assert!(read <= WHOLE_FILE_LIMIT, "reads {read} bytes of {size}");
        }
        // The blocks spread over the whole middle: the last one is in its last tenth.
        let ranges = plan(20 << 30);
        let last_block = &ranges[BLOCKS as usize];
        assert!(last_block.start > (20u64 << 30) / 10 * 9, "{last_block:?}");
    }

    #[test]
    fn any_sampled_byte_name_size_or_time_changes_the_fingerprint() {
        let size = (WHOLE_FILE_LIMIT + 3 * 4096 + 7) as usize;
        let image: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let base = fingerprint(&[("disk.img", &image, 1.0e12)]);
        assert_eq!(base.len(), 64);
        assert_eq!(base, fingerprint(&[("disk.img", &image, 1.0e12)]), "deterministic");
        assert_ne!(base, fingerprint(&[("disk2.img", &image, 1.0e12)]));
        assert_ne!(base, fingerprint(&[("disk.img", &image, 1.0e12 + 1.0)]));
        assert_ne!(base, fingerprint(&[("disk.img", &image[..size - 1], 1.0e12)]));
        for r in plan(size as u64) {
            for at in [r.start, r.end - 1] {
                let mut edited = image.clone();
                edited[at as usize] ^= 1;
                assert_ne!(base, fingerprint(&[("disk.img", &edited, 1.0e12)]), "byte {at} is sampled");
            }
        }
    }

    #[test]
    fn file_order_does_not_matter_but_membership_does() {
        let (a, b) = (b"vmx config".as_slice(), vec![7u8; 5000]);
        let ab = fingerprint(&[("vm.vmx", a, 1.0), ("disk.vmdk", &b, 2.0)]);
        assert_eq!(ab, fingerprint(&[("disk.vmdk", &b, 2.0), ("vm.vmx", a, 1.0)]));
        assert_ne!(ab, fingerprint(&[("disk.vmdk", &b, 2.0)]));
        assert_ne!(
            combine(b"other extractor", vec![]),
            combine(&extractor_identity(), vec![]),
            "the extractor is part of the key"
        );
    }
}
