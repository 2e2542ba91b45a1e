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
    let mut seen: HashSet<u32> = HashSet::new();
    // (key, depth, length of `path` to restore, name to append)
    let mut stack: Vec<(Key<'a>, usize, usize)> = vec![(start, 0, 0)];
    let mut path = String::new();
    let mut offsets = Vec::new();
    let mut children = Vec::new();
    while let Some((key, depth, path_len)) = stack.pop() {
        if !seen.insert(key.offset) {
            continue; // reached twice: a cycle or a shared subtree in a corrupt hive
        }
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
                    stats.values += 1;
                    let name = hive.value_name(&v);
                    let data = hive.value_data(&v);
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
        let here = path.len();
        // Pushed in reverse so that subkeys are visited in on-disk (sorted) order.
        for &child in children.iter().rev() {
            match hive.subkey(child) {
                Ok(k) => stack.push((k, depth + 1, here)),
                Err(e) => stats.error(e),
            }
        }
    }
    stats
}
