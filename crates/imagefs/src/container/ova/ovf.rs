// SPDX-License-Identifier: GPL-3.0-or-later
//! The disk list of an OVF descriptor (DMTF DSP0243 §7 and §9.1): `DiskSection/Disk`
//! elements in order, each naming by `ovf:fileRef` a `References/File` whose `ovf:href`
//! is the file name.

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// Most `File` and `Disk` elements read. Real appliances have a handful of disks.
pub(super) const MAX_DISKS: usize = 1024;

/// Most XML events read: a descriptor is at most 16 MiB, but a hostile one full of empty
/// elements should not cost more than a real one many times over.
const MAX_EVENTS: usize = 1_000_000;

/// One virtual disk of the descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OvfDisk {
    /// `ovf:diskId`.
    pub(super) id: String,
    /// `ovf:href` of the referenced file.
    pub(super) href: String,
}

/// The disks of the `DiskSection` of `ovf`, in document order, with their file names.
/// Disks without a file (blank disks created at deployment) are left out. Malformed XML
/// yields what was read before the error: the descriptor only orders the disks.
pub(super) fn disks(ovf: &str) -> Vec<OvfDisk> {
    let mut reader = Reader::from_str(ovf);
    let mut files: Vec<(String, String)> = Vec::new();
    let mut refs: Vec<(String, String)> = Vec::new();
    for _ in 0..MAX_EVENTS {
        let element = match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let attr = |name: &str| {
            element.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| {
                a.normalized_value(XmlVersion::Implicit1_0).map_or_else(|_| a.value.to_string(), |v| v.into_owned())
            })
        };
        match element.local_name().as_ref() {
            "File" if files.len() < MAX_DISKS => {
                if let (Some(id), Some(href)) = (attr("id"), attr("href")) {
                    files.push((id, href));
                }
            }
            "Disk" if refs.len() < MAX_DISKS => {
                if let (Some(id), Some(file)) = (attr("diskId"), attr("fileRef")) {
                    refs.push((id, file));
                }
            }
            _ => {}
        }
    }
    refs.into_iter()
        .filter_map(|(id, file)| {
            let href = files.iter().find(|(f, _)| *f == file)?.1.clone();
            Some(OvfDisk { id, href })
        })
        .collect()
}
