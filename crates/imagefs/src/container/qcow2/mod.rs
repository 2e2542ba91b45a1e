// SPDX-License-Identifier: GPL-3.0-or-later
//! QCOW2 images (qemu's `docs/interop/qcow2.txt`), versions 2 and 3.
//!
//! Guest offsets map through a two-level table: the L1 table (read at open) points to L2
//! tables (read on demand, a few cached) whose entries give each cluster's host offset,
//! mark it compressed (zlib or zstd), all-zero, or unallocated, in which case it is read
//! from the backing file. With extended L2 entries each cluster is split into 32
//! subclusters with their own allocated / zero bits. Refcounts are not needed to read and
//! are ignored (so a dirty image, whose refcounts may be stale, reads fine; its layer says
//! it is dirty). Internal snapshots are listed in the layer's variant, and
//! [`open_snapshot`] reads one through its saved L1 table. An image with the corrupt bit
//! set is refused (see `header::read`).

mod compressed;
mod header;
mod snapshot;

use std::cell::RefCell;
use std::rc::Rc;

use self::header::{be64, Compression, Header};
pub use self::snapshot::Snapshot;
use super::vhd::read_parent;
use super::{open_layer, Disk, FileSet, Format, Layer};
use crate::{check_bounds, read_vec, Error, ReadAt, Result, Source};

/// Host offset bits of L1 and standard L2 entries (bits 9 to 55).
const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
/// L2 entry flag: the cluster is compressed.
const COMPRESSED: u64 = 1 << 62;
/// Standard L2 entry flag (version 3): the cluster reads as zeros.
const ZERO: u64 = 1;

/// L2 tables kept decoded. Sequential reads touch one table for cluster_size²/8 bytes of
/// disk (512 MiB with 64 KiB clusters), so a few suffice; with 2 MiB clusters this bounds
/// the cache at 16 MiB.
const MAX_CACHED_L2: usize = 8;

/// Subclusters per cluster with extended L2 entries.
const SUBCLUSTERS: u64 = 32;

/// Snapshots named in a layer's variant; the count says how many more there are.
const MAX_LISTED_SNAPSHOTS: u32 = 8;

/// Opens a QCOW2 image whose magic [`super::detect`] found: its active state.
pub(super) fn open(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    let header = header::read(&*top)?;
    let listed = snapshot::read(&*top, &header, MAX_LISTED_SNAPSHOTS)?;
    let mut variant = String::new();
    if header.dirty {
        variant.push_str(", dirty (not closed cleanly: refcounts may be stale, reading is unaffected)");
    }
    if header.nb_snapshots > 0 {
        let names: Vec<String> = listed.iter().map(Snapshot::describe).collect();
        variant.push_str(&format!(", {} snapshots: {}", header.nb_snapshots, names.join("; ")));
        if header.nb_snapshots > MAX_LISTED_SNAPSHOTS {
            variant.push_str(&format!("; {} more", header.nb_snapshots - MAX_LISTED_SNAPSHOTS));
        }
    }
    let (l1_offset, l1_size, size) = (header.l1_table_offset, header.l1_size, header.size);
    build(top, files, depth, header, (l1_offset, l1_size, size), &variant)
}

/// The internal snapshots of the QCOW2 image `file`, in table order.
///
/// # Errors
/// [`Error::Unsupported`] when `file` is not a QCOW2 image; header and snapshot table errors.
pub fn snapshots(file: &dyn ReadAt) -> Result<Vec<Snapshot>> {
    let header = header::read(file)?;
    snapshot::read(file, &header, snapshot::MAX_SNAPSHOTS)
}

