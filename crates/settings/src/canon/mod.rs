// SPDX-License-Identifier: GPL-3.0-or-later
//! Canonicalization: rewrite values so that peers that mean the same thing compare equal.
//!
//! One module per domain, each with its rule table beside its code:
//!
//! - [`config`]: config-file values (whitespace, quotes, integers, booleans);
//! - [`registry`]: registry paths, names and values, rules R1–R16 ([`RegistryContext`]);
//! - [`identity`]: the machine's own names and addresses in every other setting, rules
//!   I1–I9 ([`IdentityContext`]).
//!
//! The identifiers themselves (domain SIDs, MAC, IP and e-mail addresses, whole words) are
//! recognized and replaced by `model::anon`, the one anonymizer, which the share links'
//! last privacy pass uses too; its functions are re-exported here.

pub mod config;
pub mod identity;
pub mod registry;

pub use config::{config_value, integer};
pub use identity::IdentityContext;
pub use model::anon::{
    contains_ci, has_sid, ip_token, is_mac, is_word_byte, replace_emails, replace_sids, replace_words, sid_token,
};
pub use registry::{canonical_image_path, is_person_name_value, sid_to_binary, RegistryContext, UserProfile};

/// Full names read per machine at most: a machine has a few users; bounds the needle list.
const MAX_FULL_NAMES: usize = 64;

/// Lower-cased `text` when it can serve as a full name to search for everywhere: two words
/// or more with letters, at most 128 bytes, not a placeholder Windows setup writes. A
/// one-word name ("Owner", "user") would match configuration words.
pub fn person_name(text: &str) -> Option<String> {
    const PLACEHOLDERS: &[&str] = &["windows user", "authorized user", "valued customer", "system administrator"];
    let words: Vec<&str> = text.split_whitespace().collect();
    let name = words.join(" ").to_lowercase();
    let wordy = words.len() >= 2 && words.iter().filter(|w| w.chars().any(char::is_alphabetic)).count() >= 2;
    (wordy && name.len() <= 128 && !PLACEHOLDERS.contains(&name.as_str())).then_some(name)
}

/// Needles for rule R15/I8: each full name with its token.
fn full_name_needles<'n>(names: &'n [String], text: &str) -> Vec<(&'n str, &'static str)> {
    names.iter().filter(|n| contains_ci(text, n)).map(|n| (n.as_str(), "<fullname>")).collect()
}
