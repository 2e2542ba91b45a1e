// SPDX-License-Identifier: GPL-3.0-or-later
//! Registry extraction on real hives (fixtures from `tests/fixtures.d/40-registry.sh`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagefs::{DirEntry, Error, FileSystem, FsKind, Metadata};
use settings::registry::log::LogFile;
use settings::registry::{extract_registry, load_hive, walk_hive, Hive, RawValue};
use settings::{ExtractionProfile, Kind, Offset, Setting};

fn fixtures() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/registry"));
    assert!(dir.join("counts.txt").is_file(), "registry fixtures missing: run tests/fixtures.sh first");
    dir.to_path_buf()
}

fn read(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}; run tests/fixtures.sh", p.display()))
}

/// Every value of a hive file, as it is on disk (no log replay).
fn raw_walk(rel: &str) -> Vec<RawValue> {
    let bytes = read(rel);
    let hive = Hive::new(&bytes, rel).unwrap_or_else(|e| panic!("{rel}: {e}"));
    walk_hive(&hive).unwrap_or_else(|e| panic!("{rel}: {e}")).0
}

fn find<'a>(values: &'a [RawValue], path: &str, name: &str) -> &'a RawValue {
    values
        .iter()
        .find(|v| v.path.eq_ignore_ascii_case(path) && v.name.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("{path} {name} not found"))
}

#[test]
fn value_counts_equal_hivexregedit() {
    let counts = std::fs::read_to_string(fixtures().join("counts.txt")).unwrap();
    let mut checked = 0;
    for line in counts.lines() {
        let (rel, expected) = line.split_once(' ').unwrap();
        let expected: usize = expected.parse().unwrap();
        let values = raw_walk(rel);
        assert_eq!(values.len(), expected, "{rel}: values walked vs hivexregedit --export");
        checked += 1;
    }
    assert!(checked >= 25, "counts.txt lists {checked} hives");
}

