// SPDX-License-Identifier: GPL-3.0-or-later
//! Lazy, read-only access to virtual-machine disk images.
//!
//! imagefs turns a random-access byte source into files while reading only what is
//! needed: container headers and tables, partition tables, filesystem metadata and the
//! files asked for. A 40 GB image costs a few megabytes of reads. It never writes, does
//! no I/O beyond the [`ReadAt`] sources it is given, and reports malformed input as an
//! [`Error`] naming the file, the structure and the offset, never as a panic.
//!
//! Getting started:
//! 1. Wrap each file of a VM in a [`Source`] ([`FileSource`] natively, [`MemorySource`],
//!    or the browser `Blob` reader of the worker crate).
//! 2. Call [`open_machine`]: containers are detected by magic bytes, partition tables
//!    (MBR, GPT, or none) are read, and every recognised filesystem becomes a [`Volume`].
//! 3. Use each volume's [`FileSystem`] to list directories and read files.
//! 4. [`Machine::stats`] tells how many bytes were read from the files.
//!
//! Non-goals: writing images, repairing them, or reading encrypted volumes.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod container;
mod error;
pub mod fs;
mod machine;
pub mod os;
pub mod partition;
mod source;

pub use error::{Error, Result};
pub use fs::{DirEntry, FileSystem, FsKind, Metadata};
pub use machine::{is_config_file, open_machine, open_machine_with, open_tree, place_hive, Machine, Volume};
#[cfg(unix)]
pub use source::FileSource;
pub use source::{
    check_bounds, read_in_blocks, read_vec, BlockCache, Cursor, MemorySource, ReadAt, ReadStats, Slice, Source,
    CACHE_BLOCK_SIZE, DEFAULT_CACHE_BLOCKS,
};
