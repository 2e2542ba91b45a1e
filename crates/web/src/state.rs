// SPDX-License-Identifier: GPL-3.0-or-later
//! The app's one store: plain data, an `Action` enum and one pure reducer.

use std::rc::Rc;

use peerpressure::{rank, PeerProfile, Ranking};
use settings::MachineScan;
use worker::protocol::Phase;
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
    /// Target or peer.
    pub role: Role,
    /// Progress.
    pub status: Status,
}

/// Everything the page shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    /// Dropped machines, in drop order.
    pub machines: Vec<Machine>,
    /// The ranking, once the target and at least one peer are done.
    pub ranking: Option<Rc<Ranking>>,
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
    /// The user cancelled a machine.
    Cancel(u32),
    /// The user removed a machine.
    Remove(u32),
    /// The user made a machine the target (the previous target becomes a peer).
    MakeTarget(u32),
    /// Forget everything.
    Clear,
}

impl State {
    /// The ranking of the target against the finished peers, if both exist.
    fn ranked(machines: &[Machine]) -> Option<Rc<Ranking>> {
        let scan = |m: &Machine| match &m.status {
            Status::Done(s) => Some(Rc::clone(s)),
            _ => None,
        };
        let target = machines.iter().find(|m| m.role == Role::Target).and_then(scan)?;
        let peers: Vec<Rc<MachineScan>> = machines.iter().filter(|m| m.role == Role::Peer).filter_map(scan).collect();
        if peers.is_empty() {
            return None;
        }
        let profile = PeerProfile::from_machines(peers.iter().map(|p| p.settings.as_slice()));
        Some(Rc::new(rank(&target.settings, &profile)))
    }

    /// True while any machine is queued or being read.
    pub(crate) fn busy(&self) -> bool {
        self.machines.iter().any(|m| matches!(m.status, Status::Queued | Status::Working { .. }))
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let outcome_changed = !matches!(action, Action::Progress { .. });
        match action {
            Action::Add(items) => {
                for NewMachine { id, name, total, role } in items {
                    if role == Role::Target {
                        for m in &mut next.machines {
                            m.role = Role::Peer;
                        }
                    }
                    next.machines.push(Machine { id, name, total, role, status: Status::Queued });
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
            Action::Clear => next = State::default(),
        }
        if outcome_changed {
            next.ranking = Self::ranked(&next.machines);
        }
        Rc::new(next)
    }
}