#[test]
fn spot_checks_before_canonicalization() {
    let win7 = raw_walk("win7/SYSTEM");
    assert_eq!(
        find(&win7, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName").text,
        "WKS-WIN732BITA"
    );
    assert_eq!(find(&win7, "Select", "Current").text, "1");
    let win10 = raw_walk("win10-1709/SYSTEM");
    let ts = find(&win10, "ControlSet001\\Control\\Terminal Server", "fDenyTSConnections");
    assert_eq!((ts.kind, ts.text.as_str()), (4, "1"));
    assert_eq!(
        find(&win10, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName").text,
        "DESKTOP-2KGM189"
    );
    // REG_MULTI_SZ joined with "\n"; REG_EXPAND_SZ kept unexpanded.
    let group = find(&win10, "ControlSet001\\Control\\ServiceGroupOrder", "List");
    assert_eq!(group.kind, 7);
    assert!(group.text.starts_with("System Reserved\nEMS\nWdfLoadGroup\n"), "{:?}", &group.text[..60]);
    let image = find(&win10, "ControlSet001\\Services\\Tcpip", "ImagePath");
    assert_eq!((image.kind, image.text.as_str()), (2, "System32\\drivers\\tcpip.sys"));
    // The vibranium profile path, unchanged before canonicalization.
    let user = raw_walk("ntuser-vibranium/NTUSER.DAT");
    let shell = find(&user, "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders", "Desktop");
    assert_eq!(shell.text, "C:\\Users\\vibranium\\Desktop");
}

#[test]
fn value_types_of_offreg_testhive() {
    let values = raw_walk("small/testhive");
    let by_name: BTreeMap<(&str, &str), &RawValue> =
        values.iter().map(|v| ((v.path.as_str(), v.name.as_str()), v)).collect();
    let kinds: BTreeSet<u32> = values.iter().map(|v| v.kind).collect();
    assert_eq!(kinds, [1, 2, 3, 4, 5, 7, 11].into_iter().collect(), "types in the testhive");
    for v in by_name.values() {
        match v.kind {
            4 | 5 | 11 => assert!(v.text.parse::<u64>().is_ok(), "{v:?} is decimal"),
            3 => assert!(v.text.bytes().all(|b| b.is_ascii_hexdigit()) || v.text.contains("bytes)"), "{v:?}"),
            _ => {}
        }
    }
    // Big data (db) values: 16345 bytes in BigDataHive, shown capped with its length.
    let big = raw_walk("small/BigDataHive");
    assert!(big.iter().any(|v| v.text.ends_with("…(16345 bytes)")), "{big:?}");
}

#[test]
fn sam_yields_account_flags_never_hashes() {
    struct OneDir(Vec<u8>);
    impl FileSystem for OneDir {
        fn kind(&self) -> FsKind {
            FsKind::Ntfs
        }
        fn label(&self) -> Option<String> {
            None
        }
        fn volume(&self) -> &str {
            "sam-only"
        }
        fn read_dir(&self, _: &str) -> imagefs::Result<Vec<DirEntry>> {
            Ok(vec![])
        }
        fn metadata(&self, path: &str) -> imagefs::Result<Metadata> {
            if path == "/Windows/System32/config/SAM" {
                Ok(Metadata { is_dir: false, size: self.0.len() as u64 })
            } else {
                Err(Error::NotFound { volume: "sam-only".into(), path: path.into() })
            }
        }
        fn read_range(&self, path: &str, offset: u64, len: u64) -> imagefs::Result<Vec<u8>> {
            self.metadata(path)?;
            Ok(self.0[offset as usize..(offset + len) as usize].to_vec())
        }
    }
    let rules = ExtractionProfile::default().registry;
    let (found, _, _) = extract_registry(&OneDir(read("other/SAM")), &rules);
    let settings: Vec<Setting> = found.into_iter().map(|(s, _)| s).collect();
    let names: BTreeSet<&str> = settings.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains("administrator") && names.contains("guest"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("<user:")), "the user Preston becomes a RID token: {names:?}");
    assert!(settings.iter().all(|s| s.value.starts_with("acb=0x")), "{settings:?}");
    // Guest is disabled on a default install (ACB_DISABLED = 0x0001).
    let guest = settings.iter().find(|s| s.name == "guest").unwrap();
    let flags = u16::from_str_radix(guest.value.trim_start_matches("acb=0x"), 16).unwrap();
    assert_eq!(flags & 1, 1, "{guest:?}");
}

fn replayed(dir: &str, hive: &str, logs: &[&str]) -> (Vec<RawValue>, Vec<String>, Vec<String>) {
    let bytes = read(&format!("{dir}/{hive}"));
    let log_bytes: Vec<(String, Vec<u8>)> = logs.iter().map(|l| (l.to_string(), read(&format!("{dir}/{l}")))).collect();
    let logs: Vec<LogFile<'_>> = log_bytes.iter().map(|(n, b)| LogFile { name: n, bytes: b }).collect();
    let mut warnings = Vec::new();
    let loaded = load_hive(hive, bytes, &logs, &mut warnings).unwrap();
    let h = loaded.hive().unwrap();
    assert!(!h.base.is_dirty(), "{dir}/{hive} is clean after replay");
    (walk_hive(&h).unwrap().0, loaded.replayed, warnings)
}

#[test]
fn new_format_log_replay_matches_windows_recovery() {
    let dir = "yarp/NewDirtyHive1";
    let before = raw_walk(&format!("{dir}/NewDirtyHive"));
    let oracle = raw_walk(&format!("{dir}/RecoveredHive_Windows10"));
    let (after, applied, warnings) = replayed(dir, "NewDirtyHive", &["NewDirtyHive.LOG1", "NewDirtyHive.LOG2"]);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(!applied.is_empty());
    assert_ne!(before, oracle, "the dirty hive differs from the recovered one");
    assert_eq!(after, oracle, "replayed hive equals the hive Windows 10 recovered");
}

#[test]
fn old_format_log_replay_matches_windows_recovery() {
    let dir = "yarp/OldDirtyHive";
    let before = raw_walk(&format!("{dir}/OldDirtyHive"));
    let oracle = raw_walk(&format!("{dir}/RecoveredHive_Windows7"));
    let (after, applied, warnings) = replayed(dir, "OldDirtyHive", &["OldDirtyHive.LOG1", "OldDirtyHive.LOG2"]);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(applied, ["OldDirtyHive.LOG1"]);
    assert_ne!(before, oracle, "the dirty hive differs from the recovered one");
    assert_eq!(after, oracle, "replayed hive equals the hive Windows 7 recovered");
}

#[test]
fn real_dirty_hives_replay() {
    for (dir, hive, logs) in [
        ("win10-dirty", "SYSTEM", ["SYSTEM.LOG1", "SYSTEM.LOG2"]),
        ("ntuser-dirty", "NTUSER.DAT", ["NTUSER.DAT.LOG1", "NTUSER.DAT.LOG2"]),
        ("win11", "NTUSER.DAT", ["NTUSER.DAT.LOG1", "NTUSER.DAT.LOG2"]),
        ("win11", "DEFAULT", ["DEFAULT.LOG1", "DEFAULT.LOG2"]),
    ] {
        let raw = raw_walk(&format!("{dir}/{hive}"));
        let (after, applied, warnings) = replayed(dir, hive, &logs);
        assert!(warnings.is_empty(), "{dir}/{hive}: {warnings:?}");
        assert!(!applied.is_empty(), "{dir}/{hive}: a log applied");
        assert_ne!(raw, after, "{dir}/{hive}: replay changed the hive's values");
    }
}

#[test]
fn dirty_hive_without_logs_warns() {
    let mut warnings = Vec::new();
    let loaded = load_hive("win10-dirty/SYSTEM", read("win10-dirty/SYSTEM"), &[], &mut warnings).unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains(
            "win10-dirty/SYSTEM: regf base block at offset 0x0: the hive is dirty and its logs could not be replayed"
        ),
        "{warnings:?}"
    );
    // Still extracted as it is.
    assert!(walk_hive(&loaded.hive().unwrap()).unwrap().0.len() > 70_000);
}

