// SPDX-License-Identifier: GPL-3.0-or-later
//! The small realistic fleet (tests/fixtures.d/95-realfleet.sh, tests/bench/realfleet/): 8
//! Windows 10 and 8 Ubuntu 22.04 peers that differ the way a real fleet does (host names,
//! SIDs, RIDs, user names, NIC GUIDs, DHCP leases, BAM entries, network profiles, cron minutes,
//! filesystem UUIDs, three sites, an extra application, a pending update) and 6 broken
//! targets, one real-world misconfiguration each. The debug `vmsift rank` runs over every case
//! through tests/bench/realfleet/run.sh (the same matchers as the full benchmark); the per-case
//! table is printed and the culprit ranks must not fall below the floor.

use std::path::PathBuf;
use std::process::Command;

/// Cases (of 6) whose culprit is at rank 1. The ranking without peer-aware alignment reached
/// 1 (the Linux /tmp noexec case only); with it, 4: the per-user proxy is not extracted and
/// the print spooler's culprit value is shared by 2 of the 8 peers. Raise it as the ranking
/// improves; issue 12 asks for rank 1 in >= 90 % of the cases of the full benchmark.
const RANK1_FLOOR: u64 = 4;
/// Cases (of 6) whose culprit is in the top 10 (3 without alignment).
const TOP10_FLOOR: u64 = 4;

#[test]
fn small_realistic_fleet_meets_the_floor() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let fleet = root.join("target/fixtures/realfleet-small");
    assert!(fleet.join("fleet.json").exists(), "{} is missing: run tests/fixtures.sh", fleet.display());
    // fixtures.sh caches by its own scripts only: rebuild when the generator or the cases changed.
    let built = Command::new(root.join("tests/bench/realfleet/build.sh"))
        .arg(&fleet)
        .args(["--small", "--if-stale"])
        .status()
        .unwrap();
    assert!(built.success(), "tests/bench/realfleet/build.sh failed");
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
    assert_eq!(all["cases"], 6, "{all}");
    let (rank1, top10) = (all["rank1"].as_u64().unwrap(), all["top10"].as_u64().unwrap());
    assert!(rank1 >= RANK1_FLOOR, "culprit at rank 1 in {rank1} of 6 cases, floor {RANK1_FLOOR}");
    assert!(top10 >= TOP10_FLOOR, "culprit in the top 10 in {top10} of 6 cases, floor {TOP10_FLOOR}");
}
