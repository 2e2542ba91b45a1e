// SPDX-License-Identifier: GPL-3.0-or-later
//! VirtualBox machine settings: the `<Machine>` element of a `.vbox` file, also embedded
//! as `<vbox:Machine>` in VirtualBox-exported OVF.

use super::xml::Element;

/// Adapters, controllers and devices read at most: VirtualBox has 8 NIC slots and a few
/// controllers; the bound is for hostile input.
const MAX_DEVICES: usize = 64;

/// Settings of a `<Machine>`, each name prefixed with `prefix`: `guest_os` (OSType),
/// `cpus`, `memory_mib`, `firmware`, `chipset`, `video_mib`, `cpu.<feature>`
/// (`PAE`, `HardwareVirtEx`… enabled flags), `bios.<feature>`, `nic<slot>.type` and
/// `.network` (`nat`, `bridged:<if>`, `intnet:<name>`, `hostonly:<if>`) for enabled
/// adapters, `controller<N>.type`, `disk<N>.bus`, `dvd<N>.bus`, `audio`, `rtc`.
/// Machine name, UUIDs, MAC addresses, snapshot folder and medium references are not read.
/// Each pair carries the line of the element it was read from (for a default, of the
/// element that would state it; `None` for `disks`, a count).
pub(crate) fn parse(machine: &Element, prefix: &str) -> Vec<(String, String, Option<u32>)> {
    let mut out = Vec::new();
    let mut push = |name: &str, value: &str, from: Option<&Element>| {
        out.push((format!("{prefix}{name}"), value.to_owned(), from.map(|e| e.line)));
    };
    if let Some(os) = machine.attr("OSType") {
        push("guest_os", os, Some(machine));
    }
    let Some(hw) = machine.child("Hardware") else { return out };
    let cpu = hw.child("CPU");
    push("cpus", cpu.and_then(|c| c.attr("count")).unwrap_or("1"), cpu);
    for feature in cpu.map(|c| c.children.as_slice()).unwrap_or_default().iter().take(MAX_DEVICES) {
        if let Some(enabled) = feature.attr("enabled") {
            push(&format!("cpu.{}", feature.name), enabled, Some(feature));
        }
    }
    // `(value, element)` of an attribute of a `Hardware` child.
    let attr = |child: &str, name: &str| hw.child(child).and_then(|e| Some((e.attr(name)?, e)));
    if let Some((ram, e)) = attr("Memory", "RAMSize") {
        push("memory_mib", ram, Some(e));
    }
    let firmware = hw.child("Firmware");
    let kind = firmware.and_then(|f| f.attr("type")).unwrap_or("BIOS").to_ascii_lowercase();
    push("firmware", if kind.starts_with("efi") { "efi" } else { &kind }, firmware);
    if let Some((chipset, e)) = attr("Chipset", "type") {
        push("chipset", chipset, Some(e));
    }
    if let Some((vram, e)) = attr("Display", "VRAMSize") {
        push("video_mib", vram, Some(e));
    }
    for feature in hw.child("BIOS").map(|b| b.children.as_slice()).unwrap_or_default().iter().take(MAX_DEVICES) {
        if let Some(enabled) = feature.attr("enabled") {
            push(&format!("bios.{}", feature.name), enabled, Some(feature));
        }
    }
    if let Some(audio) = hw.child("AudioAdapter").filter(|a| a.attr("enabled") == Some("true")) {
        push("audio", audio.attr("controller").unwrap_or("default"), Some(audio));
    }
    if let Some((rtc, e)) = attr("RTC", "localOrUTC") {
        push("rtc", rtc, Some(e));
    }
    let adapters = hw.child("Network").map(|n| n.children.as_slice()).unwrap_or_default();
    for adapter in adapters.iter().filter(|a| a.name == "Adapter").take(MAX_DEVICES) {
        if adapter.attr("enabled") != Some("true") {
            continue;
        }
        let slot = adapter.attr("slot").unwrap_or("0");
        push(&format!("nic{slot}.type"), adapter.attr("type").unwrap_or("default"), Some(adapter));
        let network = adapter.children.iter().find_map(|c| match c.name.as_str() {
            "NAT" => Some("nat".to_owned()),
            "BridgedInterface" => Some(format!("bridged:{}", c.attr("name").unwrap_or(""))),
            "InternalNetwork" => Some(format!("intnet:{}", c.attr("name").unwrap_or(""))),
            "HostOnlyInterface" => Some(format!("hostonly:{}", c.attr("name").unwrap_or(""))),
            "NATNetwork" => Some(format!("natnetwork:{}", c.attr("name").unwrap_or(""))),
            "GenericInterface" => Some(format!("generic:{}", c.attr("driver").unwrap_or(""))),
            _ => None,
        });
        push(&format!("nic{slot}.network"), network.as_deref().unwrap_or("none"), Some(adapter));
    }
    // Storage lives under Machine (settings version ≥ 1.x) or Hardware (older files).
    let storage = machine.child("StorageControllers").or_else(|| hw.child("StorageControllers"));
    let controllers = storage.map(|s| s.children.as_slice()).unwrap_or_default();
    let (mut disks, mut dvds) = (0usize, 0usize);
    for (n, controller) in controllers.iter().filter(|c| c.name == "StorageController").take(MAX_DEVICES).enumerate() {
        let kind = controller.attr("type").unwrap_or("default");
        push(&format!("controller{n}.type"), kind, Some(controller));
        for device in controller.children_named("AttachedDevice").take(MAX_DEVICES) {
            match device.attr("type") {
                Some("HardDisk") => {
                    push(&format!("disk{disks}.bus"), kind, Some(device));
                    disks += 1;
                }
                Some("DVD") => {
                    push(&format!("dvd{dvds}.bus"), kind, Some(device));
                    dvds += 1;
                }
                _ => {}
            }
        }
    }
    push("disks", &disks.to_string(), None);
    out
}
