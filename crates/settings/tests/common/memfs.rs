// SPDX-License-Identifier: GPL-3.0-or-later
//! A one-file in-memory Windows volume holding a SYSTEM hive at its real path: shared by the
//! native (`examples/registry_speed.rs`) and wasm (`crates/worker/tests/extract_speed.rs`)
//! halves of the registry speed comparison, so both extract from the same filesystem code.

use imagefs::{DirEntry, Error, FileSystem, FsKind, Metadata};

const DIR: &str = "/Windows/System32/config";
const FILE: &str = "/Windows/System32/config/SYSTEM";

/// The volume.
#[derive(Debug)]
pub(crate) struct MemFs(Vec<u8>);

impl MemFs {
    /// A volume whose only file is `bytes` as `Windows/System32/config/SYSTEM`.
    pub(crate) fn system_hive(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    fn not_found(path: &str) -> Error {
        Error::NotFound { volume: "mem".into(), path: path.into() }
    }
}

impl FileSystem for MemFs {
    fn kind(&self) -> FsKind {
        FsKind::Fat
    }
    fn label(&self) -> Option<String> {
        None
    }
    fn volume(&self) -> &str {
        "mem"
    }
    fn read_dir(&self, path: &str) -> imagefs::Result<Vec<DirEntry>> {
        if path.eq_ignore_ascii_case(DIR) {
            Ok(vec![DirEntry { name: "SYSTEM".into(), is_dir: false, size: self.0.len() as u64, id: None }])
        } else {
            Err(Self::not_found(path))
        }
    }
    fn metadata(&self, path: &str) -> imagefs::Result<Metadata> {
        if path.eq_ignore_ascii_case(FILE) {
            Ok(Metadata { is_dir: false, size: self.0.len() as u64 })
        } else if path.eq_ignore_ascii_case(DIR) {
            Ok(Metadata { is_dir: true, size: 0 })
        } else {
            Err(Self::not_found(path))
        }
    }
    fn read_range(&self, path: &str, offset: u64, len: u64) -> imagefs::Result<Vec<u8>> {
        if !path.eq_ignore_ascii_case(FILE) {
            return Err(Self::not_found(path));
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.0.len());
        let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX)).min(self.0.len());
        Ok(self.0[start..end].to_vec())
    }
}
