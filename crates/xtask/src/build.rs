// SPDX-License-Identifier: GPL-3.0-or-later
//! Release build: Trunk, then the post-processing Trunk cannot do: the demo fleet, a
//! Content-Security-Policy with hashes of Trunk's inline scripts, and the service
//! worker's precache list.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::tools::path_with_tools;
use crate::{demo, dist, root, run};

/// Builds the release app into [`dist()`](crate::dist).
pub(crate) fn release() -> Result<()> {
    let dist = dist();
    run(Command::new("trunk").args(["build", "--release", "--dist"]).arg(&dist).env("PATH", path_with_tools()))?;
    demo::generate(&dist.join("demo"))?;
    add_csp(&dist.join("index.html"))?;
    write_service_worker(&dist)?;
    eprintln!("xtask: built {}", dist.display());
    Ok(())
}

/// Inline `<script>` bodies of an HTML page (Trunk's module loader).
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_and_more = &after[open_end + 1..];
        let Some(close) = body_and_more.find("</script>") else { break };
        if !tag.contains("src=") {
            scripts.push(&body_and_more[..close]);
        }
        rest = &body_and_more[close..];
    }
    scripts
}

/// The policy: only this origin, for everything; inline scripts only by hash.
pub(crate) fn csp(script_hashes: &[String]) -> String {
    let hashes: String = script_hashes.iter().map(|h| format!(" '{h}'")).collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; worker-src 'self'; connect-src 'self'; \
         img-src 'self' data:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

fn add_csp(index: &Path) -> Result<()> {
    let html = std::fs::read_to_string(index).with_context(|| format!("reading {}", index.display()))?;
    let hashes: Vec<String> = inline_scripts(&html)
        .into_iter()
        .map(|body| {
            format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())))
        })
        .collect();
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">", csp(&hashes));
    let html = html.replacen("<meta charset=\"utf-8\">", &format!("<meta charset=\"utf-8\">{meta}"), 1);
    let html = if html.contains("Content-Security-Policy") {
        html
    } else {
        html.replacen("<head>", &format!("<head>{meta}"), 1)
    };
    std::fs::write(index, html)?;
    Ok(())
}

/// Writes `sw.js`: cache-first for the app shell (every file in dist/, the demo fleet
/// included), versioned by a hash of their contents so a new build replaces the old cache.
fn write_service_worker(dist: &Path) -> Result<()> {
    let mut files = Vec::new();
    collect(dist, dist, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for f in &files {
        hasher.update(f.as_bytes());
        hasher.update(std::fs::read(dist.join(f))?);
    }
    let version = hex(&hasher.finalize()[..8]);
    let list = serde_json::to_string(
        &std::iter::once("./".to_owned()).chain(files.iter().map(|f| format!("./{f}"))).collect::<Vec<_>>(),
    )?;
    let template = std::fs::read_to_string(root().join("www/sw.js")).context("reading www/sw.js")?;
    let sw = template.replace("__VERSION__", &version).replace("[\"__FILES__\"]", &list);
    std::fs::write(dist.join("sw.js"), sw)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel != "sw.js" {
                out.push(rel);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html = r#"<head><script src="a.js"></script><script type="module">import init from '/app.js';init();</script></head>"#;
        assert_eq!(inline_scripts(html), vec!["import init from '/app.js';init();"]);
    }
}