#[test]
fn corrupted_hive_errors_or_warns_without_panic() {
    // hivex refuses this hive; we open it, walk what is reachable and report the rest.
    let bytes = read("broken/SYSTEM");
    let hive = Hive::new(&bytes, "broken/SYSTEM").unwrap();
    let (values, errors) = walk_hive(&hive).unwrap();
    assert!(values.len() > 1000, "{} values reachable", values.len());
    assert!(!errors.is_empty(), "corruption is reported");
    assert!(errors[0].to_string().contains("broken/SYSTEM: corrupt"), "{}", errors[0]);
    // Every truncation of a real hive, and garbage, is refused or walked without panicking.
    let good = read("small/testhive");
    for len in [0, 3, 4, 511, 4096, 4100, 8192, 20000, good.len() - 1] {
        if let Ok(h) = Hive::new(&good[..len], "cut") {
            let _ = walk_hive(&h);
        }
    }
    let mut flipped = good.clone();
    for i in (4096..flipped.len()).step_by(97) {
        flipped[i] ^= 0xff;
    }
    if let Ok(h) = Hive::new(&flipped, "flipped") {
        let _ = walk_hive(&h);
    }
    assert!(Hive::new(b"not a hive at all, but long enough........", "x").is_err());
}

/// A host directory as a volume (the registry code only needs `read_dir`, `metadata`, `read_range`).
struct DirFs(PathBuf);

impl DirFs {
    fn host(&self, path: &str) -> PathBuf {
        self.0.join(path.trim_start_matches('/'))
    }
    fn nf(&self, path: &str) -> Error {
        Error::NotFound { volume: "dir".into(), path: path.into() }
    }
}

