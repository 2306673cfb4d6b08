//! A YAML tree that knows where every node is. Flux reads topologies with SnakeYAML, which has
//! positions but drops them; serde_yaml's `Value` has none. This builds its own tree from
//! yaml-rust2's event stream, whose markers give a line and column for every scalar, sequence and
//! mapping, so each diagnostic can point at the key or value it is about.
//!
//! What SnakeYAML (YAML 1.1) does that YAML 1.2 does not is emulated where Flux files use it:
//! merge keys (`<<: *anchor`) are applied; duplicate keys are kept in order (the last one wins, as
//! in SnakeYAML) so the checks can warn about them.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn from_marker(mark: Marker) -> Pos {
        Pos {
            line: mark.line(),
            column: mark.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar's text; `quoted` is false for plain scalars (which YAML may read as null, a
    /// number or a boolean).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Key/value pairs in document order, duplicates included.
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

/// A YAML syntax error, or a document beyond the limits Flux's YAML parser enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    /// What to do, when it is not the generic "fix the YAML here".
    pub fix: Option<String>,
}

/// SnakeYAML's `LoaderOptions` defaults (2.x), which Flux parses topologies with: documents
/// beyond them fail in Flux, and here they fail before they can exhaust memory or the stack
/// (an alias bomb expands exponentially; 40,000 nested `- ` overflow any recursion).
pub const MAX_NESTING_DEPTH: usize = 50;
/// More aliases of sequences or mappings than this is SnakeYAML's "Number of aliases for
/// non-scalar nodes exceeds the specified max=50".
pub const MAX_COLLECTION_ALIASES: usize = 50;
/// SnakeYAML's `codePointLimit`: 3 MiB of code points.
pub const MAX_CODE_POINTS: usize = 3 * 1024 * 1024;
/// Nodes (scalars, sequences, mappings) the tree may hold once aliases are expanded: 50
/// aliases can still copy a node 2^50 times; Flux shares them, this tree copies them.
pub const MAX_EXPANDED_NODES: usize = 1_000_000;

impl Node {
    /// The text of a scalar, `None` for a sequence or mapping.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for `~`, `null` and an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, quoted: false }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(pairs) => Some(pairs),
            _ => None,
        }
    }

    #[cfg(test)]
    /// The value of the last `key` in a mapping (SnakeYAML's last-one-wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A plain integer scalar as SnakeYAML reads it into an `int` (decimal, `0x`, `0o`, `_`).
    pub fn as_int(&self) -> Option<i64> {
        let Kind::Scalar { text, .. } = &self.kind else {
            return None;
        };
        let cleaned: String = text.chars().filter(|c| *c != '_').collect();
        let (neg, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
        };
        let value = if let Some(hex) = digits.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i64::from_str_radix(oct, 8).ok()?
        } else if digits.chars().all(|c| c.is_ascii_digit()) && !digits.is_empty() {
            digits.parse().ok()?
        } else {
            return None;
        };
        Some(if neg { -value } else { value })
    }

    /// A boolean as SnakeYAML reads it (YAML 1.1: true/false, yes/no, on/off, any case).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "y" => Some(true),
            "false" | "no" | "off" | "n" => Some(false),
            _ => None,
        }
    }

    /// What kind of value this is, for messages ("a list", "a mapping", "text").
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } if self.is_null() => "an empty value",
            Kind::Scalar { .. } => "a single value",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Parse one YAML document. `Ok(None)` for a file without a document (empty or only comments).
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    // SnakeYAML (and so Flux) skips a UTF-8 byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((index, _)) = text.char_indices().nth(MAX_CODE_POINTS) {
        let line = text[..index].matches('\n').count() + 1;
        return Err(SyntaxError {
            pos: Pos { line, column: 1 },
            message: format!(
                "the document is longer than {MAX_CODE_POINTS} characters: Flux (SnakeYAML) stops with \
                 \"The incoming YAML document exceeds the limit: {MAX_CODE_POINTS} code points\""
            ),
            fix: Some("split the topology into smaller files (`includes:`), or check that this is the file you meant".to_string()),
        });
    }
    if let Some(index) = text.find('\0') {
        let line = text[..index].matches('\n').count() + 1;
        let column = text[..index]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        return Err(SyntaxError {
            pos: Pos { line, column },
            message: "a NUL byte: a YAML file is text, and Flux (SnakeYAML) stops with \"special characters are not allowed\"".to_string(),
            fix: Some("save the file as UTF-8 text (a UTF-16 editor setting writes NUL bytes), or remove the byte".to_string()),
        });
    }
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let pos = Pos::from_marker(*e.marker());
            // yaml-rust2's scanner runs ahead of the events and stops deep flow nesting itself.
            if e.info() == "recursion limit exceeded" {
                nesting_error(pos)
            } else {
                SyntaxError {
                    pos,
                    message: e.info().to_string(),
                    fix: None,
                }
            }
        })?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                builder.documents += 1;
                if builder.documents > 1 {
                    return Err(SyntaxError {
                        pos: Pos::from_marker(mark),
                        message: "a second YAML document (`---`): Flux reads exactly one"
                            .to_string(),
                        fix: None,
                    });
                }
            }
            other => builder.event(other, mark)?,
        }
    }
    Ok(builder.root)
}

