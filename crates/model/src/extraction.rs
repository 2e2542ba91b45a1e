// SPDX-License-Identifier: GPL-3.0-or-later
//! Extraction profiles: which files, directories and registry roots to turn into settings
//! (the `settings` crate applies them).

use serde::{Deserialize, Serialize};

/// The profile format version this build reads.
pub const PROFILE_VERSION: u32 = 1;

/// How a file is turned into settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileFormat {
    /// `[section]` + `key = value`; names are case-insensitive.
    Ini,
    /// `key=value` lines; names keep their case.
    KeyValue,
    /// `Key value` lines (sshd_config); names are case-insensitive.
    Whitespace,
    /// The first line of the file.
    FirstLine,
    /// The number of lines (logs: operational data).
    LineCount,
    /// OpenSSH `sshd_config`: case-insensitive keywords, `Match` blocks, multi-valued keywords.
    Sshd,
    /// systemd unit file: `Section/Key`, repeated keys accumulate.
    SystemdUnit,
    /// `/etc/fstab`: per mount point device, type, sorted options, pass.
    Fstab,
    /// `/etc/hosts`: host name → addresses.
    Hosts,
    /// `/etc/resolv.conf`.
    ResolvConf,
    /// `/etc/nsswitch.conf`: database → sources.
    Nsswitch,
    /// sudoers: `Defaults`, aliases, user specifications.
    Sudoers,
    /// `/etc/passwd`: per user uid, gid, home, shell (never the password field).
    Passwd,
    /// `/etc/group`: per group gid and sorted members (never the password field).
    Group,
    /// `/etc/crontab` and `/etc/cron.d/*`: command → schedule and user.
    Crontab,
    /// APT sources (one-line or deb822): `type uri suite` → components.
    AptSources,
    /// dpkg database: installed package → version (kind `package`).
    DpkgStatus,
    /// Netplan YAML (`/etc/netplan/*.yaml`): dotted names per interface (`settings::parse::netplan`).
    Netplan,
    /// ifupdown `/etc/network/interfaces`: per-interface stanza options.
    Interfaces,
    /// `/etc/localtime`: the time zone name from its symlink target, or from the zone
    /// file's TZif footer when it is a copy (name `zone`).
    Localtime,
    /// Linux-PAM service file (`/etc/pam.d/*`): `type/module` → `control args`.
    Pam,
    /// modprobe.d: `options`, `blacklist`, `install`, `remove`, `softdep`, `alias` lines.
    Modprobe,
    /// pam_limits `limits.conf`: `domain/type/item` → value.
    Limits,
    /// pam_access `access.conf`: `users : origins` → `+` or `-`.
    AccessConf,
    /// logrotate: directives per block of log paths.
    Logrotate,
    /// Block YAML flattened to dotted names (cloud-init; the netplan reader).
    Yaml,
    /// Any text file: INI or `key=value` where it reads as such, else first line and line
    /// count ((`settings::parse::sniff`)); binary files and files over
    /// `settings::MAX_SNIFFED_FILE` are skipped.
    Sniff,
}

/// Every format, in declaration order.
const ALL_FORMATS: [FileFormat; 27] = [
    FileFormat::Ini,
    FileFormat::KeyValue,
    FileFormat::Whitespace,
    FileFormat::FirstLine,
    FileFormat::LineCount,
    FileFormat::Sshd,
    FileFormat::SystemdUnit,
    FileFormat::Fstab,
    FileFormat::Hosts,
    FileFormat::ResolvConf,
    FileFormat::Nsswitch,
    FileFormat::Sudoers,
    FileFormat::Passwd,
    FileFormat::Group,
    FileFormat::Crontab,
    FileFormat::AptSources,
    FileFormat::DpkgStatus,
    FileFormat::Netplan,
    FileFormat::Interfaces,
    FileFormat::Localtime,
    FileFormat::Pam,
    FileFormat::Modprobe,
    FileFormat::Limits,
    FileFormat::AccessConf,
    FileFormat::Logrotate,
    FileFormat::Yaml,
    FileFormat::Sniff,
];

impl FileFormat {
    /// Every format (a new variant goes into `ALL_FORMATS` beside this; the exhaustive
    /// match of `index`, checked by a test, makes the compiler point here).
    pub fn all() -> impl ExactSizeIterator<Item = FileFormat> + Clone {
        ALL_FORMATS.into_iter()
    }

