// SPDX-License-Identifier: GPL-3.0-or-later
//! Installs what is missing, once: every version is pinned here, and each install is
//! skipped when the right version is already present. Nothing downloads a prebuilt binary:
//! Rust tools are built from crates.io, Chromium comes from Debian, binaryen and
//! playwright-core from npm (pinned in tests/e2e/package-lock.json).

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{output, root, run};

/// Trunk version: 0.22 needs rustc ≥ 1.96.1.
pub(crate) const TRUNK_VERSION: &str = "0.21.14";

/// cargo-deny checks every dependency's license against deny.toml.
pub(crate) const CARGO_DENY_VERSION: &str = "0.20.2";
/// cargo-fuzz builds the fuzz targets for the smoke run (`fuzz/run.sh smoke`).
pub(crate) const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Debian packages: the browser for tests, and the tools that build fixtures.
const TEST_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("mtools", "/usr/bin/mcopy"),
    ("fdisk", "/usr/sbin/sfdisk"),
    ("dosfstools", "/usr/sbin/mkfs.fat"),
    ("ntfs-3g", "/usr/sbin/mkntfs"),
    ("wimtools", "/usr/bin/wimlib-imagex"),
    ("libwin-hivex-perl", "/usr/bin/hivexregedit"),
    ("libhivex-bin", "/usr/bin/hivexml"),
    ("qemu-utils", "/usr/bin/qemu-img"),
    // libFuzzer (C++) inside the fuzz targets; fuzz/run.sh measures their CPU time.
    ("g++", "/usr/bin/g++"),
    ("time", "/usr/bin/time"),
    ("xz-utils", "/usr/bin/xz"),
    ("e2fsprogs", "/usr/sbin/mke2fs"),
];

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
pub(crate) fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")).and_then(|l| l.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

/// What building the app needs: the wasm target, Trunk, wasm-bindgen, wasm-opt.
pub(crate) fn ensure_build_tools() -> Result<()> {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if output("trunk", &["--version"]).as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        run(Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
    }
    let wb = wasm_bindgen_version()?;
    if output("wasm-bindgen", &["--version"]).as_deref() != Some(&format!("wasm-bindgen {wb}")) {
        // Not --locked: its lockfile pins a webpki-roots release missing from the registry mirror.
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wb]))?;
    }
    ensure_npm()
}

/// npm packages (wasm-opt from binaryen, playwright-core), exactly as locked.
fn ensure_npm() -> Result<()> {
    let e2e = root().join("tests/e2e");
    let stamp = e2e.join("node_modules/.vmsift-lock");
    let lock = std::fs::read(e2e.join("package-lock.json")).context("reading tests/e2e/package-lock.json")?;
    if std::fs::read(&stamp).ok().as_deref() != Some(&lock[..]) {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--prefix"]).arg(&e2e))?;
        std::fs::write(&stamp, &lock)?;
    }
    Ok(())
}

/// What the tests need beyond the build tools: Chromium, ChromeDriver and fixture tools.
pub(crate) fn ensure_test_tools() -> Result<()> {
    let missing: Vec<&str> =
        TEST_PACKAGES.iter().filter(|(_, path)| !std::path::Path::new(path).exists()).map(|(p, _)| *p).collect();
    if !missing.is_empty() {
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        run(Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing))?;
    }
    if output("cargo-deny", &["--version"]).as_deref() != Some(&format!("cargo-deny {CARGO_DENY_VERSION}")) {
        run(Command::new("cargo").args(["install", "--locked", "cargo-deny", "--version", CARGO_DENY_VERSION]))?;
    }
    if output("cargo-fuzz", &["--version"]).as_deref() != Some(&format!("cargo-fuzz {CARGO_FUZZ_VERSION}")) {
        run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION]))?;
    }
    // DuckDB (PyPI) aggregates fleet scans in the CLI test crates/cli/tests/duckdb.rs.
    if !Command::new("python3").args(["-c", "import duckdb"]).status().is_ok_and(|s| s.success()) {
        run(Command::new("python3").args(["-m", "pip", "install", "duckdb==2.0.0"]))?;
    }
    Ok(())
}

/// PATH with the npm tools (wasm-opt) and /usr/sbin in front.
pub(crate) fn path_with_tools() -> String {
    let bin = root().join("tests/e2e/node_modules/.bin");
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}:/usr/sbin:/sbin", bin.display())
}
