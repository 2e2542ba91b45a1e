// SPDX-License-Identifier: GPL-3.0-or-later
//! Command-line definition and dispatch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use peerpressure::export::csv_quote;
use peerpressure::{rank_with, Category, MachineWarnings, PeerProfile, RankOptions};
use rayon::prelude::*;
use serde::Serialize;
use settings::{ExtractionProfile, MachineScan};

use crate::output::{json, ndjson, terminal_safe, Format};

/// Find the misconfigured setting of a VM by comparing its disk image with healthy peers.
///
/// A MACHINE is a disk image file or a directory holding one VM's files.
///
/// Exit status: 0 success, 1 error (the message names the file, structure and offset) or,
/// with --strict, any warning, 2 usage error. Warnings (parts of a machine that could not be
/// read or were over its resource budget) go to stderr as `vmsift: warning: …`.
#[derive(Debug, Parser)]
#[command(
    name = "vmsift",
    version,
    after_help = "Examples:\n  vmsift rank --target broken.img --peers ok1.img ok2.img ok3.img\n  vmsift profile build ok*.img -o fleet.vmsiftpp && vmsift rank --target broken.img --profile fleet.vmsiftpp\n  vmsift scan --format ndjson vm1.qcow2 vm2.vhdx > settings.ndjson\n  vmsift diff good.img broken.img\n  vmsift inspect disk.vmdk\n\nRun `vmsift help <command>` for each command's examples."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Extraction profile (JSON) instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    extraction_profile: Option<PathBuf>,
    /// Exit with status 1 when any part of a machine could not be read (any warning).
    #[arg(long, global = true)]
    strict: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the canonical settings of each machine.
    #[command(
        after_help = "Examples:\n  vmsift scan vm1.qcow2\n  vmsift scan --format csv vm1.qcow2 vm2.vhdx > settings.csv\n  vmsift scan --format ndjson fleet/*.qcow2 > fleet.ndjson   # one JSON object per setting"
    )]
    Scan {
        /// Machines to scan.
        #[arg(required = true)]
        machines: Vec<PathBuf>,
        /// Output format; ndjson streams `{"machine","kind","path","name","value"}` per line.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also print where each value was read (file or hive, line or cell offset): a
        /// `from` field in json, a last column in table. Never part of peer profiles.
        #[arg(long)]
        provenance: bool,
    },
    /// Rank the target's settings by how likely each is the culprit.
    #[command(
        after_help = "Examples:\n  vmsift rank --target broken.img --peers ok1.img ok2.img ok3.img\n  vmsift rank --target broken.img --profile fleet.vmsiftpp --top 10\n  vmsift rank --target broken.img --profile fleet.json --scope-to-parent --category of-interest --format json"
    )]
    Rank {
        /// The misbehaving machine.
        #[arg(long)]
        target: PathBuf,
        /// Healthy peers built from the same image.
        #[arg(long, num_args = 1.., required_unless_present = "profile", conflicts_with = "profile")]
        peers: Vec<PathBuf>,
        /// A saved peer profile (binary VMSIFTPP or JSON) instead of scanning peers.
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// Count N (and ABSENT) only among peers having some setting at the same location.
        #[arg(long)]
        scope_to_parent: bool,
        /// Salt of a hashed profile.
        #[arg(long)]
        salt: Option<String>,
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
    /// Build, merge, inspect and import peer profiles (counts of values among healthy peers).
    #[command(
        subcommand,
        after_help = "Examples:\n  vmsift profile build ok*.img -o fleet.vmsiftpp\n  vmsift profile merge a.vmsiftpp b.vmsiftpp -o ab.vmsiftpp\n  vmsift profile show fleet.vmsiftpp\n  vmsift profile from-counts counts.csv --peers 1000 -o fleet.vmsiftpp"
    )]
    Profile(ProfileCommand),
    /// Settings that differ between two machines (A → B), added in B, removed from A.
    #[command(after_help = "Examples:\n  vmsift diff good.img broken.img\n  vmsift diff --format json vm-a/ vm-b/")]
    Diff {
        /// The first machine (the reference).
        a: PathBuf,
        /// The second machine.
        b: PathBuf,
        /// Output format (table, json, csv or ndjson).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show how a machine's files were read: containers, partitions, filesystems, OS, bytes read.
    #[command(after_help = "Examples:\n  vmsift inspect disk.vmdk\n  vmsift inspect vm-directory/")]
    Inspect {
        /// Machine to inspect.
        machine: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// Scan machines and write their peer profile (binary VMSIFTPP unless --json).
    #[command(
        after_help = "Examples:\n  vmsift profile build ok1.img ok2.img ok3.img -o fleet.vmsiftpp\n  vmsift profile build --json fleet/*.qcow2 -o fleet.json"
    )]
    Build {
        /// Healthy machines.
        #[arg(required = true)]
        machines: Vec<PathBuf>,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
        /// Write JSON instead of the binary format.
        #[arg(long)]
        json: bool,
    },
    /// Sum profiles (binary or JSON) into one.
    #[command(after_help = "Examples:\n  vmsift profile merge site-a.vmsiftpp site-b.json -o all.vmsiftpp")]
    Merge {
        /// Profiles to merge.
        #[arg(required = true, num_args = 2..)]
        profiles: Vec<PathBuf>,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
        /// Write JSON instead of the binary format.
        #[arg(long)]
        json: bool,
    },
    /// Summarize a profile: N, settings, locations, the most widespread settings.
    #[command(
        after_help = "Examples:\n  vmsift profile show fleet.vmsiftpp\n  vmsift profile show --format json --top 50 fleet.json"
    )]
    Show {
        /// Profile file.
        file: PathBuf,
        /// Number of settings listed.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Build a profile from aggregated counts: rows kind,path,name,value,count (CSV with a
    /// header, or NDJSON), the output of a GROUP BY over `scan --format ndjson`.
    #[command(
        after_help = "An empty unquoted CSV value (SQL NULL) or a JSON null value is an ABSENT row.\n\nExamples:\n  vmsift profile from-counts counts.csv --peers 1000 -o fleet.vmsiftpp\n  vmsift profile from-counts counts.ndjson --json -o fleet.json   # N from ABSENT rows"
    )]
    FromCounts {
        /// CSV or NDJSON file of counts.
        file: PathBuf,
        /// Number of peers N (needed unless ABSENT rows give it).
        #[arg(long)]
        peers: Option<u32>,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
        /// Write JSON instead of the binary format.
        #[arg(long)]
        json: bool,
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
    // Block-buffered: stdout is line-buffered, a write(2) per line of a 40,000-setting scan.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match cli.command {
        Command::Scan { machines, format, provenance } => scan(&mut out, &machines, &profile, format, provenance)?,
        Command::Rank { target, peers, profile: saved, scope_to_parent, salt, top, category, format } => {
            let options = RankOptions { scope_to_parent, salt: salt.map(String::into_bytes) };
            let peers = match saved {
                Some(file) => Peers::Profile(file),
                None => Peers::Machines(peers),
            };
            rank_command(&mut out, &target, &peers, &profile, &options, top, category.as_deref(), format)?;
        }
        Command::Profile(cmd) => crate::profile_cmd::run(&mut out, cmd, &profile)?,
        Command::Diff { a, b, format } => crate::diff::run(&mut out, &a, &b, &profile, format)?,
        Command::Inspect { machine } => inspect(&mut out, &machine)?,
    }
    out.flush()?;
    let warned = crate::warnings::count();
    if cli.strict && warned > 0 {
        eprintln!("vmsift: {warned} warning(s) and --strict: exit status 1");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the peers of `rank` come from.
enum Peers {
    Machines(Vec<PathBuf>),
    Profile(PathBuf),
}

/// Scans machines in parallel (rayon), in argument order, with a progress bar on a terminal.
pub(crate) fn scan_all(paths: &[PathBuf], profile: &ExtractionProfile) -> Result<Vec<MachineScan>> {
    let bar = crate::progress::bar(paths.len(), "scanning");
    let scans = paths
        .par_iter()
        .map(|p| {
            let scan = crate::machine::scan(p, profile);
            bar.inc(1);
            scan
        })
        .collect();
    bar.finish_and_clear();
    scans
}

/// One NDJSON row of `scan --format ndjson`.
#[derive(Serialize)]
struct NdjsonSetting<'a> {
    machine: &'a str,
    kind: settings::Kind,
    path: &'a str,
    name: &'a str,
    value: &'a str,
}

