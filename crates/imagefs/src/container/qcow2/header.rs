// SPDX-License-Identifier: GPL-3.0-or-later
//! The QCOW2 header (versions 2 and 3) and its header extensions.

use crate::{read_vec, Error, ReadAt, Result};

/// Smallest and largest cluster sizes qemu creates and accepts (512 B to 2 MiB).
const CLUSTER_BITS: std::ops::RangeInclusive<u32> = 9..=21;

/// Length of a version 2 header; version 3 stores its own (at least 104).
const V2_HEADER_LEN: u32 = 72;
const V3_MIN_HEADER_LEN: u32 = 104;

/// qemu refuses backing file names longer than this; so do we.
const MAX_BACKING_NAME: u32 = 1023;

/// Header extensions are 8-byte aligned records inside the first cluster, so a 2 MiB
/// cluster could hold at most this many; a longer chain is corrupt.
const MAX_EXTENSIONS: usize = 2 * 1024 * 1024 / 8;

/// qemu caps the L1 table at 32 MiB; a larger one is corrupt.
pub(super) const MAX_L1_BYTES: u64 = 32 * 1024 * 1024;

/// Extension type that ends the extension list.
const EXT_END: u32 = 0;
/// Extension naming the format of the backing file ("raw", "qcow2"…).
const EXT_BACKING_FORMAT: u32 = 0xe279_2aca;

/// Incompatible feature bits (version 3).
const INCOMPAT_DIRTY: u64 = 1 << 0;
const INCOMPAT_CORRUPT: u64 = 1 << 1;
const INCOMPAT_EXTERNAL_DATA: u64 = 1 << 2;
const INCOMPAT_COMPRESSION_TYPE: u64 = 1 << 3;
const INCOMPAT_EXTENDED_L2: u64 = 1 << 4;

/// Compression of compressed clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    /// Raw deflate (RFC 1951), the default.
    Zlib,
    /// Zstandard frames (compression_type 1, version 3 only).
    Zstd,
}

/// The header fields vmsift uses.
#[derive(Debug, Clone)]
pub(super) struct Header {
    /// 2 or 3.
    pub(super) version: u32,
    /// log2 of the cluster size.
    pub(super) cluster_bits: u32,
    /// Virtual disk size in bytes.
    pub(super) size: u64,
    /// Number of L1 entries.
    pub(super) l1_size: u32,
    /// Absolute offset of the L1 table.
    pub(super) l1_table_offset: u64,
    /// Name of the backing file, if any.
    pub(super) backing_file: Option<String>,
    /// Format named by the backing format extension, if any.
    pub(super) backing_format: Option<String>,
    /// Compression of compressed clusters.
    pub(super) compression: Compression,
    /// L2 entries are 128 bits with 32 subcluster bits each (version 3 feature).
    pub(super) extended_l2: bool,
    /// The dirty bit (version 3, lazy refcounts): the image was not closed cleanly and its
    /// refcounts may be stale. L1/L2 tables are always written before the data they map is
    /// acknowledged, so reading is unaffected.
    pub(super) dirty: bool,
    /// Number of internal snapshots (`nb_snapshots`).
    pub(super) nb_snapshots: u32,
    /// Absolute offset of the snapshot table (`snapshots_offset`).
    pub(super) snapshots_offset: u64,
}

impl Header {
    pub(super) fn cluster_size(&self) -> u64 {
        1 << self.cluster_bits
    }

    /// Bytes per L2 entry: 8, or 16 with extended L2 entries.
    pub(super) fn l2_entry_size(&self) -> u64 {
        if self.extended_l2 {
            16
        } else {
            8
        }
    }
}

