// SPDX-License-Identifier: GPL-3.0-or-later
//! Depth-first walk of a key tree, bounded and cycle-safe.

use std::collections::HashSet;

use imagefs::Error;

use super::hive::{Data, Hive, Key};

/// Deepest key nesting walked. Windows limits key paths to 512 levels; a deeper chain
/// can only come from a corrupt or crafted hive.
pub const MAX_DEPTH: usize = 512;
/// Most values reported per walk. The largest real hives (SOFTWARE of a busy server) hold
/// a few million values; this stops a crafted hive from producing an endless stream.
pub const MAX_VALUES: usize = 8_000_000;
/// Most keys visited per walk, for the same reason.
pub const MAX_KEYS: usize = 4_000_000;
/// Floor of the work budgets below, so that small hives are never cut short.
pub const MIN_BUDGET: usize = 1 << 20;
/// Bytes of hive bins per subkey reference a walk may follow. A sound hive references each
/// key once, from a subkey list entry of at least 4 bytes, so a walk follows at most one
/// reference per 4 bytes. Index roots that point to the same leaf again and again (or
/// leaves that list the same keys again) multiply the references of one key by up to
/// [`super::hive::MAX_SUBKEYS_PER_KEY`], and every key sharing that list repeats them: a
/// 400 KiB crafted hive asked for billions of stack entries before this bound.
pub const BIN_BYTES_PER_REFERENCE: usize = 4;
/// Bytes of value data read per walk, per byte of hive bins. A sound hive stores each value's
/// data once (big data in distinct segments), so a walk reads at most the bins; value lists
/// that repeat one large value (or big-data lists that repeat one segment) would copy and
/// format it without end.
pub const DATA_BYTES_PER_BIN_BYTE: usize = 2;
/// Errors kept per walk; beyond this only the count grows (a shredded hive would
/// otherwise turn every cell into a message).
pub const MAX_ERRORS: usize = 32;

/// One value met during a walk.
#[derive(Debug)]
pub struct Visit<'v, 'a> {
    /// Key path below the walk's start, components joined with `\` (original case).
    pub path: &'v str,
    /// Value name (`""` for the default value).
    pub name: &'v str,
    /// `REG_*` type.
    pub kind: u32,
    /// The data, or why it could not be read.
    pub data: &'v Result<Data<'a>, Error>,
    /// Offset of the value's `vk` cell in the hive bins (its provenance).
    pub offset: u32,
}

/// Totals of a walk.
#[derive(Debug, Default)]
pub struct WalkStats {
    /// Values reported (including those whose data was unreadable).
    pub values: usize,
    /// Keys visited.
    pub keys: usize,
    /// First [`MAX_ERRORS`] problems met.
    pub errors: Vec<Error>,
    /// All problems met.
    pub error_count: usize,
    /// Whether a bound stopped the walk early.
    pub truncated: bool,
}

impl WalkStats {
    fn error(&mut self, e: Error) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        }
    }
}

/// Walks every key below (and including) `start`, calling `visit` for each value.
pub fn walk<'a>(hive: &Hive<'a>, start: Key<'a>, mut visit: impl FnMut(Visit<'_, 'a>)) -> WalkStats {
    let mut stats = WalkStats::default();
    let bins = hive.bins_len();
    let max_references = (bins / BIN_BYTES_PER_REFERENCE).max(MIN_BUDGET);
    let max_data = bins.saturating_mul(DATA_BYTES_PER_BIN_BYTE).max(MIN_BUDGET);
    let (mut references, mut data_bytes) = (0usize, 0usize);
    // Keys are marked when queued, not when visited: a key listed many times is queued once.
    let mut seen: HashSet<u32> = HashSet::from([start.offset]);
    // (key, depth, length of `path` to restore, name to append)
    let mut stack: Vec<(Key<'a>, usize, usize)> = vec![(start, 0, 0)];
    let mut path = String::new();
    let mut offsets = Vec::new();
    let mut children = Vec::new();
    while let Some((key, depth, path_len)) = stack.pop() {
        stats.keys += 1;
        if stats.keys > MAX_KEYS {
            stats.truncated = true;
            break;
        }
        path.truncate(path_len);
        if depth > 0 {
            if !path.is_empty() {
                path.push('\\');
            }
            path.push_str(&hive.key_name(&key));
        }
        offsets.clear();
        if let Err(e) = hive.values(&key, &mut offsets) {
            stats.error(e);
        }
        for &vo in &offsets {
            match hive.value(vo) {
                Ok(v) => {
                    if stats.values >= MAX_VALUES {
                        stats.truncated = true;
                        return stats;
                    }
                    if data_bytes > max_data {
                        stats.truncated = true;
                        return stats;
                    }
                    stats.values += 1;
                    let name = hive.value_name(&v);
                    let data = hive.value_data(&v);
                    data_bytes = data_bytes.saturating_add(data.as_ref().map_or(0, |d| d.len()));
                    if let Err(e) = &data {
                        stats.error(e.clone());
                    }
                    visit(Visit { path: &path, name: &name, kind: hive.value_type(&v), data: &data, offset: vo });
                }
                Err(e) => stats.error(e),
            }
        }
        if depth >= MAX_DEPTH {
            stats.truncated = true;
            continue;
        }
        children.clear();
        if let Err(e) = hive.subkeys(&key, &mut children) {
            stats.error(e);
        }
        references = references.saturating_add(children.len());
        if references > max_references {
            stats.truncated = true;
            break;
        }
        let here = path.len();
        // Pushed in reverse so that subkeys are visited in on-disk (sorted) order.
        for &child in children.iter().rev() {
            if !seen.insert(child) {
                continue; // listed twice: a cycle or a shared subtree in a corrupt hive
            }
            match hive.subkey(child) {
                Ok(k) => stack.push((k, depth + 1, here)),
                Err(e) => stats.error(e),
            }
        }
    }
    stats
}
