// SPDX-License-Identifier: GPL-3.0-or-later
//! Profile files built from real configuration files (the corpus, via `tests/fixtures.sh`):
//! round trips of the binary and JSON forms, strict decoding of every truncation and bit
//! flip, future versions, and a ranking on real settings.

use std::path::{Path, PathBuf};

use peerpressure::{rank, rank_with, Category, PeerProfile, ProfileError, RankOptions, MAGIC};
use settings::{Kind, Setting};

fn fixtures() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/peerpressure"));
    assert!(dir.is_dir(), "fixtures missing at {}: run tests/fixtures.sh", dir.display());
    dir.to_path_buf()
}

/// Every regular file under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A machine from real files: each non-comment line `key value` / `key=value` becomes the
/// setting (config, file, key) → value. `keep` selects lines (to make peer variants).
fn machine(root: &Path, only: Option<&str>, keep: impl Fn(usize) -> bool) -> Vec<Setting> {
    let mut settings = Vec::new();
    for file in files(root) {
        let rel = format!("/{}", file.strip_prefix(root).unwrap().display());
        if only.is_some_and(|o| !rel.ends_with(o)) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || !keep(i) {
                continue;
            }
            let (key, value) = line.split_once(['=', ' ', '\t', ':']).unwrap_or((line, ""));
            settings.push(Setting {
                kind: Kind::Config,
                path: rel.clone(),
                name: key.trim().into(),
                value: value.trim().into(),
            });
        }
    }
    settings
}

/// A fleet from the real files: the augeas /etc tree, variants of it missing some lines,
/// and the velociraptor account files.
fn fleet(only: Option<&str>) -> Vec<Vec<Setting>> {
    let dir = fixtures();
    let etc = dir.join("augeas-etc");
    let mut fleet = vec![machine(&etc, only, |_| true), machine(&etc, only, |_| true)];
    fleet.push(machine(&etc, only, |i| i % 7 != 3));
    fleet.push(machine(&etc, only, |i| i % 5 != 1));
    fleet.push(machine(&dir.join("velociraptor-linux"), only, |_| true));
    fleet
}

fn profile(only: Option<&str>) -> PeerProfile {
    let fleet = fleet(only);
    PeerProfile::from_machines(fleet.iter().map(Vec::as_slice))
}

#[test]
fn binary_and_json_round_trip_real_profiles() {
    let plain = profile(None);
    assert_eq!(plain.peers, 5);
    assert!(plain.counts.len() > 100, "{} settings", plain.counts.len());
    let hashed = plain.hashed(b"fleet salt").unwrap();
    for p in [&plain, &hashed] {
        let bytes = p.to_bytes();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(&PeerProfile::from_bytes(&bytes).unwrap(), p);
        let json = p.to_json();
        assert_eq!(&PeerProfile::from_json(&json).unwrap(), p);
        // serde: the same JSON form, through a serde_json::Value and back.
        let value = serde_json::to_value(p).unwrap();
        assert_eq!(value["format"], "vmsift-peer-profile");
        assert_eq!(value["version"], 1);
        assert_eq!(value["peers"], 5);
        assert_eq!(&serde_json::from_value::<PeerProfile>(value).unwrap(), p);
        // Compact: well under the JSON size.
        assert!(bytes.len() * 2 < json.len(), "binary {} vs JSON {}", bytes.len(), json.len());
    }
    // Hashing hides the raw values: none of the real values survives in either form.
    let bytes = hashed.to_bytes();
    let json = hashed.to_json();
    for value in plain.counts.values().flat_map(|v| v.keys()).filter(|v| v.len() >= 6) {
        assert!(!json.contains(&format!("\"{value}\"")), "{value} leaked");
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes())
                || plain.counts.keys().any(|k| k.path.contains(value.as_str()) || k.name.contains(value.as_str())),
            "{value} leaked"
        );
    }
}

