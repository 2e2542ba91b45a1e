// SPDX-License-Identifier: GPL-3.0-or-later
//! VM configuration extraction on the real `.vmx`, libvirt domain XML and OVF files of
//! the corpus (`vmconfig`): concrete values per file, identifying values absent, and the
//! configuration files a machine is opened with reaching `scan_machine`.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagefs::{open_machine, MemorySource, Source};
use settings::{scan_machine, vmconfig, ExtractionProfile, Kind, Offset, Setting};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/vmconfig");

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["vmx", "libvirt", "ovf"] {
        let dir = Path::new(CORPUS).join(dir);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display())) {
            out.push(entry.unwrap().path());
        }
    }
    out.sort();
    out
}

fn extract(rel: &str) -> Vec<Setting> {
    let path = Path::new(CORPUS).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    vmconfig::extract(path.file_name().unwrap().to_str().unwrap(), &text)
}

fn get<'a>(settings: &'a [Setting], name: &str) -> Option<&'a str> {
    settings.iter().find(|s| s.name == name).map(|s| s.value.as_str())
}

/// Values that identify the VM, read from the file with plain string searches.
fn identifying_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let quoted_after = |key: &str| {
        text.lines()
            .filter(|l| l.trim_start().to_ascii_lowercase().starts_with(key))
            .filter_map(|l| l.split_once('=').map(|(_, v)| v.trim().trim_matches('"').to_owned()))
            .collect::<Vec<_>>()
    };
    for key in ["displayname", "uuid.bios", "uuid.location", "vc.uuid", "ethernet0.generatedaddress", "nvram"] {
        out.extend(quoted_after(key));
    }
    for (open, close) in
        [("<uuid>", "</uuid>"), ("<name>", "</name>"), ("mac address=\"", "\""), ("MACAddress=\"", "\"")]
    {
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len()..];
            let Some(end) = after.find(close) else { break };
            out.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    out.retain(|v| v.len() >= 4);
    out
}

#[test]
fn every_vmconfig_corpus_file_yields_settings_without_identifiers() {
    let all = files();
    let mut checked = 0;
    assert!(all.len() >= 25, "expected the vmconfig corpus at {CORPUS}");
    for path in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let settings = vmconfig::extract(name, &text);
        let ext = name.rsplit_once('.').unwrap().1;
        assert!(settings.len() >= 10, "{name}: only {} settings", settings.len());
        assert!(settings.iter().all(|s| s.kind == Kind::Vm && s.path == format!("*.{ext}")), "{name}");
        for wanted in ["cpus", "memory_mib", "disks"] {
            assert!(get(&settings, wanted).is_some(), "{name}: no {wanted}");
        }
        let secrets = identifying_values(&text);
        checked += secrets.len();
        for secret in &secrets {
            assert!(
                !settings.iter().any(|s| s.value == *secret || (secret.len() > 8 && s.value.contains(secret.as_str()))),
                "{name}: identifying value {secret:?} leaked"
            );
        }
        for s in &settings {
            let n = s.name.as_str();
            assert!(!n.contains("generatedaddress") && !n.contains("filename") && n != "displayname", "{name}: {n}");
            assert!(!(n.starts_with("uuid.") && n != "uuid.action"), "{name}: {n}");
        }
    }
    // Names, UUIDs and MACs of 25 files: the leak check above really compared something.
    assert!(checked >= 50, "only {checked} identifying values found");
}

