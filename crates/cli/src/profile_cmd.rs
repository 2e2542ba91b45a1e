// SPDX-License-Identifier: GPL-3.0-or-later
//! `vmsift profile …`: build, merge, show and import peer profiles.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use peerpressure::PeerProfile;
use serde::Serialize;
use settings::{ExtractionProfile, Kind};

use crate::commands::{scan_all, ProfileCommand};
use crate::output::{json, refuse_input_as_output, terminal_safe, write_output, Format};

/// Largest profile file read, in bytes: profiles of large fleets are tens of MiB; this
/// keeps a wrong path (a disk image) from being read whole into memory.
const MAX_PROFILE_FILE: u64 = 1 << 30;

/// Reads a profile file, binary (starts with `VMSIFTPP`) or JSON ([`PeerProfile::decode`]). Errors name the file,
/// and the library's errors name the structure and offset.
pub(crate) fn load(path: &Path) -> Result<PeerProfile> {
    let size = std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?.len();
    if size > MAX_PROFILE_FILE {
        anyhow::bail!("{}: {size} bytes is larger than a profile can be ({MAX_PROFILE_FILE})", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    PeerProfile::decode(&bytes).with_context(|| path.display().to_string())
}

/// Writes the profile to `path` (never onto one of `inputs`; see [`write_output`]).
fn save(path: &Path, profile: &PeerProfile, as_json: bool, inputs: &[PathBuf]) -> Result<()> {
    let bytes = if as_json { (profile.to_json() + "\n").into_bytes() } else { profile.to_bytes() };
    write_output(path, &bytes, inputs)
}

/// Runs a `profile` subcommand.
pub(crate) fn run(out: &mut impl Write, cmd: ProfileCommand, extraction: &ExtractionProfile) -> Result<()> {
    match cmd {
        ProfileCommand::Build { machines, output, json } => {
            refuse_input_as_output(&output, &machines)?;
            let scans = scan_all(&machines, extraction)?;
            let profile = PeerProfile::from_machines(scans.iter().map(|s| s.settings()));
            save(&output, &profile, json, &machines)?;
            writeln!(out, "{}: {} peers, {} settings", output.display(), profile.peers, profile.counts.len())?;
        }
        ProfileCommand::Merge { profiles, output, json } => {
            refuse_input_as_output(&output, &profiles)?;
            let mut merged = PeerProfile::default();
            let mut first = true;
            for path in &profiles {
                let p = load(path)?;
                if first {
                    merged = p;
                    first = false;
                } else {
                    merged.merge(&p).with_context(|| format!("{}: cannot merge", path.display()))?;
                }
            }
            save(&output, &merged, json, &profiles)?;
            writeln!(out, "{}: {} peers, {} settings", output.display(), merged.peers, merged.counts.len())?;
        }
        ProfileCommand::Show { file, top, format } => show(out, &load(&file)?, top, format)?,
        ProfileCommand::FromCounts { file, peers, output, json } => {
            let size = std::fs::metadata(&file).with_context(|| format!("{}: cannot read", file.display()))?.len();
            if size > MAX_COUNTS_FILE {
                anyhow::bail!("{}: {size} bytes, more than the {MAX_COUNTS_FILE} accepted", file.display());
            }
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("{}: cannot read as UTF-8", file.display()))?;
            let profile = crate::counts::profile_from_counts(&file.display().to_string(), &text, peers)?;
            save(&output, &profile, json, std::slice::from_ref(&file))?;
            writeln!(out, "{}: {} peers, {} settings", output.display(), profile.peers, profile.counts.len())?;
        }
    }
    Ok(())
}

/// Largest counts file read, in bytes: counts are one row per distinct (setting, value),
/// far smaller than the scans they summarize.
const MAX_COUNTS_FILE: u64 = 4 << 30;

#[derive(Serialize)]
struct Summary<'a> {
    peers: u32,
    settings: usize,
    values: usize,
    locations: usize,
    hashed: bool,
    /// The settings held by the most peers.
    top: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    kind: Kind,
    path: &'a str,
    name: &'a str,
    /// Peers having the setting.
    present: u32,
    /// Values with counts, most common first.
    values: Vec<(&'a str, u32)>,
}

fn show(out: &mut impl Write, p: &PeerProfile, top: usize, format: Format) -> Result<()> {
    let mut entries: Vec<Entry<'_>> = p
        .counts
        .iter()
        .map(|(key, values)| {
            let mut vs: Vec<(&str, u32)> = values.iter().map(|(v, c)| (v.as_str(), *c)).collect();
            vs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            Entry {
                kind: key.kind,
                path: &key.path,
                name: &key.name,
                present: values.values().fold(0u32, |a, c| a.saturating_add(*c)),
                values: vs,
            }
        })
        .collect();
    // Most widespread first; ties in key order (the map's order, kept by the stable sort).
    entries.sort_by_key(|e| std::cmp::Reverse(e.present));
    entries.truncate(top);
    let summary = Summary {
        peers: p.peers,
        settings: p.counts.len(),
        values: p.counts.values().map(std::collections::BTreeMap::len).sum(),
        locations: p.parents.len(),
        hashed: p.is_hashed(),
        top: entries,
    };
    match format {
        Format::Json | Format::Ndjson => json(out, &summary)?,
        Format::Csv | Format::Table => {
            writeln!(
                out,
                "{} peers, {} settings, {} values, {} locations{}",
                summary.peers,
                summary.settings,
                summary.values,
                summary.locations,
                if summary.hashed { ", hashed values" } else { "" }
            )?;
            for e in &summary.top {
                let values: Vec<String> =
                    e.values.iter().take(3).map(|(v, c)| format!("{}×{c}", terminal_safe(v))).collect();
                let more = e.values.len().saturating_sub(3);
                writeln!(
                    out,
                    "{:>6}/{} {} {} {}: {}{}",
                    e.present,
                    summary.peers,
                    e.kind.as_str(),
                    terminal_safe(e.path),
                    terminal_safe(e.name),
                    values.join(", "),
                    if more > 0 { format!(" (+{more} more)") } else { String::new() }
                )?;
            }
        }
    }
    Ok(())
}
