// SPDX-License-Identifier: GPL-3.0-or-later
//! A profile file in either form: the one decoder the CLI and the page call.

use crate::binary::MAGIC;
use crate::error::{Format, ProfileError};
use crate::PeerProfile;

impl PeerProfile {
    /// Decodes a profile file: binary when it starts with the `VMSIFTPP` magic, JSON when
    /// its first non-blank byte is `{`, otherwise binary again (so that the error says
    /// what a profile file should start with).
    ///
    /// # Errors
    /// As [`PeerProfile::from_bytes`] and [`PeerProfile::from_json`]; JSON that is not
    /// UTF-8 is [`ProfileError::Corrupt`] at the first invalid byte.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProfileError> {
        if bytes.starts_with(MAGIC) {
            return Self::from_bytes(bytes);
        }
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Self::from_bytes(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| ProfileError::Corrupt {
            format: Format::Json,
            structure: "document".into(),
            offset: e.valid_up_to() as u64,
            reason: "not UTF-8".into(),
        })?;
        Self::from_json(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Kind, Setting};

    #[test]
    fn either_form_decodes_and_junk_is_refused_as_binary() {
        let s = Setting { kind: Kind::Config, path: "/etc/a".into(), name: "k".into(), value: "v".into() };
        let profile = PeerProfile::from_machines([&[s][..]]);
        assert_eq!(PeerProfile::decode(&profile.to_bytes()).unwrap(), profile);
        assert_eq!(PeerProfile::decode(format!("\n  {}", profile.to_json()).as_bytes()).unwrap(), profile);
        let junk = PeerProfile::decode(b"junk").unwrap_err().to_string();
        assert!(junk.starts_with("binary peer profile: magic at offset 0"), "{junk}");
        let latin1 = PeerProfile::decode(b"{\"format\": \"\xe9\"}").unwrap_err().to_string();
        assert!(latin1.contains("JSON peer profile: document at offset 12: not UTF-8"), "{latin1}");
    }
}
