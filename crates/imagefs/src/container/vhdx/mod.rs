// SPDX-License-Identifier: GPL-3.0-or-later
//! VHDX images ([MS-VHDX] v1): fixed, dynamic and differencing disks.
//!
//! Layout: a file type identifier, two headers (the valid one with the higher sequence
//! number is current), two region table copies locating the block allocation table (BAT)
//! and the metadata region. The BAT interleaves one sector bitmap entry after every
//! `chunk ratio` payload block entries; payload entries give each block's state and file
//! offset. A differencing disk reads "partially present" blocks sector by sector through
//! the sector bitmap, and absent blocks from its parent, found by the parent locator's
//! paths and checked against the parent's DataWriteGuid.
//!
//! An image not closed cleanly (its header names a log) is read with the log's active
//! sequence replayed in memory (see [`log`]); its layer's variant says so.

mod crc32c;
mod header;
mod log;
mod metadata;
mod region_table;

use std::cell::RefCell;
use std::rc::Rc;

use self::metadata::Metadata;
use super::vhd::read_parent;
use super::{detect, open_layer, Disk, FileSet, Format, Layer};
use crate::{check_bounds, read_in_blocks, read_vec, Error, ReadAt, Result, Source};

/// The BAT and sector bitmaps address the file in 1 MiB units.
const MIB: u64 = 1024 * 1024;

/// Payload block states (low 3 bits of a BAT entry).
const PAYLOAD_NOT_PRESENT: u64 = 0;
const PAYLOAD_UNDEFINED: u64 = 1;
const PAYLOAD_ZERO: u64 = 2;
const PAYLOAD_UNMAPPED: u64 = 3;
const PAYLOAD_FULLY_PRESENT: u64 = 6;
const PAYLOAD_PARTIALLY_PRESENT: u64 = 7;
/// Sector bitmap block state meaning "present".
const SB_PRESENT: u64 = 6;

/// A GUID as stored on disk (Data1–3 little-endian).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Guid([u8; 16]);

impl Guid {
    /// The GUID written `d1-d2-d3-d4`.
    pub(super) const fn new(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Self {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Self([a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7]])
    }

    /// The GUID stored at `at` of `b` (zero past its end).
    pub(super) fn at(b: &[u8], at: usize) -> Self {
        let mut g = [0u8; 16];
        if let Some(s) = b.get(at..at + 16) {
            g.copy_from_slice(s);
        }
        Self(g)
    }

    fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl std::fmt::Display for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = &self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
            u16::from_le_bytes([g[4], g[5]]),
            u16::from_le_bytes([g[6], g[7]]),
            g[8],
            g[9],
            g[10],
            g[11],
            g[12],
            g[13],
            g[14],
            g[15]
        )
    }
}

impl std::fmt::Debug for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{self}}}")
    }
}

/// Opens a VHDX whose identifier [`detect`] found.
pub(super) fn open(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    let name = top.name().to_owned();
    let header = header::read_current(&*top)?;
    // An unclean image: the log's updates may not be in place yet, so read through them.
    let (top, replayed) = if header.log_guid.is_zero() { (top, 0) } else { log::replay(&top, &header)? };
    let regions = region_table::read(&*top)?;
    let meta = metadata::read(&*top, regions.metadata)?;
    let geometry = Geometry::new(&meta);
    let entries = geometry.bat_entries(meta.has_parent);
    if entries * 8 > u64::from(regions.bat.len) {
        return Err(Error::Corrupt {
            file: name,
            structure: "VHDX BAT",
            offset: regions.bat.offset,
            detail: format!("{entries} entries needed for the disk, but the region holds {} bytes", regions.bat.len),
        });
    }
    // read_vec checks the table against the file size before allocating.
    let raw = read_vec(&*top, regions.bat.offset, entries * 8)?;
    let bat: Vec<u64> = raw.chunks_exact(8).map(|c| le64(c, 0)).collect();
    let (parent, mut parent_layers) = if meta.has_parent {
        let parent = find_parent(&top, &meta, files)?;
        let disk = open_layer(parent, files, depth + 1)?;
        (Some(disk.source), disk.layers)
    } else {
        (None, Vec::new())
    };
    let variant = if meta.has_parent {
        "differencing"
    } else if meta.leave_blocks_allocated {
        // Fixed disks set LeaveBlocksAllocated; the format has no other marker.
        "fixed"
    } else {
        "dynamic"
    };
    let mut variant = variant.to_owned();
    if replayed > 0 {
        // The user should know the image was not closed cleanly.
        variant.push_str(&format!(", {replayed} log entries replayed"));
    }
    let parent_linkage = meta.has_parent.then(|| parent_linkage(&meta)).flatten();
    let mut layers = vec![Layer {
        file: name.clone(),
        format: Format::Vhdx,
        variant,
        virtual_size: meta.virtual_size,
        parent: parent_linkage,
    }];
    layers.append(&mut parent_layers);
    let reader =
        Vhdx { name, file: top, geometry, bat_offset: regions.bat.offset, bat, parent, bitmap: RefCell::new(None) };
    Ok(Disk::new(Rc::new(reader), layers))
}

