// SPDX-License-Identifier: GPL-3.0-or-later
//! Disk-header facts: what the container headers of each supplied disk say, as settings of
//! kind [`Kind::Vm`] at path [`DISK_PATH`] (one set per disk, numbered in the order the
//! disks were supplied):
//!
//! | name | value |
//! |---|---|
//! | `disk<N>.format` | container of the top layer, lower case (`qcow2`, `vhdx`, `vmdk`, `vhd`, `raw`) |
//! | `disk<N>.variant` | its sub-format (`dynamic`, `monolithicSparse`, …), when the format has one |
//! | `disk<N>.virtual_size` | size of the virtual disk in bytes |
//! | `disk<N>.layers` | length of the backing chain (1: no parent) |
//! | `disk<N>.parent_format` | container of the layer below the top, when there is one |
//! | `disk<N>.parent` | the parent the top layer names: UUID (VHD), linkage GUID (VHDX), parentCID (VMDK), backing file name without its directory (QCOW2) |
//!
//! The disk's own file name and UUID identify it, not its configuration, and are never
//! settings. Its parent's identity is: linked clones of one golden base all name the same
//! parent, and a clone of the wrong base (or a stale snapshot chain) names another.

use imagefs::container::{Disk, Format};

use crate::{Kind, Setting};

/// Setting path of disk-header facts.
pub const DISK_PATH: &str = "disk-header";

/// The header facts of `disks`, each with the file name of the layer it was read from.
pub fn disk_settings(disks: &[Disk]) -> Vec<(Setting, String)> {
    let mut out = Vec::new();
    for (n, disk) in disks.iter().enumerate() {
        let Some(top) = disk.layers.first() else { continue };
        let mut add = |name: &str, value: String, file: &str| {
            let setting = Setting { kind: Kind::Vm, path: DISK_PATH.into(), name: format!("disk{n}.{name}"), value };
            out.push((setting, file.to_owned()));
        };
        add("format", top.format.as_str().to_ascii_lowercase(), &top.file);
        if !top.variant.is_empty() {
            add("variant", top.variant.clone(), &top.file);
        }
        add("virtual_size", top.virtual_size.to_string(), &top.file);
        add("layers", disk.layers.len().to_string(), &top.file);
        if let Some(parent) = disk.layers.get(1) {
            add("parent_format", parent.format.as_str().to_ascii_lowercase(), &parent.file);
        }
        if let Some(parent) = &top.parent {
            // A backing file's directory is where the host keeps it, not what it is.
            let name = parent.rsplit(['/', '\\']).next().unwrap_or(parent);
            // A content id is a 32-bit number that descriptors write with or without
            // leading zeros.
            let value = match (top.format, u32::from_str_radix(name, 16)) {
                (Format::Vmdk, Ok(cid)) => format!("{cid:08x}"),
                _ => name.to_ascii_lowercase(),
            };
            add("parent", value, &top.file);
        }
    }
    out
}
