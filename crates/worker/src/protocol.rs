// SPDX-License-Identifier: GPL-3.0-or-later
//! Messages between the page and a worker. Defined once, here; both sides convert with
//! serde-wasm-bindgen, and `File`s travel as themselves (structured clone), never copied.

use serde::{Deserialize, Serialize};
use settings::MachineScan;

/// Page → worker: scan one machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanRequest {
    /// Page-chosen id, echoed in every reply.
    pub machine: u32,
    /// The machine's files (`File` objects).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub files: js_sys::Array,
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
        result: Result<MachineScan, String>,
    },
}
