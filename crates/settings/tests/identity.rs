// SPDX-License-Identifier: GPL-3.0-or-later
//! Machine identity (rules I1–I6 of `settings::canon`): machines that differ only in who
//! they are (host name, machine ID, their own /etc/hosts lines, NetBIOS name, address and
//! MAC) give identical settings. Two ext4 images and one FAT32 image built by
//! `tests/fixtures.d/70-identity.sh`; run `tests/fixtures.sh` first.

use std::path::PathBuf;
use std::rc::Rc;

use imagefs::{open_machine, FileSource, Machine, Source};
use settings::{scan_machine, ExtractionProfile, Kind, MachineScan};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures");

fn fixture(rel: &str) -> PathBuf {
    let p = PathBuf::from(FIXTURES).join("identity").join(rel);
    assert!(p.exists(), "fixture {} missing: run tests/fixtures.sh", p.display());
    p
}

fn open(rel: &str) -> Machine {
    let source: Source = Rc::new(FileSource::open(&fixture(rel)).unwrap());
    let machine = open_machine(vec![source]).unwrap();
    assert_eq!(machine.volumes.len(), 1, "{rel}: one volume");
    machine
}

fn raw(machine: &Machine, path: &str) -> String {
    let bytes = machine.volumes[0].fs.read_file(path, 1 << 20).unwrap_or_else(|e| panic!("{path}: {e}"));
    String::from_utf8(bytes).unwrap()
}

fn get<'a>(scan: &'a MachineScan, kind: Kind, path: &str, name: &str) -> Option<&'a str> {
    scan.settings().iter().find(|s| s.kind == kind && s.path == path && s.name == name).map(|s| s.value.as_str())
}

#[test]
fn machines_differing_only_in_identity_have_identical_settings() {
    let names = ["id-a.img", "id-b.img", "id-c.img"];
    let machines: Vec<Machine> = names.iter().map(|n| open(n)).collect();
    // The images really differ in identity, so equal settings are the pass's doing.
    let hostnames: Vec<String> = machines.iter().map(|m| raw(m, "/etc/hostname")).collect();
    assert_eq!(hostnames, ["web-01\n", "db-7\n", "WEB-010\n"]);
    let ids: Vec<String> = machines.iter().map(|m| raw(m, "/etc/machine-id")).collect();
    assert_eq!(ids[0], std::fs::read_to_string(fixture("id-a.machine-id")).unwrap());
    assert!(ids[0] != ids[1] && ids[0] != ids[2] && ids[1] != ids[2], "{ids:?}");
    assert!(raw(&machines[1], "/etc/hosts").contains("127.0.1.1\tdb-7.example.lan db-7\n10.0.0.27\tdb-7\n"));

    let scans: Vec<MachineScan> = machines.iter().map(|m| scan_machine(m, &ExtractionProfile::default())).collect();
    for (name, scan) in names.iter().zip(&scans) {
        assert!(scan.warnings.is_empty(), "{name}: {:?}", scan.warnings);
        assert!(scan.settings().len() > 40, "{name}: {} settings", scan.settings().len());
    }
    for (name, scan) in names.iter().zip(&scans).skip(1) {
        let only_a: Vec<_> = scans[0].settings().iter().filter(|s| !scan.settings().contains(s)).collect();
        let only_b: Vec<_> = scan.settings().iter().filter(|s| !scans[0].settings().contains(s)).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty(),
            "id-a vs {name}:\n  only id-a: {only_a:?}\n  only {name}: {only_b:?}"
        );
    }

    let a = &scans[0];
    assert_eq!(get(a, Kind::FirstLine, "/etc/hostname", ""), Some("<hostname>"));
    assert_eq!(get(a, Kind::FirstLine, "/etc/machine-id", ""), Some("<machine-id>"));
    assert_eq!(get(a, Kind::Config, "/etc/hosts", "<hostname>.example.lan"), Some("127.0.1.1"));
    assert_eq!(get(a, Kind::Config, "/etc/hosts", "<hostname>"), Some("127.0.1.1 <ipv4>"));
    assert_eq!(get(a, Kind::Config, "/etc/samba/smb.conf", "global/netbios name"), Some("<hostname>"));
    assert_eq!(get(a, Kind::Config, "/etc/default/ifcfg", "IPADDR"), Some("<ipv4>"));
    assert_eq!(get(a, Kind::Config, "/etc/default/ifcfg", "HWADDR"), Some("<mac>"));
    // Fleet-wide addresses and other hosts stay as they are.
    assert_eq!(get(a, Kind::Config, "/etc/default/ifcfg", "GATEWAY"), Some("10.0.0.1"));
    assert_eq!(get(a, Kind::Config, "/etc/hosts", "orange"), Some("172.31.122.14"));
    assert_eq!(get(a, Kind::Config, "/etc/resolv.conf", "nameserver"), Some("192.168.0.1 192.168.0.2"));
    for scan in &scans {
        for s in scan.settings() {
            let text = format!("{} {} {}", s.path, s.name, s.value).to_lowercase();
            assert!(!text.contains("web-01") && !text.contains("db-7"), "identity left in {s:?}");
            assert!(!ids.iter().any(|id| text.contains(id.trim())), "machine-id left in {s:?}");
        }
    }
}