#[test]
fn json_has_the_documented_shape() {
    let fleet = fleet(Some("ssh/sshd_config"));
    let p = PeerProfile::from_machines(fleet.iter().map(Vec::as_slice));
    let value: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
    let settings = value["settings"].as_array().unwrap();
    let port = settings.iter().find(|s| s["name"] == "Protocol").expect("sshd_config has Protocol");
    assert_eq!(port["kind"], "config");
    assert_eq!(port["path"], "/ssh/sshd_config");
    // Protocol 2 in the original and both full copies; the two line-dropping variants keep it
    // or not depending on its line number.
    let values = port["values"].as_array().unwrap();
    assert_eq!(values[0][0], "2");
    assert!(values[0][1].as_u64().unwrap() >= 2);
    assert_eq!(value["parents"][0][0], "/ssh/sshd_config");
    assert_eq!(value["parents"][0][1], 4);
}

#[test]
fn every_truncation_is_a_clear_error() {
    let plain = profile(Some("ssh/sshd_config"));
    for p in [plain.clone(), plain.hashed(b"salt").unwrap()] {
        let bytes = p.to_bytes();
        for len in 0..bytes.len() {
            let err = PeerProfile::from_bytes(&bytes[..len]).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("binary peer profile") && text.contains("offset"), "len {len}: {text}");
        }
    }
}

#[test]
fn every_bit_flip_is_a_clear_error() {
    let bytes = profile(Some("ssh/sshd_config")).to_bytes();
    for i in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[i / 8] ^= 1 << (i % 8);
        let err = PeerProfile::from_bytes(&b).unwrap_err();
        assert!(err.to_string().contains("offset"), "bit {i}: {err}");
    }
}

