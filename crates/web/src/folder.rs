// SPDX-License-Identifier: GPL-3.0-or-later
//! Dropped folders: a folder is one machine (its disk images, VMDK extents, parent disks
//! and configuration files go to one worker together, or, when it holds a guest filesystem
//! tree or hive files, that tree: each file travels with its path in the folder); loose
//! files are one machine each.
//!
//! A drop gives `FileSystemEntry`s (`DataTransferItem.webkitGetAsEntry()`), read here
//! recursively with bounds; a folder picker (`<input webkitdirectory>`) gives a flat list
//! of `File`s whose `webkitRelativePath` names their folder.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileSystemDirectoryEntry, FileSystemDirectoryReader, FileSystemEntry, FileSystemFileEntry};

/// Deepest folder nesting read: a VM folder is flat or has a few levels (snapshots,
/// `Logs/`); a guest tree's configuration sits a few levels down
/// (`Windows/System32/config`, `etc/systemd/system/x.d`); a symlink loop must not recurse
/// forever.
const MAX_DEPTH: usize = 12;
/// Most files taken from one dropped folder: a VM has a handful to a few hundred (split
/// VMDK extents), a guest `/etc` one to three thousand; more means the wrong folder was
/// dropped (a whole Windows tree: drop `Windows/System32/config` and `Users` instead).
pub(crate) const MAX_FILES: usize = 20_000;
/// Most `readEntries` batches per directory (the browser returns up to 100 per call), so
/// a misbehaving reader cannot loop forever.
const MAX_BATCHES: usize = 64;

/// One machine as dropped: its display name and files.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The folder's name, or the file's.
    pub name: String,
    /// Its files.
    pub files: Vec<File>,
    /// Each file's path inside the folder (`etc/ssh/sshd_config`); empty for a loose file.
    pub paths: Vec<String>,
}

impl Group {
    /// A loose file: one machine.
    pub(crate) fn single(file: File) -> Self {
        Self { name: file.name(), files: vec![file], paths: Vec::new() }
    }
}

/// What was dropped, captured synchronously in the drop handler (items die with the event).
pub(crate) enum Dropped {
    /// A folder to read.
    Folder(FileSystemDirectoryEntry),
    /// A loose file.
    File(File),
}

/// Reads dropped items into machine groups: each folder becomes one group (bounded by
/// [`MAX_DEPTH`] and [`MAX_FILES`]), each file its own. Returns the groups and notes about
/// what was skipped, for the user.
pub(crate) async fn read_dropped(items: Vec<Dropped>) -> (Vec<Group>, Vec<String>) {
    let mut groups = Vec::new();
    let mut notes = Vec::new();
    for item in items {
        match item {
            Dropped::File(file) => groups.push(Group::single(file)),
            Dropped::Folder(dir) => {
                let name = dir.name();
                let mut files = Vec::new();
                let mut paths = Vec::new();
                let mut truncated = false;
                if let Err(e) = walk(&dir, 0, &mut files, &mut paths, &mut truncated).await {
                    notes.push(format!("{name}: the folder could not be read completely: {}", describe(&e)));
                }
                if truncated {
                    notes.push(format!(
                        "{name}: only the first {MAX_FILES} files up to {MAX_DEPTH} folders deep were taken"
                    ));
                }
                if files.is_empty() {
                    notes.push(format!("{name}: the folder holds no files"));
                } else {
                    groups.push(Group { name, files, paths });
                }
            }
        }
    }
    (groups, notes)
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
}

/// Depth-first, iterative over batches, recursive over folders (bounded by [`MAX_DEPTH`]).
async fn walk(
    dir: &FileSystemDirectoryEntry,
    depth: usize,
    files: &mut Vec<File>,
    paths: &mut Vec<String>,
    truncated: &mut bool,
) -> Result<(), JsValue> {
    let reader = dir.create_reader();
    for _ in 0..MAX_BATCHES {
        let batch = read_entries(&reader).await?;
        if batch.length() == 0 {
            return Ok(());
        }
        for entry in batch.iter() {
            let Ok(entry) = entry.dyn_into::<FileSystemEntry>() else { continue };
            if files.len() >= MAX_FILES {
                *truncated = true;
                return Ok(());
            }
            if entry.is_directory() {
                if depth + 1 >= MAX_DEPTH {
                    *truncated = true;
                    continue;
                }
                // Boxed: an async fn cannot recurse into itself unboxed.
                Box::pin(walk(entry.unchecked_ref(), depth + 1, files, paths, truncated)).await?;
            } else if entry.is_file() {
                files.push(file_of(entry.unchecked_ref()).await?);
                // `/<dropped folder>/etc/hosts` → `etc/hosts`.
                let full = entry.full_path();
                let inside = full.trim_start_matches('/').split_once('/').map_or(full.as_str(), |(_, rest)| rest);
                paths.push(inside.to_owned());
            }
        }
    }
    *truncated = true;
    Ok(())
}

/// `readEntries` as a future.
async fn read_entries(reader: &FileSystemDirectoryReader) -> Result<Array, JsValue> {
    let mut call: Result<(), JsValue> = Ok(());
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        call = reader.read_entries_with_callback_and_callback(&resolve, &reject);
    });
    call?;
    Ok(JsFuture::from(promise).await?.unchecked_into())
}

/// `FileSystemFileEntry.file()` as a future.
async fn file_of(entry: &FileSystemFileEntry) -> Result<File, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        entry.file_with_callback_and_callback(&resolve, &reject);
    });
    JsFuture::from(promise).await?.dyn_into()
}

/// Groups files chosen with a folder picker by their top folder (`webkitRelativePath`);
/// files without one stay one machine each. Bounded by [`MAX_FILES`] and [`MAX_DEPTH`] per group.
pub(crate) fn group_picked(files: Vec<File>) -> (Vec<Group>, Vec<String>) {
    // (is a folder, group): a loose file never joins a folder of the same name.
    let mut groups: Vec<(bool, Group)> = Vec::new();
    let mut truncated: Vec<String> = Vec::new();
    for file in files {
        let relative = Reflect::get(&file, &JsValue::from_str("webkitRelativePath")).ok().and_then(|v| v.as_string());
        let Some((top, rest)) = relative.as_deref().and_then(|p| p.split_once('/')) else {
            groups.push((false, Group::single(file)));
            continue;
        };
        let top = top.to_owned();
        let depth = rest.matches('/').count();
        match groups.iter_mut().find(|(folder, g)| *folder && g.name == top) {
            Some((_, group)) if group.files.len() >= MAX_FILES || depth >= MAX_DEPTH => {
                if !truncated.contains(&top) {
                    truncated.push(top);
                }
            }
            Some((_, group)) => {
                group.files.push(file);
                group.paths.push(rest.to_owned());
            }
            None => groups.push((true, Group { name: top, files: vec![file], paths: vec![rest.to_owned()] })),
        }
    }
    let notes = truncated
        .iter()
        .map(|top| format!("{top}: only the first {MAX_FILES} files up to {MAX_DEPTH} folders deep were taken"))
        .collect();
    (groups.into_iter().map(|(_, g)| g).collect(), notes)
}
