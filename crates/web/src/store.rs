// SPDX-License-Identifier: GPL-3.0-or-later
//! The peer database: what the app keeps in this browser's IndexedDB (through the `idb`
//! crate), so it survives a reload.
//!
//! Two object stores in the database [`DB_NAME`]:
//! - `scans`: extracted settings per machine, keyed by the machine's content fingerprint
//!   ([`crate::fingerprint`]), so dropping the same image again needs no worker. A cache:
//!   bounded by [`MAX_CACHED_SCANS`], least recently used dropped first.
//! - `fleets`: named peer fleets, each a `PeerProfile` in the `.vmsiftpp` binary format of
//!   the CLI (never the per-peer settings): saved from the current peers, or imported from
//!   a profile file.
//!
//! The schema is versioned ([`DB_VERSION`]); [`upgrade`] brings any older database up to
//! date step by step, so a newer app never loses what an older one stored.
//!
//! Nothing here leaves the browser. If IndexedDB is unavailable (some private modes), every
//! call fails with a message and the app works as before, without memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use idb::{Database, DatabaseEvent, Factory, IndexParams, KeyPath, ObjectStoreParams, TransactionMode};
use js_sys::{Object, Reflect, Uint8Array};
use model::MachineScan;
use peerpressure::PeerProfile;
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

/// Name of the IndexedDB database.
pub(crate) const DB_NAME: &str = "vmsift";
/// Current schema version; see [`upgrade`].
pub(crate) const DB_VERSION: u32 = 1;
/// Object store of cached machine settings.
const SCANS: &str = "scans";
/// Index of [`SCANS`] by last use, for eviction.
const BY_USE: &str = "used";
/// Object store of saved fleets.
const FLEETS: &str = "fleets";
/// Most machines whose settings are cached: a Linux machine's settings take tens of KiB,
/// a Windows one's a few MiB; 100 covers several fleets and keeps the cache well below the
/// quota. The least recently used go first.
pub(crate) const MAX_CACHED_SCANS: u32 = 100;
/// Longest fleet name kept (characters): a label, not a document.
pub(crate) const MAX_NAME_CHARS: usize = 100;
/// Most fleets listed; more is not a list anyone reads (and bounds the work of a listing).
pub(crate) const MAX_FLEETS: u32 = 1000;

thread_local! {
    /// The open connection, shared by every call of this page.
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
}

