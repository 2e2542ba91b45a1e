// SPDX-License-Identifier: GPL-3.0-or-later
//! `cargo xtask`: the one entry point to set up, build, serve and test vmsift.
//!
//! - `cargo xtask serve` — install what is missing, build the release app with its demo
//!   fleet, serve it on <http://127.0.0.1:8080>.
//! - `cargo xtask test` — install what is missing, run every test (native, wasm in
//!   headless Chromium, end-to-end in headless Chromium).

mod build;
mod demo;
mod serve;
mod test;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve::run(&args[1..]),
        Some("build") => tools::ensure_build_tools().and_then(|()| build::release()),
        Some("test") => test::run_all(&args[1..]),
        Some("tools") => tools::ensure_build_tools().and_then(|()| tools::ensure_test_tools()),
        Some("demo") => demo::generate(&root().join("target/demo")),
        Some("e2e") => test::end_to_end_only(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  serve [--port N]   install tools, build the release app and demo fleet, serve on 127.0.0.1:8080\n  test [--quick]     install tools and run every test (native, wasm, end-to-end)\n  build              build the release app into dist/\n  tools              install the build and test tools only\n  demo               generate the demo fleet into target/demo\n  e2e [--no-build] [TEST...]  build the release app, run the named end-to-end tests (all without names)\n\nVMSIFT_DIST overrides the dist/ directory (e.g. to build two copies side by side)."
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Where the release app is built and served from: `$VMSIFT_DIST`, else `dist/`.
fn dist() -> PathBuf {
    std::env::var_os("VMSIFT_DIST").map_or_else(|| root().join("dist"), |d| root().join(d))
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, else `target/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), |d| root().join(d))
}

/// Runs a command in the workspace root, echoing it, failing on a non-zero exit.
fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: $ {}", describe(cmd));
    let status = cmd.current_dir(root()).status().with_context(|| format!("cannot run {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(|s| s.to_string_lossy()).collect::<Vec<_>>().join(" ")
}

/// Output of a command, or `None` when it cannot run.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
