// SPDX-License-Identifier: GPL-3.0-or-later
//! The app's one store: plain data, an `Action` enum and one pure reducer.

use std::rc::Rc;

use model::MachineScan;
use peerpressure::{rank, PeerProfile, Ranking};
use protocol::Phase;
use yew::Reducible;

/// Whether a machine is the one being diagnosed or a healthy peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The broken VM.
    Target,
    /// A healthy VM from the same golden image.
    Peer,
}

/// Where a machine's extraction stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Status {
    /// Waiting for a free worker.
    Queued,
    /// A worker is reading it.
    Working {
        /// Phase.
        phase: Phase,
        /// Bytes read so far.
        bytes_read: u64,
    },
    /// Settings extracted.
    Done(Rc<MachineScan>),
    /// Extraction failed; the message is for the user.
    Failed(String),
    /// The user cancelled it.
    Cancelled,
}

/// One dropped machine.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Machine {
    /// Id, unique within the page.
    pub id: u32,
    /// Display name (the file name, or the folder's).
    pub name: String,
    /// Total size of its files.
    pub total: u64,
    /// Number of files (more than one for a dropped folder).
    pub files: usize,
    /// Target or peer.
    pub role: Role,
    /// Progress.
    pub status: Status,
    /// Whether its settings came from the peer database's cache (no worker read it).
    pub from_cache: bool,
}

/// Everything the page shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    /// Dropped machines, in drop order.
    pub machines: Vec<Machine>,
    /// The ranking, once the target and at least one peer (or a profile) are done.
    pub ranking: Option<Rc<Ranking>>,
    /// A loaded peer profile, counted as peers besides the dropped ones.
    pub profile: Option<Rc<LoadedProfile>>,
}

/// A peer profile the user loaded from a `.vmsiftpp` file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadedProfile {
    /// The file's name.
    pub name: String,
    /// The decoded profile (never hashed: the page has no salt to compare with).
    pub profile: PeerProfile,
}

/// A machine as dropped, before any work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewMachine {
    /// Id chosen by the page (also used by the worker pool).
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Total size of its files.
    pub total: u64,
    /// Number of files.
    pub files: usize,
    /// Target or peer.
    pub role: Role,
}

/// Everything that changes the state.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// New machines were dropped.
    Add(Vec<NewMachine>),
    /// A worker reported progress.
    Progress {
        /// Machine id.
        machine: u32,
        /// Phase.
        phase: Phase,
        /// Bytes read.
        bytes_read: u64,
    },
    /// A worker finished.
    Done {
        /// Machine id.
        machine: u32,
        /// Result.
        result: Result<Rc<MachineScan>, String>,
    },
    /// A machine's settings were found in the peer database's cache.
    FromCache {
        /// Machine id.
        machine: u32,
        /// The cached settings.
        scan: Rc<MachineScan>,
    },
    /// The user cancelled a machine.
    Cancel(u32),
    /// The user removed a machine.
    Remove(u32),
    /// The user made a machine the target (the previous target becomes a peer).
    MakeTarget(u32),
    /// Use a loaded peer profile (replaces a previous one).
    LoadProfile(Rc<LoadedProfile>),
    /// Stop using the loaded profile.
    RemoveProfile,
    /// Forget everything.
    Clear,
}

impl State {
    /// The finished peers, in drop order: (name, scan).
    /// Name and warnings of each finished machine that has warnings, target first (the
    /// `warnings` of the JSON export, as in `vmsift rank --format json`).
    pub(crate) fn warnings(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(Role, String, Vec<String>)> = self
            .machines
            .iter()
            .filter_map(|m| match &m.status {
                Status::Done(s) if !s.warnings.is_empty() => Some((m.role, m.name.clone(), s.warnings.clone())),
                _ => None,
            })
            .collect();
        out.sort_by_key(|(role, ..)| *role != Role::Target);
        out.into_iter().map(|(_, name, warnings)| (name, warnings)).collect()
    }

    pub(crate) fn done_peers(&self) -> Vec<(String, Rc<MachineScan>)> {
        self.machines
            .iter()
            .filter(|m| m.role == Role::Peer)
            .filter_map(|m| match &m.status {
                Status::Done(s) => Some((m.name.clone(), Rc::clone(s))),
                _ => None,
            })
            .collect()
    }

    /// The peers as one profile: the loaded profile plus every finished peer machine.
    /// `None` when there is no peer at all.
    pub(crate) fn peer_profile(&self) -> Option<PeerProfile> {
        let peers = self.done_peers();
        // The machines are aligned with each other (peerpressure::align), then added to
        // the loaded profile, which was aligned when it was built.
        let mut profile = PeerProfile::from_machines(peers.iter().map(|(_, scan)| scan.settings()));
        if let Some(loaded) = &self.profile {
            if profile.merge(&loaded.profile).is_err() {
                // Only a count overflow fails (the page never loads hashed profiles).
                profile = loaded.profile.clone();
            }
        }
        (profile.peers > 0).then_some(profile)
    }

    /// The ranking of the target against the peers, if both exist.
    fn ranked(&self) -> Option<Rc<Ranking>> {
        let target = self.machines.iter().find(|m| m.role == Role::Target).and_then(|m| match &m.status {
            Status::Done(s) => Some(Rc::clone(s)),
            _ => None,
        })?;
        let profile = self.peer_profile()?;
        Some(Rc::new(rank(target.settings(), &profile)))
    }

    /// True while any machine is queued or being read.
    pub(crate) fn busy(&self) -> bool {
        self.machines.iter().any(Machine::is_running)
    }
}

