// SPDX-License-Identifier: GPL-3.0-or-later
//! The vmsift web worker: receives a machine's `File`s, reads them lazily through
//! `FileReaderSync` over `Blob.slice`, and replies with the machine's settings.
//!
//! The page keeps a pool of these workers (see the `web` crate). Errors travel as
//! [`protocol::Reply::Done`] with an `Err` message; nothing here panics on bad input.

#![warn(missing_docs)]

mod blob;

use std::cell::Cell;
use std::rc::Rc;

use imagefs::fs::TreeFs;
use imagefs::{open_machine, open_tree, BlockCache, ReadStats, Source, DEFAULT_CACHE_BLOCKS};
use settings::{scan_machine, ExtractionProfile, MachineScan};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use blob::BlobSource;
use protocol::{Phase, Reply, ScanPayload, ScanRequest};

/// Milliseconds between progress messages: often enough for a smooth bar, rarely enough
/// to cost nothing.
const PROGRESS_INTERVAL_MS: f64 = 100.0;

/// Entry point of the worker binary: installs the message handler.
pub fn start() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
        handle(event.data());
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    post(&Reply::Ready);
}

fn post(reply: &Reply) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if let Ok(value) = serde_wasm_bindgen::to_value(reply) {
        // A failed post means the page is gone; there is nobody left to tell.
        let _ = scope.post_message(&value);
    }
}

fn handle(data: JsValue) {
    let request: ScanRequest = match serde_wasm_bindgen::from_value(data) {
        Ok(r) => r,
        Err(e) => {
            post(&Reply::Done { machine: u32::MAX, result: Err(format!("malformed request: {e}")) });
            return;
        }
    };
    let machine = request.machine;
    let result = scan(&request).and_then(|scan| ScanPayload::encode(&scan));
    post(&Reply::Done { machine, result });
}

/// The dropped folder as the guest filesystem tree it holds (`Windows/System32/config` or
/// `etc` at its root), or `None` when it is a folder of VM files.
fn as_tree(paths: &[String], files: &[Source]) -> Option<imagefs::Machine> {
    if paths.is_empty() || paths.len() != files.len() {
        return None;
    }
    let stats = Rc::new(ReadStats::default());
    let named = paths
        .iter()
        .zip(files)
        .map(|(p, f)| {
            (p.clone(), Rc::new(BlockCache::new(Rc::clone(f), Rc::clone(&stats), DEFAULT_CACHE_BLOCKS)) as Source)
        })
        .collect();
    let tree = TreeFs::new("dropped folder", named);
    imagefs::os::detect_os(&tree)?;
    Some(open_tree(Box::new(tree), stats))
}

/// Opens and scans the machine of `request`, posting progress as bytes are read.
fn scan(request: &ScanRequest) -> Result<MachineScan, String> {
    let profile = match &request.extraction_profile {
        Some(text) => ExtractionProfile::from_json(text).map_err(|e| e.to_string())?,
        None => ExtractionProfile::default(),
    };
    let machine_id = request.machine;
    let mut files: Vec<Source> = Vec::new();
    let total: u64 =
        request.files.iter().filter_map(|f| f.dyn_into::<web_sys::File>().ok()).map(|f| f.size() as u64).sum();
    let read_so_far = Rc::new(Cell::new(0u64));
    let phase = Rc::new(Cell::new(Phase::Opening));
    let last_post = Rc::new(Cell::new(0.0f64));
    for value in request.files.iter() {
        let file: web_sys::File =
            value.dyn_into().map_err(|_| "the request holds something that is not a File".to_owned())?;
        let (read_so_far, phase, last_post) = (Rc::clone(&read_so_far), Rc::clone(&phase), Rc::clone(&last_post));
        let previous = Cell::new(0u64);
        let source = BlobSource::new(file.name(), file.into()).map_err(|e| e.to_string())?.on_read(move |bytes| {
            read_so_far.set(read_so_far.get() + bytes - previous.replace(bytes));
            let now = js_sys::Date::now();
            if now - last_post.get() >= PROGRESS_INTERVAL_MS {
                last_post.set(now);
                post(&Reply::Progress {
                    machine: machine_id,
                    phase: phase.get(),
                    bytes_read: read_so_far.get(),
                    total,
                });
            }
        });
        files.push(Rc::new(source));
    }
    post(&Reply::Progress { machine: machine_id, phase: Phase::Opening, bytes_read: 0, total });
    let opened = match as_tree(&request.paths, &files) {
        Some(machine) => machine,
        None => open_machine(files).map_err(|e| e.to_string())?,
    };
    phase.set(Phase::Extracting);
    post(&Reply::Progress { machine: machine_id, phase: Phase::Extracting, bytes_read: read_so_far.get(), total });
    Ok(scan_machine(&opened, &profile))
}