/// Opens the internal snapshot `snapshot` (matched by name, else by ID, as `qemu-img -s`
/// does) of the QCOW2 image `top`, read-only: guest reads go through the L1 table saved
/// with the snapshot, and clusters it leaves unallocated come from the backing file, as
/// qemu reads them (`qemu-img convert -l snapshot.name=…`).
///
/// # Errors
/// [`Error::Unsupported`] when `top` is not QCOW2, [`Error::Unrecognized`] listing the
/// snapshots when none matches, and the errors of opening the image.
pub fn open_snapshot(top: Source, files: &FileSet, snapshot: &str) -> Result<Disk> {
    if super::detect(&*top)? != Format::Qcow2 {
        return Err(Error::Unsupported {
            file: top.name().to_owned(),
            structure: "image",
            offset: 0,
            detail: format!("opening snapshot '{snapshot}': only QCOW2 images have internal snapshots"),
        });
    }
    let header = header::read(&*top)?;
    let all = snapshot::read(&*top, &header, snapshot::MAX_SNAPSHOTS)?;
    let Some(found) = all.iter().find(|s| s.name == snapshot).or_else(|| all.iter().find(|s| s.id == snapshot)) else {
        let names: Vec<String> =
            all.iter().take(MAX_LISTED_SNAPSHOTS as usize).map(|s| format!("'{}' (id {})", s.name, s.id)).collect();
        return Err(Error::Unrecognized {
            file: top.name().to_owned(),
            detail: format!(
                "no internal snapshot named '{snapshot}'; it has {} snapshots{}{}",
                all.len(),
                if names.is_empty() { "" } else { ": " },
                names.join(", ")
            ),
        });
    };
    let cluster_size = header.cluster_size();
    let entries_needed = found.virtual_size.div_ceil(cluster_size * (cluster_size / header.l2_entry_size()));
    if found.l1_table_offset % cluster_size != 0 || u64::from(found.l1_size) < entries_needed {
        return Err(Error::Corrupt {
            file: top.name().to_owned(),
            structure: "QCOW2 snapshot table",
            offset: found.entry_offset,
            detail: format!(
                "snapshot '{}' has an L1 table of {} entries at {:#x}: not cluster aligned or too small for {} bytes",
                found.name, found.l1_size, found.l1_table_offset, found.virtual_size
            ),
        });
    }
    let variant = format!(", snapshot {} (read-only)", found.describe());
    let l1 = (found.l1_table_offset, found.l1_size, found.virtual_size);
    // Depth 0: the snapshot is always of the file the user named.
    build(top, files, 0, header, l1, &variant)
}

/// The disk read through the L1 table `(offset, entries, virtual size)` of `top`, with
/// `extra` appended to the layer's variant.
fn build(top: Source, files: &FileSet, depth: u32, header: Header, l1: (u64, u32, u64), extra: &str) -> Result<Disk> {
    let name = top.name().to_owned();
    let (l1_offset, l1_size, size) = l1;
    // read_vec bounds the table by the file size before allocating.
    let raw = read_vec(&*top, l1_offset, u64::from(l1_size) * 8)?;
    let l1: Vec<u64> = raw.chunks_exact(8).map(|c| be64(c, 0)).collect();
    let (backing, mut backing_layers) = match &header.backing_file {
        None => (None, Vec::new()),
        Some(backing_name) => {
            let Some(file) = files.find(backing_name) else {
                let format = header.backing_format.as_deref().map(|f| format!(", format {f}")).unwrap_or_default();
                return Err(Error::MissingFile {
                    needed_by: format!("QCOW2 {name}"),
                    what: format!("its backing file {backing_name}{format}"),
                });
            };
            let disk = open_layer(file, files, depth + 1)?;
            (Some(disk.source), disk.layers)
        }
    };
    let mut variant = format!("v{}", header.version);
    if header.compression == Compression::Zstd {
        variant.push_str(" zstd");
    }
    if header.extended_l2 {
        variant.push_str(" extended L2");
    }
    if backing.is_some() {
        variant.push_str(" overlay");
    }
    variant.push_str(extra);
    let mut layers = vec![Layer {
        file: name.clone(),
        format: Format::Qcow2,
        variant,
        virtual_size: size,
        parent: header.backing_file.clone(),
    }];
    layers.append(&mut backing_layers);
    let reader = Qcow2 {
        name,
        file: top,
        header,
        l1_table_offset: l1_offset,
        size,
        l1,
        backing,
        l2_cache: RefCell::new(Vec::new()),
        cluster: RefCell::new(None),
    };
    Ok(Disk::new(Rc::new(reader), layers))
}

