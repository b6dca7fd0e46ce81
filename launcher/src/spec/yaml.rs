//! A YAML document as a tree of located nodes (pure).
//!
//! Built from saphyr-parser's events so that every key and value keeps its
//! line and column; serde_yaml has no positions for keys. Anchors and aliases
//! are resolved (an alias is a copy of the anchored node, located where the
//! anchor was defined), and `<<` merge keys are applied: explicit keys win over
//! merged ones, and in `<<: [*a, *b]` the earlier map wins.
//!
//! Invariants: never panics; bounded nesting depth and alias expansion, in
//! nodes and in bytes of text (a "billion laughs" document, or one big
//! scalar aliased thousands of times, is an error, not an out-of-memory);
//! only the first document of a stream is read.

use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diag::{Diagnostics, Loc};

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 128;
/// Most nodes one document may expand to (aliases included).
const MAX_NODES: usize = 200_000;
/// Most bytes of scalar text (keys and values) one document may hold once
/// aliases are expanded, and once it is interpolated (`spec::parse_text`).
pub const MAX_TEXT_BYTES: usize = 8 << 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `plain` scalars are resolved to null/bool/number; quoted ones are strings.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn scalar(text: impl Into<String>, loc: Loc) -> Node {
        Node {
            kind: Kind::Scalar {
                text: text.into(),
                plain: false,
            },
            loc,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The scalar's text, for any scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A plain integer scalar (decimal, optional sign).
    pub fn as_i64(&self) -> Option<i64> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => text.parse().ok(),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Scalar { .. } if self.is_null() => "nothing (null)",
            Kind::Scalar { .. } if self.as_bool().is_some() => "a boolean",
            Kind::Scalar { .. } if self.as_i64().is_some() => "a number",
            Kind::Scalar { .. } => "a string",
        }
    }

    /// Applies `f` to the text of every scalar value (not to mapping keys).
    pub fn map_values(&mut self, f: &mut dyn FnMut(&mut String, &Loc)) {
        match &mut self.kind {
            Kind::Scalar { text, .. } => f(text, &self.loc),
            Kind::Seq(items) => items.iter_mut().for_each(|n| n.map_values(f)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(_, v)| v.map_values(f)),
        }
    }
}

/// Where a file's nodes point to.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: Arc<str>,
    pub order: u16,
}

impl Source {
    fn loc(&self, span: &Span) -> Loc {
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        let col = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
        Loc {
            file: self.file.clone(),
            order: self.order,
            line: line.max(1),
            col,
        }
    }

    /// The place at the start of the file.
    pub fn start(&self) -> Loc {
        Loc {
            file: self.file.clone(),
            order: self.order,
            line: 1,
            col: 1,
        }
    }
}

enum Frame {
    Seq(Vec<Node>, Loc, usize),
    /// Entries, a key waiting for its value, the map's place, its anchor.
    Map(Vec<(Node, Node)>, Option<Node>, Loc, usize),
}

