// SPDX-License-Identifier: GPL-3.0-or-later
//! What the page's address asks for: `#report=v1.…` (a shared report, shown read-only) or
//! `#profile=<same-origin URL>` (a peer profile to preload), and the share link itself.

use peerpressure::share::{ShareError, SharedReport, FRAGMENT_PREFIX};
use peerpressure::PeerProfile;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::state::LoadedProfile;

/// Largest profile file read or fetched: profiles of large fleets are a few MiB; a bigger
/// file is not a profile, and reading it whole would exhaust the tab's memory.
pub(crate) const MAX_PROFILE_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// What the fragment of the page's address asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fragment {
    /// Nothing (or something this page does not know).
    None,
    /// A shared report, decoded.
    Report(Box<SharedReport>),
    /// A share link that could not be read.
    BadReport(String),
    /// A peer profile to fetch from this URL (not yet checked).
    Profile(String),
}

/// Parses a fragment (`location.hash`, with or without `#`).
pub(crate) fn parse(hash: &str) -> Fragment {
    let h = hash.strip_prefix('#').unwrap_or(hash);
    if h.starts_with("report=") {
        match SharedReport::from_fragment(h) {
            Ok(r) => Fragment::Report(Box::new(r)),
            Err(e) => Fragment::BadReport(describe(&e)),
        }
    } else if let Some(url) = h.strip_prefix("profile=") {
        Fragment::Profile(decode_component(url))
    } else {
        Fragment::None
    }
}

/// The error as the user reads it.
fn describe(e: &ShareError) -> String {
    format!("This shared report link cannot be read: {e}. Ask for the link again, and copy it whole.")
}

/// `%xx` escapes of a URL component decoded (a profile URL may be given encoded or not).
fn decode_component(s: &str) -> String {
    js_sys::decode_uri_component(s).ok().and_then(|v| v.as_string()).unwrap_or_else(|| s.to_owned())
}

/// The page's current fragment.
pub(crate) fn current() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// The link that opens `report` on this page: the page's address without its fragment,
/// then `#report=v1.…`.
pub(crate) fn link(report: &SharedReport) -> String {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_owned())
        .unwrap_or_default();
    format!("{base}#{FRAGMENT_PREFIX}{}", report.encode())
}

/// Forgets the fragment without reloading (the shared report was closed).
pub(crate) fn clear_fragment() {
    if let Some(w) = web_sys::window() {
        let url = w.location().href().ok().map(|h| h.split('#').next().unwrap_or("").to_owned());
        if let (Ok(history), Some(url)) = (w.history(), url) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Resolves `url` against the page and refuses anything that is not on the page's own
/// origin: the page makes no request elsewhere (the CSP would block it anyway; this says why).
///
/// # Errors
/// A message for the user naming the URL.
pub(crate) fn same_origin(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let here = window.location().href().map_err(|e| format!("{e:?}"))?;
    let origin = window.location().origin().map_err(|e| format!("{e:?}"))?;
    let resolved = web_sys::Url::new_with_base(url, &here)
        .map_err(|_| format!("The profile address {url:?} is not a valid URL."))?;
    if resolved.origin() != origin || !matches!(resolved.protocol().as_str(), "http:" | "https:") {
        return Err(format!(
            "The profile address {url:?} is on another site ({}). This page only loads profiles from its own site ({origin}), so nothing was fetched.",
            resolved.origin()
        ));
    }
    Ok(resolved.href())
}

/// Fetches and decodes a peer profile from a same-origin URL (checked first).
///
/// # Errors
/// A message for the user naming the URL and what went wrong.
pub(crate) async fn fetch_profile(url: &str) -> Result<LoadedProfile, String> {
    let href = same_origin(url)?;
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(&href))
        .await
        .map_err(|e| format!("The profile {href} could not be fetched: {}", js_text(&e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{href}: not a response"))?;
    // A redirect may only stay on this origin.
    same_origin(&response.url()).map_err(|e| format!("The profile {href} redirected elsewhere. {e}"))?;
    if !response.ok() {
        return Err(format!("The profile {href} could not be fetched: HTTP {}", response.status()));
    }
    let length = response.headers().get("content-length").ok().flatten().and_then(|l| l.parse::<f64>().ok());
    if length.is_some_and(|l| l > MAX_PROFILE_BYTES) {
        return Err(format!("{href} is not a peer profile: it is far too large"));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_text(&e))?)
        .await
        .map_err(|e| format!("The profile {href} could not be read: {}", js_text(&e)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let name = href.rsplit('/').next().unwrap_or(&href).to_owned();
    decode_profile(&name, &bytes)
}

/// A profile file's bytes (binary `.vmsiftpp`, or its JSON form) as a usable profile: the
/// one check of the Load button and of `#profile=` links.
///
/// # Errors
/// A message naming the file.
pub(crate) fn decode_profile(name: &str, bytes: &[u8]) -> Result<LoadedProfile, String> {
    let profile = PeerProfile::decode(bytes).map_err(|e| format!("{name} is not a usable peer profile: {e}"))?;
    if profile.is_hashed() {
        return Err(format!(
            "{name} is a hashed peer profile: it can only be compared with its salt, which this page does not have; use the vmsift CLI"
        ));
    }
    if profile.peers == 0 {
        return Err(format!("{name} holds no peers"));
    }
    Ok(LoadedProfile { name: name.to_owned(), profile })
}

/// Copies `text` to the clipboard. The promise is awaited so a refusal (no permission, no
/// secure context) is reported rather than silent.
///
/// # Errors
/// The browser's reason.
pub(crate) async fn copy(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let clipboard = window.navigator().clipboard();
    JsFuture::from(clipboard.write_text(text)).await.map(|_| ()).map_err(|e| js_text(&e))
}

fn js_text(e: &wasm_bindgen::JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
}

/// Names that could identify the machines and must not reach a share link: the dropped
/// machines' names (file or folder names often are host names), whole and without their
/// extensions.
pub(crate) fn identity_strings<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for name in names {
        let stem = name.split('.').next().unwrap_or(name);
        for s in [name, stem] {
            if !out.iter().any(|o: &String| o.eq_ignore_ascii_case(s)) {
                out.push(s.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_strings_keep_names_and_stems() {
        assert_eq!(
            identity_strings(["WKS-WIN732BITA.vmdk", "peer1.img", "PEER1.img", "folder"]),
            vec!["WKS-WIN732BITA.vmdk", "WKS-WIN732BITA", "peer1.img", "peer1", "folder"]
        );
    }
}
