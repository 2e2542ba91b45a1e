// SPDX-License-Identifier: GPL-3.0-or-later
//! The resource budget of one machine's scan.
//!
//! Every file read (hives, logs, config files, counted logs) and every decoded structure
//! kept (replayed hive growth, settings) is charged before it is read or kept. The budget
//! is a multiple of the machine's input size with a floor and a ceiling, so a 300 KB image
//! holding sparse 512 MiB hives, or one file hard-linked 200 times, costs megabytes, not
//! gigabytes. Going over stops that part (one file, one hive, one directory) with a warning
//! naming the file, the structure and the offset; the rest of the machine is still scanned.
//! Single-threaded (`Cell`), as on wasm32.

use std::cell::Cell;

use crate::Setting;

/// Budget of a machine however small its input: real small images (a Windows hive set in a
/// 20 MB qcow2) need tens of MiB.
pub const BUDGET_FLOOR: u64 = 64 * 1024 * 1024;
/// Budget per byte of input: compressed containers (QCOW2, streamOptimized VMDK) hold
/// registry and config data at most about 4–5× smaller than it is read.
pub const BUDGET_PER_INPUT_BYTE: u64 = 8;
/// Budget of any machine: half of wasm32's 4 GiB address space.
pub const BUDGET_CEILING: u64 = 2 * 1024 * 1024 * 1024;

/// Bytes read and held for one machine (see the module docs).
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: Cell<u64>,
    /// Charges refused after the first (which is a warning of its own).
    more_refusals: Cell<u64>,
    refused: Cell<bool>,
}

/// A charge that would go over the budget: the part is skipped. Displays as a warning
/// `FILE: STRUCTURE at offset OFFSET: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}: {structure} at offset {offset:#x}: {bytes} bytes would exceed the machine's budget ({used} of {limit} bytes used); skipped"
)]
pub struct OverBudget {
    /// File (volume and path, or hive) being read.
    pub file: String,
    /// What was to be read or kept.
    pub structure: &'static str,
    /// Offset of it in the file.
    pub offset: u64,
    /// Its size.
    pub bytes: u64,
    /// Bytes already charged.
    pub used: u64,
    /// The budget.
    pub limit: u64,
}

impl Budget {
    /// The budget of a machine whose input files total `input_bytes`:
    /// [`BUDGET_PER_INPUT_BYTE`] × input, at least [`BUDGET_FLOOR`], at most [`BUDGET_CEILING`].
    pub fn for_input(input_bytes: u64) -> Self {
        Self::with_limit(input_bytes.saturating_mul(BUDGET_PER_INPUT_BYTE).clamp(BUDGET_FLOOR, BUDGET_CEILING))
    }

    /// A budget of exactly `limit` bytes (tests, callers with their own policy).
    pub fn with_limit(limit: u64) -> Self {
        Self { limit, used: Cell::new(0), more_refusals: Cell::new(0), refused: Cell::new(false) }
    }

    /// Bytes charged so far.
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// The budget.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Charges `bytes` of `structure` at `offset` of `file`.
    ///
    /// # Errors
    /// [`OverBudget`] when the charge would exceed the budget; nothing is charged then.
    pub fn charge(&self, file: &str, structure: &'static str, offset: u64, bytes: u64) -> Result<(), OverBudget> {
        let used = self.used.get();
        match used.checked_add(bytes) {
            Some(total) if total <= self.limit => {
                self.used.set(total);
                Ok(())
            }
            _ => Err(OverBudget { file: file.to_owned(), structure, offset, bytes, used, limit: self.limit }),
        }
    }

    /// Records a refused charge: the first becomes a warning; later ones are counted for
    /// [`Self::summary`] so that a used-up budget is one warning, not one per file.
    pub fn warn(&self, refused: &OverBudget, warnings: &mut Vec<String>) {
        if self.refused.replace(true) {
            self.more_refusals.set(self.more_refusals.get() + 1);
        } else {
            warnings.push(refused.to_string());
        }
    }

    /// The warning counting the refusals after the first, if there were any.
    pub fn summary(&self) -> Option<String> {
        let more = self.more_refusals.get();
        (more > 0)
            .then(|| format!("{more} more parts of this machine were skipped for its budget of {} bytes", self.limit))
    }

    /// Charges the memory `settings` hold (see [`setting_bytes`]), as "settings".
    ///
    /// # Errors
    /// [`OverBudget`], naming `file`.
    pub fn charge_settings<'s>(
        &self,
        file: &str,
        settings: impl IntoIterator<Item = &'s Setting>,
    ) -> Result<(), OverBudget> {
        self.charge(file, "settings decoded from it", 0, settings.into_iter().map(setting_bytes).sum())
    }
}

/// Memory one setting holds: the struct, its strings and its provenance entry.
pub fn setting_bytes(setting: &Setting) -> u64 {
    setting_bytes_without_text() + (setting.path.len() + setting.name.len() + setting.value.len()) as u64
}

/// Memory one setting holds besides its strings.
pub fn setting_bytes_without_text() -> u64 {
    (std::mem::size_of::<Setting>() + std::mem::size_of::<crate::Origin>()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_a_multiple_of_the_input_between_floor_and_ceiling() {
        assert_eq!(Budget::for_input(300_000).limit(), BUDGET_FLOOR);
        assert_eq!(Budget::for_input(100 << 20).limit(), 800 << 20);
        assert_eq!(Budget::for_input(u64::MAX).limit(), BUDGET_CEILING);
    }

    #[test]
    fn a_charge_over_the_budget_is_refused_and_not_counted() {
        let budget = Budget::with_limit(100);
        assert!(budget.charge("v:/a", "file", 0, 60).is_ok());
        let e = budget.charge("v:/b", "hive", 0x1000, 41).unwrap_err();
        assert_eq!(budget.used(), 60);
        assert_eq!(
            e.to_string(),
            "v:/b: hive at offset 0x1000: 41 bytes would exceed the machine's budget (60 of 100 bytes used); skipped"
        );
        assert!(budget.charge("v:/c", "file", 0, 40).is_ok());
    }
}
