//! Parsing: YAML events (yaml-rust2) resolved with yaml.v2's YAML 1.1 rules, then
//! converted the way sigs.k8s.io/yaml does (YAML → JSON → Go values).

use std::collections::{BTreeMap, HashMap};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::YamlError;
use super::resolve::{Resolved, resolve};
use crate::value::Value;

#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Merge,
}

enum Frame {
    Seq(Vec<Node>, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize),
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    error: Option<String>,
}

const MAX_NODES: usize = 10_000_000;
/// Deeper documents are refused (go-yaml v3's limit is 10000; no real file comes near).
const MAX_DEPTH: usize = 1000;

fn scalar(value: String, style: TScalarStyle, tag: Option<Tag>) -> Node {
    if let Some(t) = tag {
        let suffix = t.suffix.as_str();
        let known = t.handle == "!!" || t.handle == "tag:yaml.org,2002:";
        if known {
            match suffix {
                "str" | "binary" => return Node::Str(value),
                "null" => return Node::Null,
                "bool" | "int" | "float" => {
                    return match resolve(&value) {
                        Resolved::Bool(b) => Node::Bool(b),
                        Resolved::Int(i) => Node::Int(i),
                        Resolved::Uint(u) => Node::Uint(u),
                        Resolved::Float(f) => Node::Float(f),
                        _ => Node::Str(value),
                    };
                }
                _ => return Node::Str(value),
            }
        }
        return Node::Str(value);
    }
    if !matches!(style, TScalarStyle::Plain) {
        return Node::Str(value);
    }
    match resolve(&value) {
        Resolved::Null => Node::Null,
        Resolved::Bool(b) => Node::Bool(b),
        Resolved::Int(i) => Node::Int(i),
        Resolved::Uint(u) => Node::Uint(u),
        Resolved::Float(f) => Node::Float(f),
        Resolved::Merge => Node::Merge,
        Resolved::Timestamp | Resolved::Str => Node::Str(value),
    }
}

