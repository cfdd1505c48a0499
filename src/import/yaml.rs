//! A YAML document as a tree whose every node knows its line, built from saphyr-parser's
//! events, and the collector's `${env:NAME}` expansion.
//!
//! Why not a serde deserializer: import must name the key path *and* the line of whatever it
//! cannot use, walk keys it does not know (to list them as not modelled), and never fall over
//! on hostile input. So the tree is ours: scalars stay as written (resolved when a mapping
//! asks for an integer, a duration, a boolean), aliases are expanded under a node budget,
//! nesting is bounded, duplicate keys are errors (as in the collector's go-yaml), and the
//! merge key `<<` works as go-yaml's does.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deepest nesting accepted (the collector's configs are 5-8 levels deep).
const MAX_DEPTH: usize = 128;
/// Most nodes a document may expand to, aliases included.
const MAX_NODES: usize = 1_000_000;

#[derive(Clone, Debug)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: usize,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// A scalar as written; `plain` is false for quoted and block scalars (always strings).
    Scalar {
        raw: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in document order (keys are scalars).
    Map(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_line: usize,
    pub value: Node,
}

impl Node {
    fn size(&self) -> usize {
        match &self.kind {
            Kind::Scalar { .. } => 1,
            Kind::Seq(v) => 1 + v.iter().map(Node::size).sum::<usize>(),
            Kind::Map(v) => 1 + v.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }

    /// `~`, `null`, an empty value: the collector treats them as "use the defaults".
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { raw, plain: true }
            if matches!(raw.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    pub fn what(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } if self.is_null() => "an empty value",
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// A parse failure: line (1-based) where known, and what went wrong.
#[derive(Debug)]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<Entry>,
        /// Mappings merged in by `<<` (explicit keys win, earlier merges win).
        merges: Vec<Node>,
        key: Option<(String, usize)>,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    docs: Vec<Node>,
}

impl Builder {
    fn err<T>(line: usize, message: impl Into<String>) -> Result<T, YamlError> {
        Err(YamlError {
            line: Some(line),
            message: message.into(),
        })
    }

    fn count(&mut self, n: usize, line: usize) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Self::err(
                line,
                format!("the document expands to more than {MAX_NODES} nodes (aliases?)"),
            );
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, line: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Self::err(line, format!("nested more than {MAX_DEPTH} levels deep"));
        }
        self.count(1, line)?;
        self.stack.push(frame);
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                key,
                entries,
                merges,
                ..
            }) => match key.take() {
                None => {
                    let Kind::Scalar { raw, .. } = node.kind else {
                        return Self::err(node.line, "a mapping key must be a plain value");
                    };
                    *key = Some((raw, node.line));
                }
                Some((k, key_line)) => {
                    if k == "<<" && matches!(node.kind, Kind::Map(_) | Kind::Seq(_)) {
                        merges.push(node);
                    } else if entries.iter().any(|e| e.key == k) {
                        return Self::err(key_line, format!("key `{k}` is defined twice"));
                    } else {
                        entries.push(Entry {
                            key: k,
                            key_line,
                            value: node,
                        });
                    }
                }
            },
        }
        Ok(())
    }

    fn on_event(&mut self, ev: Event<'_>, line: usize) -> Result<(), YamlError> {
        match ev {
            Event::Scalar(v, style, anchor, _tag) => {
                self.count(1, line)?;
                let node = Node {
                    line,
                    kind: Kind::Scalar {
                        raw: v.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                };
                self.finish(node, anchor)
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Self::err(line, "an alias to an unknown anchor");
                };
                self.count(node.size(), line)?;
                let node = Node { line, ..node };
                self.finish(node, 0)
            }
            Event::SequenceStart(anchor, _) => self.open(
                Frame::Seq {
                    line,
                    anchor,
                    items: vec![],
                },
                line,
            ),
            Event::MappingStart(anchor, _) => self.open(
                Frame::Map {
                    line,
                    anchor,
                    entries: vec![],
                    merges: vec![],
                    key: None,
                },
                line,
            ),
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    line,
                    anchor,
                    items,
                }) => self.finish(
                    Node {
                        line,
                        kind: Kind::Seq(items),
                    },
                    anchor,
                ),
                _ => Self::err(line, "unbalanced sequence"),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    line,
                    anchor,
                    mut entries,
                    merges,
                    ..
                }) => {
                    for m in merges {
                        let maps = match m.kind {
                            Kind::Seq(v) => v,
                            _ => vec![m],
                        };
                        for src in maps {
                            let Kind::Map(src) = src.kind else {
                                return Self::err(line, "`<<` merges mappings only");
                            };
                            for e in src {
                                if !entries.iter().any(|x| x.key == e.key) {
                                    entries.push(e);
                                }
                            }
                        }
                    }
                    self.finish(
                        Node {
                            line,
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    )
                }
                _ => Self::err(line, "unbalanced mapping"),
            },
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => Ok(()),
        }
    }
}

