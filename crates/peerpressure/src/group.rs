// SPDX-License-Identifier: GPL-3.0-or-later
//! Grouping machines into peer groups (machines cloned from the same golden image).
//!
//! PeerPressure works best when the peers are like the target. Rules, first match wins:
//!
//! 1. An explicit assignment ([`GroupOptions::overrides`], machine id → group name): the
//!    user knows best.
//! 2. The same parent disk (the base image of a linked clone / differencing disk):
//!    machines with equal [`MachineSummary::parent_uuid`] (compared case-insensitively,
//!    braces ignored) were cloned from the same image.
//! 3. Otherwise, the same OS build and similar installed software: machines with equal
//!    [`MachineSummary::os`] whose software sets ([`software_set`]) have a Jaccard
//!    similarity ≥ [`GroupOptions::similarity`] are linked, and groups are the connected
//!    components (single linkage), so a chain of near-identical clones stays together.
//!    Two machines with no software information are similar (J(∅, ∅) = 1): then only the
//!    OS decides.
//!
//! The result does not depend on the order of `machines`: members are sorted by id and
//! groups by name.

use std::collections::{BTreeMap, BTreeSet};

use model::{Kind, Setting};
use serde::{Deserialize, Serialize};

/// What grouping needs to know about one machine.
#[derive(Debug, Clone)]
pub struct MachineSummary<'a> {
    /// A unique name for the machine (file name, VM name).
    pub id: String,
    /// UUID of the parent (base) disk, for linked clones; `None` for a standalone disk.
    pub parent_uuid: Option<String>,
    /// OS build (e.g. `ubuntu 22.04` or `windows 10.0.19045`); `None` when unknown.
    pub os: Option<String>,
    /// The machine's settings.
    pub settings: &'a [Setting],
}

/// Options of [`group_machines`].
#[derive(Debug, Clone, PartialEq)]
pub struct GroupOptions {
    /// Jaccard similarity of software sets at or above which two machines with the same OS
    /// are peers. Default [`DEFAULT_SIMILARITY`].
    pub similarity: f64,
    /// Explicit assignments, machine id → group name; they win over every other rule.
    pub overrides: BTreeMap<String, String>,
}

/// Default of [`GroupOptions::similarity`]: 80% of the packages in common tolerates
/// a few role-specific packages and updates while keeping different roles apart.
pub const DEFAULT_SIMILARITY: f64 = 0.8;

impl Default for GroupOptions {
    fn default() -> Self {
        Self { similarity: DEFAULT_SIMILARITY, overrides: BTreeMap::new() }
    }
}

/// Why machines are in one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "by")]
pub enum GroupReason {
    /// Assigned by the user.
    Override,
    /// Same parent disk; the normalized UUID.
    ParentDisk {
        /// Parent disk UUID, lowercase without braces.
        uuid: String,
    },
    /// Same OS and similar software.
    Software {
        /// The OS build shared by the members, if known.
        os: Option<String>,
    },
}

/// A group of peers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerGroup {
    /// Group name: the override's name, `image:<uuid>`, or `os:<os>#<k>` (`os:unknown#<k>`).
    pub name: String,
    /// Why these machines are together.
    pub reason: GroupReason,
    /// Member machine ids, sorted.
    pub members: Vec<String>,
}

/// The installed-software items of a machine: package names ([`Kind`] `package`), and
/// the subkeys of the Windows `…\CurrentVersion\Uninstall` registry keys (one per product).
pub fn software_set(settings: &[Setting]) -> BTreeSet<&str> {
    const UNINSTALL: &str = "\\currentversion\\uninstall\\";
    let mut set = BTreeSet::new();
    for s in settings {
        if s.kind.as_str() == "package" {
            set.insert(s.name.as_str());
        } else if s.kind == Kind::Registry {
            // ASCII lowercasing and '/' → '\\' keep byte positions, so `at` indexes `s.path`.
            let lower = s.path.to_ascii_lowercase().replace('/', "\\");
            if let Some(at) = lower.find(UNINSTALL) {
                let rest = s.path.get(at + UNINSTALL.len()..).unwrap_or_default();
                let product = rest.split(['\\', '/']).next().unwrap_or_default();
                if !product.is_empty() {
                    set.insert(product);
                }
            }
        }
    }
    set
}

