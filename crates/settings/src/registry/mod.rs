// SPDX-License-Identifier: GPL-3.0-or-later
//! Windows registry extraction: open the hives of a Windows volume, replay the transaction
//! logs of dirty ones, walk the profile's roots and turn every value into a canonical
//! [`Setting`] of kind [`Kind::Registry`].
//!
//! Hives read (through [`FileSystem::read_file`], at most [`MAX_HIVE_FILE`] bytes each):
//!
//! | file | setting path prefix |
//! |---|---|
//! | `Windows/System32/config/SYSTEM` | `HKLM\SYSTEM\` |
//! | `Windows/System32/config/SOFTWARE` | `HKLM\SOFTWARE\` |
//! | `Windows/System32/config/DEFAULT` | `HKU\.DEFAULT\` |
//! | `Windows/System32/config/SAM` | `HKLM\SAM\` (account names and flags only, see below) |
//! | `Users/<name>/NTUSER.DAT` | `HKU\<user:RID>\` (SID from SOFTWARE `ProfileList`, else the RID of the SAM local account the folder is named after), or `HKU\<user:unlisted-N>\` (N by folder name) for another profile folder `ProfileList` does not name |
//!
//! SAM: only `SAM\Domains\Account\Users\Names\<account>` is read, giving one setting per
//! account (`name` = account, `<user:RID>` for RIDs ≥ 1000) whose value is the account's
//! control flags (`acb=0x…`, from offset 0x38 of the account's `F` value: disabled, password
//! not required, …). The `V` value, which holds the password hashes, is never read.

mod context;
pub mod hive;
pub mod log;
pub mod software;
pub mod value;
pub mod walk;

use imagefs::{Error, FileSystem};

use crate::budget::{Budget, BUDGET_CEILING};
use crate::canon::{RegistryContext, UserProfile};
use crate::found::Found;
use crate::{Kind, Setting};
use crate::{Offset, Origin, Source};
use context::{local_account_names, person_names, profiles, system_context};
pub use hive::{BaseBlock, Hive};
pub use model::{HiveKind, RegistryRule};
pub use value::{format_value, MAX_HEX_BYTES, MULTI_SZ_SEPARATOR};
pub use walk::{MAX_DEPTH, MAX_KEYS, MAX_VALUES};

/// Hives larger than this are not read. The largest real hives (SOFTWARE, COMPONENTS) stay
/// below 300 MiB; the whole file is held in memory for the walk.
pub const MAX_HIVE_FILE: u64 = 512 * 1024 * 1024;
/// Transaction logs larger than this are not read.
pub const MAX_LOG_FILE: u64 = 256 * 1024 * 1024;
/// Most user profiles read (each costs one NTUSER.DAT).
pub const MAX_PROFILES: usize = 256;
/// Folders under `Users` that are templates, not user profiles (Windows creates them).
const TEMPLATE_PROFILES: &[&str] = &["Default", "Default User", "Public", "All Users"];
/// Directory of the machine hives.
const CONFIG_DIR: &str = "/Windows/System32/config";

/// One value found by [`walk_hive`], before canonicalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    /// Key path below the hive root (original case, `\`-separated).
    pub path: String,
    /// Value name (`""` for the default value).
    pub name: String,
    /// `REG_*` type.
    pub kind: u32,
    /// Text as [`format_value`] gives it, or `<unreadable>` when the data is corrupt.
    pub text: String,
}

/// Text of a value whose data could not be read (the error becomes a warning).
pub const UNREADABLE: &str = "<unreadable>";

/// A hive file loaded into memory, its logs replayed if it was dirty.
#[derive(Debug, Clone)]
pub struct LoadedHive {
    /// Path of the hive file (for messages).
    pub name: String,
    /// The hive bytes (patched by the replay).
    pub bytes: Vec<u8>,
    /// Log files applied.
    pub replayed: Vec<String>,
}

impl LoadedHive {
    /// Opens the hive for walking.
    ///
    /// # Errors
    /// Not a hive, or its root key is broken.
    pub fn hive(&self) -> Result<Hive<'_>, Error> {
        Hive::new(&self.bytes, &self.name)
    }
}