impl FileSystem for DirFs {
    fn kind(&self) -> FsKind {
        FsKind::Ntfs
    }
    fn label(&self) -> Option<String> {
        None
    }
    fn volume(&self) -> &str {
        "dir"
    }
    fn read_dir(&self, path: &str) -> imagefs::Result<Vec<DirEntry>> {
        let rd = std::fs::read_dir(self.host(path)).map_err(|_| self.nf(path))?;
        Ok(rd
            .filter_map(Result::ok)
            .map(|e| {
                let m = e.metadata().unwrap();
                DirEntry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    is_dir: m.is_dir(),
                    size: m.len(),
                    id: None,
                }
            })
            .collect())
    }
    fn metadata(&self, path: &str) -> imagefs::Result<Metadata> {
        let m = std::fs::metadata(self.host(path)).map_err(|_| self.nf(path))?;
        Ok(Metadata { is_dir: m.is_dir(), size: m.len() })
    }
    fn read_range(&self, path: &str, offset: u64, len: u64) -> imagefs::Result<Vec<u8>> {
        let all = std::fs::read(self.host(path)).map_err(|_| self.nf(path))?;
        Ok(all[offset as usize..(offset + len) as usize].to_vec())
    }
}

fn peer(name: &str) -> (Vec<Setting>, Vec<String>) {
    let fs = DirFs(fixtures().join("peers").join(name));
    let (found, _, warnings) = extract_registry(&fs, &ExtractionProfile::default().registry);
    let mut settings: Vec<Setting> = found.into_iter().map(|(s, _)| s).collect();
    settings.sort();
    settings.dedup_by(|x, y| x.key() == y.key());
    (settings, warnings)
}

fn get<'a>(settings: &'a [Setting], path: &str, name: &str) -> &'a str {
    &settings.iter().find(|s| s.path == path && s.name == name).unwrap_or_else(|| panic!("{path} {name} missing")).value
}

#[test]
fn peers_differing_in_host_user_and_sid_give_identical_settings() {
    let (a, wa) = peer("a");
    let (b, wb) = peer("b");
    assert!(wa.is_empty() && wb.is_empty(), "{wa:?} {wb:?}");
    assert!(a.len() > 20_000, "{} settings", a.len());
    // Raw values, plus installed programs and services derived from them.
    assert!(a.iter().all(|s| matches!(s.kind, Kind::Registry | Kind::Package | Kind::Service)));
    // The raw hives differ (so the equality below is canonicalization's doing).
    let ca = raw_walk("peers/a/Windows/System32/config/SYSTEM");
    let cb = raw_walk("peers/b/Windows/System32/config/SYSTEM");
    let cn = "ControlSet001\\Control\\ComputerName\\ComputerName";
    assert_ne!(find(&ca, cn, "ComputerName").text, find(&cb, cn, "ComputerName").text);
    if a != b {
        let sa: BTreeSet<_> = a.iter().collect();
        let sb: BTreeSet<_> = b.iter().collect();
        let only_a: Vec<_> = sa.difference(&sb).take(10).collect();
        let only_b: Vec<_> = sb.difference(&sa).take(10).collect();
        panic!("peers differ:\n only a: {only_a:#?}\n only b: {only_b:#?}");
    }
    // What the tokens look like.
    let cs = "HKLM\\SYSTEM\\currentcontrolset";
    assert_eq!(get(&a, &format!("{cs}\\control\\computername\\computername"), "computername"), "<hostname>");
    assert_eq!(get(&a, &format!("{cs}\\services\\tcpip\\parameters"), "searchlist"), "<hostname>.corp.example");
    let profile = "HKLM\\SOFTWARE\\microsoft\\windows nt\\currentversion\\profilelist\\<user:1001>";
    assert_eq!(get(&a, profile, "profileimagepath"), "C:\\Users\\<user>");
    assert_eq!(get(&a, profile, "sid"), "<user:1001>");
    let system_profile = "HKLM\\SOFTWARE\\microsoft\\windows nt\\currentversion\\profilelist\\s-1-5-18";
    assert!(a.iter().any(|s| s.path == system_profile), "well-known SIDs stay");
    assert_eq!(get(&a, "HKU\\<user:1001>\\volatile environment", "userprofile"), "C:\\Users\\<user>");
    assert_eq!(get(&a, "HKU\\<user:1001>\\volatile environment", "userdomain"), "<hostname>");
    let run = "HKLM\\SOFTWARE\\microsoft\\windows\\currentversion\\run";
    assert_eq!(get(&a, run, "sync"), "C:\\Users\\<user>\\AppData\\Local\\sync.exe /user:<user>");
    // Only the current control set, renamed; interface GUIDs as they are (the ranking aligns them).
    assert!(a.iter().all(|s| !s.path.contains("controlset00")), "non-current control sets dropped");
    assert!(a.iter().any(|s| s.path.starts_with(&format!("{cs}\\services\\tcpip\\parameters\\interfaces\\{{"))));
}