#[test]
fn vmx_values() {
    let s = extract("vmx/v2v-test-i-vmx-7.vmx");
    assert_eq!(get(&s, "memory_mib"), Some("4096"));
    assert_eq!(get(&s, "cpus"), Some("2"));
    assert_eq!(get(&s, "firmware"), Some("efi"));
    assert_eq!(get(&s, "secure_boot"), Some("true"));
    assert_eq!(get(&s, "guest_os"), Some("windows2019srv-64"));
    assert_eq!(get(&s, "nic0.type"), Some("vmxnet3"));
    assert_eq!(get(&s, "nic0.network"), Some("VM Network"));
    // Disks in (bus, controller, unit) order; sata0:3 has no deviceType: its .vmdk
    // file name makes it a disk.
    assert_eq!(get(&s, "disk0.bus"), Some("sata"));
    assert_eq!(get(&s, "disk1.bus"), Some("scsi"));
    assert_eq!(get(&s, "disk1.controller"), Some("lsisas1068"));
    assert_eq!(get(&s, "cdrom0.bus"), Some("sata"));
    // Raw keys, lowercased.
    assert_eq!(get(&s, "memsize"), Some("4096"));
    assert_eq!(get(&s, "numvcpus"), Some("2"));
    assert_eq!(get(&s, "ethernet0.virtualdev"), Some("vmxnet3"));
    assert_eq!(get(&s, "tools.synctime"), Some("false"));
    for gone in ["displayname", "uuid.bios", "vc.uuid", "ethernet0.generatedaddress", "nvram", "vmci0.id", "vm.genid"] {
        assert_eq!(get(&s, gone), None, "{gone}");
    }
    assert!(!s.iter().any(|x| x.value.contains("win2019") || x.value.contains("/vmfs/volumes")));

    let s = extract("vmx/v2v-test-i-vmx-1.vmx");
    assert_eq!(get(&s, "disks"), Some("21"));
    assert_eq!(get(&s, "disk20.controller"), Some("pvscsi"));
    assert_eq!(get(&s, "firmware"), Some("bios"));
    assert!(!s.iter().any(|x| x.name.starts_with("hostcpuid.")));
    let s = extract("vmx/v2v-test-i-vmx-5.vmx");
    assert_eq!(get(&s, "memory_mib"), Some("2048"));
    assert_eq!(get(&s, "nic0.type"), Some("e1000e"));
    assert_eq!(get(&s, "nic0.network"), Some("bridged"));
    assert_eq!(get(&s, "hw_version"), Some("11"));
    assert_eq!(get(&extract("vmx/v2v-test-i-vmx-6.vmx"), "disk0.bus"), Some("nvme"));
    assert_eq!(get(&extract("vmx/virtmanager-test1.vmx"), "memory_mib"), Some("512"));
}

#[test]
fn libvirt_values() {
    let s = extract("libvirt/v2v-test-i-ova.xml");
    assert_eq!(get(&s, "memory_mib"), Some("2048"));
    assert_eq!(get(&s, "cpus"), Some("1"));
    assert_eq!(get(&s, "machine"), Some("q35"));
    assert_eq!(get(&s, "disk0.bus"), Some("virtio"));
    assert_eq!(get(&s, "nic0.network"), Some("bridge:VM Network"));
    let s = extract("libvirt/virt-install-win11.xml");
    assert_eq!(get(&s, "firmware"), Some("efi"));
    assert_eq!(get(&s, "cpus"), Some("4"));
    assert_eq!(get(&s, "memory_mib"), Some("64"));
    assert_eq!(get(&s, "tpm.model"), Some("tpm-crb"));
    assert_eq!(get(&s, "nic0.type"), Some("e1000e"));
    assert_eq!(get(&s, "features.hyperv.spinlocks"), Some("true"));
    // virt-install writes the install-phase domain first: the final one (no on_reboot
    // destroy) is what the VM runs with.
    assert_eq!(get(&s, "on_reboot"), None);
    assert_eq!(get(&extract("libvirt/virt-install-win11-no-uefi.xml"), "firmware"), Some("bios"));
    assert_eq!(get(&extract("libvirt/virt-install-boot-uefi-secure-boot.xml"), "secure_boot"), Some("true"));
    let s = extract("libvirt/virt-install-many-devices.xml");
    assert_eq!(get(&s, "cpus"), Some("9"));
    assert_eq!(get(&s, "secure_boot"), Some("true"));
    assert!(!s.iter().any(|x| x.value.contains("testpass")), "graphics password leaked");
    assert_eq!(get(&extract("libvirt/virt-install-amd-sev.xml"), "firmware"), Some("efi"));
}