impl Builder {
    fn push_node(&mut self, n: Node, anchor: usize) {
        if anchor > 0 {
            if self.anchors.len() > MAX_NODES {
                self.error = Some("yaml: document contains excessive aliasing".into());
                return;
            }
            self.anchors.insert(anchor, n.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(n),
            Some(Frame::Seq(items, _)) => items.push(n),
            Some(Frame::Map(entries, key, _)) => match key.take() {
                None => *key = Some(n),
                Some(k) => entries.push((k, n)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, _mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::Scalar(v, style, anchor, tag) => {
                let n = scalar(v, style, tag);
                self.push_node(n, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error = Some(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
                    return;
                }
                self.stack.push(Frame::Seq(Vec::new(), anchor));
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, anchor)) = self.stack.pop() {
                    self.push_node(Node::Seq(items), anchor);
                }
            }
            Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error = Some(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
                    return;
                }
                self.stack.push(Frame::Map(Vec::new(), None, anchor));
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(entries, _, anchor)) = self.stack.pop() {
                    self.push_node(Node::Map(entries), anchor);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(n) => self.push_node(n, 0),
                None => self.error = Some("yaml: unknown anchor referenced".into()),
            },
            Event::DocumentEnd => {}
            Event::DocumentStart => {}
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
}

fn parse_docs(text: &str) -> Result<Vec<Node>, YamlError> {
    // Events are pulled one by one (the parser's own loader recurses per level,
    // which deep documents would turn into a stack overflow).
    let mut b = Builder::default();
    let mut p = Parser::new_from_str(text);
    loop {
        let (ev, mark) = p
            .next_token()
            .map_err(|e| YamlError(format!("yaml: line {}: {}", e.marker().line(), e.info())))?;
        if let Event::StreamEnd = ev {
            break;
        }
        b.on_event(ev, mark);
        if let Some(e) = b.error.take() {
            return Err(YamlError(e));
        }
    }
    Ok(b.docs)
}

fn key_string(k: &Node) -> Result<String, YamlError> {
    Ok(match k {
        Node::Str(s) => s.clone(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => u.to_string(),
        Node::Float(f) => crate::fmt::float_v(*f as f32 as f64),
        Node::Null => "null".into(),
        Node::Merge => "<<".into(),
        Node::Seq(_) | Node::Map(_) => {
            return Err(YamlError(
                "error converting YAML to JSON: yaml: invalid map key".into(),
            ));
        }
    })
}

fn merge_into(out: &mut BTreeMap<String, Value>, v: &Node, depth: usize) -> Result<(), YamlError> {
    match v {
        Node::Map(_) => {
            if let Value::Map(m, _) = to_value(v, depth + 1)? {
                for (k, x) in m.borrow().iter() {
                    out.insert(k.clone(), x.clone());
                }
            }
            Ok(())
        }
        Node::Seq(items) => {
            for it in items.iter().rev() {
                merge_into(out, it, depth + 1)?;
            }
            Ok(())
        }
        _ => Err(YamlError(
            "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value".into(),
        )),
    }
}

fn to_value(n: &Node, depth: usize) -> Result<Value, YamlError> {
    crate::deep(|| to_value_inner(n, depth))
}

fn to_value_inner(n: &Node, depth: usize) -> Result<Value, YamlError> {
    if depth > 10_000 {
        return Err(YamlError("yaml: exceeded max depth".into()));
    }
    Ok(match n {
        Node::Null => Value::Nil,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::Float(*i as f64),
        Node::Uint(u) => Value::Float(*u as f64),
        Node::Float(f) => {
            if !f.is_finite() {
                return Err(YamlError(format!(
                    "error converting YAML to JSON: json: unsupported value: {}",
                    crate::fmt::float_v(*f)
                )));
            }
            Value::Float(*f)
        }
        Node::Str(s) => Value::from(s.as_str()),
        Node::Merge => Value::str("<<"),
        Node::Seq(items) => Value::list(
            items
                .iter()
                .map(|i| to_value(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Node::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                if let Node::Merge = k {
                    merge_into(&mut m, v, depth)?;
                    continue;
                }
                m.insert(key_string(k)?, to_value(v, depth + 1)?);
            }
            Value::map(m)
        }
    })
}

fn type_word(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Float(_) => "number",
        Value::Bool(_) => "bool",
        Value::List(..) => "array",
        _ => "object",
    }
}

/// Parses the first document into a map, as `yaml.Unmarshal(text, &map)` does
/// in Helm (values files and `fromYaml`). An empty document is an empty map.
pub fn from_yaml(text: &str) -> Result<Value, YamlError> {
    let docs = parse_docs(text)
        .map_err(|e| YamlError(format!("error converting YAML to JSON: {}", e.0)))?;
    let v = match docs.first() {
        Some(d) => to_value(d, 0)?,
        None => Value::Nil,
    };
    match v {
        Value::Nil => Ok(Value::empty_map()),
        Value::Map(..) => Ok(v),
        v => Err(YamlError(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            type_word(&v)
        ))),
    }
}

/// Parses the first document into a list (`fromYamlArray`).
pub fn from_yaml_array(text: &str) -> Result<Value, YamlError> {
    let docs = parse_docs(text)
        .map_err(|e| YamlError(format!("error converting YAML to JSON: {}", e.0)))?;
    let v = match docs.first() {
        Some(d) => to_value(d, 0)?,
        None => Value::Nil,
    };
    match v {
        Value::Nil => Ok(Value::list(Vec::new())),
        Value::List(..) => Ok(v),
        v => Err(YamlError(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            type_word(&v)
        ))),
    }
}

/// Parses every document of a stream into Go values (any type).
pub fn from_yaml_all(text: &str) -> Result<Vec<Value>, YamlError> {
    let docs = parse_docs(text)?;
    docs.iter().map(|d| to_value(d, 0)).collect()
}
