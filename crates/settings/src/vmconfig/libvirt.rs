// SPDX-License-Identifier: GPL-3.0-or-later
//! libvirt domain XML (`virsh dumpxml`, virt-install, virt-v2v output).

use super::to_mib;
use super::xml::Element;

/// Devices of one kind turned into settings at most: real domains have a handful; the
/// bound keeps a hostile file from producing millions of settings.
const MAX_DEVICES: usize = 64;

/// Settings of a `<domain>`: `hypervisor`, `memory_mib`, `cpus`, `os_type`, `arch`,
/// `machine`, `firmware`, `secure_boot`, `cpu_mode`, `clock_offset`, `features.<name>`
/// (and `features.hyperv.<name>`), `disk<N>.bus`/`.format`, `cdrom<N>.bus`,
/// `nic<N>.type` (model) and `.network` (`<type>:<source>`), `graphics<N>.type`,
/// `video.model`, `sound.model`, `tpm.model`, `on_poweroff`/`on_reboot`/`on_crash`.
/// Name, UUID, title, description, MAC addresses, file paths, graphics passwords and
/// listen addresses are never read.
pub(crate) fn parse(domain: &Element) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |name: String, value: &str| out.push((name, value.trim().to_owned()));
    if let Some(t) = domain.attr("type") {
        push("hypervisor".into(), t);
    }
    if let Some(memory) = domain.child("memory") {
        if let Some(mib) = to_mib(&memory.text, memory.attr("unit").unwrap_or("KiB")) {
            push("memory_mib".into(), &mib.to_string());
        }
    }
    push("cpus".into(), domain.child_text("vcpu").filter(|v| !v.is_empty()).unwrap_or("1"));
    if let Some(os) = domain.child("os") {
        if let Some(t) = os.child("type") {
            push("os_type".into(), &t.text);
            if let Some(arch) = t.attr("arch") {
                push("arch".into(), arch);
            }
            if let Some(machine) = t.attr("machine") {
                push("machine".into(), machine);
            }
        }
        let loader = os.child("loader");
        let efi = os.attr("firmware") == Some("efi") || loader.is_some_and(|l| l.attr("type") == Some("pflash"));
        push("firmware".into(), if efi { "efi" } else { "bios" });
        // Firmware autoselection features: `secure-boot`, else `enrolled-keys` (keys
        // enrolled means Secure Boot is enforced), else the manual `<loader secure=>`.
        let feature = |name: &str| {
            os.child("firmware")
                .and_then(|f| f.children_named("feature").find(|e| e.attr("name") == Some(name)))
                .and_then(|e| e.attr("enabled"))
        };
        let secure = feature("secure-boot")
            .or_else(|| feature("enrolled-keys"))
            .or_else(|| loader.and_then(|l| l.attr("secure")))
            .unwrap_or("no");
        push("secure_boot".into(), secure);
    }
    if let Some(mode) = domain.child("cpu").and_then(|c| c.attr("mode")) {
        push("cpu_mode".into(), mode);
    }
    if let Some(offset) = domain.child("clock").and_then(|c| c.attr("offset")) {
        push("clock_offset".into(), offset);
    }
    if let Some(features) = domain.child("features") {
        for f in features.children.iter().take(MAX_DEVICES) {
            if f.name == "hyperv" {
                for h in f.children.iter().take(MAX_DEVICES) {
                    push(format!("features.hyperv.{}", h.name), h.attr("state").unwrap_or("on"));
                }
            } else {
                push(format!("features.{}", f.name), f.attr("state").unwrap_or("on"));
            }
        }
    }
    for event in ["on_poweroff", "on_reboot", "on_crash"] {
        if let Some(v) = domain.child_text(event) {
            push(event.into(), v);
        }
    }
    let Some(devices) = domain.child("devices") else { return out };
    let (mut disks, mut cdroms) = (0usize, 0usize);
    for disk in devices.children_named("disk").take(MAX_DEVICES) {
        let bus = disk.child("target").and_then(|t| t.attr("bus")).unwrap_or("default");
        match disk.attr("device").unwrap_or("disk") {
            "cdrom" => {
                push(format!("cdrom{cdroms}.bus"), bus);
                cdroms += 1;
            }
            "disk" => {
                push(format!("disk{disks}.bus"), bus);
                if let Some(format) = disk.child("driver").and_then(|d| d.attr("type")) {
                    push(format!("disk{disks}.format"), format);
                }
                disks += 1;
            }
            _ => {}
        }
    }
    push("disks".into(), &disks.to_string());
    for (n, nic) in devices.children_named("interface").take(MAX_DEVICES).enumerate() {
        let kind = nic.attr("type").unwrap_or("default");
        let model = nic.child("model").and_then(|m| m.attr("type")).unwrap_or("default");
        let source = nic.child("source");
        let source = source.and_then(|s| s.attr("network").or_else(|| s.attr("bridge")).or_else(|| s.attr("dev")));
        push(format!("nic{n}.type"), model);
        push(format!("nic{n}.network"), &source.map_or_else(|| kind.to_owned(), |s| format!("{kind}:{s}")));
    }
    for (n, g) in devices.children_named("graphics").take(MAX_DEVICES).enumerate() {
        push(format!("graphics{n}.type"), g.attr("type").unwrap_or("default"));
    }
    if let Some(model) = devices.child("video").and_then(|v| v.child("model")).and_then(|m| m.attr("type")) {
        push("video.model".into(), model);
    }
    if let Some(model) = devices.child("sound").and_then(|s| s.attr("model")) {
        push("sound.model".into(), model);
    }
    if let Some(tpm) = devices.child("tpm") {
        push("tpm.model".into(), tpm.attr("model").unwrap_or("default"));
    }
    out
}
