// SPDX-License-Identifier: GPL-3.0-or-later
//! Operating-system detection from a volume's files.

use crate::fs::FileSystem;

/// Operating-system families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsFamily {
    /// Microsoft Windows (a `Windows/System32/config` directory).
    Windows,
    /// Linux (an `/etc/os-release` file or an `/etc` directory).
    Linux,
}

/// What was found on a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsInfo {
    /// Family.
    pub family: OsFamily,
    /// Human-readable name (`PRETTY_NAME` of os-release, or "Windows").
    pub name: String,
}

/// Looks for an operating system on `fs`.
pub fn detect_os(fs: &dyn FileSystem) -> Option<OsInfo> {
    if fs.metadata("/Windows/System32/config").is_ok_and(|m| m.is_dir) {
        return Some(OsInfo { family: OsFamily::Windows, name: "Windows".into() });
    }
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Ok(bytes) = fs.read_file(path, 64 * 1024) {
            let text = String::from_utf8_lossy(&bytes);
            let field = |key: &str| {
                text.lines()
                    .filter_map(|l| l.split_once('='))
                    .find(|(k, _)| k.trim() == key)
                    .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            };
            let name = field("PRETTY_NAME").or_else(|| field("NAME")).unwrap_or_else(|| "Linux".into());
            return Some(OsInfo { family: OsFamily::Linux, name });
        }
    }
    if fs.metadata("/etc").is_ok_and(|m| m.is_dir) {
        return Some(OsInfo { family: OsFamily::Linux, name: "Linux".into() });
    }
    None
}
