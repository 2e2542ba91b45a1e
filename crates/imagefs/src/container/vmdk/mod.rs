// SPDX-License-Identifier: GPL-3.0-or-later
//! VMware VMDK images (VMware "Virtual Disk Format 1.1"): monolithicSparse, streamOptimized,
//! monolithicFlat, twoGbMaxExtentSparse/Flat, ESX `vmfs` descriptors with flat extents, and
//! delta disks on a parent.
//!
//! A disk is a text descriptor (a file of its own, or embedded in a sparse extent) listing
//! extents: flat files, sparse extents (`KDMV`, grain directory → grain tables → grains,
//! deflated grains for streamOptimized) and zero runs. Extent files and the parent are looked
//! up by name in the [`FileSet`]. Nothing is read until asked for, except the grain directory.

mod descriptor;
mod header;
mod sparse;

use std::rc::Rc;

use self::descriptor::{Descriptor, ExtentKind, MAX_DESCRIPTOR_BYTES};
use self::header::{SparseHeader, SPARSE_MAGIC};
use self::sparse::SparseExtent;
use super::{open_layer, Disk, FileSet, Format, Layer};
use crate::{check_bounds, read_vec, Error, ReadAt, Result, Source};

/// What backs one extent.
enum Backing {
    /// Raw bytes of a file from this offset.
    Flat { source: Source, offset: u64 },
    /// A sparse extent (shared when a descriptor lists the same file twice).
    Sparse(Rc<SparseExtent>),
    /// Zeros.
    Zero,
}

/// One extent placed in the virtual disk.
struct Extent {
    /// First byte in the virtual disk.
    start: u64,
    /// Length in bytes.
    len: u64,
    backing: Backing,
}

/// The virtual disk of a VMDK: its extents in order, over an optional parent.
struct VmdkDisk {
    name: String,
    size: u64,
    extents: Vec<Extent>,
    parent: Option<Source>,
}

impl ReadAt for VmdkDisk {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.size, offset, buf.len())?;
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            // Extents are contiguous and sorted: the last one starting at or before pos.
            let i = self.extents.partition_point(|e| e.start <= pos).saturating_sub(1);
            let Some(extent) = self.extents.get(i) else { break };
            let within = pos - extent.start;
            let n = (extent.len.saturating_sub(within)).min((buf.len() - done) as u64) as usize;
            if n == 0 {
                // Cannot happen for in-bounds reads of contiguous extents; never loop forever.
                return Err(Error::Corrupt {
                    file: self.name.clone(),
                    structure: "VMDK extent list",
                    offset: pos,
                    detail: "no extent covers this offset".into(),
                });
            }
            let part = &mut buf[done..done + n];
            match &extent.backing {
                Backing::Flat { source, offset } => source.read_exact_at(offset + within, part)?,
                Backing::Zero => part.fill(0),
                Backing::Sparse(sparse) => {
                    let start = extent.start;
                    sparse.read(within, part, &|at, b| self.unallocated(start + at, b))?;
                }
            }
            done += n;
        }
        Ok(())
    }
}

impl VmdkDisk {
    /// Bytes a sparse extent does not hold: the parent's (zeros past its end), or zeros.
    fn unallocated(&self, pos: u64, buf: &mut [u8]) -> Result<()> {
        buf.fill(0);
        if let Some(parent) = &self.parent {
            let avail = parent.size().saturating_sub(pos).min(buf.len() as u64) as usize;
            if avail > 0 {
                parent.read_exact_at(pos, &mut buf[..avail])?;
            }
        }
        Ok(())
    }
}

/// Reads descriptor text of at most `len` bytes at `offset`, up to the first NUL.
fn read_text(source: &dyn ReadAt, offset: u64, len: u64) -> Result<String> {
    let len = len.min(MAX_DESCRIPTOR_BYTES as u64).min(source.size().saturating_sub(offset));
    let bytes = read_vec(source, offset, len)?;
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    // Descriptors may be windows-1252; only ASCII keys and file names matter here.
    Ok(String::from_utf8_lossy(&bytes[..end]).into_owned())
}

