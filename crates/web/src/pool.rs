// SPDX-License-Identifier: GPL-3.0-or-later
//! A pool of scan workers: one machine per worker at a time, a queue for the rest.
//!
//! Cancelling or a crash terminates that worker and starts a fresh one, so one bad image
//! never stops the others.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use protocol::{Reply, ScanRequest};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

/// URL of the worker script Trunk emits (`data-loader-shim`).
const WORKER_URL: &str = "./worker_loader.js";

struct Job {
    machine: u32,
    files: Vec<web_sys::File>,
    /// Each file's path in its dropped folder (empty for loose files).
    paths: Vec<String>,
}

struct Slot {
    worker: web_sys::Worker,
    /// Whether the worker said [`Reply::Ready`].
    ready: bool,
    running: Option<u32>,
    // Kept alive as long as the worker.
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

/// The pool. Cheap to clone (shared handle).
#[derive(Clone)]
pub(crate) struct Pool {
    inner: Rc<RefCell<Inner>>,
}

impl PartialEq for Pool {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

struct Inner {
    slots: Vec<Option<Slot>>,
    queue: VecDeque<Job>,
    on_reply: Callback<Reply>,
}

impl Pool {
    /// A pool of `navigator.hardwareConcurrency` workers (at least 2, at most 8), started on demand.
    pub(crate) fn new(on_reply: Callback<Reply>) -> Self {
        let cores = web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency());
        let size = (cores as usize).clamp(2, 8);
        let slots = (0..size).map(|_| None).collect();
        Self { inner: Rc::new(RefCell::new(Inner { slots, queue: VecDeque::new(), on_reply })) }
    }

    /// Starts every worker now, so the first drop does not wait for a worker's wasm to load
    /// and compile. A worker that fails to start is started again on demand by [`Self::submit`].
    pub(crate) fn warm_up(&self) {
        let empty: Vec<usize> =
            self.inner.borrow().slots.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| i).collect();
        for index in empty {
            if let Ok(slot) = self.spawn(index) {
                self.inner.borrow_mut().slots[index] = Some(slot);
            }
        }
    }

    /// Queues a machine for scanning; `paths` are the files' paths in their dropped folder.
    pub(crate) fn submit(&self, machine: u32, files: Vec<web_sys::File>, paths: Vec<String>) {
        self.inner.borrow_mut().queue.push_back(Job { machine, files, paths });
        self.pump();
    }

    /// Stops work on `machine`, queued or running.
    pub(crate) fn cancel(&self, machine: u32) {
        let mut inner = self.inner.borrow_mut();
        inner.queue.retain(|j| j.machine != machine);
        if let Some(index) = inner.slots.iter().position(|s| s.as_ref().is_some_and(|s| s.running == Some(machine))) {
            if let Some(slot) = inner.slots[index].take() {
                slot.worker.terminate();
            }
        }
        drop(inner);
        self.pump();
        // Replace the terminated worker at once, ready for the next drop.
        self.warm_up();
    }

    fn spawn(&self, index: usize) -> Result<Slot, JsValue> {
        let worker = web_sys::Worker::new(WORKER_URL)?;
        let pool = self.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            pool.message(index, e.data());
        });
        let pool = self.clone();
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            e.prevent_default();
            pool.crashed(index, e.message());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Slot { worker, ready: false, running: None, _on_message: on_message, _on_error: on_error })
    }

    fn message(&self, index: usize, data: JsValue) {
        let Ok(reply) = serde_wasm_bindgen::from_value::<Reply>(data) else { return };
        match reply {
            Reply::Ready => {
                if let Some(Some(slot)) = self.inner.borrow_mut().slots.get_mut(index) {
                    slot.ready = true;
                }
                self.pump();
                return;
            }
            Reply::Done { .. } => {
                if let Some(Some(slot)) = self.inner.borrow_mut().slots.get_mut(index) {
                    slot.running = None;
                }
            }
            Reply::Progress { .. } => {}
        }
        let on_reply = self.inner.borrow().on_reply.clone();
        on_reply.emit(reply);
        self.pump();
    }

    fn crashed(&self, index: usize, message: String) {
        let machine = {
            let mut inner = self.inner.borrow_mut();
            let slot = inner.slots.get_mut(index).and_then(Option::take);
            match slot {
                Some(s) => {
                    s.worker.terminate();
                    // A worker that dies before it is ready would die again: fail a job
                    // rather than restart it forever.
                    if s.ready {
                        s.running
                    } else {
                        inner.queue.pop_front().map(|j| j.machine)
                    }
                }
                None => None,
            }
        };
        if let Some(machine) = machine {
            let on_reply = self.inner.borrow().on_reply.clone();
            on_reply.emit(Reply::Done {
                machine,
                result: Err(format!("the worker reading this machine crashed: {message}")),
            });
        }
        self.pump();
    }

    /// Starts queued jobs on idle workers.
    fn pump(&self) {
        loop {
            let mut inner = self.inner.borrow_mut();
            if inner.queue.is_empty() {
                return;
            }
            // An idle, ready worker takes the job; else start one in an empty slot (it
            // announces itself with Ready, which pumps again).
            let idle = inner.slots.iter().position(|s| s.as_ref().is_some_and(|s| s.ready && s.running.is_none()));
            let starting = inner.slots.iter().filter(|s| s.as_ref().is_some_and(|s| !s.ready)).count();
            let free = idle.or_else(|| {
                if starting >= inner.queue.len() {
                    return None;
                }
                inner.slots.iter().position(Option::is_none)
            });
            let Some(index) = free else { return };
            if inner.slots[index].is_none() {
                drop(inner);
                match self.spawn(index) {
                    Ok(slot) => {
                        self.inner.borrow_mut().slots[index] = Some(slot);
                        // Wait for its Ready before sending it anything.
                        continue;
                    }
                    Err(e) => {
                        let job = self.inner.borrow_mut().queue.pop_front();
                        if let Some(job) = job {
                            let on_reply = self.inner.borrow().on_reply.clone();
                            on_reply.emit(Reply::Done {
                                machine: job.machine,
                                result: Err(format!("cannot start a worker: {e:?}")),
                            });
                        }
                    }
                }
                continue;
            }
            let Some(job) = inner.queue.pop_front() else { return };
            let files = js_sys::Array::new();
            for f in &job.files {
                files.push(f);
            }
            let request = ScanRequest { machine: job.machine, files, paths: job.paths, extraction_profile: None };
            let Some(slot) = inner.slots[index].as_mut() else { return };
            slot.running = Some(job.machine);
            let sent =
                serde_wasm_bindgen::to_value(&request).and_then(|v| slot.worker.post_message(&v).map_err(Into::into));
            if let Err(e) = sent {
                slot.running = None;
                let on_reply = inner.on_reply.clone();
                drop(inner);
                on_reply.emit(Reply::Done {
                    machine: job.machine,
                    result: Err(format!("cannot send the files to a worker: {e:?}")),
                });
            }
        }
    }
}