    /// Position in [`FileFormat::all`].
    #[cfg(test)]
    fn index(self) -> usize {
        match self {
            Self::Ini => 0,
            Self::KeyValue => 1,
            Self::Whitespace => 2,
            Self::FirstLine => 3,
            Self::LineCount => 4,
            Self::Sshd => 5,
            Self::SystemdUnit => 6,
            Self::Fstab => 7,
            Self::Hosts => 8,
            Self::ResolvConf => 9,
            Self::Nsswitch => 10,
            Self::Sudoers => 11,
            Self::Passwd => 12,
            Self::Group => 13,
            Self::Crontab => 14,
            Self::AptSources => 15,
            Self::DpkgStatus => 16,
            Self::Netplan => 17,
            Self::Interfaces => 18,
            Self::Localtime => 19,
            Self::Pam => 20,
            Self::Modprobe => 21,
            Self::Limits => 22,
            Self::AccessConf => 23,
            Self::Logrotate => 24,
            Self::Yaml => 25,
            Self::Sniff => 26,
        }
    }
}

/// One file rule. `path` is absolute. A component with one `*` matches the entries of its
/// directory (`/etc/sysctl.d/*.conf`; in a middle component, subdirectories:
/// `/etc/systemd/system/*.d/*.conf`); a final `**` matches every file below the directory,
/// at most `settings::MAX_TREE_DEPTH` levels and `settings::MAX_TREE_ENTRIES`
/// entries deep. Names compare case-insensitively. A file matched by an earlier rule is not
/// read again by a later one, so catch-all rules go last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRule {
    /// Path or pattern.
    pub path: String,
    /// Parser.
    pub format: FileFormat,
}

/// Which hive a [`RegistryRule`] walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HiveKind {
    /// `HKLM\SYSTEM`.
    System,
    /// `HKLM\SOFTWARE`.
    Software,
    /// `HKU\.DEFAULT`.
    Default,
    /// `HKLM\SAM` (account names and flags only).
    Sam,
    /// Every user's `NTUSER.DAT` (`HKU\<user>`).
    Ntuser,
}

/// One registry root to extract: every value below `root` (a key path, `\`-separated,
/// case-insensitive, `""` for the whole hive) of `hive`. In SYSTEM, `CurrentControlSet`
/// names the control set `Select\Current` designates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryRule {
    /// Hive.
    pub hive: HiveKind,
    /// Key path below the hive root.
    #[serde(default)]
    pub root: String,
}

/// What to extract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionProfile {
    /// Format version; must equal [`PROFILE_VERSION`].
    pub version: u32,
    /// Files to parse.
    pub files: Vec<FileRule>,
    /// Directories whose entries become presence settings.
    #[serde(default)]
    pub directories: Vec<String>,
    /// Registry roots to walk on Windows volumes.
    #[serde(default)]
    pub registry: Vec<RegistryRule>,
}

/// Errors reading a profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Not valid JSON for a profile.
    #[error("extraction profile: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by a newer vmsift.
    #[error("extraction profile: version {found} is not supported (this build reads version {PROFILE_VERSION})")]
    Version {
        /// Version in the file.
        found: u32,
    },
}

impl ExtractionProfile {
    /// Parses a JSON profile.
    ///
    /// # Errors
    /// Invalid JSON or an unsupported version.
    pub fn from_json(text: &str) -> Result<Self, ProfileError> {
        let profile: Self = serde_json::from_str(text)?;
        if profile.version != PROFILE_VERSION {
            return Err(ProfileError::Version { found: profile.version });
        }
        Ok(profile)
    }
}

impl Default for ExtractionProfile {
    /// The profile shipped with vmsift (`default_profile.json`).
    fn default() -> Self {
        Self::from_json(include_str!("default_profile.json")).expect("the shipped profile is valid (unit-tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profile_parses() {
        let p = ExtractionProfile::from_json(include_str!("default_profile.json")).unwrap();
        assert!(p.files.iter().any(|f| f.path == "/etc/ssh/sshd_config"));
    }

    #[test]
    fn every_format_is_listed_once() {
        for (i, f) in FileFormat::all().enumerate() {
            assert_eq!(f.index(), i, "{f:?}");
        }
    }

    #[test]
    fn future_versions_are_refused() {
        let err = ExtractionProfile::from_json(r#"{"version": 99, "files": []}"#).unwrap_err();
        assert!(err.to_string().contains("version 99"));
    }
}
