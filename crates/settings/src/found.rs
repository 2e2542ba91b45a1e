// SPDX-License-Identifier: GPL-3.0-or-later
//! Settings and their provenance as the extractors collect them (crate-internal); the
//! types themselves are in the `model` crate.

use crate::{Offset, Origin, Setting, Source};

/// Settings and their origins collected side by side while extracting (crate-internal).
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Settings in the order found.
    pub(crate) settings: Vec<Setting>,
    /// `origins[i]` is where `settings[i]` came from.
    pub(crate) origins: Vec<Origin>,
    /// Files referred to by the origins.
    pub(crate) sources: Vec<Source>,
    /// Volume the sources registered next belong to (`None`: files beside the disks).
    pub(crate) volume: Option<u32>,
}

impl Found {
    /// Registers a source and returns its index.
    pub(crate) fn source(&mut self, path: &str, hive: Option<String>) -> u32 {
        self.sources.push(Source { volume: self.volume, path: path.to_owned(), hive });
        u32::try_from(self.sources.len() - 1).unwrap_or(u32::MAX)
    }

    /// Adds a setting read from `source` at `offset`.
    pub(crate) fn push(&mut self, source: u32, offset: Offset, setting: Setting) {
        self.settings.push(setting);
        self.origins.push(Origin { source, offset });
    }
}