fn scan_fat(name: &str) -> settings::MachineScan {
    let img = fixtures().join(name);
    let source: imagefs::Source = Rc::new(imagefs::FileSource::open(&img).unwrap());
    settings::scan_machine(&imagefs::open_machine(vec![source]).unwrap(), &ExtractionProfile::default())
}

/// Peer a's FAT image scanned once for the tests that read it (a scan takes seconds in
/// debug builds).
fn peer_a_scan() -> &'static settings::MachineScan {
    static SCAN: std::sync::OnceLock<settings::MachineScan> = std::sync::OnceLock::new();
    SCAN.get_or_init(|| scan_fat("peer-a-fat.img"))
}

#[test]
fn scan_machine_reads_the_registry_of_a_windows_volume() {
    let scan = peer_a_scan();
    let (direct, _) = peer("a");
    let from_image: Vec<&Setting> =
        scan.settings().iter().filter(|s| matches!(s.kind, Kind::Registry | Kind::Package | Kind::Service)).collect();
    assert_eq!(from_image.len(), direct.len(), "warnings: {:?}", scan.warnings);
    assert!(from_image.iter().zip(&direct).all(|(x, y)| *x == y));
    // Provenance: every setting has one; registry values point into their hive file.
    assert_eq!(scan.origins().len(), scan.settings().len());
    let (i, _) = scan
        .settings()
        .iter()
        .enumerate()
        .find(|(_, s)| s.path == "HKLM\\SYSTEM\\select" && s.name == "current")
        .expect("Select\\Current");
    let p = scan.provenance(i).unwrap();
    assert_eq!(p.source.path, "/Windows/System32/config/SYSTEM");
    assert_eq!(p.source.hive.as_deref(), Some("HKLM\\SYSTEM"));
    assert_eq!(p.source.volume, Some(0));
    // The same cell the raw walk of the hive file finds for that value.
    let hive = read("peers/a/Windows/System32/config/SYSTEM");
    let hive = Hive::new(&hive, "SYSTEM").unwrap();
    let root = hive.root().unwrap();
    let select = hive.find_path(&root, "Select").unwrap();
    let mut offsets = Vec::new();
    hive.values(&select, &mut offsets).unwrap();
    let cell = offsets.into_iter().find(|&o| hive.value_name(&hive.value(o).unwrap()) == "Current").unwrap();
    assert_eq!(p.offset, Offset::Cell(cell));
    assert!(p.to_string().starts_with("volume 0: /Windows/System32/config/SYSTEM (HKLM\\SYSTEM) cell 0x"), "{p}");
}