/// Streams settings as NDJSON: machines are scanned in parallel a batch at a time and
/// written in order, flushing after each machine, so memory holds one batch of scans.
fn scan_ndjson(out: &mut impl Write, paths: &[PathBuf], profile: &ExtractionProfile) -> Result<()> {
    let bar = crate::progress::bar(paths.len(), "scanning");
    let batch = rayon::current_num_threads().max(1);
    for chunk in paths.chunks(batch) {
        let scans: Vec<MachineScan> = chunk
            .par_iter()
            .map(|p| {
                let scan = crate::machine::scan(p, profile);
                bar.inc(1);
                scan
            })
            .collect::<Result<_>>()?;
        for (p, s) in chunk.iter().zip(&scans) {
            let machine = p.display().to_string();
            for x in s.settings() {
                let row =
                    NdjsonSetting { machine: &machine, kind: x.kind, path: &x.path, name: &x.name, value: &x.value };
                ndjson(out, &row)?;
            }
            out.flush()?;
        }
    }
    bar.finish_and_clear();
    Ok(())
}

#[derive(Serialize)]
struct ScanOutput<'a> {
    machines: Vec<ScannedMachine<'a>>,
}

#[derive(Serialize)]
struct ScannedMachine<'a> {
    machine: String,
    os: &'a Option<String>,
    /// Parts that could not be read (also printed to stderr).
    warnings: &'a [String],
    settings: Vec<ScannedSetting<'a>>,
}

