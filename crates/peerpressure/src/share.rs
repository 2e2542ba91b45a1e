// SPDX-License-Identifier: GPL-3.0-or-later
//! Share links: the top suspects of a [`Ranking`] in a URL fragment, `#report=v1.<data>`.
//!
//! A shared report holds, per row, the rank, P(sick), category, kind, path, name, the
//! target's value, the peer value distribution (value → count) and N; once for the report,
//! the number of peers and of suspects. Never images, machine names or file names.
//!
//! # Format
//!
//! `<data>` is base64url without padding of: one version byte ([`SHARE_VERSION`]), one flags
//! byte (bit 0: [`SharedReport::identifying`]), then a raw deflate stream of the body:
//!
//! ```text
//! body   = peers:varint suspects:varint rows:varint row*
//! row    = rank:varint probability:f64le category:u8 kind:u8 path:str name:str value:ostr
//!          n:varint values:varint (ostr count:varint)* other:varint
//! str    = len:varint utf8[len]
//! ostr   = 0 (absent) | len+1:varint utf8[len]
//! varint = LEB128, at most 5 bytes (u32), minimally encoded
//! ```
//!
//! `kind` is [`Kind::code`] (0 registry … 7 service); `category` 0 of interest, 1 noisy,
//! 2 uniform. `other` counts the peers whose values are beyond the [`MAX_VALUES`] listed.
//!
//! # Privacy
//!
//! Values are canonical already: the settings crate replaced the machine's host names,
//! user names, SIDs, MAC and own IP addresses with tokens (`<hostname>`, `<user:1001>`, …).
//! [`SharedReport::from_ranking`] runs a last pass over every string unless the user opted
//! in to identifying values ([`ShareOptions::identifying`]): each whole-word occurrence of a
//! caller-given identity string (machine names, anything the caller knows) becomes
//! `<redacted>`, and whatever still looks like a domain SID, a MAC address or a non-local
//! IP address becomes its token ([`model::anon::Redactor`], the anonymizer the settings
//! crate uses too). Peer values that become equal are merged.
//!
//! # Bounds
//!
//! Decoding never trusts the link: the fragment is at most [`MAX_LINK_CHARS`], the
//! inflated body at most [`MAX_INFLATED`] bytes (inflation stops there: no zip bomb), at
//! most [`MAX_ROWS`] rows of at most [`MAX_VALUES`] values, strings at most [`MAX_STRING`]
//! bytes. Errors say what is wrong and where (character offset in the link, or byte offset
//! in the inflated body).

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::anon::Redactor;
use model::Kind;

use crate::varint::{self, VarintError};
use crate::{Category, Ranking};

/// Version byte of the format this build writes and reads.
pub const SHARE_VERSION: u8 = 1;
/// What precedes the data in the fragment (after `#`).
pub const FRAGMENT_PREFIX: &str = "report=v1.";
/// Longest fragment accepted: browsers keep URLs of a few MiB, but a report of
/// [`MAX_ROWS`] rows compresses to a few KiB; anything longer is not a report.
pub const MAX_LINK_CHARS: usize = 256 * 1024;
/// Most bytes inflated: a report of [`MAX_ROWS`] full rows is below this; inflation stops
/// past it, so a small link cannot expand into gigabytes.
pub const MAX_INFLATED: usize = 4 * 1024 * 1024;
/// Most rows in a report (the link stays short enough to paste into a chat).
pub const MAX_ROWS: usize = 200;
/// Most peer values listed per row; the rest are counted in [`SharedRow::other`].
pub const MAX_VALUES: usize = 20;
/// Longest path, name or value kept; longer ones are cut (on a character boundary) when
/// writing and refused when reading.
pub const MAX_STRING: usize = 1024;
/// Rows shared by default.
pub const DEFAULT_ROWS: usize = 50;
/// Most identity strings searched for in the last privacy pass (each costs a scan of every
/// string of the report).
pub const MAX_IDENTITY_STRINGS: usize = 64;

/// Flags byte: the user opted in to identifying values.
const FLAG_IDENTIFYING: u8 = 1;
/// Every category, by its code in the format (index).
const CATEGORIES: [Category; 3] = [Category::OfInterest, Category::Noisy, Category::Uniform];

/// What went wrong reading a share link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// The link is not a report link, or is damaged. `offset` is a character offset in the
    /// fragment data for the outer layers, or a byte offset in the inflated body.
    #[error("share link: {structure} at {offset}: {reason}")]
    Corrupt {
        /// What was being read (`fragment`, `base64 data`, `rows[3].path`, …).
        structure: String,
        /// Where (see the variant's docs).
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Written by a newer vmsift.
    #[error("share link: version {found} is not supported (this build reads version {SHARE_VERSION}); it was made by a newer vmsift")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
}

