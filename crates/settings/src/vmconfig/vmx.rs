// SPDX-License-Identifier: GPL-3.0-or-later
//! VMware `.vmx`: `key = "value"` lines with case-insensitive dotted keys.

use std::collections::{BTreeMap, HashMap};

use crate::parse::MAX_LINES;

/// Keys dropped outright: they name or identify this one VM (name, UUIDs, generation
/// IDs, creation time, VMCI id, SAS WWID, swap/log file names) or record run state
/// (clean shutdown), so they differ on every peer and would only be noise or a leak.
const DROP_EXACT: &[&str] = &[
    "displayname",
    "annotation",
    "nvram",
    "extendedconfigfile",
    "vc.uuid",
    "vmci0.id",
    "vm.createdate",
    "vm.genid",
    "vm.genidx",
    "cleanshutdown",
    "softpoweroff",
    "numa.autosize.cookie",
    "migrate.hostlog",
    "sched.swap.derivedname",
    "checkpoint.vmstate",
];
/// Key prefixes dropped for the same reasons (`uuid.bios`, `guestinfo.*` may hold
/// secrets, tools-installer counters), and CPUID snapshots, which record the host the VM
/// last ran on rather than the VM's configuration.
const DROP_PREFIX: &[&str] =
    &["uuid.bios", "uuid.location", "guestinfo.", "toolsinstallmanager.", "hostcpuid.", "guestcpuid.", "usercpuid."];
/// Key suffixes dropped: MAC addresses and disk/ISO/serial file paths (the VM's name
/// and datastore UUIDs are in them), WWIDs and per-device UUIDs.
const DROP_SUFFIX: &[&str] =
    &[".generatedaddress", ".generatedaddressoffset", ".address", "filename", ".saswwid", ".uuid", ".wwn"];

/// Whether a lowercased `.vmx` key identifies the VM and must not become a setting.
pub(crate) fn is_identifying(key: &str) -> bool {
    DROP_EXACT.contains(&key)
        || DROP_PREFIX.iter().any(|p| key.starts_with(p))
        || DROP_SUFFIX.iter().any(|s| key.ends_with(s))
}

/// Parses `.vmx` text into normalized settings (`memory_mib`, `cpus`, `firmware`,
/// `secure_boot`, `guest_os`, `hw_version`, `nic<N>.*`, `disk<N>.*`, `cdrom<N>.bus`)
/// followed by every raw key, lowercased, except the identifying ones. A repeated key
/// takes its last value, as VMware does. Each pair carries the 1-based line of the key it
/// comes from (for a normalized setting, of its main key); `None` for defaults that no
/// line states (`cpus` without `numvcpus`, `disks`).
pub(crate) fn parse(text: &str) -> Vec<(String, String, Option<u32>)> {
    let mut raw: BTreeMap<String, String> = BTreeMap::new();
    let mut lines: HashMap<String, u32> = HashMap::new();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        if !key.is_empty() {
            lines.insert(key.clone(), number);
            raw.insert(key, value.to_owned());
        }
    }
    let at = |key: &str| lines.get(key).copied();
    let mut out = normalized(&raw, &at);
    out.extend(raw.into_iter().filter(|(k, _)| !is_identifying(k)).map(|(k, v)| {
        let line = at(&k);
        (k, v, line)
    }));
    out
}

