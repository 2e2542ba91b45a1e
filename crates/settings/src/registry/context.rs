// SPDX-License-Identifier: GPL-3.0-or-later
//! What canonicalization needs to know about a machine before its hives are walked
//! ([`RegistryContext`]): the current control set and host names (SYSTEM), the user
//! profiles and people's names (SOFTWARE), the local accounts (SAM).

use super::{format_value, hive, Hive, MAX_PROFILES};
use crate::canon::{sid_to_binary, RegistryContext, UserProfile};

fn string_value(hive: &Hive<'_>, key: &hive::Key<'_>, name: &str) -> Option<(u32, String)> {
    let mut offsets = Vec::new();
    hive.values(key, &mut offsets).ok()?;
    offsets
        .into_iter()
        .filter_map(|o| hive.value(o).ok())
        .find(|v| hive.value_name(v).eq_ignore_ascii_case(name))
        .and_then(|v| {
            let kind = hive.value_type(&v);
            hive.value_data(&v).ok().map(|d| (kind, format_value(kind, &d)))
        })
}

/// DNS-registered adapters read for host names: a machine has a handful; the bound keeps a
/// crafted hive from making the name list (and every later name search) huge.
const MAX_DNS_ADAPTERS: usize = 64;

/// What canonicalization needs from SYSTEM: current control set and host names.
pub(super) fn system_context(hive: &Hive<'_>, ctx: &mut RegistryContext, warnings: &mut Vec<String>) {
    let Ok(root) = hive.root() else { return };
    let current = hive
        .find_path(&root, "Select")
        .and_then(|k| string_value(hive, &k, "Current"))
        .and_then(|(_, t)| t.parse::<u32>().ok());
    let current = current.or_else(|| {
        // No Select key: take the lowest control set present.
        let mut offsets = Vec::new();
        hive.subkeys(&root, &mut offsets).ok()?;
        let n = offsets
            .iter()
            .filter_map(|&o| hive.subkey(o).ok())
            .filter_map(|k| hive.key_name(&k).to_ascii_lowercase().strip_prefix("controlset")?.parse::<u32>().ok())
            .min()?;
        warnings.push(format!("{}: no Select\\Current value; using ControlSet{n:03}", hive.name()));
        Some(n)
    });
    ctx.current_control_set = current;
    let Some(n) = current else { return };
    let Some(cs) = hive.find_subkey(&root, &format!("ControlSet{n:03}")) else { return };
    let mut hosts = Vec::new();
    for path in ["Control\\ComputerName\\ComputerName", "Control\\ComputerName\\ActiveComputerName"] {
        if let Some(k) = hive.find_path(&cs, path) {
            hosts.extend(string_value(hive, &k, "ComputerName").map(|(_, t)| t));
        }
    }
    // Names the machine had before a rename (clones made without sysprep keep them):
    // `HOST$@domain` of the machine account, and the name each adapter registered in DNS.
    if let Some(k) = hive.find_path(&cs, "Control\\Lsa\\CachedMachineNames") {
        hosts.extend(
            string_value(hive, &k, "NameUserPrincipal").and_then(|(_, t)| t.split_once('$').map(|(h, _)| h.to_owned())),
        );
    }
    if let Some(adapters) = hive.find_path(&cs, "Services\\Tcpip\\Parameters\\DNSRegisteredAdapters") {
        let mut offsets = Vec::new();
        if hive.subkeys(&adapters, &mut offsets).is_ok() {
            for adapter in offsets.iter().take(MAX_DNS_ADAPTERS).filter_map(|&o| hive.subkey(o).ok()) {
                hosts.extend(string_value(hive, &adapter, "Hostname").map(|(_, t)| t));
            }
        }
    }
    if let Some(k) = hive.find_path(&cs, "Services\\Tcpip\\Parameters") {
        for name in ["Hostname", "NV Hostname"] {
            hosts.extend(string_value(hive, &k, name).map(|(_, t)| t));
        }
    }
    for h in hosts {
        let h = h.trim().to_lowercase();
        if !h.is_empty() && !ctx.hostnames.contains(&h) {
            ctx.hostnames.push(h);
        }
    }
}