fn corrupt(structure: impl Into<String>, offset: usize, reason: impl Into<String>) -> ShareError {
    ShareError::Corrupt { structure: structure.into(), offset: offset as u64, reason: reason.into() }
}

/// One suspect of a shared report.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedRow {
    /// 1-based rank in the full ranking.
    pub rank: u32,
    /// P(sick).
    pub probability: f64,
    /// Category.
    pub category: Category,
    /// Kind.
    pub kind: Kind,
    /// Location.
    pub path: String,
    /// Name.
    pub name: String,
    /// The target's value; `None` when it lacks the setting.
    pub value: Option<String>,
    /// N for this setting.
    pub n: u32,
    /// Peer values with counts, most common first (at most [`MAX_VALUES`]); `None` is ABSENT.
    pub peer_values: Vec<(Option<String>, u32)>,
    /// Peers holding values not listed.
    pub other: u32,
}

impl SharedRow {
    /// Peers sharing the target's value.
    pub fn m(&self) -> u32 {
        self.peer_values.iter().find(|(v, _)| *v == self.value).map_or(0, |(_, c)| *c)
    }
}

/// The top suspects of a ranking, as a share link carries them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharedReport {
    /// N, the peers compared with.
    pub peers: u32,
    /// t, the settings compared.
    pub suspects: u32,
    /// The user opted in to identifying values (the last privacy pass was skipped).
    pub identifying: bool,
    /// Most suspicious first.
    pub rows: Vec<SharedRow>,
}

/// How [`SharedReport::from_ranking`] builds a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareOptions {
    /// Rows to keep (capped at [`MAX_ROWS`]).
    pub rows: usize,
    /// Skip the last privacy pass: the user ticked "include identifying values".
    pub identifying: bool,
    /// Strings that identify the machines (host or user names, machine file names): each
    /// whole-word, case-insensitive occurrence becomes `<redacted>`. Strings shorter than 3
    /// characters are ignored (they would match everywhere); at most
    /// [`MAX_IDENTITY_STRINGS`] are used.
    pub identity: Vec<String>,
}

impl Default for ShareOptions {
    fn default() -> Self {
        Self { rows: DEFAULT_ROWS, identifying: false, identity: Vec::new() }
    }
}

