// SPDX-License-Identifier: GPL-3.0-or-later
//! The built-in demo fleet: small real disk images generated at build time and served
//! beside the app (`demo/manifest.json` lists them).

use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// `demo/manifest.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct Manifest {
    /// The broken machine's image.
    pub target: String,
    /// Healthy peers' images.
    pub peers: Vec<String>,
}

/// Starts a request for `url`; await [`response`] on it.
fn start(url: &str) -> Result<js_sys::Promise, String> {
    Ok(web_sys::window().ok_or("no window")?.fetch_with_str(url))
}

async fn response(url: &str, request: js_sys::Promise) -> Result<web_sys::Response, String> {
    let response = JsFuture::from(request).await.map_err(|e| format!("{url}: {e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    Ok(response)
}

/// Downloads the demo fleet from the app's own origin: (target, peers) as `File`s.
///
/// # Errors
/// A message naming the file that could not be loaded.
pub(crate) async fn load() -> Result<(web_sys::File, Vec<web_sys::File>), String> {
    let url = "demo/manifest.json";
    let manifest = response(url, start(url)?).await?;
    let text = JsFuture::from(manifest.text().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{e:?}"))?;
    let manifest: Manifest =
        serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|e| format!("{url}: {e}"))?;
    // Every download starts before the first is awaited: they run side by side.
    let requests = std::iter::once(&manifest.target)
        .chain(&manifest.peers)
        .map(|name| start(&format!("demo/{name}")).map(|request| (name, request)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut files = Vec::with_capacity(requests.len());
    for (name, request) in requests {
        files.push(file(name, request).await?);
    }
    let target = files.remove(0);
    Ok((target, files))
}

async fn file(name: &str, request: js_sys::Promise) -> Result<web_sys::File, String> {
    let url = format!("demo/{name}");
    let response = response(&url, request).await?;
    let blob =
        JsFuture::from(response.blob().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{url}: {e:?}"))?;
    let parts = js_sys::Array::of1(&blob);
    // A fixed time: the same demo image has the same content fingerprint on every click, so
    // its settings come from the peer database's cache (the images are small enough to be
    // fingerprinted whole).
    let options = web_sys::FilePropertyBag::new();
    options.set_last_modified(0.0);
    web_sys::File::new_with_blob_sequence_and_options(&parts, name, &options).map_err(|e| format!("{url}: {e:?}"))
}
