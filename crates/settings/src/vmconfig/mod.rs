// SPDX-License-Identifier: GPL-3.0-or-later
//! VM configuration files supplied beside the disks: VMware `.vmx`, VirtualBox `.vbox`
//! (and the `<vbox:Machine>` section VirtualBox embeds in OVF), libvirt domain XML and
//! OVF descriptors. They become settings of kind [`Kind::Vm`].
//!
//! Every format yields the same normalized names so that peers described in different
//! formats still line up where they can: `memory_mib`, `cpus`, `firmware` (`bios`/`efi`),
//! `secure_boot`, `guest_os`, `nic<N>.type` (adapter model), `nic<N>.network`,
//! `disk<N>.bus`, plus format-specific names (raw lowercased `.vmx` keys, `features.*`
//! for libvirt, `vmw.*` for OVF extra config, `vbox.*` for VirtualBox).
//!
//! Identifying values never become settings: VM names and UUIDs, MAC addresses, disk
//! and NVRAM file paths, annotations, passwords and listen addresses are dropped.
//!
//! The setting path is the file name with its stem replaced by `*` (`web01.vmx` →
//! `*.vmx`): the stem is the VM's name, which differs on every peer and identifies it.
//!
//! Provenance ([`extract_with_offsets`]): every format gives the 1-based line a value was
//! read from, [`Offset::Line`] — the key's line in a `.vmx`, the start tag of the element
//! holding the value in XML (lines rather than byte offsets so that all VM configurations,
//! like all text files, point into their file as `file:line`). Values no line states
//! (defaults such as `cpus` = 1 without `numvcpus`, and counts such as `disks`) have
//! [`Offset::Unknown`].

mod disk;
mod libvirt;
mod ovf;
mod vbox;
mod vmx;
mod xml;

pub use disk::{disk_settings, DISK_PATH};
use imagefs::ReadAt;

use crate::canon::config_value;
use crate::{Kind, Offset, Setting};

/// VM configuration files larger than this are not read: the largest real ones are tens
/// of kilobytes; anything bigger is not a configuration.
pub const MAX_VM_CONFIG: u64 = 4 * 1024 * 1024;

/// The settings of one VM configuration file, by its name (`vm.vmx`, `dom.xml`,
/// `appliance.ovf`, `vm.vbox`) and text. Unknown formats and malformed files give no
/// (or fewer) settings, never an error.
pub fn extract(name: &str, text: &str) -> Vec<Setting> {
    extract_with_offsets(name, text).into_iter().map(|(s, _)| s).collect()
}

/// [`extract`] with each setting's position in the file (its provenance): the line it was
/// read from, or [`Offset::Unknown`] for defaults and counts.
pub fn extract_with_offsets(name: &str, text: &str) -> Vec<(Setting, Offset)> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let pairs = match ext.as_str() {
        "vmx" => vmx::parse(text),
        "vbox" | "ovf" | "xml" => from_xml(&xml::parse_all(text)),
        _ => Vec::new(),
    };
    let path = format!("*.{ext}");
    let mut settings: Vec<(Setting, Offset)> = pairs
        .into_iter()
        .map(|(name, value, line)| {
            let setting = Setting { kind: Kind::Vm, path: path.clone(), name, value: config_value(&value) };
            (setting, line.map_or(Offset::Unknown, Offset::Line))
        })
        .collect();
    settings.sort_by(|a, b| a.0.cmp(&b.0));
    settings.dedup_by(|a, b| a.0.key() == b.0.key());
    settings
}

/// Dispatches on the root element: libvirt `<domain>`, OVF `<Envelope>`, VirtualBox
/// `<VirtualBox>`/`<Machine>`. Of several top-level documents the last wins: virt-install
/// writes the install-phase domain first and the persistent definition last.
fn from_xml(roots: &[xml::Element]) -> Vec<(String, String, Option<u32>)> {
    let Some(root) = roots.last() else { return Vec::new() };
    match root.name.as_str() {
        "domain" => libvirt::parse(root),
        "Envelope" => ovf::parse(root),
        "VirtualBox" => root.child("Machine").map(|m| vbox::parse(m, "")).unwrap_or_default(),
        "Machine" => vbox::parse(root, ""),
        _ => Vec::new(),
    }
}

/// Reads a configuration file supplied beside the disks (at most [`MAX_VM_CONFIG`]
/// bytes) and extracts its settings with their offsets; a read failure becomes a warning.
pub(crate) fn extract_source(source: &dyn ReadAt, warnings: &mut Vec<String>) -> Vec<(Setting, Offset)> {
    let name = source.name();
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !matches!(ext.as_str(), "vmx" | "vbox" | "ovf" | "xml") {
        return Vec::new();
    }
    if source.size() > MAX_VM_CONFIG {
        warnings.push(format!("{name}: VM configuration of {} bytes not read (limit {MAX_VM_CONFIG})", source.size()));
        return Vec::new();
    }
    match imagefs::read_vec(source, 0, source.size()) {
        Ok(bytes) => extract_with_offsets(name, &String::from_utf8_lossy(&bytes)),
        Err(e) => {
            warnings.push(e.to_string());
            Vec::new()
        }
    }
}

/// Converts `quantity` of `unit` to MiB. Units as in libvirt (`KiB`, `M`, `GB`, `bytes`…)
/// and OVF/DMTF programmatic units (`byte * 2^20`, `MegaBytes`, `KiloBytes`).
pub(crate) fn to_mib(quantity: &str, unit: &str) -> Option<u128> {
    let quantity: u128 = quantity.trim().parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase().replace(' ', "");
    let bytes_per: u128 = if let Some(exp) = unit.strip_prefix("byte*2^") {
        let exp: u32 = exp.parse().ok()?;
        if exp > 80 {
            return None;
        }
        1u128 << exp
    } else if let Some(exp) = unit.strip_prefix("byte*10^") {
        10u128.checked_pow(exp.parse().ok()?)?
    } else {
        match unit.as_str() {
            "b" | "byte" | "bytes" => 1,
            "k" | "kib" => 1 << 10,
            "kb" | "kilobytes" => 1000,
            "m" | "mib" | "megabytes" => 1 << 20,
            "mb" => 1_000_000,
            "g" | "gib" | "gigabytes" => 1 << 30,
            "gb" => 1_000_000_000,
            "t" | "tib" => 1 << 40,
            "tb" => 1_000_000_000_000,
            _ => return None,
        }
    };
    Some(quantity.checked_mul(bytes_per)? >> 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(to_mib("1024", "byte * 2^20"), Some(1024));
        assert_eq!(to_mib("4194304", "KiB"), Some(4096));
        assert_eq!(to_mib("2", "GiB"), Some(2048));
        assert_eq!(to_mib("512", "MegaBytes"), Some(512));
        assert_eq!(to_mib("x", "KiB"), None);
        assert_eq!(to_mib("1", "byte * 2^200"), None);
    }

    #[test]
    fn unknown_files_give_nothing() {
        assert!(extract("notes.txt", "memsize = \"1\"").is_empty());
        assert!(extract("x.xml", "<html/>").is_empty());
    }
}
