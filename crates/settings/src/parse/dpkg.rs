// SPDX-License-Identifier: GPL-3.0-or-later
//! The dpkg database `/var/lib/dpkg/status`: RFC 822-style stanzas, one per package.

/// Lines read at most from the status file: a desktop install's database has a few
/// hundred thousand lines (descriptions, conffiles), far more than a config file, but
/// the file itself is also capped by the extractor's size limit.
pub const MAX_STATUS_LINES: usize = 2_000_000;

/// Parses the dpkg status database into `(package, version)` pairs for installed
/// packages only (`Status: install ok installed`): removed-but-configured packages and
/// half-installed ones are not what the machine runs. A package installed for several
/// architectures (multi-arch `same`) is named `package:arch` from its second entry on.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_dpkg_status_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut out: Vec<(String, String, u32)> = Vec::new();
    // First non-blank line of the current stanza; 0 while between stanzas.
    let mut start = 0u32;
    let mut seen = std::collections::HashSet::new();
    let (mut package, mut version, mut status, mut arch) = (None, None, None, None);
    let mut lines = (1u32..).zip(text.lines().take(MAX_STATUS_LINES)).peekable();
    while let Some((number, line)) = lines.next() {
        if start == 0 && !line.trim().is_empty() {
            start = number;
        }
        if !line.starts_with(char::is_whitespace) {
            if let Some((field, value)) = line.split_once(':') {
                let value = value.trim();
                match field {
                    "Package" => package = Some(value),
                    "Version" => version = Some(value),
                    "Status" => status = Some(value),
                    "Architecture" => arch = Some(value),
                    _ => {}
                }
            }
        }
        if line.trim().is_empty() || lines.peek().is_none() {
            if let (Some(p), Some(v), Some("install ok installed")) = (package, version, status) {
                let name = if seen.insert(p) { p.to_owned() } else { format!("{p}:{}", arch.unwrap_or("")) };
                out.push((name, v.to_owned(), start));
            }
            (package, version, status, arch) = (None, None, None, None);
            start = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_installed_packages() {
        let text = "Package: a\nStatus: install ok installed\nVersion: 1.0-1\nDescription: x\n y: z\n\n\
                    Package: b\nStatus: deinstall ok config-files\nVersion: 2\n\n\
                    Package: a\nStatus: install ok installed\nArchitecture: i386\nVersion: 1.0-1";
        assert_eq!(
            crate::parse::pairs(parse_dpkg_status_lines(text)),
            vec![("a".into(), "1.0-1".into()), ("a:i386".into(), "1.0-1".into())]
        );
    }
}