fn err(what: &str) -> impl Fn(idb::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Brings a database from `old` (0 when new) to [`DB_VERSION`], one version at a time.
/// Each step only adds; a future step that reshapes data reads it through the upgrade
/// transaction here.
fn upgrade(db: &Database, old: u32) -> Result<(), idb::Error> {
    if old < 1 {
        let mut params = ObjectStoreParams::new();
        params.key_path(Some(KeyPath::new_single("fingerprint")));
        let scans = db.create_object_store(SCANS, params)?;
        scans.create_index(BY_USE, KeyPath::new_single("used"), Some(IndexParams::new()))?;
        let mut params = ObjectStoreParams::new();
        params.key_path(Some(KeyPath::new_single("id"))).auto_increment(true);
        db.create_object_store(FLEETS, params)?;
    }
    Ok(())
}

/// The shared connection, opened (and upgraded) on first use.
async fn db() -> Result<Rc<Database>, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = Factory::new().map_err(err("IndexedDB is not available in this browser"))?;
    let mut request = factory.open(DB_NAME, Some(DB_VERSION)).map_err(err("cannot open the database"))?;
    let failed = Rc::new(RefCell::new(None::<String>));
    let upgrade_failed = Rc::clone(&failed);
    request.on_upgrade_needed(move |event| {
        let result = event.database().and_then(|db| upgrade(&db, event.old_version().unwrap_or(0)));
        if let Err(e) = result {
            *upgrade_failed.borrow_mut() = Some(e.to_string());
        }
    });
    let mut db = request.await.map_err(err("cannot open the database"))?;
    if let Some(e) = failed.borrow_mut().take() {
        return Err(format!("cannot upgrade the database: {e}"));
    }
    // Another tab with a newer app wants to upgrade: let it (this tab reopens on next use).
    db.on_version_change(|_| {
        if let Some(db) = DB.with(|d| d.borrow_mut().take()) {
            db.close();
        }
    });
    let db = Rc::new(db);
    DB.with(|d| *d.borrow_mut() = Some(Rc::clone(&db)));
    Ok(db)
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a plain property of a fresh Object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

fn get_str(object: &JsValue, key: &str) -> Option<String> {
    Reflect::get(object, &JsValue::from_str(key)).ok()?.as_string()
}

fn get_f64(object: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(object, &JsValue::from_str(key)).ok()?.as_f64()
}

/// The cached settings of the machine with `fingerprint`, if any (and marks them used).
/// An entry that no longer decodes is dropped and reported as absent.
///
/// # Errors
/// A message when the database cannot be read.
pub(crate) async fn cached_scan(fingerprint: &str) -> Result<Option<MachineScan>, String> {
    let db = db().await?;
    let tx = db.transaction(&[SCANS], TransactionMode::ReadWrite).map_err(err("cannot read the cache"))?;
    let store = tx.object_store(SCANS).map_err(err("cannot read the cache"))?;
    let record = store
        .get(JsValue::from_str(fingerprint))
        .map_err(err("cannot read the cache"))?
        .await
        .map_err(err("cannot read the cache"))?;
    let Some(record) = record else {
        return Ok(None);
    };
    let scan = get_str(&record, "json").and_then(|j| serde_json::from_str::<MachineScan>(&j).ok());
    if scan.is_some() {
        let _ = Reflect::set(&record, &JsValue::from_str("used"), &JsValue::from_f64(now()));
        store
            .put(&record, None)
            .map_err(err("cannot update the cache"))?
            .await
            .map_err(err("cannot update the cache"))?;
    } else {
        store.delete(JsValue::from_str(fingerprint)).map_err(err("cannot update the cache"))?;
    }
    tx.await.map_err(err("cannot update the cache"))?;
    Ok(scan)
}

/// Caches `scan` as the settings of the machine with `fingerprint` (named `name` for
/// display), then drops the least recently used entries beyond [`MAX_CACHED_SCANS`].
///
/// # Errors
/// A message when the database cannot be written (e.g. the quota is exhausted).
pub(crate) async fn cache_scan(fingerprint: &str, name: &str, scan: &MachineScan) -> Result<(), String> {
    let json = serde_json::to_string(scan).map_err(|e| format!("cannot encode the settings: {e}"))?;
    let db = db().await?;
    let tx = db.transaction(&[SCANS], TransactionMode::ReadWrite).map_err(err("cannot write the cache"))?;
    let store = tx.object_store(SCANS).map_err(err("cannot write the cache"))?;
    let record = Object::new();
    set(&record, "fingerprint", fingerprint);
    set(&record, "name", name);
    set(&record, "used", now());
    set(&record, "json", json);
    store.put(&record, None).map_err(err("cannot write the cache"))?.await.map_err(err("cannot write the cache"))?;
    let count =
        store.count(None).map_err(err("cannot count the cache"))?.await.map_err(err("cannot count the cache"))?;
    if count > MAX_CACHED_SCANS {
        // The index lists primary keys by last use, oldest first.
        let index = store.index(BY_USE).map_err(err("cannot trim the cache"))?;
        let oldest = index
            .get_all_keys(None, Some(count - MAX_CACHED_SCANS))
            .map_err(err("cannot trim the cache"))?
            .await
            .map_err(err("cannot trim the cache"))?;
        for key in oldest {
            store.delete(key).map_err(err("cannot trim the cache"))?;
        }
    }
    tx.await.map_err(err("cannot write the cache"))?;
    Ok(())
}

/// Where a saved fleet came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Saved from the peers of the page.
    Saved,
    /// Imported from a `.vmsiftpp` file.
    Imported,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Saved => "saved",
            Origin::Imported => "imported",
        }
    }
}

/// A saved fleet as listed (without its profile bytes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fleet {
    /// Key in the store.
    pub id: u32,
    /// User-chosen name (or the imported file's).
    pub name: String,
    /// Saved or imported.
    pub origin: Origin,
    /// When it was stored (milliseconds since the epoch).
    pub created: f64,
    /// Peers in its profile.
    pub peers: u32,
    /// Distinct settings in its profile.
    pub settings: u32,
    /// Size of its `.vmsiftpp` bytes.
    pub bytes: u32,
}

/// What the database holds, for the library panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Contents {
    /// Saved fleets, newest first.
    pub fleets: Vec<Fleet>,
    /// Machines whose settings are cached.
    pub cached: u32,
}

