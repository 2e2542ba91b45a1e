// SPDX-License-Identifier: GPL-3.0-or-later
//! The library panel: what the peer database ([`crate::store`]) keeps in this browser:
//! saved fleets (load, rename, export, delete), the size of the settings cache, the
//! storage used and whether the browser promised to keep it, and "Clear stored data".

use std::rc::Rc;

use peerpressure::PeerProfile;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::state::LoadedProfile;
use crate::store::{self, Contents, Fleet, Origin, Usage};
use crate::{export, format};

/// A counter bumped whenever something outside the panel changed the database (a scan
/// was cached, an imported profile was saved): the panel re-reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Revision(pub u32);

impl Reducible for Revision {
    type Action = ();

    fn reduce(self: Rc<Self>, (): ()) -> Rc<Self> {
        Rc::new(Revision(self.0.wrapping_add(1)))
    }
}

/// Props of [`Library`].
#[derive(PartialEq, Properties)]
pub(crate) struct LibraryProps {
    /// Changes when the database changed elsewhere.
    pub revision: u32,
    /// Whether there are peers to save.
    pub can_save: bool,
    /// The current peers as one profile (`None` without peers).
    pub snapshot: Callback<(), Option<PeerProfile>>,
    /// Use a saved fleet as the peers.
    pub on_load: Callback<Rc<LoadedProfile>>,
}

