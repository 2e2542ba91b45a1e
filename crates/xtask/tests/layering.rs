// SPDX-License-Identifier: GPL-3.0-or-later
//! The crate graph keeps the promises of ARCHITECTURE.md ("Who may depend on whom"): the
//! ranking, the worker protocol and the page never link an image, filesystem or registry
//! parser, so the page cannot parse an image and its wasm carries none of that code.

use std::path::Path;
use std::process::Command;

/// Crates that read bytes of images: only `settings`, `worker` and `cli` may link them.
const PARSERS: &[&str] = &["imagefs", "settings", "ntfs", "fatfs", "ext4-view", "nt-hive", "ruzstd", "quick-xml"];

/// The normal (non-dev) dependencies of `krate` on every platform, by name.
fn dependencies(krate: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-e", "normal", "--target", "all", "--prefix", "none", "-p", krate])
        .current_dir(root)
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree -p {krate}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_page_the_protocol_and_the_ranking_link_no_parser() {
    for krate in ["web", "protocol", "peerpressure", "model"] {
        let deps = dependencies(krate);
        assert!(deps.iter().any(|d| d == krate), "cargo tree -p {krate} lists {krate}: {deps:?}");
        let parsers: Vec<&String> = deps.iter().filter(|d| PARSERS.contains(&d.as_str())).collect();
        assert!(parsers.is_empty(), "{krate} depends on {parsers:?}: see ARCHITECTURE.md, Who may depend on whom");
    }
}

#[test]
fn the_check_sees_a_parser_where_there_is_one() {
    let deps = dependencies("worker");
    assert!(deps.iter().any(|d| d == "imagefs") && deps.iter().any(|d| d == "settings"), "{deps:?}");
}
