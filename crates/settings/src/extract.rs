// SPDX-License-Identifier: GPL-3.0-or-later
//! Extraction: apply an [`ExtractionProfile`] to an opened machine.

use std::collections::HashMap;
use std::rc::Rc;

use imagefs::{DirEntry, Error as FsError, FileSystem, Machine};

use crate::budget::Budget;

use crate::found::Found;
use crate::{ExtractionProfile, FileFormat};
use crate::{Kind, Setting};
use crate::{MachineScan, Offset};

/// Config files larger than this are not parsed (they are not config files).
pub const MAX_CONFIG_FILE: u64 = 4 * 1024 * 1024;
/// Log files larger than this are not counted.
pub const MAX_LOG_FILE: u64 = 64 * 1024 * 1024;
/// Files larger than this are skipped by a `sniff` rule: a catch-all meets data files too.
pub const MAX_SNIFFED_FILE: u64 = 64 * 1024;
/// Levels below its directory a `**` pattern descends (`/etc/**` reaches `/etc/a/b/c/d/file`).
pub const MAX_TREE_DEPTH: usize = 5;
/// Entries a `**` pattern yields at most (an `/etc` has one to three thousand files).
pub const MAX_TREE_ENTRIES: usize = 4000;
/// Names a `**` file walk never enters or reads: secrets (password hashes, private keys,
/// stored connection secrets) and trees that hold data rather than configuration
/// (certificate stores, the symlink farms of `alternatives` and SysV `rc?.d`).
const TREE_SKIP: &[&str] = &[
    "shadow",
    "shadow-",
    "gshadow",
    "gshadow-",
    "opasswd",
    "ssl",
    "pki",
    "ca-certificates",
    "alternatives",
    "system-connections",
    "rc0.d",
    "rc1.d",
    "rc2.d",
    "rc3.d",
    "rc4.d",
    "rc5.d",
    "rc6.d",
    "rcs.d",
];
/// Files one `*` pattern expands to at most: real configuration directories hold tens.
pub const MAX_GLOB_MATCHES: usize = 1024;

/// Extracts the settings `profile` names from every volume of `machine`, within the
/// machine's [`Budget`] (a multiple of its input size, see [`crate::budget`]).
///
/// A file or directory the profile names but the machine lacks is simply absent; other
/// read errors, and parts skipped for the budget, become warnings. The first volume that
/// has a setting wins.
pub fn scan_machine(machine: &Machine, profile: &ExtractionProfile) -> MachineScan {
    scan_machine_within(machine, profile, &Budget::for_input(machine.stats.input_bytes()))
}

