// SPDX-License-Identifier: GPL-3.0-or-later
//! `cargo xtask test`: every test, at three levels.
//!
//! 1. Native: `cargo test` of the core crates and the CLI (with fixtures from
//!    `tests/fixtures.sh`, built from `../shared/corpus` with real tools).
//!    Then the fuzz targets' smoke run (`fuzz/run.sh smoke`).
//! 2. wasm: `wasm-bindgen-test` of the worker crate inside a dedicated worker in headless
//!    Chromium (FileReaderSync over Blob.slice).
//! 3. End-to-end: the release app served on 127.0.0.1, driven by playwright-core in
//!    headless Chromium (`tests/e2e/run.mjs`), screenshots in `target/e2e/`.

use std::net::TcpListener;
use std::process::Command;

use anyhow::{Context, Result};

use crate::tools::{self, path_with_tools};
use crate::{build, dist, root, run, serve, target_dir};

pub(crate) fn run_all(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    tools::ensure_build_tools()?;
    tools::ensure_test_tools()?;
    let path = path_with_tools();
    run(Command::new("cargo").args(["fmt", "--all", "--", "--check"]))?;
    // cargo-deny reads every package of the lock file, also those of other platforms
    // (windows-sys, …) that building here never downloads: fetch them first.
    run(Command::new("cargo").args(["fetch", "--locked"]))?;
    run(Command::new("cargo").args(["deny", "--offline", "check", "licenses"]))?;
    if !quick {
        run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    run(Command::new("bash").arg("tests/fixtures.sh").env("PATH", &path))?;
    run(Command::new("cargo").args(["test", "--workspace", "--locked", "--exclude", "worker"]).env("PATH", &path))?;
    // Every fuzz target over its seeds plus a few hundred fixed-seed mutations (fuzz/README.md).
    run(Command::new("bash")
        .args(["fuzz/run.sh", "smoke"])
        .env("PATH", &path)
        .env("VMSIFT", target_dir().join("debug/vmsift")))?;
    let webdriver = root().join("tests/webdriver.json");
    run(Command::new("cargo")
        .args(["test", "--locked", "--target", "wasm32-unknown-unknown", "-p", "worker"])
        .env("PATH", &path)
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    build::release()?;
    end_to_end(&path, &[])
}

/// `cargo xtask e2e [--no-build] [TEST...]`: the end-to-end tests alone (the CLI they
/// compare with is built first).
pub(crate) fn end_to_end_only(args: &[String]) -> Result<()> {
    let build_first = !args.iter().any(|a| a == "--no-build");
    let names: Vec<String> = args.iter().filter(|a| *a != "--no-build").cloned().collect();
    tools::ensure_build_tools()?;
    tools::ensure_test_tools()?;
    let path = path_with_tools();
    run(Command::new("bash").arg("tests/fixtures.sh").env("PATH", &path))?;
    run(Command::new("cargo").args(["build", "--locked", "-p", "cli"]))?;
    if build_first {
        build::release()?;
    }
    end_to_end(&path, &names)
}

fn end_to_end(path: &str, names: &[String]) -> Result<()> {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).context("finding a free port")?.port();
    let dist = dist();
    std::thread::spawn(move || serve::serve(&dist, port));
    run(Command::new("node")
        .arg("tests/e2e/run.mjs")
        .args(names)
        .env("PATH", path)
        .env("BASE_URL", format!("http://127.0.0.1:{port}/"))
        .env("FIXTURES", root().join("target/fixtures"))
        .env("SHOTS", root().join("target/e2e"))
        // Built by the native test step (the CLI's integration tests).
        .env("VMSIFT", target_dir().join("debug/vmsift")))
}