/// Installed programs from SOFTWARE (native and WOW6432Node) and from a user's NTUSER.DAT,
/// as libguestfs' phony Uninstall keys and the fixture's per-user install define them.
#[test]
fn uninstall_keys_become_packages() {
    let (a, _) = peer("a");
    let package = |path: &str, name: &str| {
        a.iter().find(|s| s.kind == Kind::Package && s.path == path && s.name == name).map(|s| s.value.as_str())
    };
    let native = "HKLM\\SOFTWARE\\microsoft\\windows\\currentversion\\uninstall";
    let wow = "HKLM\\SOFTWARE\\wow6432node\\microsoft\\windows\\currentversion\\uninstall";
    let user = "HKU\\<user:1001>\\software\\microsoft\\windows\\currentversion\\uninstall";
    assert_eq!(package(native, "Test1 is not real software"), Some("1.2.3"));
    assert_eq!(package(native, "Test2 is not real software"), Some("1.2.4"));
    assert_eq!(package(native, "Test3 is not real software"), Some("1.2.5"));
    assert_eq!(package(wow, "Test4 is not real software"), Some("1.2.6"));
    assert_eq!(package(user, "Microsoft Teams"), Some("1.5.0.30767"));
    assert_eq!(a.iter().filter(|s| s.kind == Kind::Package).count(), 5);
    // The raw values stay (see registry::software): both views of one program.
    assert_eq!(get(&a, &format!("{native}\\test1"), "displayversion"), "1.2.3");
}

/// Services of the real Windows 10 1709 SYSTEM hive against libhivex (Win::Hivex, run by
/// the fixture script): one service setting per key with a Start value, the words for
/// Start/Type, the image path, and the provenance cell equal to hivex's value handle.
#[test]
fn services_of_a_real_system_hive_match_libhivex() {
    let expected = std::fs::read_to_string(fixtures().join("win10-1709/services.txt")).unwrap();
    let fs = DirFs(fixtures().join("vol-1709"));
    let (found, sources, warnings) = extract_registry(&fs, &ExtractionProfile::default().registry);
    // The upstream hive was copied while dirty and came without its logs (hivex reads it as is too).
    assert!(warnings.len() == 1 && warnings[0].contains("is dirty"), "{warnings:?}");
    let services: BTreeMap<&str, (&Setting, Offset, &str)> = found
        .iter()
        .filter(|(s, _)| s.kind == Kind::Service)
        .map(|(s, o)| (s.name.as_str(), (s, o.offset, sources[o.source as usize].path.as_str())))
        .collect();
    let lines: Vec<&str> = expected.lines().collect();
    assert!(lines.len() > 600, "{} services", lines.len());
    assert_eq!(services.len(), lines.len());
    let start_word = |n: &str, delayed: &str| match (n, delayed) {
        ("0", _) => "boot",
        ("1", _) => "system",
        ("2", "1") => "auto-delayed",
        ("2", _) => "auto",
        ("3", _) => "demand",
        ("4", _) => "disabled",
        _ => panic!("start {n}"),
    };
    let type_word = |n: &str| match n {
        "1" => "kernel-driver",
        "2" => "fs-driver",
        "16" => "own-process",
        "32" => "share-process",
        "96" => "user-share-process",
        "80" => "user-own-process",
        "272" => "own-process+interactive",
        "224" => "user-share-process-instance",
        _ => "",
    };
    let mut checked_types = 0;
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let [name, start, kind, delayed, image, handle] = f[..] else { panic!("{line}") };
        // Per-user instances (Type 0xd0/0xe0) are named `<template>_<instance>` (rule R14).
        let key = match (kind, name.rsplit_once('_')) {
            ("208" | "224", Some((template, _))) => format!("{}_<instance>", template.to_lowercase()),
            _ => name.to_lowercase(),
        };
        let (setting, offset, file) = services[key.as_str()];
        assert_eq!(file, "/Windows/System32/config/SYSTEM");
        assert_eq!(offset, Offset::Cell(handle.parse::<u32>().unwrap() - 4096), "{name}: hivex handle {handle}");
        assert!(
            setting.value.starts_with(&format!("start={} ", start_word(start, delayed))),
            "{name}: {}",
            setting.value
        );
        if !type_word(kind).is_empty() {
            let t = format!(" type={}", type_word(kind));
            assert!(
                setting.value.contains(&format!("{t} ")) || setting.value.ends_with(&t),
                "{name}: {}",
                setting.value
            );
            checked_types += 1;
        }
        if image != "-" {
            let file_name = image.rsplit('\\').next().unwrap().to_lowercase().replace('"', "");
            assert!(
                setting.value.contains(" image=") && setting.value.contains(&file_name),
                "{name}: {}",
                setting.value
            );
        }
    }
    assert!(checked_types > 600, "{checked_types}");
    let value = |name: &str| services[name].0.value.as_str();
    assert_eq!(
        value("cdpusersvc_<instance>"),
        "start=auto type=user-share-process-instance image=%systemroot%\\system32\\svchost.exe -k unistacksvcgroup"
    );
    assert_eq!(
        value("1394ohci"),
        "start=demand type=kernel-driver image=%systemroot%\\system32\\drivers\\1394ohci.sys"
    );
    assert_eq!(value("3ware"), "start=boot type=kernel-driver image=%systemroot%\\system32\\drivers\\3ware.sys");
    assert_eq!(
        value("aarsvc"),
        "start=demand type=user-share-process image=%systemroot%\\system32\\svchost.exe -k aarsvcgroup -p"
    );
    // The raw Start value is the same cell as the service's provenance.
    let (_, raw) = found
        .iter()
        .find(|(s, _)| s.kind == Kind::Registry && s.path.ends_with("\\services\\1394ohci") && s.name == "start")
        .unwrap();
    assert_eq!(raw.offset, services["1394ohci"].1);
}

