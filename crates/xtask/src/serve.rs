// SPDX-License-Identifier: GPL-3.0-or-later
//! A static file server for `dist/` on 127.0.0.1, with the right MIME types (wasm) and
//! the same Content-Security-Policy as the page's meta tag.

use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Result};

use crate::{build, dist, tools};

/// `cargo xtask serve [--port N] [--no-build]`.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut port = 8080u16;
    let mut build_first = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => port = it.next().ok_or_else(|| anyhow!("--port needs a number"))?.parse()?,
            "--no-build" => build_first = false,
            other => return Err(anyhow!("unknown argument {other}")),
        }
    }
    if build_first {
        tools::ensure_build_tools()?;
        build::release()?;
    }
    serve(&dist(), port)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "webmanifest" => "application/manifest+json",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path to a file under `dist`, refusing `..` and absolute components.
fn resolve(dist: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let mut out = dist.to_path_buf();
    for c in Path::new(path.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

fn header(name: &str, value: &str) -> Result<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).map_err(|()| anyhow!("bad header {name}"))
}

/// Threads answering requests: one slow client (a browser starved of CPU reading a
/// megabyte of wasm) must not hold up the page's other requests.
const THREADS: usize = 4;

/// Serves `dist` until killed.
pub(crate) fn serve(dist: &Path, port: u16) -> Result<()> {
    let server =
        tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    eprintln!("xtask: serving {} on http://127.0.0.1:{port}/", dist.display());
    // The same policy as the page's meta tag (which carries the hashes of Trunk's inline
    // script), so workers and every other response get it too.
    let csp = page_csp(&dist.join("index.html")).unwrap_or_else(|| build::csp(&[]));
    let (server, csp) = (&server, csp.as_str());
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS).map(|_| scope.spawn(move || answer(server, dist, csp))).collect();
        threads.into_iter().try_for_each(|t| t.join().map_err(|_| anyhow!("a server thread panicked"))?)
    })
}

fn answer(server: &tiny_http::Server, dist: &Path, csp: &str) -> Result<()> {
    for request in server.incoming_requests() {
        let response = match resolve(dist, request.url()).and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
            Some((path, body)) => tiny_http::Response::from_data(body)
                .with_header(header("Content-Type", mime(&path))?)
                .with_header(header("Cache-Control", "no-cache")?)
                .with_header(header("X-Content-Type-Options", "nosniff")?),
            None => tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404),
        };
        let response = response.with_header(header("Content-Security-Policy", csp)?);
        // A client that went away is not the server's problem.
        let _ = request.respond(response);
    }
    Ok(())
}

/// The Content-Security-Policy of the built page's meta tag.
fn page_csp(index: &Path) -> Option<String> {
    let html = std::fs::read_to_string(index).ok()?;
    let after = &html[html.find("http-equiv=\"Content-Security-Policy\"")?..];
    let content = &after[after.find("content=\"")? + "content=\"".len()..];
    Some(content[..content.find('"')?].to_owned())
}
