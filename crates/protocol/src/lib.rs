// SPDX-License-Identifier: GPL-3.0-or-later
//! Messages between the page and a worker. Defined once, here; both sides convert with
//! serde-wasm-bindgen, and `File`s travel as themselves (structured clone), never copied.
//!
//! A crate of its own so that the page depends on the messages only, never on what the
//! worker links to read images (the `imagefs` and `settings` crates).

#![warn(missing_docs)]

use model::MachineScan;
use serde::{Deserialize, Serialize};

/// Page → worker: scan one machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanRequest {
    /// Page-chosen id, echoed in every reply.
    pub machine: u32,
    /// The machine's files (`File` objects).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub files: js_sys::Array,
    /// Each file's path inside its dropped folder (`etc/ssh/sshd_config`), in the order of
    /// `files`; empty for loose files. A folder holding a guest filesystem tree is read as
    /// that filesystem.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Custom extraction profile (JSON), or the built-in one.
    pub extraction_profile: Option<String>,
}

/// Phases a scan goes through, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Reading container headers, partition tables and filesystems.
    Opening,
    /// Reading files and registry hives into settings.
    Extracting,
}

/// Worker → page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The worker's wasm is initialized and its message handler installed: requests sent
    /// before this would be lost.
    Ready,
    /// Work in progress.
    Progress {
        /// Machine id.
        machine: u32,
        /// Current phase.
        phase: Phase,
        /// Bytes read from the files so far.
        bytes_read: u64,
        /// Total size of the files.
        total: u64,
    },
    /// Finished: the settings, or an error in plain words.
    Done {
        /// Machine id.
        machine: u32,
        /// Result.
        result: Result<ScanPayload, String>,
    },
}

/// A finished [`MachineScan`] as JSON bytes in one `Uint8Array`.
///
/// Why not the scan itself through serde-wasm-bindgen: that makes one JS object and four JS
/// strings per setting, structured-clones them all and converts them back on the page —
/// seconds for a Windows image's 90,000 settings. One byte array is one copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanPayload(#[serde(with = "serde_wasm_bindgen::preserve")] js_sys::Uint8Array);

impl ScanPayload {
    /// Encodes `scan`.
    pub fn encode(scan: &MachineScan) -> Result<Self, String> {
        let json = serde_json::to_vec(scan).map_err(|e| format!("cannot encode the scan: {e}"))?;
        Ok(Self(js_sys::Uint8Array::from(json.as_slice())))
    }

    /// Decodes the scan.
    pub fn decode(&self) -> Result<MachineScan, String> {
        serde_json::from_slice(&self.0.to_vec()).map_err(|e| format!("the worker's reply is malformed: {e}"))
    }
}
