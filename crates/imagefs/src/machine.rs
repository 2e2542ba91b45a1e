// SPDX-License-Identifier: GPL-3.0-or-later
//! A machine: the files of one VM, opened down to its filesystems.

use std::rc::Rc;

use crate::container::{self, Disk, FileSet};
use crate::fs::{open_filesystem, FileSystem};
use crate::os::{detect_os, OsInfo};
use crate::partition::{read_partitions, Partition, Scheme};
use crate::{BlockCache, Error, ReadStats, Result, Source, DEFAULT_CACHE_BLOCKS};

/// Extensions of VM configuration and side files, never taken for disk images.
const CONFIG_EXTENSIONS: &[&str] =
    &["vmx", "vbox", "xml", "ovf", "mf", "vmsd", "vmxf", "nvram", "log", "json", "txt", "ini", "conf", "cfg"];

/// One mounted filesystem of a machine.
#[derive(Debug)]
pub struct Volume {
    /// Index into [`Machine::disks`].
    pub disk: usize,
    /// Where on that disk.
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
/// recognised filesystem becomes a [`Volume`].
///
/// # Errors
/// When no file is a readable disk image; per-partition failures become warnings.
pub fn open_machine(files: Vec<Source>) -> Result<Machine> {
    let stats = Rc::new(ReadStats::default());
    for f in &files {
        stats.add_input(f.size());
    }
    let cached: Vec<Source> = files
        .into_iter()
        .map(|f| Rc::new(BlockCache::new(f, Rc::clone(&stats), DEFAULT_CACHE_BLOCKS)) as Source)
        .collect();
    let (config_files, images): (Vec<Source>, Vec<Source>) = cached.into_iter().partition(|f| is_config_file(f.name()));
    let set = FileSet::new(images.clone());
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
                Ok(Some(fs)) => machine.volumes.push(Volume { disk: index, partition, fs }),
                Ok(None) => {}
                Err(e) => machine.warnings.push(e),
            }
        }
        machine.disks.push(disk);
        machine.schemes.push(scheme);
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
