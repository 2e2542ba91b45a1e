// SPDX-License-Identifier: GPL-3.0-or-later
//! Positional byte sources: the one reader trait every layer reads through and implements.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::{Error, Result};

/// A random-access, read-only byte source.
///
/// Implemented for memory, native files, browser `Blob`s (in the worker crate) and for
/// every virtual-disk layer, so partition tables and filesystems stack on any of them.
/// Readers take `&self`: layers keep their mutable state (caches) behind `RefCell`.
pub trait ReadAt {
    /// Name of the file or layer, used in error messages.
    fn name(&self) -> &str;

    /// Size in bytes.
    fn size(&self) -> u64;

    /// Fills `buf` with the bytes at `offset`.
    ///
    /// # Errors
    /// [`Error::OutOfBounds`] when the range goes past [`ReadAt::size`], or the
    /// underlying source's error.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;
}

/// A shared, dynamically typed source.
pub type Source = Rc<dyn ReadAt>;

impl std::fmt::Debug for dyn ReadAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", self.name(), self.size())
    }
}

impl<T: ReadAt + ?Sized> ReadAt for Rc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
}

/// Checks that `len` bytes at `offset` lie inside a source of `size` bytes.
///
/// # Errors
/// [`Error::OutOfBounds`] otherwise.
pub fn check_bounds(name: &str, size: u64, offset: u64, len: usize) -> Result<()> {
    let len = len as u64;
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(()),
        _ => Err(Error::OutOfBounds { file: name.to_owned(), offset, len, size }),
    }
}

/// Splits a read of `buf` at `offset` into pieces that never cross a multiple of `block`
/// and calls `read(position, piece)` for each, in order: the loop every block-mapped
/// layer needs (cache blocks, VHD/VHDX blocks, VMDK grains). A `block` of 0 is taken as 1.
///
/// # Errors
/// The first error `read` returns.
pub fn read_in_blocks(
    offset: u64,
    buf: &mut [u8],
    block: u64,
    mut read: impl FnMut(u64, &mut [u8]) -> Result<()>,
) -> Result<()> {
    let block = block.max(1);
    let mut done = 0;
    while done < buf.len() {
        let pos = offset + done as u64;
        // At most one block: fits usize because it is at most buf.len().
        let n = (block - pos % block).min((buf.len() - done) as u64) as usize;
        read(pos, &mut buf[done..done + n])?;
        done += n;
    }
    Ok(())
}

/// Reads `len` bytes at `offset` into a new vector, after checking the range against the
/// source size (so a corrupt length can never cause a huge allocation).
///
/// # Errors
/// As [`ReadAt::read_exact_at`].
pub fn read_vec(source: &dyn ReadAt, offset: u64, len: u64) -> Result<Vec<u8>> {
    let too_big = || Error::OutOfBounds { file: source.name().to_owned(), offset, len, size: source.size() };
    let len_usize = usize::try_from(len).map_err(|_| too_big())?;
    check_bounds(source.name(), source.size(), offset, len_usize)?;
    let mut buf = vec![0; len_usize];
    source.read_exact_at(offset, &mut buf)?;
    Ok(buf)
}

/// An in-memory source.
#[derive(Debug, Clone)]
pub struct MemorySource {
    name: String,
    data: Rc<[u8]>,
}

impl MemorySource {
    /// Wraps `data` under `name`.
    pub fn new(name: impl Into<String>, data: impl Into<Rc<[u8]>>) -> Self {
        Self { name: name.into(), data: data.into() }
    }
}

impl ReadAt for MemorySource {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.size(), offset, buf.len())?;
        // In range: checked above, and offset < len <= usize::MAX.
        let start = offset as usize;
        buf.copy_from_slice(&self.data[start..start + buf.len()]);
        Ok(())
    }
}

/// A native file read with `pread`, never loaded whole.
#[cfg(unix)]
#[derive(Debug)]
pub struct FileSource {
    name: String,
    file: std::fs::File,
    size: u64,
}

#[cfg(unix)]
impl FileSource {
    /// Opens `path`; the source is named after the path's file name.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened; [`Error::Unrecognized`] when it is not
    /// a regular file (a FIFO, device or socket: refused before it is opened, since opening
    /// a FIFO blocks until a writer comes).
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let io = |e: std::io::Error| Error::Io {
            file: path.display().to_string(),
            offset: 0,
            len: 0,
            message: e.to_string(),
        };
        let not_regular = |kind: &std::fs::FileType| Error::Unrecognized {
            file: path.display().to_string(),
            detail: format!("is {}, not a regular file; it was not opened", describe_file_type(kind)),
        };
        let kind = std::fs::metadata(path).map_err(io)?.file_type();
        if !kind.is_file() {
            return Err(not_regular(&kind));
        }
        let file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        // Checked again on the open file: the path may have been replaced meanwhile.
        if !meta.file_type().is_file() {
            return Err(not_regular(&meta.file_type()));
        }
        Ok(Self { name, file, size: meta.len() })
    }
}

