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
