// SPDX-License-Identifier: GPL-3.0-or-later
//! `vmsift diff A B`: the settings that differ between two machines.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use peerpressure::export::csv_quote;
use serde::Serialize;
use settings::{ExtractionProfile, Kind, Setting, SettingKey};

use crate::output::{json, ndjson, terminal_safe, Format};

/// One difference; `a` is `None` for an added setting, `b` for a removed one.
#[derive(Debug, Serialize)]
struct Change<'a> {
    change: &'static str,
    kind: Kind,
    path: &'a str,
    name: &'a str,
    a: Option<&'a str>,
    b: Option<&'a str>,
}

#[derive(Serialize)]
struct DiffOutput<'a> {
    a: String,
    b: String,
    changed: usize,
    added: usize,
    removed: usize,
    differences: Vec<Change<'a>>,
    /// Each machine's warnings (also printed to stderr).
    warnings: [peerpressure::MachineWarnings<'a>; 2],
}

/// Key → value, one per key: the smallest value of a repeat, as PeerPressure counts it.
fn by_key(settings: &[Setting]) -> BTreeMap<SettingKey, &str> {
    let mut map: BTreeMap<SettingKey, &str> = BTreeMap::new();
    for s in settings {
        map.entry(s.key()).and_modify(|v| *v = (*v).min(s.value.as_str())).or_insert(&s.value);
    }
    map
}

/// The differences from `a` to `b`, in key order.
fn differences<'a>(a: &'a BTreeMap<SettingKey, &'a str>, b: &'a BTreeMap<SettingKey, &'a str>) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    let change = |key: &'a SettingKey, x: Option<&'a str>, y: Option<&'a str>| Change {
        change: match (x, y) {
            (Some(_), Some(_)) => "changed",
            (None, _) => "added",
            (_, None) => "removed",
        },
        kind: key.kind,
        path: &key.path,
        name: &key.name,
        a: x,
        b: y,
    };
    let (mut ia, mut ib) = (a.iter().peekable(), b.iter().peekable());
    loop {
        match (ia.peek(), ib.peek()) {
            (None, None) => break,
            (Some((ka, va)), Some((kb, vb))) if ka == kb => {
                if va != vb {
                    out.push(change(ka, Some(va), Some(vb)));
                }
                ia.next();
                ib.next();
            }
            (Some((ka, va)), Some((kb, _))) if ka < kb => {
                out.push(change(ka, Some(va), None));
                ia.next();
            }
            (Some((ka, va)), None) => {
                out.push(change(ka, Some(va), None));
                ia.next();
            }
            (_, Some((kb, vb))) => {
                out.push(change(kb, None, Some(vb)));
                ib.next();
            }
        }
    }
    out
}

/// Runs `diff`.
pub(crate) fn run(out: &mut impl Write, a: &Path, b: &Path, profile: &ExtractionProfile, format: Format) -> Result<()> {
    let scans = crate::commands::scan_all(&[a.to_path_buf(), b.to_path_buf()], profile)?;
    let (Some(sa), Some(sb)) = (scans.first(), scans.get(1)) else { anyhow::bail!("two scans expected") };
    let (ma, mb) = (by_key(sa.settings()), by_key(sb.settings()));
    let diffs = differences(&ma, &mb);
    let count = |c: &str| diffs.iter().filter(|d| d.change == c).count();
    let result = DiffOutput {
        a: a.display().to_string(),
        b: b.display().to_string(),
        changed: count("changed"),
        added: count("added"),
        removed: count("removed"),
        differences: diffs,
        warnings: [
            peerpressure::MachineWarnings { machine: a.display().to_string(), warnings: &sa.warnings },
            peerpressure::MachineWarnings { machine: b.display().to_string(), warnings: &sb.warnings },
        ],
    };
    match format {
        Format::Json => json(out, &result)?,
        Format::Ndjson => {
            for d in &result.differences {
                ndjson(out, d)?;
            }
        }
        Format::Csv => {
            writeln!(out, "change,kind,path,name,a,b")?;
            for d in &result.differences {
                let row = [d.change, d.kind.as_str(), d.path, d.name, d.a.unwrap_or_default(), d.b.unwrap_or_default()];
                writeln!(out, "{}", row.iter().map(|f| csv_quote(f)).collect::<Vec<_>>().join(","))?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{} → {}: {} changed, {} added, {} removed",
                result.a, result.b, result.changed, result.added, result.removed
            )?;
            for d in &result.differences {
                let (mark, text) = match (d.a, d.b) {
                    (Some(x), Some(y)) => ("~", format!("{} → {}", terminal_safe(x), terminal_safe(y))),
                    (None, Some(y)) => ("+", terminal_safe(y)),
                    (Some(x), None) => ("-", terminal_safe(x)),
                    (None, None) => continue,
                };
                writeln!(
                    out,
                    "{mark} {} {} {} = {text}",
                    d.kind.as_str(),
                    terminal_safe(d.path),
                    terminal_safe(d.name)
                )?;
            }
        }
    }
    Ok(())
}
