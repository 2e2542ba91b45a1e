// SPDX-License-Identifier: GPL-3.0-or-later
//! Function components, one per file. They own no app state: they render props and emit callbacks.

mod drop_zone;
mod machine_card;
mod results;

pub use drop_zone::DropZone;
pub use machine_card::MachineCard;
pub use results::Results;
