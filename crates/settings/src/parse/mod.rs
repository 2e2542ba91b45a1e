// SPDX-License-Identifier: GPL-3.0-or-later
//! Config-file parsers: text in, `(name, raw value)` pairs out. They never fail: a line
//! they do not understand is skipped, as the programs that read these files do.

mod ini;
mod keyvalue;

pub use ini::parse_ini;
pub use keyvalue::{parse_key_value, Separator};

/// Lines parsed at most per file: a multi-megabyte "config" is not one.
pub const MAX_LINES: usize = 100_000;
