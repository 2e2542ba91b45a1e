// SPDX-License-Identifier: GPL-3.0-or-later
//! Sharing: the "Share report" bar under the results, and the read-only view of a report
//! opened from a link (no images, no machines: only what the link carries).

use std::rc::Rc;

use peerpressure::share::{ShareOptions, SharedReport, SharedRow, DEFAULT_ROWS};
use peerpressure::Ranking;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{format, share};

/// Props of [`ShareBar`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct ShareBarProps {
    /// The ranking to share.
    pub ranking: Rc<Ranking>,
    /// Strings that identify the machines (their names), scrubbed from the link.
    pub identity: Rc<Vec<String>>,
}

/// What the last click produced.
#[derive(Debug, Clone, PartialEq)]
struct Made {
    link: String,
    copied: Result<(), String>,
}

/// "Share report": makes the link, copies it, and shows it for copying by hand.
#[function_component(ShareBar)]
pub(crate) fn share_bar(props: &ShareBarProps) -> Html {
    let identifying = use_state(|| false);
    let made = use_state(|| None::<Made>);
    let on_identifying = {
        let (identifying, made) = (identifying.clone(), made.clone());
        Callback::from(move |e: Event| {
            identifying.set(e.target_unchecked_into::<HtmlInputElement>().checked());
            made.set(None);
        })
    };
    let on_share = {
        let (ranking, identity, identifying, made) =
            (props.ranking.clone(), props.identity.clone(), *identifying, made.clone());
        Callback::from(move |_: MouseEvent| {
            let options = ShareOptions { rows: DEFAULT_ROWS, identifying, identity: (*identity).clone() };
            let link = share::link(&SharedReport::from_ranking(&ranking, &options));
            let made = made.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let copied = share::copy(&link).await;
                made.set(Some(Made { link, copied }));
            });
        })
    };
    let on_focus = Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select());
    html! {
        <section id="share" class="share-bar" aria-label="Share the report">
            <button id="share-report" onclick={on_share}
                title={format!("Make a link holding the top {DEFAULT_ROWS} suspects; the images stay here")}>{ "Share report" }</button>
            <label class="check"><input id="share-identifying" type="checkbox" checked={*identifying} onchange={on_identifying} />
                { " include identifying values" }</label>
            <span class="hint">{ format!("The link carries the top {DEFAULT_ROWS} suspects, never the images; host and user names, SIDs, MAC and IP addresses are replaced unless you tick the box.") }</span>
            if let Some(m) = &*made {
                <div class="share-out">
                    <label for="share-link">{ "Link" }</label>
                    <input id="share-link" type="text" readonly=true value={m.link.clone()} onfocus={on_focus} />
                    <p id="share-status" role="status" class={classes!(m.copied.is_err().then_some("error"))}>{
                        match &m.copied {
                            Ok(()) => "Copied to the clipboard.".to_owned(),
                            Err(e) => format!("Could not copy to the clipboard ({e}): select the link and copy it."),
                        }
                    }</p>
                </div>
            }
        </section>
    }
}

/// Props of [`SharedView`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct SharedViewProps {
    /// The report from the link.
    pub report: Rc<SharedReport>,
    /// Leave the report (back to the empty app).
    pub on_close: Callback<MouseEvent>,
}

fn distribution(row: &SharedRow) -> String {
    let mut parts: Vec<String> =
        row.peer_values.iter().map(|(v, c)| format!("{c} × {}", format::value(v.as_deref()))).collect();
    if row.other > 0 {
        parts.push(format!("{} × other values", row.other));
    }
    parts.join(", ")
}