/// [`scan_machine`] with a given budget.
pub fn scan_machine_within(machine: &Machine, profile: &ExtractionProfile, budget: &Budget) -> MachineScan {
    let mut found = Found::default();
    let mut warnings: Vec<String> = machine.warnings.iter().map(ToString::to_string).collect();
    for (index, volume) in machine.volumes.iter().enumerate() {
        found.volume = u32::try_from(index).ok();
        let fs = &*volume.fs;
        let mut listings = Listings::default();
        // Files already read by an earlier rule (lower-cased: FAT and NTFS fold case).
        let mut claimed = std::collections::HashSet::new();
        // Files read so far by file number: another hard link of one is not read again.
        let mut linked: HashMap<u64, Linked> = HashMap::new();
        for rule in &profile.files {
            for path in expand(fs, &mut listings, &rule.path, Entries::Files, &mut warnings) {
                if !claimed.insert(path.to_lowercase()) {
                    continue;
                }
                let file = format!("{}:{path}", fs.volume());
                let id = listings.id_of(fs, &path);
                if let Some(first) = id.and_then(|id| linked.get(&id)).filter(|l| l.format == rule.format) {
                    if let Err(e) = push_link(&mut found, first, &path, &file, budget) {
                        budget.warn(&e, &mut warnings);
                    }
                    continue;
                }
                let start = found.settings.len();
                let pairs = charge_file(fs, &file, &path, rule.format, budget)
                    .and_then(|()| extract_file(fs, &path, rule.format, budget, &file))
                    .and_then(|pairs| {
                        budget.charge_settings(&file, pairs.iter().map(|(s, _)| s)).map_err(Skip::Budget)?;
                        Ok(pairs)
                    });
                match pairs {
                    Ok(pairs) => {
                        if pairs.is_empty() && rule.format == FileFormat::Sniff {
                            continue;
                        }
                        let source = found.source(&path, None);
                        for (setting, offset) in pairs {
                            found.push(source, offset, setting);
                        }
                        if let Some(id) = id {
                            linked.insert(id, Linked { format: rule.format, start, end: found.settings.len() });
                        }
                    }
                    Err(Skip::Fs(FsError::NotFound { .. })) => {}
                    Err(Skip::Budget(e)) => budget.warn(&e, &mut warnings),
                    Err(Skip::Fs(e)) => warnings.push(e.to_string()),
                }
            }
        }
        let dirs: Vec<String> = profile
            .directories
            .iter()
            .flat_map(|d| expand(fs, &mut listings, d, Entries::Dirs, &mut warnings))
            .collect();
        for dir in dirs {
            match listings.get(fs, &dir) {
                Ok(entries) => {
                    let settings: Vec<Setting> = entries
                        .iter()
                        .map(|e| Setting {
                            kind: Kind::Directory,
                            path: dir.clone(),
                            name: e.name.clone(),
                            value: "present".into(),
                        })
                        .collect();
                    if let Err(e) = budget.charge_settings(&format!("{}:{dir}", fs.volume()), &settings) {
                        budget.warn(&e, &mut warnings);
                        continue;
                    }
                    let source = found.source(&dir, None);
                    for setting in settings {
                        // A listing has no offset: the entry's presence is a fact of the directory.
                        found.push(source, Offset::Unknown, setting);
                    }
                }
                Err(FsError::NotFound { .. }) => {}
                Err(e) => warnings.push(e.to_string()),
            }
        }
    }
    let mut identity = crate::identity::collect_identity(machine);
    let mut registry_contexts = Vec::new();
    for (index, volume) in machine.volumes.iter().enumerate() {
        if !imagefs::os::detect_os(&*volume.fs).is_some_and(|o| o.family == imagefs::os::OsFamily::Windows) {
            continue;
        }
        found.volume = u32::try_from(index).ok();
        let ctx =
            crate::registry::extract_registry_into(&*volume.fs, &profile.registry, &mut found, &mut warnings, budget);
        // The computer name names the machine in its other files too (rule I7).
        for h in &ctx.hostnames {
            identity.add_hostname(h);
        }
        for n in &ctx.full_names {
            identity.add_full_name(n);
        }
        for u in &ctx.users {
            identity.add_user(&u.name, None);
        }
        registry_contexts.push(ctx);
    }
    found.volume = None;
    for file in &machine.config_files {
        // The parser reads at most MAX_VM_CONFIG bytes of it.
        let size = file.size().min(crate::vmconfig::MAX_VM_CONFIG);
        if let Err(e) = budget.charge(file.name(), "VM configuration file", 0, size) {
            budget.warn(&e, &mut warnings);
            continue;
        }
        let found_here = crate::vmconfig::extract_source(&**file, &mut warnings);
        if let Err(e) = budget.charge_settings(file.name(), found_here.iter().map(|(s, _)| s)) {
            budget.warn(&e, &mut warnings);
            continue;
        }
        if !found_here.is_empty() {
            let source = found.source(file.name(), None);
            for (setting, offset) in found_here {
                found.push(source, offset, setting);
            }
        }
    }
    for (setting, file) in crate::vmconfig::disk_settings(&machine.disks) {
        let source = match found.sources.iter().position(|s| s.volume.is_none() && s.path == file) {
            Some(i) => u32::try_from(i).unwrap_or(u32::MAX),
            None => found.source(&file, None),
        };
        // Unknown: `imagefs`'s container `Layer` gives the facts, not where in the header each
        // field sits (and `virtual_size` of VHDX/VMDK comes from metadata/descriptor, not one field).
        found.push(source, Offset::Unknown, setting);
    }
    warnings.extend(budget.summary());
    // After every extractor, so host names in any file are tokens (rules I1–I7).
    crate::identity::anonymize(&identity, &mut found.settings);
    // Warnings name files (`/Users/alice/NTUSER.DAT`) and reach exports too.
    for w in &mut warnings {
        for ctx in &registry_contexts {
            *w = ctx.anonymize_text(w);
        }
        *w = identity.text("", w);
    }
    let mut scan = MachineScan::with_origins(found.settings, found.origins, found.sources);
    scan.os = windows_version(scan.settings()).or_else(|| machine.os.as_ref().map(|o| o.name.clone()));
    scan.warnings = warnings;
    scan.bytes_read = machine.stats.bytes();
    scan.read_calls = machine.stats.calls();
    scan.total_size = machine.disks.iter().map(|d| d.source.size()).sum::<u64>()
        + machine.config_files.iter().map(|f| f.size()).sum::<u64>();
    scan
}