/// Jaccard similarity |A ∩ B| / |A ∪ B|; 1 for two empty sets.
pub fn jaccard(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    let common = a.intersection(b).count();
    let union = a.len() + b.len() - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

fn normalize_uuid(uuid: &str) -> Option<String> {
    let u = uuid.trim().trim_start_matches('{').trim_end_matches('}').trim().to_ascii_lowercase();
    (!u.is_empty()).then_some(u)
}

/// Union-find with path halving, for the single-linkage components.
struct Components(Vec<usize>);

impl Components {
    fn find(&mut self, mut i: usize) -> usize {
        while let Some(&parent) = self.0.get(i) {
            if parent == i {
                break;
            }
            let grand = self.0.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = self.0.get_mut(i) {
                *slot = grand;
            }
            i = parent;
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // Keep the smaller index as root so the result does not depend on pair order.
        let (root, child) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        if let Some(slot) = self.0.get_mut(child) {
            *slot = root;
        }
    }
}

/// Groups machines into peer groups (see the module docs for the rules).
///
/// Similarity grouping compares every pair of machines with the same OS, O(n² · packages):
/// fine for fleets of hundreds; give parent UUIDs or overrides for larger ones.
pub fn group_machines(machines: &[MachineSummary<'_>], options: &GroupOptions) -> Vec<PeerGroup> {
    let mut sorted: Vec<&MachineSummary<'_>> = machines.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut by_override: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut by_parent: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut by_os: BTreeMap<Option<&str>, Vec<&MachineSummary<'_>>> = BTreeMap::new();
    for m in sorted {
        if let Some(group) = options.overrides.get(&m.id) {
            by_override.entry(group).or_default().push(&m.id);
        } else if let Some(uuid) = m.parent_uuid.as_deref().and_then(normalize_uuid) {
            by_parent.entry(uuid).or_default().push(&m.id);
        } else {
            by_os.entry(m.os.as_deref().map(str::trim).filter(|o| !o.is_empty())).or_default().push(m);
        }
    }
    let owned = |ids: Vec<&str>| ids.into_iter().map(str::to_owned).collect::<Vec<_>>();
    let mut groups: Vec<PeerGroup> = Vec::new();
    for (name, ids) in by_override {
        groups.push(PeerGroup { name: name.to_owned(), reason: GroupReason::Override, members: owned(ids) });
    }
    for (uuid, ids) in by_parent {
        groups.push(PeerGroup {
            name: format!("image:{uuid}"),
            reason: GroupReason::ParentDisk { uuid },
            members: owned(ids),
        });
    }
    for (os, members) in by_os {
        let sets: Vec<BTreeSet<&str>> = members.iter().map(|m| software_set(m.settings)).collect();
        let mut components = Components((0..members.len()).collect());
        for (i, a) in sets.iter().enumerate() {
            for (j, b) in sets.iter().enumerate().skip(i + 1) {
                if jaccard(a, b) >= options.similarity {
                    components.union(i, j);
                }
            }
        }
        // Components in order of their smallest member (= root, members are sorted by id).
        let mut clusters: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
        for (i, m) in members.iter().enumerate() {
            clusters.entry(components.find(i)).or_default().push(&m.id);
        }
        for (k, ids) in clusters.into_values().enumerate() {
            groups.push(PeerGroup {
                name: format!("os:{}#{}", os.unwrap_or("unknown"), k + 1),
                reason: GroupReason::Software { os: os.map(str::to_owned) },
                members: owned(ids),
            });
        }
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    groups
}

/// The group that holds machine `id`, if any.
pub fn group_of<'g>(groups: &'g [PeerGroup], id: &str) -> Option<&'g PeerGroup> {
    groups.iter().find(|g| g.members.iter().any(|m| m == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str) -> Setting {
        // Built through serde so the test does not depend on the variant's Rust name.
        let kind: Kind = serde_json::from_str("\"package\"").unwrap_or(Kind::Directory);
        Setting { kind, path: "/var/lib/dpkg/status".into(), name: name.into(), value: "1.0".into() }
    }

    fn uninstall(product: &str) -> Setting {
        Setting {
            kind: Kind::Registry,
            path: format!("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{product}"),
            name: "DisplayVersion".into(),
            value: "1".into(),
        }
    }

    fn s(text: &str) -> String {
        text.to_owned()
    }

    fn packages(names: &[&str]) -> Vec<Setting> {
        names.iter().map(|n| package(n)).collect()
    }

    #[test]
    fn software_set_reads_packages_and_uninstall_keys() {
        let mut settings = vec![uninstall("7-Zip"), uninstall("{1234-ABCD}")];
        settings.push(Setting {
            kind: Kind::Registry,
            path: "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run".into(),
            name: "x".into(),
            value: "y".into(),
        });
        let set = software_set(&settings);
        assert_eq!(set.into_iter().collect::<Vec<_>>(), ["7-Zip", "{1234-ABCD}"]);
        let p = packages(&["bash", "coreutils", "bash"]);
        let expected = if p[0].kind.as_str() == "package" { 2 } else { 0 };
        assert_eq!(software_set(&p).len(), expected);
    }

    #[test]
    fn parent_disk_then_os_and_software_with_overrides_winning() {
        let web = packages(&["nginx", "openssl", "bash", "coreutils", "curl"]);
        let web2 = packages(&["nginx", "openssl", "bash", "coreutils", "curl", "vim"]);
        let db = packages(&["postgresql", "openssl", "bash", "coreutils", "libpq"]);
        let win = vec![uninstall("7-Zip")];
        let machines = [
            MachineSummary { id: s("web-2"), parent_uuid: None, os: Some(s("ubuntu 22.04")), settings: &web2 },
            MachineSummary { id: s("web-1"), parent_uuid: None, os: Some(s("ubuntu 22.04")), settings: &web },
            MachineSummary { id: s("db-1"), parent_uuid: None, os: Some(s("ubuntu 22.04")), settings: &db },
            MachineSummary { id: s("web-old"), parent_uuid: None, os: Some(s("ubuntu 20.04")), settings: &web },
            MachineSummary {
                id: s("clone-a"),
                parent_uuid: Some(s("{ABC-1}")),
                os: Some(s("windows")),
                settings: &win,
            },
            MachineSummary { id: s("clone-b"), parent_uuid: Some(s("abc-1")), os: Some(s("windows")), settings: &[] },
            MachineSummary { id: s("pinned"), parent_uuid: Some(s("abc-1")), os: Some(s("windows")), settings: &win },
        ];
        let mut options = GroupOptions::default();
        options.overrides.insert("pinned".into(), "special".into());
        let groups = group_machines(&machines, &options);
        let summary: Vec<(&str, Vec<&str>)> =
            groups.iter().map(|g| (g.name.as_str(), g.members.iter().map(String::as_str).collect())).collect();
        let web_similar = jaccard(&software_set(&web), &software_set(&web2)) >= DEFAULT_SIMILARITY;
        if software_set(&web).is_empty() {
            // Without a package kind every Linux machine has an empty software set: the OS decides.
            assert_eq!(group_of(&groups, "db-1"), group_of(&groups, "web-1"));
        } else {
            assert!(web_similar);
            assert_ne!(group_of(&groups, "db-1"), group_of(&groups, "web-1"));
        }
        assert_eq!(group_of(&groups, "web-1"), group_of(&groups, "web-2"));
        assert_ne!(group_of(&groups, "web-old"), group_of(&groups, "web-1"));
        assert!(summary.contains(&("image:abc-1", vec!["clone-a", "clone-b"])), "{summary:?}");
        assert!(summary.contains(&("special", vec!["pinned"])), "{summary:?}");
        assert_eq!(groups.iter().map(|g| g.members.len()).sum::<usize>(), machines.len());
        // Order independence.
        let mut reversed = machines.to_vec();
        reversed.reverse();
        assert_eq!(group_machines(&reversed, &options), groups);
    }

    #[test]
    fn similarity_links_chains_and_respects_the_threshold() {
        let a = vec![uninstall("A"), uninstall("B"), uninstall("C"), uninstall("D")];
        let b = vec![uninstall("A"), uninstall("B"), uninstall("C"), uninstall("D"), uninstall("E")];
        let c = vec![uninstall("A"), uninstall("B"), uninstall("C"), uninstall("D"), uninstall("E"), uninstall("F")];
        let far = vec![uninstall("X")];
        let m = |id: &str, settings| MachineSummary {
            id: id.into(),
            parent_uuid: None,
            os: Some("win10".into()),
            settings,
        };
        let machines = [m("a", &a), m("b", &b), m("c", &c), m("far", &far)];
        // J(a, b) = 0.8, J(b, c) = 5/6, J(a, c) = 4/6: a–c only through b.
        let groups = group_machines(&machines, &GroupOptions::default());
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].members, ["a", "b", "c"]);
        assert_eq!(groups[0].name, "os:win10#1");
        assert_eq!(groups[1].members, ["far"]);
        let strict = GroupOptions { similarity: 0.81, ..GroupOptions::default() };
        let groups = group_machines(&machines, &strict);
        assert_eq!(group_of(&groups, "a").unwrap().members, ["a"]);
        assert_eq!(group_of(&groups, "b").unwrap().members, ["b", "c"]);
    }
}
