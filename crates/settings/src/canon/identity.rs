// SPDX-License-Identifier: GPL-3.0-or-later
//! Machine identity in Linux, config-file and VM settings ([`IdentityContext`], filled by
//! `crate::identity` from the machine's own files; applied by `scan_machine` to every
//! setting except registry ones, which R3–R9 already cover, and installed-package
//! versions). Host names and machine IDs identify one machine, they configure nothing:
//! left alone they make every peer differ and tie the culprit with them.
//!
//! | # | rule | applies to | example |
//! |---|---|---|---|
//! | I1 | host names → `<hostname>`, case-insensitive, whole labels only (a label is a run of letters, digits, `-`, `_`). Collected: first line of `/etc/hostname`, every name on a `127.0.1.1` line of `/etc/hosts` (Debian's line for the machine itself), each reduced to its first DNS label, so an FQDN keeps its domain (fleet configuration): `web-01.example.lan` → `<hostname>.example.lan` | paths, names, values | `WEB-01` → `<hostname>`; `web-010` stays |
//! | I2 | a host name that is a distribution default or loopback name (`localhost`, `debian`, `ubuntu`, …) is identity only in the identity files (`/etc/hostname`, `/etc/hosts`, `/etc/mailname`): elsewhere the same word is configuration (`ID=debian`) | | `/etc/os-release` `ID` `debian` stays on a host named `debian` |
//! | I3 | machine IDs (first line of `/etc/machine-id` and `/var/lib/dbus/machine-id`, 8–64 hex digits) → `<machine-id>`, case-insensitive, whole words | paths, names, values | `/var/log/journal/4f3c…` → `/var/log/journal/<machine-id>` |
//! | I4 | a MAC address (`52:54:00:12:34:56`, `52-54-…`) anywhere in a value, as a whitespace/comma-separated word → `<mac>` (as R7): MACs are per-machine | values | `hwaddress ether 52:54:00:12:34:56` → `hwaddress ether <mac>` |
//! | I5 | in a value whose name's last component (after `/`, `.`, `:`) is a per-machine address key (`address`, `addresses`, `ipaddr`, `ipaddrN`, `ipv6addr`, `hwaddr`, `macaddress`, `hwaddress`, `ip`), each IPv4 → `<ipv4>` and IPv6 → `<ipv6>` word, a `/prefix` kept (as R8/R9; not loopback, `0.0.0.0`, `::` or `255.…` masks). Name servers, gateways and DNS are fleet configuration and stay | values | `IPADDR` `10.0.0.11` → `<ipv4>`; `address` `10.0.0.11/24` → `<ipv4>/24`; `nameserver` stays |
//! | I7 | on Windows, the computer name and TCP/IP host names the registry extractor found (R6) are host names for I1 too, so they become `<hostname>` in `C:/Windows/*.ini`, logs and first lines as in the registry | paths, names, values | `/Windows/setup.ini` `computer=PEER-ALPHA` → `computer=<hostname>` |
//! | I8 | people's names: the GECOS full name (first comma-separated field) of each account with a UID from 1000 to 65533 in `/etc/passwd`, when it has two words or more, and the names R15 collects → `<fullname>`, case-insensitive, whole words; e-mail addresses → `<email>` (as R16) | paths, names, values | `/etc/aliases` `ben.white@example.org` → `<email>` |
//! | I9 | people's account names: the name of each account with a UID from 1000 to 65533 in `/etc/passwd` and the Windows profiles' user names (R5) → `<user:UID>` (Linux) or `<user>` (Windows names, whose SIDs R3 already tokenizes), case-insensitive, whole words (not distribution defaults such as `debian`, which are configuration words elsewhere). The ranking then keys accounts by role (`<user:#1>`, see `peerpressure::align`), so a uid that differs between machines does not misalign them | paths, names, values | `/etc/passwd` `ben/shell` → `<user:1000>/shell` |
//! | I6 | `/etc/hosts`: the addresses of a name that holds `<hostname>` after I1 → `<ipv4>`/`<ipv6>` unless loopback (`127.0.0.0/8`, `::1`): the machine's own address is per-machine; the list is sorted again after | values | `<hostname>` `10.0.0.11 127.0.1.1` → `127.0.1.1 <ipv4>` |

use model::anon::{ip_token, is_mac, is_word_byte, replace_emails, replace_words};