/// `created` (ms since the epoch) as local `YYYY-MM-DD HH:MM`.
fn date(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

fn usage_text(u: &Usage) -> String {
    let used = match (u.usage, u.quota) {
        (Some(used), Some(quota)) => {
            format!(
                "This site uses {} of the {} the browser allows it.",
                format::bytes(used as u64),
                format::bytes(quota as u64)
            )
        }
        (Some(used), None) => format!("This site uses {}.", format::bytes(used as u64)),
        _ => "The browser does not say how much this site stores.".to_owned(),
    };
    let kept = match u.persisted {
        Some(true) => "Persistent storage granted: the browser keeps this data until you clear it.",
        Some(false) => "Persistent storage not granted: the browser may delete this data when disk space runs low.",
        None => "The browser does not say whether it keeps this data.",
    };
    format!("{used} {kept}")
}

fn input_value(e: &InputEvent) -> String {
    e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
}

/// See the module docs.
#[function_component(Library)]
pub(crate) fn library(props: &LibraryProps) -> Html {
    let contents = use_state(|| None::<Result<Contents, String>>);
    let usage = use_state(Usage::default);
    // Bumped after the panel's own changes.
    let local = use_state(|| 0u32);
    let status = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let fleet_name = use_state(String::new);
    let renaming = use_state(|| None::<(u32, String)>);
    let confirming = use_state(|| false);
    let keep_ref = use_node_ref();
    let clear_ref = use_node_ref();
    {
        let (contents, usage) = (contents.clone(), usage.clone());
        use_effect_with((props.revision, *local), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                contents.set(Some(store::contents().await));
                usage.set(store::usage().await);
            });
        });
    }
    // Whether the user opened the confirmation (no focus moves on the first render).
    let asked = use_mut_ref(|| false);
    {
        // The confirmation takes the focus on its safe button; back to the trigger after.
        let (keep_ref, clear_ref, asked) = (keep_ref.clone(), clear_ref.clone(), asked.clone());
        use_effect_with(*confirming, move |confirming| {
            if !*asked.borrow() {
                return;
            }
            let target = if *confirming { keep_ref } else { clear_ref };
            if let Some(e) = target.cast::<HtmlElement>() {
                let _ = e.focus();
            }
        });
    }
    let refresh = {
        let local = local.clone();
        move || local.set(local.wrapping_add(1))
    };
    // Runs `job`; its Ok text goes to the status line, its error to the error line; then refresh.
    let run = {
        let (status, error, refresh) = (status.clone(), error.clone(), refresh.clone());
        move |job: std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>| {
            let (status, error, refresh) = (status.clone(), error.clone(), refresh.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match job.await {
                    Ok(s) => {
                        error.set(None);
                        status.set(Some(s));
                    }
                    Err(e) => {
                        status.set(None);
                        error.set(Some(e));
                    }
                }
                refresh();
            });
        }
    };
    let on_save = {
        let (snapshot, fleet_name, run) = (props.snapshot.clone(), fleet_name.clone(), run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let profile = snapshot.emit(());
            let name = (*fleet_name).clone();
            let fleet_name = fleet_name.clone();
            run(Box::pin(async move {
                let profile = profile.ok_or("there are no finished peers to save")?;
                let name = if name.trim().is_empty() { format!("Fleet of {} peers", profile.peers) } else { name };
                store::save_fleet(&name, Origin::Saved, &profile).await?;
                fleet_name.set(String::new());
                store::request_persistence().await;
                Ok(format!("Saved fleet “{}”.", store::clean_name(&name)?))
            }));
        })
    };
    let on_name = {
        let fleet_name = fleet_name.clone();
        Callback::from(move |e: InputEvent| fleet_name.set(input_value(&e)))
    };
    let load = |fleet: &Fleet| {
        let (id, on_load, run) = (fleet.id, props.on_load.clone(), run.clone());
        Callback::from(move |_: MouseEvent| {
            let on_load = on_load.clone();
            run(Box::pin(async move {
                let (name, bytes) = store::fleet_bytes(id).await?;
                let profile =
                    PeerProfile::from_bytes(&bytes).map_err(|e| format!("the stored fleet {name} is damaged: {e}"))?;
                on_load.emit(Rc::new(LoadedProfile { name: name.clone(), profile }));
                Ok(format!("Loaded fleet “{name}” as the peers."))
            }));
        })
    };
    let export = |fleet: &Fleet| {
        let (id, run) = (fleet.id, run.clone());
        Callback::from(move |_: MouseEvent| {
            run(Box::pin(async move {
                let (name, bytes) = store::fleet_bytes(id).await?;
                let file = store::file_name(&name);
                export::download(&file, "application/octet-stream", &bytes)?;
                Ok(format!("Exported fleet “{name}” as {file}."))
            }));
        })
    };
    let delete = |fleet: &Fleet| {
        let (id, name, run) = (fleet.id, fleet.name.clone(), run.clone());
        Callback::from(move |_: MouseEvent| {
            let name = name.clone();
            run(Box::pin(async move {
                store::delete_fleet(id).await?;
                Ok(format!("Deleted fleet “{name}”."))
            }))
        })
    };
    let start_rename = |fleet: &Fleet| {
        let (renaming, id, name) = (renaming.clone(), fleet.id, fleet.name.clone());
        Callback::from(move |_: MouseEvent| renaming.set(Some((id, name.clone()))))
    };
    let on_rename_input = {
        let renaming = renaming.clone();
        Callback::from(move |e: InputEvent| {
            if let Some((id, _)) = *renaming {
                renaming.set(Some((id, input_value(&e))));
            }
        })
    };
    let on_rename = {
        let (renaming, run) = (renaming.clone(), run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some((id, name)) = (*renaming).clone() else { return };
            let renaming = renaming.clone();
            run(Box::pin(async move {
                store::rename_fleet(id, &name).await?;
                renaming.set(None);
                Ok(format!("Renamed the fleet to “{}”.", store::clean_name(&name)?))
            }));
        })
    };
    let cancel_rename = {
        let renaming = renaming.clone();
        Callback::from(move |_: MouseEvent| renaming.set(None))
    };
    let rename_keys = {
        let renaming = renaming.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                renaming.set(None);
            }
        })
    };
    let ask_clear = {
        let (confirming, asked) = (confirming.clone(), asked.clone());
        Callback::from(move |_: MouseEvent| {
            *asked.borrow_mut() = true;
            confirming.set(true);
        })
    };
    let keep = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let do_clear = {
        let (confirming, run) = (confirming.clone(), run.clone());
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            run(Box::pin(async move {
                store::clear().await?;
                Ok("Cleared: no fleets and no cached settings are stored in this browser any more.".to_owned())
            }));
        })
    };

    let (fleets, cached) = match &*contents {
        Some(Ok(c)) => (c.fleets.as_slice(), c.cached),
        _ => (&[][..], 0),
    };
    let unavailable = match &*contents {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    };
    html! {
        <section id="library" class="library" aria-labelledby="library-title">
            <div class="library-head">
                <h2 id="library-title">{ "Saved in this browser" }</h2>
                <p id="storage-usage" class="muted" role="status">{ usage_text(&usage) }</p>
            </div>
            if let Some(e) = unavailable {
                <p class="error" role="alert">{ format!("Nothing can be stored here: {e}") }</p>
            }
            <form class="save-fleet" onsubmit={on_save}>
                <label for="fleet-name">{ "Fleet name" }</label>
                <input id="fleet-name" type="text" maxlength={store::MAX_NAME_CHARS.to_string()} placeholder="e.g. web tier, November"
                    value={(*fleet_name).clone()} oninput={on_name} />
                <button id="save-fleet" type="submit" disabled={!props.can_save}
                    title="Keep the peers' value counts in this browser under this name">{ "Save peers as fleet" }</button>
            </form>
            if fleets.is_empty() {
                <p id="no-fleets" class="empty">{ "No saved fleets yet. Save the current peers as a fleet, or load a profile file: it is kept here too." }</p>
            } else {
                <ul id="fleets" class="fleets" aria-label="Saved fleets">
                    { for fleets.iter().map(|f| {
                        let editing = renaming.as_ref().filter(|(id, _)| *id == f.id).map(|(_, n)| n.clone());
                        html! {
                            <li class="fleet" key={f.id} data-fleet={f.name.clone()}>
                                if let Some(value) = editing {
                                    <form class="rename" onsubmit={on_rename.clone()}>
                                        <input id="rename-input" type="text" aria-label={format!("New name for {}", f.name)}
                                            maxlength={store::MAX_NAME_CHARS.to_string()} {value} autofocus=true
                                            oninput={on_rename_input.clone()} onkeydown={rename_keys.clone()} />
                                        <button id="rename-save" type="submit">{ "Save name" }</button>
                                        <button type="button" onclick={cancel_rename.clone()}>{ "Cancel" }</button>
                                    </form>
                                } else {
                                    <div class="fleet-info">
                                        <strong class="fleet-name">{ &f.name }</strong>
                                        <span class="muted">{ format!(
                                            "{} peers · {} settings · {} · {} {}",
                                            f.peers, f.settings, format::bytes(u64::from(f.bytes)),
                                            if f.origin == Origin::Imported { "imported" } else { "saved" }, date(f.created)
                                        ) }</span>
                                    </div>
                                    <div class="actions">
                                        <button class="load" onclick={load(f)} aria-label={format!("Load fleet {} as the peers", f.name)}>{ "Load" }</button>
                                        <button class="rename" onclick={start_rename(f)} aria-label={format!("Rename fleet {}", f.name)}>{ "Rename" }</button>
                                        <button class="export" onclick={export(f)} aria-label={format!("Export fleet {} as a .vmsiftpp file", f.name)}>{ "Export" }</button>
                                        <button class="delete" onclick={delete(f)} aria-label={format!("Delete fleet {}", f.name)}>{ "Delete" }</button>
                                    </div>
                                }
                            </li>
                        }
                    }) }
                </ul>
            }
            <p id="cache-count" class="muted" data-cached={cached.to_string()}>
                { format!("Settings of {cached} machine{} cached: dropping the same image again shows them at once, without reading it.", if cached == 1 { " is" } else { "s are" }) }
            </p>
            <div class="clear-store">
                if *confirming {
                    <div class="confirm" role="group" aria-labelledby="clear-question">
                        <p id="clear-question">{ format!(
                            "Delete {} saved fleet{} and the cached settings of {cached} machine{} from this browser? This cannot be undone.",
                            fleets.len(), if fleets.len() == 1 { "" } else { "s" }, if cached == 1 { "" } else { "s" }
                        ) }</p>
                        <button id="clear-store-confirm" class="danger" onclick={do_clear}>{ "Delete everything" }</button>
                        <button id="clear-store-keep" ref={keep_ref} onclick={keep}>{ "Keep it" }</button>
                    </div>
                } else {
                    <button id="clear-store" ref={clear_ref} onclick={ask_clear}>{ "Clear stored data…" }</button>
                }
            </div>
            if let Some(s) = &*status { <p id="store-status" class="muted" role="status">{ s }</p> }
            if let Some(e) = &*error { <p id="store-error" class="error" role="alert">{ e }</p> }
        </section>
    }
}