fn is_true(raw: &BTreeMap<String, String>, key: &str) -> bool {
    raw.get(key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The normalized settings; `at` gives the line of a raw key.
fn normalized(raw: &BTreeMap<String, String>, at: &dyn Fn(&str) -> Option<u32>) -> Vec<(String, String, Option<u32>)> {
    let mut out = Vec::new();
    let get = |k: &str| raw.get(k).cloned();
    if let Some(m) = get("memsize") {
        out.push(("memory_mib".into(), m, at("memsize")));
    }
    out.push(("cpus".into(), get("numvcpus").unwrap_or_else(|| "1".into()), at("numvcpus")));
    out.push((
        "firmware".into(),
        get("firmware").unwrap_or_else(|| "bios".into()).to_ascii_lowercase(),
        at("firmware"),
    ));
    out.push((
        "secure_boot".into(),
        is_true(raw, "uefi.secureboot.enabled").to_string(),
        at("uefi.secureboot.enabled"),
    ));
    if let Some(os) = get("guestos") {
        out.push(("guest_os".into(), os, at("guestos")));
    }
    if let Some(hw) = get("virtualhw.version") {
        out.push(("hw_version".into(), hw, at("virtualhw.version")));
    }
    // NICs: ethernet<N>.present = TRUE.
    for (key, _) in raw
        .iter()
        .filter(|(k, v)| k.starts_with("ethernet") && k.ends_with(".present") && v.eq_ignore_ascii_case("true"))
    {
        let Some(dev) = key.strip_suffix(".present") else { continue };
        let Some(n) = dev.strip_prefix("ethernet").filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else { continue };
        let model = get(&format!("{dev}.virtualdev")).unwrap_or_else(|| "default".into());
        let network = get(&format!("{dev}.networkname"))
            .or_else(|| get(&format!("{dev}.connectiontype")))
            .unwrap_or_else(|| "default".into());
        // Both from the adapter's `.present` line: the model and network lines may be absent.
        out.push((format!("nic{n}.type"), model.to_ascii_lowercase(), at(key)));
        out.push((format!("nic{n}.network"), network, at(key)));
    }
    // Disks and CD-ROMs: <bus><ctrl>:<unit>.present = TRUE, in (bus, ctrl, unit) order.
    let mut devices: Vec<(String, u32, u32, String)> = Vec::new();
    for (key, _) in raw.iter().filter(|(k, v)| k.ends_with(".present") && v.eq_ignore_ascii_case("true")) {
        let Some(dev) = key.strip_suffix(".present") else { continue };
        let Some((ctrl, unit)) = dev.split_once(':') else { continue };
        let Some(bus) = ["ide", "scsi", "sata", "nvme"].into_iter().find(|b| ctrl.starts_with(b)) else { continue };
        let (Ok(c), Ok(u)) = (ctrl.get(bus.len()..).unwrap_or("").parse::<u32>(), unit.parse::<u32>()) else {
            continue;
        };
        devices.push((bus.to_owned(), c, u, dev.to_owned()));
    }
    devices.sort();
    let (mut disks, mut cdroms) = (0usize, 0usize);
    for (bus, c, _, dev) in devices {
        let device_type = get(&format!("{dev}.devicetype")).unwrap_or_default().to_ascii_lowercase();
        let file = get(&format!("{dev}.filename")).unwrap_or_default().to_ascii_lowercase();
        let is_cdrom = device_type.contains("cdrom") || device_type.contains("atapi") || file.ends_with(".iso");
        let is_disk = device_type.contains("disk") || (device_type.is_empty() && file.ends_with(".vmdk"));
        let present = at(&format!("{dev}.present"));
        if is_cdrom {
            out.push((format!("cdrom{cdroms}.bus"), bus, present));
            cdroms += 1;
        } else if is_disk {
            out.push((format!("disk{disks}.bus"), bus.clone(), present));
            let controller_key = format!("{bus}{c}.virtualdev");
            let controller = get(&controller_key).unwrap_or_else(|| bus.clone());
            // Without a `virtualDev` line the controller is the bus's default: the disk's line says it.
            let line = at(&controller_key).or(present);
            out.push((format!("disk{disks}.controller"), controller.to_ascii_lowercase(), line));
            disks += 1;
        }
    }
    out.push(("disks".into(), disks.to_string(), None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_and_raw_without_identifiers() {
        let text = "displayName = \"web01\"\nmemSize = \"2048\"\nethernet0.present = \"TRUE\"\n\
                    ethernet0.virtualDev = \"vmxnet3\"\nethernet0.generatedAddress = \"00:0c:29:00:00:01\"\n\
                    scsi0.virtualDev = \"pvscsi\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"web01.vmdk\"\n\
                    uuid.bios = \"56 4d\"\n";
        let got = parse(text);
        let get = |k: &str| got.iter().find(|(n, _, _)| n == k).map(|(_, v, _)| v.as_str());
        assert_eq!(get("memory_mib"), Some("2048"));
        assert_eq!(get("cpus"), Some("1"));
        assert_eq!(get("nic0.type"), Some("vmxnet3"));
        assert_eq!(get("disk0.bus"), Some("scsi"));
        assert_eq!(get("disk0.controller"), Some("pvscsi"));
        assert_eq!(get("memsize"), Some("2048"));
        assert!(!got.iter().any(|(_, v, _)| v.contains("web01") || v.contains("00:0c:29") || v.contains("56 4d")));
    }
}
