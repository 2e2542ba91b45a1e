// SPDX-License-Identifier: GPL-3.0-or-later
//! Peer-aware canonicalization: line up what each machine names by its own identifiers.
//!
//! Per-machine canonicalization (crate `settings`) replaces what a machine can tell is its
//! own: host names, SIDs, machine-id, addresses. What remains are keys named by an
//! identifier that one machine has once — a network profile `{GUID}`, a signature hash, an
//! adapter instance GUID, the RID of an account. Only the fleet can tell such an instance
//! from configuration: a GUID that most peers have is a class or a golden-image key, one
//! that a single machine has is an instance. Left alone, each instance becomes a subtree of
//! settings only that machine has, which ties with the culprit. This stage sees every
//! machine of a comparison:
//!
//! 1. **Users by role.** In each machine, the `<user:N>` tokens of accounts (N = RID or
//!    uid ≥ 1000) found in its paths and names become `<user:#1>`, `<user:#2>`, … by how
//!    many of the machine's settings are keyed by them, most first (ties: ascending N),
//!    everywhere in that machine: the account people work in — its hive, its activity, its
//!    profile — lines up with the one of every peer, whatever its RID (a machine where an
//!    account was created and deleted has RID 1002 where its peers have 1001; an extra
//!    admin account created first does not take its place). Built-in accounts (N < 1000:
//!    Administrator 500, Guest 501, …) keep their token: their RID is their role.
//! 2. **Rare identifiers.** A path segment, or a component of the name, that looks like an
//!    identifier ([`is_identifier`]: a GUID, 16 or more hex digits, a SID, a MAC or IPv4
//!    address, a `<user:N>` token left over) and that at most max(1, ⌊N/10⌋) of the N peers
//!    have at the same place, and not all of them, becomes `<id>`. "The same place" is the
//!    path before it with every identifier masked, so that two instances under two other
//!    instances still line up.
//! 3. **Multisets.** Settings of one machine that now share a key are one setting whose value
//!    is the sorted multiset of their values, joined by ` ¦ `: two network profiles of one
//!    machine compare with one network profile of another by their contents.
//!
//! A profile is built from the aligned peers ([`crate::PeerProfile::from_machines`]), so it
//! keeps literally exactly the identifiers that are not rare. A target is aligned against
//! the profile ([`target`]): its identifier is kept when the profile has it literally at the
//! same place, and becomes `<id>` otherwise. The decision depends only on peer counts, so
//! `rank` against peers and against their saved profile give the same ranking.
//!
//! Invariants: the result does not depend on the order of machines or settings; a machine
//! setting alignment leaves as it was is borrowed, not copied.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use model::{Kind, Setting, SettingKey};

use crate::PeerProfile;

/// One machine's settings after alignment, borrowed where alignment left them as they were.
pub type Aligned<'a> = Vec<Cow<'a, Setting>>;

/// What a rare identifier becomes.
pub const ID_TOKEN: &str = "<id>";
/// Joins the values of settings that collapsed into one key.
pub const MULTISET_SEPARATOR: &str = " ¦ ";
/// An identifier is rare when at most this share of the peers has it (and at least one).
pub const RARE_SHARE: f64 = 0.1;

/// The separator of a kind's paths: registry keys use `\`, guest paths `/`.
fn separator(kind: Kind) -> u8 {
    match kind {
        Kind::Registry | Kind::Service => b'\\',
        _ => b'/',
    }
}

/// Whether the name is one component (a registry value name may hold `\` or `/`: it is
/// not a path) or `/`-separated components (`section/key`, `user/uid`).
fn name_has_components(kind: Kind) -> bool {
    !matches!(kind, Kind::Registry | Kind::Service)
}

