//! The XML reader every Maven document goes through (poms, settings.xml, maven-metadata.xml):
//! quick-xml events folded into an [`Element`] tree of local names, trimmed text and children,
//! each with the line and column it starts at, so later messages can point into the file.
//! Malformed input is a [`XmlError`] naming the file, line and column; nesting is bounded.

use std::path::{Path, PathBuf};

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

/// Where something was declared, for error messages (`file:line:column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A document that is not well-formed XML (or nests deeper than [`MAX_XML_DEPTH`]), or whose
/// bytes are not in an encoding it can be read in.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("{file}:{line}:{column}: malformed XML: {message}\n  fix: correct the XML at that position (every element closed, names matching, `&` written as `&amp;`)")]
    Malformed {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}:{line}:{column}: {message}\n  fix: {fix}")]
    Encoding {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
        fix: String,
    },
}

/// One XML element: its local name, its trimmed text, its children, and where it starts.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
    /// Attributes by local name, in document order (`implementation`, `combine.children`, ...).
    pub attributes: Vec<(String, String)>,
    pub line: usize,
    pub column: usize,
}

impl Element {
    /// The value of attribute `name` (its qualified name as written, e.g. `combine.children`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at `path` below this one (`["build", "finalName"]`).
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, name| e.child(name))
    }

    /// The text of the child `name`, if present.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The items of a list element: `<excludes><exclude>a</exclude>...</excludes>`.
    pub fn list(&self, container: &str, item: &str) -> Vec<String> {
        self.child(container)
            .map(|c| c.children_named(item).map(|e| e.text.clone()).collect())
            .unwrap_or_default()
    }
}

/// Maps byte offsets to 1-based line and column (columns count characters).
struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// Deeper XML is refused (no pom comes close): the element tree is built, walked and dropped
/// recursively, and a hostile file must not overflow the stack.
pub const MAX_XML_DEPTH: usize = 256;

/// The text of an XML file as Maven's XML reader decodes it: UTF-16 after its byte order mark,
/// ISO-8859-1 (or US-ASCII) when the XML declaration says so, else UTF-8. Invalid bytes and NUL
/// (which XML forbids) are errors naming the position and the fix.
fn decode<'a>(file: &Path, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, str>, XmlError> {
    use std::borrow::Cow;
    let encoding_error = |text: &str, offset: usize, message: String, fix: &str| {
        let (line, column) = LineIndex::new(text).position(offset);
        XmlError::Encoding {
            file: file.to_path_buf(),
            line,
            column,
            message,
            fix: fix.to_string(),
        }
    };
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, false)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, true)),
        _ => None,
    };
    let text: Cow<'a, str> = if let Some((rest, big_endian)) = utf16 {
        Cow::Owned(decode_utf16(rest, big_endian, &encoding_error)?)
    } else {
        let head = &bytes[..bytes.len().min(200)];
        let head = String::from_utf8_lossy(head);
        let declared = head
            .strip_prefix("<?xml")
            .and_then(|d| d.split("?>").next())
            .and_then(|d| d.split("encoding").nth(1))
            .and_then(|d| d.split(['"', '\'']).nth(1))
            .map(str::to_ascii_uppercase);
        match declared.as_deref() {
            Some("ISO-8859-1" | "ISO8859-1" | "LATIN1" | "US-ASCII" | "ASCII") => {
                Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
            }
            Some("UTF-16" | "UTF-16LE" | "UTF-16BE") => {
                return Err(encoding_error(
                    "",
                    0,
                    "the XML declaration says UTF-16, but the file has no UTF-16 byte order mark"
                        .to_string(),
                    "save the file as UTF-8 and declare encoding=\"UTF-8\"",
                ))
            }
            declared => match std::str::from_utf8(bytes) {
                Ok(t) => Cow::Borrowed(t),
                Err(e) => {
                    let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
                    let named = match declared {
                        Some(other) if other != "UTF-8" && other != "UTF8" => format!(
                            "its declared encoding {other} is not one stormpack reads (UTF-8, UTF-16, ISO-8859-1)"
                        ),
                        _ => "the XML declaration names no other encoding".to_string(),
                    };
                    return Err(encoding_error(
                        valid,
                        e.valid_up_to(),
                        format!(
                            "byte 0x{:02X} is not UTF-8, and {named}",
                            bytes[e.valid_up_to()]
                        ),
                        "save the file as UTF-8, or declare its encoding in the first line \
                         (<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>)",
                    ));
                }
            },
        }
    };
    if let Some(at) = text.find('\0') {
        return Err(encoding_error(
            &text,
            at,
            "a NUL byte, which XML does not allow (Maven stops with \"An invalid XML character (Unicode: 0x0) was found\")".to_string(),
            "remove the byte; if the file was saved as UTF-16 without a byte order mark, save it as UTF-8",
        ));
    }
    Ok(text)
}

