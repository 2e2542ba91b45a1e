// SPDX-License-Identifier: GPL-3.0-or-later
//! Function components, one per file. They own no app state: they render props and emit callbacks.

mod drop_zone;
mod library;
mod machine_card;
mod profile;
mod results;
mod share;

pub(crate) use drop_zone::DropZone;
pub(crate) use library::{Library, Revision};
pub(crate) use machine_card::MachineCard;
pub(crate) use profile::{ProfileBar, ProfileCard};
pub(crate) use results::Results;
pub(crate) use share::{ShareBar, Shared};