/// Parses one YAML document. An empty stream is an error (a config has content); so are
/// several documents (the collector reads one).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut b = Builder {
        stack: vec![],
        anchors: HashMap::new(),
        nodes: 0,
        docs: vec![],
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            line: Some(e.marker().line()),
            message: format!("malformed YAML: {}", e.info()),
        })?;
        b.on_event(ev, span.start.line())?;
        if b.docs.len() > 1 {
            return Builder::err(
                span.start.line(),
                "a second YAML document: the collector reads one per file",
            );
        }
    }
    match b.docs.pop() {
        Some(doc) if !doc.is_null() => Ok(doc),
        _ => Err(YamlError {
            line: None,
            message: "the file holds no configuration (empty YAML)".into(),
        }),
    }
}

/// What expanding a scalar gave.
pub enum Expanded {
    /// No reference in it: the scalar as written.
    Unchanged,
    /// Every reference had a value: the new text (typed again, as the collector does when a
    /// whole value was one reference).
    Value(String),
}

/// Expands the collector's references in a scalar: `${env:NAME}`, `${NAME}` and `$NAME`
/// (older releases), each with an optional `:-default`; `$$` is a literal `$`. Values come
/// from `env` (the user's `--env NAME=VALUE`), never from this process's environment, so an
/// import does not depend on the shell it runs in. Err names the first reference that has no
/// value, or one of another provider (`${file:...}`, `${http:...}`), which import cannot
/// read.
pub fn expand(raw: &str, env: &[(String, String)]) -> Result<Expanded, String> {
    if !raw.contains('$') {
        return Ok(Expanded::Unchanged);
    }
    let lookup = |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
        } else if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                return Err(format!("`{raw}` has an unclosed `${{`"));
            };
            let body = &inner[..end];
            let (source, spec) = match body.split_once(':') {
                Some((s, r)) if !s.is_empty() && !s.contains('-') => (s, r),
                _ => ("env", body),
            };
            if source != "env" {
                return Err(format!(
                    "`${{{body}}}` reads the `{source}` provider, which import cannot follow: \
                     paste the value into the file"
                ));
            }
            let (name, default) = match spec.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (spec, None),
            };
            match (lookup(name), default) {
                (Some(v), _) => out.push_str(v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(format!(
                        "`{raw}` refers to the environment variable {name}, which has no \
                         default: write the value into the file or pass --env {name}=VALUE"
                    ));
                }
            }
            rest = &inner[end + 1..];
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if n == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            let name = &after[..n];
            match lookup(name) {
                Some(v) => out.push_str(v),
                None => {
                    return Err(format!(
                        "`{raw}` refers to the environment variable {name}: write the value \
                         into the file or pass --env {name}=VALUE"
                    ));
                }
            }
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    Ok(Expanded::Value(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keys_and_nesting() {
        let doc = parse("a:\n  b: 1\n  c: [x, 'y']\nd:\n").unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.key_line, 1);
        let b = a.value.get("b").unwrap();
        assert_eq!((b.key_line, b.value.line), (2, 2));
        assert!(doc.get("d").unwrap().value.is_null());
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).is_err());
        assert!(parse("a: 1\na: 2\n").unwrap_err().message.contains("twice"));
        assert!(parse("").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn aliases_merges_and_budget() {
        let doc = parse("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n").unwrap();
        let c = &doc.get("c").unwrap().value;
        let y = c.get("y").unwrap();
        assert!(matches!(&y.value.kind, Kind::Scalar { raw, .. } if raw == "3"));
        assert!(c.get("x").is_some());
        // Billion laughs: each level doubles the expansion.
        let mut s = String::from("a0: &a0 [x, x]\n");
        for i in 1..40 {
            s.push_str(&format!("a{i}: &a{i} [*a{}, *a{}]\n", i - 1, i - 1));
        }
        assert!(parse(&s).unwrap_err().message.contains("nodes"));
    }

    #[test]
    fn env_expansion() {
        let env = vec![("A".to_string(), "5".to_string())];
        let v = |s: &str| match expand(s, &env) {
            Ok(Expanded::Value(v)) => v,
            Ok(Expanded::Unchanged) => "<same>".into(),
            Err(e) => format!("<err {e}>"),
        };
        assert_eq!(v("${env:A}"), "5");
        assert_eq!(v("${A}s"), "5s");
        assert_eq!(v("$A"), "5");
        assert_eq!(v("${env:B:-7}"), "7");
        assert_eq!(v("$$A"), "$A");
        assert_eq!(v("plain"), "<same>");
        assert!(v("${env:B}").contains("--env B=VALUE"));
        assert!(v("${file:x.yaml}").contains("provider"));
        assert!(v("${env:A").contains("unclosed"));
    }
}
