// SPDX-License-Identifier: GPL-3.0-or-later
//! The hosted sparse extent header (`KDMV`), VMware Virtual Disk Format 1.1 §"Hosted Sparse
//! Extent Header". The same 512-byte layout is the footer of a streamOptimized extent.

use crate::{Error, ReadAt, Result};

/// `KDMV`, little-endian.
pub(super) const SPARSE_MAGIC: u32 = 0x564d_444b;

/// `gdOffset` value meaning "the grain directory location is in the footer" (streamOptimized).
pub(super) const GD_AT_END: u64 = u64::MAX;

/// Largest grain accepted, in sectors (8 MiB). VMware writes 128 (64 KiB); a compressed grain
/// is decompressed into a buffer of this size, so a hostile header must not choose it freely.
pub(super) const MAX_GRAIN_SECTORS: u64 = 1 << 14;

/// Largest grain table accepted, in entries. VMware and qemu write 512.
pub(super) const MAX_GTES_PER_GT: u32 = 1 << 16;

/// Flag: grains are compressed (streamOptimized).
const FLAG_COMPRESSED: u32 = 1 << 16;

/// The fields of a sparse extent header that reading needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SparseHeader {
    /// Format version (1, 2 or 3).
    pub(super) version: u32,
    /// Flags.
    pub(super) flags: u32,
    /// Size of the extent in sectors.
    pub(super) capacity: u64,
    /// Sectors per grain.
    pub(super) grain_size: u64,
    /// Sector of the embedded descriptor (0: none).
    pub(super) descriptor_offset: u64,
    /// Sectors of the embedded descriptor.
    pub(super) descriptor_size: u64,
    /// Entries per grain table.
    pub(super) gtes_per_gt: u32,
    /// Sector of the grain directory, or [`GD_AT_END`].
    pub(super) gd_offset: u64,
    /// Compression algorithm (0 none, 1 deflate).
    pub(super) compress_algorithm: u16,
}

fn u32_at(b: &[u8; 512], at: usize) -> u32 {
    let mut v = [0; 4];
    v.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(v)
}

fn u64_at(b: &[u8; 512], at: usize) -> u64 {
    let mut v = [0; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v)
}

impl SparseHeader {
    /// Reads and validates the header at `offset` of `source` (0, or the footer position).
    pub(super) fn read(source: &dyn ReadAt, offset: u64, structure: &'static str) -> Result<Self> {
        let mut b = [0u8; 512];
        source.read_exact_at(offset, &mut b)?;
        let corrupt = |detail: String| Error::Corrupt { file: source.name().to_owned(), structure, offset, detail };
        if u32_at(&b, 0) != SPARSE_MAGIC {
            return Err(corrupt(format!("magic is {:#010x}, not KDMV", u32_at(&b, 0))));
        }
        let header = Self {
            version: u32_at(&b, 4),
            flags: u32_at(&b, 8),
            capacity: u64_at(&b, 12),
            grain_size: u64_at(&b, 20),
            descriptor_offset: u64_at(&b, 28),
            descriptor_size: u64_at(&b, 36),
            gtes_per_gt: u32_at(&b, 44),
            gd_offset: u64_at(&b, 56),
            compress_algorithm: u16::from_le_bytes([b[77], b[78]]),
        };
        if !(1..=3).contains(&header.version) {
            return Err(Error::Unsupported {
                file: source.name().to_owned(),
                structure,
                offset,
                detail: format!("sparse extent version {}", header.version),
            });
        }
        if !header.grain_size.is_power_of_two() || header.grain_size > MAX_GRAIN_SECTORS {
            return Err(corrupt(format!(
                "grain size {} sectors is not a power of two up to {MAX_GRAIN_SECTORS}",
                header.grain_size
            )));
        }
        if header.gtes_per_gt == 0 || header.gtes_per_gt > MAX_GTES_PER_GT {
            return Err(corrupt(format!("{} entries per grain table (1 to {MAX_GTES_PER_GT})", header.gtes_per_gt)));
        }
        if header.capacity.checked_mul(512).is_none() {
            return Err(corrupt(format!("capacity of {} sectors overflows", header.capacity)));
        }
        if header.compressed() && header.compress_algorithm != 1 {
            return Err(Error::Unsupported {
                file: source.name().to_owned(),
                structure,
                offset,
                detail: format!("compression algorithm {}", header.compress_algorithm),
            });
        }
        Ok(header)
    }

    /// Whether grains are deflate-compressed with a grain marker in front.
    pub(super) fn compressed(&self) -> bool {
        self.flags & FLAG_COMPRESSED != 0 && self.compress_algorithm != 0
    }

    /// Number of grain directory entries covering the capacity.
    pub(super) fn gd_entries(&self) -> u64 {
        let per_gt = self.grain_size * u64::from(self.gtes_per_gt);
        self.capacity.div_ceil(per_gt)
    }
}