#[test]
fn ovf_values() {
    let s = extract("ovf/virtmanager-vmware-vc-test1.ovf");
    assert_eq!(get(&s, "cpus"), Some("3"));
    assert_eq!(get(&s, "memory_mib"), Some("777"));
    assert_eq!(get(&s, "hw_version"), Some("vmx-07"));
    let s = extract("ovf/v2v-test-i-ova-two-disks.ovf");
    assert_eq!(get(&s, "disks"), Some("2"));
    assert_eq!(get(&s, "disk1.bus"), Some("scsi"));
    assert_eq!(get(&s, "controller0.type"), Some("scsi:lsilogicsas"));
    assert_eq!(get(&s, "nic0.type"), Some("e1000"));
    assert_eq!(get(&s, "nic0.network"), Some("PG-VLAN60"));
    assert_eq!(get(&s, "guest_os"), Some("windows7Server64Guest"));
    assert_eq!(get(&s, "firmware"), Some("bios"));
    assert_eq!(get(&s, "vmw.tools.synctimewithhost"), Some("false"));
    let s = extract("ovf/virtmanager-virtualbox-CentOS-6.4-i386-Gnome.ovf");
    assert_eq!(get(&s, "memory_mib"), Some("512"));
    assert_eq!(get(&s, "disk0.bus"), Some("sata"));
    assert_eq!(get(&s, "vbox.memory_mib"), Some("512"));
    assert_eq!(get(&s, "vbox.guest_os"), Some("RedHat"));
    assert_eq!(get(&s, "vbox.nic0.type"), Some("82540EM"));
    assert_eq!(get(&s, "vbox.nic0.network"), Some("nat"));
    assert_eq!(get(&s, "vbox.nic1.type"), None, "disabled adapters are not NICs");
    assert_eq!(get(&s, "vbox.disk0.bus"), Some("AHCI"));
    assert_eq!(get(&s, "vbox.cpu.PAE"), Some("true"));
    assert!(!s.iter().any(|x| x.value.contains("3c0c3250") || x.value.contains("CentOS-6.4-i386-Gnome")));
}

/// The text of `rel` and its settings with their offsets.
fn extract_offsets(rel: &str) -> (String, Vec<(Setting, Offset)>) {
    let path = Path::new(CORPUS).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let got = vmconfig::extract_with_offsets(path.file_name().unwrap().to_str().unwrap(), &text);
    (text, got)
}

/// For each `(setting name, needle)`, the line recorded for the setting holds `needle`
/// (ASCII case-insensitively) in the file's text. Returns the lines.
fn assert_lines(rel: &str, checks: &[(&str, &str)]) -> Vec<u32> {
    let (text, got) = extract_offsets(rel);
    checks
        .iter()
        .map(|(name, needle)| {
            let (_, offset) = got.iter().find(|(s, _)| s.name == *name).unwrap_or_else(|| panic!("{rel}: no {name}"));
            let Offset::Line(line) = *offset else { panic!("{rel}: {name} has no line: {offset:?}") };
            let held = text.lines().nth(line as usize - 1).unwrap_or_else(|| panic!("{rel}:{line} past the end"));
            assert!(
                held.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()),
                "{rel}:{line} = {held:?} should hold {needle:?} for {name}"
            );
            line
        })
        .collect()
}

