// SPDX-License-Identifier: GPL-3.0-or-later
//! Provenance: where a setting's value was read. Kept beside the settings of a
//! [`crate::MachineScan`], never inside a [`crate::Setting`], so peer profiles never carry it.

use serde::{Deserialize, Serialize};

/// Where in its source a setting's value was read: part of its provenance.
///
/// Registry values give the byte offset of their `vk` cell, relative to the start of the
/// hive bins as hive tools print it (the file offset is this plus 4096, the base block);
/// text files give the 1-based line number; sources that cannot say give nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Offset {
    /// Not known (the format's parser does not track positions, or the setting is derived
    /// from several places, like a directory listing).
    Unknown,
    /// Registry: offset of the value's `vk` cell in the hive bins.
    Cell(u32),
    /// Text file: 1-based line number of the line the value comes from (for values
    /// gathered from several lines, the first).
    Line(u32),
    /// Binary file: absolute byte offset in it (disk headers).
    Byte(u64),
}

/// One file settings were read from. Kept once per file in [`crate::MachineScan::sources`]
/// and referred to by index, so provenance costs no string per setting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// Index of the volume in the machine's volumes, or `None` for files given beside the
    /// disks (VM configurations, the disk images themselves).
    pub volume: Option<u32>,
    /// Absolute guest path (`/Windows/System32/config/SYSTEM`, `/etc/ssh/sshd_config`),
    /// or the name of a file given beside the disks.
    pub path: String,
    /// For a registry hive: the key it is mounted at in setting paths (`HKLM\SYSTEM`,
    /// `HKU\<user:1001>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hive: Option<String>,
}

/// Provenance of one setting: an index into [`crate::MachineScan::sources`] and where in
/// that source. Never part of the setting's identity, its JSON form, or peer profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    /// Index into the scan's sources.
    pub source: u32,
    /// Position in the source.
    pub offset: Offset,
}

/// A setting's provenance resolved against its scan: see [`crate::MachineScan::provenance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance<'a> {
    /// The file (or hive) the value was read from.
    pub source: &'a Source,
    /// Where in it.
    pub offset: Offset,
}

impl std::fmt::Display for Provenance<'_> {
    /// `/etc/ssh/sshd_config:12`, `/Windows/System32/config/SYSTEM (HKLM\SYSTEM) cell 0x1a2b0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(v) = self.source.volume {
            write!(f, "volume {v}: ")?;
        }
        f.write_str(&self.source.path)?;
        if let Some(h) = &self.source.hive {
            write!(f, " ({h})")?;
        }
        match self.offset {
            Offset::Unknown => Ok(()),
            Offset::Cell(c) => write!(f, " cell {c:#x}"),
            Offset::Line(l) => write!(f, ":{l}"),
            Offset::Byte(b) => write!(f, " byte {b:#x}"),
        }
    }
}
