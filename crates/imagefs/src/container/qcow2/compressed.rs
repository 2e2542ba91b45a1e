// SPDX-License-Identifier: GPL-3.0-or-later
//! Compressed QCOW2 clusters: raw deflate (zlib type) or a Zstandard frame, each
//! decompressing to exactly one cluster.

use std::io::Read;

use super::header::Compression;
use crate::{Error, Result};

/// Largest zstd window accepted. qemu compresses one cluster (at most 2 MiB) per frame, so
/// a frame asking for a larger window is not qemu's and would only cost memory.
const MAX_ZSTD_WINDOW: u64 = 8 * 1024 * 1024;

/// Decompresses `input` (read at `offset` of `file`) into `out`, which must be filled
/// exactly, as qemu requires.
///
/// # Errors
/// [`Error::Corrupt`] naming the compressed cluster's offset when the data does not
/// decompress to a whole cluster.
pub(super) fn decompress(file: &str, offset: u64, kind: Compression, input: &[u8], out: &mut [u8]) -> Result<()> {
    let corrupt = |detail: String| Error::Corrupt {
        file: file.to_owned(),
        structure: "QCOW2 compressed cluster",
        offset,
        detail,
    };
    match kind {
        Compression::Zlib => {
            let mut inflater = flate2::Decompress::new(false);
            let status = inflater
                .decompress(input, out, flate2::FlushDecompress::Finish)
                .map_err(|e| corrupt(format!("deflate data is invalid: {e}")))?;
            let produced = inflater.total_out();
            if produced != out.len() as u64 {
                return Err(corrupt(format!(
                    "deflate data yields {produced} bytes ({status:?}), not a whole {}-byte cluster",
                    out.len()
                )));
            }
        }
        Compression::Zstd => {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(input, MAX_ZSTD_WINDOW)
                .map_err(|e| corrupt(format!("zstd frame header is invalid: {e}")))?;
            decoder
                .read_exact(out)
                .map_err(|e| corrupt(format!("zstd data does not yield a whole {}-byte cluster: {e}", out.len())))?;
        }
    }
    Ok(())
}