/// Re-seals a modified file with a valid CRC, so the structure checks are what is tested.
fn reseal(b: &mut [u8]) {
    let end = b.len() - 4;
    let crc = crc32fast::hash(&b[..end]);
    b[end..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn every_bit_flip_behind_a_valid_checksum_is_refused_or_canonical() {
    // With the CRC fixed up, a flip either breaks the structure (an error naming an offset
    // inside the file) or yields another valid profile whose encoding is exactly these bytes.
    let fleet = fleet(Some("sysctl.conf"));
    let plain = PeerProfile::from_machines(fleet.iter().map(Vec::as_slice));
    // In a hashed profile most bytes are the salt check and hex digests, where a flip often
    // gives another valid profile: only the canonical property is checked there.
    flips_behind_valid_checksum(&plain.to_bytes(), true);
    flips_behind_valid_checksum(&plain.hashed(b"salt").unwrap().to_bytes(), false);
}

fn flips_behind_valid_checksum(bytes: &[u8], mostly_refused: bool) {
    let mut accepted = 0;
    for i in 0..(bytes.len() - 4) * 8 {
        let mut b = bytes.to_vec();
        b[i / 8] ^= 1 << (i % 8);
        reseal(&mut b);
        match PeerProfile::from_bytes(&b) {
            Ok(p) => {
                assert_eq!(p.to_bytes(), b, "bit {i}: accepted but not canonical");
                accepted += 1;
            }
            Err(ProfileError::Corrupt { offset, .. }) => assert!(offset <= b.len() as u64, "bit {i}"),
            Err(ProfileError::UnsupportedVersion { offset, .. }) => assert_eq!(offset, 8, "bit {i}"),
            Err(e) => panic!("bit {i}: unexpected {e}"),
        }
    }
    // Flips inside strings (a changed value) are legitimately other profiles; most flips are not.
    assert!(!mostly_refused || accepted < bytes.len() * 8 / 2, "{accepted} flips accepted");
}

#[test]
fn future_versions_are_refused_with_the_offset() {
    let p = profile(Some("sysctl.conf"));
    let mut b = p.to_bytes();
    b[8] = 2;
    reseal(&mut b);
    let err = PeerProfile::from_bytes(&b).unwrap_err();
    assert!(matches!(err, ProfileError::UnsupportedVersion { found: 2, offset: 8, .. }), "{err}");
    assert!(err.to_string().contains("version 2 at offset 8"), "{err}");
    let json = p.to_json().replacen("\"version\":1", "\"version\":7", 1);
    let err = PeerProfile::from_json(&json).unwrap_err();
    assert!(matches!(err, ProfileError::UnsupportedVersion { found: 7, .. }), "{err}");
    // A future version may add fields: the version is reported, not the unknown field.
    let json = json.replacen('{', "{\"future\":true,", 1);
    assert!(matches!(PeerProfile::from_json(&json).unwrap_err(), ProfileError::UnsupportedVersion { .. }));
}

/// LEB128 of `v` (for crafting headers that claim impossible counts).
fn varint(mut v: u32, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[test]
fn huge_counts_are_refused_before_allocating() {
    for (field, claim) in [("string table", u32::MAX), ("string", 1_000_000)] {
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        varint(3, &mut b); // N
        if field == "string" {
            varint(1, &mut b); // one string …
            varint(claim, &mut b); // … claiming a megabyte
        } else {
            varint(claim, &mut b);
        }
        b.extend_from_slice(&[0, 0, 0, 0]);
        b.extend_from_slice(&[0; 4]);
        reseal(&mut b);
        let err = PeerProfile::from_bytes(&b).unwrap_err().to_string();
        // The count of the table is at offset 13; a string's bytes would start at 17.
        let at = if field == "string" { "string at offset 17" } else { "string table at offset 13" };
        assert!(err.contains(at), "{field}: {err}");
        assert!(err.contains("left"), "{field}: {err}");
    }
}

#[test]
fn json_import_is_strict() {
    let ok = r#"{"format":"vmsift-peer-profile","version":1,"peers":3,
        "settings":[{"kind":"config","path":"/etc/x","name":"k","values":[["1",2],["2",1]]}]}"#;
    let p = PeerProfile::from_json(ok).unwrap();
    assert_eq!(p.peers, 3);
    assert_eq!(p.peers_with_parent("/etc/x"), 3);
    let cases = [
        (ok.replace("\"peers\":3", "\"peers\":2"), "settings[0].values[1]"),
        (ok.replace("[\"2\",1]", "[\"1\",1]"), "value listed twice"),
        (ok.replace("[\"2\",1]", "[\"2\",0]"), "count 0"),
        (ok.replace("vmsift-peer-profile", "something-else"), "format"),
        (ok.replace("\"name\":\"k\"", "\"name\":\"k\",\"extra\":1"), "unknown field"),
        (ok.replace("\"kind\":\"config\"", "\"kind\":\"nonsense\""), "unknown variant"),
        (ok.replace("]]}]}", "]]}]"), "offset"),
    ];
    for (text, expected) in cases {
        let err = PeerProfile::from_json(&text).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    let text = "{\"format\": \"vmsift-peer-profile\",\n \"version\": 1, \"peers\": x}";
    let offset = match PeerProfile::from_json(text) {
        Err(ProfileError::Corrupt { offset, .. }) => offset,
        other => panic!("{other:?}"),
    };
    // The offset is the byte of the offending `x`, on the second line.
    assert_eq!(text.as_bytes()[offset as usize], b'x');
}

#[test]
fn real_misconfiguration_ranks_first_among_settings_of_interest() {
    let dir = fixtures();
    let etc = dir.join("augeas-etc");
    let peers: Vec<Vec<Setting>> = (0..6).map(|k| machine(&etc, None, move |i| k == 0 || i % (k + 6) != 0)).collect();
    let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
    let mut target = machine(&etc, None, |_| true);
    let row = target.iter_mut().find(|s| s.path == "/ssh/sshd_config" && s.name == "PasswordAuthentication");
    let original = row.map(|s| std::mem::replace(&mut s.value, "no".into()));
    assert!(original.is_some(), "sshd_config of the corpus sets PasswordAuthentication");
    let ranking = rank(&target, &profile);
    let first = ranking.ranking.iter().find(|r| r.category == Category::OfInterest).unwrap();
    assert_eq!((first.path.as_str(), first.name.as_str()), ("/ssh/sshd_config", "PasswordAuthentication"));
    assert_eq!((first.m, first.rank), (0, 1));
    assert!(first.explain().contains("no peer of 6 has this value"), "{}", first.explain());
    // The same through a hashed, serialized and reloaded profile.
    let shared = PeerProfile::from_bytes(&profile.hashed(b"s").unwrap().to_bytes()).unwrap();
    let options = RankOptions { salt: Some(b"s".to_vec()), ..RankOptions::default() };
    let hashed = rank_with(&target, &shared, &options).unwrap();
    assert_eq!(hashed.ranking[0].name, "PasswordAuthentication");
    assert_eq!(hashed.ranking.len(), ranking.ranking.len());
}