/// The text after a UTF-16 byte order mark.
fn decode_utf16(
    rest: &[u8],
    big_endian: bool,
    encoding_error: &dyn Fn(&str, usize, String, &str) -> XmlError,
) -> Result<String, XmlError> {
    let units: Vec<u16> = rest
        .chunks(2)
        .map(|c| {
            let pair = [c[0], c.get(1).copied().unwrap_or(0)];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        })
        .collect();
    let mut text = String::with_capacity(units.len());
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(_) => {
                return Err(encoding_error(
                    &text,
                    text.len(),
                    "the file is not valid UTF-16 (it starts with a UTF-16 byte order mark)"
                        .to_string(),
                    "save the file as UTF-8",
                ))
            }
        }
    }
    if rest.len() % 2 == 1 {
        return Err(encoding_error(
            &text,
            text.len(),
            "the file ends in half a UTF-16 character (it starts with a UTF-16 byte order mark)"
                .to_string(),
            "save the file as UTF-8",
        ));
    }
    Ok(text)
}

/// Parse XML bytes into an element tree.
///
/// Longer than the ~80-line guideline on purpose: it is one loop over quick-xml events with its
/// element stack, and each arm is a few lines; split up, the stack would be threaded through
/// helpers that mean nothing alone.
pub fn parse_element(file: &Path, bytes: &[u8]) -> Result<Element, XmlError> {
    let malformed = |offset: usize, message: String, text: &str| {
        let (line, column) = LineIndex::new(text).position(offset);
        XmlError::Malformed {
            file: file.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let decoded = decode(file, bytes)?;
    let text: &str = &decoded;
    let text_body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom_len = text.len() - text_body.len();
    let index = LineIndex::new(text);
    let mut reader = Reader::from_str(text_body);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX) + bom_len;
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(0) + bom_len;
                return Err(malformed(at, e.to_string(), text));
            }
        };
        match event {
            Event::Start(s) | Event::Empty(s) if root.is_some() && stack.is_empty() => {
                let _ = s;
                return Err(malformed(
                    start,
                    "content after the root element".to_string(),
                    text,
                ));
            }
            Event::Start(_) if stack.len() >= MAX_XML_DEPTH => {
                return Err(malformed(
                    start,
                    format!("elements nested deeper than {MAX_XML_DEPTH} levels"),
                    text,
                ));
            }
            Event::Start(s) => {
                let (line, column) = index.position(start);
                stack.push(Element {
                    name: local(s.name().as_ref()),
                    attributes: attributes(&s),
                    line,
                    column,
                    ..Element::default()
                });
            }
            Event::Empty(s) => {
                let (line, column) = index.position(start);
                let el = Element {
                    name: local(s.name().as_ref()),
                    attributes: attributes(&s),
                    line,
                    column,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(mut el) = stack.pop() else {
                    return Err(malformed(start, "unexpected end tag".to_string(), text));
                };
                el.text = el.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(malformed(
                        start,
                        "text outside the root element".to_string(),
                        text,
                    ));
                }
            }
            Event::CData(c) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = entity(&r).map_err(|message| malformed(start, message, text))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    finish(file, &stack, root, index.position(text.len()))
}

/// The document's root once every event is read: an error when an element is left open or
/// there is no root (`end`: the line and column of the end of the text).
fn finish(
    file: &Path,
    stack: &[Element],
    root: Option<Element>,
    end: (usize, usize),
) -> Result<Element, XmlError> {
    if let Some(open) = stack.last() {
        return Err(XmlError::Malformed {
            file: file.to_path_buf(),
            line: open.line,
            column: open.column,
            message: format!("<{}> is never closed", open.name),
        });
    }
    let Some(root) = root else {
        let (line, column) = end;
        return Err(XmlError::Malformed {
            file: file.to_path_buf(),
            line,
            column,
            message: "no root element".to_string(),
        });
    };
    Ok(root)
}

/// The text of a character reference or predefined entity (`&#38;`, `&amp;`); the message of
/// the error otherwise.
fn entity(r: &BytesRef<'_>) -> Result<String, String> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(c.to_string()),
        Ok(None) => {
            let name = r.xml10_content();
            match quick_xml::escape::resolve_predefined_entity(&name) {
                Some(s) => Ok(s.to_string()),
                None => Err(format!("unknown entity `&{name};`")),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The attributes of a start tag; one quick-xml rejects is left out (the pom reader's callers
/// only look up the few they know).
fn attributes(s: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    s.attributes()
        .flatten()
        .filter_map(|a| {
            let key = a.key.as_ref().to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()?
                .into_owned();
            Some((key, value))
        })
        .collect()
}

fn local(qname: &str) -> String {
    qname.rsplit(':').next().unwrap_or(qname).to_string()
}

/// Parses a Maven XML document other than a pom (settings.xml, maven-metadata.xml); `what` names
/// the document and `fix` says how to recover, in messages.
pub(crate) fn parse_document(
    bytes: &[u8],
    path: &Path,
    what: &str,
    fix: &str,
) -> anyhow::Result<Element> {
    parse_element(path, bytes).map_err(|e| match e {
        XmlError::Malformed {
            line,
            column,
            message,
            ..
        } => anyhow::anyhow!(
            "{}:{line}:{column}: malformed {what}: {message}\n  fix: {fix}",
            path.display()
        ),
        other => anyhow::Error::new(other),
    })
}
