// SPDX-License-Identifier: GPL-3.0-or-later
//! MACHINE arguments: a disk image file, or a directory holding one VM's files.

use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, Result};
use imagefs::{open_machine, FileSource, Machine, Source};
use settings::{scan_machine, ExtractionProfile, MachineScan};

/// Opens the machine at `path`.
pub(crate) fn open(path: &Path) -> Result<Machine> {
    let mut files: Vec<Source> = Vec::new();
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot list directory", path.display()))?
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("{}: cannot list directory", path.display()))?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            if entry.file_type()?.is_file() {
                files.push(Rc::new(FileSource::open(&entry.path())?));
            }
        }
    } else {
        files.push(Rc::new(FileSource::open(path)?));
    }
    open_machine(files).with_context(|| format!("{}: cannot open machine", path.display()))
}

/// Opens and scans the machine at `path`; its warnings go to stderr (see
/// [`crate::warnings::report`]).
pub(crate) fn scan(path: &Path, profile: &ExtractionProfile) -> Result<MachineScan> {
    let machine = open(path)?;
    let scan = scan_machine(&machine, profile);
    crate::warnings::report(path, &scan.warnings);
    Ok(scan)
}
