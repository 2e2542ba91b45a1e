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
/// listen addresses are never read. Each pair carries the line of the element it was read
/// from; `None` for a default that no element states (`cpus` without `<vcpu>`, `disks`).
pub(crate) fn parse(domain: &Element) -> Vec<(String, String, Option<u32>)> {
    let mut out = Vec::new();
    let mut push = |name: String, value: &str, from: Option<&Element>| {
        out.push((name, value.trim().to_owned(), from.map(|e| e.line)));
    };
    if let Some(t) = domain.attr("type") {
        push("hypervisor".into(), t, Some(domain));
    }
    if let Some(memory) = domain.child("memory") {
        if let Some(mib) = to_mib(&memory.text, memory.attr("unit").unwrap_or("KiB")) {
            push("memory_mib".into(), &mib.to_string(), Some(memory));
        }
    }
    let vcpu = domain.child("vcpu").filter(|v| !v.text.trim().is_empty());
    push("cpus".into(), vcpu.map_or("1", |v| v.text.as_str()), vcpu);
    if let Some(os) = domain.child("os") {
        if let Some(t) = os.child("type") {
            push("os_type".into(), &t.text, Some(t));
            if let Some(arch) = t.attr("arch") {
                push("arch".into(), arch, Some(t));
            }
            if let Some(machine) = t.attr("machine") {
                push("machine".into(), machine, Some(t));
            }
        }
        let loader = os.child("loader");
        let efi = os.attr("firmware") == Some("efi") || loader.is_some_and(|l| l.attr("type") == Some("pflash"));
        push("firmware".into(), if efi { "efi" } else { "bios" }, Some(loader.unwrap_or(os)));
        // Firmware autoselection features: `secure-boot`, else `enrolled-keys` (keys
        // enrolled means Secure Boot is enforced), else the manual `<loader secure=>`.
        let feature = |name: &str| {
            os.child("firmware")
                .and_then(|f| f.children_named("feature").find(|e| e.attr("name") == Some(name)))
                .and_then(|e| Some((e.attr("enabled")?, e)))
        };
        let secure = feature("secure-boot")
            .or_else(|| feature("enrolled-keys"))
            .or_else(|| loader.and_then(|l| Some((l.attr("secure")?, l))));
        push("secure_boot".into(), secure.map_or("no", |(v, _)| v), secure.map(|(_, e)| e));
    }
    if let Some(cpu) = domain.child("cpu") {
        if let Some(mode) = cpu.attr("mode") {
            push("cpu_mode".into(), mode, Some(cpu));
        }
    }
    if let Some(clock) = domain.child("clock") {
        if let Some(offset) = clock.attr("offset") {
            push("clock_offset".into(), offset, Some(clock));
        }
    }
    if let Some(features) = domain.child("features") {
        for f in features.children.iter().take(MAX_DEVICES) {
            if f.name == "hyperv" {
                for h in f.children.iter().take(MAX_DEVICES) {
                    push(format!("features.hyperv.{}", h.name), h.attr("state").unwrap_or("on"), Some(h));
                }
            } else {
                push(format!("features.{}", f.name), f.attr("state").unwrap_or("on"), Some(f));
            }
        }
    }
    for event in ["on_poweroff", "on_reboot", "on_crash"] {
        if let Some(e) = domain.child(event) {
            push(event.into(), &e.text, Some(e));
        }
    }
    let Some(devices) = domain.child("devices") else { return out };
    let (mut disks, mut cdroms) = (0usize, 0usize);
    for disk in devices.children_named("disk").take(MAX_DEVICES) {
        let target = disk.child("target");
        let bus = target.and_then(|t| t.attr("bus")).unwrap_or("default");
        // The bus is stated on `<target>`; without it, the `<disk>` line is the best place.
        let at = Some(target.unwrap_or(disk));
        match disk.attr("device").unwrap_or("disk") {
            "cdrom" => {
                push(format!("cdrom{cdroms}.bus"), bus, at);
                cdroms += 1;
            }
            "disk" => {
                push(format!("disk{disks}.bus"), bus, at);
                if let Some(driver) = disk.child("driver") {
                    if let Some(format) = driver.attr("type") {
                        push(format!("disk{disks}.format"), format, Some(driver));
                    }
                }
                disks += 1;
            }
            _ => {}
        }
    }
    push("disks".into(), &disks.to_string(), None);
    for (n, nic) in devices.children_named("interface").take(MAX_DEVICES).enumerate() {
        let kind = nic.attr("type").unwrap_or("default");
        let model_element = nic.child("model");
        let model = model_element.and_then(|m| m.attr("type")).unwrap_or("default");
        let source_element = nic.child("source");
        let source =
            source_element.and_then(|s| s.attr("network").or_else(|| s.attr("bridge")).or_else(|| s.attr("dev")));
        push(format!("nic{n}.type"), model, Some(model_element.unwrap_or(nic)));
        let network = source.map_or_else(|| kind.to_owned(), |s| format!("{kind}:{s}"));
        push(format!("nic{n}.network"), &network, Some(source_element.unwrap_or(nic)));
    }
    for (n, g) in devices.children_named("graphics").take(MAX_DEVICES).enumerate() {
        push(format!("graphics{n}.type"), g.attr("type").unwrap_or("default"), Some(g));
    }
    if let Some(model) = devices.child("video").and_then(|v| v.child("model")) {
        if let Some(t) = model.attr("type") {
            push("video.model".into(), t, Some(model));
        }
    }
    if let Some(sound) = devices.child("sound") {
        if let Some(model) = sound.attr("model") {
            push("sound.model".into(), model, Some(sound));
        }
    }
    if let Some(tpm) = devices.child("tpm") {
        push("tpm.model".into(), tpm.attr("model").unwrap_or("default"), Some(tpm));
    }
    out
}