/// Whether a path segment or name component looks like a per-instance identifier.
pub fn is_identifier(segment: &str) -> bool {
    // The shortest identifier is an IPv4 address (`1.2.3.4`): most segments end here.
    if segment.len() < 7 {
        return false;
    }
    let s = segment.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(segment);
    is_guid(s) || is_long_hex(s) || is_sid(s) || is_mac_text(s) || is_ipv4(s) || is_numbered_user(segment)
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, &c)| if matches!(i, 8 | 13 | 18 | 23) { c == b'-' } else { c.is_ascii_hexdigit() })
}

fn is_long_hex(s: &str) -> bool {
    s.len() >= 16 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn is_sid(s: &str) -> bool {
    let lower = s.as_bytes();
    lower.len() > 8
        && lower.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"s-1-"))
        && lower.iter().all(|c| c.is_ascii_digit() || *c == b'-' || c.eq_ignore_ascii_case(&b's'))
}

/// A MAC address, separated (as `settings` recognizes it) or as 12 bare hex digits.
fn is_mac_text(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() == 12 {
        return b.iter().all(u8::is_ascii_hexdigit) && b.iter().any(|c| c.is_ascii_digit());
    }
    model::anon::is_mac(s)
}

fn is_ipv4(s: &str) -> bool {
    let mut parts = 0;
    for p in s.split('.') {
        parts += 1;
        if parts > 4 || p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    parts == 4
}

/// A `<user:N>` token (N a number): an account that step 1 did not give a role.
fn is_numbered_user(s: &str) -> bool {
    user_number(s).is_some()
}

fn user_number(token: &str) -> Option<u64> {
    token.strip_prefix("<user:")?.strip_suffix('>')?.parse().ok()
}

/// A tokenized segment: masks its place like an identifier, but is no longer one.
fn is_token(segment: &str) -> bool {
    segment == ID_TOKEN
}

/// One identifier-like segment of a setting's key.
#[derive(Debug, Clone)]
struct Slot {
    /// In the name (else in the path).
    in_name: bool,
    /// Byte range in the path or name.
    start: usize,
    end: usize,
    /// The key before the segment, identifiers masked as `*`: the segment's place.
    place: Rc<str>,
}

/// Finds the identifier-like segments of keys with their places, remembering the last
/// path's: settings come grouped by path (a registry key's values, a file's keys), so a
/// path's segments are looked at once per key rather than once per value.
#[derive(Debug, Default)]
struct SlotFinder {
    last: Option<(Kind, String)>,
    /// Slots of the last path.
    path_slots: Vec<Slot>,
    /// The last path with identifiers and tokens masked, then `\0`: the names' place.
    path_place: String,
}

impl SlotFinder {
    /// The slots of a key; empty for most keys.
    fn slots(&mut self, kind: Kind, path: &str, name: &str) -> Cow<'_, [Slot]> {
        if !matches!(&self.last, Some((k, p)) if *k == kind && p == path) {
            self.path_slots.clear();
            self.path_place.clear();
            visit(false, path, separator(kind), &mut self.path_place, &mut self.path_slots);
            self.path_place.push('\u{0}');
            self.last = Some((kind, path.to_owned()));
        }
        let in_name = if name_has_components(kind) { name.split('/').any(is_identifier) } else { is_identifier(name) };
        if !in_name {
            return Cow::Borrowed(&self.path_slots);
        }
        let mut slots = self.path_slots.clone();
        if name_has_components(kind) {
            let mut place = self.path_place.clone();
            visit(true, name, b'/', &mut place, &mut slots);
        } else {
            slots.push(Slot { in_name: true, start: 0, end: name.len(), place: Rc::from(self.path_place.as_str()) });
        }
        Cow::Owned(slots)
    }
}

/// Appends the slots of `text` (components separated by `sep`) to `slots`, and `text` with
/// identifiers and tokens masked as `*` to `place`.
fn visit(in_name: bool, text: &str, sep: u8, place: &mut String, slots: &mut Vec<Slot>) {
    let mut start = 0;
    for (i, part) in text.split(char::from(sep)).enumerate() {
        let end = start + part.len();
        if i > 0 {
            place.push(char::from(sep));
        }
        if is_identifier(part) {
            slots.push(Slot { in_name, start, end, place: Rc::from(place.as_str()) });
            place.push('*');
        } else if is_token(part) {
            place.push('*');
        } else {
            place.push_str(part);
        }
        start = end + 1;
    }
}