/// Cuts `s` to at most [`MAX_STRING`] bytes on a character boundary.
fn cut(mut s: String) -> String {
    if s.len() > MAX_STRING {
        let mut end = MAX_STRING;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

impl SharedReport {
    /// The top `options.rows` rows of `ranking` (by rank), strings cut to [`MAX_STRING`],
    /// through the last privacy pass unless `options.identifying`.
    pub fn from_ranking(ranking: &Ranking, options: &ShareOptions) -> Self {
        let scrub = Redactor::new(if options.identifying { &[] } else { &options.identity }, MAX_IDENTITY_STRINGS);
        let text = |s: &str| if options.identifying { s.to_owned() } else { scrub.text(s) };
        let mut sorted: Vec<_> = ranking.ranking.iter().collect();
        sorted.sort_by_key(|r| r.rank);
        let rows = sorted
            .into_iter()
            .take(options.rows.min(MAX_ROWS))
            .map(|r| {
                let mut values: Vec<(Option<String>, u32)> = Vec::new();
                for (v, c) in &r.peer_values {
                    let v = v.as_deref().map(|v| cut(text(v)));
                    match values.iter_mut().find(|(w, _)| *w == v) {
                        Some((_, n)) => *n = n.saturating_add(*c),
                        None => values.push((v, *c)),
                    }
                }
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let other = values.iter().skip(MAX_VALUES).fold(0u32, |a, (_, c)| a.saturating_add(*c));
                values.truncate(MAX_VALUES);
                SharedRow {
                    rank: r.rank,
                    probability: r.probability,
                    category: r.category,
                    kind: r.kind,
                    path: cut(text(&r.path)),
                    name: cut(text(&r.name)),
                    value: r.value.as_deref().map(|v| cut(text(v))),
                    n: r.n,
                    peer_values: values,
                    other,
                }
            })
            .collect();
        Self { peers: ranking.peers, suspects: ranking.suspects, identifying: options.identifying, rows }
    }

    /// The fragment data: base64url of version, flags and the deflated body (see the module
    /// docs). Prefix it with `#` + [`FRAGMENT_PREFIX`] for a link.
    pub fn encode(&self) -> String {
        let mut body = Vec::new();
        varint::put(&mut body, self.peers);
        varint::put(&mut body, self.suspects);
        let rows = &self.rows[..self.rows.len().min(MAX_ROWS)];
        varint::put(&mut body, rows.len() as u32);
        for r in rows {
            varint::put(&mut body, r.rank);
            body.extend_from_slice(&r.probability.to_le_bytes());
            body.push(CATEGORIES.iter().position(|c| *c == r.category).unwrap_or(0) as u8);
            body.push(r.kind.code());
            put_str(&mut body, &r.path);
            put_str(&mut body, &r.name);
            put_opt_str(&mut body, r.value.as_deref());
            varint::put(&mut body, r.n);
            let values = &r.peer_values[..r.peer_values.len().min(MAX_VALUES)];
            let dropped = r.peer_values.iter().skip(MAX_VALUES).fold(0u32, |a, (_, c)| a.saturating_add(*c));
            varint::put(&mut body, values.len() as u32);
            for (v, c) in values {
                put_opt_str(&mut body, v.as_deref());
                varint::put(&mut body, *c);
            }
            varint::put(&mut body, r.other.saturating_add(dropped));
        }
        let mut out = vec![SHARE_VERSION, if self.identifying { FLAG_IDENTIFYING } else { 0 }];
        let mut enc = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = enc.write_all(&body);
        let _ = enc.finish();
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The whole fragment, without `#`: [`FRAGMENT_PREFIX`] and [`SharedReport::encode`].
    pub fn fragment(&self) -> String {
        format!("{FRAGMENT_PREFIX}{}", self.encode())
    }

    /// Reads a fragment (with or without the leading `#`), `report=v1.<data>`.
    ///
    /// # Errors
    /// [`ShareError`] naming what is wrong and where.
    pub fn from_fragment(fragment: &str) -> Result<Self, ShareError> {
        let f = fragment.strip_prefix('#').unwrap_or(fragment);
        let Some(rest) = f.strip_prefix("report=") else {
            return Err(corrupt("fragment", 0, "it does not start with report="));
        };
        let Some(data) = rest.strip_prefix("v1.") else {
            let version = rest.split('.').next().unwrap_or("");
            return Err(corrupt("fragment", 7, format!("version tag {version:?} is not v1 (made by a newer vmsift?)")));
        };
        Self::decode(data)
    }

    /// Reads the data part of a link (what [`SharedReport::encode`] returns).
    ///
    /// # Errors
    /// [`ShareError`] naming what is wrong and where.
    pub fn decode(data: &str) -> Result<Self, ShareError> {
        if data.len() > MAX_LINK_CHARS {
            return Err(corrupt(
                "fragment",
                MAX_LINK_CHARS,
                format!("{} characters is longer than any report ({MAX_LINK_CHARS} at most)", data.len()),
            ));
        }
        if let Some(pos) = data.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
            return Err(corrupt("base64 data", pos, "not a base64url character (the link was cut or changed)"));
        }
        let raw = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|e| corrupt("base64 data", 0, format!("{e} (the link was cut or changed)")))?;
        Self::decode_payload(&raw)
    }

    /// Reads the bytes under the base64 layer: version, flags, deflated body.
    ///
    /// # Errors
    /// [`ShareError`] naming what is wrong and where (byte offsets in the inflated body).
    pub fn decode_payload(raw: &[u8]) -> Result<Self, ShareError> {
        let (&version, rest) = raw.split_first().ok_or_else(|| corrupt("header", 0, "empty"))?;
        if version != SHARE_VERSION {
            return Err(ShareError::UnsupportedVersion { found: version });
        }
        let (&flags, deflated) = rest.split_first().ok_or_else(|| corrupt("header", 1, "no flags byte"))?;
        if flags & !FLAG_IDENTIFYING != 0 {
            return Err(corrupt("header flags", 1, format!("unknown flags {flags:#04x}")));
        }
        let mut body = Vec::new();
        flate2::read::DeflateDecoder::new(deflated)
            .take(MAX_INFLATED as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| corrupt("deflate stream", body.len(), format!("{e} (the link was cut or changed)")))?;
        if body.len() > MAX_INFLATED {
            return Err(corrupt("deflate stream", MAX_INFLATED, format!("inflates past {MAX_INFLATED} bytes")));
        }
        let mut r = Reader { bytes: &body, at: 0 };
        let peers = r.varint("peers")?;
        let suspects = r.varint("suspects")?;
        let at = r.at;
        let count = r.varint("row count")? as usize;
        if count > MAX_ROWS {
            return Err(corrupt("row count", at, format!("{count} rows; at most {MAX_ROWS}")));
        }
        let mut rows = Vec::with_capacity(count);
        for i in 0..count {
            let field = |f: &str| format!("rows[{i}].{f}");
            let rank = r.varint(&field("rank"))?;
            let at = r.at;
            let probability = f64::from_le_bytes(r.array::<8>(&field("probability"))?);
            if !(0.0..=1.0).contains(&probability) {
                return Err(corrupt(field("probability"), at, format!("{probability} is not a probability")));
            }
            let at = r.at;
            let code = r.byte(&field("category"))?;
            let category = *CATEGORIES
                .get(usize::from(code))
                .ok_or_else(|| corrupt(field("category"), at, format!("unknown code {code}")))?;
            let at = r.at;
            let code = r.byte(&field("kind"))?;
            let kind =
                Kind::from_code(code).ok_or_else(|| corrupt(field("kind"), at, format!("unknown code {code}")))?;
            let path = r.string(&field("path"))?;
            let name = r.string(&field("name"))?;
            let value = r.opt_string(&field("value"))?;
            let n = r.varint(&field("n"))?;
            let at = r.at;
            let nvalues = r.varint(&field("value count"))? as usize;
            if nvalues > MAX_VALUES {
                return Err(corrupt(field("value count"), at, format!("{nvalues} values; at most {MAX_VALUES}")));
            }
            let mut peer_values = Vec::with_capacity(nvalues);
            for j in 0..nvalues {
                let v = r.opt_string(&field(&format!("values[{j}]")))?;
                let c = r.varint(&field(&format!("values[{j}].count")))?;
                peer_values.push((v, c));
            }
            let other = r.varint(&field("other"))?;
            rows.push(SharedRow { rank, probability, category, kind, path, name, value, n, peer_values, other });
        }
        if r.at != body.len() {
            return Err(corrupt("body", r.at, format!("{} bytes after the last row", body.len() - r.at)));
        }
        Ok(Self { peers, suspects, identifying: flags & FLAG_IDENTIFYING != 0, rows })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let s = &s[..floor_boundary(s, MAX_STRING)];
    varint::put(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => varint::put(out, 0),
        Some(s) => {
            let s = &s[..floor_boundary(s, MAX_STRING)];
            varint::put(out, s.len() as u32 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn floor_boundary(s: &str, max: usize) -> usize {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// A cursor over the inflated body; errors carry the byte offset.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self, what: &str) -> Result<u8, ShareError> {
        let b = *self.bytes.get(self.at).ok_or_else(|| corrupt(what, self.at, "the report ends here"))?;
        self.at += 1;
        Ok(b)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ShareError> {
        let s = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or_else(|| corrupt(what, self.at, format!("needs {N} bytes, the report ends first")))?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        self.at += N;
        Ok(a)
    }

    fn varint(&mut self, what: &str) -> Result<u32, ShareError> {
        let start = self.at;
        let (value, next) = varint::get(self.bytes, start).map_err(|e| match e {
            VarintError::Truncated => corrupt(what, start, "the report ends here"),
            e => corrupt(what, start, e.to_string()),
        })?;
        self.at = next;
        Ok(value)
    }

    /// `len` bytes of UTF-8; `start` is the offset of their length field (for errors).
    fn bytes_of(&mut self, what: &str, start: usize, len: usize) -> Result<String, ShareError> {
        if len > MAX_STRING {
            return Err(corrupt(what, start, format!("{len} bytes; at most {MAX_STRING}")));
        }
        let s = self
            .bytes
            .get(self.at..self.at + len)
            .ok_or_else(|| corrupt(what, start, format!("{len} bytes, the report ends first")))?;
        let s = std::str::from_utf8(s).map_err(|e| corrupt(what, start, format!("not UTF-8 ({e})")))?;
        self.at += len;
        Ok(s.to_owned())
    }

    fn string(&mut self, what: &str) -> Result<String, ShareError> {
        let start = self.at;
        let len = self.varint(what)? as usize;
        self.bytes_of(what, start, len)
    }

    fn opt_string(&mut self, what: &str) -> Result<Option<String>, ShareError> {
        let start = self.at;
        match self.varint(what)? as usize {
            0 => Ok(None),
            len => self.bytes_of(what, start, len - 1).map(Some),
        }
    }
}

#[cfg(test)]
mod tests;
