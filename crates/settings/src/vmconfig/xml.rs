// SPDX-License-Identifier: GPL-3.0-or-later
//! A small, bounded element tree over quick-xml for the XML VM configurations (libvirt
//! domain XML, OVF, VirtualBox). Names are local names (namespace prefixes dropped:
//! `rasd:ResourceType` → `ResourceType`) because the formats use varying prefixes.

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// Elements kept at most per document: the largest real config (libvirt's
/// many-devices test) has a few hundred; a hostile file must not allocate without end.
const MAX_ELEMENTS: usize = 100_000;
/// Nesting depth at most: real configs nest < 10 deep; bounds recursion in lookups.
const MAX_DEPTH: usize = 64;
/// Text bytes kept per element: values are numbers and names, not documents.
const MAX_TEXT: usize = 4096;
/// Top-level elements kept at most: virt-install writes two `<domain>` documents into one
/// file (install phase, then the final definition); more than a few is not a config.
const MAX_ROOTS: usize = 8;

/// One XML element.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    /// Local name.
    pub(crate) name: String,
    /// Attributes by local name, unescaped.
    pub(crate) attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub(crate) children: Vec<Element>,
    /// Concatenated text content (untrimmed).
    pub(crate) text: String,
    /// 1-based line of the element's start tag: the provenance of settings read from it.
    /// A line rather than a byte offset so that every text VM configuration (`.vmx` too)
    /// points into its file the same way, as `file:line`.
    pub(crate) line: u32,
}

impl Element {
    /// Value of the attribute with this local name.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// First child with this local name.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Children with this local name.
    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of the first child with this local name.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// First descendant (depth-first, self excluded) with this local name.
    pub(crate) fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|c| if c.name == name { Some(c) } else { c.find(name) })
    }
}

/// Parses `text` into its first root element. Malformed XML yields the part read so far
/// (configs are read for what they say, not validated); `None` when there is no element.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Option<Element> {
    parse_all(text).into_iter().next()
}

/// Parses `text` into its top-level elements (usually one; virt-install output has two),
/// at most [`MAX_ROOTS`]. Malformed XML yields the part read so far.
pub(crate) fn parse_all(text: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    let mut roots = Vec::new();
    // Lines are counted incrementally over the text the reader has consumed, so the whole
    // document is scanned once. `line` is the line at byte `counted`.
    let (mut line, mut counted) = (1u32, 0usize);
    while roots.len() < MAX_ROOTS {
        // Where the next event starts: the reader stops right after the previous one.
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX).min(text.len());
        let newlines = text.as_bytes().get(counted..at).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        counted = counted.max(at);
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::Start(start) | Event::Empty(start) if count < MAX_ELEMENTS && stack.len() < MAX_DEPTH => {
                count += 1;
                let mut element = Element { name: start.local_name().as_ref().to_owned(), line, ..Element::default() };
                for attr in start.attributes().flatten() {
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_or_else(|_| attr.value.to_string(), |v| v.into_owned());
                    element.attrs.push((attr.key.local_name().as_ref().to_owned(), value));
                }
                if is_start {
                    stack.push(element);
                } else if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                } else {
                    roots.push(element);
                }
            }
            // Over a limit: stop reading, keep what we have.
            Event::Start(_) | Event::Empty(_) => break,
            Event::End(_) => {
                let Some(done) = stack.pop() else { break };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => roots.push(done),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t),
            Event::CData(t) => push_text(&mut stack, &t),
            Event::GeneralRef(r) => {
                let resolved = match &*r {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                if let Some(c) = resolved {
                    push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
                }
            }
            _ => {}
        }
    }
    // Unclosed elements (truncated or over-limit input): attach them to their parents.
    while let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => roots.push(done),
        }
    }
    roots
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        if top.text.len() + text.len() <= MAX_TEXT {
            top.text.push_str(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_attributes_text_and_truncation() {
        let root = parse("<a:root x:k=\"v&amp;w\"><b>1 &lt; 2</b><c/><d><e>").unwrap();
        assert_eq!(root.name, "root");
        assert_eq!(root.attr("k"), Some("v&w"));
        assert_eq!(root.child_text("b"), Some("1 < 2"));
        assert!(root.child("c").is_some());
        assert!(root.find("e").is_some());
        let root = parse("<?xml version=\"1.0\"?>\n<a>\n  <b/>\n\n  <c>x\ny</c><d/>\n</a>").unwrap();
        let lines: Vec<u32> = root.children.iter().map(|c| c.line).collect();
        assert_eq!((root.line, lines), (2, vec![3, 5, 6]));
        assert!(parse("no xml here").is_none());
        let deep = "<a>".repeat(10_000);
        assert!(parse(&deep).is_some());
    }
}
