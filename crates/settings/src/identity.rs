// SPDX-License-Identifier: GPL-3.0-or-later
//! Machine identity: collect the strings that name this one machine (host name, machine
//! ID) from its own files, and rewrite every non-registry setting so they become tokens
//! (rules I1–I6 in [`crate::canon`]). Peers then line up on what they configure, not on
//! what they are called.
//!
//! Registry settings are left alone: the registry extractor already replaces the Windows
//! computer name, users and SIDs (rules R3–R9) from the hives' own context.

use imagefs::{FileSystem, Machine};

use crate::canon::IdentityContext;
use crate::{Kind, Setting};

/// Identity files are a line or a short table; anything longer than this is not read
/// (a hostile `/etc/hosts` cannot make the pass read megabytes twice).
pub const MAX_IDENTITY_FILE: u64 = 256 * 1024;
/// Lines of `/etc/hosts` looked at: real ones have a handful; bounds the scan of a hostile one.
const MAX_HOSTS_LINES: usize = 10_000;
/// Host names taken from `127.0.1.1` lines: a machine has one name and a few aliases;
/// bounds the needle list that every setting is searched for.
const MAX_HOSTNAMES: usize = 16;

/// The loopback address Debian and its derivatives give the machine's own name.
const OWN_NAME_ADDRESS: &str = "127.0.1.1";

/// Builds the identity from the texts of `/etc/hostname`, `/etc/hosts` and a machine-id
/// file (any may be missing).
pub fn identity_from_texts(hostname: Option<&str>, hosts: Option<&str>, machine_ids: &[&str]) -> IdentityContext {
    let mut ctx = IdentityContext::default();
    if let Some(line) = hostname.and_then(|t| t.lines().next()) {
        ctx.add_hostname(line);
    }
    if let Some(hosts) = hosts {
        for line in hosts.lines().take(MAX_HOSTS_LINES) {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            if fields.next() != Some(OWN_NAME_ADDRESS) {
                continue;
            }
            for name in fields {
                if ctx.hostnames.len() >= MAX_HOSTNAMES {
                    break;
                }
                ctx.add_hostname(name);
            }
        }
    }
    for id in machine_ids {
        if let Some(line) = id.lines().next() {
            ctx.add_machine_id(line);
        }
    }
    ctx
}

/// Lowest and highest UID of a person's account (Debian's and Red Hat's `UID_MIN`; 65534
/// is `nobody`): system accounts' GECOS fields name programs ("Mailing List Manager").
const PERSON_UIDS: std::ops::RangeInclusive<u32> = 1000..=65533;

/// The account name and GECOS full name (first comma-separated field, maybe empty) of
/// people's accounts in a passwd file (rules I8, I9).
pub fn people_in_passwd(passwd: &str) -> impl Iterator<Item = (&str, u32, &str)> {
    passwd.lines().take(MAX_HOSTS_LINES).filter_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        let [account, _, uid, _, gecos, ..] = fields.as_slice() else { return None };
        let uid: u32 = uid.trim().parse().ok()?;
        PERSON_UIDS.contains(&uid).then(|| (*account, uid, gecos.split(',').next().unwrap_or("").trim()))
    })
}

/// Reads a small identity file; missing or unreadable files are `None` (an unreadable
/// one is already reported by the extraction of the same file).
fn read_small(fs: &dyn FileSystem, path: &str) -> Option<String> {
    match fs.read_file(path, MAX_IDENTITY_FILE) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => None,
    }
}