/// A fleet name as stored: trimmed, control characters dropped, at most [`MAX_NAME_CHARS`].
///
/// # Errors
/// When nothing is left.
pub(crate) fn clean_name(name: &str) -> Result<String, String> {
    let name: String = name.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    let name = name.trim();
    if name.is_empty() {
        return Err("give the fleet a name".into());
    }
    Ok(name.to_owned())
}

/// A file name for exporting fleet `name`: letters, digits, `-`, `_` and `.` kept, runs of
/// anything else become one `-`, never a leading dot, `.vmsiftpp` appended.
pub(crate) fn file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(['-', '.']);
    let out = out.strip_suffix(".vmsiftpp").unwrap_or(out);
    format!("{}.vmsiftpp", if out.is_empty() { "fleet" } else { out })
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Saves `profile` as fleet `name`. The same profile bytes already stored are not stored
/// twice: the existing fleet's id is returned.
///
/// # Errors
/// A bad name, or a database that cannot be written.
pub(crate) async fn save_fleet(name: &str, origin: Origin, profile: &PeerProfile) -> Result<u32, String> {
    let name = clean_name(name)?;
    let bytes = profile.to_bytes();
    let digest = digest(&bytes);
    let db = db().await?;
    let tx = db.transaction(&[FLEETS], TransactionMode::ReadWrite).map_err(err("cannot save the fleet"))?;
    let store = tx.object_store(FLEETS).map_err(err("cannot save the fleet"))?;
    let existing = store
        .get_all(None, Some(MAX_FLEETS))
        .map_err(err("cannot save the fleet"))?
        .await
        .map_err(err("cannot save the fleet"))?;
    if let Some(same) = existing.iter().find(|r| get_str(r, "digest").as_deref() == Some(digest.as_str())) {
        let id = get_f64(same, "id").unwrap_or(0.0) as u32;
        tx.await.map_err(err("cannot save the fleet"))?;
        return Ok(id);
    }
    let record = Object::new();
    set(&record, "name", name);
    set(&record, "origin", origin.as_str());
    set(&record, "created", now());
    set(&record, "peers", profile.peers);
    set(&record, "settings", profile.counts.len() as u32);
    set(&record, "digest", digest);
    set(&record, "profile", Uint8Array::from(bytes.as_slice()));
    let id =
        store.add(&record, None).map_err(err("cannot save the fleet"))?.await.map_err(err("cannot save the fleet"))?;
    tx.await.map_err(err("cannot save the fleet"))?;
    Ok(id.as_f64().unwrap_or(0.0) as u32)
}

/// Everything stored, for display.
///
/// # Errors
/// A message when the database cannot be read.
pub(crate) async fn contents() -> Result<Contents, String> {
    let db = db().await?;
    let tx = db.transaction(&[FLEETS, SCANS], TransactionMode::ReadOnly).map_err(err("cannot read the database"))?;
    let fleets = tx.object_store(FLEETS).map_err(err("cannot read the database"))?;
    let records = fleets
        .get_all(None, Some(MAX_FLEETS))
        .map_err(err("cannot list the fleets"))?
        .await
        .map_err(err("cannot list the fleets"))?;
    let scans = tx.object_store(SCANS).map_err(err("cannot read the database"))?;
    let cached =
        scans.count(None).map_err(err("cannot count the cache"))?.await.map_err(err("cannot count the cache"))?;
    tx.await.map_err(err("cannot read the database"))?;
    let mut fleets: Vec<Fleet> = records
        .iter()
        .filter_map(|r| {
            let bytes = Reflect::get(r, &JsValue::from_str("profile")).ok()?.dyn_into::<Uint8Array>().ok()?;
            Some(Fleet {
                id: get_f64(r, "id")? as u32,
                name: get_str(r, "name")?,
                origin: if get_str(r, "origin").as_deref() == Some("imported") {
                    Origin::Imported
                } else {
                    Origin::Saved
                },
                created: get_f64(r, "created").unwrap_or(0.0),
                peers: get_f64(r, "peers").unwrap_or(0.0) as u32,
                settings: get_f64(r, "settings").unwrap_or(0.0) as u32,
                bytes: bytes.length(),
            })
        })
        .collect();
    fleets.sort_by(|a, b| b.created.total_cmp(&a.created).then(b.id.cmp(&a.id)));
    Ok(Contents { fleets, cached })
}

