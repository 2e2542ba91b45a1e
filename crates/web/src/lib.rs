// SPDX-License-Identifier: GPL-3.0-or-later
//! The vmsift web app (Yew, client-side rendered).
//!
//! The page never parses an image itself: machines go to a pool of web workers
//! ([`pool`]), their settings come back, and the ranking runs here with `peerpressure`.
//! Nothing leaves the browser: the only requests are for the app's own files.

#![warn(missing_docs)]

mod components;
mod demo;
mod format;
mod pool;
mod state;

use std::cell::Cell;
use std::rc::Rc;

use worker::protocol::Reply;
use yew::prelude::*;

use components::{DropZone, MachineCard, Results};
use pool::Pool;
use state::{Action, NewMachine, Role, State};

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let next_id = use_mut_ref(|| Cell::new(0u32));
    let demo_error = use_state(|| None::<String>);
    let pool = {
        let dispatcher = state.dispatcher();
        use_memo((), move |()| {
            Pool::new(Callback::from(move |reply: Reply| match reply {
                Reply::Progress { machine, phase, bytes_read, .. } => {
                    dispatcher.dispatch(Action::Progress { machine, phase, bytes_read });
                }
                Reply::Done { machine, result } => {
                    dispatcher.dispatch(Action::Done { machine, result: result.map(Rc::new) })
                }
                Reply::Ready => {}
            }))
        })
    };
    let add = {
        let dispatcher = state.dispatcher();
        let pool = pool.clone();
        let next_id = next_id.clone();
        Callback::from(move |(role, files): (Role, Vec<web_sys::File>)| {
            // Each file is one machine; only the first of several dropped as "target" is the target.
            let mut new = Vec::new();
            for (i, file) in files.into_iter().enumerate() {
                let id = next_id.borrow().get();
                next_id.borrow().set(id + 1);
                let role = if role == Role::Target && i > 0 { Role::Peer } else { role };
                new.push(NewMachine { id, name: file.name(), total: file.size() as u64, role });
                pool.submit(id, vec![file]);
            }
            dispatcher.dispatch(Action::Add(new));
        })
    };
    let on_target = add.reform(|files| (Role::Target, files));
    let on_peers = add.reform(|files| (Role::Peer, files));
    let on_cancel = {
        let (pool, dispatcher) = (pool.clone(), state.dispatcher());
        Callback::from(move |id: u32| {
            pool.cancel(id);
            dispatcher.dispatch(Action::Cancel(id));
        })
    };
    let on_remove = state.dispatcher().to_callback().reform(Action::Remove);
    let on_make_target = state.dispatcher().to_callback().reform(Action::MakeTarget);
    let on_clear = {
        let (pool, dispatcher, machines) = (pool.clone(), state.dispatcher(), state.machines.clone());
        Callback::from(move |_: MouseEvent| {
            for m in &machines {
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
                        add.emit((Role::Target, vec![target]));
                        add.emit((Role::Peer, peers));
                    }
                    Err(e) => demo_error.set(Some(format!("The demo fleet could not be loaded: {e}"))),
                }
            });
        })
    };
    let empty = state.machines.is_empty();
    html! {
        <>
        <header class="top">
            <h1>{ "vmsift" }</h1>
            <p class="tagline">{ "Find the misconfigured setting of a VM by comparing it with its healthy peers. Images never leave this browser." }</p>
            <button id="demo" class="primary" onclick={on_demo}>{ "Try the demo" }</button>
        </header>
        <main>
            if let Some(e) = &*demo_error { <p class="error" role="alert">{ e }</p> }
            <div class="zones">
                <DropZone id="target-zone" title="Target VM" hint="Drop the broken VM's disk image here (raw, VHD, VHDX, VMDK, QCOW2, OVA)." on_files={on_target} />
                <DropZone id="peer-zone" title="Healthy peers" hint="Drop disk images of healthy VMs built from the same golden image." on_files={on_peers} />
            </div>
            if empty {
                <p class="empty">{ "Start by dropping a target and at least one peer, or try the demo fleet." }</p>
            } else {
                <div class="machines-bar"><h2>{ "Machines" }</h2>
                    <button id="clear" onclick={on_clear}>{ "Clear all" }</button></div>
                <ul class="cards" aria-label="Machines">
                    { for state.machines.iter().map(|m| html! {
                        <MachineCard key={m.id} machine={m.clone()} on_cancel={on_cancel.clone()}
                            on_remove={on_remove.clone()} on_make_target={on_make_target.clone()} />
                    }) }
                </ul>
            }
            if let Some(ranking) = &state.ranking {
                <Results ranking={ranking.clone()} />
            } else if !empty && !state.busy() {
                <p class="empty">{ "Add a target and at least one peer to see the ranking." }</p>
            }
        </main>
        </>
    }
}