/// Words for a file type that is not a regular file.
#[cfg(unix)]
fn describe_file_type(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "not a file"
    }
}

#[cfg(unix)]
impl ReadAt for FileSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        check_bounds(&self.name, self.size, offset, buf.len())?;
        self.file.read_exact_at(buf, offset).map_err(|e| Error::Io {
            file: self.name.clone(),
            offset,
            len: buf.len() as u64,
            message: e.to_string(),
        })
    }
}

/// A window `[start, start + len)` of another source, such as a partition.
#[derive(Clone)]
pub struct Slice {
    name: String,
    inner: Source,
    start: u64,
    len: u64,
}

impl std::fmt::Debug for Slice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slice").field("name", &self.name).field("start", &self.start).field("len", &self.len).finish()
    }
}

impl Slice {
    /// A view of `len` bytes of `inner` from `start`.
    ///
    /// # Errors
    /// [`Error::OutOfBounds`] when the window does not fit inside `inner`.
    pub fn new(name: impl Into<String>, inner: Source, start: u64, len: u64) -> Result<Self> {
        let name = name.into();
        match start.checked_add(len) {
            Some(end) if end <= inner.size() => Ok(Self { name, inner, start, len }),
            _ => Err(Error::OutOfBounds { file: inner.name().to_owned(), offset: start, len, size: inner.size() }),
        }
    }
}

impl ReadAt for Slice {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.len
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.len, offset, buf.len())?;
        self.inner.read_exact_at(self.start + offset, buf)
    }
}

/// Counters of what was read from the user's files: the figure that shows a 40 GB
/// image costs only megabytes.
#[derive(Debug, Default)]
pub struct ReadStats {
    bytes: Cell<u64>,
    calls: Cell<u64>,
    input: Cell<u64>,
}

impl ReadStats {
    /// Bytes read from the underlying files.
    pub fn bytes(&self) -> u64 {
        self.bytes.get()
    }
    /// Number of reads issued to the underlying files.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }
    /// Total size of the files supplied: what a scan's resource budget is a multiple of.
    pub fn input_bytes(&self) -> u64 {
        self.input.get()
    }
    /// Adds a supplied file's size to [`Self::input_bytes`].
    pub fn add_input(&self, bytes: u64) {
        self.input.set(self.input.get().saturating_add(bytes));
    }
    fn record(&self, bytes: usize) {
        self.bytes.set(self.bytes.get().saturating_add(bytes as u64));
        self.calls.set(self.calls.get().saturating_add(1));
    }
}

/// Size of a cache block. Large enough that the many small reads parsers issue become
/// few calls (a browser `FileReaderSync` call costs ~0.7 ms), small enough that sparse
/// metadata reads stay cheap.
pub const CACHE_BLOCK_SIZE: usize = 64 * 1024;

/// Default cache capacity, in blocks (16 MiB).
pub const DEFAULT_CACHE_BLOCKS: usize = 256;

/// A cached block and the tick it was last used at.
type CachedBlock = (Rc<[u8]>, u64);

/// A bounded LRU cache of aligned blocks in front of a slow source; counts what it reads
/// from that source in a shared [`ReadStats`].
pub struct BlockCache {
    inner: Source,
    stats: Rc<ReadStats>,
    capacity: usize,
    blocks: RefCell<HashMap<u64, CachedBlock>>,
    tick: Cell<u64>,
}

impl std::fmt::Debug for BlockCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockCache").field("inner", &self.inner.name()).field("capacity", &self.capacity).finish()
    }
}

impl BlockCache {
    /// Caches up to `capacity` blocks of `inner`, counting reads in `stats`.
    pub fn new(inner: Source, stats: Rc<ReadStats>, capacity: usize) -> Self {
        Self { inner, stats, capacity: capacity.max(1), blocks: RefCell::new(HashMap::new()), tick: Cell::new(0) }
    }

