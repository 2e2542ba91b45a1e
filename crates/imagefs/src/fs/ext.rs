// SPDX-License-Identifier: GPL-3.0-or-later
//! ext2/ext3/ext4 through the `ext4-view` crate, which replays the journal in memory,
//! checks metadata checksums and follows symlinks with its own loop limit.

use ext4_view::{Ext4, Ext4Error, Ext4Read};

use super::{components, DirEntry, FileSystem, FsKind, Metadata};
use crate::{Error, ReadAt, Result, Source};

/// Directory entries listed at most per directory; ext4 directories with htree indexes hold
/// millions at most, and a corrupt one must not list forever.
const MAX_DIR_ENTRIES: usize = 1 << 20;

/// Bytes read per call into ext4-view (and the step by which a read buffer grows).
const READ_CHUNK: usize = 1 << 20;

/// Incompatible feature flag: 64-bit block numbers (and descriptors of `s_desc_size` bytes).
const INCOMPAT_64BIT: u32 = 0x80;

/// Offset of the superblock, for error messages about the volume as a whole.
const SUPERBLOCK: u64 = 1024;

/// Lets `ext4-view` read a [`Source`].
struct Reader(Source);

impl Ext4Read for Reader {
    fn read(
        &mut self,
        start_byte: u64,
        dst: &mut [u8],
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.read_exact_at(start_byte, dst).map_err(|e| Box::new(e) as _)
    }
}

pub(super) struct ExtFs {
    volume: String,
    fs: Ext4,
}

/// Our error for one of `ext4-view`, keeping read errors of the source as they were.
fn map_error(volume: &str, path: &str, e: Ext4Error) -> Error {
    match e {
        Ext4Error::NotFound => Error::NotFound { volume: volume.to_owned(), path: path.to_owned() },
        Ext4Error::Io(inner) => match inner.downcast::<Error>() {
            Ok(ours) => *ours,
            Err(other) => {
                Error::Filesystem { volume: volume.to_owned(), path: path.to_owned(), message: other.to_string() }
            }
        },
        Ext4Error::Incompatible(i) => Error::Unsupported {
            file: volume.to_owned(),
            structure: "ext superblock",
            offset: SUPERBLOCK,
            detail: format!("incompatible features: {i}"),
        },
        Ext4Error::Encrypted => Error::Unsupported {
            file: volume.to_owned(),
            structure: "ext inode",
            offset: SUPERBLOCK,
            detail: format!("{path} is encrypted (fscrypt)"),
        },
        other => Error::Filesystem { volume: volume.to_owned(), path: path.to_owned(), message: other.to_string() },
    }
}