/// Prepares hive bytes: checks the magic and, when the hive is dirty, replays `logs`.
/// A replay failure is not fatal: the hive is used as it is and a warning says so.
///
/// # Errors
/// The bytes are not a hive (no `regf` base block).
pub fn load_hive(
    name: &str,
    mut bytes: Vec<u8>,
    logs: &[log::LogFile<'_>],
    warnings: &mut Vec<String>,
) -> Result<LoadedHive, Error> {
    let base = BaseBlock::parse(&bytes, name)?;
    let mut replayed = Vec::new();
    if base.is_dirty() {
        match log::replay(&mut bytes, name, logs) {
            Ok(r) => replayed = r.applied,
            Err(e) => warnings.push(format!(
                "{name}: regf base block at offset 0x0: the hive is dirty and its logs could not be replayed ({e})"
            )),
        }
    }
    Ok(LoadedHive { name: name.to_owned(), bytes, replayed })
}

/// Walks a whole hive with no filter and no canonicalization: every value, as
/// `hivexregedit --export` would list it. Problems met become the second result.
///
/// # Errors
/// Not a hive, or its root key is broken.
pub fn walk_hive(hive: &Hive<'_>) -> Result<(Vec<RawValue>, Vec<Error>), Error> {
    let mut out = Vec::new();
    let stats = walk::walk(hive, hive.root()?, |v| {
        out.push(RawValue {
            path: v.path.to_owned(),
            name: v.name.to_owned(),
            kind: v.kind,
            text: match v.data {
                Ok(d) => format_value(v.kind, d),
                Err(_) => UNREADABLE.into(),
            },
        });
    });
    Ok((out, stats.errors))
}

/// Counts the values of a whole hive, formatting each (what the benchmark measures).
///
/// # Errors
/// Not a hive, or its root key is broken.
pub fn count_values(hive: &Hive<'_>) -> Result<(usize, usize), Error> {
    let mut text_bytes = 0usize;
    let stats = walk::walk(hive, hive.root()?, |v| {
        if let Ok(d) = v.data {
            text_bytes += format_value(v.kind, d).len();
        }
    });
    Ok((stats.values, text_bytes))
}

/// Charges the bytes `read_file(path, limit)` will read (the file's size, when within
/// `limit`) before they are read. `None` (with a warning unless the file is absent) when refused.
fn charge_read(
    fs: &dyn FileSystem,
    path: &str,
    structure: &'static str,
    limit: u64,
    budget: &Budget,
    warnings: &mut Vec<String>,
) -> Option<()> {
    let size = match fs.metadata(path) {
        Ok(m) => m.size,
        Err(Error::NotFound { .. }) => return None,
        Err(e) => {
            warnings.push(e.to_string());
            return None;
        }
    };
    if size > limit {
        return Some(()); // not read: `read_file` refuses it with a warning
    }
    match budget.charge(&format!("{}:{path}", fs.volume()), structure, 0, size) {
        Ok(()) => Some(()),
        Err(e) => {
            budget.warn(&e, warnings);
            None
        }
    }
}

/// Reads a hive and the `.LOG`, `.LOG1`, `.LOG2` files next to it, each charged to `budget`.
fn read_hive(fs: &dyn FileSystem, path: &str, warnings: &mut Vec<String>, budget: &Budget) -> Option<LoadedHive> {
    charge_read(fs, path, "hive", MAX_HIVE_FILE, budget, warnings)?;
    let bytes = match fs.read_file(path, MAX_HIVE_FILE) {
        Ok(b) => b,
        Err(Error::NotFound { .. }) => return None,
        Err(e) => {
            warnings.push(e.to_string());
            return None;
        }
    };
    let base = match BaseBlock::parse(&bytes, path) {
        Ok(b) => b,
        Err(e) => {
            warnings.push(e.to_string());
            return None;
        }
    };
    let mut log_bytes: Vec<(String, Vec<u8>)> = Vec::new();
    if base.is_dirty() {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let wanted: Vec<String> =
            ["log", "log1", "log2"].iter().map(|e| format!("{}.{e}", file.to_lowercase())).collect();
        match fs.read_dir(if dir.is_empty() { "/" } else { dir }) {
            Ok(entries) => {
                for e in entries.iter().filter(|e| !e.is_dir && wanted.contains(&e.name.to_lowercase())) {
                    let log_path = format!("{dir}/{}", e.name);
                    if charge_read(fs, &log_path, "transaction log", MAX_LOG_FILE, budget, warnings).is_none() {
                        continue;
                    }
                    match fs.read_file(&log_path, MAX_LOG_FILE) {
                        Ok(b) => log_bytes.push((log_path, b)),
                        Err(err) => warnings.push(err.to_string()),
                    }
                }
            }
            Err(e) => warnings.push(e.to_string()),
        }
    }
    let logs: Vec<log::LogFile<'_>> =
        log_bytes.iter().map(|(n, b)| log::LogFile { name: n.as_str(), bytes: b.as_slice() }).collect();
    let read_len = bytes.len();
    match load_hive(path, bytes, &logs, warnings) {
        Ok(h) => {
            // The replay may grow the hive (by at most what its logs hold).
            let grown = h.bytes.len().saturating_sub(read_len) as u64;
            if let Err(e) = budget.charge(&format!("{}:{path}", fs.volume()), "replayed hive", 0, grown) {
                budget.warn(&e, warnings);
                return None;
            }
            Some(h)
        }
        Err(e) => {
            warnings.push(e.to_string());
            None
        }
    }
}

/// Settings of one hive under the rules for `kind`.
fn extract_hive(
    loaded: &LoadedHive,
    kind: HiveKind,
    prefix: &str,
    rules: &[RegistryRule],
    ctx: &RegistryContext,
    out: &mut Found,
    warnings: &mut Vec<String>,
) {
    let hive = match loaded.hive() {
        Ok(h) => h,
        Err(e) => {
            warnings.push(e.to_string());
            return;
        }
    };
    let Ok(root) = hive.root() else { return };
    let source = out.source(&loaded.name, Some(prefix.to_owned()));
    software::derive(&hive, &root, kind, prefix, ctx, source, out);
    for rule in rules.iter().filter(|r| r.hive == kind) {
        // In SYSTEM, `CurrentControlSet` in a rule means the current ControlSet00N.
        let mut start_path = rule.root.trim_matches('\\').to_owned();
        if kind == HiveKind::System {
            let lower = start_path.to_ascii_lowercase();
            if lower == "currentcontrolset" || lower.starts_with("currentcontrolset\\") {
                let Some(n) = ctx.current_control_set else { continue };
                start_path = format!("ControlSet{n:03}{}", start_path.get("currentcontrolset".len()..).unwrap_or(""));
            }
        }
        let Some(start) = hive.find_path(&root, &start_path) else { continue };
        // Values of one key come together: canonicalize each key path once.
        let mut last_key: Option<(String, Option<String>)> = None;
        let stats = walk::walk(&hive, start, |v| {
            if last_key.as_ref().is_none_or(|(raw, _)| raw != v.path) {
                let full = match (start_path.is_empty(), v.path.is_empty()) {
                    (true, _) => v.path.to_owned(),
                    (false, true) => start_path.clone(),
                    (false, false) => format!("{start_path}\\{}", v.path),
                };
                let path = if kind == HiveKind::System { ctx.control_set_path(&full) } else { Some(full) };
                let canonical =
                    path.map(|p| format!("{prefix}\\{}", ctx.key_path(&p)).trim_end_matches('\\').to_owned());
                last_key = Some((v.path.to_owned(), canonical));
            }
            let Some((_, Some(path))) = &last_key else { return };
            let (text, data): (String, &[u8]) = match v.data {
                Ok(d) => (format_value(v.kind, d), d),
                Err(_) => (UNREADABLE.into(), &[]),
            };
            // A person's name is a token whatever it is (rule R15), even one not collected.
            let value = if crate::canon::is_person_name_value(path, v.name) && !text.trim().is_empty() {
                "<fullname>".to_owned()
            } else {
                ctx.value_from(v.name, v.kind, data, text)
            };
            out.push(
                source,
                Offset::Cell(v.offset),
                Setting { kind: Kind::Registry, path: path.clone(), name: ctx.value_name(v.name), value },
            );
        });
        if stats.error_count > 0 {
            let first = stats.errors.first().map(ToString::to_string).unwrap_or_default();
            warnings.push(format!(
                "{}: {} problems while walking {} (first: {first})",
                loaded.name, stats.error_count, rule.root
            ));
        }
        if stats.truncated {
            warnings.push(format!("{}: walk of {} stopped at a size or depth limit", loaded.name, rule.root));
        }
    }
}

/// SAM accounts: names and control flags, never hashes (see the module docs).
fn extract_sam(loaded: &LoadedHive, out: &mut Found) {
    let Ok(hive) = loaded.hive() else { return };
    let Ok(root) = hive.root() else { return };
    let source = out.source(&loaded.name, Some("HKLM\\SAM".to_owned()));
    let Some(users) = hive.find_path(&root, "SAM\\Domains\\Account\\Users") else { return };
    let Some(names) = hive.find_subkey(&users, "Names") else { return };
    let mut offsets = Vec::new();
    if hive.subkeys(&names, &mut offsets).is_err() {
        return;
    }
    for key in offsets.iter().filter_map(|&o| hive.subkey(o).ok()) {
        let account = hive.key_name(&key);
        // The RID is stored as the type of the account's default value.
        let mut vals = Vec::new();
        if hive.values(&key, &mut vals).is_err() {
            continue;
        }
        let Some((rid, cell)) = vals
            .iter()
            .filter_map(|&o| hive.value(o).ok())
            .find(|v| hive.value_name(v).is_empty())
            .map(|v| (hive.value_type(&v), v.offset))
        else {
            continue;
        };
        let flags = hive
            .find_subkey(&users, &format!("{rid:08X}"))
            .and_then(|k| {
                let mut vs = Vec::new();
                hive.values(&k, &mut vs).ok()?;
                let f = vs.iter().filter_map(|&o| hive.value(o).ok()).find(|v| hive.value_name(v) == "F")?;
                let d = hive.value_data(&f).ok()?;
                hive::le16(&d, 0x38)
            })
            .map_or_else(|| "acb=unknown".to_owned(), |f| format!("acb={f:#06x}"));
        let name = if rid >= 1000 { format!("<user:{rid}>") } else { account.to_lowercase() };
        out.push(
            source,
            Offset::Cell(cell),
            Setting {
                kind: Kind::Registry,
                path: "HKLM\\SAM\\sam\\domains\\account\\users".into(),
                name,
                value: flags,
            },
        );
    }
}

/// The registry settings of one Windows volume under `rules`, each with its provenance
/// ([`Origin`]: the value's cell offset), the hive files the origins refer to, and
/// warnings (unreadable or corrupt hives, dirty hives whose logs could not be replayed).
/// Besides the raw values, installed programs and services are derived (see [`software`]).
pub fn extract_registry(
    fs: &dyn FileSystem,
    rules: &[RegistryRule],
) -> (Vec<(Setting, Origin)>, Vec<Source>, Vec<String>) {
    let mut found = Found::default();
    let mut warnings = Vec::new();
    extract_registry_into(fs, rules, &mut found, &mut warnings, &Budget::with_limit(BUDGET_CEILING));
    (found.settings.into_iter().zip(found.origins).collect(), found.sources, warnings)
}

/// [`extract_registry`] into `found` with provenance (sources on `found.volume`).
/// Returns the context read from the hives (computer name, users), which the identity pass
/// applies to the machine's other settings.
pub(crate) fn extract_registry_into(
    fs: &dyn FileSystem,
    rules: &[RegistryRule],
    found: &mut Found,
    warnings: &mut Vec<String>,
    budget: &Budget,
) -> RegistryContext {
    let mut ctx = RegistryContext::default();
    if rules.is_empty() {
        return ctx;
    }
    let wants = |k: HiveKind| rules.iter().any(|r| r.hive == k);
    let system = read_hive(fs, &format!("{CONFIG_DIR}/SYSTEM"), warnings, budget);
    if let Some(h) = &system {
        if let Ok(hive) = h.hive() {
            system_context(&hive, &mut ctx, warnings);
        }
    }
    let software = read_hive(fs, &format!("{CONFIG_DIR}/SOFTWARE"), warnings, budget);
    let sam = if wants(HiveKind::Sam) { read_hive(fs, &format!("{CONFIG_DIR}/SAM"), warnings, budget) } else { None };
    let mut profile_dirs = Vec::new();
    if let Some(h) = &software {
        if let Ok(hive) = h.hive() {
            for (user, dir) in profiles(&hive) {
                profile_dirs.push((sid_token_for(&user.sid), dir));
                ctx.users.push(user);
            }
            person_names(&hive, &mut ctx);
        }
    }
    // Local accounts without a profile (never logged on, or whose profile entry is gone)
    // are user names too (rule R5): they appear in Winlogon and LogonUI values.
    let mut local_accounts = Vec::new();
    if let Some(hive) = sam.as_ref().and_then(|h| h.hive().ok()) {
        local_accounts = local_account_names(&hive);
        for (name, _) in &local_accounts {
            if !ctx.users.iter().any(|u| &u.name == name) {
                ctx.users.push(UserProfile { sid: String::new(), name: name.clone(), binary_sid: Vec::new() });
            }
        }
    }
    if let Some(h) = &system {
        within_budget(found, warnings, budget, &h.name, |found, warnings| {
            extract_hive(h, HiveKind::System, "HKLM\\SYSTEM", rules, &ctx, found, warnings);
        });
    }
    if let Some(h) = &software {
        within_budget(found, warnings, budget, &h.name, |found, warnings| {
            extract_hive(h, HiveKind::Software, "HKLM\\SOFTWARE", rules, &ctx, found, warnings);
        });
    }
    if wants(HiveKind::Default) {
        if let Some(h) = read_hive(fs, &format!("{CONFIG_DIR}/DEFAULT"), warnings, budget) {
            within_budget(found, warnings, budget, &h.name, |found, warnings| {
                extract_hive(&h, HiveKind::Default, "HKU\\.DEFAULT", rules, &ctx, found, warnings);
            });
        }
    }
    if let Some(h) = &sam {
        within_budget(found, warnings, budget, &h.name, |found, _| extract_sam(h, found));
    }
    if wants(HiveKind::Ntuser) {
        // Profiles that SOFTWARE's ProfileList does not name (loose hives, a copied
        // profile): `Users/<name>/NTUSER.DAT`, keyed by the profile folder's name. The
        // template profiles every Windows has (`Default`, …) are not users.
        if let Ok(users) = fs.read_dir("/Users") {
            let template = |n: &str| TEMPLATE_PROFILES.iter().any(|t| n.eq_ignore_ascii_case(t));
            let mut unlisted: Vec<&str> = users
                .iter()
                .filter(|e| e.is_dir && !template(&e.name))
                .take(MAX_PROFILES)
                .map(|e| e.name.as_str())
                .filter(|name| {
                    let dir = format!("Users/{name}");
                    !profile_dirs.iter().any(|(_, d)| d.eq_ignore_ascii_case(&dir))
                        && fs.metadata(&format!("/{dir}/NTUSER.DAT")).is_ok_and(|m| !m.is_dir)
                })
                .collect();
            unlisted.sort_unstable();
            // Windows names a profile folder after its account (`%USERNAME%`): a folder
            // named like a local account is that account's profile, keyed by its RID as a
            // listed profile is (its `ProfileList` entry may be what is broken). Others are
            // keyed by position, never by the folder's name: that is a person's account
            // name (rule R5 turns it into `<user>` in the hive's values too).
            let mut position = 0;
            for name in unlisted {
                let lower = name.to_lowercase();
                if !ctx.users.iter().any(|u| u.name == lower) {
                    ctx.users.push(UserProfile { sid: String::new(), name: lower.clone(), binary_sid: Vec::new() });
                }
                let token = match local_accounts.iter().find(|(account, _)| *account == lower) {
                    Some((_, rid)) => format!("<user:{rid}>"),
                    None => {
                        position += 1;
                        format!("<user:unlisted-{position}>")
                    }
                };
                profile_dirs.push((token, format!("Users/{name}")));
            }
        }
        for (token, dir) in &profile_dirs {
            if let Some(h) = read_hive(fs, &format!("/{dir}/NTUSER.DAT"), warnings, budget) {
                within_budget(found, warnings, budget, &h.name, |found, warnings| {
                    let prefix = format!("HKU\\{token}");
                    extract_hive(&h, HiveKind::Ntuser, &prefix, rules, &ctx, found, warnings);
                });
            }
        }
    }
    ctx
}

/// Runs `extract` and keeps the settings it added only if the budget can hold them;
/// otherwise they are dropped with a warning naming `hive`.
fn within_budget(
    found: &mut Found,
    warnings: &mut Vec<String>,
    budget: &Budget,
    hive: &str,
    extract: impl FnOnce(&mut Found, &mut Vec<String>),
) {
    let before = found.settings.len();
    extract(found, warnings);
    if let Err(e) = budget.charge_settings(hive, found.settings.get(before..).unwrap_or(&[])) {
        found.settings.truncate(before);
        found.origins.truncate(before);
        budget.warn(&e, warnings);
    }
}

fn sid_token_for(sid: &str) -> String {
    crate::canon::sid_token(sid)
}