/// The `.vmsiftpp` bytes of fleet `id` and its name.
///
/// # Errors
/// A message when it is gone or the database cannot be read.
pub(crate) async fn fleet_bytes(id: u32) -> Result<(String, Vec<u8>), String> {
    let db = db().await?;
    let tx = db.transaction(&[FLEETS], TransactionMode::ReadOnly).map_err(err("cannot read the fleet"))?;
    let store = tx.object_store(FLEETS).map_err(err("cannot read the fleet"))?;
    let record = store
        .get(JsValue::from_f64(f64::from(id)))
        .map_err(err("cannot read the fleet"))?
        .await
        .map_err(err("cannot read the fleet"))?
        .ok_or("this fleet is no longer stored")?;
    let name = get_str(&record, "name").unwrap_or_default();
    let bytes = Reflect::get(&record, &JsValue::from_str("profile"))
        .ok()
        .and_then(|b| b.dyn_into::<Uint8Array>().ok())
        .ok_or_else(|| format!("the stored fleet {name} has no profile"))?
        .to_vec();
    Ok((name, bytes))
}

/// Renames fleet `id`.
///
/// # Errors
/// A bad name, a fleet that is gone, or a database that cannot be written.
pub(crate) async fn rename_fleet(id: u32, name: &str) -> Result<(), String> {
    let name = clean_name(name)?;
    let db = db().await?;
    let tx = db.transaction(&[FLEETS], TransactionMode::ReadWrite).map_err(err("cannot rename the fleet"))?;
    let store = tx.object_store(FLEETS).map_err(err("cannot rename the fleet"))?;
    let record = store
        .get(JsValue::from_f64(f64::from(id)))
        .map_err(err("cannot rename the fleet"))?
        .await
        .map_err(err("cannot rename the fleet"))?
        .ok_or("this fleet is no longer stored")?;
    let _ = Reflect::set(&record, &JsValue::from_str("name"), &JsValue::from_str(&name));
    store.put(&record, None).map_err(err("cannot rename the fleet"))?.await.map_err(err("cannot rename the fleet"))?;
    tx.await.map_err(err("cannot rename the fleet"))?;
    Ok(())
}

/// Deletes fleet `id`.
///
/// # Errors
/// A message when the database cannot be written.
pub(crate) async fn delete_fleet(id: u32) -> Result<(), String> {
    let db = db().await?;
    let tx = db.transaction(&[FLEETS], TransactionMode::ReadWrite).map_err(err("cannot delete the fleet"))?;
    let store = tx.object_store(FLEETS).map_err(err("cannot delete the fleet"))?;
    store
        .delete(JsValue::from_f64(f64::from(id)))
        .map_err(err("cannot delete the fleet"))?
        .await
        .map_err(err("cannot delete the fleet"))?;
    tx.await.map_err(err("cannot delete the fleet"))?;
    Ok(())
}

/// Deletes everything stored: fleets and cached settings.
///
/// # Errors
/// A message when the database cannot be written.
pub(crate) async fn clear() -> Result<(), String> {
    let db = db().await?;
    let tx = db.transaction(&[FLEETS, SCANS], TransactionMode::ReadWrite).map_err(err("cannot clear the database"))?;
    for name in [FLEETS, SCANS] {
        let store = tx.object_store(name).map_err(err("cannot clear the database"))?;
        store.clear().map_err(err("cannot clear the database"))?.await.map_err(err("cannot clear the database"))?;
    }
    tx.await.map_err(err("cannot clear the database"))?;
    Ok(())
}

/// What the browser says about this origin's storage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Usage {
    /// Bytes used by this origin (all its storage, the app's offline copy included).
    pub usage: Option<f64>,
    /// Bytes it may use.
    pub quota: Option<f64>,
    /// Whether the browser promised to keep the data (`None`: it cannot tell).
    pub persisted: Option<bool>,
}

fn storage() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    // `navigator.storage` is missing on insecure origins: check before calling the binding.
    Reflect::has(&navigator, &JsValue::from_str("storage")).ok()?.then(|| navigator.storage())
}

async fn promise(p: Result<js_sys::Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(p.ok()?).await.ok()
}

/// `navigator.storage.estimate()` and `persisted()`.
pub(crate) async fn usage() -> Usage {
    let Some(storage) = storage() else { return Usage::default() };
    let estimate = promise(storage.estimate()).await;
    let persisted = promise(storage.persisted()).await.and_then(|v| v.as_bool());
    Usage {
        usage: estimate.as_ref().and_then(|e| get_f64(e, "usage")),
        quota: estimate.as_ref().and_then(|e| get_f64(e, "quota")),
        persisted,
    }
}