/// A shared report, read-only.
#[function_component(SharedView)]
pub(crate) fn shared_view(props: &SharedViewProps) -> Html {
    let r = &props.report;
    html! {
        <section id="shared-report" aria-labelledby="shared-title">
            <div class="results-head">
                <h2 id="shared-title">{ "Shared report — no images" }</h2>
                <button id="close-shared" onclick={props.on_close.clone()}>{ "Close and start your own analysis" }</button>
            </div>
            <p class="summary">{ format!(
                "The top {} of {} settings compared against {} peers, as the sender's browser ranked them. This page holds only what the link carries: no images and no machines.",
                r.rows.len(), r.suspects, r.peers) }</p>
            if r.identifying {
                <p id="shared-identifying" class="notes">{ "The sender chose to include identifying values (host or user names may appear)." }</p>
            }
            <table id="shared-ranking" class="shared">
                <caption class="visually-hidden">{ "Shared ranked settings" }</caption>
                <thead><tr>
                    <th scope="col">{ "#" }</th><th scope="col">{ "P(sick)" }</th><th scope="col">{ "Category" }</th>
                    <th scope="col">{ "Setting" }</th><th scope="col">{ "Target value" }</th>
                    <th scope="col">{ "Peer values" }</th><th scope="col">{ "N" }</th>
                </tr></thead>
                <tbody>
                    { for r.rows.iter().map(|row| html! {
                        <tr class={row.category.as_str()}>
                            <td class="rank">{ row.rank }</td>
                            <td class="p">{ format::probability(row.probability) }</td>
                            <td><span class={classes!("badge", row.category.as_str())}>{ row.category.as_str() }</span></td>
                            <td class="setting"><span class="kind">{ row.kind.as_str() }</span>{ " " }
                                <span class="path">{ &row.path }</span>{ " " }<span class="name">{ &row.name }</span></td>
                            <td class="value">{ format::value(row.value.as_deref()) }</td>
                            <td class="peers">{ distribution(row) }</td>
                            <td class="n">{ row.n }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// Props of [`Shared`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct SharedProps {
    /// Receives the peer profile a `#profile=` address names, once fetched.
    pub on_profile: Callback<Rc<crate::state::LoadedProfile>>,
}

/// What the page's address asks for, followed as it changes (`hashchange`): a shared
/// report is shown read-only; a profile is fetched (same origin only) and handed up;
/// a damaged link or a refused profile shows its error here, at the top of the page.
#[function_component(Shared)]
pub(crate) fn shared(props: &SharedProps) -> Html {
    let fragment = use_state(|| share::parse(&share::current()));
    let error = use_state(|| None::<String>);
    let loading = use_state(|| None::<String>);
    {
        // Follow the address: pasting another link into this tab only changes the fragment.
        let fragment = fragment.clone();
        use_effect_with((), move |()| {
            let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                fragment.set(share::parse(&share::current()));
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                use wasm_bindgen::JsCast;
                let _ = w.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = window {
                    use wasm_bindgen::JsCast;
                    let _ = w.remove_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    {
        let (error, loading, on_profile) = (error.clone(), loading.clone(), props.on_profile.clone());
        use_effect_with((*fragment).clone(), move |f| {
            error.set(None);
            if let share::Fragment::Profile(url) = f {
                let url = url.clone();
                loading.set(Some(url.clone()));
                wasm_bindgen_futures::spawn_local(async move {
                    match share::fetch_profile(&url).await {
                        Ok(p) => on_profile.emit(Rc::new(p)),
                        Err(e) => error.set(Some(e)),
                    }
                    loading.set(None);
                });
            }
        });
    }
    let on_close = {
        let fragment = fragment.clone();
        Callback::from(move |_: MouseEvent| {
            share::clear_fragment();
            fragment.set(share::Fragment::None);
        })
    };
    html! { <>
        if let share::Fragment::BadReport(e) = &*fragment {
            <p id="fragment-error" class="error" role="alert">{ e }</p>
        }
        if let Some(e) = &*error {
            <p id="fragment-error" class="error" role="alert">{ e }</p>
        }
        if let Some(url) = &*loading {
            <p class="notes" role="status">{ format!("Loading the peer profile {url}…") }</p>
        }
        if let share::Fragment::Report(r) = &*fragment {
            <SharedView report={Rc::new((**r).clone())} {on_close} />
        }
    </> }
}
