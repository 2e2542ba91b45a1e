// SPDX-License-Identifier: GPL-3.0-or-later
//! The text descriptor (VMware Virtual Disk Format 1.1 §"The Descriptor File"): either a
//! file of its own (`# Disk DescriptorFile`) or embedded in a monolithic sparse extent.

use crate::{Error, Result};

/// Most extent lines accepted. A 62 TB disk split in 2 GB extents has about 31,000.
pub(super) const MAX_EXTENTS: usize = 65_536;

/// Longest descriptor read, in bytes. Real ones are under 2 KiB; qemu pads to 512 bytes and
/// embedded ones are 10 KiB at most.
pub(super) const MAX_DESCRIPTOR_BYTES: usize = 1024 * 1024;

/// `parentCID` value of a disk without a parent.
const NO_PARENT: &str = "ffffffff";

/// Kind of an extent line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExtentKind {
    /// Raw bytes in a file (`FLAT`, and the ESX `VMFS` flat file).
    Flat,
    /// A hosted sparse extent (`KDMV`).
    Sparse,
    /// Reads as zeros, no file.
    Zero,
    /// Kinds vmsift does not read (`VMFSSPARSE`, `SESPARSE`, raw device mappings).
    Other,
}

/// One extent line: `RW 4192256 SPARSE "disk-s001.vmdk"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExtentLine {
    /// Length in sectors.
    pub(super) sectors: u64,
    /// Kind.
    pub(super) kind: ExtentKind,
    /// The type word as written.
    pub(super) type_name: String,
    /// File name (empty for `ZERO`).
    pub(super) file: String,
    /// Offset into the file, in sectors (flat extents).
    pub(super) offset: u64,
}

/// A parsed descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Descriptor {
    /// `createType`.
    pub(super) create_type: String,
    /// `parentCID`, when the disk has a parent.
    pub(super) parent_cid: Option<String>,
    /// `parentFileNameHint`.
    pub(super) parent_hint: Option<String>,
    /// Extents, in order.
    pub(super) extents: Vec<ExtentLine>,
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(s)
}

impl Descriptor {
    /// Parses descriptor text. `file` and `offset` (of the text) are for error messages.
    pub(super) fn parse(text: &str, file: &str, offset: u64) -> Result<Self> {
        let corrupt =
            |detail: String| Error::Corrupt { file: file.to_owned(), structure: "VMDK descriptor", offset, detail };
        let mut d = Self::default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let first = line.split_whitespace().next().unwrap_or("");
            if matches!(first, "RW" | "RDONLY" | "NOACCESS") {
                if d.extents.len() >= MAX_EXTENTS {
                    return Err(corrupt(format!("more than {MAX_EXTENTS} extents")));
                }
                d.extents.push(Self::extent(line).ok_or_else(|| corrupt(format!("bad extent line {line:?}")))?);
                continue;
            }
            let Some((key, value)) = line.split_once('=') else { continue };
            let value = unquote(value);
            match key.trim() {
                "createType" => d.create_type = value.to_owned(),
                "parentCID" if !value.eq_ignore_ascii_case(NO_PARENT) => d.parent_cid = Some(value.to_owned()),
                "parentFileNameHint" if !value.is_empty() => d.parent_hint = Some(value.to_owned()),
                _ => {}
            }
        }
        Ok(d)
    }

    /// `ACCESS SECTORS TYPE ["FILE" [OFFSET]]`; the file name is quoted and may hold spaces.
    fn extent(line: &str) -> Option<ExtentLine> {
        let mut words = line.splitn(3, char::is_whitespace);
        let _access = words.next()?;
        let rest = words.next().map(|w| (w, words.next().unwrap_or("")))?;
        let sectors: u64 = rest.0.parse().ok()?;
        let rest = rest.1.trim_start();
        let (type_name, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let kind = match type_name {
            "FLAT" | "VMFS" => ExtentKind::Flat,
            "SPARSE" => ExtentKind::Sparse,
            "ZERO" => ExtentKind::Zero,
            _ => ExtentKind::Other,
        };
        let rest = rest.trim();
        let (file, tail) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            rest.split_once(char::is_whitespace).unwrap_or((rest, ""))
        };
        if file.is_empty() && kind != ExtentKind::Zero {
            return None;
        }
        let tail = tail.trim();
        let offset = if tail.is_empty() { 0 } else { tail.split_whitespace().next()?.parse().ok()? };
        Some(ExtentLine { sectors, kind, type_name: type_name.to_owned(), file: file.to_owned(), offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_lines_with_spaces_offsets_and_zero() {
        let d = Descriptor::parse(
            "# Disk DescriptorFile\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\
             RW 49152 FLAT \"my disk-flat.vmdk\" 128\nRDONLY 100 ZERO\nRW 8 VMFSSPARSE \"d-delta.vmdk\"\n",
            "d.vmdk",
            0,
        )
        .unwrap();
        assert_eq!(d.create_type, "monolithicFlat");
        assert_eq!(d.parent_cid, None);
        assert_eq!(d.extents.len(), 3);
        assert_eq!(
            (d.extents[0].file.as_str(), d.extents[0].offset, d.extents[0].sectors),
            ("my disk-flat.vmdk", 128, 49152)
        );
        assert_eq!(d.extents[1].kind, ExtentKind::Zero);
        assert_eq!(d.extents[2].kind, ExtentKind::Other);
        assert!(Descriptor::parse("RW lots SPARSE \"x\"", "d", 0).is_err());
    }
}
