// SPDX-License-Identifier: GPL-3.0-or-later
//! The small realistic fleet (tests/fixtures.d/95-realfleet.sh, tests/bench/realfleet/): 8
//! Windows 10 and 8 Ubuntu 22.04 peers that differ the way a real fleet does (host names,
//! SIDs, RIDs, user names, NIC GUIDs, DHCP leases, BAM entries, network profiles, cron minutes,
//! filesystem UUIDs, three sites, an extra application, a pending update) and 6 broken
//! targets, one real-world misconfiguration each. The debug `vmsift rank` runs over every case
//! through tests/bench/realfleet/run.sh (the same matchers as the full benchmark); the per-case
//! table is printed and the culprit ranks must not fall below the floor. (7 cases: 4 Windows,
//! 3 Linux.)

use std::path::PathBuf;
use std::process::Command;

/// Cases (of 7) whose culprit is at rank 1. The ranking without peer-aware alignment reached
/// 1 (the Linux /tmp noexec case only); with it, the wider extraction profile, secondary
/// accounts compared with first accounts and profile folders matched to their accounts, 6
/// (the print spooler's culprit value is shared by 2 of the 8 peers). Raise it as the
/// ranking improves; issue 12 asks for rank 1 in >= 90 % of the cases of the full benchmark.
const RANK1_FLOOR: u64 = 6;
/// Cases (of 7) whose culprit is in the top 10.
const TOP10_FLOOR: u64 = 6;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The small fleet, rebuilt first when the generator or the cases changed (fixtures.sh caches
/// by its own scripts only); once for all the tests of this file, which run in parallel.
fn small_fleet() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let fleet = root().join("target/fixtures/realfleet-small");
            assert!(fleet.join("fleet.json").exists(), "{} is missing: run tests/fixtures.sh", fleet.display());
            let built = Command::new(root().join("tests/bench/realfleet/build.sh"))
                .arg(&fleet)
                .args(["--small", "--if-stale"])
                .status()
                .unwrap();
            assert!(built.success(), "tests/bench/realfleet/build.sh failed");
            fleet
        })
        .clone()
}

#[test]
fn small_realistic_fleet_meets_the_floor() {
    let (root, fleet) = (root(), small_fleet());
    let out = Command::new(root.join("tests/bench/realfleet/run.sh"))
        .arg(&fleet)
        .arg("--json")
        .env("VMSIFT", env!("CARGO_BIN_EXE_vmsift"))
        .output()
        .unwrap();
    println!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "run.sh failed");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for case in summary["cases"].as_array().unwrap() {
        assert!(!case["status"].as_str().unwrap().starts_with("error"), "vmsift failed: {case}");
    }
    let all = &summary["totals"]["all"];
    assert_eq!(all["cases"], 7, "{all}");
    let (rank1, top10) = (all["rank1"].as_u64().unwrap(), all["top10"].as_u64().unwrap());
    assert!(rank1 >= RANK1_FLOOR, "culprit at rank 1 in {rank1} of 7 cases, floor {RANK1_FLOOR}");
    assert!(top10 >= TOP10_FLOOR, "culprit in the top 10 in {top10} of 7 cases, floor {TOP10_FLOOR}");
}

/// On a fleet whose peers differ in identifiers (the small Windows fleet: NIC GUIDs, network
/// profiles, RIDs), the peer-aware alignment travels in the profile: `profile build` then
/// `rank --profile` gives exactly the ranking of `rank --peers`.
#[test]
fn aligned_profile_ranks_like_the_peers() {
    let fleet = small_fleet().join("win");
    let mut peers: Vec<PathBuf> = std::fs::read_dir(&fleet)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("win-peer"))
        .collect();
    peers.sort();
    let target = fleet.join("win-t-rdp-denied");
    let bin = env!("CARGO_BIN_EXE_vmsift");
    let profile = std::env::temp_dir().join(format!("vmsift-realfleet-{}.vmsiftpp", std::process::id()));
    let built = Command::new(bin).args(["profile", "build", "-o"]).arg(&profile).args(&peers).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let rank = |source: &[&std::ffi::OsStr]| {
        let out = Command::new(bin)
            .args(["rank", "--format", "json", "--target"])
            .arg(&target)
            .args(source)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Warnings name the machines that were scanned: only the ranking is compared.
        v.as_object_mut().unwrap().remove("warnings");
        v
    };
    let mut with_peers: Vec<&std::ffi::OsStr> = vec!["--peers".as_ref()];
    with_peers.extend(peers.iter().map(|p| p.as_os_str()));
    let from_peers = rank(&with_peers);
    let from_profile = rank(&["--profile".as_ref(), profile.as_os_str()]);
    std::fs::remove_file(&profile).unwrap();
    assert_eq!(from_peers, from_profile);
    let top = &from_peers["ranking"][0];
    assert_eq!(top["name"], "fdenytsconnections", "{top}");
    // Identifiers that one machine has were lined up: some ranked path holds `<id>`.
    assert!(from_peers["ranking"].as_array().unwrap().iter().any(|r| r["path"].as_str().unwrap().contains("<id>")));
}

/// A profile whose `ProfileList` entry was deleted (the `profile-deleted` case: the hive
/// still lies in `Users/<name>/NTUSER.DAT`, the account still in SAM) is keyed by its
/// account's RID as before the deletion, so that only the missing entry stands out.
#[test]
fn a_profile_folder_without_its_profilelist_entry_is_keyed_by_its_account() {
    let fleet = small_fleet();
    let cases: serde_json::Value = serde_json::from_slice(&std::fs::read(fleet.join("fleet.json")).unwrap()).unwrap();
    let case = cases["cases"].as_array().unwrap().iter().find(|c| c["name"] == "profile-deleted").unwrap();
    let rid = case["subst"]["rid"].as_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vmsift"))
        .args(["scan", "--format", "csv"])
        .arg(fleet.join("win").join(case["target"].as_str().unwrap()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout);
    let hive_rows = csv.lines().filter(|l| l.contains(&format!(",registry,HKU\\<user:{rid}>\\"))).count();
    assert!(hive_rows > 500, "{hive_rows} settings of the user's hive under its RID {rid}");
    assert!(!csv.contains("<user:unlisted-"), "a profile folder named like its account stays unlisted");
    // Its ProfileList entry is gone, as the case made it.
    assert!(!csv.contains(&format!("profilelist\\<user:{rid}>")));
}