#[test]
fn line_provenance_of_vm_configs() {
    assert_lines(
        "vmx/v2v-test-i-vmx-7.vmx",
        &[
            ("memory_mib", "memSize = \"4096\""),
            ("memsize", "memSize"),
            ("cpus", "numvcpus"),
            ("guest_os", "guestOS"),
            ("nic0.type", "ethernet0.present"),
            ("disk0.bus", "sata0:3.present"),
            ("disk1.controller", "virtualDev = \"lsisas1068\""),
            ("tools.synctime", "tools.syncTime"),
        ],
    );
    assert_lines(
        "libvirt/v2v-test-i-ova.xml",
        &[
            ("memory_mib", "<memory"),
            ("machine", "machine="),
            ("disk0.bus", "<target"),
            ("nic0.network", "<source bridge="),
        ],
    );
    // virt-install's two documents: the settings come from the last, and point into it.
    let rel = "libvirt/virt-install-win11.xml";
    let lines = assert_lines(
        rel,
        &[
            ("cpus", "<vcpu>4</vcpu>"),
            ("memory_mib", "<memory"),
            ("tpm.model", "<tpm model=\"tpm-crb\""),
            ("features.hyperv.spinlocks", "<spinlocks"),
            ("nic0.type", "<model type=\"e1000e\""),
        ],
    );
    let (text, _) = extract_offsets(rel);
    let second = text.lines().skip(1).position(|l| l.starts_with("<domain")).unwrap() + 2;
    assert!(lines.iter().all(|&l| l as usize > second), "{lines:?} not in the document at line {second}");
    assert_lines(
        "ovf/v2v-test-i-ova-two-disks.ovf",
        &[
            ("hw_version", "VirtualSystemType"),
            ("memory_mib", "<rasd:VirtualQuantity>1024<"),
            ("controller0.type", "ResourceType"),
            ("nic0.type", "<rasd:ResourceSubType>E1000<"),
            ("nic0.network", "<rasd:Connection>PG-VLAN60<"),
            ("vmw.tools.synctimewithhost", "tools.syncTimeWithHost"),
        ],
    );
    assert_lines(
        "ovf/virtmanager-virtualbox-CentOS-6.4-i386-Gnome.ovf",
        &[
            ("vbox.memory_mib", "RAMSize=\"512\""),
            ("vbox.cpu.PAE", "<PAE enabled"),
            ("vbox.nic0.type", "<Adapter slot=\"0\""),
            ("vbox.disk0.bus", "type=\"HardDisk\""),
            ("vbox.video_mib", "VRAMSize"),
        ],
    );
}

/// Over every corpus file: each recorded line exists and is not blank; a `.vmx` key's line
/// starts with the key; an XML value's line has a tag. Only defaults and counts, which no
/// line states, have no position.
#[test]
fn every_vm_config_offset_is_a_real_line() {
    let normalized = |name: &str| {
        ["memory_mib", "cpus", "firmware", "secure_boot", "guest_os", "hw_version", "disks"].contains(&name)
            || ["nic", "disk", "cdrom"].iter().any(|p| {
                name.strip_prefix(p).is_some_and(|r| r.split('.').next().is_some_and(|n| n.parse::<u32>().is_ok()))
            })
    };
    let mut lines = 0;
    for path in files() {
        let rel = path.strip_prefix(CORPUS).unwrap().to_string_lossy().into_owned();
        let (text, got) = extract_offsets(&rel);
        let vmx = rel.ends_with(".vmx");
        for (s, offset) in &got {
            let name = s.name.strip_prefix("vbox.").unwrap_or(&s.name);
            let Offset::Line(line) = *offset else {
                assert!(matches!(name, "disks" | "cpus" | "firmware" | "secure_boot"), "{rel}: {} unplaced", s.name);
                continue;
            };
            let held = text.lines().nth(line as usize - 1).unwrap_or_else(|| panic!("{rel}:{line} past the end"));
            assert!(!held.trim().is_empty(), "{rel}:{line} blank for {}", s.name);
            if vmx && !normalized(&s.name) {
                assert!(
                    held.trim_start().to_ascii_lowercase().starts_with(&s.name),
                    "{rel}:{line} {held:?} {}",
                    s.name
                );
            } else if !vmx {
                assert!(held.contains('<'), "{rel}:{line} {held:?} has no tag for {}", s.name);
            }
            lines += 1;
        }
    }
    assert!(lines > 500, "{lines} settings with a line");
}