/// Parses `text`; `None` (with diagnostics) when it is not YAML. An empty
/// document is a null node.
pub fn parse(text: &str, src: &Source, diags: &mut Diagnostics) -> Option<Node> {
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    let mut bytes = 0usize;
    let mut root: Option<Node> = None;
    let mut docs = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = match ev {
            Ok(e) => e,
            Err(e) => {
                let m = e.marker();
                let loc = Loc {
                    file: src.file.clone(),
                    order: src.order,
                    line: u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
                    col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
                };
                diags
                    .error(Some(&loc), format!("YAML syntax error: {}", e.info()))
                    .hint("check the indentation and quoting around this place");
                return None;
            }
        };
        let loc = src.loc(&span);
        let done = match ev {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    diags
                        .warn(Some(&loc), "only the first YAML document is read")
                        .hint("remove the '---' separator and what follows");
                    break;
                }
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let n = Node {
                    kind: Kind::Scalar {
                        text: text.into_owned(),
                        plain,
                    },
                    loc,
                };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                nodes += 1;
                bytes = bytes.saturating_add(text_bytes(&n));
                Some(n)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    nodes += count(n);
                    bytes = bytes.saturating_add(text_bytes(n));
                    if nodes > MAX_NODES {
                        diags
                            .error(Some(&loc), "the document expands to too many nodes")
                            .hint("aliases expand to copies; nest them less deeply");
                        return None;
                    }
                    if bytes > MAX_TEXT_BYTES {
                        diags
                            .error(
                                Some(&loc),
                                format!(
                                    "the document expands to more than {} MiB of text",
                                    MAX_TEXT_BYTES >> 20
                                ),
                            )
                            .hint("aliases expand to copies; alias big values less often");
                        return None;
                    }
                    Some(n.clone())
                }
                None => {
                    diags.error(Some(&loc), "alias to an unknown anchor");
                    return None;
                }
            },
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), loc, anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(Vec::new(), None, loc, anchor));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, loc, anchor)) => {
                    let n = Node {
                        kind: Kind::Seq(items),
                        loc,
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, n.clone());
                    }
                    Some(n)
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(entries, _, loc, anchor)) => {
                    let n = Node {
                        kind: Kind::Map(merge_keys(entries, diags)),
                        loc,
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, n.clone());
                    }
                    Some(n)
                }
                _ => None,
            },
            _ => None,
        };
        if stack.len() > MAX_DEPTH {
            diags.error(Some(&src.loc(&span)), "the document is nested too deeply");
            return None;
        }
        nodes += 1;
        if nodes > MAX_NODES {
            diags.error(Some(&src.loc(&span)), "the document is too large");
            return None;
        }
        if let Some(n) = done {
            match stack.last_mut() {
                Some(Frame::Seq(items, _, _)) => items.push(n),
                Some(Frame::Map(entries, pending, _, _)) => match pending.take() {
                    None => *pending = Some(n),
                    Some(k) => entries.push((k, n)),
                },
                None => root = Some(n),
            }
        }
    }
    let root = root.unwrap_or_else(|| Node {
        kind: Kind::Scalar {
            text: String::new(),
            plain: true,
        },
        loc: src.start(),
    });
    check_keys(&root, diags);
    Some(root)
}

/// Bytes of scalar text in a node (keys included).
fn text_bytes(n: &Node) -> usize {
    match &n.kind {
        Kind::Scalar { text, .. } => text.len(),
        Kind::Seq(s) => s.iter().map(text_bytes).fold(0, usize::saturating_add),
        Kind::Map(m) => m
            .iter()
            .map(|(k, v)| text_bytes(k).saturating_add(text_bytes(v)))
            .fold(0, usize::saturating_add),
    }
}

fn count(n: &Node) -> usize {
    match &n.kind {
        Kind::Scalar { .. } => 1,
        Kind::Seq(s) => 1 + s.iter().map(count).sum::<usize>(),
        Kind::Map(m) => 1 + m.iter().map(|(k, v)| count(k) + count(v)).sum::<usize>(),
    }
}