/// User profiles from SOFTWARE `Microsoft\Windows NT\CurrentVersion\ProfileList`, with the
/// path of each profile directory relative to the volume root (`Users/alice`).
pub(super) fn profiles(hive: &Hive<'_>) -> Vec<(UserProfile, String)> {
    let Ok(root) = hive.root() else { return vec![] };
    let Some(list) = hive.find_path(&root, "Microsoft\\Windows NT\\CurrentVersion\\ProfileList") else {
        return vec![];
    };
    let mut offsets = Vec::new();
    if hive.subkeys(&list, &mut offsets).is_err() {
        return vec![];
    }
    let mut out = Vec::new();
    for key in offsets.iter().filter_map(|&o| hive.subkey(o).ok()).take(MAX_PROFILES) {
        let sid = hive.key_name(&key);
        if !sid.to_ascii_lowercase().starts_with("s-1-5-21-") {
            continue; // well-known accounts (S-1-5-18 …) keep their SIDs and have no NTUSER to map
        }
        let Some((_, path)) = string_value(hive, &key, "ProfileImagePath") else { continue };
        let dir = profile_dir(&path);
        let name = dir.rsplit('/').next().unwrap_or("").to_lowercase();
        let binary_sid = sid_to_binary(&sid).unwrap_or_default();
        out.push((UserProfile { sid: sid.into_owned(), name, binary_sid }, dir));
    }
    out
}

/// People's full names SOFTWARE holds (rule R15): the last user's display name on the
/// logon screen and the registered owner.
pub(super) fn person_names(hive: &Hive<'_>, ctx: &mut RegistryContext) {
    let Ok(root) = hive.root() else { return };
    for (key, value) in [
        ("Microsoft\\Windows\\CurrentVersion\\Authentication\\LogonUI", "LastLoggedOnDisplayName"),
        ("Microsoft\\Windows NT\\CurrentVersion", "RegisteredOwner"),
    ] {
        if let Some((_, name)) = hive.find_path(&root, key).and_then(|k| string_value(hive, &k, value)) {
            ctx.add_full_name(&name);
        }
    }
}

/// `C:\Users\alice` or `%SystemDrive%\Users\alice` → `Users/alice`.
fn profile_dir(path: &str) -> String {
    let rest = if let Some((_, r)) = path.split_once(":\\") {
        r
    } else if path.starts_with('%') {
        path.get(1..).and_then(|p| p.split_once('%')).map_or(path, |(_, r)| r.trim_start_matches('\\'))
    } else {
        path
    };
    rest.split('\\').filter(|c| !c.is_empty()).collect::<Vec<_>>().join("/")
}

/// Names (lower case) of the SAM's local accounts with a RID ≥ 1000 (the ones people
/// create; built-in accounts keep their names, which are the same on every machine).
/// With each name, the account's RID.
pub(super) fn local_account_names(hive: &Hive<'_>) -> Vec<(String, u32)> {
    let Ok(root) = hive.root() else { return Vec::new() };
    let Some(names) = hive.find_path(&root, "SAM\\Domains\\Account\\Users\\Names") else { return Vec::new() };
    let mut offsets = Vec::new();
    if hive.subkeys(&names, &mut offsets).is_err() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for key in offsets.iter().filter_map(|&o| hive.subkey(o).ok()) {
        let mut vals = Vec::new();
        if hive.values(&key, &mut vals).is_err() {
            continue;
        }
        // The RID is stored as the type of the account's default value.
        let rid = vals
            .iter()
            .filter_map(|&o| hive.value(o).ok())
            .find(|v| hive.value_name(v).is_empty())
            .map(|v| hive.value_type(&v));
        let name = hive.key_name(&key).to_lowercase();
        if let Some(rid) = rid.filter(|r| *r >= 1000) {
            if name.chars().count() >= 2 {
                out.push((name, rid));
            }
        }
    }
    out
}