    fn block(&self, index: u64) -> Result<Rc<[u8]>> {
        let tick = self.tick.get() + 1;
        self.tick.set(tick);
        if let Some((data, used)) = self.blocks.borrow_mut().get_mut(&index) {
            *used = tick;
            return Ok(Rc::clone(data));
        }
        let start = index * CACHE_BLOCK_SIZE as u64;
        let len = (self.inner.size() - start).min(CACHE_BLOCK_SIZE as u64) as usize;
        let mut data = vec![0; len];
        self.inner.read_exact_at(start, &mut data)?;
        self.stats.record(len);
        let data: Rc<[u8]> = data.into();
        let mut blocks = self.blocks.borrow_mut();
        if blocks.len() >= self.capacity {
            // Linear scan: the capacity is a few hundred blocks and misses cost far more.
            if let Some(oldest) = blocks.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k) {
                blocks.remove(&oldest);
            }
        }
        blocks.insert(index, (Rc::clone(&data), tick));
        Ok(data)
    }
}

impl ReadAt for BlockCache {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(self.name(), self.size(), offset, buf.len())?;
        let block_size = CACHE_BLOCK_SIZE as u64;
        read_in_blocks(offset, buf, block_size, |pos, part| {
            let block = self.block(pos / block_size)?;
            let within = (pos % block_size) as usize;
            let data = block.get(within..within + part.len()).ok_or_else(|| Error::OutOfBounds {
                file: self.name().to_owned(),
                offset: pos,
                len: part.len() as u64,
                size: self.size(),
            })?;
            part.copy_from_slice(data);
            Ok(())
        })
    }
}

/// Adapts a source to `std::io::{Read, Seek}` (and a `Write` that always fails) for
/// filesystem crates that want streams.
#[derive(Debug)]
pub struct Cursor<S> {
    source: S,
    pos: u64,
}

impl<S: ReadAt> Cursor<S> {
    /// A cursor at offset 0.
    pub fn new(source: S) -> Self {
        Self { source, pos: 0 }
    }
}

fn to_io(e: Error) -> std::io::Error {
    std::io::Error::other(e)
}

impl<S: ReadAt> std::io::Read for Cursor<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let remaining = self.source.size().saturating_sub(self.pos);
        let n = (buf.len() as u64).min(remaining) as usize;
        if n == 0 {
            return Ok(0);
        }
        self.source.read_exact_at(self.pos, &mut buf[..n]).map_err(to_io)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: ReadAt> std::io::Seek for Cursor<S> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        let new = match pos {
            std::io::SeekFrom::Start(p) => Some(p),
            std::io::SeekFrom::End(d) => self.source.size().checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let new = new.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before start"))?;
        self.pos = new;
        Ok(new)
    }
}

impl<S: ReadAt> std::io::Write for Cursor<S> {
    fn write(&mut self, _buf: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "vmsift never writes to an image"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_returns_source_bytes_and_counts_block_reads() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mem: Source = Rc::new(MemorySource::new("m", data.clone()));
        let stats = Rc::new(ReadStats::default());
        let cache = BlockCache::new(mem, Rc::clone(&stats), 2);
        let mut buf = vec![0; 70_000];
        cache.read_exact_at(60_000, &mut buf).unwrap();
        assert_eq!(buf, data[60_000..130_000]);
        assert_eq!(stats.calls(), 2);
        cache.read_exact_at(65_536, &mut buf[..10]).unwrap();
        assert_eq!(stats.calls(), 2, "second read is served from the cache");
        // The last block is short: 200_000 - 3 * 65_536.
        let mut tail = [0; 4];
        cache.read_exact_at(199_996, &mut tail).unwrap();
        assert_eq!(tail, data[199_996..]);
        assert_eq!(stats.bytes(), 2 * 65_536 + (200_000 - 3 * 65_536));
        assert!(matches!(cache.read_exact_at(199_999, &mut tail), Err(Error::OutOfBounds { .. })));
    }

    #[test]
    fn slice_rejects_windows_past_the_end() {
        let mem: Source = Rc::new(MemorySource::new("m", vec![0u8; 100]));
        assert!(Slice::new("p1", Rc::clone(&mem), 50, 51).is_err());
        let s = Slice::new("p1", mem, 50, 50).unwrap();
        let mut b = [0; 1];
        assert!(s.read_exact_at(50, &mut b).is_err());
    }

    #[test]
    fn read_vec_refuses_lengths_beyond_the_source() {
        let mem = MemorySource::new("m", vec![0u8; 10]);
        assert!(matches!(read_vec(&mem, 0, u64::MAX), Err(Error::OutOfBounds { .. })));
    }
}
