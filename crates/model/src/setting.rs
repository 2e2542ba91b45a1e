// SPDX-License-Identifier: GPL-3.0-or-later
//! The setting: what every extractor produces and PeerPressure compares.

use serde::{Deserialize, Serialize};

/// What kind of observation a setting is.
///
/// Each kind has a name ([`Kind::as_str`], its JSON and CSV form, parsed back with
/// [`str::parse`]) and a numeric code ([`Kind::code`], its form in binary formats such as
/// share links). Both are stable: a new kind gets the next code.
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
    /// Windows service → start mode, type and image path (derived from the registry by the
    /// settings crate). Its own kind for the same reason as `Package`: an administrator
    /// looks for "the service that is disabled", not for a `Start` DWORD.
    Service,
}

/// Every kind, by its code (index).
const ALL: [Kind; 8] = [
    Kind::Registry,
    Kind::Config,
    Kind::Directory,
    Kind::FirstLine,
    Kind::LineCount,
    Kind::Vm,
    Kind::Package,
    Kind::Service,
];

impl Kind {
    /// Every kind, in code order.
    pub fn all() -> impl ExactSizeIterator<Item = Kind> + Clone {
        ALL.into_iter()
    }

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

    /// Numeric code in binary formats (0 = registry, … 7 = service).
    pub fn code(self) -> u8 {
        match self {
            Self::Registry => 0,
            Self::Config => 1,
            Self::Directory => 2,
            Self::FirstLine => 3,
            Self::LineCount => 4,
            Self::Vm => 5,
            Self::Package => 6,
            Self::Service => 7,
        }
    }

    /// The kind with numeric `code`; `None` for a code this build does not know.
    pub fn from_code(code: u8) -> Option<Self> {
        ALL.get(usize::from(code)).copied()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind {0:?}")]
pub struct UnknownKind(pub String);

impl std::str::FromStr for Kind {
    type Err = UnknownKind;

    /// The kind named `s` exactly as [`Kind::as_str`] writes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::all().find(|k| k.as_str() == s).ok_or_else(|| UnknownKind(s.to_owned()))
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

    /// Whether this setting has `key`, without building a [`SettingKey`].
    pub fn has_key(&self, key: &SettingKey) -> bool {
        self.kind == key.kind && self.path == key.path && self.name == key.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip_for_every_kind() {
        assert_eq!(Kind::all().len(), ALL.len());
        for (i, kind) in Kind::all().enumerate() {
            assert_eq!(usize::from(kind.code()), i);
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            // The name is the serde name.
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert_eq!(Kind::from_code(8), None);
        assert!("Registry".parse::<Kind>().is_err());
    }
}
