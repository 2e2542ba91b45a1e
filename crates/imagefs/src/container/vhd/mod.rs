// SPDX-License-Identifier: GPL-3.0-or-later
//! VHD images (Microsoft Virtual Hard Disk Image Format Specification, 2006): fixed,
//! dynamic and differencing disks.
//!
//! A fixed disk is its data followed by a footer. Dynamic and differencing disks keep a
//! footer copy at 0, a dynamic disk header, a block allocation table (BAT) of 32-bit sector
//! numbers, and blocks that each start with a sector bitmap. In a differencing disk a clear
//! bitmap bit means "read this sector from the parent", which is found among the supplied
//! files by the names in the header and parent locators and checked by its unique id.

mod dynamic_header;
mod footer;

use std::cell::RefCell;
use std::rc::Rc;

use self::dynamic_header::DynamicHeader;
use self::footer::{DiskType, Footer, FOOTER_SIZE};
use super::{detect, open_layer, Disk, FileSet, Format, Layer};
use crate::{check_bounds, read_in_blocks, read_vec, Error, ReadAt, Result, Slice, Source};

/// A BAT entry with this value marks a block that was never written.
const UNALLOCATED: u32 = u32::MAX;

/// Sector size of VHD sector numbers and bitmaps.
const SECTOR: u64 = 512;

/// Opens a VHD whose footer [`detect`] found.
pub(super) fn open(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    let footer = footer::read(&*top)?;
    let name = top.name().to_owned();
    let layer = |variant: DiskType, parent: Option<String>| Layer {
        file: name.clone(),
        format: Format::Vhd,
        variant: variant.as_str().to_owned(),
        virtual_size: footer.current_size,
        parent,
    };
    if footer.disk_type == DiskType::Fixed {
        let data_len = top.size() - FOOTER_SIZE;
        if footer.current_size > data_len {
            return Err(Error::Corrupt {
                file: name,
                structure: "VHD footer",
                offset: footer.offset + 48,
                detail: format!(
                    "fixed disk of {} bytes but only {data_len} bytes of data precede the footer; is it truncated?",
                    footer.current_size
                ),
            });
        }
        let source: Source = Rc::new(Slice::new(name.clone(), Rc::clone(&top), 0, footer.current_size)?);
        return Ok(Disk::new(source, vec![layer(DiskType::Fixed, None)]));
    }
    let header = dynamic_header::read(&*top, footer.data_offset)?;
    let bat_entries = check_bat(&*top, &footer, &header)?;
    let (parent, mut parent_layers) = if footer.disk_type == DiskType::Differencing {
        let parent = find_parent(&top, &header, files)?;
        let disk = open_layer(parent, files, depth + 1)?;
        (Some(disk.source), disk.layers)
    } else {
        (None, Vec::new())
    };
    let block_size = u64::from(header.block_size);
    // One bit per sector, padded to whole sectors.
    let bitmap_len = (block_size / SECTOR).div_ceil(8).div_ceil(SECTOR) * SECTOR;
    let reader = DynamicVhd {
        name: name.clone(),
        file: top,
        size: footer.current_size,
        block_size,
        bitmap_len,
        bat_offset: header.table_offset,
        bat_entries,
        bat_chunk: RefCell::new(None),
        parent,
        bitmap: RefCell::new(None),
    };
    let parent_uuid = (footer.disk_type == DiskType::Differencing).then(|| uuid_text(&header.parent_uuid));
    let mut layers = vec![layer(footer.disk_type, parent_uuid)];
    layers.append(&mut parent_layers);
    Ok(Disk::new(Rc::new(reader), layers))
}

/// BAT entries read and kept at a time: 4 KiB of table, mapping 2 GiB of disk with the
/// usual 2 MiB blocks. The table is read lazily, chunk by chunk, so that what opening a disk
/// costs does not grow with its virtual size (the BAT of a 2 TiB disk is 4 MiB).
const BAT_CHUNK: u64 = 1024;

