// SPDX-License-Identifier: GPL-3.0-or-later
//! A drop zone with a file picker: takes many files by drag-and-drop or by choosing them.

use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};
use yew::prelude::*;

/// Props of [`DropZone`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct DropZoneProps {
    /// Element id prefix (`<id>-input` is the file input).
    pub id: AttrValue,
    /// Heading.
    pub title: AttrValue,
    /// What to drop here.
    pub hint: AttrValue,
    /// Receives the dropped or chosen files.
    pub on_files: Callback<Vec<web_sys::File>>,
}

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return vec![] };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// See the module docs.
#[function_component(DropZone)]
pub(crate) fn drop_zone(props: &DropZoneProps) -> Html {
    let over = use_state(|| false);
    let ondragover = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            over.set(true);
        })
    };
    let ondragleave = {
        let over = over.clone();
        Callback::from(move |_: DragEvent| over.set(false))
    };
    let ondrop = {
        let over = over.clone();
        let on_files = props.on_files.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            over.set(false);
            let files = files_of(e.data_transfer().and_then(|dt| dt.files()));
            if !files.is_empty() {
                on_files.emit(files);
            }
        })
    };
    let onchange = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            let files = files_of(input.files());
            input.set_value("");
            if !files.is_empty() {
                on_files.emit(files);
            }
        })
    };
    let input_id = format!("{}-input", props.id);
    html! {
        <section id={props.id.clone()} class={classes!("drop-zone", (*over).then_some("over"))}
            {ondragover} {ondragleave} {ondrop} aria-labelledby={format!("{}-title", props.id)}>
            <h2 id={format!("{}-title", props.id)}>{ &props.title }</h2>
            <p>{ &props.hint }</p>
            <label class="button" for={input_id.clone()}>{ "Choose files…" }</label>
            <input id={input_id} class="visually-hidden" type="file" multiple=true {onchange} />
        </section>
    }
}
