// SPDX-License-Identifier: GPL-3.0-or-later
//! Privacy of every export: two Windows machines built from the corpus's real hives
//! (tests/fixtures.d/65-privacy.sh: WKS-WIN732BITA with user vibranium, DESKTOP-2KGM189 with
//! user AndrewRathbun) are scanned, ranked and profiled; no output may hold their host or
//! user names, their SIDs, or their own IP addresses.

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/privacy")).join(name);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

fn vmsift(args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_vmsift")).args(args).output().unwrap();
    assert!(out.status.success(), "vmsift {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The identifying strings: the fixture's list, plus the machines' own addresses as their
/// SYSTEM hives record them (Tcpip interfaces: IPAddress, DhcpIPAddress).
fn known() -> Vec<String> {
    let list = std::fs::read_to_string(fixture("known.txt")).unwrap();
    let mut known: Vec<String> = list.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
    assert!(known.len() >= 6, "{known:?}");
    known.extend(["10.3.58.5", "192.168.1.123", "192.168.146.128"].map(String::from));
    known
}

/// Fails naming every known string found in `output` (case-insensitive), with context.
fn assert_clean(what: &str, output: &[u8]) {
    let text = String::from_utf8_lossy(output).to_lowercase();
    assert!(text.len() > 1000, "{what} is suspiciously short ({} bytes)", text.len());
    let mut leaks = Vec::new();
    for k in known() {
        if let Some(pos) = text.find(&k.to_lowercase()) {
            let context = &text.as_bytes()[pos.saturating_sub(80)..(pos + k.len() + 40).min(text.len())];
            leaks.push(format!("{k}: …{}…", String::from_utf8_lossy(context)));
        }
    }
    // Any domain SID at all (S-1-5-21-a-b-c) names one machine or domain.
    if let Some(pos) = text.find("s-1-5-21-") {
        let context = &text.as_bytes()[pos..(pos + 60).min(text.len())];
        leaks.push(format!("SID: …{}…", String::from_utf8_lossy(context)));
    }
    assert!(leaks.is_empty(), "{what} leaks:\n{}", leaks.join("\n"));
}

#[test]
fn exports_hold_no_host_user_sid_or_address() {
    let (win7, win10) = (fixture("win7.img"), fixture("win10.img"));
    let dir = std::env::temp_dir().join(format!("vmsift-privacy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (bin, json) = (dir.join("peers.vmsiftpp"), dir.join("peers.json"));
    // Both directions, one format each: every machine is a target once and a peer once.
    for (target, peer, format) in [(&win7, &win10, "json"), (&win10, &win7, "csv")] {
        let out = vmsift(&[
            "rank".as_ref(),
            "--target".as_ref(),
            target.as_os_str(),
            "--peers".as_ref(),
            peer.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
        ]);
        assert_clean(&format!("rank --format {format} of {}", target.display()), &out);
    }
    let out = vmsift(&["scan".as_ref(), "--format".as_ref(), "json".as_ref(), win7.as_os_str(), win10.as_os_str()]);
    assert_clean("scan --format json", &out);
    // ext4 with win7's Windows tree and /etc: a GECOS full name and an e-mail in a crontab.
    let xss = fixture("xss.img");
    let out = vmsift(&["scan".as_ref(), "--format".as_ref(), "json".as_ref(), xss.as_os_str()]);
    assert_clean("scan --format json of xss.img", &out);
    vmsift(&[
        "profile".as_ref(),
        "build".as_ref(),
        win7.as_os_str(),
        win10.as_os_str(),
        "-o".as_ref(),
        bin.as_os_str(),
    ]);
    assert_clean("profile build (binary)", &std::fs::read(&bin).unwrap());
    vmsift(&[
        "profile".as_ref(),
        "build".as_ref(),
        "--json".as_ref(),
        win7.as_os_str(),
        win10.as_os_str(),
        "-o".as_ref(),
        json.as_os_str(),
    ]);
    assert_clean("profile build --json", &std::fs::read(&json).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_check_finds_what_it_looks_for() {
    // The machines really hold these names: without canonicalization (hivexregedit-style raw
    // bytes of the hives) they are there, so a clean export means they were replaced.
    let system = |img: &str| {
        let bytes = std::fs::read(fixture(img)).unwrap();
        String::from_utf8_lossy(&bytes).to_lowercase()
    };
    let win10 = system("win10.img");
    assert!(win10.contains("s-1-5-21-2595688666-2948619230-3055395256"));
    let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
    for (img, name) in [
        ("win7.img", "WKS-WIN732BITA"),
        ("win10.img", "DESKTOP-2KGM189"),
        ("win7.img", "vibranium"),
        ("win7.img", "Victoria Branium"),
        ("win10.img", "a.rathbun@desktop.example.com"),
    ] {
        let bytes = std::fs::read(fixture(img)).unwrap();
        let needle = utf16(name);
        assert!(bytes.windows(needle.len()).any(|w| w == needle), "{name} in {img}");
    }
    let xss = system("xss.img");
    assert!(xss.contains("victoria branium,,,") && xss.contains("mailto=victoria.branium@wks.example.org"));
}