/// Refuses a superblock whose block count implies more block group descriptors than the
/// volume can hold: ext4-view allocates its descriptor vector from that count before reading
/// any of them (a 10 KB fuzzed image asked for 2 GB).
fn check_group_count(volume: &dyn ReadAt) -> Result<()> {
    let mut sb = [0u8; 1024];
    volume.read_exact_at(SUPERBLOCK, &mut sb)?;
    let le32 = |at: usize| sb.get(at..at + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let is_64bit = le32(0x60) & INCOMPAT_64BIT != 0;
    let blocks = u64::from(le32(4)) | if is_64bit { u64::from(le32(0x150)) << 32 } else { 0 };
    let per_group = u64::from(le32(32));
    if per_group == 0 {
        return Ok(()); // ext4-view refuses it
    }
    let groups = blocks.saturating_sub(u64::from(le32(20))).div_ceil(per_group);
    let desc_size = if is_64bit { u64::from(le32(0xfc) >> 16).max(32) } else { 32 };
    if groups.saturating_mul(desc_size) > volume.size() {
        return Err(Error::Corrupt {
            file: volume.name().to_owned(),
            structure: "ext superblock",
            offset: SUPERBLOCK + 4,
            detail: format!(
                "{blocks} blocks in groups of {per_group} need {groups} group descriptors, more than the {}-byte volume holds",
                volume.size()
            ),
        });
    }
    Ok(())
}

impl ExtFs {
    pub(super) fn open(volume: Source) -> Result<Self> {
        let name = volume.name().to_owned();
        check_group_count(&*volume)?;
        let fs = Ext4::load(Box::new(Reader(volume))).map_err(|e| match e {
            Ext4Error::Corrupt(c) => Error::Corrupt {
                file: name.clone(),
                structure: "ext superblock",
                offset: SUPERBLOCK,
                detail: c.to_string(),
            },
            other => map_error(&name, "/", other),
        })?;
        Ok(Self { volume: name, fs })
    }

    fn absolute(path: &str) -> String {
        format!("/{}", components(path).collect::<Vec<_>>().join("/"))
    }

    fn error(&self, path: &str, e: Ext4Error) -> Error {
        map_error(&self.volume, path, e)
    }
}

impl FileSystem for ExtFs {
    fn kind(&self) -> FsKind {
        FsKind::Ext
    }

    fn label(&self) -> Option<String> {
        self.fs.label().to_str().ok().map(str::to_owned).filter(|l| !l.is_empty())
    }

    fn volume(&self) -> &str {
        &self.volume
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let abs = Self::absolute(path);
        let mut entries = Vec::new();
        for entry in self.fs.read_dir(abs.as_str()).map_err(|e| self.error(path, e))? {
            if entries.len() >= MAX_DIR_ENTRIES {
                return Err(Error::Filesystem {
                    volume: self.volume.clone(),
                    path: path.to_owned(),
                    message: format!("more than {MAX_DIR_ENTRIES} entries"),
                });
            }
            let entry = entry.map_err(|e| self.error(path, e))?;
            let name = entry.file_name().display().to_string();
            if name == "." || name == ".." {
                continue;
            }
            // Symlinks are listed as such (not followed): size is the target's length.
            let meta = entry.metadata().map_err(|e| self.error(path, e))?;
            let is_dir = meta.is_dir();
            let id = Some(u64::from(entry.inode()));
            entries.push(DirEntry { name, is_dir, size: if is_dir { 0 } else { meta.len() }, id });
        }
        Ok(entries)
    }

    fn metadata(&self, path: &str) -> Result<Metadata> {
        let meta = self.fs.metadata(Self::absolute(path).as_str()).map_err(|e| self.error(path, e))?;
        let is_dir = meta.is_dir();
        Ok(Metadata { is_dir, size: if is_dir { 0 } else { meta.len() } })
    }

    fn read_link(&self, path: &str) -> Result<Option<String>> {
        let abs = Self::absolute(path);
        let meta = self.fs.symlink_metadata(abs.as_str()).map_err(|e| self.error(path, e))?;
        if !meta.is_symlink() {
            return Ok(None);
        }
        let target = self.fs.read_link(abs.as_str()).map_err(|e| self.error(path, e))?;
        Ok(Some(target.display().to_string()))
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let mut file = self.fs.open(Self::absolute(path).as_str()).map_err(|e| self.error(path, e))?;
        let size = file.metadata().len();
        let want = len.min(size.saturating_sub(offset));
        if want == 0 {
            return Ok(Vec::new());
        }
        // Not `File::seek_to`: it skips blocks ignoring errors, and a block map it could not
        // read (a truncated or corrupt volume) then makes the next read panic inside
        // ext4-view ("called `Option::unwrap()` on a `None` value", file.rs:132). Reading up
        // to `offset` reports the error instead; the block iteration is the same.
        let mut skip = offset;
        let mut scratch = vec![0u8; READ_CHUNK.min(usize::try_from(offset).unwrap_or(READ_CHUNK))];
        while skip > 0 {
            let part = usize::try_from(skip).unwrap_or(usize::MAX).min(scratch.len());
            let n = file.read_bytes(&mut scratch[..part]).map_err(|e| self.error(path, e))?;
            if n == 0 {
                return Ok(Vec::new());
            }
            skip -= n as u64;
        }
        // Grown as data arrives rather than sized from the inode: the size field is not
        // checked against the volume, and a corrupt one must not cost its size in memory.
        let want = usize::try_from(want).unwrap_or(usize::MAX);
        let mut buf = Vec::new();
        let mut done = 0;
        // Each turn reads at least one byte or stops, so this ends within want turns.
        while done < want {
            if done == buf.len() {
                buf.resize(done + (want - done).min(READ_CHUNK), 0);
            }
            let n = file.read_bytes(&mut buf[done..]).map_err(|e| self.error(path, e))?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        Ok(buf)
    }
}