/// Asks the browser to keep this origin's data under storage pressure
/// (`navigator.storage.persist()`); the answer, if there is one.
pub(crate) async fn request_persistence() -> Option<bool> {
    let storage = storage()?;
    if promise(storage.persisted()).await.and_then(|v| v.as_bool()) == Some(true) {
        return Some(true);
    }
    promise(storage.persist()).await.and_then(|v| v.as_bool())
}

/// A machine between its drop and its settings: its name, and its fingerprint once known.
#[derive(Debug)]
struct Pending {
    name: String,
    fingerprint: Option<String>,
}

/// Machines being looked up in or fed to the cache, by machine id. Shared by the drop
/// handler, the worker pool's replies and cancel.
#[derive(Clone, Default)]
pub(crate) struct Lookups {
    pending: Rc<RefCell<HashMap<u32, Pending>>>,
    /// Called whenever the database changed (a scan was cached).
    on_change: Rc<RefCell<Option<Callback<()>>>>,
    /// Settles when the newest lookup is done. Each lookup waits for the one before it, so
    /// dropping 100 images samples and hashes one machine at a time, not 25,000 blob
    /// slices at once (which stalled the page for seconds and could crash it).
    last_turn: Rc<RefCell<Option<js_sys::Promise>>>,
}

impl std::fmt::Debug for Lookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookups").field("pending", &self.pending.borrow().len()).finish()
    }
}

impl PartialEq for Lookups {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.pending, &other.pending)
    }
}

impl Lookups {
    /// Tells `f` when a scan was cached (the library panel refreshes its counts).
    pub(crate) fn on_change(&self, f: Callback<()>) {
        *self.on_change.borrow_mut() = Some(f);
    }

    /// Looks machine `id` (named `name`) up in the cache: `hit` gets its cached settings,
    /// or else `miss` runs (it submits the files to the worker pool). Without a database
    /// or a fingerprint, always a miss.
    pub(crate) fn lookup(
        &self,
        id: u32,
        name: String,
        files: Vec<web_sys::File>,
        hit: impl FnOnce(MachineScan) + 'static,
        miss: impl FnOnce(Vec<web_sys::File>) + 'static,
    ) {
        self.pending.borrow_mut().insert(id, Pending { name, fingerprint: None });
        let mut end_turn = None;
        let turn = js_sys::Promise::new(&mut |resolve, _| end_turn = Some(resolve));
        let previous = self.last_turn.borrow_mut().replace(turn);
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(previous) = previous {
                // The previous lookup's outcome is its own business: only its end matters.
                let _ = JsFuture::from(previous).await;
            }
            let fingerprint = crate::fingerprint::machine(&files).await.ok();
            let found = match &fingerprint {
                Some(f) => cached_scan(f).await.ok().flatten(),
                None => None,
            };
            if let Some(end_turn) = end_turn {
                let _ = end_turn.call0(&JsValue::UNDEFINED);
            }
            {
                let mut pending = this.pending.borrow_mut();
                // Cancelled or cleared meanwhile: nothing to do.
                let Some(entry) = pending.get_mut(&id) else { return };
                entry.fingerprint = fingerprint;
                if found.is_some() {
                    pending.remove(&id);
                }
            }
            match found {
                Some(scan) => hit(scan),
                None => miss(files),
            }
        });
    }

    /// Machine `id` will not finish (cancelled, removed, cleared).
    pub(crate) fn forget(&self, id: u32) {
        self.pending.borrow_mut().remove(&id);
    }

    /// A worker finished machine `id`: cache its settings.
    pub(crate) fn finished(&self, id: u32, result: &Result<MachineScan, String>) {
        let Some(Pending { name, fingerprint: Some(fingerprint) }) = self.pending.borrow_mut().remove(&id) else {
            return;
        };
        let Ok(scan) = result else { return };
        let scan = scan.clone();
        let on_change = self.on_change.borrow().clone();
        wasm_bindgen_futures::spawn_local(async move {
            if cache_scan(&fingerprint, &name, &scan).await.is_ok() {
                request_persistence().await;
                if let Some(f) = on_change {
                    f.emit(());
                }
            }
        });
    }
}

#[cfg(test)]
mod tests;