pub(super) fn open(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    let name = top.name().to_owned();
    let mut magic = [0u8; 4];
    top.read_exact_at(0, &mut magic)?;
    let mut consumed = Vec::new();
    let (descriptor, extents, variant) = if u32::from_le_bytes(magic) == SPARSE_MAGIC {
        // A monolithic sparse extent: its own (embedded) descriptor, one extent: itself.
        let header = SparseHeader::read(&*top, 0, "VMDK header")?;
        let descriptor = if header.descriptor_offset != 0 && header.descriptor_size != 0 {
            let at = header.descriptor_offset.saturating_mul(512);
            let text = read_text(&*top, at, header.descriptor_size.saturating_mul(512))?;
            Descriptor::parse(&text, &name, at)?
        } else {
            Descriptor::default()
        };
        let variant = if !descriptor.create_type.is_empty() {
            descriptor.create_type.clone()
        } else if header.compressed() {
            "streamOptimized".to_owned()
        } else {
            "monolithicSparse".to_owned()
        };
        let sparse = SparseExtent::open(Rc::clone(&top), header)?;
        let extent = Extent { start: 0, len: sparse.size(), backing: Backing::Sparse(Rc::new(sparse)) };
        (descriptor, vec![extent], variant)
    } else {
        let text = read_text(&*top, 0, top.size())?;
        let descriptor = Descriptor::parse(&text, &name, 0)?;
        let extents = open_extents(&name, &descriptor, files, &mut consumed)?;
        let variant = descriptor.create_type.clone();
        (descriptor, extents, variant)
    };
    let size = extents.last().map_or(0, |e| e.start + e.len);

    let mut layers = vec![Layer {
        file: name.clone(),
        format: Format::Vmdk,
        variant,
        virtual_size: size,
        parent: descriptor.parent_cid.clone(),
    }];
    let parent = match &descriptor.parent_cid {
        None => None,
        Some(cid) => {
            let hint = descriptor.parent_hint.as_deref().ok_or_else(|| Error::Corrupt {
                file: name.clone(),
                structure: "VMDK descriptor",
                offset: 0,
                detail: format!("parentCID {cid} without a parentFileNameHint"),
            })?;
            let source = files.find(hint).ok_or_else(|| Error::MissingFile {
                needed_by: name.clone(),
                what: format!("its parent disk \"{hint}\" (parentCID {cid})"),
            })?;
            let parent = open_layer(source, files, depth + 1)?;
            layers.extend(parent.layers.iter().cloned());
            consumed.extend(parent.consumed.iter().cloned());
            Some(parent.source)
        }
    };
    let reader = VmdkDisk { name, size, extents, parent };
    let mut disk = Disk::new(Rc::new(reader), layers);
    disk.consumed.extend(consumed);
    Ok(disk)
}

/// Opens the extents a text descriptor lists, recording their files in `consumed`.
fn open_extents(name: &str, d: &Descriptor, files: &FileSet, consumed: &mut Vec<String>) -> Result<Vec<Extent>> {
    if d.extents.is_empty() {
        return Err(Error::Corrupt {
            file: name.to_owned(),
            structure: "VMDK descriptor",
            offset: 0,
            detail: "no extent lines".into(),
        });
    }
    let mut extents = Vec::with_capacity(d.extents.len());
    // Each sparse file is opened (its grain directory read) once, however often it is listed:
    // memory then stays bounded by the size of the supplied files.
    let mut opened: Vec<Rc<SparseExtent>> = Vec::new();
    let mut start = 0u64;
    for line in &d.extents {
        let len = line.sectors.checked_mul(512).filter(|l| start.checked_add(*l).is_some()).ok_or_else(|| {
            Error::Corrupt {
                file: name.to_owned(),
                structure: "VMDK descriptor",
                offset: 0,
                detail: format!("extent of {} sectors overflows the disk size", line.sectors),
            }
        })?;
        let find = || {
            files.find(&line.file).ok_or_else(|| Error::MissingFile {
                needed_by: name.to_owned(),
                what: format!("its {} extent file \"{}\"", line.type_name, line.file),
            })
        };
        let backing = match line.kind {
            ExtentKind::Zero => Backing::Zero,
            ExtentKind::Other => {
                return Err(Error::Unsupported {
                    file: name.to_owned(),
                    structure: "VMDK descriptor",
                    offset: 0,
                    detail: format!("{} extents (\"{}\")", line.type_name, line.file),
                })
            }
            ExtentKind::Flat => {
                let source = find()?;
                let offset = line.offset.saturating_mul(512);
                if offset.checked_add(len).is_none_or(|end| end > source.size()) {
                    return Err(Error::Corrupt {
                        file: source.name().to_owned(),
                        structure: "VMDK flat extent",
                        offset,
                        detail: format!(
                            "{name} maps {len} bytes from offset {offset:#x} but the file has {} bytes; is it truncated?",
                            source.size()
                        ),
                    });
                }
                Backing::Flat { source, offset }
            }
            ExtentKind::Sparse => {
                let source = find()?;
                let mut magic = [0u8; 4];
                source.read_exact_at(0, &mut magic)?;
                if &magic == b"COWD" {
                    return Err(Error::Unsupported {
                        file: source.name().to_owned(),
                        structure: "VMDK header",
                        offset: 0,
                        detail: "ESX COWD sparse extents".into(),
                    });
                }
                if let Some(same) = opened.iter().find(|e| Rc::ptr_eq(e.source(), &source)) {
                    Backing::Sparse(Rc::clone(same))
                } else {
                    let header = SparseHeader::read(&*source, 0, "VMDK header")?;
                    let sparse = Rc::new(SparseExtent::open(source, header)?);
                    opened.push(Rc::clone(&sparse));
                    Backing::Sparse(sparse)
                }
            }
        };
        if !line.file.is_empty() {
            consumed.push(line.file.clone());
        }
        extents.push(Extent { start, len, backing });
        start += len;
    }
    Ok(extents)
}
