// SPDX-License-Identifier: GPL-3.0-or-later
//! The one error type of the crate.

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading an image.
///
/// Every variant names the file (or layer) it concerns and, where the failure is tied to
/// bytes on disk, the structure being decoded and its absolute offset in that file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The byte source itself failed (I/O error, browser read error).
    #[error("{file}: reading {len} bytes at offset {offset:#x} failed: {message}")]
    Io {
        /// File or layer name.
        file: String,
        /// Absolute offset of the read.
        offset: u64,
        /// Length of the read.
        len: u64,
        /// What the platform said.
        message: String,
    },
    /// A read reached past the end of the source: a truncated file or a bad pointer.
    #[error("{file}: reading {len} bytes at offset {offset:#x} goes past the end of the file ({size} bytes); is it truncated?")]
    OutOfBounds {
        /// File or layer name.
        file: String,
        /// Absolute offset of the read.
        offset: u64,
        /// Length of the read.
        len: u64,
        /// Size of the source.
        size: u64,
    },
    /// An on-disk structure holds values that cannot be right.
    #[error("{file}: corrupt {structure} at offset {offset:#x}: {detail}")]
    Corrupt {
        /// File or layer name.
        file: String,
        /// Name of the on-disk structure, as in its specification.
        structure: &'static str,
        /// Absolute offset of the structure (or of the faulty field).
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// A valid structure uses a feature vmsift does not read.
    #[error("{file}: {structure} at offset {offset:#x} uses an unsupported feature: {detail}")]
    Unsupported {
        /// File or layer name.
        file: String,
        /// Name of the on-disk structure.
        structure: &'static str,
        /// Absolute offset of the structure.
        offset: u64,
        /// The feature.
        detail: String,
    },
    /// A multi-file image needs a file that was not supplied with it.
    #[error("{needed_by} needs {what}: add that file to the same machine")]
    MissingFile {
        /// The file that refers to the missing one.
        needed_by: String,
        /// Which file is needed (name, UUID), in words.
        what: String,
    },
    /// A path does not exist inside a filesystem.
    #[error("{volume}: {path}: no such file or directory")]
    NotFound {
        /// Volume description.
        volume: String,
        /// Path that was looked up.
        path: String,
    },
    /// A file is larger than the caller allowed it to be read.
    #[error("{volume}: {path} is {size} bytes, more than the {limit}-byte limit for reading it")]
    TooLarge {
        /// Volume description.
        volume: String,
        /// Path of the file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// No known container, partition table or filesystem was recognised.
    #[error("{file}: {detail}")]
    Unrecognized {
        /// File or layer name.
        file: String,
        /// What was tried.
        detail: String,
    },
    /// A filesystem library reported an error.
    #[error("{volume}: {path}: {message}")]
    Filesystem {
        /// Volume description.
        volume: String,
        /// Path being accessed.
        path: String,
        /// The library's message.
        message: String,
    },
}
