// SPDX-License-Identifier: GPL-3.0-or-later
//! A drop zone with file and folder pickers: a dropped or chosen folder is one machine,
//! each loose file is one machine.

use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};
use yew::prelude::*;

use crate::folder::{self, Dropped, Group};

/// Props of [`DropZone`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct DropZoneProps {
    /// Element id prefix (`<id>-input` is the file input, `<id>-folder` the folder input).
    pub id: AttrValue,
    /// Heading.
    pub title: AttrValue,
    /// What to drop here.
    pub hint: AttrValue,
    /// Receives the dropped or chosen machines, and notes about what was skipped.
    pub on_files: Callback<(Vec<Group>, Vec<String>)>,
}

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return vec![] };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The drop's items as folders and files. Must run inside the drop handler: the items are
/// emptied when it returns.
fn dropped(dt: &web_sys::DataTransfer) -> Vec<Dropped> {
    let items = dt.items();
    let mut out = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) if entry.is_directory() => out.push(Dropped::Folder(entry.unchecked_into())),
            _ => {
                if let Ok(Some(file)) = item.get_as_file() {
                    out.push(Dropped::File(file));
                }
            }
        }
    }
    if out.is_empty() {
        // Browsers without `items`: the flat file list.
        out = files_of(dt.files()).into_iter().map(Dropped::File).collect();
    }
    out
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
            let Some(dt) = e.data_transfer() else { return };
            let items = dropped(&dt);
            if items.is_empty() {
                return;
            }
            let on_files = on_files.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let (groups, notes) = folder::read_dropped(items).await;
                if !groups.is_empty() || !notes.is_empty() {
                    on_files.emit((groups, notes));
                }
            });
        })
    };
    let onchange = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            let files = files_of(input.files());
            input.set_value("");
            if !files.is_empty() {
                on_files.emit((files.into_iter().map(Group::single).collect(), Vec::new()));
            }
        })
    };
    let onchange_folder = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            let files = files_of(input.files());
            input.set_value("");
            if !files.is_empty() {
                on_files.emit(folder::group_picked(files));
            }
        })
    };
    let input_id = format!("{}-input", props.id);
    let folder_id = format!("{}-folder", props.id);
    html! {
        <section id={props.id.clone()} class={classes!("drop-zone", (*over).then_some("over"))}
            {ondragover} {ondragleave} {ondrop} aria-labelledby={format!("{}-title", props.id)}>
            <h2 id={format!("{}-title", props.id)}>{ &props.title }</h2>
            <p>{ &props.hint }</p>
            <div class="pickers">
                <span class="picker">
                    <input id={input_id.clone()} class="visually-hidden" type="file" multiple=true {onchange} />
                    <label class="button" for={input_id}>{ "Choose files…" }</label>
                </span>
                <span class="picker">
                    <input id={folder_id.clone()} class="visually-hidden" type="file" webkitdirectory=true multiple=true
                        onchange={onchange_folder} />
                    <label class="button" for={folder_id}>{ "Choose folder…" }</label>
                </span>
            </div>
        </section>
    }
}