/// Where an identifier was seen: kind, place and the identifier itself.
type Sighting = (Kind, String, String);

/// Step 1 on one machine: `<user:N>` tokens (N ≥ 1000) become `<user:#k>` by ascending N.
/// Settings without such a token stay borrowed; `None` when the machine has no account.
fn users_by_role(settings: &[Setting]) -> Option<Aligned<'_>> {
    // Per account: the settings keyed by it.
    let mut keyed: HashMap<u64, u64> = HashMap::new();
    for s in settings {
        let mut mine: Vec<u64> = Vec::new();
        for text in [&s.path, &s.name] {
            if text.contains("<user:") {
                mine.extend(user_tokens(text).filter(|n| *n >= 1000));
            }
        }
        mine.sort_unstable();
        mine.dedup();
        for n in mine {
            *keyed.entry(n).or_default() += 1;
        }
    }
    if keyed.is_empty() {
        return None;
    }
    let mut numbers: Vec<(u64, u64)> = keyed.into_iter().collect();
    numbers.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let roles: HashMap<u64, String> =
        numbers.iter().enumerate().map(|(i, (n, _))| (*n, format!("<user:#{}>", i + 1))).collect();
    let rename = |text: &str| -> String {
        map_user_tokens(text, |token| user_number(token).and_then(|n| roles.get(&n)).cloned())
            .unwrap_or_else(|| text.to_owned())
    };
    Some(
        settings
            .iter()
            .map(|s| {
                if [&s.path, &s.name, &s.value].iter().any(|t| t.contains("<user:")) {
                    let (path, name, value) = (rename(&s.path), rename(&s.name), rename(&s.value));
                    Cow::Owned(Setting { kind: s.kind, path, name, value })
                } else {
                    Cow::Borrowed(s)
                }
            })
            .collect(),
    )
}

/// The numbers of the `<user:N>` tokens in a text.
fn user_tokens(text: &str) -> impl Iterator<Item = u64> + '_ {
    text.match_indices("<user:").filter_map(move |(at, _)| {
        let after = text.get(at..)?;
        let end = after.find('>')?;
        user_number(after.get(..=end)?)
    })
}

/// Rewrites the rare identifiers of one machine's settings and collapses what now shares a
/// key. `rare` says whether an identifier at a place becomes `<id>`.
fn rewrite<'a>(settings: Aligned<'a>, mut rare: impl FnMut(Kind, &str, &str) -> bool) -> Aligned<'a> {
    let mut changed: Vec<(usize, Setting)> = Vec::new();
    let mut finder = SlotFinder::default();
    for (i, s) in settings.iter().enumerate() {
        let slots = finder.slots(s.kind, &s.path, &s.name);
        if slots.is_empty() {
            continue;
        }
        let mut path = s.path.clone();
        let mut name = s.name.clone();
        let mut any = false;
        // Right to left, so that earlier byte ranges stay valid.
        for slot in slots.iter().rev() {
            let text = if slot.in_name { &mut name } else { &mut path };
            let segment = text.get(slot.start..slot.end).unwrap_or("");
            if rare(s.kind, &slot.place, segment) {
                text.replace_range(slot.start..slot.end, ID_TOKEN);
                any = true;
            }
        }
        if any {
            changed.push((i, Setting { kind: s.kind, path, name, value: s.value.clone() }));
        }
    }
    if changed.is_empty() {
        return settings;
    }
    let mut replaced = vec![false; settings.len()];
    for (i, _) in &changed {
        replaced[*i] = true;
    }
    let mut out: Aligned<'a> =
        settings.into_iter().zip(replaced).filter(|(_, replaced)| !replaced).map(|(s, _)| s).collect();
    // Collapse the keys that rewriting made shared: one setting, a sorted multiset value.
    // Only rewritten keys can collide (`<id>` never occurs in what a scan reads).
    let mut rewritten: Vec<Setting> = changed.into_iter().map(|(_, s)| s).collect();
    rewritten.sort_unstable();
    let first_rewritten = out.len();
    for s in rewritten {
        let extends = out.len() > first_rewritten;
        match out.last_mut() {
            Some(last) if extends && (last.kind, &last.path, &last.name) == (s.kind, &s.path, &s.name) => {
                // Sorted input: values arrive in order, so the join is the sorted multiset.
                let value = &mut last.to_mut().value;
                value.push_str(MULTISET_SEPARATOR);
                value.push_str(&s.value);
            }
            _ => out.push(Cow::Owned(s)),
        }
    }
    out
}

