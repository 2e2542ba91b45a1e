// SPDX-License-Identifier: GPL-3.0-or-later
//! OVA appliances (DMTF OVF 1.x/2.x): a tar archive of an OVF descriptor, an optional
//! manifest and certificate, and the disks. The archive is read in place: the first disk
//! member becomes a [`Slice`] opened as a nested layer (usually a streamOptimized VMDK), and
//! the OVF text is kept in [`Disk::descriptor`].

mod tar;

use std::rc::Rc;

use super::{open_layer, Disk, FileSet, Format, Layer};
use crate::{read_vec, Error, ReadAt, Result, Slice, Source};

/// Largest OVF descriptor read. Real ones are a few KiB to a few hundred.
const MAX_OVF_BYTES: u64 = 16 * 1024 * 1024;

/// Extensions of members that are not disks.
const SIDE_FILES: &[&str] = &["ovf", "mf", "cert", "nvram", "xml", "txt"];

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

pub(super) fn open(top: Source, files: &FileSet, depth: u32) -> Result<Disk> {
    let name = top.name().to_owned();
    let members = tar::members(&*top)?;
    let descriptor = ovf_text(&*top, &members)?;
    let disk = members
        .iter()
        .find(|m| !SIDE_FILES.iter().any(|s| extension(&m.name).eq_ignore_ascii_case(s)))
        .ok_or_else(|| Error::Unrecognized {
            file: name.clone(),
            detail: format!("the OVA holds no disk image ({} members)", members.len()),
        })?;
    let ext = extension(&disk.name).to_ascii_lowercase();
    if matches!(ext.as_str(), "gz" | "bz2" | "xz" | "zst") {
        return Err(Error::Unsupported {
            file: name,
            structure: "OVA member",
            offset: disk.offset,
            detail: format!("compressed disk member {} (ovf:compression)", disk.name),
        });
    }
    let base = disk.name.rsplit('/').next().unwrap_or(&disk.name);
    let slice = Slice::new(format!("{name}/{base}"), Rc::clone(&top), disk.offset, disk.size)?;
    let inner = open_layer(Rc::new(slice), files, depth + 1)?;
    let mut layers =
        vec![Layer { file: name, format: Format::Ova, variant: "tar".into(), virtual_size: inner.source.size() }];
    layers.extend(inner.layers.iter().cloned());
    let mut out = Disk::new(inner.source, layers);
    // Layers inside the archive are not supplied files; only what they consumed is.
    out.consumed = inner.consumed;
    out.descriptor = descriptor;
    Ok(out)
}