#[test]
fn hostile_vm_configs_do_not_panic() {
    let deep = "<domain>".repeat(100_000);
    let wide = format!("<domain><devices>{}</devices></domain>", "<disk device='disk'/>".repeat(200_000));
    let vmx = "ethernet0.present = \"TRUE\"\n".repeat(200_000) + &"scsi9999999999:1.present = \"TRUE\"\n".repeat(10);
    for (name, text) in
        [("a.xml", deep.as_str()), ("b.xml", wide.as_str()), ("c.vmx", vmx.as_str()), ("d.ovf", "<Envelope><Item>")]
    {
        let _ = vmconfig::extract(name, text);
    }
    let wide = vmconfig::extract("b.xml", &wide);
    assert_eq!(get(&wide, "disks"), Some("64"), "device count is bounded");
}

#[test]
fn scan_machine_reads_config_files_beside_the_disks() {
    let text = std::fs::read(Path::new(CORPUS).join("vmx/v2v-test-i-vmx-2.vmx")).unwrap();
    let vmx: Source = Rc::new(MemorySource::new("fedora20.vmx", text));
    let libvirt = std::fs::read(Path::new(CORPUS).join("libvirt/virt-install-kvm-centos7.xml")).unwrap();
    let xml: Source = Rc::new(MemorySource::new("centos7.xml", libvirt));
    let machine = open_machine(vec![vmx, xml]).unwrap();
    let scan = scan_machine(&machine, &ExtractionProfile::default());
    let vm = |path: &str, name: &str| {
        scan.settings().iter().find(|s| s.kind == Kind::Vm && s.path == path && s.name == name).map(|s| s.value.clone())
    };
    assert_eq!(vm("*.vmx", "memsize").as_deref(), Some("2048"));
    assert_eq!(vm("*.vmx", "nic0.type").as_deref(), Some("vmxnet3"));
    assert_eq!(vm("*.xml", "cpus").as_deref(), Some("2"));
    // Provenance through the scan: the `.vmx` key's line in the file given beside the disks.
    let key = settings::SettingKey { kind: Kind::Vm, path: "*.vmx".into(), name: "memsize".into() };
    let p = scan.provenance_of(&key).expect("provenance");
    assert_eq!((p.source.path.as_str(), p.source.volume), ("fedora20.vmx", None));
    let text = std::fs::read_to_string(Path::new(CORPUS).join("vmx/v2v-test-i-vmx-2.vmx")).unwrap();
    let line = text.lines().position(|l| l.to_ascii_lowercase().starts_with("memsize")).unwrap() + 1;
    assert_eq!(p.offset, Offset::Line(line as u32));
    assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
}

#[test]
fn standalone_vbox_file() {
    // No standalone .vbox is in the corpus (MANIFEST.md); VirtualBox writes the same
    // <Machine> element into its OVF, so the real one is lifted out into a .vbox document.
    let ovf = std::fs::read_to_string(Path::new(CORPUS).join("ovf/virtmanager-virtualbox-CentOS-6.4-i386-Gnome.ovf"))
        .unwrap();
    let start = ovf.find("<vbox:Machine").unwrap();
    let end = ovf.find("</vbox:Machine>").unwrap() + "</vbox:Machine>".len();
    let vbox = format!(
        "<?xml version=\"1.0\"?>\n<VirtualBox xmlns=\"http://www.virtualbox.org/\" \
         xmlns:vbox=\"http://www.virtualbox.org/ovf/machine\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" \
         version=\"1.12-linux\">\n{}\n</VirtualBox>\n",
        &ovf[start..end]
    );
    let s = vmconfig::extract("CentOS.vbox", &vbox);
    assert!(s.iter().all(|x| x.path == "*.vbox"));
    assert_eq!(get(&s, "memory_mib"), Some("512"));
    assert_eq!(get(&s, "cpus"), Some("1"));
    assert_eq!(get(&s, "guest_os"), Some("RedHat"));
    assert_eq!(get(&s, "firmware"), Some("bios"));
    assert_eq!(get(&s, "chipset"), Some("PIIX3"));
    assert_eq!(get(&s, "nic0.network"), Some("nat"));
    assert_eq!(get(&s, "controller1.type"), Some("AHCI"));
    assert!(!s.iter().any(|x| x.value.contains("080027C3B0F9") || x.value.contains("3c0c3250")));
}

