// SPDX-License-Identifier: GPL-3.0-or-later
//! A machine: the files of one VM, opened down to its filesystems.

use std::rc::Rc;

use crate::container::{self, Disk, FileSet, SiblingLookup};
use crate::fs::{open_filesystem, FileSystem, TreeFs};
use crate::os::{detect_os, OsInfo};
use crate::partition::{read_partitions, Partition, Scheme};
use crate::{BlockCache, Error, ReadStats, Result, Source, DEFAULT_CACHE_BLOCKS};

/// Extensions of VM configuration and side files, never taken for disk images.
const CONFIG_EXTENSIONS: &[&str] =
    &["vmx", "vbox", "xml", "ovf", "mf", "vmsd", "vmxf", "nvram", "log", "json", "txt", "ini", "conf", "cfg"];

/// One mounted filesystem of a machine.
#[derive(Debug)]
pub struct Volume {
    /// Index into [`Machine::disks`]; `None` for a tree that is no disk's (a directory,
    /// loose hive files).
    pub disk: Option<usize>,
    /// Where on that disk (for a tree: number 0, no scheme, its files' total size).
    pub partition: Partition,
    /// The filesystem.
    pub fs: Box<dyn FileSystem>,
}

/// One VM, opened lazily: nothing beyond headers, tables and boot sectors has been read.
#[derive(Debug)]
pub struct Machine {
    /// Virtual disks, in the order supplied.
    pub disks: Vec<Disk>,
    /// Partition scheme per disk.
    pub schemes: Vec<Scheme>,
    /// Readable filesystems on all disks.
    pub volumes: Vec<Volume>,
    /// Configuration files supplied beside the disks (.vmx, .vbox, libvirt XML, OVF…).
    pub config_files: Vec<Source>,
    /// Detected operating system (first volume that has one).
    pub os: Option<OsInfo>,
    /// Problems that did not stop the machine from opening (a partition that failed).
    pub warnings: Vec<Error>,
    /// Bytes and calls read from the supplied files.
    pub stats: Rc<ReadStats>,
}

/// Is `name` a configuration or side file rather than a disk image?
pub fn is_config_file(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| CONFIG_EXTENSIONS.iter().any(|c| ext.eq_ignore_ascii_case(c)))
}

/// Opens the machine made of `files`: each file is wrapped in a block cache that counts
/// reads, disk images are opened through their containers and partition tables, and every
/// recognised filesystem becomes a [`Volume`]. Registry hive files (and their logs) among
/// them become one more volume holding them where Windows keeps them (see [`place_hive`]).
///
/// # Errors
/// When no file is a readable disk image or hive; per-partition failures become warnings.
pub fn open_machine(files: Vec<Source>) -> Result<Machine> {
    open_machine_with(files, None)
}

/// [`open_machine`], where an extent, parent or backing file that `files` lack is asked
/// of `siblings` by its base name (the CLI looks in the named file's own directory).
///
/// # Errors
/// As [`open_machine`].
pub fn open_machine_with(files: Vec<Source>, siblings: Option<SiblingLookup>) -> Result<Machine> {
    let stats = Rc::new(ReadStats::default());
    for f in &files {
        stats.add_input(f.size());
    }
    let cache = {
        let stats = Rc::clone(&stats);
        move |f: Source| Rc::new(BlockCache::new(f, Rc::clone(&stats), DEFAULT_CACHE_BLOCKS)) as Source
    };
    let cached: Vec<Source> = files.into_iter().map(&cache).collect();
    let (hives, others): (Vec<Source>, Vec<Source>) = cached.into_iter().partition(|f| is_hive(&**f));
    let (config_files, images): (Vec<Source>, Vec<Source>) = others.into_iter().partition(|f| is_config_file(f.name()));
    let set = match siblings {
        Some(lookup) => FileSet::with_siblings(images.clone(), Rc::new(move |name: &str| lookup(name).map(&cache))),
        None => FileSet::new(images.clone()),
    };
    let mut machine = Machine {
        disks: Vec::new(),
        schemes: Vec::new(),
        volumes: Vec::new(),
        config_files,
        os: None,
        warnings: Vec::new(),
        stats,
    };
    // Open every image first: files that another image reads (extents, parents) are then
    // dropped, whether or not they opened on their own.
    let opened: Vec<(String, Result<Vec<Disk>>)> =
        images.into_iter().map(|image| (image.name().to_owned(), container::open_disks(image, &set))).collect();
    let consumed: Vec<&str> = opened
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .flat_map(|d| d.consumed.iter().map(String::as_str))
        .collect();
    let mut disks = Vec::new();
    for (name, result) in &opened {
        if !consumed.iter().any(|c| FileSet::same_file(c, name)) {
            disks.extend(result.clone()?);
        }
    }
    for disk in disks {
        let (scheme, partitions) = read_partitions(&*disk.source)?;
        let index = machine.disks.len();
        for partition in partitions {
            let opened = partition.open(&disk.source).and_then(open_filesystem);
            match opened {
                Ok(Some(fs)) => machine.volumes.push(Volume { disk: Some(index), partition, fs }),
                Ok(None) => {}
                Err(e) => machine.warnings.push(e),
            }
        }
        machine.disks.push(disk);
        machine.schemes.push(scheme);
    }
    if !hives.is_empty() {
        machine.volumes.push(tree_volume(hive_tree(hives)));
    }
    if machine.volumes.is_empty() {
        if let Some(first) = machine.warnings.first() {
            return Err(first.clone());
        }
        // Disk images with nothing readable on them: say so rather than report no settings.
        if let Some(disk) = machine.disks.first() {
            let layer = disk.layers.first().map_or("raw", |l| l.format.as_str());
            return Err(Error::Unrecognized {
                file: disk.source.name().to_owned(),
                detail: format!(
                    "no FAT, NTFS or ext2/3/4 filesystem found (read as a {layer} disk with {})",
                    match machine.schemes.first() {
                        Some(Scheme::Mbr) => "an MBR partition table",
                        Some(Scheme::Gpt) => "a GUID partition table",
                        _ => "no partition table",
                    }
                ),
            });
        }
    }
    machine.os = machine.volumes.iter().find_map(|v| detect_os(&*v.fs));
    Ok(machine)
}