/// Where the bytes of one guest range come from.
enum Mapping {
    /// At this host offset of the image file.
    Data(u64),
    /// All zeros.
    Zero,
    /// From the backing file, or zeros without one.
    Backing,
    /// Inside the compressed cluster described by this L2 entry.
    Compressed(u64),
}

/// A QCOW2 image read through its L1/L2 tables.
struct Qcow2 {
    name: String,
    file: Source,
    header: Header,
    /// Offset of the L1 table in use (the active one or a snapshot's), for error messages.
    l1_table_offset: u64,
    /// Virtual size of the state read (a snapshot may predate a resize).
    size: u64,
    l1: Vec<u64>,
    backing: Option<Source>,
    /// Recently used L2 tables (host offset, entries), most recent last.
    l2_cache: RefCell<Vec<(u64, Rc<[u64]>)>>,
    /// The last compressed cluster decoded (its L2 entry, its bytes).
    cluster: RefCell<Option<(u64, Rc<[u8]>)>>,
}

impl std::fmt::Debug for Qcow2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Qcow2").field("name", &self.name).field("size", &self.size).finish()
    }
}

impl Qcow2 {
    fn corrupt(&self, structure: &'static str, offset: u64, detail: String) -> Error {
        Error::Corrupt { file: self.name.clone(), structure, offset, detail }
    }

    fn l2_table(&self, offset: u64) -> Result<Rc<[u64]>> {
        let mut cache = self.l2_cache.borrow_mut();
        if let Some(i) = cache.iter().position(|(o, _)| *o == offset) {
            let hit = cache.remove(i);
            let table = Rc::clone(&hit.1);
            cache.push(hit);
            return Ok(table);
        }
        let raw = read_vec(&*self.file, offset, self.header.cluster_size())?;
        let table: Rc<[u64]> = raw.chunks_exact(8).map(|c| be64(c, 0)).collect();
        if cache.len() >= MAX_CACHED_L2 {
            cache.remove(0);
        }
        cache.push((offset, Rc::clone(&table)));
        Ok(table)
    }

