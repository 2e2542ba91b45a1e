// SPDX-License-Identifier: GPL-3.0-or-later
//! Warnings: parts of a machine that could not be read (a corrupt hive, a file over the
//! machine's budget). Each is printed to stderr as it is met and counted, so that
//! `--strict` can turn any of them into exit status 1.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::output::terminal_safe;

/// Warnings printed so far (machines are scanned on several threads).
static PRINTED: AtomicUsize = AtomicUsize::new(0);

/// Prints each warning of the machine at `machine` as `vmsift: warning: …` (the warning
/// itself names the file, the structure and the offset).
pub(crate) fn report(machine: &Path, warnings: &[String]) {
    for w in warnings {
        eprintln!("vmsift: warning: {}: {}", terminal_safe(&machine.display().to_string()), terminal_safe(w));
    }
    PRINTED.fetch_add(warnings.len(), Ordering::Relaxed);
}

/// How many warnings were printed.
pub(crate) fn count() -> usize {
    PRINTED.load(Ordering::Relaxed)
}