/// Disk-header facts of a real qcow2 overlay over a raw backing file, both made by
/// `qemu-img create` (tests/fixtures.d/20-containers-a.sh): sizes as `qemu-img info` reports.
#[test]
fn disk_header_facts_of_a_qcow2_overlay() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/containers-a"));
    assert!(dir.join("ov-raw.qcow2").exists(), "{} missing: run tests/fixtures.sh", dir.display());
    let files: Vec<Source> = ["ov-raw.qcow2", "disk.raw"]
        .iter()
        .map(|n| Rc::new(imagefs::FileSource::open(&dir.join(n)).unwrap()) as Source)
        .collect();
    let disk = imagefs::container::open_disk(Rc::clone(&files[0]), &imagefs::container::FileSet::new(files)).unwrap();
    let size = std::fs::metadata(dir.join("disk.raw")).unwrap().len();
    let facts = vmconfig::disk_settings(std::slice::from_ref(&disk));
    let get = |name: &str| facts.iter().find(|(s, _)| s.name == name).map(|(s, f)| (s.value.as_str(), f.as_str()));
    assert_eq!(get("disk0.format"), Some(("qcow2", "ov-raw.qcow2")));
    assert_eq!(get("disk0.virtual_size"), Some((size.to_string().as_str(), "ov-raw.qcow2")));
    assert_eq!(get("disk0.layers"), Some(("2", "ov-raw.qcow2")));
    assert_eq!(get("disk0.parent_format"), Some(("raw", "disk.raw")));
    // The backing file qemu-img names, without a directory.
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ov-raw.qcow2.info.json")).unwrap()).unwrap();
    let backing = info["backing-filename"].as_str().unwrap();
    assert_eq!(get("disk0.parent"), Some((backing.rsplit('/').next().unwrap(), "ov-raw.qcow2")));
    assert!(facts.iter().all(|(s, _)| s.kind == Kind::Vm && s.path == vmconfig::DISK_PATH));
}

/// A VMDK delta disk names its parent by the parent's content id, as `qemu-img info` reports
/// it (tests/fixtures.d/30-containers-b.sh).
#[test]
fn disk_header_facts_of_a_vmdk_delta_disk() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/containers-b/delta"));
    assert!(dir.join("child.vmdk.info.json").exists(), "{} missing: run tests/fixtures.sh", dir.display());
    let files: Vec<Source> = ["child.vmdk", "base.vmdk"]
        .iter()
        .map(|n| Rc::new(imagefs::FileSource::open(&dir.join(n)).unwrap()) as Source)
        .collect();
    let disk = imagefs::container::open_disk(Rc::clone(&files[0]), &imagefs::container::FileSet::new(files)).unwrap();
    let facts = vmconfig::disk_settings(std::slice::from_ref(&disk));
    let get = |name: &str| facts.iter().find(|(s, _)| s.name == name).map(|(s, _)| s.value.clone());
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("child.vmdk.info.json")).unwrap()).unwrap();
    let parent_cid = info["format-specific"]["data"]["parent-cid"].as_u64().unwrap();
    assert_eq!(get("disk0.parent"), Some(format!("{parent_cid:08x}")));
    assert_eq!(get("disk0.layers").as_deref(), Some("2"));
    assert_eq!(get("disk0.parent_format").as_deref(), Some("vmdk"));
    // The base names no parent.
    let base = imagefs::container::open_disk(
        Rc::new(imagefs::FileSource::open(&dir.join("base.vmdk")).unwrap()),
        &imagefs::container::FileSet::new(Vec::new()),
    )
    .unwrap();
    assert!(vmconfig::disk_settings(&[base]).iter().all(|(s, _)| s.name != "disk0.parent"));
}
