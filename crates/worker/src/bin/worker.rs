// SPDX-License-Identifier: GPL-3.0-or-later
//! The worker binary built by Trunk (`data-type="worker"`).

fn main() {
    worker::start();
}
