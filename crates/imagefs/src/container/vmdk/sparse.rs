// SPDX-License-Identifier: GPL-3.0-or-later
//! Reading a hosted sparse extent: grain directory → grain table → grain, with deflated
//! grains behind grain markers for streamOptimized extents.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use super::header::{SparseHeader, GD_AT_END};
use crate::{read_in_blocks, read_vec, Error, ReadAt, Result, Source};

/// Decompressed grains kept; filesystems read a grain in many small pieces.
const GRAIN_CACHE: usize = 8;

/// Largest compressed grain accepted beyond the grain size itself: deflate expands
/// incompressible data by a few bytes per 16 KiB block.
const MAX_DEFLATE_OVERHEAD: u64 = 64 * 1024;

/// Where the bytes of a grain are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    /// Not allocated here: the parent's bytes, or zeros.
    Unallocated,
    /// Allocated as zeros.
    Zero,
    /// Raw bytes at this absolute offset of the extent file.
    At(u64),
    /// A grain marker and deflated data at this absolute offset.
    Compressed(u64),
}

/// An opened sparse extent.
pub(super) struct SparseExtent {
    source: Source,
    header: SparseHeader,
    /// Grain directory: sector of each grain table (0: not allocated).
    gd: Vec<u32>,
    grain_bytes: u64,
    cache: RefCell<Vec<(u64, Rc<[u8]>)>>,
}

impl std::fmt::Debug for SparseExtent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparseExtent").field("file", &self.source.name()).field("header", &self.header).finish()
    }
}

impl SparseExtent {
    /// Opens the extent in `source` whose header is `header`; reads the grain directory,
    /// which for streamOptimized extents may be located by the footer.
    pub(super) fn open(source: Source, header: SparseHeader) -> Result<Self> {
        let mut header = header;
        if header.gd_offset == GD_AT_END {
            // Footer marker, footer, end-of-stream marker: the footer is the next-to-last sector.
            let at = source.size().checked_sub(1024).ok_or_else(|| Error::Corrupt {
                file: source.name().to_owned(),
                structure: "VMDK footer",
                offset: 0,
                detail: "the grain directory is at the end but the file has no footer".into(),
            })?;
            let footer = SparseHeader::read(&*source, at, "VMDK footer")?;
            if footer.gd_offset == GD_AT_END || footer.capacity != header.capacity {
                return Err(Error::Corrupt {
                    file: source.name().to_owned(),
                    structure: "VMDK footer",
                    offset: at,
                    detail: "the footer does not locate the grain directory".into(),
                });
            }
            header = footer;
        }
        let entries = header.gd_entries();
        let gd_at = header.gd_offset.checked_mul(512).ok_or_else(|| Error::Corrupt {
            file: source.name().to_owned(),
            structure: "VMDK header",
            offset: 56,
            detail: format!("grain directory sector {} overflows", header.gd_offset),
        })?;
        // read_vec checks the length against the file size before allocating.
        let raw = read_vec(&*source, gd_at, entries.saturating_mul(4))?;
        let gd = raw.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let grain_bytes = header.grain_size * 512;
        Ok(Self { source, header, gd, grain_bytes, cache: RefCell::new(Vec::new()) })
    }

    /// The extent file.
    pub(super) fn source(&self) -> &Source {
        &self.source
    }

    /// Size of the extent in bytes.
    pub(super) fn size(&self) -> u64 {
        self.header.capacity * 512
    }

