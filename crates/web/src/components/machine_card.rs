// SPDX-License-Identifier: GPL-3.0-or-later
//! One machine's card: role, progress, bytes read, error, cancel.

use protocol::Phase;
use yew::prelude::*;

use crate::format;
use crate::state::{Machine, Role, Status};

/// Props of [`MachineCard`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct MachineCardProps {
    /// The machine.
    pub machine: Machine,
    /// Cancel its extraction.
    pub on_cancel: Callback<u32>,
    /// Remove it.
    pub on_remove: Callback<u32>,
    /// Make it the target.
    pub on_make_target: Callback<u32>,
}

/// See the module docs.
#[function_component(MachineCard)]
pub(crate) fn machine_card(props: &MachineCardProps) -> Html {
    let m = &props.machine;
    let id = m.id;
    let cancel = props.on_cancel.reform(move |_: MouseEvent| id);
    let remove = props.on_remove.reform(move |_: MouseEvent| id);
    let make_target = props.on_make_target.reform(move |_: MouseEvent| id);
    let (state_class, body) = match &m.status {
        Status::Queued => ("queued", html! { <p class="status">{ "Waiting for a worker…" }</p> }),
        Status::Working { phase, bytes_read } => {
            let phase = match phase {
                Phase::Opening => "Opening the image",
                Phase::Extracting => "Extracting settings",
            };
            (
                "working",
                html! { <>
                    <progress aria-label={format!("{} progress", m.name)}></progress>
                    <p class="status">{ format!("{phase} · read {} of {}", format::bytes(*bytes_read), format::bytes(m.total)) }</p>
                </> },
            )
        }
        Status::Done(scan) => {
            let percent =
                if scan.total_size == 0 { 0.0 } else { 100.0 * scan.bytes_read as f64 / scan.total_size as f64 };
            (
                "done",
                html! { <>
                    <p class="status">{ format::plural(scan.settings().len(), "setting", "settings") }
                        { scan.os.as_ref().map(|os| format!(" · {os}")).unwrap_or_default() }</p>
                    if m.from_cache {
                        // Nothing was read this time: the settings are the stored ones.
                        <p class="bytes-read from-cache" data-bytes="0"
                            title={format!("Settings stored when it was first read ({} of {})", format::bytes(scan.bytes_read), format::bytes(scan.total_size))}>
                            { "from cache · no image read" }</p>
                    } else {
                    <p class="bytes-read" data-bytes={scan.bytes_read.to_string()}>
                        { if scan.total_size == 0 {
                            // A folder of files (a guest tree, loose hives): no image size to compare with.
                            format!("read {} in {} reads", format::bytes(scan.bytes_read), scan.read_calls)
                        } else {
                            format!("read {} of {} ({percent:.2} %) in {} reads", format::bytes(scan.bytes_read), format::bytes(scan.total_size), scan.read_calls)
                        } }</p>
                    }
                    if !scan.warnings.is_empty() {
                        // Parts of the machine were skipped or read partly: the ranking
                        // lacks their settings, so the card says so before the details.
                        <details class="warnings" data-count={scan.warnings.len().to_string()}>
                            <summary>{ format!("⚠ {}: partly read", format::plural(scan.warnings.len(), "warning", "warnings")) }</summary>
                            <ul>{ for scan.warnings.iter().map(|w| html! { <li>{ w }</li> }) }</ul></details>
                    }
                </> },
            )
        }
        Status::Failed(e) => ("failed", html! { <p class="error" role="alert">{ e }</p> }),
        Status::Cancelled => ("cancelled", html! { <p class="status">{ "Cancelled" }</p> }),
    };
    let running = m.is_running();
    html! {
        <li class={classes!("card", state_class)} data-machine={m.name.clone()} aria-busy={running.to_string()}>
            <header>
                <span class={classes!("role", if m.role == Role::Target { "target" } else { "peer" })}>
                    { if m.role == Role::Target { "Target" } else { "Peer" } }</span>
                <strong class="name" title={m.name.clone()}>{ &m.name }</strong>
                if m.files > 1 { <span class="files">{ format!("{} files", m.files) }</span> }
            </header>
            { body }
            <div class="actions">
                if running {
                    <button onclick={cancel} aria-label={format!("Cancel {}", m.name)}>{ "Cancel" }</button>
                } else {
                    if m.role == Role::Peer {
                        <button onclick={make_target} aria-label={format!("Make {} the target", m.name)}>{ "Make target" }</button>
                    }
                    <button onclick={remove} aria-label={format!("Remove {}", m.name)}>{ "Remove" }</button>
                }
            </div>
        </li>
    }
}
