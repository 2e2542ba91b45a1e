// SPDX-License-Identifier: GPL-3.0-or-later
//! The vmsift web app (Yew, client-side rendered).
//!
//! The page never parses an image itself: machines go to a pool of web workers
//! ([`pool`]), their settings come back, and the ranking runs here with `peerpressure`.
//! Nothing leaves the browser: the only requests are for the app's own files.

#![warn(missing_docs)]

mod components;
mod demo;
mod export;
mod fingerprint;
mod folder;
mod format;
mod pool;
mod share;
mod state;
mod store;

use std::cell::Cell;
use std::rc::Rc;

use protocol::Reply;
use yew::prelude::*;

use components::{DropZone, Library, MachineCard, ProfileBar, ProfileCard, Results, Revision};
use components::{ShareBar, Shared};
use folder::Group;
use pool::Pool;
use state::{Action, NewMachine, Role, State};

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let next_id = use_mut_ref(|| Cell::new(0u32));
    let demo_error = use_state(|| None::<String>);
    let drop_notes = use_state(Vec::<String>::new);
    // The peer database: the settings cache in front of the pool, and what it changed.
    let revision = use_reducer(Revision::default);
    let lookups = {
        let changed = revision.dispatcher();
        use_memo((), move |()| {
            let lookups = store::Lookups::default();
            lookups.on_change(Callback::from(move |()| changed.dispatch(())));
            lookups
        })
    };
    let pool = {
        let dispatcher = state.dispatcher();
        let lookups = lookups.clone();
        use_memo((), move |()| {
            Pool::new(Callback::from(move |reply: Reply| match reply {
                Reply::Progress { machine, phase, bytes_read, .. } => {
                    dispatcher.dispatch(Action::Progress { machine, phase, bytes_read });
                }
                Reply::Done { machine, result } => {
                    let result = result.and_then(|p| p.decode());
                    lookups.finished(machine, &result);
                    dispatcher.dispatch(Action::Done { machine, result: result.map(Rc::new) })
                }
                Reply::Ready => {}
            }))
        })
    };
    {
        let pool = pool.clone();
        use_effect_with((), move |()| pool.warm_up());
    }
    let add = {
        let dispatcher = state.dispatcher();
        let (pool, lookups) = (pool.clone(), lookups.clone());
        let next_id = next_id.clone();
        Callback::from(move |(role, groups): (Role, Vec<Group>)| {
            // Each group (a file or a folder) is one machine; only the first of several
            // dropped as "target" is the target.
            let mut new = Vec::new();
            for (i, group) in groups.into_iter().enumerate() {
                let id = next_id.borrow().get();
                next_id.borrow().set(id + 1);
                let role = if role == Role::Target && i > 0 { Role::Peer } else { role };
                let total = group.files.iter().map(|f| f.size() as u64).sum();
                new.push(NewMachine { id, name: group.name.clone(), total, files: group.files.len(), role });
                // Settings cached in the peer database need no worker.
                let (pool, found) = ((*pool).clone(), dispatcher.clone());
                let hit = move |scan| found.dispatch(Action::FromCache { machine: id, scan: Rc::new(scan) });
                let paths = group.paths;
                lookups.lookup(id, group.name, group.files, hit, move |files| pool.submit(id, files, paths));
            }
            dispatcher.dispatch(Action::Add(new));
        })
    };
    let dropped = |role: Role| {
        let (add, drop_notes) = (add.clone(), drop_notes.clone());
        Callback::from(move |(groups, notes): (Vec<Group>, Vec<String>)| {
            drop_notes.set(notes);
            if !groups.is_empty() {
                add.emit((role, groups));
            }
        })
    };
    let on_target = dropped(Role::Target);
    let on_peers = dropped(Role::Peer);
    let on_cancel = {
        let (pool, dispatcher, lookups) = (pool.clone(), state.dispatcher(), lookups.clone());
        Callback::from(move |id: u32| {
            lookups.forget(id);
            pool.cancel(id);
            dispatcher.dispatch(Action::Cancel(id));
        })
    };
    let on_cancel_all = {
        let (on_cancel, machines) = (on_cancel.clone(), state.machines.clone());
        Callback::from(move |_: MouseEvent| {
            for m in machines.iter().filter(|m| m.is_running()) {
                on_cancel.emit(m.id);
            }
        })
    };
    let on_remove = state.dispatcher().to_callback().reform(Action::Remove);
    let on_make_target = state.dispatcher().to_callback().reform(Action::MakeTarget);
    let on_clear = {
        let (pool, dispatcher, machines) = (pool.clone(), state.dispatcher(), state.machines.clone());
        let lookups = lookups.clone();
        Callback::from(move |_: MouseEvent| {
            for m in &machines {
                lookups.forget(m.id);
                pool.cancel(m.id);
            }
            dispatcher.dispatch(Action::Clear);
        })
    };
    let on_demo = {
        let add = add.clone();
        let demo_error = demo_error.clone();
        Callback::from(move |_: MouseEvent| {
            let (add, demo_error) = (add.clone(), demo_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match demo::load().await {
                    Ok((target, peers)) => {
                        demo_error.set(None);
                        add.emit((Role::Target, vec![Group::single(target)]));
                        add.emit((Role::Peer, peers.into_iter().map(Group::single).collect()));
                    }
                    Err(e) => demo_error.set(Some(format!("The demo fleet could not be loaded: {e}"))),
                }
            });
        })
    };
    let can_save = state.profile.is_some() || state.done_peers().iter().len() > 0;
    let on_save = {
        let state = state.clone();
        Callback::from(move |()| -> Result<(), String> {
            let profile = state.peer_profile().ok_or("there are no finished peers to save")?;
            export::download("peers.vmsiftpp", "application/octet-stream", &profile.to_bytes())
        })
    };
    let on_loaded = {
        // An imported profile file is kept in the peer database too.
        let (dispatcher, changed) = (state.dispatcher(), revision.dispatcher());
        Callback::from(move |loaded: Rc<state::LoadedProfile>| {
            dispatcher.dispatch(Action::LoadProfile(Rc::clone(&loaded)));
            let changed = changed.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if store::save_fleet(&loaded.name, store::Origin::Imported, &loaded.profile).await.is_ok() {
                    store::request_persistence().await;
                }
                changed.dispatch(());
            });
        })
    };
    let snapshot = {
        let state = state.clone();
        Callback::from(move |()| state.peer_profile())
    };
    let on_load_fleet = state.dispatcher().to_callback().reform(Action::LoadProfile);
    let on_remove_profile = state.dispatcher().to_callback().reform(|_: MouseEvent| Action::RemoveProfile);
    let empty = state.machines.is_empty() && state.profile.is_none();
    let peers = Rc::new(state.done_peers());
    html! {
        <>
        <header class="top">
            <h1>{ "vmsift" }</h1>
            <p class="tagline">{ "Find the misconfigured setting of a VM by comparing it with its healthy peers. Images never leave this browser." }</p>
            <button id="demo" class="primary" onclick={on_demo}>{ "Try the demo" }</button>
        </header>
        <main>
            <Shared on_profile={state.dispatcher().to_callback().reform(Action::LoadProfile)} />
            if let Some(e) = &*demo_error { <p class="error" role="alert">{ e }</p> }
            if !drop_notes.is_empty() {
                <ul class="notes" role="status">{ for drop_notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
            }
            <div class="zones">
                <DropZone id="target-zone" title="Target VM" hint="Drop the broken VM's disk image here (raw, VHD, VHDX, VMDK, QCOW2, OVA)." on_files={on_target} />
                <DropZone id="peer-zone" title="Healthy peers" hint="Drop disk images of healthy VMs built from the same golden image." on_files={on_peers} />
            </div>
            <ProfileBar can_save={can_save} on_save={on_save} on_loaded={on_loaded} />
            if empty {
                <p class="empty">{ "Start by dropping a target and at least one peer, or try the demo fleet." }</p>
            } else {
                <div class="machines-bar"><h2>{ "Machines" }</h2>
                    if state.busy() {
                        <button id="cancel-all" onclick={on_cancel_all}>{ "Cancel all" }</button>
                    }
                    <button id="clear" onclick={on_clear}>{ "Clear all" }</button></div>
                <ul class="cards" aria-label="Machines">
                    if let Some(p) = &state.profile {
                        <ProfileCard profile={p.clone()} on_remove={on_remove_profile} />
                    }
                    { for state.machines.iter().map(|m| html! {
                        <MachineCard key={m.id} machine={m.clone()} on_cancel={on_cancel.clone()}
                            on_remove={on_remove.clone()} on_make_target={on_make_target.clone()} />
                    }) }
                </ul>
            }
            if state.ranking.is_some() && state.busy() {
                <p class="muted" role="status">{ "The ranking is updated when the remaining machines are read." }</p>
            }
            if let Some(ranking) = &state.ranking {
                <ShareBar ranking={ranking.clone()}
                    identity={Rc::new(share::identity_strings(state.machines.iter().map(|m| m.name.as_str())))} />
                <Results ranking={ranking.clone()} {peers} warnings={Rc::new(state.warnings())} />
            } else if !empty && !state.busy() {
                <p class="empty">{ "Add a target and at least one peer to see the ranking." }</p>
            }
            <Library revision={revision.0} can_save={can_save} {snapshot} on_load={on_load_fleet} />
        </main>
        </>
    }
}
