// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of the peer database: cached scans finish their machine.

use super::*;

#[test]
fn names_are_cleaned_and_bounded() {
    assert_eq!(clean_name("  web tier \u{7}\n").as_deref(), Ok("web tier"));
    assert!(clean_name(" \t ").is_err());
    assert_eq!(clean_name(&"x".repeat(500)).map(|n| n.chars().count()), Ok(MAX_NAME_CHARS));
}

#[test]
fn a_cached_scan_finishes_its_machine_like_a_worker_would() {
    use crate::state::{Action, NewMachine, Role, State, Status};
    use model::{Kind, Setting};
    use yew::Reducible;

    let scan = |value: &str| {
        let setting =
            Setting { kind: Kind::Config, path: "/etc/app.conf".into(), name: "a".into(), value: value.into() };
        let mut scan = MachineScan::new(vec![setting]);
        (scan.bytes_read, scan.read_calls, scan.total_size) = (5, 1, 10);
        Rc::new(scan)
    };
    let new = |id, role| NewMachine { id, name: format!("m{id}"), total: 10, files: 1, role };
    let state = Rc::new(State::default());
    let state = state.reduce(Action::Add(vec![new(1, Role::Target), new(2, Role::Peer), new(3, Role::Peer)]));
    let state = state.reduce(Action::FromCache { machine: 1, scan: scan("x") });
    assert!(state.machines[0].from_cache);
    assert!(matches!(state.machines[0].status, Status::Done(_)));
    assert!(state.ranking.is_none(), "no peer is done yet");
    let state = state.reduce(Action::FromCache { machine: 2, scan: scan("y") });
    assert_eq!(state.ranking.as_ref().map(|r| r.peers), Some(1), "a cached peer counts as a peer");
    // A machine cancelled while it was looked up stays cancelled.
    let state = state.reduce(Action::Cancel(3));
    let state = state.reduce(Action::FromCache { machine: 3, scan: scan("y") });
    assert_eq!(state.machines[2].status, Status::Cancelled);
    assert!(!state.machines[2].from_cache);
    // A worker's result is not from the cache.
    let state = state.reduce(Action::Add(vec![new(4, Role::Peer)]));
    let state = state.reduce(Action::Done { machine: 4, result: Ok(scan("y")) });
    assert!(!state.machines[3].from_cache);
    assert_eq!(state.ranking.as_ref().map(|r| r.peers), Some(2));
}

#[test]
fn export_file_names_are_safe() {
    assert_eq!(file_name("web tier (prod)"), "web-tier-prod.vmsiftpp");
    assert_eq!(file_name("../../etc/passwd"), "etc-passwd.vmsiftpp");
    assert_eq!(file_name("peers.vmsiftpp"), "peers.vmsiftpp");
    assert_eq!(file_name("///"), "fleet.vmsiftpp");
    assert_eq!(file_name("Flotte ÄÖ"), "Flotte-ÄÖ.vmsiftpp");
}