/// Collects the identity of `machine` from every volume (a machine with a separate
/// `/var` still has one name).
pub fn collect_identity(machine: &Machine) -> IdentityContext {
    let mut ctx = IdentityContext::default();
    for volume in &machine.volumes {
        let fs = &*volume.fs;
        let hostname = read_small(fs, "/etc/hostname");
        let hosts = read_small(fs, "/etc/hosts");
        let ids: Vec<String> =
            ["/etc/machine-id", "/var/lib/dbus/machine-id"].iter().filter_map(|p| read_small(fs, p)).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let found = identity_from_texts(hostname.as_deref(), hosts.as_deref(), &ids);
        if let Some(passwd) = read_small(fs, "/etc/passwd") {
            for (account, uid, full_name) in people_in_passwd(&passwd) {
                ctx.add_user(account, Some(uid));
                ctx.add_full_name(full_name);
            }
        }
        for h in found.hostnames {
            if ctx.hostnames.len() < MAX_HOSTNAMES && !ctx.hostnames.contains(&h) {
                ctx.hostnames.push(h);
            }
        }
        for m in found.machine_ids {
            ctx.add_machine_id(&m);
        }
    }
    ctx
}

/// Rewrites `settings` in place under rules I1–I6. Registry settings (already
/// canonical) and package versions (no identity in them) are left as they are.
pub fn anonymize(ctx: &IdentityContext, settings: &mut [Setting]) {
    for s in settings.iter_mut().filter(|s| !matches!(s.kind, Kind::Registry | Kind::Package | Kind::Service)) {
        let path = ctx.text(&s.path, &s.path);
        let name = ctx.text(&s.path, &s.name);
        s.value = match s.kind {
            Kind::Config | Kind::Vm | Kind::FirstLine => ctx.value(&s.path, &name, &s.value),
            _ => ctx.text(&s.path, &s.value),
        };
        s.path = path;
        s.name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_from_hostname_and_own_hosts_line() {
        let hosts = "127.0.0.1\tlocalhost\n127.0.1.1\tweb-01.example.lan web-01 # me\n10.0.0.2 db-01\n";
        let c = identity_from_texts(Some("Web-01\nignored\n"), Some(hosts), &["0123456789abcdef0123456789abcdef\n"]);
        assert_eq!(c.hostnames, vec!["web-01".to_owned()]);
        assert_eq!(c.machine_ids, vec!["0123456789abcdef0123456789abcdef".to_owned()]);
        let c = identity_from_texts(None, Some("127.0.1.1 app.corp.example app-alias\n"), &[]);
        assert_eq!(c.hostnames, vec!["app".to_owned(), "app-alias".to_owned()]);
        assert!(identity_from_texts(None, Some("127.0.0.1 localhost host\n"), &["zz"]).is_empty());
    }

    #[test]
    fn hostile_hosts_file_is_bounded() {
        let hosts: String = (0..50_000).map(|i| format!("127.0.1.1 h{i} a{i}\n")).collect();
        let c = identity_from_texts(None, Some(&hosts), &[]);
        assert_eq!(c.hostnames.len(), MAX_HOSTNAMES);
    }

    #[test]
    fn anonymize_leaves_registry_and_packages() {
        let c = identity_from_texts(Some("web-01"), None, &[]);
        let s = |kind, path: &str, name: &str, value: &str| Setting {
            kind,
            path: path.into(),
            name: name.into(),
            value: value.into(),
        };
        let mut v = vec![
            s(Kind::Registry, "hklm\\web-01", "web-01", "web-01"),
            s(Kind::Package, "/var/lib/dpkg/status", "web-01", "web-01"),
            s(Kind::Config, "/etc/hosts", "web-01", "10.0.0.11"),
            s(Kind::Directory, "/srv/web-01", "web-01.conf", "present"),
            s(Kind::FirstLine, "/etc/hostname", "", "WEB-01"),
        ];
        anonymize(&c, &mut v);
        assert_eq!(v[0], s(Kind::Registry, "hklm\\web-01", "web-01", "web-01"));
        assert_eq!(v[1], s(Kind::Package, "/var/lib/dpkg/status", "web-01", "web-01"));
        assert_eq!(v[2], s(Kind::Config, "/etc/hosts", "<hostname>", "<ipv4>"));
        assert_eq!(v[3], s(Kind::Directory, "/srv/<hostname>", "<hostname>.conf", "present"));
        assert_eq!(v[4], s(Kind::FirstLine, "/etc/hostname", "", "<hostname>"));
    }
}