/// Aligns peers with each other (steps 1–3 above). The result has one entry per machine,
/// in order.
pub fn peers<'a>(machines: &[&'a [Setting]]) -> Vec<Aligned<'a>> {
    let by_role: Vec<Aligned<'a>> = each_machine(machines.to_vec(), |m: &'a [Setting]| {
        users_by_role(m).unwrap_or_else(|| m.iter().map(Cow::Borrowed).collect())
    });
    // How many machines have each identifier at each place.
    let mut seen: HashMap<Sighting, u32> = HashMap::new();
    let sightings = each_machine(by_role.iter().collect(), |machine: &Aligned<'a>| {
        let mut mine: HashSet<Sighting> = HashSet::new();
        let mut finder = SlotFinder::default();
        for s in machine {
            for slot in finder.slots(s.kind, &s.path, &s.name).iter() {
                let text = if slot.in_name { &s.name } else { &s.path };
                let segment = text.get(slot.start..slot.end).unwrap_or("").to_owned();
                mine.insert((s.kind, slot.place.to_string(), segment));
            }
        }
        mine
    });
    for sighting in sightings.into_iter().flatten() {
        *seen.entry(sighting).or_default() += 1;
    }
    let n = u32::try_from(machines.len()).unwrap_or(u32::MAX);
    let limit = rare_limit(n);
    each_machine(by_role, |machine| {
        rewrite(machine, |kind, place, segment| {
            let count = seen.get(&(kind, place.to_owned(), segment.to_owned())).copied().unwrap_or(0);
            count <= limit && count < n
        })
    })
}

/// `f` on every machine, in order: on every core with the `parallel` feature (the CLI), one
/// after the other without it (the page).
#[cfg(feature = "parallel")]
fn each_machine<T: Send, U: Send>(machines: Vec<T>, f: impl Fn(T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    machines.into_par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
fn each_machine<T, U>(machines: Vec<T>, f: impl Fn(T) -> U) -> Vec<U> {
    machines.into_iter().map(f).collect()
}

/// The largest number of peers an identifier may have and still be rare.
pub fn rare_limit(peers: u32) -> u32 {
    // Truncation is the rule: ⌊N/10⌋. N fits f64 exactly.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let share = (f64::from(peers) * RARE_SHARE).floor() as u32;
    share.max(1)
}

/// The identifiers a profile keeps literally, by kind and place.
#[derive(Debug, Default)]
pub struct KeptIdentifiers(HashSet<Sighting>);

impl KeptIdentifiers {
    /// Collects them from the profile's keys.
    pub fn of(profile: &PeerProfile) -> Self {
        let mut kept = HashSet::new();
        let mut finder = SlotFinder::default();
        for key in profile.counts.keys() {
            for slot in finder.slots(key.kind, &key.path, &key.name).iter() {
                let text = if slot.in_name { &key.name } else { &key.path };
                kept.insert((
                    key.kind,
                    slot.place.to_string(),
                    text.get(slot.start..slot.end).unwrap_or("").to_owned(),
                ));
            }
        }
        Self(kept)
    }
}

/// Aligns a target against a profile of aligned peers: users by role, then every identifier
/// the profile does not have literally at the same place becomes `<id>`. `None` when the
/// target has nothing to align (its settings are used as they are).
pub fn target<'a>(settings: &'a [Setting], profile: &PeerProfile) -> Option<Aligned<'a>> {
    let by_role = users_by_role(settings);
    // Only build the index when the target has something to align.
    let mut finder = SlotFinder::default();
    let mut has_slots = |s: &Setting| !finder.slots(s.kind, &s.path, &s.name).is_empty();
    let any = match &by_role {
        Some(machine) => machine.iter().any(|s| has_slots(s)),
        None => settings.iter().any(has_slots),
    };
    if !any {
        return by_role;
    }
    let kept = KeptIdentifiers::of(profile);
    let machine = by_role.unwrap_or_else(|| settings.iter().map(Cow::Borrowed).collect());
    Some(rewrite(machine, |kind, place, segment| !kept.0.contains(&(kind, place.to_owned(), segment.to_owned()))))
}