/// Why a file's settings were not taken.
#[derive(Debug, thiserror::Error)]
enum Skip {
    /// The filesystem could not read it.
    #[error(transparent)]
    Fs(FsError),
    /// Reading or keeping it would exceed the machine's budget.
    #[error(transparent)]
    Budget(crate::budget::OverBudget),
}

/// The settings of `first`, a file already read, again for `path`, another of its hard
/// links: charged as settings (they are kept twice), not as a read (nothing is read).
fn push_link(
    found: &mut Found,
    first: &Linked,
    path: &str,
    file: &str,
    budget: &Budget,
) -> Result<(), crate::budget::OverBudget> {
    let range = first.start..first.end.min(found.settings.len());
    let originals = found.settings.get(range.clone()).unwrap_or_default();
    // What the copies will hold, known before copying (only the path differs).
    let bytes =
        originals.iter().map(|s| crate::budget::setting_bytes(s) - s.path.len() as u64 + path.len() as u64).sum();
    budget.charge(file, "settings of its hard link", 0, bytes)?;
    let copies: Vec<(Setting, Offset)> = range
        .filter_map(|i| Some((found.settings.get(i)?, found.origins.get(i)?)))
        .map(|(s, o)| (Setting { path: path.to_owned(), ..s.clone() }, o.offset))
        .collect();
    let source = found.source(path, None);
    for (setting, offset) in copies {
        found.push(source, offset, setting);
    }
    Ok(())
}

/// Charges the bytes [`extract_file`] will read of `path` (its size, when within the
/// format's limit) before they are read: a sparse 64 MiB file in a 300 KB image is refused unread.
fn charge_file(fs: &dyn FileSystem, file: &str, path: &str, format: FileFormat, budget: &Budget) -> Result<(), Skip> {
    let limit = match format {
        FileFormat::LineCount => MAX_LOG_FILE,
        FileFormat::Sniff => MAX_SNIFFED_FILE,
        // Often a symbolic link whose target is not in the image (only its name is read):
        // charged at the most a zone file is read, without looking it up.
        FileFormat::Localtime => {
            fs.read_link(path).map_err(Skip::Fs)?; // absent: nothing to charge
            let most = crate::parse::localtime::MAX_TZIF_FILE;
            return budget.charge(file, "file", 0, most).map_err(Skip::Budget);
        }
        _ => MAX_CONFIG_FILE,
    };
    let size = fs.metadata(path).map_err(Skip::Fs)?.size;
    if size > limit {
        return Ok(()); // not read: the read refuses it (`Error::TooLarge`)
    }
    budget.charge(file, "file", 0, size).map_err(Skip::Budget)
}

/// Directory listings of one volume, each read once per scan: patterns and directory rules
/// that name the same directory share its listing.
#[derive(Default)]
struct Listings {
    cache: HashMap<String, Result<Rc<Vec<DirEntry>>, FsError>>,
}

impl Listings {
    fn get(&mut self, fs: &dyn FileSystem, dir: &str) -> Result<Rc<Vec<DirEntry>>, FsError> {
        self.cache.entry(dir.to_owned()).or_insert_with(|| fs.read_dir(dir).map(Rc::new)).clone()
    }

    /// The file number ([`DirEntry::id`]) of `path`, from its directory's listing (exact
    /// name first, else ignoring ASCII case as FAT and NTFS do); `None` for the root, a
    /// path not found, or a filesystem without numbers.
    fn id_of(&mut self, fs: &dyn FileSystem, path: &str) -> Option<u64> {
        let (dir, name) = path.rsplit_once('/')?;
        let entries = self.get(fs, if dir.is_empty() { "/" } else { dir }).ok()?;
        let entry = entries
            .iter()
            .find(|e| e.name == name)
            .or_else(|| entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)))?;
        entry.id
    }
}

