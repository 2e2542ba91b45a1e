// SPDX-License-Identifier: GPL-3.0-or-later
//! A browser `Blob` (a dropped `File`) as an [`imagefs::ReadAt`] source.
//!
//! Each read is one `FileReaderSync.readAsArrayBuffer(blob.slice(a, b))`: true random
//! access, never loading the file. A call costs ~0.7 ms, so imagefs's block cache sits in
//! front. `FileReaderSync` exists only in workers.

use std::cell::Cell;

use imagefs::{check_bounds, Error, ReadAt, Result};
use wasm_bindgen::JsValue;

/// Reads a `Blob` at random offsets.
pub struct BlobSource {
    name: String,
    blob: web_sys::Blob,
    size: u64,
    reader: web_sys::FileReaderSync,
    /// Called with the running total of bytes read after each read.
    on_read: Option<Box<dyn Fn(u64)>>,
    bytes: Cell<u64>,
}

impl std::fmt::Debug for BlobSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobSource").field("name", &self.name).field("size", &self.size).finish()
    }
}

fn js_message(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| format!("{e:?}"))
}

impl BlobSource {
    /// Wraps `blob` under `name`.
    ///
    /// # Errors
    /// When `FileReaderSync` is unavailable (not in a worker).
    pub fn new(name: impl Into<String>, blob: web_sys::Blob) -> Result<Self> {
        let name = name.into();
        let reader = web_sys::FileReaderSync::new().map_err(|e| Error::Io {
            file: name.clone(),
            offset: 0,
            len: 0,
            message: format!("FileReaderSync is not available here: {}", js_message(&e)),
        })?;
        let size = blob.size() as u64;
        Ok(Self { name, blob, size, reader, on_read: None, bytes: Cell::new(0) })
    }

    /// Calls `f` with the running byte total after every read (progress reporting).
    pub fn on_read(mut self, f: impl Fn(u64) + 'static) -> Self {
        self.on_read = Some(Box::new(f));
        self
    }
}

impl ReadAt for BlobSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_bounds(&self.name, self.size, offset, buf.len())?;
        let io =
            |e: JsValue| Error::Io { file: self.name.clone(), offset, len: buf.len() as u64, message: js_message(&e) };
        // f64 holds every offset below 2^53 exactly: 8 PiB.
        let end = offset + buf.len() as u64;
        let slice = self.blob.slice_with_f64_and_f64(offset as f64, end as f64).map_err(io)?;
        let array = self.reader.read_as_array_buffer(&slice).map_err(io)?;
        let bytes = js_sys::Uint8Array::new(&array);
        if bytes.length() as usize != buf.len() {
            return Err(Error::Io {
                file: self.name.clone(),
                offset,
                len: buf.len() as u64,
                message: format!("the browser returned {} bytes", bytes.length()),
            });
        }
        bytes.copy_to(buf);
        self.bytes.set(self.bytes.get() + buf.len() as u64);
        if let Some(f) = &self.on_read {
            f(self.bytes.get());
        }
        Ok(())
    }
}
