// SPDX-License-Identifier: GPL-3.0-or-later
//! Container formats: detection by magic bytes, and the virtual disk each one exposes.
//!
//! Every container exposes its virtual disk as a [`Source`], so partition tables and
//! filesystems read any of them the same way. Multi-file images (extents, parents,
//! backing files) are looked up in the [`FileSet`] the user supplied with them.

mod ova;
mod qcow2;
mod vhd;
mod vhdx;
mod vmdk;

pub use ova::ovf_descriptor;
pub use qcow2::{open_snapshot, snapshots as qcow2_snapshots, Snapshot};

use std::rc::Rc;

use crate::{Error, ReadAt, Result, Source};

/// Longest chain of parents / backing files followed; a longer one is taken for a cycle.
pub const MAX_CHAIN_DEPTH: u32 = 64;

/// Image formats recognised from their first bytes (or, for VHD, the last 512).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A plain disk or filesystem image.
    Raw,
    /// Microsoft Virtual PC / Hyper-V VHD (fixed, dynamic, differencing).
    Vhd,
    /// Hyper-V VHDX (fixed, dynamic, differencing).
    Vhdx,
    /// VMware VMDK (sparse extent or text descriptor).
    Vmdk,
    /// QEMU copy-on-write v2/v3.
    Qcow2,
    /// Open Virtual Appliance: a tar of an OVF descriptor and disks.
    Ova,
}

impl Format {
    /// Display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Vhd => "VHD",
            Self::Vhdx => "VHDX",
            Self::Vmdk => "VMDK",
            Self::Qcow2 => "QCOW2",
            Self::Ova => "OVA",
        }
    }
}

/// Recognises the container format of `source` by its magic bytes.
///
/// # Errors
/// Read errors.
pub fn detect(source: &dyn ReadAt) -> Result<Format> {
    let size = source.size();
    let mut head = [0u8; 512];
    let n = size.min(512) as usize;
    source.read_exact_at(0, &mut head[..n])?;
    let head = &head[..n];
    if head.starts_with(b"vhdxfile") {
        return Ok(Format::Vhdx);
    }
    if head.starts_with(b"QFI\xfb") {
        return Ok(Format::Qcow2);
    }
    if head.starts_with(b"KDMV") || head.starts_with(b"# Disk DescriptorFile") {
        return Ok(Format::Vmdk);
    }
    if head.starts_with(b"conectix") {
        // Dynamic VHDs start with a copy of the footer.
        return Ok(Format::Vhd);
    }
    if n == 512 && head.get(257..262) == Some(b"ustar") {
        return Ok(Format::Ova);
    }
    if size >= 512 {
        let mut footer = [0u8; 8];
        source.read_exact_at(size - 512, &mut footer)?;
        if &footer == b"conectix" {
            return Ok(Format::Vhd);
        }
    }
    Ok(Format::Raw)
}

/// One layer of an opened disk: the file, its format and what it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// File name.
    pub file: String,
    /// Container format.
    pub format: Format,
    /// Sub-format or variant, e.g. "dynamic" or "monolithicSparse".
    pub variant: String,
    /// Size of the virtual disk in bytes.
    pub virtual_size: u64,
    /// The parent this layer names in its own header, when it has one: the parent's UUID
    /// (VHD), `parent_linkage` GUID (VHDX), `parentCID` (VMDK) or backing file name
    /// (QCOW2). Linked clones of one base share it; a clone of the wrong base does not.
    pub parent: Option<String>,
}

/// An opened virtual disk.
#[derive(Clone)]
pub struct Disk {
    /// The virtual disk's bytes.
    pub source: Source,
    /// The chain of layers, top (the file the user named) first.
    pub layers: Vec<Layer>,
    /// Names of the other supplied files this disk reads (extents, parents, backing
    /// files): [`crate::open_machine`] does not open those again as disks of their own.
    pub consumed: Vec<String>,
    /// Text descriptor carried inside the image, such as an OVA's OVF file.
    pub descriptor: Option<String>,
}

impl Disk {
    /// A disk made of `layers`; every layer below the top counts as consumed.
    pub fn new(source: Source, layers: Vec<Layer>) -> Self {
        let consumed = layers.iter().skip(1).map(|l| l.file.clone()).collect();
        Self { source, layers, consumed, descriptor: None }
    }
}

impl std::fmt::Debug for Disk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Disk").field("layers", &self.layers).field("consumed", &self.consumed).finish()
    }
}