/// A file already read under another name (a hard link): where its settings are in
/// [`Found`], so a later link takes them again without reading or parsing the file.
struct Linked {
    /// Format it was read as: another rule's format reads it again.
    format: FileFormat,
    /// `found.settings[start..end]` came from it.
    start: usize,
    end: usize,
}

/// What a pattern's last component matches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entries {
    /// Files (`/etc/sysctl.d/*.conf`).
    Files,
    /// Directories (`/etc/systemd/system/*.wants`).
    Dirs,
}

/// Expands a pattern (see [`crate::FileRule`]): literal components are kept as
/// written, a component with `*` matches entries of the directories found so far (at most
/// [`MAX_GLOB_MATCHES`] per directory), a final `**` every file (or, for [`Entries::Dirs`],
/// every directory including its own) below them.
fn expand(
    fs: &dyn FileSystem,
    listings: &mut Listings,
    pattern: &str,
    want: Entries,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    if !pattern.starts_with('/') {
        return vec![];
    }
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let mut current = vec![String::new()];
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if *part == "**" {
            return if last {
                current.iter().flat_map(|dir| walk_tree(fs, listings, dir, want, warnings)).collect()
            } else {
                vec![]
            };
        }
        let Some((prefix, suffix)) = part.split_once('*') else {
            for dir in &mut current {
                dir.push('/');
                dir.push_str(part);
            }
            continue;
        };
        let wants_dirs = !last || want == Entries::Dirs;
        let mut next = Vec::new();
        for dir in &current {
            let entries = list(fs, listings, dir, warnings);
            let mut matches = entries
                .iter()
                .filter(|e| e.is_dir == wants_dirs && matches_glob(&e.name, prefix, suffix))
                .map(|e| format!("{dir}/{}", e.name));
            next.extend(matches.by_ref().take(MAX_GLOB_MATCHES));
            let more = matches.count();
            if more > 0 {
                warnings.push(format!(
                    "{}:{dir}: directory listing at offset 0x0: {pattern} matches {} entries; the first {MAX_GLOB_MATCHES} were read",
                    fs.volume(),
                    MAX_GLOB_MATCHES + more
                ));
            }
        }
        current = next;
    }
    current
}

/// Entries of `dir` (`""` is the root), listed once per scan; a missing directory has
/// none, other errors warn.
fn list(fs: &dyn FileSystem, listings: &mut Listings, dir: &str, warnings: &mut Vec<String>) -> Rc<Vec<DirEntry>> {
    match listings.get(fs, if dir.is_empty() { "/" } else { dir }) {
        Ok(entries) => entries,
        Err(FsError::NotFound { .. }) => Rc::default(),
        Err(e) => {
            warnings.push(e.to_string());
            Rc::default()
        }
    }
}

/// Files (or directories, `root` included) below `root`, breadth first, bounded by
/// [`MAX_TREE_DEPTH`] and [`MAX_TREE_ENTRIES`], never entering [`TREE_SKIP`] names.
fn walk_tree(
    fs: &dyn FileSystem,
    listings: &mut Listings,
    root: &str,
    want: Entries,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    if want == Entries::Dirs && fs.metadata(root).is_ok_and(|m| m.is_dir) {
        out.push(root.to_owned());
    }
    // Each directory with the file numbers of the directories above it, from `root` down:
    // an entry with one of them leads back up (a directory hard link, a link to an ancestor)
    // and is not walked again.
    let top: Vec<(u64, String)> = listings.id_of(fs, root).map(|id| (id, root.to_owned())).into_iter().collect();
    let mut level = vec![(root.to_owned(), top)];
    for _ in 0..MAX_TREE_DEPTH {
        let mut next = Vec::new();
        for (dir, above) in &level {
            let mut entries: Vec<&DirEntry> = Vec::new();
            let listed = list(fs, listings, dir, warnings);
            entries.extend(listed.iter());
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            for e in entries {
                if TREE_SKIP.iter().any(|s| e.name.eq_ignore_ascii_case(s)) || is_key_file(&e.name) {
                    continue;
                }
                if out.len() >= MAX_TREE_ENTRIES {
                    warnings.push(format!("{}: {root}/** stops at {MAX_TREE_ENTRIES} entries", fs.volume()));
                    return out;
                }
                let path = format!("{dir}/{}", e.name);
                if e.is_dir {
                    if let Some((id, ancestor)) = above.iter().find(|(id, _)| e.id == Some(*id)) {
                        warnings.push(format!(
                            "{}:{path}: directory entry at offset 0x0: leads back to {} (file number {id}), a directory loop; not walked again",
                            fs.volume(),
                            if ancestor.is_empty() { "/" } else { ancestor.as_str() }
                        ));
                        continue;
                    }
                    if want == Entries::Dirs {
                        out.push(path.clone());
                    }
                    let mut chain = above.clone();
                    chain.extend(e.id.map(|id| (id, path.clone())));
                    next.push((path, chain));
                } else if want == Entries::Files {
                    out.push(path);
                }
            }
        }
        level = next;
    }
    out
}

