// SPDX-License-Identifier: GPL-3.0-or-later
//! Installed programs and services, derived from the registry as the administrator sees
//! them ("Programs and Features", `services.msc`) rather than as raw values.
//!
//! | hive | keys | setting |
//! |---|---|---|
//! | SOFTWARE | `Microsoft\Windows\CurrentVersion\Uninstall\*` and `WOW6432Node\…\Uninstall\*` | [`Kind::Package`]: path = the `Uninstall` key, name = `DisplayName`, value = `DisplayVersion` |
//! | NTUSER.DAT | `Software\Microsoft\Windows\CurrentVersion\Uninstall\*` (per-user installs) | same, under `HKU\<user:RID>\…` |
//! | SYSTEM | `CurrentControlSet\Services\*` with a `Start` value | [`Kind::Service`]: path `HKLM\SYSTEM\currentcontrolset\services`, name = service (lower case; a per-user instance `<template>_<LUID>` as `<template>_<instance>`, rule R14), value `start=<word> type=<word>[ image=<path>]` |
//!
//! Entries without a `DisplayName` (patches, components) are not programs Windows lists and
//! give no package. Two entries with the same `DisplayName` under one key (an x64 and an x86
//! build) give one package whose versions are joined with `, ` in sorted order.
//!
//! The raw `Start`/`Type`/`ImagePath` and `Uninstall` values stay as [`Kind::Registry`]
//! settings when the profile walks those roots (the default one does): they carry what the
//! summary leaves out (service `Parameters`, `DependOnService`, an installer's
//! `UninstallString`), and peer profiles built before these kinds existed keep matching. A
//! service whose start mode changed therefore shows twice in a ranking, once as the raw
//! value and once as the service, which is how an administrator names it.

use std::collections::BTreeMap;

use super::hive::{Hive, Key, Value};
use super::value::{format_value, REG_DWORD};
use super::HiveKind;
use crate::canon::{canonical_image_path, RegistryContext};
use crate::found::Found;
use crate::Offset;
use crate::{Kind, Setting};

/// Uninstall entries and services read per key: Windows installs carry a few hundred of
/// each; bounds the work on a crafted hive with millions of subkeys.
pub const MAX_ENTRIES: usize = 65_536;

/// Uninstall keys of SOFTWARE (native and 32-bit view), below the hive root.
const SOFTWARE_UNINSTALL: &[&str] =
    &["Microsoft\\Windows\\CurrentVersion\\Uninstall", "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"];
/// The per-user Uninstall key in NTUSER.DAT.
const USER_UNINSTALL: &str = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall";

/// Adds the packages and services of `hive` (mounted at `prefix`) to `out`.
pub(crate) fn derive(
    hive: &Hive<'_>,
    root: &Key<'_>,
    kind: HiveKind,
    prefix: &str,
    ctx: &RegistryContext,
    source: u32,
    out: &mut Found,
) {
    match kind {
        HiveKind::Software => {
            for path in SOFTWARE_UNINSTALL {
                uninstall(hive, root, path, prefix, ctx, source, out);
            }
        }
        HiveKind::Ntuser => uninstall(hive, root, USER_UNINSTALL, prefix, ctx, source, out),
        HiveKind::System => services(hive, root, prefix, ctx, source, out),
        HiveKind::Default | HiveKind::Sam => {}
    }
}

/// The values of `key` by lower-case name (first of duplicates wins).
fn values_by_name<'a>(hive: &Hive<'a>, key: &Key<'a>) -> BTreeMap<String, Value<'a>> {
    let mut offsets = Vec::new();
    let mut out = BTreeMap::new();
    if hive.values(key, &mut offsets).is_err() {
        return out;
    }
    for v in offsets.into_iter().filter_map(|o| hive.value(o).ok()) {
        out.entry(hive.value_name(&v).to_ascii_lowercase()).or_insert(v);
    }
    out
}

/// Text of a value as [`format_value`] gives it, trimmed; `None` when unreadable or empty.
fn text(hive: &Hive<'_>, value: &Value<'_>) -> Option<String> {
    let data = hive.value_data(value).ok()?;
    let t = format_value(hive.value_type(value), &data).trim().to_owned();
    (!t.is_empty()).then_some(t)
}

/// A `REG_DWORD` value (or a decimal string, as some installers write).
fn number(hive: &Hive<'_>, value: &Value<'_>) -> Option<u32> {
    let data = hive.value_data(value).ok()?;
    match (hive.value_type(value), data.get(..4)) {
        (REG_DWORD, Some(&[a, b, c, d])) => Some(u32::from_le_bytes([a, b, c, d])),
        (kind, _) => format_value(kind, &data).trim().parse().ok(),
    }
}

/// The subkeys of `key`, at most [`MAX_ENTRIES`].
fn subkeys<'a>(hive: &Hive<'a>, key: &Key<'a>) -> Vec<Key<'a>> {
    let mut offsets = Vec::new();
    if hive.subkeys(key, &mut offsets).is_err() {
        return Vec::new();
    }
    offsets.into_iter().take(MAX_ENTRIES).filter_map(|o| hive.subkey(o).ok()).collect()
}

