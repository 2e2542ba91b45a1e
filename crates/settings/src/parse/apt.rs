// SPDX-License-Identifier: GPL-3.0-or-later
//! APT sources: one-line `sources.list` format and deb822 `.sources` stanzas.

use super::{Pairs, MAX_LINES};

/// Entries produced at most by one deb822 stanza (types × URIs × suites): the product
/// of three lists must not explode on a hostile file.
const MAX_STANZA_ENTRIES: usize = 256;

/// Parses APT sources into `("<type> <uri> <suite>", "<components> [options]")` pairs.
/// URIs lose a trailing `/` (`http://deb.debian.org/debian/` equals `…/debian`); options
/// (`[arch=amd64 signed-by=…]`) are sorted and appended in brackets. deb822 files
/// (`Types:`/`URIs:`/`Suites:`/`Components:` stanzas) are recognised by their fields;
/// stanzas with `Enabled: no` are skipped.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_apt_sources_lines(text: &str) -> Vec<(String, String, u32)> {
    let deb822 = text.lines().take(MAX_LINES).any(|l| l.get(..6).is_some_and(|h| h.eq_ignore_ascii_case("types:")));
    if deb822 {
        parse_deb822(text)
    } else {
        parse_one_line(text)
    }
}

fn parse_one_line(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((kind, rest)) = line.split_once(char::is_whitespace) else { continue };
        if kind != "deb" && kind != "deb-src" {
            continue;
        }
        let mut rest = rest.trim_start();
        let mut options = Vec::new();
        if let Some(inner) = rest.strip_prefix('[') {
            let Some((opts, after)) = inner.split_once(']') else { continue };
            options = opts.split_whitespace().collect();
            rest = after;
        }
        let mut fields = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (fields.next(), fields.next()) else { continue };
        let components: Vec<&str> = fields.collect();
        push(&mut pairs, kind, uri, suite, &components, &mut options, number);
    }
    pairs.into_vec()
}

fn parse_deb822(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    let mut stanza: Vec<(String, String)> = Vec::new();
    // Line of the stanza's first field: where an entry is said to come from.
    let mut start = 0u32;
    let mut lines = (1u32..).zip(text.lines().take(MAX_LINES)).peekable();
    while let Some((number, line)) = lines.next() {
        let end = lines.peek().is_none();
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            if line.starts_with(char::is_whitespace) {
                // Continuation of the previous field (multi-line Signed-By keys).
                if let Some(last) = stanza.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(trimmed);
                }
            } else if let Some((k, v)) = trimmed.split_once(':') {
                if stanza.is_empty() {
                    start = number;
                }
                stanza.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        if trimmed.is_empty() || end {
            emit_stanza(&mut pairs, &stanza, start);
            stanza.clear();
        }
    }
    pairs.into_vec()
}

fn emit_stanza(pairs: &mut Pairs, stanza: &[(String, String)], line: u32) {
    let field = |name: &str| stanza.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    if field("enabled").eq_ignore_ascii_case("no") {
        return;
    }
    let components: Vec<&str> = field("components").split_whitespace().collect();
    let options: Vec<String> = stanza
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "types" | "uris" | "suites" | "components" | "enabled"))
        .map(
            |(k, v)| {
                if k == "signed-by" && v.contains("BEGIN PGP") {
                    format!("{k}=inline")
                } else {
                    format!("{k}={v}")
                }
            },
        )
        .collect();
    let mut emitted = 0;
    for kind in field("types").split_whitespace() {
        for uri in field("uris").split_whitespace() {
            for suite in field("suites").split_whitespace() {
                if emitted >= MAX_STANZA_ENTRIES {
                    return;
                }
                emitted += 1;
                let mut opts: Vec<&str> = options.iter().map(String::as_str).collect();
                push(pairs, kind, uri, suite, &components, &mut opts, line);
            }
        }
    }
}

fn push(
    pairs: &mut Pairs,
    kind: &str,
    uri: &str,
    suite: &str,
    components: &[&str],
    options: &mut Vec<&str>,
    line: u32,
) {
    let uri = uri.trim_end_matches('/');
    let mut value = components.join(" ");
    if !options.is_empty() {
        options.sort_unstable();
        value = format!("{value} [{}]", options.join(" ")).trim_start().to_owned();
    }
    pairs.last(format!("{kind} {uri} {suite}"), value, line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_and_deb822() {
        let got = crate::parse::pairs(parse_apt_sources_lines(
            "deb [signed-by=/k arch=amd64] http://deb.debian.org/debian/ bookworm main contrib # c\n# deb x y\n",
        ));
        assert_eq!(
            got,
            vec![("deb http://deb.debian.org/debian bookworm".into(), "main contrib [arch=amd64 signed-by=/k]".into())]
        );
        let got = crate::parse::pairs(parse_apt_sources_lines(
            "Types: deb deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n\
             Types: deb\nURIs: http://x\nSuites: y\nEnabled: no\n",
        ));
        assert_eq!(got.len(), 4);
        assert!(got.contains(&("deb-src http://deb.debian.org/debian bookworm-updates".into(), "main".into())));
    }

    #[test]
    fn deb822_entries_point_at_their_stanza() {
        // Debian 12's default /etc/apt/sources.list.d/debian.sources (comments inside stanzas).
        let text = "Types: deb\n# http://snapshot.debian.org/archive/debian/20250520T000000Z\n\
                    URIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\
                    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n\
                    Types: deb\n# http://snapshot.debian.org/archive/debian-security/20250520T000000Z\n\
                    URIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n\
                    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";
        let got = parse_apt_sources_lines(text);
        let lines: Vec<&str> = text.lines().collect();
        let stanza_of = |uri: &str| {
            let at = lines.iter().position(|l| *l == format!("URIs: {uri}")).unwrap_or(usize::MAX);
            lines.iter().take(at).rposition(|l| l.starts_with("Types:")).map(|i| i + 1)
        };
        assert_eq!(got.len(), 3);
        for (name, _, line) in &got {
            let uri = name.split(' ').nth(1).unwrap_or("");
            assert_eq!(Some(*line as usize), stanza_of(uri), "{name}");
        }
        let one_line = "# c\n\ndeb http://a/ x main\ndeb http://b y main\n";
        let got: Vec<u32> = parse_apt_sources_lines(one_line).into_iter().map(|(_, _, l)| l).collect();
        assert_eq!(got, vec![3, 4]);
    }
}