/// Block geometry derived from the metadata.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    virtual_size: u64,
    block_size: u64,
    sector_size: u64,
    /// Payload blocks per sector bitmap block: 2^23 sectors / sectors per block.
    chunk_ratio: u64,
}

impl Geometry {
    fn new(meta: &Metadata) -> Self {
        let block_size = u64::from(meta.block_size);
        let sector_size = u64::from(meta.logical_sector_size);
        // Block sizes are at most 256 MiB and sectors at least 512 B: the ratio is >= 16.
        Self {
            virtual_size: meta.virtual_size,
            block_size,
            sector_size,
            chunk_ratio: (1 << 23) * sector_size / block_size,
        }
    }

    /// Number of BAT entries: payload entries with a sector bitmap entry after each chunk.
    fn bat_entries(&self, has_parent: bool) -> u64 {
        let blocks = self.virtual_size.div_ceil(self.block_size);
        if has_parent {
            blocks.div_ceil(self.chunk_ratio) * (self.chunk_ratio + 1)
        } else if blocks == 0 {
            0
        } else {
            blocks + (blocks - 1) / self.chunk_ratio
        }
    }
}

/// The parent locator's `parent_linkage` and `parent_linkage2` GUIDs, in that order, in
/// lower case without braces.
fn parent_linkages(meta: &Metadata) -> Vec<String> {
    ["parent_linkage", "parent_linkage2"]
        .iter()
        .filter_map(|key| meta.parent_locator.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()))
        .map(|v| v.trim_matches(['{', '}']).to_ascii_lowercase())
        .collect()
}

/// The parent a differencing VHDX names: its locator's first linkage GUID.
fn parent_linkage(meta: &Metadata) -> Option<String> {
    parent_linkages(meta).into_iter().next()
}

/// Finds the parent of a differencing VHDX among `files` by the locator's paths, and checks
/// that its DataWriteGuid is the locator's `parent_linkage` (or `parent_linkage2`).
fn find_parent(top: &Source, meta: &Metadata, files: &FileSet) -> Result<Source> {
    let value = |key: &str| meta.parent_locator.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let linkage = parent_linkages(meta);
    let paths: Vec<&str> =
        ["relative_path", "absolute_win32_path", "volume_path"].iter().filter_map(|k| value(k)).collect();
    let shown = paths.first().map_or("(no path recorded)", |p| p.rsplit(['/', '\\']).next().unwrap_or(p)).to_owned();
    let wanted = linkage.first().cloned().unwrap_or_else(|| "unknown".into());
    let mut mismatch = None;
    for path in &paths {
        let Some(candidate) = files.find(path) else { continue };
        if candidate.name() == top.name() {
            continue;
        }
        if detect(&*candidate)? != Format::Vhdx {
            mismatch = Some(format!("the supplied {} is not a VHDX", candidate.name()));
            continue;
        }
        let found = header::read_current(&*candidate)?;
        let guid = found.data_write_guid.to_string();
        if linkage.is_empty() || linkage.contains(&guid) {
            return Ok(candidate);
        }
        mismatch = Some(format!(
            "the supplied {} has DataWriteGuid {guid}: it was modified or is another disk",
            candidate.name()
        ));
    }
    let mut what = format!("its parent {shown} (DataWriteGuid {wanted})");
    if let Some(m) = mismatch {
        what = format!("{what}, but {m}");
    }
    Err(Error::MissingFile { needed_by: format!("differencing VHDX {}", top.name()), what })
}

/// A VHDX read through its BAT.
struct Vhdx {
    name: String,
    file: Source,
    geometry: Geometry,
    bat_offset: u64,
    bat: Vec<u64>,
    parent: Option<Source>,
    /// Sector bitmap bits of the last partially present block read (block index, bits).
    bitmap: RefCell<Option<(u64, Rc<[u8]>)>>,
}

impl std::fmt::Debug for Vhdx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vhdx").field("name", &self.name).field("size", &self.geometry.virtual_size).finish()
    }
}

impl Vhdx {
    fn entry(&self, index: u64) -> Result<u64> {
        usize::try_from(index).ok().and_then(|i| self.bat.get(i)).copied().ok_or_else(|| Error::Corrupt {
            file: self.name.clone(),
            structure: "VHDX BAT",
            offset: self.bat_offset,
            detail: format!("no entry {index}"),
        })
    }