/// For a setting of a secondary account (`<user:#k>`, k ≥ 2, in its path or name): the same
/// setting of the peers' first account, with its values. Every account of a machine starts
/// from the same default profile (Windows' `Default` user, Linux's `/etc/skel`) and gets the
/// same per-user policies, so where few peers have a second or third account, their first
/// account is the evidence for what its settings should be.
pub fn first_account_analog<'p>(
    profile: &'p PeerProfile,
    kind: Kind,
    path: &str,
    name: &str,
) -> Option<(&'p SettingKey, &'p BTreeMap<String, u32>)> {
    let (new_path, new_name) = (as_first_account(path), as_first_account(name));
    if new_path.is_none() && new_name.is_none() {
        return None;
    }
    let key = SettingKey {
        kind,
        path: new_path.unwrap_or_else(|| path.to_owned()),
        name: new_name.unwrap_or_else(|| name.to_owned()),
    };
    profile.counts.get_key_value(&key)
}

/// `text` with every secondary account's role (`<user:#k>`, k ≥ 2) as the first account's;
/// `None` when it names none.
pub fn as_first_account(text: &str) -> Option<String> {
    map_user_tokens(text, |token| {
        let role: u32 = token.strip_prefix("<user:#")?.strip_suffix('>')?.parse().ok()?;
        (role >= 2).then(|| "<user:#1>".to_owned())
    })
}

