// SPDX-License-Identifier: GPL-3.0-or-later
//! OVA appliances (DMTF OVF 1.x/2.x): a tar archive of an OVF descriptor, an optional
//! manifest and certificate, and the disks. The archive is read in place: the first disk
//! member becomes a [`Slice`] opened as a nested layer (usually a streamOptimized VMDK), and
//! the OVF text is kept in [`Disk::descriptor`] of the first disk. [`super::open_disks`]
//! exposes every disk, in the order of the OVF `DiskSection`; [`super::open_disk`] the
//! first of them.

mod ovf;
mod tar;

use std::rc::Rc;

use super::{open_layer, Disk, FileSet, Format, Layer};
use crate::{read_vec, Error, ReadAt, Result, Slice, Source};

/// Largest OVF descriptor read. Real ones are a few KiB to a few hundred.
const MAX_OVF_BYTES: u64 = 16 * 1024 * 1024;

/// Extensions of members that are not disks (CD images are referenced by OVFs but are no
/// disk of the machine).
const SIDE_FILES: &[&str] = &["ovf", "mf", "cert", "nvram", "xml", "txt", "iso"];

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, e)| e)
}

/// The OVF descriptor inside the OVA `source`, if it has one.
///
/// # Errors
/// Corrupt tar headers, read errors.
pub fn ovf_descriptor(source: &dyn ReadAt) -> Result<Option<String>> {
    ovf_text(source, &tar::members(source)?)
}

/// The text of the first `.ovf` member among `members` of `source`.
fn ovf_text(source: &dyn ReadAt, members: &[tar::Member]) -> Result<Option<String>> {
    let Some(ovf) = members.iter().find(|m| extension(&m.name).eq_ignore_ascii_case("ovf")) else { return Ok(None) };
    if ovf.size > MAX_OVF_BYTES {
        return Err(Error::Unsupported {
            file: source.name().to_owned(),
            structure: "OVF descriptor",
            offset: ovf.offset,
            detail: format!("a {}-byte descriptor (more than {MAX_OVF_BYTES})", ovf.size),
        });
    }
    let bytes = read_vec(source, ovf.offset, ovf.size)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Opens the first disk of the OVA `top` (see [`open_all`] for the order).
pub(super) fn open(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    let (members, descriptor, order) = disk_members(&top)?;
    let first = order.first().copied().ok_or_else(|| no_disk(&top, &members))?;
    open_member(&top, files, depth, &members, first, (0, order.len()), descriptor)
}

/// Opens every disk of the OVA `top`: first those of the OVF `DiskSection`, in its order
/// (each `ovf:fileRef` resolved through `References` to a member by name), then disk
/// members the descriptor does not name, in archive order. An `ovf:href` the archive does
/// not hold is taken to be one of those unnamed members (OVAs repacked under other names);
/// when there are fewer of them than missing names, the first missing one is reported.
pub(super) fn open_all(top: Source, files: &FileSet, depth: u32) -> Result<Vec<Disk>> {
    let (members, descriptor, order) = disk_members(&top)?;
    if order.is_empty() {
        return Err(no_disk(&top, &members));
    }
    let mut out = Vec::with_capacity(order.len());
    for (i, &member) in order.iter().enumerate() {
        // The OVF text goes with the first disk only, so it is read once per appliance.
        let text = if i == 0 { descriptor.clone() } else { None };
        out.push(open_member(&top, files, depth, &members, member, (i, order.len()), text)?);
    }
    Ok(out)
}

fn no_disk(top: &Source, members: &[tar::Member]) -> Error {
    Error::Unrecognized {
        file: top.name().to_owned(),
        detail: format!("the OVA holds no disk image ({} members)", members.len()),
    }
}

/// The members, the OVF text, and the indexes of the disk members in exposure order.
fn disk_members(top: &Source) -> Result<(Vec<tar::Member>, Option<String>, Vec<usize>)> {
    let members = tar::members(&**top)?;
    let descriptor = ovf_text(&**top, &members)?;
    let is_disk = |m: &tar::Member| !SIDE_FILES.iter().any(|s| extension(&m.name).eq_ignore_ascii_case(s));
    let mut order = Vec::new();
    let mut missing = Vec::new();
    for disk in descriptor.as_deref().map(ovf::disks).unwrap_or_default() {
        let found = members.iter().position(|m| is_disk(m) && FileSet::same_file(&disk.href, base_name(&m.name)));
        match found {
            Some(i) if !order.contains(&i) => order.push(i),
            Some(_) => {}
            None => missing.push(disk),
        }
    }
    let unnamed: Vec<usize> =
        (0..members.len()).filter(|i| !order.contains(i) && members.get(*i).is_some_and(is_disk)).collect();
    if let Some(first) = missing.get(unnamed.len()) {
        // An OVA carries all its files (DSP0243 §5.3): a disk it lacks is a broken archive.
        let ovf = members.iter().find(|m| extension(&m.name).eq_ignore_ascii_case("ovf"));
        return Err(Error::Corrupt {
            file: top.name().to_owned(),
            structure: "OVF descriptor",
            offset: ovf.map_or(0, |m| m.offset),
            detail: format!("disk {} is file {}, which the archive does not hold", first.id, first.href),
        });
    }
    order.extend(unnamed);
    Ok((members, descriptor, order))
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Opens member `index` of `members` as a nested disk under an OVA layer; it is disk
/// `position.0` (from 0) of `position.1`.
fn open_member(
    top: &Source,
    files: &FileSet,
    depth: u32,
    members: &[tar::Member],
    index: usize,
    position: (usize, usize),
    descriptor: Option<String>,
) -> Result<Disk> {
    let name = top.name().to_owned();
    let disk = members.get(index).ok_or_else(|| no_disk(top, members))?;
    let ext = extension(&disk.name).to_ascii_lowercase();
    if matches!(ext.as_str(), "gz" | "bz2" | "xz" | "zst") {
        return Err(Error::Unsupported {
            file: name,
            structure: "OVA member",
            offset: disk.offset,
            detail: format!("compressed disk member {} (ovf:compression)", disk.name),
        });
    }
    let slice = Slice::new(format!("{name}/{}", base_name(&disk.name)), Rc::clone(top), disk.offset, disk.size)?;
    let inner = open_layer(Rc::new(slice), files, depth + 1)?;
    let variant = match position {
        (_, 0 | 1) => "tar".to_owned(),
        (i, count) => format!("tar, disk {} of {count}", i + 1),
    };
    let mut layers =
        vec![Layer { file: name, format: Format::Ova, variant, virtual_size: inner.source.size(), parent: None }];
    layers.extend(inner.layers.iter().cloned());
    let mut out = Disk::new(inner.source, layers);
    // Layers inside the archive are not supplied files; only what they consumed is.
    out.consumed = inner.consumed;
    out.descriptor = descriptor;
    Ok(out)
}
