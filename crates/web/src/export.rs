// SPDX-License-Identifier: GPL-3.0-or-later
//! Exports: the ranking as CSV or JSON (written by `peerpressure::export`, as the CLI
//! writes them), and downloads through a Blob URL.

use peerpressure::{MachineWarnings, Ranking};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The warnings of every machine as CSV ([`peerpressure::warnings_csv`]): a separate file,
/// so the ranking CSV keeps the CLI's columns (which prints warnings on stderr).
pub(crate) fn warnings_csv(warnings: &[(String, Vec<String>)]) -> String {
    peerpressure::warnings_csv(&machine_warnings(warnings))
}

fn machine_warnings(warnings: &[(String, Vec<String>)]) -> Vec<MachineWarnings<'_>> {
    warnings.iter().map(|(machine, w)| MachineWarnings { machine: machine.clone(), warnings: w }).collect()
}

/// The ranking as JSON, the shape of `vmsift rank --format json` ([`Ranking::to_json`]):
/// `warnings` lists `(machine, warnings)` for each machine that has warnings.
pub(crate) fn json(ranking: &Ranking, warnings: &[(String, Vec<String>)]) -> String {
    ranking.to_json(&machine_warnings(warnings))
}

/// Offers `bytes` as a download named `name`: a Blob URL clicked through an `<a download>`,
/// revoked a little later (revoking at once can cancel the download in some browsers).
///
/// # Errors
/// A message when the browser refuses to create the Blob or the link.
pub(crate) fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let err = |e: JsValue| format!("cannot offer {name} for download: {e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_class_name("visually-hidden");
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(err)?;
    a.click();
    a.remove();
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}