fn nesting_error(pos: Pos) -> SyntaxError {
    SyntaxError {
        pos,
        message: format!(
            "sequences and mappings nested more than {MAX_NESTING_DEPTH} levels deep: \
             Flux (SnakeYAML) stops with \"Nesting Depth exceeded max {MAX_NESTING_DEPTH}\""
        ),
        fix: Some("flatten the structure; no topology needs this depth".to_string()),
    }
}

/// An open sequence or mapping and the anchor it will be stored under.
enum Open {
    Seq {
        pos: Pos,
        items: Vec<Node>,
        anchor: usize,
    },
    Map {
        pos: Pos,
        index: usize,
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    /// Each anchored node and how many nodes it holds (itself included).
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    documents: usize,
    /// Aliases of sequences and mappings so far.
    collection_aliases: usize,
    /// Nodes in the tree so far, aliases expanded.
    nodes: usize,
}

impl Builder {
    fn event(&mut self, event: Event, mark: Marker) -> Result<(), SyntaxError> {
        let pos = Pos::from_marker(mark);
        self.count(&event, pos)?;
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                self.complete(
                    Node {
                        kind: Kind::Scalar { text, quoted },
                        pos,
                    },
                    anchor,
                );
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .map(|(n, _)| n.clone())
                    .unwrap_or(Node {
                        kind: Kind::Scalar {
                            text: String::new(),
                            quoted: false,
                        },
                        pos,
                    });
                self.complete(Node { pos, ..node }, 0);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq {
                pos,
                items: Vec::new(),
                anchor,
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map {
                pos,
                index: mark.index(),
                pairs: Vec::new(),
                key: None,
                anchor,
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            _ => {}
        }
        Ok(())
    }

    /// Count the event against the limits SnakeYAML has (nesting depth, aliases of
    /// collections) and against alias bombs (nodes once aliases are expanded).
    fn count(&mut self, event: &Event, pos: Pos) -> Result<(), SyntaxError> {
        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            && self.stack.len() >= MAX_NESTING_DEPTH
        {
            return Err(nesting_error(pos));
        }
        self.nodes += 1;
        match event {
            Event::Alias(id) => {
                let (is_collection, size) = self.anchors.get(id).map_or((false, 1), |(n, size)| {
                    (!matches!(n.kind, Kind::Scalar { .. }), *size)
                });
                if is_collection {
                    self.collection_aliases += 1;
                    if self.collection_aliases > MAX_COLLECTION_ALIASES {
                        return Err(SyntaxError {
                            pos,
                            message: format!(
                                "more than {MAX_COLLECTION_ALIASES} aliases (`*name`) of sequences or mappings: \
                                 Flux (SnakeYAML) stops with \"Number of aliases for non-scalar nodes exceeds \
                                 the specified max={MAX_COLLECTION_ALIASES}\""
                            ),
                            fix: Some("write the repeated parts out, or use fewer aliases".to_string()),
                        });
                    }
                }
                self.nodes += size - 1;
            }
            Event::Scalar(text, ..) => self.nodes += text.len() / 1024,
            _ => {}
        }
        if self.nodes > MAX_EXPANDED_NODES {
            return Err(SyntaxError {
                pos,
                message: format!(
                    "the document expands to more than {MAX_EXPANDED_NODES} values once its aliases \
                     (`*name`) are replaced by what they refer to (an \"alias bomb\")"
                ),
                fix: Some("write the topology without aliases of aliases; no topology needs this many values".to_string()),
            });
        }
        Ok(())
    }

    /// The end of a sequence or mapping: the open collection becomes a node.
    fn close(&mut self) {
        if let Some(open) = self.stack.pop() {
            let (node, anchor) = match open {
                Open::Seq {
                    pos, items, anchor, ..
                } => (
                    Node {
                        kind: Kind::Seq(items),
                        pos,
                    },
                    anchor,
                ),
                Open::Map {
                    pos, pairs, anchor, ..
                } => (
                    Node {
                        kind: Kind::Map(merge_keys(pairs)),
                        pos,
                    },
                    anchor,
                ),
            };
            self.complete(node, anchor);
        }
    }

    /// Attach a finished node to its parent (or make it the root).
    fn complete(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            let size = size_of(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map {
                pos,
                index,
                pairs,
                key,
                ..
            }) => match key.take() {
                None => {
                    // A block mapping's start marker sits after its first key; point at the key.
                    if pairs.is_empty() && node.pos < *pos && *index > 0 {
                        *pos = node.pos;
                    }
                    *key = Some(node);
                }
                Some(k) => {
                    // An empty value (`key:` and nothing) is marked at the next token; point at its key.
                    let mut node = node;
                    if matches!(&node.kind, Kind::Scalar { text, quoted: false } if text.is_empty())
                    {
                        node.pos = k.pos;
                    }
                    pairs.push((k, node))
                }
            },
        }
    }
}

/// The nodes `node` holds, itself included (walked without recursion).
fn size_of(node: &Node) -> usize {
    let mut count = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.kind {
            Kind::Scalar { text, .. } => count += text.len() / 1024,
            Kind::Seq(items) => todo.extend(items),
            Kind::Map(pairs) => todo.extend(pairs.iter().flat_map(|(k, v)| [k, v])),
        }
    }
    count
}

