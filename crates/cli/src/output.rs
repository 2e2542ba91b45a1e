// SPDX-License-Identifier: GPL-3.0-or-later
//! Output formats shared by the commands.

use std::io::Write;

use anyhow::Result;

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

/// Quotes a CSV field when needed (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
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
