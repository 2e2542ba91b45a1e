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

    /// Line of the child `name` (where its value is), else of the item itself.
    fn line(&self, name: &str) -> Option<u32> {
        Some(self.0.child(name).unwrap_or(self.0).line)
    }
}

/// Settings of an OVF `Envelope`: `hw_version` (VirtualSystemType), `guest_os`
/// (`vmw:osType`, else the CIM OS id as `os_id`), `cpus`, `memory_mib`,
/// `controller<N>.type` (`ide`, `scsi:<subtype>`, `sata:<subtype>`), `disk<N>.bus` (the
/// parent controller's bus), `cdrom<N>.bus`, `nic<N>.type` (ResourceSubType, lowercased)
/// and `.network` (Connection), `vmw.<key>` for VMware extra config (`firmware` and
/// `uefi.secureBoot.enabled` also as `firmware`/`secure_boot`), and `vbox.*` for an
/// embedded VirtualBox machine. Names, UUIDs, file references and MACs are not read.
/// Each pair carries the line of the element its value is in (`None` for `disks`, a count).
pub(crate) fn parse(envelope: &Element) -> Vec<(String, String, Option<u32>)> {
    let mut out = Vec::new();
    let system = envelope.find("VirtualSystem").unwrap_or(envelope);
    if let Some(os) = system.child("OperatingSystemSection") {
        let line = Some(os.line);
        match os.attr("osType") {
            Some(t) => out.push(("guest_os".into(), t.to_owned(), line)),
            None => out.extend(os.attr("id").map(|id| ("os_id".to_owned(), id.to_owned(), line))),
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

fn hardware(hw: &Element, out: &mut Vec<(String, String, Option<u32>)>) {
    if let Some(t) = hw.child("System").and_then(|s| s.child("VirtualSystemType")) {
        out.push(("hw_version".into(), t.text.trim().to_owned(), Some(t.line)));
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
        out.push((format!("controller{n}.type"), bus.clone(), item.line("ResourceType")));
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
            resource::CPU => out.extend(
                item.get("VirtualQuantity").map(|q| ("cpus".to_owned(), q.to_owned(), item.line("VirtualQuantity"))),
            ),
            resource::MEMORY => {
                let units = item.get("AllocationUnits").unwrap_or("byte * 2^20");
                if let Some(mib) = item.get("VirtualQuantity").and_then(|q| to_mib(q, units)) {
                    out.push(("memory_mib".into(), mib.to_string(), item.line("VirtualQuantity")));
                }
            }
            resource::NIC => {
                let model = item.get("ResourceSubType").unwrap_or("default").to_ascii_lowercase();
                out.push((format!("nic{nics}.type"), model, item.line("ResourceSubType")));
                let network = item.get("Connection").unwrap_or("default").to_owned();
                out.push((format!("nic{nics}.network"), network, item.line("Connection")));
                nics += 1;
            }
            resource::DISK => {
                out.push((format!("disk{disks}.bus"), parent_bus(), item.line("Parent")));
                disks += 1;
            }
            resource::CDROM | resource::DVD => {
                out.push((format!("cdrom{cdroms}.bus"), parent_bus(), item.line("Parent")));
                cdroms += 1;
            }
            resource::FLOPPY => out.push(("floppy".into(), "present".into(), item.line("ResourceType"))),
            _ => {}
        }
    }
    out.push(("disks".into(), disks.to_string(), None));
    for config in hw.children_named("Config").chain(hw.children_named("ExtraConfig")).take(MAX_ITEMS) {
        let (Some(key), Some(value)) = (config.attr("key"), config.attr("value")) else { continue };
        let key = key.to_ascii_lowercase();
        if super::vmx::is_identifying(&key) {
            continue;
        }
        let line = Some(config.line);
        match key.as_str() {
            "firmware" => out.push(("firmware".into(), value.to_ascii_lowercase(), line)),
            "uefi.secureboot.enabled" => out.push(("secure_boot".into(), value.to_owned(), line)),
            _ => {}
        }
        out.push((format!("vmw.{key}"), value.to_owned(), line));
    }
}
