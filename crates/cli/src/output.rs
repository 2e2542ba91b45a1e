// SPDX-License-Identifier: GPL-3.0-or-later
//! Output formats shared by the commands.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Pretty JSON.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Aligned columns for people.
    Table,
    /// One JSON object per line (newline-delimited JSON), for DuckDB, Spark, jq.
    Ndjson,
}

/// Escapes control, bidi and zero-width characters from hostile images before they reach
/// a terminal.
pub(crate) fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            let invisible = c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if invisible {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes JSON followed by a newline.
pub(crate) fn json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Writes one compact JSON object followed by a newline (an NDJSON record).
pub(crate) fn ndjson(out: &mut impl Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// The identities (device, inode) of the files `inputs` names: each file, and every file of
/// a directory (a machine directory: all its files are read). Unreadable ones are left out.
fn input_identities(inputs: &[PathBuf]) -> Vec<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut ids = Vec::new();
    for input in inputs {
        let Ok(meta) = std::fs::metadata(input) else { continue };
        if meta.is_dir() {
            let entries = std::fs::read_dir(input).into_iter().flatten().flatten();
            ids.extend(entries.filter_map(|e| std::fs::metadata(e.path()).ok()).map(|m| (m.dev(), m.ino())));
        } else {
            ids.push((meta.dev(), meta.ino()));
        }
    }
    ids
}

/// Refuses an output path that is one of the inputs (the same file, through any path or
/// symbolic link, or a file of an input directory).
///
/// # Errors
/// When `output` is an input.
pub(crate) fn refuse_input_as_output(output: &Path, inputs: &[PathBuf]) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    // Follows a symbolic link: a link to an input is that input.
    let Ok(meta) = std::fs::metadata(output) else { return Ok(()) };
    if input_identities(inputs).contains(&(meta.dev(), meta.ino())) {
        anyhow::bail!("{}: is one of the inputs; refusing to overwrite it (choose another -o)", output.display());
    }
    Ok(())
}

/// Writes `bytes` to `path` safely: never onto one of `inputs` (checked again just before
/// the rename), through a new temporary file in the same directory renamed into place, so
/// a failure leaves no half-written file and a symbolic link at `path` is replaced, not
/// followed.
///
/// # Errors
/// `path` is an input, or the write or rename failed.
pub(crate) fn write_output(path: &Path, bytes: &[u8], inputs: &[PathBuf]) -> Result<()> {
    refuse_input_as_output(path, inputs)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
    let temp = dir.join(format!(".{}.vmsift-{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        // create_new: fails on anything already there, a symbolic link included.
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(e).with_context(|| format!("{}: cannot write", path.display()));
    }
    Ok(())
}
