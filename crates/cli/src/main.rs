// SPDX-License-Identifier: GPL-3.0-or-later
//! The `vmsift` command: a thin layer over the imagefs, settings and peerpressure crates.

mod commands;
mod counts;
mod diff;
mod machine;
mod output;
mod profile_cmd;
mod progress;
mod warnings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vmsift: {e:#}");
            ExitCode::from(1)
        }
    }
}