/// The computer name found in SYSTEM names the machine in its other files too (rule I7):
/// two Windows volumes that differ only in identity scan to the same settings, INI included.
#[test]
fn windows_computer_name_is_a_token_outside_the_registry() {
    let (a, b) = (peer_a_scan(), &scan_fat("peer-b-fat.img"));
    let ini = |s: &settings::MachineScan, name: &str| {
        s.settings()
            .iter()
            .find(|x| x.kind == Kind::Config && x.path.eq_ignore_ascii_case("/Windows/agent.ini") && x.name == name)
            .map(|x| x.value.clone())
    };
    assert_eq!(ini(a, "agent/client").as_deref(), Some("<hostname>"));
    assert_eq!(ini(a, "agent/log").as_deref(), Some("C:\\ProgramData\\agent\\<hostname>.log"));
    assert_eq!(ini(a, "agent/server").as_deref(), Some("mgmt.corp.example"));
    let diff: Vec<_> = a.settings().iter().filter(|s| !b.settings().contains(s)).take(5).collect();
    assert!(diff.is_empty() && a.settings().len() == b.settings().len(), "a and b differ: {diff:#?}");
    // Text provenance: the INI line.
    let key = a.settings().iter().find(|x| x.name == "agent/client").unwrap().key();
    let p = a.provenance_of(&key).unwrap();
    assert!(p.source.path.eq_ignore_ascii_case("/Windows/agent.ini"), "{p}");
    assert_eq!(p.offset, Offset::Line(3));
}

const NT_HIVE_UNREADABLE: &str = "<nt-hive could not read>";

/// Walks a hive with the nt-hive crate (an independent reader) into (path, name, text).
fn nt_hive_walk(bytes: &[u8]) -> Vec<(String, String, String)> {
    fn visit(key: &nt_hive::KeyNode<'_, &[u8]>, path: &str, out: &mut Vec<(String, String, String)>) {
        if let Some(values) = key.values() {
            for v in values.unwrap() {
                let v = v.unwrap();
                let name = v.name().unwrap().to_string_lossy();
                // nt-hive refuses unknown types; only the 12 REG_* types occur in these hives.
                let kind = v.data_type().unwrap() as u32;
                // nt-hive expects every value above 16344 bytes to be big data (`db`), which
                // hives before version 1.4 do not use; such values are compared by name only.
                let text = match v.data().and_then(|d| d.into_vec()) {
                    Ok(data) => settings::registry::format_value(kind, &data),
                    Err(_) => NT_HIVE_UNREADABLE.to_owned(),
                };
                out.push((path.to_owned(), name, text));
            }
        }
        if let Some(subkeys) = key.subkeys() {
            for k in subkeys.unwrap() {
                let k = k.unwrap();
                let name = k.name().unwrap().to_string_lossy();
                let sub = if path.is_empty() { name } else { format!("{path}\\{name}") };
                visit(&k, &sub, out);
            }
        }
    }
    let hive = nt_hive::Hive::new(bytes).unwrap();
    let mut out = Vec::new();
    visit(&hive.root_key_node().unwrap(), "", &mut out);
    out
}