use super::{full_name_needles, person_name, MAX_FULL_NAMES};

/// Host names that are loopback names or distribution defaults (rule I2): on a machine so
/// named the same word is likely configuration elsewhere (`ID=debian`, `deb.debian.org`).
const GENERIC_HOSTNAMES: &[&str] = &[
    "localhost",
    "localdomain",
    "ip6-localhost",
    "ip6-loopback",
    "debian",
    "ubuntu",
    "fedora",
    "centos",
    "rhel",
    "alpine",
    "archlinux",
    "raspberrypi",
    "kali",
    "opensuse",
    "suse",
    "linux",
];

/// Files whose whole content is the machine's identity (rule I2).
const IDENTITY_FILES: &[&str] = &["/etc/hostname", "/etc/hosts", "/etc/mailname"];

/// Value names (last component, lower case) that hold this machine's own address (rule I5).
const ADDRESS_KEYS: &[&str] =
    &["address", "addresses", "ipaddr", "ipv6addr", "hwaddr", "macaddress", "hwaddress", "ip"];

/// The identity strings of one machine (rules I1–I8), all lower case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityContext {
    /// Host labels (first DNS label of each collected host name).
    pub hostnames: Vec<String>,
    /// Machine IDs.
    pub machine_ids: Vec<String>,
    /// People's full names (rule I8), lower-case.
    pub full_names: Vec<String>,
    /// People's account names (rule I9), lower-case, with their tokens.
    pub users: Vec<(String, String)>,
}

impl IdentityContext {
    /// Adds a host name (rule I1): its first DNS label, lower-cased; empty and one-letter
    /// labels are ignored (they would match everywhere).
    pub fn add_hostname(&mut self, name: &str) {
        let label = name.trim().trim_end_matches('.').split('.').next().unwrap_or("").to_lowercase();
        if label.chars().count() >= 2 && label.bytes().all(is_word_byte) && !self.hostnames.contains(&label) {
            self.hostnames.push(label);
        }
    }

    /// Adds a machine ID (rule I3) if it is 8–64 hex digits.
    pub fn add_machine_id(&mut self, id: &str) {
        let id = id.trim().to_ascii_lowercase();
        if (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit()) && !self.machine_ids.contains(&id)
        {
            self.machine_ids.push(id);
        }
    }

    /// Adds a person's full name (rule I8) if it can be one (see [`person_name`]).
    pub fn add_full_name(&mut self, name: &str) {
        if let Some(n) = person_name(name) {
            if self.full_names.len() < MAX_FULL_NAMES && !self.full_names.contains(&n) {
                self.full_names.push(n);
            }
        }
    }

    /// Adds a person's account name (rule I9) with its uid (Linux) or none (Windows):
    /// lower-cased; one-letter names and names that are distribution defaults (`debian`,
    /// `ubuntu`, …: configuration words elsewhere) are ignored.
    pub fn add_user(&mut self, name: &str, uid: Option<u32>) {
        let name = name.trim().to_lowercase();
        let usable =
            name.chars().count() >= 2 && name.bytes().all(is_word_byte) && !GENERIC_HOSTNAMES.contains(&name.as_str());
        if usable && self.users.len() < MAX_FULL_NAMES && !self.users.iter().any(|(n, _)| *n == name) {
            let token = uid.map_or_else(|| "<user>".to_owned(), |u| format!("<user:{u}>"));
            self.users.push((name, token));
        }
    }

    /// True when nothing identifies the machine.
    pub fn is_empty(&self) -> bool {
        self.hostnames.is_empty() && self.machine_ids.is_empty() && self.full_names.is_empty() && self.users.is_empty()
    }

