// SPDX-License-Identifier: GPL-3.0-or-later
//! Filesystems behind one trait: FAT12/16/32, NTFS and ext2/3/4 on volumes, and directory
//! trees that are not images (a host directory, or a list of named files).

#[cfg(unix)]
mod dir;
mod ext;
mod fat;
mod ntfs;
mod tree;

#[cfg(unix)]
pub use dir::{DirFs, MAX_DIR_ENTRIES};
pub use tree::{TreeFs, MAX_TREE_DEPTH};

use crate::{Error, ReadAt, Result, Source};

/// Filesystem families vmsift reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    /// FAT12, FAT16 or FAT32.
    Fat,
    /// NTFS.
    Ntfs,
    /// ext2, ext3 or ext4.
    Ext,
    /// A directory tree that is not an image: an extracted or mounted filesystem, a
    /// dropped folder, loose hive files.
    Tree,
}

impl FsKind {
    /// Short display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fat => "FAT",
            Self::Ntfs => "NTFS",
            Self::Ext => "ext",
            Self::Tree => "directory",
        }
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// Name as stored (original case).
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Size in bytes (0 for directories).
    pub size: u64,
    /// The file's number on its volume, where the filesystem has one: the inode number (ext,
    /// a host directory), the file record number (NTFS), the first cluster (FAT; `None` for
    /// an empty file). Every hard link of a file has the same, and so has a directory
    /// reached again through a loop; `None` in trees of named files.
    pub id: Option<u64>,
}

/// What [`FileSystem::metadata`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Size in bytes.
    pub size: u64,
}

/// Files longer than this are never read whole (`read_file`'s default limit).
pub const DEFAULT_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// A read-only filesystem. Paths are absolute, `/`-separated; lookups are
/// case-insensitive on FAT and NTFS.
pub trait FileSystem {
    /// Family.
    fn kind(&self) -> FsKind;

    /// Volume label, when the filesystem has one.
    fn label(&self) -> Option<String>;

    /// Description for messages: the volume's source name.
    fn volume(&self) -> &str;

    /// Entries of the directory at `path` (without `.` and `..`).
    ///
    /// # Errors
    /// [`Error::NotFound`], or the filesystem's error.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>>;

    /// Metadata of the file or directory at `path`.
    ///
    /// # Errors
    /// [`Error::NotFound`], or the filesystem's error.
    fn metadata(&self, path: &str) -> Result<Metadata>;

    /// Up to `len` bytes of the file at `path` from `offset` (fewer at the end of the file).
    ///
    /// # Errors
    /// [`Error::NotFound`], or the filesystem's error.
    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>>;

    /// The target of the symbolic link at `path` as stored (not resolved), or `None` when
    /// `path` is not a symlink or the filesystem has none (FAT, NTFS here).
    ///
    /// # Errors
    /// [`Error::NotFound`], or the filesystem's error.
    fn read_link(&self, path: &str) -> Result<Option<String>> {
        self.metadata(path).map(|_| None)
    }

    /// The whole file at `path`, refusing files over `limit` bytes.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::NotFound`], or the filesystem's error.
    fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>> {
        let meta = self.metadata(path)?;
        if meta.size > limit {
            return Err(Error::TooLarge {
                volume: self.volume().to_owned(),
                path: path.to_owned(),
                size: meta.size,
                limit,
            });
        }
        self.read_range(path, 0, meta.size)
    }
}

impl std::fmt::Debug for dyn FileSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} filesystem on {}", self.kind().as_str(), self.volume())
    }
}

/// Recognises the filesystem on `volume` by its magic bytes and opens it.
///
/// Returns `Ok(None)` when no supported filesystem is there (swap, unformatted,
/// an unknown type), so callers can skip such partitions.
///
/// # Errors
/// A recognised filesystem that fails to open.
pub fn open_filesystem(volume: Source) -> Result<Option<Box<dyn FileSystem>>> {
    let mut head = [0u8; 2048];
    if volume.size() < head.len() as u64 {
        return Ok(None);
    }
    volume.read_exact_at(0, &mut head)?;
    if &head[3..11] == b"NTFS    " {
        return Ok(Some(Box::new(ntfs::NtfsFs::open(volume)?)));
    }
    if head[1080..1082] == [0x53, 0xef] {
        return Ok(Some(Box::new(ext::ExtFs::open(volume)?)));
    }
    if fat::looks_like_fat(&head) {
        return Ok(Some(Box::new(fat::FatFs::open(volume)?)));
    }
    Ok(None)
}

/// Splits an absolute path into its non-empty components.
pub(crate) fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".")
}
