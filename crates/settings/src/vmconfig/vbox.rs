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
pub(crate) fn parse(machine: &Element, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |name: &str, value: &str| out.push((format!("{prefix}{name}"), value.to_owned()));
    if let Some(os) = machine.attr("OSType") {
        push("guest_os", os);
    }
    let Some(hw) = machine.child("Hardware") else { return out };
    let cpu = hw.child("CPU");
    push("cpus", cpu.and_then(|c| c.attr("count")).unwrap_or("1"));
    for feature in cpu.map(|c| c.children.as_slice()).unwrap_or_default().iter().take(MAX_DEVICES) {
        if let Some(enabled) = feature.attr("enabled") {
            push(&format!("cpu.{}", feature.name), enabled);
        }
    }
    if let Some(ram) = hw.child("Memory").and_then(|m| m.attr("RAMSize")) {
        push("memory_mib", ram);
    }
    let firmware = hw.child("Firmware").and_then(|f| f.attr("type")).unwrap_or("BIOS").to_ascii_lowercase();
    push("firmware", if firmware.starts_with("efi") { "efi" } else { &firmware });
    if let Some(chipset) = hw.child("Chipset").and_then(|c| c.attr("type")) {
        push("chipset", chipset);
    }
    if let Some(vram) = hw.child("Display").and_then(|d| d.attr("VRAMSize")) {
        push("video_mib", vram);
    }
    for feature in hw.child("BIOS").map(|b| b.children.as_slice()).unwrap_or_default().iter().take(MAX_DEVICES) {
        if let Some(enabled) = feature.attr("enabled") {
            push(&format!("bios.{}", feature.name), enabled);
        }
    }
    if let Some(audio) = hw.child("AudioAdapter").filter(|a| a.attr("enabled") == Some("true")) {
        push("audio", audio.attr("controller").unwrap_or("default"));
    }
    if let Some(rtc) = hw.child("RTC").and_then(|r| r.attr("localOrUTC")) {
        push("rtc", rtc);
    }
    let adapters = hw.child("Network").map(|n| n.children.as_slice()).unwrap_or_default();
    for adapter in adapters.iter().filter(|a| a.name == "Adapter").take(MAX_DEVICES) {
        if adapter.attr("enabled") != Some("true") {
            continue;
        }
        let slot = adapter.attr("slot").unwrap_or("0");
        push(&format!("nic{slot}.type"), adapter.attr("type").unwrap_or("default"));
        let network = adapter.children.iter().find_map(|c| match c.name.as_str() {
            "NAT" => Some("nat".to_owned()),
            "BridgedInterface" => Some(format!("bridged:{}", c.attr("name").unwrap_or(""))),
            "InternalNetwork" => Some(format!("intnet:{}", c.attr("name").unwrap_or(""))),
            "HostOnlyInterface" => Some(format!("hostonly:{}", c.attr("name").unwrap_or(""))),
            "NATNetwork" => Some(format!("natnetwork:{}", c.attr("name").unwrap_or(""))),
            "GenericInterface" => Some(format!("generic:{}", c.attr("driver").unwrap_or(""))),
            _ => None,
        });
        push(&format!("nic{slot}.network"), network.as_deref().unwrap_or("none"));
    }
    // Storage lives under Machine (settings version ≥ 1.x) or Hardware (older files).
    let storage = machine.child("StorageControllers").or_else(|| hw.child("StorageControllers"));
    let controllers = storage.map(|s| s.children.as_slice()).unwrap_or_default();
    let (mut disks, mut dvds) = (0usize, 0usize);
    for (n, controller) in controllers.iter().filter(|c| c.name == "StorageController").take(MAX_DEVICES).enumerate() {
        let kind = controller.attr("type").unwrap_or("default");
        push(&format!("controller{n}.type"), kind);
        for device in controller.children_named("AttachedDevice").take(MAX_DEVICES) {
            match device.attr("type") {
                Some("HardDisk") => {
                    push(&format!("disk{disks}.bus"), kind);
                    disks += 1;
                }
                Some("DVD") => {
                    push(&format!("dvd{dvds}.bus"), kind);
                    dvds += 1;
                }
                _ => {}
            }
        }
    }
    push("disks", &disks.to_string());
    out
}
