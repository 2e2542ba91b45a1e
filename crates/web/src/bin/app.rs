// SPDX-License-Identifier: GPL-3.0-or-later
//! The page's binary built by Trunk.

fn main() {
    yew::Renderer::<web::App>::new().render();
}