/// Reads and checks the header of `file`.
///
/// # Errors
/// [`Error::Corrupt`] for impossible values and for an image whose corrupt bit is set,
/// [`Error::Unsupported`] for encryption, external data files and unknown incompatible
/// features.
///
/// The corrupt bit (incompatible feature bit 1, at offset 72) is refused although qemu still
/// opens such an image read-only: qemu sets it when it caught its own metadata pointing
/// where it must not (an L2 entry onto a refcount block, say), so some guest clusters may
/// map to metadata or to another cluster's data. vmsift ranks settings read from the disk
/// and has no way to tell a reader which of them came from a bad mapping, so it refuses
/// the whole image and says how to repair a copy.
pub(super) fn read(file: &dyn ReadAt) -> Result<Header> {
    let name = file.name();
    let corrupt = |offset: u64, detail: String| Error::Corrupt {
        file: name.to_owned(),
        structure: "QCOW2 header",
        offset,
        detail,
    };
    let unsupported = |offset: u64, detail: String| Error::Unsupported {
        file: name.to_owned(),
        structure: "QCOW2 header",
        offset,
        detail,
    };
    let mut b = [0u8; V3_MIN_HEADER_LEN as usize + 8];
    let n = file.size().min(b.len() as u64) as usize;
    if n < V2_HEADER_LEN as usize {
        return Err(corrupt(
            0,
            format!("the file is {} bytes, shorter than a {V2_HEADER_LEN}-byte header", file.size()),
        ));
    }
    file.read_exact_at(0, &mut b[..n])?;
    if &b[0..4] != b"QFI\xfb" {
        return Err(corrupt(0, "no QFI\\xfb magic".into()));
    }
    let version = be32(&b, 4);
    if version != 2 && version != 3 {
        return Err(unsupported(4, format!("version {version} (only 2 and 3 exist)")));
    }
    let cluster_bits = be32(&b, 20);
    if !CLUSTER_BITS.contains(&cluster_bits) {
        return Err(corrupt(20, format!("cluster_bits {cluster_bits} is outside 9..=21")));
    }
    let cluster_size = 1u64 << cluster_bits;
    let crypt_method = be32(&b, 32);
    if crypt_method != 0 {
        let what = match crypt_method {
            1 => "AES-CBC",
            2 => "LUKS",
            _ => "unknown",
        };
        return Err(unsupported(32, format!("the image is encrypted ({what}, crypt_method {crypt_method})")));
    }
    let (header_len, incompat, compression_byte) = if version == 3 {
        if n < V3_MIN_HEADER_LEN as usize {
            return Err(corrupt(0, format!("the file is {} bytes, shorter than a version 3 header", file.size())));
        }
        let len = be32(&b, 100);
        if len < V3_MIN_HEADER_LEN || u64::from(len) > cluster_size || len % 8 != 0 {
            return Err(corrupt(
                100,
                format!("header_length {len} is not a multiple of 8 from 104 to the cluster size"),
            ));
        }
        let compression = if len > V3_MIN_HEADER_LEN { b.get(104).copied().unwrap_or(0) } else { 0 };
        (len, be64(&b, 72), compression)
    } else {
        (V2_HEADER_LEN, 0, 0)
    };
    if incompat & INCOMPAT_EXTERNAL_DATA != 0 {
        return Err(unsupported(72, "the guest data is in an external data file (data_file option)".into()));
    }
    if incompat & INCOMPAT_CORRUPT != 0 {
        return Err(corrupt(
            72,
            "the corrupt bit is set: qemu found inconsistent metadata in this image and stopped writing to it, so \
             data read from it may be wrong; repair a copy with `qemu-img check -r all` and open that"
                .into(),
        ));
    }
    let known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION_TYPE | INCOMPAT_EXTENDED_L2;
    if incompat & !known != 0 {
        return Err(unsupported(72, format!("unknown incompatible feature bits {:#x}", incompat & !known)));
    }
    let compression = match (incompat & INCOMPAT_COMPRESSION_TYPE != 0, compression_byte) {
        (_, 0) => Compression::Zlib,
        (true, 1) => Compression::Zstd,
        (false, 1) => return Err(corrupt(104, "zstd compression without the compression type feature bit".into())),
        (_, other) => return Err(unsupported(104, format!("compression type {other} (0 zlib and 1 zstd exist)"))),
    };
    let size = be64(&b, 24);
    let l1_size = be32(&b, 36);
    let l1_table_offset = be64(&b, 40);
    let extended_l2 = incompat & INCOMPAT_EXTENDED_L2 != 0;
    if extended_l2 && cluster_bits < 14 {
        return Err(corrupt(20, "extended L2 entries need clusters of at least 16 KiB".into()));
    }
    // Each L2 table maps cluster_size / entry_size clusters.
    let l2_bits = cluster_bits - if extended_l2 { 4 } else { 3 };
    let needed = size.div_ceil(1 << (cluster_bits + l2_bits));
    if u64::from(l1_size) < needed {
        return Err(corrupt(36, format!("l1_size {l1_size} cannot map {size} bytes ({needed} entries needed)")));
    }
    if u64::from(l1_size) * 8 > MAX_L1_BYTES {
        return Err(corrupt(36, format!("l1_size {l1_size} is beyond qemu's 32 MiB L1 limit")));
    }
    if l1_table_offset % cluster_size != 0 {
        return Err(corrupt(40, format!("l1_table_offset {l1_table_offset:#x} is not cluster aligned")));
    }
    let backing_offset = be64(&b, 8);
    let backing_len = be32(&b, 16);
    let backing_file = if backing_offset == 0 || backing_len == 0 {
        None
    } else {
        if backing_len > MAX_BACKING_NAME {
            return Err(corrupt(16, format!("backing_file_size {backing_len} is over {MAX_BACKING_NAME}")));
        }
        let bytes = read_vec(file, backing_offset, u64::from(backing_len))?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    };
    let backing_format = read_extensions(file, u64::from(header_len), cluster_size)?;
    let nb_snapshots = be32(&b, 60);
    let snapshots_offset = be64(&b, 64);
    if nb_snapshots > 0 && snapshots_offset % cluster_size != 0 {
        return Err(corrupt(64, format!("snapshots_offset {snapshots_offset:#x} is not cluster aligned")));
    }
    Ok(Header {
        version,
        cluster_bits,
        size,
        l1_size,
        l1_table_offset,
        backing_file,
        backing_format,
        compression,
        extended_l2,
        dirty: incompat & INCOMPAT_DIRTY != 0,
        nb_snapshots,
        snapshots_offset,
    })
}

