// SPDX-License-Identifier: GPL-3.0-or-later
//! Errors of peer profiles: decoding, arithmetic, hashing.

use model::Kind;

/// Which serialized form an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The binary `VMSIFTPP` file.
    Binary,
    /// The JSON export.
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Binary => "binary peer profile",
            Self::Json => "JSON peer profile",
        })
    }
}

/// Errors reading, combining or hashing peer profiles.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    /// The bytes are not a valid profile. `offset` is the absolute byte offset in the
    /// binary file; for JSON it is the byte offset of the element (0 when only the element
    /// path is known) and `structure` names the element (e.g. `settings[3].values[1]`).
    #[error("{format}: {structure} at offset {offset}: {reason}")]
    Corrupt {
        /// Binary or JSON.
        format: Format,
        /// The structure being read.
        structure: String,
        /// Absolute byte offset.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Written by a newer vmsift (or not a version this build knows).
    #[error("{format}: version {found} at offset {offset} is not supported (this build reads version {supported}); it was written by a newer vmsift")]
    UnsupportedVersion {
        /// Binary or JSON.
        format: Format,
        /// Version found.
        found: u64,
        /// Version this build reads.
        supported: u32,
        /// Offset of the version field.
        offset: u64,
    },
    /// Subtracting would make a count negative.
    #[error("cannot subtract: {what} would go below zero (have {have}, removing {remove})")]
    Negative {
        /// The count concerned: the peers, a setting value, or a directory.
        what: String,
        /// Count in the profile.
        have: u32,
        /// Count to remove.
        remove: u32,
    },
    /// A count would exceed `u32::MAX`.
    #[error("peer profile: {what} overflows a 32-bit count")]
    Overflow {
        /// The count concerned.
        what: String,
    },
    /// Hashed and plain profiles (or profiles hashed with different salts) cannot be combined,
    /// or a salt does not match the profile.
    #[error("peer profile: {0}")]
    Hashing(String),
}

/// How a value's setting is named in messages.
pub(crate) fn describe(kind: Kind, path: &str, name: &str) -> String {
    format!("{} {path} {name}", kind.as_str())
}