    /// Looks up grain `index` (grain-sized units from the extent's start).
    fn grain(&self, index: u64) -> Result<Grain> {
        let per_gt = u64::from(self.header.gtes_per_gt);
        let Some(&gt_sector) = usize::try_from(index / per_gt).ok().and_then(|i| self.gd.get(i)) else {
            return Ok(Grain::Unallocated);
        };
        if gt_sector == 0 {
            return Ok(Grain::Unallocated);
        }
        let at = u64::from(gt_sector) * 512 + (index % per_gt) * 4;
        let mut gte = [0u8; 4];
        self.source.read_exact_at(at, &mut gte)?;
        Ok(match u32::from_le_bytes(gte) {
            0 => Grain::Unallocated,
            // Sector 1 is inside the header, so 1 can only mean "zeroed" (the zeroed-grain
            // flag, or a version 1 writer that never used it).
            1 => Grain::Zero,
            sector if self.header.compressed() => Grain::Compressed(u64::from(sector) * 512),
            sector => Grain::At(u64::from(sector) * 512),
        })
    }

    /// Decompresses the grain whose marker is at `at`, checking that the marker names
    /// grain `index`.
    fn inflate(&self, index: u64, at: u64) -> Result<Rc<[u8]>> {
        if let Some((_, data)) = self.cache.borrow().iter().find(|(i, _)| *i == index) {
            return Ok(Rc::clone(data));
        }
        let corrupt = |detail: String| Error::Corrupt {
            file: self.source.name().to_owned(),
            structure: "VMDK grain marker",
            offset: at,
            detail,
        };
        let mut marker = [0u8; 12];
        self.source.read_exact_at(at, &mut marker)?;
        let mut lba = [0u8; 8];
        lba.copy_from_slice(&marker[..8]);
        let lba = u64::from_le_bytes(lba);
        let size = u64::from(u32::from_le_bytes([marker[8], marker[9], marker[10], marker[11]]));
        let expected = index * self.header.grain_size;
        if lba != expected {
            return Err(corrupt(format!(
                "marker is for sector {lba}, the grain table points here for sector {expected}"
            )));
        }
        if size == 0 || size > self.grain_bytes + MAX_DEFLATE_OVERHEAD {
            return Err(corrupt(format!("compressed size {size} for a {}-byte grain", self.grain_bytes)));
        }
        let packed = read_vec(&*self.source, at + 12, size)?;
        // grain_bytes is at most MAX_GRAIN_SECTORS * 512 (8 MiB), validated with the header.
        let mut data = Vec::with_capacity(self.grain_bytes as usize);
        flate2::read::ZlibDecoder::new(&packed[..])
            .take(self.grain_bytes)
            .read_to_end(&mut data)
            .map_err(|e| corrupt(format!("deflate stream: {e}")))?;
        // A last, partial grain may inflate to fewer bytes: the rest reads as zeros.
        data.resize(self.grain_bytes as usize, 0);
        let data: Rc<[u8]> = data.into();
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= GRAIN_CACHE {
            cache.remove(0);
        }
        cache.push((index, Rc::clone(&data)));
        Ok(data)
    }

    /// Fills `buf` from `offset` of the extent; `unallocated(offset, part)` fills the parts
    /// this extent does not hold (from a parent disk, or with zeros).
    pub(super) fn read(
        &self,
        offset: u64,
        buf: &mut [u8],
        unallocated: &dyn Fn(u64, &mut [u8]) -> Result<()>,
    ) -> Result<()> {
        read_in_blocks(offset, buf, self.grain_bytes, |pos, part| {
            let index = pos / self.grain_bytes;
            let within = pos % self.grain_bytes;
            let n = part.len();
            match self.grain(index)? {
                Grain::Unallocated => unallocated(pos, part)?,
                Grain::Zero => part.fill(0),
                Grain::At(at) => self.source.read_exact_at(at + within, part)?,
                Grain::Compressed(at) => {
                    let data = self.inflate(index, at)?;
                    let start = within as usize;
                    let src = data.get(start..start + n).ok_or_else(|| Error::Corrupt {
                        file: self.source.name().to_owned(),
                        structure: "VMDK compressed grain",
                        offset: at,
                        detail: format!(
                            "grain inflates to {} bytes, fewer than the {}-byte grain",
                            data.len(),
                            self.grain_bytes
                        ),
                    })?;
                    part.copy_from_slice(src);
                }
            }
            Ok(())
        })
    }
}
