// SPDX-License-Identifier: GPL-3.0-or-later
//! Command-line definition and dispatch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use peerpressure::{rank, Category, PeerProfile};
use rayon::prelude::*;
use serde::Serialize;
use settings::{ExtractionProfile, MachineScan};

use crate::output::{csv_field, json, terminal_safe, Format};

/// Find the misconfigured setting of a VM by comparing its disk image with healthy peers.
///
/// A MACHINE is a disk image file or a directory holding one VM's files.
///
/// Exit status: 0 success, 1 error (the message names the file, structure and offset),
/// 2 usage error.
#[derive(Debug, Parser)]
#[command(
    name = "vmsift",
    version,
    after_help = "Examples:\n  vmsift rank --target broken.img --peers ok1.img ok2.img ok3.img\n  vmsift scan --format csv vm1.qcow2 vm2.vhdx\n  vmsift inspect disk.vmdk"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Extraction profile (JSON) instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    extraction_profile: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the canonical settings of each machine.
    Scan {
        /// Machines to scan.
        #[arg(required = true)]
        machines: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Rank the target's settings by how likely each is the culprit.
    Rank {
        /// The misbehaving machine.
        #[arg(long)]
        target: PathBuf,
        /// Healthy peers built from the same image.
        #[arg(long, num_args = 1.., required = true)]
        peers: Vec<PathBuf>,
        /// Show only the first N rows.
        #[arg(long)]
        top: Option<usize>,
        /// Show only rows of this category.
        #[arg(long, value_parser = ["of-interest", "noisy", "uniform"])]
        category: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show how a machine's files were read: containers, partitions, filesystems, OS, bytes read.
    Inspect {
        /// Machine to inspect.
        machine: PathBuf,
    },
}

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let profile = match &cli.extraction_profile {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
            ExtractionProfile::from_json(&text).with_context(|| format!("{}", path.display()))?
        }
        None => ExtractionProfile::default(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Scan { machines, format } => scan(&mut out, &machines, &profile, format)?,
        Command::Rank { target, peers, top, category, format } => {
            rank_command(&mut out, &target, &peers, &profile, top, category.as_deref(), format)?;
        }
        Command::Inspect { machine } => inspect(&mut out, &machine)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn scan_all(paths: &[PathBuf], profile: &ExtractionProfile) -> Result<Vec<MachineScan>> {
    paths.par_iter().map(|p| crate::machine::scan(p, profile)).collect()
}

#[derive(Serialize)]
struct ScanOutput<'a> {
    machines: Vec<ScannedMachine<'a>>,
}

#[derive(Serialize)]
struct ScannedMachine<'a> {
    machine: String,
    os: &'a Option<String>,
    settings: &'a [settings::Setting],
}

fn scan(out: &mut impl Write, paths: &[PathBuf], profile: &ExtractionProfile, format: Format) -> Result<()> {
    let scans = scan_all(paths, profile)?;
    match format {
        Format::Json => {
            let machines = paths
                .iter()
                .zip(&scans)
                .map(|(p, s)| ScannedMachine { machine: p.display().to_string(), os: &s.os, settings: &s.settings })
                .collect();
            json(out, &ScanOutput { machines })?;
        }
        Format::Csv => {
            writeln!(out, "machine,kind,path,name,value")?;
            for (p, s) in paths.iter().zip(&scans) {
                for x in &s.settings {
                    let row = [
                        p.display().to_string(),
                        x.kind.as_str().into(),
                        x.path.clone(),
                        x.name.clone(),
                        x.value.clone(),
                    ];
                    writeln!(out, "{}", row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","))?;
                }
            }
        }
        Format::Table => {
            for (p, s) in paths.iter().zip(&scans) {
                writeln!(out, "# {} ({} settings)", p.display(), s.settings.len())?;
                for x in &s.settings {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        x.kind.as_str(),
                        terminal_safe(&x.path),
                        terminal_safe(&x.name),
                        terminal_safe(&x.value)
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn rank_command(
    out: &mut impl Write,
    target: &Path,
    peers: &[PathBuf],
    profile: &ExtractionProfile,
    top: Option<usize>,
    category: Option<&str>,
    format: Format,
) -> Result<()> {
    let target_scan = crate::machine::scan(target, profile)?;
    let peer_scans = scan_all(peers, profile)?;
    let peer_profile = PeerProfile::from_machines(peer_scans.iter().map(|s| s.settings.as_slice()));
    let mut ranking = rank(&target_scan.settings, &peer_profile);
    if let Some(c) = category {
        ranking.ranking.retain(|r| r.category.as_str() == c);
    }
    if let Some(n) = top {
        ranking.ranking.truncate(n);
    }
    let value_text = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
    match format {
        Format::Json => json(out, &ranking)?,
        Format::Csv => {
            writeln!(out, "rank,probability,category,kind,path,name,value,m,c")?;
            for r in &ranking.ranking {
                writeln!(
                    out,
                    "{},{:.6},{},{},{},{},{},{},{}",
                    r.rank,
                    r.probability,
                    r.category.as_str(),
                    r.kind.as_str(),
                    csv_field(&r.path),
                    csv_field(&r.name),
                    csv_field(&value_text(&r.value)),
                    r.m,
                    r.c
                )?;
            }
        }
        Format::Table => {
            writeln!(out, "{} peers, {} suspects", ranking.peers, ranking.suspects)?;
            for r in &ranking.ranking {
                let mark = if r.category == Category::OfInterest { "*" } else { " " };
                writeln!(
                    out,
                    "{:>5} {mark} {:.4}  {:<11} {} {} = {}",
                    r.rank,
                    r.probability,
                    r.category.as_str(),
                    terminal_safe(&r.path),
                    terminal_safe(&r.name),
                    terminal_safe(&value_text(&r.value))
                )?;
            }
        }
    }
    Ok(())
}

fn inspect(out: &mut impl Write, path: &Path) -> Result<()> {
    let machine = crate::machine::open(path)?;
    for (i, disk) in machine.disks.iter().enumerate() {
        writeln!(out, "disk {i}: {} ({} bytes virtual)", disk.source.name(), disk.source.size())?;
        for layer in &disk.layers {
            writeln!(
                out,
                "  layer: {} {} {} bytes {}",
                layer.file,
                layer.format.as_str(),
                layer.virtual_size,
                layer.variant
            )?;
        }
        writeln!(out, "  partition table: {:?}", machine.schemes[i])?;
    }
    for v in &machine.volumes {
        writeln!(
            out,
            "volume: disk {} partition {} at {:#x} ({} bytes): {} {}",
            v.disk,
            v.partition.number,
            v.partition.start,
            v.partition.size,
            v.fs.kind().as_str(),
            v.fs.label().unwrap_or_default()
        )?;
    }
    for f in &machine.config_files {
        writeln!(out, "config file: {}", f.name())?;
    }
    writeln!(out, "os: {}", machine.os.as_ref().map_or("unknown", |o| o.name.as_str()))?;
    for w in &machine.warnings {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(out, "read: {} bytes in {} calls", machine.stats.bytes(), machine.stats.calls())?;
    Ok(())
}