    /// Maps guest `offset`; also returns how many bytes from there share the mapping.
    fn map(&self, offset: u64) -> Result<(Mapping, u64)> {
        let bits = self.header.cluster_bits;
        let cluster_size = self.header.cluster_size();
        let within = offset % cluster_size;
        let to_cluster_end = cluster_size - within;
        let entry_words: u64 = if self.header.extended_l2 { 2 } else { 1 };
        let l2_entries = cluster_size / 8 / entry_words;
        let cluster_index = offset >> bits;
        let l1_index = cluster_index / l2_entries;
        let l2_index = cluster_index % l2_entries;
        let l1_entry = usize::try_from(l1_index).ok().and_then(|i| self.l1.get(i)).copied().unwrap_or(0);
        let l2_offset = l1_entry & OFFSET_MASK;
        if l2_offset == 0 {
            return Ok((Mapping::Backing, to_cluster_end));
        }
        if l2_offset % cluster_size != 0 {
            let at = self.l1_table_offset + l1_index * 8;
            return Err(self.corrupt(
                "QCOW2 L1 table",
                at,
                format!("L2 table offset {l2_offset:#x} is not cluster aligned"),
            ));
        }
        let table = self.l2_table(l2_offset)?;
        let slot = (l2_index * entry_words) as usize;
        let entry = table.get(slot).copied().unwrap_or(0);
        let entry_at = l2_offset + slot as u64 * 8;
        if entry & COMPRESSED != 0 {
            return Ok((Mapping::Compressed(entry), to_cluster_end));
        }
        let host = entry & OFFSET_MASK;
        if host != 0 && host % cluster_size != 0 {
            return Err(self.corrupt(
                "QCOW2 L2 table",
                entry_at,
                format!("cluster offset {host:#x} is not cluster aligned"),
            ));
        }
        if !self.header.extended_l2 {
            if self.header.version >= 3 && entry & ZERO != 0 {
                return Ok((Mapping::Zero, to_cluster_end));
            }
            return Ok(if host == 0 {
                (Mapping::Backing, to_cluster_end)
            } else {
                (Mapping::Data(host + within), to_cluster_end)
            });
        }
        // Extended L2: bit n of the bitmap = subcluster n allocated, bit 32 + n = reads as zero.
        let bitmap = table.get(slot + 1).copied().unwrap_or(0);
        let sub_size = cluster_size / SUBCLUSTERS;
        let sub = within / sub_size;
        let to_sub_end = sub_size - within % sub_size;
        if bitmap & (1 << sub) != 0 {
            if host == 0 {
                return Err(self.corrupt(
                    "QCOW2 L2 table",
                    entry_at,
                    format!("subcluster {sub} is marked allocated in a cluster with no host offset"),
                ));
            }
            Ok((Mapping::Data(host + within), to_sub_end))
        } else if bitmap & (1 << (32 + sub)) != 0 {
            Ok((Mapping::Zero, to_sub_end))
        } else {
            Ok((Mapping::Backing, to_sub_end))
        }
    }

    /// The decompressed cluster described by the compressed L2 `entry`.
    fn compressed_cluster(&self, entry: u64) -> Result<Rc<[u8]>> {
        if let Some((cached, data)) = &*self.cluster.borrow() {
            if *cached == entry {
                return Ok(Rc::clone(data));
            }
        }
        let bits = self.header.cluster_bits;
        // Compressed descriptor: host offset in the low 62 - (cluster_bits - 8) bits, then
        // the number of additional 512-byte sectors.
        let shift = 62 - (bits - 8);
        let host = entry & ((1u64 << shift) - 1);
        let sectors = ((entry >> shift) & ((1u64 << (bits - 8)) - 1)) + 1;
        // The last compressed cluster may end before the sectors it claims: clamp to the file.
        let len = (sectors * 512 - (host % 512)).min(self.file.size().saturating_sub(host));
        if host >= self.file.size() {
            return Err(Error::OutOfBounds {
                file: self.name.clone(),
                offset: host,
                len: sectors * 512,
                size: self.file.size(),
            });
        }
        let input = read_vec(&*self.file, host, len)?;
        let mut out = vec![0u8; self.header.cluster_size() as usize];
        compressed::decompress(&self.name, host, self.header.compression, &input, &mut out)?;
        let data: Rc<[u8]> = out.into();
        *self.cluster.borrow_mut() = Some((entry, Rc::clone(&data)));
        Ok(data)
    }
}

impl ReadAt for Qcow2 {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.size, offset, buf.len())?;
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (mapping, run) = self.map(pos)?;
            let n = run.min((buf.len() - done) as u64) as usize;
            let part = &mut buf[done..done + n];
            match mapping {
                Mapping::Data(host) => self.file.read_exact_at(host, part)?,
                Mapping::Zero => part.fill(0),
                Mapping::Backing => read_parent(self.backing.as_ref(), pos, part)?,
                Mapping::Compressed(entry) => {
                    let cluster = self.compressed_cluster(entry)?;
                    let within = (pos % self.header.cluster_size()) as usize;
                    let src = cluster.get(within..within + n).ok_or_else(|| {
                        self.corrupt("QCOW2 compressed cluster", pos, "decompressed cluster is short".into())
                    })?;
                    part.copy_from_slice(src);
                }
            }
            done += n;
        }
        Ok(())
    }
}
