// SPDX-License-Identifier: GPL-3.0-or-later
//! The setting model: what every extractor produces and PeerPressure compares.

use serde::{Deserialize, Serialize};

/// What kind of observation a setting is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Registry key + value name → data.
    Registry,
    /// Config file key → value.
    Config,
    /// Directory → presence of one entry.
    Directory,
    /// File → its first line.
    FirstLine,
    /// Log file → number of lines.
    LineCount,
    /// VM configuration (.vmx, .vbox, libvirt XML, OVF, disk header) → parameter.
    Vm,
    /// Installed package → version (dpkg database). Its own kind so that version drift
    /// can be weighed or filtered apart from configuration.
    Package,
    /// Windows service → start mode, type and image path (derived from the registry, see
    /// [`crate::registry::software`]). Its own kind for the same reason as `Package`: an
    /// administrator looks for "the service that is disabled", not for a `Start` DWORD.
    Service,
}

impl Kind {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::Config => "config",
            Self::Directory => "directory",
            Self::FirstLine => "firstline",
            Self::LineCount => "linecount",
            Self::Vm => "vm",
            Self::Package => "package",
            Self::Service => "service",
        }
    }
}

/// Identity of a setting: the same key on two machines is the same setting.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SettingKey {
    /// Kind.
    pub kind: Kind,
    /// Location: a registry key path or an absolute guest path with `/`.
    pub path: String,
    /// Value name, config key (`section/key` for INI), or directory entry.
    pub name: String,
}

/// One canonical setting → value pair. JSON form `{"kind", "path", "name", "value"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Setting {
    /// Kind.
    pub kind: Kind,
    /// Location.
    pub path: String,
    /// Name within the location.
    pub name: String,
    /// Canonical value, as text.
    pub value: String,
}

impl Setting {
    /// The setting's identity.
    pub fn key(&self) -> SettingKey {
        SettingKey { kind: self.kind, path: self.path.clone(), name: self.name.clone() }
    }
}

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
