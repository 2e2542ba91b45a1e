// SPDX-License-Identifier: GPL-3.0-or-later
//! OVF descriptors (DMTF DSP0243): the first `VirtualSystem`'s `VirtualHardwareSection`
//! items, its operating system, VMware `vmw:Config` extra config, and the VirtualBox
//! `<vbox:Machine>` section VirtualBox embeds.

use super::xml::Element;
use super::{to_mib, vbox};

/// Hardware items read at most: real descriptors have tens.
const MAX_ITEMS: usize = 1024;

/// DMTF CIM ResourceType values this module understands.
mod resource {
    pub(super) const CPU: &str = "3";
    pub(super) const MEMORY: &str = "4";
    pub(super) const IDE: &str = "5";
    pub(super) const SCSI: &str = "6";
    pub(super) const NIC: &str = "10";
    pub(super) const FLOPPY: &str = "14";
    pub(super) const CDROM: &str = "15";
    pub(super) const DVD: &str = "16";
    pub(super) const DISK: &str = "17";
    pub(super) const SATA: &str = "20";
}

/// One hardware item: `rasd:*` (or `sasd:`/`epasd:` in OVF 2) children by local name.
struct Item<'a>(&'a Element);

impl Item<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.child_text(name)
    }
}

/// Settings of an OVF `Envelope`: `hw_version` (VirtualSystemType), `guest_os`
/// (`vmw:osType`, else the CIM OS id as `os_id`), `cpus`, `memory_mib`,
/// `controller<N>.type` (`ide`, `scsi:<subtype>`, `sata:<subtype>`), `disk<N>.bus` (the
/// parent controller's bus), `cdrom<N>.bus`, `nic<N>.type` (ResourceSubType, lowercased)
/// and `.network` (Connection), `vmw.<key>` for VMware extra config (`firmware` and
/// `uefi.secureBoot.enabled` also as `firmware`/`secure_boot`), and `vbox.*` for an
/// embedded VirtualBox machine. Names, UUIDs, file references and MACs are not read.
pub(crate) fn parse(envelope: &Element) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let system = envelope.find("VirtualSystem").unwrap_or(envelope);
    if let Some(os) = system.child("OperatingSystemSection") {
        match os.attr("osType") {
            Some(t) => out.push(("guest_os".into(), t.to_owned())),
            None => out.extend(os.attr("id").map(|id| ("os_id".to_owned(), id.to_owned()))),
        }
    }
    if let Some(hw) = system.child("VirtualHardwareSection") {
        hardware(hw, &mut out);
    }
    if let Some(machine) = system.find("Machine") {
        out.extend(vbox::parse(machine, "vbox."));
    }
    out
}

fn hardware(hw: &Element, out: &mut Vec<(String, String)>) {
    if let Some(t) = hw.child("System").and_then(|s| s.child_text("VirtualSystemType")) {
        out.push(("hw_version".into(), t.to_owned()));
    }
    let items: Vec<Item<'_>> = hw
        .children
        .iter()
        .filter(|c| matches!(c.name.as_str(), "Item" | "StorageItem" | "EthernetPortItem"))
        .take(MAX_ITEMS)
        .map(Item)
        .collect();
    // Controllers first, so disks can name their bus by the parent's InstanceID.
    let mut controllers: Vec<(&str, String)> = Vec::new();
    for item in &items {
        let subtype = item.get("ResourceSubType").unwrap_or("").to_ascii_lowercase();
        let bus = match item.get("ResourceType").unwrap_or("") {
            resource::IDE => "ide".to_owned(),
            resource::SCSI => format!("scsi:{subtype}"),
            resource::SATA if subtype.contains("sata") || subtype.contains("ahci") => format!("sata:{subtype}"),
            resource::SATA => format!("other:{subtype}"),
            _ => continue,
        };
        let n = controllers.len();
        out.push((format!("controller{n}.type"), bus.clone()));
        controllers.push((item.get("InstanceID").unwrap_or(""), bus));
    }
    let (mut disks, mut cdroms, mut nics) = (0usize, 0usize, 0usize);
    for item in &items {
        let kind = item.get("ResourceType").unwrap_or("");
        let parent_bus = || {
            let parent = item.get("Parent").unwrap_or("");
            controllers
                .iter()
                .find(|(id, _)| *id == parent)
                .map_or("unknown", |(_, bus)| bus.split(':').next().unwrap_or("unknown"))
                .to_owned()
        };
        match kind {
            resource::CPU => out.extend(item.get("VirtualQuantity").map(|q| ("cpus".to_owned(), q.to_owned()))),
            resource::MEMORY => {
                let units = item.get("AllocationUnits").unwrap_or("byte * 2^20");
                if let Some(mib) = item.get("VirtualQuantity").and_then(|q| to_mib(q, units)) {
                    out.push(("memory_mib".into(), mib.to_string()));
                }
            }
            resource::NIC => {
                let model = item.get("ResourceSubType").unwrap_or("default").to_ascii_lowercase();
                out.push((format!("nic{nics}.type"), model));
                out.push((format!("nic{nics}.network"), item.get("Connection").unwrap_or("default").to_owned()));
                nics += 1;
            }
            resource::DISK => {
                out.push((format!("disk{disks}.bus"), parent_bus()));
                disks += 1;
            }
            resource::CDROM | resource::DVD => {
                out.push((format!("cdrom{cdroms}.bus"), parent_bus()));
                cdroms += 1;
            }
            resource::FLOPPY => out.push(("floppy".into(), "present".into())),
            _ => {}
        }
    }
    out.push(("disks".into(), disks.to_string()));
    for config in hw.children_named("Config").chain(hw.children_named("ExtraConfig")).take(MAX_ITEMS) {
        let (Some(key), Some(value)) = (config.attr("key"), config.attr("value")) else { continue };
        let key = key.to_ascii_lowercase();
        if super::vmx::is_identifying(&key) {
            continue;
        }
        match key.as_str() {
            "firmware" => out.push(("firmware".into(), value.to_ascii_lowercase())),
            "uefi.secureboot.enabled" => out.push(("secure_boot".into(), value.to_owned())),
            _ => {}
        }
        out.push((format!("vmw.{key}"), value.to_owned()));
    }
}