/// Apply YAML 1.1 merge keys as SnakeYAML does: `<<: *a` (or a list of them) adds the merged
/// mappings' pairs that the mapping does not define itself.
fn merge_keys(pairs: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !pairs.iter().any(|(k, _)| is_merge_key(k)) {
        return pairs;
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (key, value) in pairs {
        if !is_merge_key(&key) {
            own.push((key, value));
            continue;
        }
        let sources: Vec<Node> = match value.kind {
            Kind::Seq(items) => items,
            _ => vec![value],
        };
        for source in sources {
            if let Kind::Map(source_pairs) = source.kind {
                merged.extend(source_pairs);
            }
        }
    }
    let mut result: Vec<(Node, Node)> = Vec::new();
    for (key, value) in merged {
        let defined = own.iter().any(|(k, _)| k.as_str() == key.as_str())
            || result
                .iter()
                .any(|(k, _): &(Node, Node)| k.as_str() == key.as_str());
        if !defined {
            result.push((key, value));
        }
    }
    result.extend(own);
    result
}

fn is_merge_key(key: &Node) -> bool {
    matches!(&key.kind, Kind::Scalar { text, quoted: false } if text == "<<")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse(text).unwrap().unwrap()
    }

    #[test]
    fn every_node_has_its_position() {
        let node = root("name: x\nspouts:\n  - id: \"a\"\n    parallelism: 2\n  - {id: c}\n");
        let spouts = node.get("spouts").unwrap().as_seq().unwrap();
        assert_eq!(spouts[0].pos, Pos { line: 3, column: 5 });
        assert_eq!(spouts[0].get("id").unwrap().pos, Pos { line: 3, column: 9 });
        assert_eq!(spouts[0].get("parallelism").unwrap().as_int(), Some(2));
        assert_eq!(spouts[1].pos, Pos { line: 5, column: 5 });
        let (key, _) = &node.as_map().unwrap()[1];
        assert_eq!(key.pos, Pos { line: 2, column: 1 });
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("name: x\nbolts: [\n").unwrap_err();
        assert_eq!(err.pos.line, 3);
        let err = parse("a: b\n  c: d\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
    }

    #[test]
    fn merge_keys_and_aliases_are_applied() {
        let node = root("base: &b {parallelism: 2, id: x}\nbolt:\n  <<: *b\n  id: y\n");
        let bolt = node.get("bolt").unwrap();
        assert_eq!(bolt.get("id").unwrap().as_str(), Some("y"));
        assert_eq!(bolt.get("parallelism").unwrap().as_int(), Some(2));
        assert_eq!(bolt.as_map().unwrap().len(), 2);
    }

    #[test]
    fn empty_and_multi_document_files() {
        assert_eq!(parse("# nothing\n").unwrap(), None);
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn limits_are_snakeyaml_s_and_stop_bombs_early() {
        // SnakeYAML 2.2 loads 50 nested sequences and stops at 51.
        let deep = |n: usize| format!("{}x", "[".repeat(n)) + &"]".repeat(n);
        assert!(parse(&deep(50)).is_ok());
        let err = parse(&deep(51)).unwrap_err();
        assert!(
            err.message.contains("Nesting Depth exceeded max 50"),
            "{err:?}"
        );
        let block = "- ".repeat(40_000) + "x\n";
        assert!(parse(&block)
            .unwrap_err()
            .message
            .contains("nested more than 50"));

        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
        let many = |n: usize| format!("a: &a [x]\nb: [{}]\n", vec!["*a"; n].join(", "));
        assert!(parse(&many(50)).is_ok());
        let err = parse(&many(51)).unwrap_err();
        assert!(err.message.contains("max=50"), "{err:?}");
        // Fewer aliases, still exponential: bounded by the expanded size.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");

        assert_eq!(
            parse("\u{feff}name: x\n")
                .unwrap()
                .unwrap()
                .get("name")
                .unwrap()
                .as_str(),
            Some("x")
        );
        let err = parse("name: x\nbolts: [a\0]\n").unwrap_err();
        assert_eq!(
            err.pos,
            Pos {
                line: 2,
                column: 10
            }
        );
        assert!(err.message.contains("NUL byte"));
    }

    #[test]
    fn scalars_read_as_snakeyaml_would() {
        let node = root("a: 0x10\nb: yes\nc: '3'\nd: ~\n");
        assert_eq!(node.get("a").unwrap().as_int(), Some(16));
        assert_eq!(node.get("b").unwrap().as_bool(), Some(true));
        assert!(node.get("d").unwrap().is_null());
        assert!(!node.get("c").unwrap().is_null());
    }
}