/// `text` with each `<user:…>` token replaced by what `replace` gives for it (tokens it
/// gives nothing for stay); `None` when nothing was replaced.
fn map_user_tokens(text: &str, replace: impl Fn(&str) -> Option<String>) -> Option<String> {
    if !text.contains("<user:") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find("<user:") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let token = after.find('>').and_then(|end| after.get(..=end));
        match token.and_then(|t| replace(t).map(|r| (t.len(), r))) {
            Some((len, replacement)) => {
                out.push_str(&replacement);
                rest = &after[len..];
                changed = true;
            }
            None => {
                out.push_str("<user:");
                rest = &after["<user:".len()..];
            }
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// How often peers show something no other peer has, by location: the evidence that a new
/// value or key on the target is ordinary there (see [`crate::rank`]).
///
/// For a setting the peers have, the peers whose value no other peer shares (and a lone
/// peer lacking it). For a key no peer has, the peers with a child under the deepest
/// location the peers know ("child": the next path segment, or a name at that path) that no
/// other peer has, counting each such child once, at most N. Both are leave-one-out counts:
/// how many peers would have looked new to the others.
#[derive(Debug)]
pub(crate) struct Novelty<'p> {
    profile: &'p PeerProfile,
    /// Per (kind, location): the leave-one-out count of new children.
    cache: BTreeMap<(Kind, String), u32>,
    /// Per (kind, path): [`Novelty::of_location`].
    locations: HashMap<(Kind, String), u32>,
}

impl<'p> Novelty<'p> {
    pub(crate) fn new(profile: &'p PeerProfile) -> Self {
        Self { profile, cache: BTreeMap::new(), locations: HashMap::new() }
    }

    /// For a setting few peers have: the peers with a value of their own at its location,
    /// as the most peers any setting there has with a value no other peer shares (a lower
    /// bound: the profile does not tell which peer had which value).
    pub(crate) fn of_location(&mut self, kind: Kind, path: &str) -> u32 {
        if let Some(n) = self.locations.get(&(kind, path.to_owned())) {
            return *n;
        }
        let start = SettingKey { kind, path: path.to_owned(), name: String::new() };
        let most = self
            .profile
            .counts
            .range(start..)
            .take_while(|(key, _)| key.kind == kind && key.path == path)
            .map(|(_, values)| Self::of_values(values, 0))
            .max()
            .unwrap_or(0);
        self.locations.insert((kind, path.to_owned()), most);
        most
    }

    /// Peers whose value of one setting no other peer has (`absent` = peers lacking it).
    pub(crate) fn of_values(counts: &BTreeMap<String, u32>, absent: u32) -> u32 {
        let singles = counts.values().filter(|c| **c == 1).count();
        u32::try_from(singles).unwrap_or(u32::MAX).saturating_add(u32::from(absent == 1))
    }

    /// For a key no peer has: new children under the deepest location the peers know.
    pub(crate) fn of_new_key(&mut self, kind: Kind, path: &str) -> u32 {
        let sep = char::from(separator(kind));
        let mut location = path;
        // Every location passed on the way up gets the answer too: the target's new keys
        // share their ancestors, whose subtrees may be large.
        let mut visited: Vec<&str> = Vec::new();
        let found = loop {
            if let Some(n) = self.cache.get(&(kind, location.to_owned())) {
                break *n;
            }
            visited.push(location);
            if let Some(n) = self.children_seen_once(kind, location) {
                break n;
            }
            match location.rfind(sep) {
                Some(cut) => location = &location[..cut],
                None if !location.is_empty() => location = "",
                None => break 0,
            }
        };
        for v in visited {
            self.cache.insert((kind, v.to_owned()), found);
        }
        found
    }

    /// The number of children of `location` that one peer has (at most N), or `None` when
    /// no peer has anything at or under `location`.
    fn children_seen_once(&self, kind: Kind, location: &str) -> Option<u32> {
        let sep = char::from(separator(kind));
        let under = if location.is_empty() { String::new() } else { format!("{location}{sep}") };
        let start = model::SettingKey { kind, path: location.to_owned(), name: String::new() };
        // Per child: the most peers any setting in its subtree has (a lower bound of the
        // peers having the child).
        let mut children: HashMap<&str, u32> = HashMap::new();
        let mut found = false;
        for (key, values) in self.profile.counts.range(start..) {
            if key.kind != kind {
                break;
            }
            let child = if key.path == location {
                key.name.as_str()
            } else if let Some(rest) = key.path.strip_prefix(under.as_str()) {
                rest.split(sep).next().unwrap_or(rest)
            } else if key.path.as_str() > under.as_str() && !key.path.starts_with(location) {
                break;
            } else {
                continue;
            };
            found = true;
            let present = crate::profile::total(values);
            let slot = children.entry(child).or_default();
            *slot = (*slot).max(present);
        }
        found.then(|| {
            let once = children.values().filter(|c| **c == 1).count();
            u32::try_from(once).unwrap_or(u32::MAX).min(self.profile.peers)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(path: &str, name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Registry, path: path.into(), name: name.into(), value: value.into() }
    }

    fn cfg(path: &str, name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: path.into(), name: name.into(), value: value.into() }
    }

    #[test]
    fn identifiers_by_shape() {
        for id in [
            "{0F3A1B2C-1111-2222-3333-444455556666}",
            "0f3a1b2c-1111-2222-3333-444455556666",
            "010103000F0000F0080000000F0000F0",
            "S-1-5-21-1-2-3-1001",
            "52:54:00:12:34:56",
            "525400123456",
            "10.0.0.11",
            "<user:1002>",
        ] {
            assert!(is_identifier(id), "{id}");
        }
        for plain in ["services", "tcpip", "0007", "{interface-1}", "<user:#1>", "<hostname>", "deadbeef", "accessible"]
        {
            assert!(!is_identifier(plain), "{plain}");
        }
    }

    const PROFILES: &str = "hklm\\software\\microsoft\\windows nt\\currentversion\\networklist\\profiles";

    fn machine(i: u32, guids: &[&str]) -> Vec<Setting> {
        let mut m = vec![reg("hklm\\system\\select", "current", "1"), reg(PROFILES, "(default)", "")];
        for g in guids {
            m.push(reg(&format!("{PROFILES}\\{g}"), "profilename", &format!("net{i}")));
            m.push(reg(&format!("{PROFILES}\\{g}"), "category", "0"));
        }
        m
    }

    fn guid(i: u32) -> String {
        format!("{{{i:08x}-0000-0000-0000-000000000000}}")
    }

    #[test]
    fn rare_identifiers_line_up_and_common_ones_stay() {
        // 20 peers: each its own profile GUID, plus a golden-image GUID on 15 of them.
        let golden = "{aaaaaaaa-0000-0000-0000-000000000000}";
        let machines: Vec<Vec<Setting>> = (0..20)
            .map(|i| {
                let own = guid(i);
                let guids: Vec<&str> = if i < 15 { vec![&own, golden] } else { vec![&own] };
                machine(i, &guids)
            })
            .collect();
        let refs: Vec<&[Setting]> = machines.iter().map(Vec::as_slice).collect();
        let aligned = peers(&refs);
        let first = &aligned[0];
        let id_path = format!("{PROFILES}\\{ID_TOKEN}");
        let golden_path = format!("{PROFILES}\\{golden}");
        assert!(first.iter().any(|s| s.path == id_path && s.name == "category" && s.value == "0"), "{first:?}");
        assert!(first.iter().any(|s| s.path == golden_path), "{first:?}");
        assert!(aligned[19].iter().all(|s| s.path != golden_path));
        // A target with its own GUID lines up with the peers' `<id>`.
        let profile = PeerProfile::from_machines(refs.iter().copied());
        let t = machine(99, &[&guid(99)]);
        let aligned_target = target(&t, &profile).expect("the target has an identifier to align");
        assert!(aligned_target.iter().any(|s| s.path == id_path && s.name == "category"), "{aligned_target:?}");
    }

    #[test]
    fn collapsed_children_become_a_sorted_multiset() {
        let machines: Vec<Vec<Setting>> = (0..5).map(|i| machine(i, &[&guid(i), &guid(100 + i)])).collect();
        let refs: Vec<&[Setting]> = machines.iter().map(Vec::as_slice).collect();
        let aligned = peers(&refs);
        let row = aligned[2].iter().find(|s| s.name == "category").unwrap();
        assert_eq!(row.value, format!("0{MULTISET_SEPARATOR}0"));
        assert_eq!(aligned[2].iter().filter(|s| s.name == "profilename").count(), 1);
    }

    #[test]
    fn the_busiest_account_is_the_first_role() {
        // An admin account created first (RID 1001) with one setting; the user (1002) with two.
        let m = vec![
            reg("hklm\\profilelist\\<user:1001>", "sid", "<user:1001>"),
            reg("hklm\\profilelist\\<user:1002>", "sid", "<user:1002>"),
            reg("hkU\\<user:1002>\\run", "x", "1"),
        ];
        let aligned = peers(&[&m]);
        assert!(aligned[0].iter().any(|s| s.path == "hkU\\<user:#1>\\run"), "{:?}", aligned[0]);
        assert!(aligned[0].iter().any(|s| s.value == "<user:#2>"));
    }

    #[test]
    fn local_users_are_keyed_by_role() {
        let user = |rid: u32, exe: &str| {
            vec![
                reg(&format!("hklm\\system\\bam\\usersettings\\<user:{rid}>"), exe, "x"),
                reg(&format!("hklm\\software\\profilelist\\<user:{rid}>"), "sid", &format!("<user:{rid}>")),
                reg("hklm\\software\\profilelist\\<user:500>", "sid", "<user:500>"),
            ]
        };
        let a = user(1001, "explorer.exe");
        let b = user(1002, "explorer.exe");
        let aligned = peers(&[&a, &b]);
        assert_eq!(aligned[0], aligned[1]);
        assert!(aligned[0].iter().any(|s| s.path.ends_with("<user:#1>") && s.value == "<user:#1>"));
        assert!(aligned[0].iter().any(|s| s.path.ends_with("<user:500>")));
    }

    #[test]
    fn alignment_does_not_depend_on_order_and_leaves_plain_machines_borrowed() {
        let a = vec![cfg("/etc/x", "k", "1")];
        let aligned = peers(&[&a, &a]);
        assert!(aligned[0].iter().all(|s| matches!(s, Cow::Borrowed(_))));
        let m: Vec<Vec<Setting>> = (0..6).map(|i| machine(i, &[&guid(i)])).collect();
        let forward: Vec<&[Setting]> = m.iter().map(Vec::as_slice).collect();
        let backward: Vec<&[Setting]> = m.iter().rev().map(Vec::as_slice).collect();
        let owned = |m: Aligned<'_>| -> Vec<Setting> { m.into_iter().map(Cow::into_owned).collect() };
        let mut f: Vec<Vec<Setting>> = peers(&forward).into_iter().map(owned).collect();
        let mut b: Vec<Vec<Setting>> = peers(&backward).into_iter().map(owned).collect();
        b.reverse();
        f.iter_mut().chain(b.iter_mut()).for_each(|v| v.sort());
        assert_eq!(f, b);
    }

    #[test]
    fn one_peer_keeps_its_identifiers() {
        let a = machine(0, &[&guid(0)]);
        let aligned = peers(&[&a]);
        assert!(aligned[0].iter().all(|s| matches!(s, Cow::Borrowed(_))));
        assert_eq!(rare_limit(1), 1);
        assert_eq!(rare_limit(20), 2);
        assert_eq!(rare_limit(35), 3);
    }

    #[test]
    fn novelty_counts_peers_with_children_of_their_own() {
        // Every peer has its own value name under `bam`, and all share `common`.
        let machines: Vec<Vec<Setting>> = (0..8)
            .map(|i| vec![reg("hklm\\bam", &format!("app{i}.exe"), "t"), reg("hklm\\bam", "common.exe", "t")])
            .collect();
        let profile = PeerProfile::from_machines(machines.iter().map(Vec::as_slice));
        let mut novelty = Novelty::new(&profile);
        assert_eq!(novelty.of_new_key(Kind::Registry, "hklm\\bam"), 8);
        // A key under a location the peers agree on: nothing new there.
        let machines: Vec<Vec<Setting>> = (0..8).map(|_| vec![reg("hklm\\run", "a", "1")]).collect();
        let profile = PeerProfile::from_machines(machines.iter().map(Vec::as_slice));
        let mut novelty = Novelty::new(&profile);
        assert_eq!(novelty.of_new_key(Kind::Registry, "hklm\\run"), 0);
        // A new subkey: the deepest location the peers know decides.
        assert_eq!(novelty.of_new_key(Kind::Registry, "hklm\\run\\evil\\deeper"), 0);
        let values: BTreeMap<String, u32> = [("a".to_owned(), 1), ("b".to_owned(), 1), ("c".to_owned(), 6)].into();
        assert_eq!(Novelty::of_values(&values, 0), 2);
        assert_eq!(Novelty::of_values(&values, 1), 3);
    }
}