/// Walks the header extensions after the header, within the first cluster, and returns
/// the backing format name if one is there. Unknown extensions are skipped, as the
/// specification allows.
fn read_extensions(file: &dyn ReadAt, start: u64, cluster_size: u64) -> Result<Option<String>> {
    let end = cluster_size.min(file.size());
    let mut pos = start;
    let mut backing_format = None;
    for _ in 0..MAX_EXTENSIONS {
        if pos + 8 > end {
            break;
        }
        let mut h = [0u8; 8];
        file.read_exact_at(pos, &mut h)?;
        let kind = be32(&h, 0);
        let len = u64::from(be32(&h, 4));
        if kind == EXT_END {
            break;
        }
        let data = pos + 8;
        if data + len > end {
            return Err(Error::Corrupt {
                file: file.name().to_owned(),
                structure: "QCOW2 header extension",
                offset: pos,
                detail: format!("extension {kind:#010x} of {len} bytes runs past the first cluster"),
            });
        }
        if kind == EXT_BACKING_FORMAT {
            let bytes = read_vec(file, data, len)?;
            backing_format = Some(String::from_utf8_lossy(&bytes).trim_end_matches('\0').to_owned());
        }
        pos = data + len.div_ceil(8) * 8;
    }
    Ok(backing_format)
}

/// Big-endian u32 at `at`, or 0 past the end of `b`.
pub(super) fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_be_bytes)
}

/// Big-endian u64 at `at`, or 0 past the end of `b`.
pub(super) fn be64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_be_bytes)
}
