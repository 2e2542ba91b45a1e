// SPDX-License-Identifier: GPL-3.0-or-later
//! Peer profiles: save the current peers as a `.vmsiftpp` file, load one as peers, and
//! the pseudo-card that stands for a loaded profile.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::LoadedProfile;

use crate::share::MAX_PROFILE_BYTES;

/// Props of [`ProfileBar`].
#[derive(PartialEq, Properties)]
pub(crate) struct ProfileBarProps {
    /// Whether there are peers to save.
    pub can_save: bool,
    /// Saves the peers (offers the download); an error in words.
    pub on_save: Callback<(), Result<(), String>>,
    /// Receives a decoded profile.
    pub on_loaded: Callback<Rc<LoadedProfile>>,
}

/// Reads and decodes a profile file; the error names the file.
async fn load(file: web_sys::File) -> Result<LoadedProfile, String> {
    let name = file.name();
    if file.size() > MAX_PROFILE_BYTES {
        return Err(format!("{name} is not a peer profile: {} bytes is far too large", file.size()));
    }
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| format!("{name} could not be read: {e:?}"))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    crate::share::decode_profile(&name, &bytes)
}

/// "Save profile" and "Load profile…", with the last error.
#[function_component(ProfileBar)]
pub(crate) fn profile_bar(props: &ProfileBarProps) -> Html {
    let error = use_state(|| None::<String>);
    let on_save = {
        let (save, error) = (props.on_save.clone(), error.clone());
        Callback::from(move |_: MouseEvent| error.set(save.emit(()).err()))
    };
    let on_change = {
        let (loaded, error) = (props.on_loaded.clone(), error.clone());
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            let file = input.files().and_then(|l| l.get(0));
            input.set_value("");
            let Some(file) = file else { return };
            let (loaded, error) = (loaded.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match load(file).await {
                    Ok(p) => {
                        error.set(None);
                        loaded.emit(Rc::new(p));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div class="profile-bar" role="group" aria-label="Peer profile">
            <button id="save-profile" onclick={on_save} disabled={!props.can_save}
                title="Download the peers' value counts as a .vmsiftpp file">{ "Save profile" }</button>
            <span class="picker">
                <input id="load-profile" class="visually-hidden" type="file" accept=".vmsiftpp" onchange={on_change} />
                <label class="button" for="load-profile">{ "Load profile…" }</label>
            </span>
            <span class="hint">{ "A profile holds the peers' value counts only, never which peer had which value." }</span>
            if let Some(e) = &*error { <p id="profile-error" class="error" role="alert">{ e }</p> }
        </div>
    }
}

/// Props of [`ProfileCard`].
#[derive(PartialEq, Properties)]
pub(crate) struct ProfileCardProps {
    /// The loaded profile.
    pub profile: Rc<LoadedProfile>,
    /// Stop using it.
    pub on_remove: Callback<MouseEvent>,
}

/// The pseudo-card of a loaded profile.
#[function_component(ProfileCard)]
pub(crate) fn profile_card(props: &ProfileCardProps) -> Html {
    let p = &props.profile;
    html! {
        <li class="card done profile-card" data-profile={p.name.clone()}>
            <header>
                <span class="role peer">{ "Peers" }</span>
                <strong class="name" title={p.name.clone()}>{ format!("Profile: {} peers", p.profile.peers) }</strong>
            </header>
            <p class="status">{ format!("{} · {} settings", p.name, p.profile.counts.len()) }</p>
            <div class="actions">
                <button onclick={props.on_remove.clone()} aria-label={format!("Remove profile {}", p.name)}>{ "Remove" }</button>
            </div>
        </li>
    }
}