/// Applies `<<` merge keys in one mapping.
fn merge_keys(entries: Vec<(Node, Node)>, diags: &mut Diagnostics) -> Vec<(Node, Node)> {
    if !entries
        .iter()
        .any(|(k, _)| matches!(&k.kind, Kind::Scalar { text, plain: true } if text == "<<"))
    {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if matches!(&k.kind, Kind::Scalar { text, plain: true } if text == "<<") {
            let sources: Vec<Node> = match v.kind {
                Kind::Map(_) => vec![v],
                Kind::Seq(items) => items,
                _ => {
                    diags
                        .error(
                            Some(&v.loc),
                            "a '<<' merge key needs a mapping or a list of mappings",
                        )
                        .hint("write '<<: *anchor' where '&anchor' names a mapping");
                    continue;
                }
            };
            for s in sources {
                match s.kind {
                    Kind::Map(m) => {
                        for (mk, mv) in m {
                            if !merged.iter().any(|(e, _)| same_key(e, &mk)) {
                                merged.push((mk, mv));
                            }
                        }
                    }
                    _ => {
                        diags.error(Some(&s.loc), "a '<<' merge key needs mappings");
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    for (mk, mv) in merged {
        if !own.iter().any(|(e, _)| same_key(e, &mk)) {
            own.push((mk, mv));
        }
    }
    own
}

fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Scalar { text: x, .. }, Kind::Scalar { text: y, .. }) => x == y,
        _ => false,
    }
}

/// Keys must be scalars and unique.
fn check_keys(n: &Node, diags: &mut Diagnostics) {
    match &n.kind {
        Kind::Scalar { .. } => {}
        Kind::Seq(items) => items.iter().for_each(|i| check_keys(i, diags)),
        Kind::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                match &k.kind {
                    Kind::Scalar { text, .. } => {
                        if entries[..i].iter().any(|(e, _)| same_key(e, k)) {
                            diags.error(Some(&k.loc), format!("duplicate key '{text}'"));
                        }
                    }
                    _ => {
                        diags.error(Some(&k.loc), "a mapping key must be a plain string");
                    }
                }
                check_keys(v, diags);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> Source {
        Source {
            file: Arc::from("t.yml"),
            order: 0,
        }
    }

    fn load(text: &str) -> (Option<Node>, Diagnostics) {
        let mut d = Diagnostics::new(false);
        let n = parse(text, &src(), &mut d);
        (n, d)
    }

    #[test]
    fn keys_and_values_are_located() {
        let (n, d) = load("services:\n  web:\n    image: nginx\n");
        assert!(!d.has_errors());
        let n = n.expect("parsed");
        let (k, web) = &n.get("services").and_then(Node::as_map).expect("map")[0];
        assert_eq!((k.loc.line, k.loc.col), (2, 3));
        let image = web.get("image").expect("image");
        assert_eq!(image.as_str(), Some("nginx"));
        assert_eq!((image.loc.line, image.loc.col), (3, 12));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text =
            "x-c: &c\n  a: 1\n  b: 2\nx-d: &d\n  b: 3\n  c: 4\ns:\n  <<: [*c, *d]\n  a: 9\nt: *c\n";
        let (n, d) = load(text);
        assert!(!d.has_errors(), "{d:?}");
        let n = n.expect("parsed");
        let s = n.get("s").expect("s");
        assert_eq!(s.get("a").and_then(Node::as_i64), Some(9));
        assert_eq!(s.get("b").and_then(Node::as_i64), Some(2));
        assert_eq!(s.get("c").and_then(Node::as_i64), Some(4));
        assert_eq!(
            n.get("t").and_then(|t| t.get("b")).and_then(Node::as_i64),
            Some(2)
        );
    }

    #[test]
    fn scalar_resolution() {
        let (n, _) = load("a: ~\nb: true\nc: '1'\nd: 12\ne: !!str 7\nf:\n");
        let n = n.expect("parsed");
        assert!(n.get("a").expect("a").is_null());
        assert_eq!(n.get("b").and_then(Node::as_bool), Some(true));
        assert_eq!(n.get("c").and_then(Node::as_i64), None);
        assert_eq!(n.get("c").and_then(Node::as_str), Some("1"));
        assert_eq!(n.get("d").and_then(Node::as_i64), Some(12));
        assert_eq!(n.get("e").and_then(Node::as_i64), None);
        assert!(n.get("f").expect("f").is_null());
    }

    #[test]
    fn syntax_errors_and_limits_are_located_errors() {
        let cases = [
            "a: [1, 2\n",
            "a: b: c\n",
            "a: *nope\n",
            "a: 1\na: 2\n",
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        ];
        for text in cases {
            let (_, d) = load(text);
            assert!(d.has_errors(), "{text}");
            assert!(d.items().iter().all(|i| i.loc.is_some()), "{text}");
        }
        let deep = "[".repeat(1000);
        assert!(load(&deep).1.has_errors());
    }

    #[test]
    fn alias_expansion_is_bounded_in_bytes() {
        let big = "x".repeat(256 << 10);
        let aliases = "*a, ".repeat(12_000);
        let text = format!("a: &a {big}\nb: [{aliases}]\n");
        let (n, d) = load(&text);
        assert!(n.is_none());
        let msgs: Vec<String> = d.items().iter().map(|i| i.to_string()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with(
                "error: the document expands to more than 8 MiB of text\n  --> t.yml:2:"
            ),
            "{msgs:?}"
        );
        // Just under the bound is fine.
        let few = "*a, ".repeat(30);
        assert!(!load(&format!("a: &a {big}\nb: [{few}]\n")).1.has_errors());
    }
}
