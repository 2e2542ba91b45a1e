// SPDX-License-Identifier: GPL-3.0-or-later
//! Extraction: apply an [`ExtractionProfile`] to an opened machine.

use imagefs::{Error as FsError, FileSystem, Machine};

use crate::canon::config_value;
use crate::parse::{
    parse_apt_sources, parse_crontab, parse_dpkg_status, parse_fstab, parse_group, parse_hosts, parse_ini,
    parse_key_value, parse_nsswitch, parse_passwd, parse_resolv_conf, parse_sshd_config, parse_sudoers,
    parse_systemd_unit, Separator,
};
use crate::profile::{ExtractionProfile, FileFormat};
use crate::{Kind, Setting};

/// Config files larger than this are not parsed (they are not config files).
pub const MAX_CONFIG_FILE: u64 = 4 * 1024 * 1024;
/// Log files larger than this are not counted.
pub const MAX_LOG_FILE: u64 = 64 * 1024 * 1024;

/// The settings of one machine, and what it cost to get them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MachineScan {
    /// Detected operating system.
    pub os: Option<String>,
    /// Canonical settings, sorted by key.
    pub settings: Vec<Setting>,
    /// Problems that did not stop extraction (unreadable partitions or files).
    pub warnings: Vec<String>,
    /// Bytes read from the machine's files.
    pub bytes_read: u64,
    /// Read calls issued to the machine's files.
    pub read_calls: u64,
    /// Total size of the machine's files.
    pub total_size: u64,
}

/// Extracts the settings `profile` names from every volume of `machine`.
///
/// A file or directory the profile names but the machine lacks is simply absent; other
/// read errors become warnings. The first volume that has a setting wins.
pub fn scan_machine(machine: &Machine, profile: &ExtractionProfile) -> MachineScan {
    let mut settings = Vec::new();
    let mut warnings: Vec<String> = machine.warnings.iter().map(ToString::to_string).collect();
    for volume in &machine.volumes {
        let fs = &*volume.fs;
        for rule in &profile.files {
            for path in expand(fs, &rule.path, Entries::Files, &mut warnings) {
                match extract_file(fs, &path, rule.format) {
                    Ok(found) => settings.extend(found),
                    Err(FsError::NotFound { .. }) => {}
                    Err(e) => warnings.push(e.to_string()),
                }
            }
        }
        let dirs: Vec<String> =
            profile.directories.iter().flat_map(|d| expand(fs, d, Entries::Dirs, &mut warnings)).collect();
        for dir in dirs {
            match fs.read_dir(&dir) {
                Ok(entries) => settings.extend(entries.into_iter().map(|e| Setting {
                    kind: Kind::Directory,
                    path: dir.clone(),
                    name: e.name,
                    value: "present".into(),
                })),
                Err(FsError::NotFound { .. }) => {}
                Err(e) => warnings.push(e.to_string()),
            }
        }
    }
    for volume in machine
        .volumes
        .iter()
        .filter(|v| imagefs::os::detect_os(&*v.fs).is_some_and(|o| o.family == imagefs::os::OsFamily::Windows))
    {
        let (found, problems) = crate::registry::extract_registry(&*volume.fs, &profile.registry);
        settings.extend(found);
        warnings.extend(problems);
    }
    for file in &machine.config_files {
        settings.extend(crate::vmconfig::extract_source(&**file, &mut warnings));
    }
    // After every extractor, so host names in any file are tokens (rules I1–I6).
    crate::identity::anonymize(&crate::identity::collect_identity(machine), &mut settings);
    settings.sort();
    settings.dedup_by(|a, b| a.key() == b.key());
    let total_size = machine.disks.iter().map(|d| d.source.size()).sum::<u64>()
        + machine.config_files.iter().map(|f| f.size()).sum::<u64>();
    MachineScan {
        os: windows_version(&settings).or_else(|| machine.os.as_ref().map(|o| o.name.clone())),
        settings,
        warnings,
        bytes_read: machine.stats.bytes(),
        read_calls: machine.stats.calls(),
        total_size,
    }
}

/// What a `*` pattern's last component matches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entries {
    /// Files (`/etc/sysctl.d/*.conf`).
    Files,
    /// Subdirectories (`/etc/systemd/system/*.wants`).
    Dirs,
}

