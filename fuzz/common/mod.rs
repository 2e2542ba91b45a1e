// SPDX-License-Identifier: GPL-3.0-or-later
//! Helpers shared by the fuzz targets: force a family's magic onto the input, read a few
//! ranges of a virtual disk, walk a filesystem with hard bounds.
#![allow(dead_code)]

use std::rc::Rc;

use imagefs::container::{open_disk, FileSet};
use imagefs::{FileSystem, MemorySource, Source};

/// Directories visited at most per input.
const MAX_DIRS: usize = 64;
/// Entries looked at per directory.
const MAX_ENTRIES: usize = 64;
/// Files read per input.
const MAX_FILES: usize = 64;
/// Directory nesting walked.
const MAX_DEPTH: usize = 6;

/// The input as a source called `name`.
pub fn source(name: &str, data: &[u8]) -> Source {
    Rc::new(MemorySource::new(name, data.to_vec()))
}

/// `data` with `magic` written at `at` (grown if needed), so that the fuzzer spends its
/// time past the magic check of one family.
pub fn with_magic(data: &[u8], at: usize, magic: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    if v.len() < at + magic.len() {
        v.resize(at + magic.len(), 0);
    }
    v[at..at + magic.len()].copy_from_slice(magic);
    v
}

/// Opens `top` as a disk (with `others` as the files beside it), reads its first, middle
/// and last sectors, and, when `deep`, its partitions and filesystems.
pub fn open_container(top: Source, others: Vec<Source>, deep: bool) {
    let mut files = vec![Rc::clone(&top)];
    files.extend(others);
    let set = FileSet::new(files);
    let Ok(disk) = open_disk(top, &set) else { return };
    let size = disk.source.size();
    let mut buf = vec![0u8; 4096];
    for offset in [0, size / 2, size.saturating_sub(4096), size.saturating_sub(1)] {
        let len = (size - offset.min(size)).min(4096) as usize;
        let _ = disk.source.read_exact_at(offset, &mut buf[..len]);
    }
    // Past the end must be an error, not a panic.
    let _ = disk.source.read_exact_at(size, &mut buf[..1]);
    if deep {
        partitions_and_filesystems(&disk.source);
    }
}

/// Partition table, then every partition's filesystem, walked.
pub fn partitions_and_filesystems(disk: &Source) {
    let Ok((_, parts)) = imagefs::partition::read_partitions(&**disk) else { return };
    for p in parts.iter().take(8) {
        if let Ok(Some(fs)) = p.open(disk).and_then(imagefs::fs::open_filesystem) {
            walk(&*fs);
        }
    }
}

/// Lists the tree breadth-first within the bounds above and reads the start of files,
/// their metadata, and a range past their end.
pub fn walk(fs: &dyn FileSystem) {
    let _ = fs.label();
    let mut queue = vec![("/".to_owned(), 0usize)];
    let (mut dirs, mut files) = (0, 0);
    while let Some((dir, depth)) = queue.pop() {
        dirs += 1;
        if dirs > MAX_DIRS {
            break;
        }
        let Ok(entries) = fs.read_dir(&dir) else { continue };
        for e in entries.iter().take(MAX_ENTRIES) {
            let path = if dir == "/" { format!("/{}", e.name) } else { format!("{dir}/{}", e.name) };
            let _ = fs.metadata(&path);
            if e.is_dir {
                if depth < MAX_DEPTH {
                    queue.push((path, depth + 1));
                }
            } else if files < MAX_FILES {
                files += 1;
                let _ = fs.read_range(&path, 0, 4096);
                let _ = fs.read_range(&path, e.size.saturating_sub(100), 200);
            }
        }
    }
    // Paths that do not exist, or go through a file.
    let _ = fs.metadata("/no/such/path");
    let _ = fs.read_dir("/etc/localtime/x");
}

/// Splits `data` at a 4-byte little-endian length prefix: (first, rest). Inputs without a
/// plausible prefix go whole to the first part.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    if data.len() < 4 {
        return (data, &[]);
    }
    let n = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let rest = &data[4..];
    if n > rest.len() {
        return (data, &[]);
    }
    rest.split_at(n)
}