#[test]
fn same_values_as_the_nt_hive_crate() {
    for rel in ["small/testhive", "small/BigDataHive", "win7/SYSTEM", "ntuser-win7/NTUSER.DAT", "other/BCD"] {
        let bytes = read(rel);
        let mut theirs = nt_hive_walk(&bytes);
        let mut ours: Vec<(String, String, String)> =
            raw_walk(rel).into_iter().map(|v| (v.path, v.name, v.text)).collect();
        theirs.sort();
        ours.sort();
        assert_eq!(ours.len(), theirs.len(), "{rel}");
        let skipped = theirs.iter().filter(|t| t.2 == NT_HIVE_UNREADABLE).count();
        assert!(skipped <= 5, "{rel}: nt-hive could not read {skipped} values");
        if let Some((a, b)) = ours
            .iter()
            .zip(&theirs)
            .find(|(a, b)| (&a.0, &a.1) != (&b.0, &b.1) || (b.2 != NT_HIVE_UNREADABLE && a.2 != b.2))
        {
            panic!("{rel}: first difference\n ours:    {a:?}\n nt-hive: {b:?}");
        }
    }
}

#[test]
fn volume_extraction_replays_logs_found_next_to_hives() {
    let rules = ExtractionProfile::default().registry;
    let (dirty, _, warnings) = extract_registry(&DirFs(fixtures().join("vol-dirty")), &rules);
    let dirty: Vec<Setting> = dirty.into_iter().map(|(s, _)| s).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(dirty.iter().any(|s| s.path.starts_with("HKU\\.DEFAULT\\control panel")), "DEFAULT extracted");
    let host = dirty
        .iter()
        .find(|s| {
            s.path == "HKLM\\SYSTEM\\currentcontrolset\\control\\computername\\computername" && s.name == "computername"
        })
        .unwrap();
    assert_eq!(host.value, "<hostname>");

    let (stale, _, warnings) = extract_registry(&DirFs(fixtures().join("vol-nolog")), &rules);
    let stale: Vec<Setting> = stale.into_iter().map(|(s, _)| s).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("/Windows/System32/config/SYSTEM: regf base block at offset 0x0: the hive is dirty and its logs could not be replayed"),
        "{warnings:?}"
    );
    // Extracted anyway, and the replay made a difference.
    let system = |s: &[Setting]| s.iter().filter(|x| x.path.starts_with("HKLM\\SYSTEM")).cloned().collect::<Vec<_>>();
    assert!(system(&stale).len() > 10_000);
    assert_ne!(system(&stale), system(&dirty));
}

/// Peer a is the real WKS-WIN732BITA SYSTEM hive renamed to PEER-ALPHA without sysprep: the
/// old name survives in its machine account (Lsa\CachedMachineNames) and in the names its
/// adapters registered in DNS. Both are host names of this machine and must be tokens.
#[test]
fn names_a_renamed_clone_still_carries_are_tokens() {
    let scan = peer_a_scan();
    let leaks: Vec<String> = scan
        .settings()
        .iter()
        .filter(|s| [&s.path, &s.name, &s.value].iter().any(|t| t.to_ascii_lowercase().contains("wks-win732bita")))
        .map(|s| format!("{}\\{} = {}", s.path, s.name, s.value))
        .collect();
    assert!(
        leaks.is_empty(),
        "the former host name leaks in {} settings: {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(5)]
    );
    let dns = scan
        .settings()
        .iter()
        .find(|s| {
            s.path.to_ascii_lowercase().contains("dnsregisteredadapters") && s.name.eq_ignore_ascii_case("hostname")
        })
        .expect("the DNS-registered adapters are extracted");
    assert_eq!(dns.value, "<hostname>");
}