    fn corrupt_entry(&self, index: u64, detail: String) -> Error {
        Error::Corrupt {
            file: self.name.clone(),
            structure: "VHDX BAT",
            offset: self.bat_offset.saturating_add(index * 8),
            detail,
        }
    }

    /// The sector bitmap bits covering `block` (one bit per sector, least significant first).
    fn block_bitmap(&self, block: u64) -> Result<Rc<[u8]>> {
        if let Some((cached, bits)) = &*self.bitmap.borrow() {
            if *cached == block {
                return Ok(Rc::clone(bits));
            }
        }
        let g = &self.geometry;
        let chunk = block / g.chunk_ratio;
        let index = chunk * (g.chunk_ratio + 1) + g.chunk_ratio;
        let entry = self.entry(index)?;
        let offset = (entry >> 20) * MIB;
        if entry & 7 != SB_PRESENT || offset == 0 {
            return Err(
                self.corrupt_entry(index, format!("block {block} is partially present but its sector bitmap is not"))
            );
        }
        let bytes_per_block = g.block_size / g.sector_size / 8;
        // Saturating: a hostile offset near 2^64 must fail the read's bounds check, not overflow.
        let start = offset.saturating_add((block % g.chunk_ratio) * bytes_per_block);
        let bits: Rc<[u8]> = read_vec(&*self.file, start, bytes_per_block)?.into();
        *self.bitmap.borrow_mut() = Some((block, Rc::clone(&bits)));
        Ok(bits)
    }

    /// Fills `buf` from `offset`, which lies inside one block.
    fn read_in_block(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let g = &self.geometry;
        let block = offset / g.block_size;
        let within = offset % g.block_size;
        let index = block + block / g.chunk_ratio;
        let entry = self.entry(index)?;
        let data = (entry >> 20) * MIB;
        let state = entry & 7;
        match state {
            PAYLOAD_FULLY_PRESENT | PAYLOAD_PARTIALLY_PRESENT if data == 0 => {
                Err(self.corrupt_entry(index, format!("block {block} is present at file offset 0")))
            }
            // Saturating: a hostile offset near 2^64 must fail the read's bounds check, not overflow.
            PAYLOAD_FULLY_PRESENT => self.file.read_exact_at(data.saturating_add(within), buf),
            PAYLOAD_PARTIALLY_PRESENT => {
                let Some(parent) = &self.parent else {
                    return Err(self
                        .corrupt_entry(index, format!("block {block} is partially present in a disk without parent")));
                };
                let bits = self.block_bitmap(block)?;
                let bit = |sector: u64| {
                    usize::try_from(sector / 8)
                        .ok()
                        .and_then(|i| bits.get(i))
                        .is_some_and(|b| b & (1 << (sector % 8)) != 0)
                };
                let end = within + buf.len() as u64;
                let mut pos = within;
                while pos < end {
                    // A run of sectors whose bits agree comes from the same layer.
                    let sector = pos / g.sector_size;
                    let here = bit(sector);
                    let mut run_end = ((sector + 1) * g.sector_size).min(end);
                    while run_end < end && bit(run_end / g.sector_size) == here {
                        run_end = (run_end + g.sector_size).min(end);
                    }
                    let part = &mut buf[(pos - within) as usize..(run_end - within) as usize];
                    if here {
                        self.file.read_exact_at(data.saturating_add(pos), part)?;
                    } else {
                        read_parent(Some(parent), offset - within + pos, part)?;
                    }
                    pos = run_end;
                }
                Ok(())
            }
            PAYLOAD_NOT_PRESENT | PAYLOAD_UNDEFINED => read_parent(self.parent.as_ref(), offset, buf),
            PAYLOAD_ZERO | PAYLOAD_UNMAPPED => {
                buf.fill(0);
                Ok(())
            }
            other => Err(self.corrupt_entry(index, format!("block {block} has undefined state {other}"))),
        }
    }
}

impl ReadAt for Vhdx {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.geometry.virtual_size
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.geometry.virtual_size, offset, buf.len())?;
        read_in_blocks(offset, buf, self.geometry.block_size, |pos, part| self.read_in_block(pos, part))
    }
}

/// Little-endian u16 at `at`, or 0 past the end of `b`.
fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).and_then(|s| s.try_into().ok()).map_or(0, u16::from_le_bytes)
}

/// Little-endian u32 at `at`, or 0 past the end of `b`.
fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// Little-endian u64 at `at`, or 0 past the end of `b`.
fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}