/// Checks that the BAT entries covering the virtual disk lie in the file (the table may be
/// longer); returns how many there are. The entries themselves are read on demand.
fn check_bat(file: &dyn ReadAt, footer: &Footer, header: &DynamicHeader) -> Result<u64> {
    let blocks = footer.current_size.div_ceil(u64::from(header.block_size));
    if u64::from(header.max_table_entries) < blocks {
        return Err(Error::Corrupt {
            file: file.name().to_owned(),
            structure: "VHD dynamic disk header",
            offset: footer.data_offset + 28,
            detail: format!(
                "{} BAT entries cannot cover {} bytes in blocks of {}",
                header.max_table_entries, footer.current_size, header.block_size
            ),
        });
    }
    // At most 2^32 entries of 4 bytes: no overflow.
    let len = blocks * 4;
    if header.table_offset.checked_add(len).is_none_or(|end| end > file.size()) {
        return Err(Error::OutOfBounds {
            file: file.name().to_owned(),
            offset: header.table_offset,
            len,
            size: file.size(),
        });
    }
    Ok(blocks)
}

/// Finds the parent of a differencing disk among `files` and checks its unique id.
fn find_parent(top: &Source, header: &DynamicHeader, files: &FileSet) -> Result<Source> {
    let names = header.parent_names(&**top);
    let wanted = uuid_text(&header.parent_uuid);
    let shown = names.first().map_or("(no name recorded)", |n| base_name(n)).to_owned();
    let mut mismatch = None;
    for name in &names {
        let Some(candidate) = files.find(name) else { continue };
        if candidate.name() == top.name() {
            continue;
        }
        if detect(&*candidate)? != Format::Vhd {
            mismatch = Some(format!("the supplied {} is not a VHD", candidate.name()));
            continue;
        }
        let found = footer::read(&*candidate)?;
        if found.uuid == header.parent_uuid {
            return Ok(candidate);
        }
        mismatch = Some(format!("the supplied {} is another disk (UUID {})", candidate.name(), found.uuid_text()));
    }
    let mut what = format!("its parent {shown} (UUID {wanted})");
    if let Some(m) = mismatch {
        what = format!("{what}, but {m}");
    }
    Err(Error::MissingFile { needed_by: format!("differencing VHD {}", top.name()), what })
}

/// Last component of a Windows or Unix path.
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A dynamic or differencing VHD read through its BAT.
struct DynamicVhd {
    name: String,
    file: Source,
    size: u64,
    block_size: u64,
    /// Bytes of sector bitmap before each block's data.
    bitmap_len: u64,
    /// Absolute offset of the BAT: per block, the sector number of its bitmap, or
    /// [`UNALLOCATED`].
    bat_offset: u64,
    /// BAT entries covering the virtual disk (all inside the file, checked at open).
    bat_entries: u64,
    /// The BAT chunk last read (chunk index, its entries): reads near each other reuse it.
    bat_chunk: RefCell<Option<(u64, Rc<[u32]>)>>,
    /// The parent, for differencing disks.
    parent: Option<Source>,
    /// The last sector bitmap read (block index, bitmap): sequential reads reuse it.
    bitmap: RefCell<Option<(u64, Rc<[u8]>)>>,
}

impl std::fmt::Debug for DynamicVhd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicVhd").field("name", &self.name).field("size", &self.size).finish()
    }
}

impl DynamicVhd {
    /// The BAT entry of `block`, read with its chunk when not cached.
    fn bat_entry(&self, block: u64) -> Result<u32> {
        if block >= self.bat_entries {
            return Ok(UNALLOCATED);
        }
        let (chunk, index) = (block / BAT_CHUNK, (block % BAT_CHUNK) as usize);
        if let Some((cached, entries)) = &*self.bat_chunk.borrow() {
            if *cached == chunk {
                return Ok(entries.get(index).copied().unwrap_or(UNALLOCATED));
            }
        }
        let first = chunk * BAT_CHUNK;
        let count = BAT_CHUNK.min(self.bat_entries - first);
        let raw = read_vec(&*self.file, self.bat_offset + first * 4, count * 4)?;
        let entries: Rc<[u32]> = raw.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect();
        let entry = entries.get(index).copied().unwrap_or(UNALLOCATED);
        *self.bat_chunk.borrow_mut() = Some((chunk, entries));
        Ok(entry)
    }