fn uninstall(
    hive: &Hive<'_>,
    root: &Key<'_>,
    path: &str,
    prefix: &str,
    ctx: &RegistryContext,
    source: u32,
    out: &mut Found,
) {
    let Some(list) = hive.find_path(root, path) else { return };
    // DisplayName → (versions, cell of the first DisplayName).
    let mut programs: BTreeMap<String, (Vec<String>, u32)> = BTreeMap::new();
    for entry in subkeys(hive, &list) {
        let values = values_by_name(hive, &entry);
        let Some(name_value) = values.get("displayname") else { continue };
        let Some(name) = text(hive, name_value) else { continue };
        let name = ctx.text_value(&name);
        let version = values.get("displayversion").and_then(|v| text(hive, v)).map(|v| ctx.text_value(&v));
        let slot = programs.entry(name).or_insert_with(|| (Vec::new(), name_value.offset));
        slot.0.extend(version);
    }
    let setting_path = format!("{prefix}\\{}", path.to_lowercase());
    for (name, (mut versions, cell)) in programs {
        versions.sort();
        versions.dedup();
        out.push(
            source,
            Offset::Cell(cell),
            Setting { kind: Kind::Package, path: setting_path.clone(), name, value: versions.join(", ") },
        );
    }
}

/// `Start` as a word: the names `sc.exe` and the Services console use.
fn start_word(start: u32, delayed: bool) -> String {
    match (start, delayed) {
        (0, _) => "boot".into(),
        (1, _) => "system".into(),
        (2, true) => "auto-delayed".into(),
        (2, false) => "auto".into(),
        (3, _) => "demand".into(),
        (4, _) => "disabled".into(),
        (n, _) => format!("{n:#x}"),
    }
}

/// `Type` as a word (`SERVICE_*` constants); combinations not listed stay in hex.
fn type_word(kind: u32) -> String {
    const INTERACTIVE: u32 = 0x100;
    let base = match kind & !INTERACTIVE {
        0x1 => "kernel-driver",
        0x2 => "fs-driver",
        0x4 => "adapter",
        0x8 => "recognizer-driver",
        0x10 => "own-process",
        0x20 => "share-process",
        0x50 => "user-own-process",
        0x60 => "user-share-process",
        0xd0 => "user-own-process-instance",
        0xe0 => "user-share-process-instance",
        _ => return format!("{kind:#x}"),
    };
    if kind & INTERACTIVE != 0 {
        format!("{base}+interactive")
    } else {
        base.to_owned()
    }
}

/// `SERVICE_USER_SERVICE_INSTANCE`: a per-user copy of a template service.
const USER_SERVICE_INSTANCE: u32 = 0x80;

/// A per-user service instance is named `<template>_<LUID>` (`cdpusersvc_b006d`), the LUID
/// of the logon session that created it, different on every machine: the suffix becomes
/// `<instance>` (rule R14) so that peers line up. Names without a hex suffix stay.
fn instance_name(name: &str) -> String {
    match name.rsplit_once('_') {
        Some((template, luid))
            if !template.is_empty()
                && !luid.is_empty()
                && luid.len() <= 16
                && luid.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            format!("{template}_<instance>")
        }
        _ => name.to_owned(),
    }
}

fn services(hive: &Hive<'_>, root: &Key<'_>, prefix: &str, ctx: &RegistryContext, source: u32, out: &mut Found) {
    let Some(n) = ctx.current_control_set else { return };
    let Some(list) = hive.find_path(root, &format!("ControlSet{n:03}\\Services")) else { return };
    let path = format!("{prefix}\\currentcontrolset\\services");
    for key in subkeys(hive, &list) {
        let values = values_by_name(hive, &key);
        // Keys without Start are not services (`.NET CLR Data` counters, event-log sources).
        let Some(start_value) = values.get("start") else { continue };
        let Some(start) = number(hive, start_value) else { continue };
        let delayed = values.get("delayedautostart").and_then(|v| number(hive, v)) == Some(1);
        let mut value = format!("start={}", start_word(start, delayed));
        let service_type = values.get("type").and_then(|v| number(hive, v));
        if let Some(t) = service_type {
            value.push_str(" type=");
            value.push_str(&type_word(t));
        }
        if let Some(image) = values.get("imagepath").and_then(|v| text(hive, v)) {
            value.push_str(" image=");
            value.push_str(&canonical_image_path(&ctx.text_value(&image)));
        }
        let name = ctx.key_path(&hive.key_name(&key));
        let name =
            if service_type.is_some_and(|t| t & USER_SERVICE_INSTANCE != 0) { instance_name(&name) } else { name };
        out.push(
            source,
            Offset::Cell(start_value.offset),
            Setting { kind: Kind::Service, path: path.clone(), name, value },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(start_word(2, true), "auto-delayed");
        assert_eq!(start_word(4, false), "disabled");
        assert_eq!(start_word(9, false), "0x9");
        assert_eq!(type_word(0x110), "own-process+interactive");
        assert_eq!(type_word(0x1), "kernel-driver");
        assert_eq!(type_word(0x3), "0x3");
        assert_eq!(type_word(0xe0), "user-share-process-instance");
        assert_eq!(instance_name("cdpusersvc_b006d"), "cdpusersvc_<instance>");
        assert_eq!(instance_name("my_service"), "my_service");
        assert_eq!(instance_name("_b006d"), "_b006d");
    }
}