/// Finds a file that was not supplied by its base name (no directory part), or `None`.
pub type SiblingLookup = Rc<dyn Fn(&str) -> Option<Source>>;

/// The files supplied together for one machine, looked up by name.
#[derive(Clone, Default)]
pub struct FileSet {
    files: Vec<Source>,
    /// Where a name missing from `files` is looked for (the CLI: the named file's directory).
    siblings: Option<SiblingLookup>,
    /// Files the lookup found, so each is opened once.
    found: Rc<std::cell::RefCell<Vec<Source>>>,
}

impl std::fmt::Debug for FileSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.files.iter().map(|s| s.name())).finish()
    }
}

/// Most files a [`SiblingLookup`] may add to one set (a twoGbMaxExtentSparse disk of 2 TiB
/// has 1024 extents).
pub const MAX_SIBLINGS: usize = 4096;

impl FileSet {
    /// A set of files.
    pub fn new(files: Vec<Source>) -> Self {
        Self { files, siblings: None, found: Rc::default() }
    }

    /// A set of files that asks `siblings` for a name none of them has. `siblings` gets a
    /// base name only: never a directory part taken from a header.
    pub fn with_siblings(files: Vec<Source>, siblings: SiblingLookup) -> Self {
        Self { files, siblings: Some(siblings), found: Rc::default() }
    }

    /// All files.
    pub fn files(&self) -> &[Source] {
        &self.files
    }

    /// The file whose base name equals `name` (case-insensitively; any directory part of
    /// `name` is ignored, as descriptors may hold paths from another machine), among the
    /// supplied files, then through the sibling lookup.
    pub fn find(&self, name: &str) -> Option<Source> {
        if let Some(f) = self.files.iter().find(|f| Self::same_file(name, f.name())) {
            return Some(Rc::clone(f));
        }
        let lookup = self.siblings.as_ref()?;
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if base.is_empty() || base == "." || base == ".." {
            return None;
        }
        let mut found = self.found.borrow_mut();
        if let Some(f) = found.iter().find(|f| Self::same_file(base, f.name())) {
            return Some(Rc::clone(f));
        }
        if found.len() >= MAX_SIBLINGS {
            return None;
        }
        let source = lookup(base)?;
        found.push(Rc::clone(&source));
        Some(source)
    }

    /// Whether `reference` (a name as written in a descriptor, possibly with a directory
    /// part) names the supplied file `name`, by the rule of [`FileSet::find`].
    pub fn same_file(reference: &str, name: &str) -> bool {
        let base = reference.rsplit(['/', '\\']).next().unwrap_or(reference);
        name.eq_ignore_ascii_case(base)
    }
}

/// Opens the virtual disk whose top file is `top`, resolving any other files it needs
/// in `files`. For an OVA, that is its first disk (see [`open_disks`]).
///
/// # Errors
/// Corrupt headers, and [`crate::Error::MissingFile`] when a needed file is absent.
pub fn open_disk(top: Source, files: &FileSet) -> Result<Disk> {
    open_layer(top, files, 0)
}

/// Opens every virtual disk whose top file is `top`: the disks of an OVA, in the order of
/// its OVF descriptor, or else the one disk of [`open_disk`].
///
/// # Errors
/// As [`open_disk`], for the first disk that fails.
pub fn open_disks(top: Source, files: &FileSet) -> Result<Vec<Disk>> {
    if detect(&*top)? == Format::Ova {
        return ova::open_all(top, files, 0);
    }
    open_disk(top, files).map(|d| vec![d])
}

/// Opens `top` as the layer at `depth` of a chain (0 = the file the user named).
/// Container modules call this for parents, backing files and nested disks.
pub(crate) fn open_layer(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    if depth > MAX_CHAIN_DEPTH {
        return Err(Error::Corrupt {
            file: top.name().to_owned(),
            structure: "parent chain",
            offset: 0,
            detail: format!("more than {MAX_CHAIN_DEPTH} layers: the chain loops"),
        });
    }
    match detect(&*top)? {
        Format::Raw => {
            let layer = Layer {
                file: top.name().to_owned(),
                format: Format::Raw,
                variant: String::new(),
                virtual_size: top.size(),
                parent: None,
            };
            Ok(Disk::new(top, vec![layer]))
        }
        Format::Vhd => vhd::open(top, files, depth),
        Format::Vhdx => vhdx::open(top, files, depth),
        Format::Vmdk => vmdk::open(top, files, depth),
        Format::Qcow2 => qcow2::open(top, files, depth),
        Format::Ova => ova::open(top, files, depth),
    }
}