/// Private keys by their conventional names (`ssh_host_ed25519_key`, `server.key`).
fn is_key_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("ssh_host_") && !lower.ends_with(".pub")) || lower.ends_with(".key") || lower.contains("secret")
}

fn matches_glob(name: &str, prefix: &str, suffix: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.len() >= prefix.len() + suffix.len()
        && lower.starts_with(&prefix.to_ascii_lowercase())
        && lower.ends_with(&suffix.to_ascii_lowercase())
}

fn extract_file(
    fs: &dyn FileSystem,
    path: &str,
    format: FileFormat,
    budget: &Budget,
    file: &str,
) -> Result<Vec<(Setting, Offset)>, Skip> {
    if format == FileFormat::Localtime {
        return localtime(fs, path).map_err(Skip::Fs);
    }
    if format == FileFormat::Sniff {
        return sniffed(fs, path).map_err(Skip::Fs);
    }
    let limit = if format == FileFormat::LineCount { MAX_LOG_FILE } else { MAX_CONFIG_FILE };
    let bytes = fs.read_file(path, limit).map_err(Skip::Fs)?;
    if format != FileFormat::LineCount {
        // Each line may become a setting: a file whose lines' settings cannot fit in what is
        // left of the budget is refused before it is parsed (the exact cost is charged after).
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let least = lines.saturating_mul(crate::budget::setting_bytes_without_text() + path.len() as u64);
        if least > budget.limit().saturating_sub(budget.used()) {
            let used = budget.used();
            let limit = budget.limit();
            let structure = "settings of its lines";
            return Err(Skip::Budget(crate::budget::OverBudget {
                file: file.to_owned(),
                structure,
                offset: 0,
                bytes: least,
                used,
                limit,
            }));
        }
    }
    Ok(crate::parse::parse(format, path, &String::from_utf8_lossy(&bytes)))
}

/// A file under a `sniff` rule: skipped when larger than [`MAX_SNIFFED_FILE`] or binary
/// (a NUL byte), else read as its syntax sniffs ([`sniff::sniff_syntax`]), secrets redacted.
fn sniffed(fs: &dyn FileSystem, path: &str) -> Result<Vec<(Setting, Offset)>, FsError> {
    if fs.metadata(path)?.size > MAX_SNIFFED_FILE {
        return Ok(vec![]);
    }
    let bytes = fs.read_file(path, MAX_SNIFFED_FILE)?;
    if bytes.contains(&0) {
        return Ok(vec![]);
    }
    Ok(crate::parse::parse(FileFormat::Sniff, path, &String::from_utf8_lossy(&bytes)))
}

/// `/etc/localtime` → one setting `zone` (see [`crate::parse::localtime`]).
fn localtime(fs: &dyn FileSystem, path: &str) -> Result<Vec<(Setting, Offset)>, FsError> {
    use crate::parse::localtime::{zone_from_link, zone_from_tzif, MAX_TZIF_FILE};
    let setting = |value| Setting { kind: Kind::Config, path: path.to_owned(), name: "zone".into(), value };
    if let Some(target) = fs.read_link(path)? {
        if let Some(zone) = zone_from_link(&target) {
            // A symbolic link's target has no position in a file.
            return Ok(vec![(setting(zone), Offset::Unknown)]);
        }
    }
    // A copy of the zone file, or a link outside the zone database (followed by the read).
    let bytes = fs.read_file(path, MAX_TZIF_FILE)?;
    Ok(zone_from_tzif(&bytes).map(|(v, at)| (setting(v), Offset::Byte(at))).into_iter().collect())
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
