// SPDX-License-Identifier: GPL-3.0-or-later
//! MACHINE arguments: a disk image file, a loose hive file, a directory holding one VM's
//! files (or hive files), or a directory holding a guest filesystem tree.

use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, Result};
use imagefs::container::SiblingLookup;
use imagefs::fs::DirFs;
use imagefs::{open_machine, open_machine_with, open_tree, FileSource, Machine, ReadStats, Source};
use settings::{scan_machine, ExtractionProfile, MachineScan};

/// Opens the machine at `path`.
///
/// A directory with `Windows/System32/config` or `etc` at its root is a filesystem tree
/// (read in place, never leaving it); any other directory holds the machine's files. A
/// file given alone finds the extents and parents it names in its own directory, by base
/// name only, as qemu-img does.
pub(crate) fn open(path: &Path) -> Result<Machine> {
    let mut files: Vec<Source> = Vec::new();
    if path.is_dir() {
        let stats = Rc::new(ReadStats::default());
        let tree = DirFs::open(path, Rc::clone(&stats)).with_context(|| format!("{}: cannot open", path.display()))?;
        if imagefs::os::detect_os(&tree).is_some() {
            return Ok(open_tree(Box::new(tree), stats));
        }
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
        if files.is_empty() {
            anyhow::bail!(
                "{}: holds no files and no filesystem tree (Windows/System32/config or etc at its root)",
                path.display()
            );
        }
        return open_machine(files).with_context(|| format!("{}: cannot open machine", path.display()));
    }
    files.push(Rc::new(FileSource::open(path)?));
    let dir = path.parent().map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf);
    files.extend(hive_logs_beside(path, &dir));
    open_machine_with(files, Some(siblings_in(dir))).with_context(|| format!("{}: cannot open machine", path.display()))
}

/// The transaction logs (`<name>.LOG`, `.LOG1`, `.LOG2`, any case) beside a loose hive
/// file, so that a dirty hive given alone is replayed as Windows would.
fn hive_logs_beside(path: &Path, dir: &Path) -> Vec<Source> {
    let mut magic = [0u8; 4];
    let is_hive = std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)).is_ok()
        && &magic == b"regf";
    let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|_| is_hive) else { return vec![] };
    let wanted: Vec<String> = ["log", "log1", "log2"].iter().map(|e| format!("{name}.{e}")).collect();
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) else {
        return vec![];
    };
    let mut logs: Vec<_> = entries
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(|n| wanted.iter().any(|w| w.eq_ignore_ascii_case(n))))
        .map(|e| e.path())
        .collect();
    logs.sort();
    logs.iter().filter_map(|p| FileSource::open(p).ok()).map(|f| Rc::new(f) as Source).collect()
}

/// Finds a file by base name in `dir`; only regular files (a FIFO would block).
fn siblings_in(dir: std::path::PathBuf) -> SiblingLookup {
    Rc::new(move |base: &str| {
        let candidate = dir.join(base);
        // `base` is one component (FileSet strips directory parts); check anyway.
        if candidate.parent() != Some(dir.as_path()) || !candidate.metadata().is_ok_and(|m| m.is_file()) {
            return None;
        }
        FileSource::open(&candidate).ok().map(|f| Rc::new(f) as Source)
    })
}

/// Opens and scans the machine at `path`; its warnings go to stderr (see
/// [`crate::warnings::report`]).
pub(crate) fn scan(path: &Path, profile: &ExtractionProfile) -> Result<MachineScan> {
    let machine = open(path)?;
    let scan = scan_machine(&machine, profile);
    crate::warnings::report(path, &scan.warnings);
    Ok(scan)
}