    /// Rules I1–I3, I8 and I9 on a path, name or value of a setting at `path`.
    pub fn text(&self, path: &str, text: &str) -> String {
        // E-mail addresses whole before the names in them.
        let text = &*replace_emails(text);
        let identity_file = IDENTITY_FILES.contains(&path);
        let mut needles: Vec<(&str, &str)> = self
            .hostnames
            .iter()
            .filter(|h| identity_file || !GENERIC_HOSTNAMES.contains(&h.as_str()))
            .map(|h| (h.as_str(), "<hostname>"))
            .collect();
        needles.extend(self.machine_ids.iter().map(|m| (m.as_str(), "<machine-id>")));
        needles.extend(full_name_needles(&self.full_names, text));
        needles.extend(self.users.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        if needles.is_empty() {
            return text.to_owned();
        }
        replace_words(text, &needles)
    }

    /// Canonical value (rules I1–I6) of the setting `name` at `path`; `name` is the
    /// already-canonical name (I6 looks for `<hostname>` in it).
    pub fn value(&self, path: &str, name: &str, value: &str) -> String {
        let text = self.text(path, value);
        let last = name.rsplit(['/', '.', ':']).next().unwrap_or("").to_ascii_lowercase();
        let digits = last.trim_end_matches(|c: char| c.is_ascii_digit());
        // Netplan's `nameservers.addresses` lists the fleet's DNS servers, not the machine's own.
        let address_key = (ADDRESS_KEYS.contains(&last.as_str()) || (digits == "ipaddr" && digits.len() < last.len()))
            && !name.to_ascii_lowercase().contains("nameservers");
        let own_host_entry = path == "/etc/hosts" && name.contains("<hostname>");
        let out = address_words(&text, address_key || own_host_entry);
        if !own_host_entry {
            return out;
        }
        // The hosts parser sorts a name's addresses; sort again once they are tokens, so the
        // order does not depend on the machine's own address.
        let mut words: Vec<&str> = out.split_whitespace().collect();
        words.sort_unstable();
        words.dedup();
        words.join(" ")
    }
}

/// Rules I4 (always) and I5/I6 (when `addresses`) on the words of a value; words are
/// separated by whitespace or commas, which are kept as written.
fn address_words(text: &str, addresses: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if is_mac(word) {
            out.push_str("<mac>");
        } else if let Some(t) = addresses.then(|| ip_token(word)).flatten() {
            out.push_str(&t);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || c == ',' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i8_full_names_and_emails_in_config_files() {
        let mut c = ident();
        for (account, uid, n) in crate::identity::people_in_passwd(
            "root:x:0:0:root:/root:/bin/bash\nlist:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin\nben:x:1000:1000:Ben White,,,:/home/ben:/bin/bash\ndebian:x:1001:1001::/home/debian:/bin/sh\n",
        ) {
            c.add_user(account, Some(uid));
            c.add_full_name(n);
        }
        assert_eq!(c.full_names, vec!["ben white".to_owned()]);
        assert_eq!(c.users, vec![("ben".to_owned(), "<user:1000>".to_owned())]);
        assert_eq!(c.text("/etc/passwd", "ben/shell"), "<user:1000>/shell");
        assert_eq!(c.text("/etc/os-release", "debian"), "debian");
        assert_eq!(c.text("/etc/aliases", "root: Ben White <ben@example.org>"), "root: <fullname> <<email>>");
        assert_eq!(c.text("/etc/x", "Mailing List Manager"), "Mailing List Manager");
    }

    fn ident() -> IdentityContext {
        let mut c = IdentityContext::default();
        c.add_hostname("WEB-01.example.lan");
        c.add_hostname("web-01");
        c.add_hostname("x");
        c.add_machine_id("4F3C2B1A00112233445566778899AABB\n");
        c.add_machine_id("not-hex");
        c
    }

    #[test]
    fn i1_host_names_whole_labels() {
        let c = ident();
        assert_eq!(c.hostnames, vec!["web-01".to_owned()], "first label, deduplicated, one-letter dropped");
        assert_eq!(c.text("/etc/hostname", "web-01"), "<hostname>");
        assert_eq!(c.text("/etc/x", "WEB-01"), "<hostname>");
        assert_eq!(c.text("/etc/hosts", "web-01.example.lan"), "<hostname>.example.lan");
        assert_eq!(c.text("/etc/x", "web-010 xweb-01 web-01_a web-01"), "web-010 xweb-01 web-01_a <hostname>");
        assert_eq!(c.text("/etc/x", "/srv/web-01/data"), "/srv/<hostname>/data");
        assert_eq!(c.value("/etc/samba/smb.conf", "global/netbios name", "WEB-01"), "<hostname>");
    }

    #[test]
    fn i2_generic_host_names_only_in_identity_files() {
        let mut c = IdentityContext::default();
        c.add_hostname("debian");
        assert_eq!(c.text("/etc/hostname", "debian"), "<hostname>");
        assert_eq!(c.text("/etc/hosts", "debian"), "<hostname>");
        assert_eq!(c.text("/etc/os-release", "debian"), "debian");
        assert_eq!(
            c.value("/etc/apt/sources.list", "deb", "http://deb.debian.org/debian"),
            "http://deb.debian.org/debian"
        );
    }

    #[test]
    fn i3_machine_ids() {
        let c = ident();
        assert_eq!(c.machine_ids, vec!["4f3c2b1a00112233445566778899aabb".to_owned()]);
        assert_eq!(c.text("/etc/machine-id", "4f3c2b1a00112233445566778899aabb"), "<machine-id>");
        assert_eq!(
            c.text("/var/log/journal", "/var/log/journal/4F3C2B1A00112233445566778899AABB/system.journal"),
            "/var/log/journal/<machine-id>/system.journal"
        );
        assert_eq!(c.text("/x", "4f3c2b1a00112233445566778899aabbcc"), "4f3c2b1a00112233445566778899aabbcc");
    }

    #[test]
    fn i4_macs_anywhere_in_a_value() {
        let c = IdentityContext::default();
        assert_eq!(c.value("/etc/network/interfaces", "hwaddress", "ether 52:54:00:12:34:56"), "ether <mac>");
        assert_eq!(c.value("/etc/x", "anything", "52-54-00-12-34-56,a"), "<mac>,a");
        assert_eq!(c.value("/etc/x", "anything", "52:54:00:12:34"), "52:54:00:12:34");
    }

    #[test]
    fn i5_own_addresses_by_name() {
        let c = IdentityContext::default();
        assert_eq!(c.value("/etc/default/ifcfg", "IPADDR", "10.0.0.11"), "<ipv4>");
        assert_eq!(c.value("/etc/default/ifcfg", "IPADDR1", "10.0.0.12"), "<ipv4>");
        assert_eq!(c.value("/etc/network/interfaces", "iface eth0/address", "10.0.0.11/24"), "<ipv4>/24");
        assert_eq!(
            c.value("/etc/netplan/01.yaml", "network.ethernets.eth0.addresses", "10.0.0.11/24, 2001:db8::11/64"),
            "<ipv4>/24, <ipv6>/64"
        );
        assert_eq!(
            c.value("/etc/x", "address", "127.0.0.1 0.0.0.0 255.255.255.0 ::1"),
            "127.0.0.1 0.0.0.0 255.255.255.0 ::1"
        );
        assert_eq!(c.value("/etc/resolv.conf", "nameserver", "192.168.0.1"), "192.168.0.1", "fleet-wide");
        assert_eq!(c.value("/etc/x", "gateway", "10.0.0.1"), "10.0.0.1", "fleet-wide");
        assert_eq!(c.value("/etc/x", "address", "10.0.0.1/abc"), "10.0.0.1/abc", "not a prefix");
        assert_eq!(c.value("/etc/x", "version", "10.0.0.1"), "10.0.0.1", "not an address by name");
    }

    #[test]
    fn i9_accounts_by_uid() {
        let mut c = IdentityContext::default();
        c.add_user("jdoe", Some(1000));
        c.add_user("ubuntu", Some(1001));
        c.add_user("alice", None);
        assert_eq!(c.users.len(), 2, "a distribution default is a configuration word");
        assert_eq!(c.text("/etc/passwd", "jdoe/home"), "<user:1000>/home");
        assert_eq!(c.value("/etc/passwd", "<user:1000>/home", "/home/jdoe"), "/home/<user:1000>");
        assert_eq!(c.value("/etc/group", "sudo/members", "jdoe ubuntu"), "<user:1000> ubuntu");
        assert_eq!(c.value("/Windows/app.ini", "owner", "Alice"), "<user>");
    }

    #[test]
    fn i6_own_hosts_entry_addresses() {
        let c = ident();
        let name = c.text("/etc/hosts", "web-01.example.lan");
        assert_eq!(c.value("/etc/hosts", &name, "10.0.0.11 127.0.1.1"), "127.0.1.1 <ipv4>");
        assert_eq!(c.value("/etc/hosts", &name, "127.0.1.1 192.168.9.9"), "127.0.1.1 <ipv4>", "sorted after tokens");
        assert_eq!(c.value("/etc/hosts", "<hostname>", "fe80::11"), "<ipv6>");
        assert_eq!(c.value("/etc/hosts", "orange", "172.31.122.14"), "172.31.122.14", "another host's address");
    }
}