impl Machine {
    /// True while it is queued or being read.
    pub(crate) fn is_running(&self) -> bool {
        matches!(self.status, Status::Queued | Status::Working { .. })
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let outcome_changed = !matches!(action, Action::Progress { .. });
        // Ranking reads every setting of every machine: while scans are still running it
        // waits for the last one (the previous ranking stays on screen), unless the user
        // changed the target, the peers or the profile by hand.
        let scan_event = matches!(action, Action::Add(_) | Action::Done { .. } | Action::Cancel(_));
        match action {
            Action::Add(items) => {
                for NewMachine { id, name, total, files, role } in items {
                    if role == Role::Target {
                        for m in &mut next.machines {
                            m.role = Role::Peer;
                        }
                    }
                    next.machines.push(Machine {
                        id,
                        name,
                        total,
                        files,
                        role,
                        status: Status::Queued,
                        from_cache: false,
                    });
                }
            }
            Action::Progress { machine, phase, bytes_read } => {
                if let Some(m) = next.machines.iter_mut().find(|m| m.id == machine) {
                    if matches!(m.status, Status::Queued | Status::Working { .. }) {
                        m.status = Status::Working { phase, bytes_read };
                    }
                }
            }
            Action::Done { machine, result } => {
                if let Some(m) = next.machines.iter_mut().find(|m| m.id == machine) {
                    if m.status != Status::Cancelled {
                        m.status = match result {
                            Ok(scan) => Status::Done(scan),
                            Err(e) => Status::Failed(e),
                        };
                    }
                }
            }
            Action::FromCache { machine, scan } => {
                if let Some(m) = next.machines.iter_mut().find(|m| m.id == machine) {
                    if m.is_running() {
                        m.status = Status::Done(scan);
                        m.from_cache = true;
                    }
                }
            }
            Action::Cancel(id) => {
                if let Some(m) = next.machines.iter_mut().find(|m| m.id == id) {
                    if matches!(m.status, Status::Queued | Status::Working { .. }) {
                        m.status = Status::Cancelled;
                    }
                }
            }
            Action::Remove(id) => next.machines.retain(|m| m.id != id),
            Action::MakeTarget(id) => {
                for m in &mut next.machines {
                    m.role = if m.id == id { Role::Target } else { Role::Peer };
                }
            }
            Action::LoadProfile(profile) => next.profile = Some(profile),
            Action::RemoveProfile => next.profile = None,
            Action::Clear => next = State::default(),
        }
        if outcome_changed && !(scan_event && next.busy()) {
            next.ranking = next.ranked();
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use model::{Kind, Setting};

    use super::*;

    fn scan(permit_root_login: &str) -> Rc<MachineScan> {
        let setting = |name: &str, value: &str| Setting {
            kind: Kind::Config,
            path: "/etc/ssh/sshd_config".to_owned(),
            name: name.to_owned(),
            value: value.to_owned(),
        };
        Rc::new(MachineScan::new(vec![setting("permitrootlogin", permit_root_login), setting("x11forwarding", "true")]))
    }

    fn add(id: u32, role: Role) -> NewMachine {
        NewMachine { id, name: format!("m{id}"), total: 0, files: 1, role }
    }

    fn done(state: Rc<State>, machine: u32, permit_root_login: &str) -> Rc<State> {
        state.reduce(Action::Done { machine, result: Ok(scan(permit_root_login)) })
    }

    #[test]
    fn ranking_waits_for_the_last_running_scan() {
        let state = Rc::new(State::default()).reduce(Action::Add(vec![
            add(0, Role::Target),
            add(1, Role::Peer),
            add(2, Role::Peer),
        ]));
        let state = done(state, 0, "true");
        let state = done(state, 1, "false");
        assert!(state.busy());
        assert!(state.ranking.is_none(), "machine 2 is still queued");
        let state = done(state, 2, "false");
        let ranking = state.ranking.as_ref().expect("ranked once nothing runs");
        assert_eq!(ranking.peers, 2);
        assert_eq!(ranking.ranking[0].name, "permitrootlogin");
    }

    #[test]
    fn a_new_peer_keeps_the_previous_ranking_until_it_is_read() {
        let state = Rc::new(State::default()).reduce(Action::Add(vec![add(0, Role::Target), add(1, Role::Peer)]));
        let state = done(done(state, 0, "true"), 1, "false");
        let before = state.ranking.clone().expect("ranked");
        let state = state.reduce(Action::Add(vec![add(2, Role::Peer)]));
        assert!(state.ranking.as_ref().is_some_and(|r| Rc::ptr_eq(r, &before)), "stale ranking kept while busy");
        let state = done(state, 2, "false");
        assert_eq!(state.ranking.as_ref().map(|r| r.peers), Some(2));
        // Cancelling the only running scan ranks what is there.
        let state = state.reduce(Action::Add(vec![add(3, Role::Peer)])).reduce(Action::Cancel(3));
        assert_eq!(state.ranking.as_ref().map(|r| r.peers), Some(2));
        assert!(!state.busy());
    }

    #[test]
    fn removing_a_machine_ranks_at_once_even_while_busy() {
        let state = Rc::new(State::default()).reduce(Action::Add(vec![
            add(0, Role::Target),
            add(1, Role::Peer),
            add(2, Role::Peer),
            add(3, Role::Peer),
        ]));
        let state = done(done(done(state, 0, "true"), 1, "false"), 2, "true");
        assert!(state.ranking.is_none());
        let state = state.reduce(Action::Remove(2));
        assert_eq!(state.ranking.as_ref().map(|r| r.peers), Some(1), "the user's own change is ranked at once");
    }
}