/// A setting in `scan --format json`, with its provenance under `--provenance`.
#[derive(Serialize)]
struct ScannedSetting<'a> {
    #[serde(flatten)]
    setting: &'a settings::Setting,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
}

/// `settings[i]`'s provenance as text, when asked for.
fn from(scan: &MachineScan, i: usize, provenance: bool) -> Option<String> {
    provenance.then(|| scan.provenance(i).map_or_else(|| "unknown".to_owned(), |p| p.to_string()))
}

fn scan(
    out: &mut impl Write,
    paths: &[PathBuf],
    profile: &ExtractionProfile,
    format: Format,
    provenance: bool,
) -> Result<()> {
    if format == Format::Ndjson {
        return scan_ndjson(out, paths, profile);
    }
    let scans = scan_all(paths, profile)?;
    match format {
        Format::Json => {
            let machines = paths
                .iter()
                .zip(&scans)
                .map(|(p, s)| ScannedMachine {
                    machine: p.display().to_string(),
                    os: &s.os,
                    warnings: &s.warnings,
                    settings: s
                        .settings()
                        .iter()
                        .enumerate()
                        .map(|(i, setting)| ScannedSetting { setting, from: from(s, i, provenance) })
                        .collect(),
                })
                .collect();
            json(out, &ScanOutput { machines })?;
        }
        Format::Csv => {
            writeln!(out, "machine,kind,path,name,value")?;
            for (p, s) in paths.iter().zip(&scans) {
                for x in s.settings() {
                    let row = [
                        p.display().to_string(),
                        x.kind.as_str().into(),
                        x.path.clone(),
                        x.name.clone(),
                        x.value.clone(),
                    ];
                    writeln!(out, "{}", row.iter().map(|f| csv_quote(f)).collect::<Vec<_>>().join(","))?;
                }
            }
        }
        Format::Ndjson | Format::Table => {
            for (p, s) in paths.iter().zip(&scans) {
                writeln!(out, "# {} ({} settings)", p.display(), s.settings().len())?;
                for (i, x) in s.settings().iter().enumerate() {
                    write!(
                        out,
                        "{}\t{}\t{}\t{}",
                        x.kind.as_str(),
                        terminal_safe(&x.path),
                        terminal_safe(&x.name),
                        terminal_safe(&x.value)
                    )?;
                    match from(s, i, provenance) {
                        Some(f) => writeln!(out, "\t{}", terminal_safe(&f))?,
                        None => writeln!(out)?,
                    }
                }
            }
        }
    }
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one per command-line option")]
fn rank_command(
    out: &mut impl Write,
    target: &Path,
    peers: &Peers,
    profile: &ExtractionProfile,
    options: &RankOptions,
    top: Option<usize>,
    category: Option<&str>,
    format: Format,
) -> Result<()> {
    let (target_scan, peer_scans, peer_profile) = match peers {
        Peers::Machines(paths) => {
            // The target joins the peers' parallel scan.
            let mut all = Vec::with_capacity(paths.len() + 1);
            all.push(target.to_path_buf());
            all.extend(paths.iter().cloned());
            let mut scans = scan_all(&all, profile)?.into_iter();
            let target_scan = scans.next().context("no target scan")?;
            let peer_scans: Vec<MachineScan> = scans.collect();
            let peer_profile = PeerProfile::from_machines(peer_scans.iter().map(|s| s.settings()));
            (target_scan, peer_scans, peer_profile)
        }
        Peers::Profile(file) => {
            let (target_scan, saved) =
                rayon::join(|| crate::machine::scan(target, profile), || crate::profile_cmd::load(file));
            (target_scan?, Vec::new(), saved?)
        }
    };
    // The warnings of every scanned machine that has some, target first, in the JSON output
    // (none: the same output as a ranking against a saved profile of the same peers).
    let peer_paths: &[PathBuf] = match peers {
        Peers::Machines(paths) => paths,
        Peers::Profile(_) => &[],
    };
    let warnings: Vec<MachineWarnings<'_>> = std::iter::once((target, &target_scan))
        .chain(peer_paths.iter().map(PathBuf::as_path).zip(&peer_scans))
        .filter(|(_, s)| !s.warnings.is_empty())
        .map(|(p, s)| MachineWarnings { machine: p.display().to_string(), warnings: &s.warnings })
        .collect();
    let mut ranking = rank_with(target_scan.settings(), &peer_profile, options)
        .with_context(|| format!("ranking {}", target.display()))?;
    if let Some(c) = category {
        ranking.ranking.retain(|r| r.category.as_str() == c);
    }
    if let Some(n) = top {
        ranking.ranking.truncate(n);
    }
    let value_text = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
    match format {
        Format::Json => writeln!(out, "{}", ranking.to_json(&warnings))?,
        Format::Ndjson => {
            for r in &ranking.ranking {
                ndjson(out, r)?;
            }
        }
        Format::Csv => out.write_all(ranking.to_csv().as_bytes())?,
        Format::Table => {
            writeln!(out, "{} peers, {} suspects", ranking.peers, ranking.suspects)?;
            for r in &ranking.ranking {
                let mark = if r.category == Category::OfInterest { "*" } else { " " };
                // Rows sharing P: how many, so a reader knows rank 1 of 12 from rank 1.
                let ties = if r.ties > 1 { format!("={:<4}", r.ties) } else { "     ".to_owned() };
                writeln!(
                    out,
                    "{:>5} {ties} {mark} {:.3e}  {:<11} {} {} = {}",
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
            v.disk.map_or_else(|| "-".to_owned(), |d| d.to_string()),
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