/// A machine whose only volume is `fs`, a directory tree (an extracted or mounted guest
/// filesystem: [`crate::fs::DirFs`], [`TreeFs`]) whose reads are counted in `stats`.
pub fn open_tree(fs: Box<dyn FileSystem>, stats: Rc<ReadStats>) -> Machine {
    let os = detect_os(&*fs);
    Machine {
        disks: Vec::new(),
        schemes: Vec::new(),
        volumes: vec![tree_volume(fs)],
        config_files: Vec::new(),
        os,
        warnings: Vec::new(),
        stats,
    }
}

fn tree_volume(fs: Box<dyn FileSystem>) -> Volume {
    let partition =
        Partition { number: 0, scheme: Scheme::None, start: 0, size: 0, type_id: String::new(), name: String::new() };
    Volume { disk: None, partition, fs }
}

/// Smallest file taken for a hive or hive log: one 512-byte log header.
const MIN_HIVE_FILE: u64 = 512;

/// Does `file` start with a registry base block (`regf`)? Hives and their `.LOG1`/`.LOG2`
/// logs do.
fn is_hive(file: &dyn crate::ReadAt) -> bool {
    let mut magic = [0u8; 4];
    file.size() >= MIN_HIVE_FILE && file.read_exact_at(0, &mut magic).is_ok() && &magic == b"regf"
}

/// Loose hives as a tree, each at [`place_hive`]'s path; `Windows/System32/config` is
/// always there, so the tree reads as a Windows volume even with only a user hive.
fn hive_tree(hives: Vec<Source>) -> Box<dyn FileSystem> {
    let name = hives.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ");
    let placed = hives
        .into_iter()
        .map(|h| {
            let mut head = [0u8; BASE_BLOCK_NAME.end];
            let head = if h.read_exact_at(0, &mut head).is_ok() { &head[..] } else { &[][..] };
            (place_hive(h.name(), head), h)
        })
        .collect();
    let mut tree = TreeFs::new(name, placed);
    tree.add_dir("Windows/System32/config");
    Box::new(tree)
}

/// Where the base block keeps the last characters of the hive's own path (UTF-16LE):
/// `\??\C:\Users\jdoe\ntuser.dat`, `SYSTEM`, `…emRoot\System32\Config\DEFAULT`.
const BASE_BLOCK_NAME: std::ops::Range<usize> = 0x30..0x70;

/// The path a loose hive (or hive log) file takes in the tree: machine hives in
/// `Windows/System32/config/`, a user hive at `Users/<user>/NTUSER.DAT`, logs beside their
/// hive with their `.LOG`, `.LOG1`, `.LOG2` suffix. The role comes from the file name
/// (`SYSTEM`, `software.hiv`, `NTUSER.DAT`), else from the path recorded in its base block;
/// a hive neither names stays under `Hives/` (not read as any role).
pub fn place_hive(file_name: &str, head: &[u8]) -> String {
    let (stem, log) = match file_name.rsplit_once('.') {
        Some((stem, ext)) if ["log", "log1", "log2"].iter().any(|l| ext.eq_ignore_ascii_case(l)) => {
            (stem, format!(".{}", ext.to_ascii_uppercase()))
        }
        _ => (file_name, String::new()),
    };
    let recorded: String = head
        .get(BASE_BLOCK_NAME)
        .map(|b| {
            let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&u| u != 0);
            char::decode_utf16(units).map(|c| c.unwrap_or('?')).collect()
        })
        .unwrap_or_default();
    let role_of = |name: &str| {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
        let base = base.strip_suffix(".hiv").unwrap_or(&base).to_owned();
        match base.as_str() {
            "system" | "software" | "sam" | "security" | "default" => Some(base.to_ascii_uppercase()),
            "ntuser.dat" => Some("NTUSER.DAT".to_owned()),
            _ => None,
        }
    };
    let user = || {
        let parts: Vec<&str> = recorded.split('\\').collect();
        parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case("users"))
            .and_then(|i| parts.get(i + 1))
            .filter(|u| !u.is_empty() && !u.contains(['/', '.']))
            .map_or_else(|| "user".to_owned(), |u| (*u).to_owned())
    };
    match role_of(stem).or_else(|| role_of(&recorded)) {
        Some(role) if role == "NTUSER.DAT" => format!("Users/{}/NTUSER.DAT{log}", user()),
        Some(role) => format!("Windows/System32/config/{role}{log}"),
        None => format!("Hives/{file_name}"),
    }
}