/// Expands a pattern whose last component has a `*` against one directory listing; a plain
/// path is returned as is.
fn expand(fs: &dyn FileSystem, pattern: &str, want: Entries, warnings: &mut Vec<String>) -> Vec<String> {
    let Some((dir, last)) = pattern.rsplit_once('/') else { return vec![] };
    let Some((prefix, suffix)) = last.split_once('*') else { return vec![pattern.to_owned()] };
    let dir = if dir.is_empty() { "/" } else { dir };
    match fs.read_dir(dir) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| e.is_dir == (want == Entries::Dirs) && matches_glob(&e.name, prefix, suffix))
            .map(|e| format!("{}/{}", dir.trim_end_matches('/'), e.name))
            .collect(),
        Err(FsError::NotFound { .. }) => vec![],
        Err(e) => {
            warnings.push(e.to_string());
            vec![]
        }
    }
}

fn matches_glob(name: &str, prefix: &str, suffix: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.len() >= prefix.len() + suffix.len()
        && lower.starts_with(&prefix.to_ascii_lowercase())
        && lower.ends_with(&suffix.to_ascii_lowercase())
}

fn extract_file(fs: &dyn FileSystem, path: &str, format: FileFormat) -> Result<Vec<Setting>, FsError> {
    let limit = if format == FileFormat::LineCount { MAX_LOG_FILE } else { MAX_CONFIG_FILE };
    let bytes = fs.read_file(path, limit)?;
    let text = String::from_utf8_lossy(&bytes);
    let config = |pairs: Vec<(String, String)>, fold: bool| {
        pairs
            .into_iter()
            .map(|(name, value)| Setting {
                kind: Kind::Config,
                path: path.to_owned(),
                name: if fold { name.to_lowercase() } else { name },
                value: config_value(&value),
            })
            .collect()
    };
    Ok(match format {
        FileFormat::Ini => config(parse_ini(&text), true),
        FileFormat::Whitespace => config(parse_key_value(&text, Separator::Whitespace), true),
        FileFormat::KeyValue => config(parse_key_value(&text, Separator::Equals), false),
        FileFormat::Sshd => config(parse_sshd_config(&text), false),
        FileFormat::SystemdUnit => config(parse_systemd_unit(&text), false),
        FileFormat::Fstab => config(parse_fstab(&text), false),
        FileFormat::Hosts => config(parse_hosts(&text), false),
        FileFormat::ResolvConf => config(parse_resolv_conf(&text), false),
        FileFormat::Nsswitch => config(parse_nsswitch(&text), false),
        FileFormat::Sudoers => config(parse_sudoers(&text), false),
        FileFormat::Passwd => config(parse_passwd(&text), false),
        FileFormat::Group => config(parse_group(&text), false),
        FileFormat::Crontab => config(parse_crontab(&text, true), false),
        FileFormat::AptSources => config(parse_apt_sources(&text), false),
        FileFormat::DpkgStatus => parse_dpkg_status(&text)
            .into_iter()
            .map(|(name, version)| Setting { kind: Kind::Package, path: path.to_owned(), name, value: version })
            .collect(),
        FileFormat::FirstLine => vec![Setting {
            kind: Kind::FirstLine,
            path: path.to_owned(),
            name: String::new(),
            value: text.lines().next().unwrap_or("").trim().to_owned(),
        }],
        FileFormat::LineCount => vec![Setting {
            kind: Kind::LineCount,
            path: path.to_owned(),
            name: String::new(),
            value: text.lines().count().to_string(),
        }],
    })
}

/// The Windows edition and build from SOFTWARE's `CurrentVersion` key ("Windows 10 Pro
/// (build 19045)"), when the registry was extracted: imagefs only knows the family.
fn windows_version(settings: &[Setting]) -> Option<String> {
    const KEY: &str = "HKLM\\SOFTWARE\\microsoft\\windows nt\\currentversion";
    let value = |name: &str| {
        settings
            .iter()
            .find(|s| s.kind == Kind::Registry && s.path.eq_ignore_ascii_case(KEY) && s.name.eq_ignore_ascii_case(name))
            .map(|s| s.value.trim())
            .filter(|v| !v.is_empty())
    };
    let product = value("productname")?;
    Some(match value("currentbuild").or_else(|| value("currentbuildnumber")) {
        Some(build) => format!("{product} (build {build})"),
        None => product.to_owned(),
    })
}
