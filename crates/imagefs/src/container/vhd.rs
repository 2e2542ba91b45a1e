// SPDX-License-Identifier: GPL-3.0-or-later
//! VHD images. Not implemented yet: opening one reports it as unsupported.

use super::{Disk, FileSet};
use crate::{Error, Result, Source};

pub(super) fn open(top: Source, _files: &FileSet, _depth: u32) -> Result<Disk> {
    Err(Error::Unsupported {
        file: top.name().to_owned(),
        structure: "VHD footer",
        offset: 0,
        detail: "VHD images are not read yet".into(),
    })
}