    fn block_bitmap(&self, block: u64, start: u64) -> Result<Rc<[u8]>> {
        if let Some((cached, bits)) = &*self.bitmap.borrow() {
            if *cached == block {
                return Ok(Rc::clone(bits));
            }
        }
        let bits: Rc<[u8]> = read_vec(&*self.file, start, self.bitmap_len)?.into();
        *self.bitmap.borrow_mut() = Some((block, Rc::clone(&bits)));
        Ok(bits)
    }

    /// Fills `buf` from `offset` inside one block.
    fn read_in_block(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let block = offset / self.block_size;
        let within = offset % self.block_size;
        let entry = self.bat_entry(block)?;
        if entry == UNALLOCATED {
            return read_parent(self.parent.as_ref(), offset, buf);
        }
        let bitmap_start = u64::from(entry) * SECTOR;
        let data = bitmap_start + self.bitmap_len;
        let Some(parent) = &self.parent else {
            // In a dynamic disk an allocated block is read whole, as Virtual PC and qemu do.
            return self.file.read_exact_at(data + within, buf);
        };
        let bitmap = self.block_bitmap(block, bitmap_start)?;
        // Runs of sectors with the same bitmap bit come from the same layer.
        let mut done = 0usize;
        while done < buf.len() {
            let pos = within + done as u64;
            let sector = pos / SECTOR;
            let in_child = bit_msb_first(&bitmap, sector);
            let mut end = (sector + 1) * SECTOR;
            while end < within + buf.len() as u64 && bit_msb_first(&bitmap, end / SECTOR) == in_child {
                end += SECTOR;
            }
            let n = ((end - pos) as usize).min(buf.len() - done);
            let part = &mut buf[done..done + n];
            if in_child {
                self.file.read_exact_at(data + pos, part)?;
            } else {
                read_parent(Some(parent), offset - within + pos, part)?;
            }
            done += n;
        }
        Ok(())
    }
}

/// Bit `index` of a VHD sector bitmap: sector 0 is the most significant bit of byte 0.
fn bit_msb_first(bitmap: &[u8], index: u64) -> bool {
    let byte = usize::try_from(index / 8).ok().and_then(|i| bitmap.get(i)).copied().unwrap_or(0);
    byte & (0x80 >> (index % 8)) != 0
}

/// Reads from the parent, or zeros when there is none or past its end (a parent may be
/// smaller than its child).
pub(super) fn read_parent(parent: Option<&Source>, offset: u64, buf: &mut [u8]) -> Result<()> {
    let Some(parent) = parent else {
        buf.fill(0);
        return Ok(());
    };
    let avail = parent.size().saturating_sub(offset).min(buf.len() as u64) as usize;
    let (inside, past) = buf.split_at_mut(avail);
    if !inside.is_empty() {
        parent.read_exact_at(offset, inside)?;
    }
    past.fill(0);
    Ok(())
}

impl ReadAt for DynamicVhd {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.size, offset, buf.len())?;
        read_in_blocks(offset, buf, self.block_size, |pos, part| self.read_in_block(pos, part))
    }
}

/// Big-endian u32 at `at`, or 0 past the end of `b` (callers pass fixed-size records).
fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_be_bytes)
}

/// Big-endian u64 at `at`, or 0 past the end of `b`.
fn be64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_be_bytes)
}

/// The VHD checksum: the one's complement of the sum of all bytes but the checksum field.
fn checksum(b: &[u8], field: std::ops::Range<usize>) -> u32 {
    let sum =
        b.iter().enumerate().filter(|(i, _)| !field.contains(i)).fold(0u32, |s, (_, &x)| s.wrapping_add(u32::from(x)));
    !sum
}

/// A 16-byte unique id in the usual 8-4-4-4-12 form, bytes in stored order.
fn uuid_text(u: &[u8; 16]) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
