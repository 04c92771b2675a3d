//! Parsing: YAML events (the libyaml-compatible parser in `events`) resolved
//! with yaml.v2's YAML 1.1 rules, then converted the way sigs.k8s.io/yaml does
//! (YAML → JSON → Go values).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::YamlError;
use super::events::{EventKind, Parser};
use super::resolve::{Resolved, resolve};
use super::scanner::ScalarStyle;
use crate::value::Value;

#[derive(Debug, Clone, PartialEq)]
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
    Seq(Vec<Node>, Option<(String, usize)>),
    Map(Vec<(Node, Node)>, Option<Node>, Option<(String, usize)>),
}

/// What an anchor names: a collection still being read (yaml.v2 registers an
/// anchor when its node starts, so an alias inside it refers to itself), or
/// a finished node.
enum Anchored {
    Open(usize),
    /// The node and how many nodes decoding it visits (aliases expanded).
    Done(Node, usize),
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<String, Anchored>,
    opened: usize,
    error: Option<String>,
    /// An error yaml.v2 finds when decoding, after the whole document parsed.
    deferred: Option<String>,
    /// Nodes visited by each open collection so far.
    sizes: Vec<usize>,
    /// yaml.v2's decoder counters: nodes decoded, and those reached through
    /// an alias.
    decode_count: usize,
    alias_count: usize,
}

/// yaml.v2's allowedAliasRatio: up to 99% of the decoded nodes may come from
/// alias expansion in small documents, down to 10% in very large ones.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

/// Deeper documents are refused (go-yaml v3's limit is 10000; no real file comes near).
const MAX_DEPTH: usize = 1000;

/// A `!!binary` scalar: yaml.v2 decodes the base64 (ignoring line breaks)
/// into a Go string, which JSON then writes with invalid UTF-8 replaced.
fn binary(value: &str) -> Option<Node> {
    use base64::Engine;
    let compact: String = value.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    match base64::engine::general_purpose::STANDARD.decode(compact) {
        Ok(bytes) => Some(Node::Str(String::from_utf8_lossy(&bytes).into_owned())),
        Err(_) => None,
    }
}

/// A scalar as yaml.v2 decodes it into interface{}. An explicit tag of the
/// YAML types must agree with what the value resolves to (`!!int 1.5` is an
/// error, `!!float 1` a float); that error is yaml.v2's, raised when decoding.
fn scalar(value: String, style: ScalarStyle, tag: Option<&str>) -> Result<Node, String> {
    let Some(t) = tag else {
        if style != ScalarStyle::Plain {
            return Ok(Node::Str(value));
        }
        return Ok(match resolve(&value) {
            Resolved::Null => Node::Null,
            Resolved::Bool(b) => Node::Bool(b),
            Resolved::Int(i) => Node::Int(i),
            Resolved::Uint(u) => Node::Uint(u),
            Resolved::Float(f) => Node::Float(f),
            Resolved::Merge => Node::Merge,
            Resolved::Timestamp | Resolved::Str => Node::Str(value),
        });
    };
    let Some(suffix) = t.strip_prefix("tag:yaml.org,2002:") else {
        // A local tag resolves nothing; `! <<` (plain, non-specific) is still
        // a merge key.
        if t == "!" && value == "<<" && style == ScalarStyle::Plain {
            return Ok(Node::Merge);
        }
        return Ok(Node::Str(value));
    };
    match suffix {
        "str" => Ok(Node::Str(value)),
        "binary" => Ok(binary(&value).unwrap_or(Node::Null)),
        "merge" if value == "<<" => Ok(Node::Merge),
        "null" | "bool" | "int" | "float" | "timestamp" => {
            let (rtag, node) = match resolve(&value) {
                Resolved::Null => ("null", Node::Null),
                Resolved::Bool(b) => ("bool", Node::Bool(b)),
                Resolved::Int(i) => ("int", Node::Int(i)),
                Resolved::Uint(u) => ("int", Node::Uint(u)),
                Resolved::Float(f) => ("float", Node::Float(f)),
                // `<<` is a merge key by its place, not by resolution.
                Resolved::Merge => ("str", Node::Str(value.clone())),
                Resolved::Timestamp if suffix == "timestamp" => {
                    ("timestamp", Node::Str(value.clone()))
                }
                Resolved::Timestamp | Resolved::Str => ("str", Node::Str(value.clone())),
            };
            match node {
                _ if rtag == suffix => Ok(node),
                Node::Int(i) if suffix == "float" => Ok(Node::Float(i as f64)),
                _ => Err(format!(
                    "yaml: cannot decode !!{rtag} `{value}` as a !!{suffix}"
                )),
            }
        }
        _ => Ok(Node::Str(value)),
    }
}

impl Builder {
    /// Counts `n` decoded nodes (`aliased` when reached through an alias) and
    /// reports whether yaml.v2 would now refuse the document.
    fn count(&mut self, n: usize, aliased: bool) -> bool {
        self.decode_count = self.decode_count.saturating_add(n);
        if aliased {
            self.alias_count = self.alias_count.saturating_add(n);
        }
        let excessive = self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count);
        if excessive && self.deferred.is_none() {
            self.deferred = Some("yaml: document contains excessive aliasing".into());
        }
        excessive
    }

    fn push_node(&mut self, n: Node, anchor: Option<String>) {
        if let Some(name) = anchor {
            self.anchors.insert(name, Anchored::Done(n.clone(), 1));
        }
        self.attach(n, 1);
    }

    fn attach(&mut self, n: Node, size: usize) {
        if let Some(s) = self.sizes.last_mut() {
            *s = s.saturating_add(size);
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

    /// Registers a collection's anchor as it opens.
    fn open_anchor(&mut self, anchor: Option<String>) -> Option<(String, usize)> {
        let name = anchor?;
        self.opened += 1;
        self.anchors
            .insert(name.clone(), Anchored::Open(self.opened));
        Some((name, self.opened))
    }

    /// Completes a collection: its anchor now names it, unless the anchor was
    /// defined again inside it.
    fn close(&mut self, n: Node, anchor: Option<(String, usize)>) {
        let size = self.sizes.pop().unwrap_or(1);
        if let Some((name, id)) = anchor {
            if let Some(slot) = self.anchors.get_mut(&name) {
                if matches!(slot, Anchored::Open(open) if *open == id) {
                    *slot = Anchored::Done(n.clone(), size);
                }
            }
        }
        self.attach(n, size);
    }

    fn alias(&mut self, name: String) {
        self.count(1, false);
        let target = match self.anchors.get(&name) {
            Some(Anchored::Done(_, size)) => Some(*size),
            Some(Anchored::Open(_)) => {
                if self.deferred.is_none() {
                    self.deferred = Some(format!("yaml: anchor '{name}' value contains itself"));
                }
                None
            }
            None => {
                self.error = Some(format!("yaml: unknown anchor '{name}' referenced"));
                return;
            }
        };
        // Past yaml.v2's aliasing limit the document is an error: nothing
        // more is expanded.
        let expand = match target {
            Some(size) => !self.count(size, true) && self.deferred.is_none(),
            None => false,
        };
        let n = match self.anchors.get(&name) {
            Some(Anchored::Done(n, _)) if expand => n.clone(),
            _ => Node::Null,
        };
        self.attach(n, 1 + target.unwrap_or(0));
    }

    fn enter(&mut self) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.error = Some(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
            return false;
        }
        true
    }

    fn on_event(&mut self, ev: EventKind) {
        match ev {
            EventKind::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                let bad_binary =
                    tag.as_deref() == Some("tag:yaml.org,2002:binary") && binary(&value).is_none();
                self.count(1, false);
                let n = match scalar(value, style, tag.as_deref()) {
                    Ok(n) => n,
                    Err(e) => {
                        self.deferred.get_or_insert(e);
                        Node::Null
                    }
                };
                if bad_binary && self.deferred.is_none() {
                    self.deferred =
                        Some("yaml: !!binary value contains invalid base64 data".into());
                }
                self.push_node(n, anchor);
            }
            EventKind::SequenceStart { anchor, .. } => {
                if self.enter() {
                    self.count(1, false);
                    let a = self.open_anchor(anchor);
                    self.stack.push(Frame::Seq(Vec::new(), a));
                    self.sizes.push(1);
                }
            }
            EventKind::SequenceEnd => {
                if let Some(Frame::Seq(items, anchor)) = self.stack.pop() {
                    self.close(Node::Seq(items), anchor);
                }
            }
            EventKind::MappingStart { anchor, .. } => {
                if self.enter() {
                    self.count(1, false);
                    let a = self.open_anchor(anchor);
                    self.stack.push(Frame::Map(Vec::new(), None, a));
                    self.sizes.push(1);
                }
            }
            EventKind::MappingEnd => {
                if let Some(Frame::Map(entries, _, anchor)) = self.stack.pop() {
                    self.close(Node::Map(entries), anchor);
                }
            }
            EventKind::Alias(name) => self.alias(name),
            EventKind::DocumentStart { .. } => {
                self.anchors.clear();
                self.decode_count = 1;
                self.alias_count = 0;
            }
            EventKind::DocumentEnd { .. } => {
                if let Some(e) = self.deferred.take() {
                    self.error = Some(e);
                }
            }
            EventKind::StreamStart | EventKind::StreamEnd => {}
        }
    }
}

/// Parses the documents of a stream; with `first_only`, stops where
/// yaml.Unmarshal does: at the end of the first document (errors after it
/// are never seen).
fn parse_docs(text: &str, first_only: bool) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder::default();
    let mut p = Parser::new(text);
    loop {
        let ev = p
            .next_event()
            .map_err(|e| YamlError(format!("yaml: {}", e.message())))?;
        let Some(ev) = ev else { break };
        let doc_end = matches!(ev.kind, EventKind::DocumentEnd { .. });
        b.on_event(ev.kind);
        if let Some(e) = b.error.take() {
            return Err(YamlError(e));
        }
        if doc_end && first_only {
            break;
        }
    }
    Ok(b.docs)
}

/// Go's `%+#v` of a decoded YAML node, for sigs.k8s.io/yaml's key errors.
fn go_sharp_v(n: &Node) -> String {
    match n {
        Node::Null => "<nil>".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => format!("0x{u:x}"),
        Node::Float(f) => crate::fmt::float_v(*f),
        Node::Str(s) => crate::fmt::quote_go(s),
        Node::Merge => "\"<<\"".into(),
        Node::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_sharp_v_elem).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        Node::Map(entries) => {
            // fmt prints a map sorted by key (internal/fmtsort): nil first, then
            // by dynamic type, then by value.
            let mut sorted: Vec<&(Node, Node)> = entries.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| fmtsort_cmp(a, b));
            let parts: Vec<String> = sorted
                .iter()
                .map(|(k, v)| format!("{}:{}", go_sharp_v_elem(k), go_sharp_v_elem(v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", parts.join(", "))
        }
    }
}

/// fmtsort's order of interface{} map keys. Keys of different dynamic types
/// are ordered by Go by their type descriptors' addresses; a fixed rank
/// stands in for that here.
fn fmtsort_cmp(a: &Node, b: &Node) -> std::cmp::Ordering {
    fn rank(n: &Node) -> u8 {
        match n {
            Node::Null => 0,
            Node::Bool(_) => 1,
            Node::Int(_) => 2,
            Node::Uint(_) => 3,
            Node::Float(_) => 4,
            Node::Str(_) | Node::Merge => 5,
            Node::Seq(_) => 6,
            Node::Map(_) => 7,
        }
    }
    let key_str = |n: &Node| match n {
        Node::Str(s) => s.clone(),
        _ => "<<".to_string(),
    };
    match (a, b) {
        (Node::Bool(x), Node::Bool(y)) => x.cmp(y),
        (Node::Int(x), Node::Int(y)) => x.cmp(y),
        (Node::Uint(x), Node::Uint(y)) => x.cmp(y),
        // NaN sorts before every other float, as fmtsort has it.
        (Node::Float(x), Node::Float(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
        },
        (Node::Str(_) | Node::Merge, Node::Str(_) | Node::Merge) => {
            key_str(a).as_bytes().cmp(key_str(b).as_bytes())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn go_sharp_v_elem(n: &Node) -> String {
    match n {
        Node::Null => "interface {}(nil)".into(),
        n => go_sharp_v(n),
    }
}

fn key_error(k: &Node, v: &Node) -> YamlError {
    let (typ, key) = match k {
        Node::Null => ("%!s(<nil>)".to_string(), "<nil>".to_string()),
        Node::Uint(u) => ("uint64".to_string(), format!("0x{u:x}")),
        Node::Seq(_) => ("[]interface {}".to_string(), go_sharp_v(k)),
        Node::Map(_) => ("map[interface {}]interface {}".to_string(), go_sharp_v(k)),
        other => ("interface {}".to_string(), go_sharp_v(other)),
    };
    YamlError(format!(
        "error converting YAML to JSON: Unsupported map key of type: {typ}, key: {key}, value: {}",
        go_sharp_v(v)
    ))
}

/// The identity of a scalar key as a Go map[interface{}]interface{} sees it.
#[derive(PartialEq, Eq, Hash)]
enum KeyId<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(&'a str),
}

fn key_identity(k: &Node) -> Option<KeyId<'_>> {
    Some(match k {
        Node::Null => KeyId::Null,
        Node::Bool(b) => KeyId::Bool(*b),
        Node::Int(i) => KeyId::Int(*i),
        Node::Uint(u) => KeyId::Uint(*u),
        Node::Float(f) => KeyId::Float(f.to_bits()),
        Node::Str(s) => KeyId::Str(s),
        Node::Merge | Node::Seq(_) | Node::Map(_) => return None,
    })
}

/// Which entries of a mapping survive in the Go map yaml.v2 decodes into: a
/// later duplicate key replaces an earlier one. `None` when all do.
fn surviving(entries: &[(Node, Node)]) -> Option<Vec<bool>> {
    let ids: Vec<Option<KeyId>> = entries.iter().map(|(k, _)| key_identity(k)).collect();
    let duplicated = if ids.len() <= 16 {
        ids.iter()
            .enumerate()
            .any(|(i, a)| a.is_some() && ids[i + 1..].contains(a))
    } else {
        let mut seen = HashSet::new();
        ids.iter().flatten().any(|id| !seen.insert(id))
    };
    if !duplicated {
        return None;
    }
    let mut last: HashMap<&KeyId, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            last.insert(id, i);
        }
    }
    Some(
        ids.iter()
            .enumerate()
            .map(|(i, id)| id.as_ref().is_none_or(|id| last.get(id) == Some(&i)))
            .collect(),
    )
}

/// The entries of a mapping that survive in the Go map yaml.v2 decodes into, in order.
fn surviving_entries(entries: &[(Node, Node)]) -> impl Iterator<Item = &(Node, Node)> {
    let keep = surviving(entries);
    entries
        .iter()
        .enumerate()
        .filter(move |(i, _)| {
            keep.as_ref()
                .is_none_or(|keep| keep.get(*i).copied().unwrap_or(true))
        })
        .map(|(_, entry)| entry)
}

/// encoding/json's refusal of a NaN or an infinity.
fn unsupported_float(f: f64) -> YamlError {
    YamlError(format!(
        "error converting YAML to JSON: json: unsupported value: {}",
        crate::fmt::float_v(f)
    ))
}

/// sigs.k8s.io/yaml's key conversion: strings, bools, ints, and floats as
/// float32 %g; null, uint64 and collection keys are errors.
fn key_string(k: &Node, v: &Node) -> Result<String, YamlError> {
    Ok(match k {
        Node::Str(s) => s.clone(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => {
            if f.is_nan() {
                ".nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 {
                    ".inf".into()
                } else {
                    "-.inf".into()
                }
            } else {
                float32_g(*f as f32)
            }
        }
        Node::Merge => "<<".into(),
        Node::Null | Node::Uint(_) | Node::Seq(_) | Node::Map(_) => return Err(key_error(k, v)),
    })
}

/// strconv.FormatFloat(f, 'g', -1, 32): the shortest float32 digits.
fn float32_g(f: f32) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let s = format!("{:e}", f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    let neg = m.starts_with('-');
    let digits: String = m.chars().filter(char::is_ascii_digit).collect();
    let body = if !(-4..6).contains(&exp) {
        let frac = &digits[1..];
        let es = if exp < 0 {
            format!("-{:02}", -exp)
        } else {
            format!("+{exp:02}")
        };
        if frac.is_empty() {
            format!("{}e{es}", &digits[..1])
        } else {
            format!("{}.{frac}e{es}", &digits[..1])
        }
    } else if exp >= 0 {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            format!("{digits}{}", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    };
    if neg { format!("-{body}") } else { body }
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

/// The errors yaml.v2 itself raises while decoding into interface{} values,
/// in the order it meets them: a sequence or mapping used as a key, and a
/// merge (`<<`) of something other than a mapping or a sequence of mappings.
fn check_decode(n: &Node, depth: usize) -> Result<(), YamlError> {
    crate::deep(|| check_decode_inner(n, depth))
}

fn check_decode_inner(n: &Node, depth: usize) -> Result<(), YamlError> {
    if depth > 10_000 {
        return Err(YamlError("yaml: exceeded max depth".into()));
    }
    let merge_error = || {
        YamlError(
            "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value"
                .into(),
        )
    };
    match n {
        Node::Seq(items) => {
            for i in items {
                check_decode(i, depth + 1)?;
            }
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                if let Node::Merge = k {
                    match v {
                        Node::Map(_) => check_decode(v, depth + 1)?,
                        Node::Seq(items) => {
                            for i in items {
                                if !matches!(i, Node::Map(_)) {
                                    return Err(merge_error());
                                }
                                check_decode(i, depth + 1)?;
                            }
                        }
                        _ => return Err(merge_error()),
                    }
                    continue;
                }
                check_decode(k, depth + 1)?;
                if matches!(k, Node::Seq(_) | Node::Map(_)) {
                    return Err(YamlError(format!(
                        "error converting YAML to JSON: yaml: invalid map key: {}",
                        go_sharp_v(k)
                    )));
                }
                check_decode(v, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
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
                return Err(unsupported_float(*f));
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
            // yaml.v2 decodes into a Go map first: a later duplicate key replaces
            // an earlier one before anything is converted.
            let mut m = BTreeMap::new();
            for (k, v) in surviving_entries(entries) {
                if let Node::Merge = k {
                    merge_into(&mut m, v, depth)?;
                    continue;
                }
                m.insert(key_string(k, v)?, to_value(v, depth + 1)?);
            }
            Value::map(m)
        }
    })
}

/// Every error [`to_value`] would report, in the same order, without building anything.
fn check_value(n: &Node, depth: usize) -> Result<(), YamlError> {
    crate::deep(|| check_value_inner(n, depth))
}

fn check_value_inner(n: &Node, depth: usize) -> Result<(), YamlError> {
    if depth > 10_000 {
        return Err(YamlError("yaml: exceeded max depth".into()));
    }
    match n {
        Node::Float(f) if !f.is_finite() => Err(unsupported_float(*f)),
        Node::Seq(items) => items.iter().try_for_each(|i| check_value(i, depth + 1)),
        Node::Map(entries) => {
            for (k, v) in surviving_entries(entries) {
                if let Node::Merge = k {
                    check_merge(v, depth)?;
                    continue;
                }
                if matches!(k, Node::Null | Node::Uint(_) | Node::Seq(_) | Node::Map(_)) {
                    return Err(key_error(k, v));
                }
                check_value(v, depth + 1)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// [`merge_into`]'s errors.
fn check_merge(v: &Node, depth: usize) -> Result<(), YamlError> {
    match v {
        Node::Map(_) => check_value(v, depth + 1),
        Node::Seq(items) => items
            .iter()
            .rev()
            .try_for_each(|it| check_merge(it, depth + 1)),
        _ => Err(YamlError(
            "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value".into(),
        )),
    }
}

/// What [`type_word`] says of the value a node converts to.
fn node_type_word(n: &Node) -> &'static str {
    match n {
        Node::Str(_) | Node::Merge => "string",
        Node::Int(_) | Node::Uint(_) | Node::Float(_) => "number",
        Node::Bool(_) => "bool",
        Node::Seq(_) => "array",
        Node::Null | Node::Map(_) => "object",
    }
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
    parse_map_document(text).and_then(|d| d.to_value())
}

/// A document [`from_yaml`] accepted, kept as plain data: it can be parsed on one
/// thread and turned into template values on another, any number of times.
#[derive(Debug, Clone, PartialEq)]
pub struct MapDocument(Option<Node>);

impl MapDocument {
    /// The document as a map, exactly what [`from_yaml`] returns for its text.
    pub fn to_value(&self) -> Result<Value, YamlError> {
        match &self.0 {
            Some(d) => to_value(d, 0),
            None => Ok(Value::empty_map()),
        }
    }
}

/// [`from_yaml`] without building the values: every error it reports is reported here.
pub fn parse_map_document(text: &str) -> Result<MapDocument, YamlError> {
    let docs = parse_docs(text, true)
        .map_err(|e| YamlError(format!("error converting YAML to JSON: {}", e.0)))?;
    let Some(d) = docs.into_iter().next() else {
        return Ok(MapDocument(None));
    };
    check_decode(&d, 0)?;
    check_value(&d, 0)?;
    match d {
        Node::Null => Ok(MapDocument(None)),
        Node::Map(_) => Ok(MapDocument(Some(d))),
        n => Err(YamlError(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            node_type_word(&n)
        ))),
    }
}

/// Parses the first document into a list (`fromYamlArray`).
pub fn from_yaml_array(text: &str) -> Result<Value, YamlError> {
    let docs = parse_docs(text, true)
        .map_err(|e| YamlError(format!("error converting YAML to JSON: {}", e.0)))?;
    let v = match docs.first() {
        Some(d) => {
            check_decode(d, 0)?;
            to_value(d, 0)?
        }
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
    let docs = parse_docs(text, false)?;
    docs.iter()
        .map(|d| {
            check_decode(d, 0)?;
            to_value(d, 0)
        })
        .collect()
}

/// [`from_yaml_all`] for readers of a few top-level fields (a manifest's `kind` and
/// `metadata`): of a document that is a map, only the entries named in `keys` are built
/// (all of them if it has merge keys); the rest are checked, so the errors are the same.
pub fn from_yaml_all_keys(text: &str, keys: &[&str]) -> Result<Vec<Value>, YamlError> {
    let docs = parse_docs(text, false)?;
    docs.iter()
        .map(|d| {
            check_decode(d, 0)?;
            let Node::Map(entries) = d else {
                return to_value(d, 0);
            };
            // Merged entries could supply the keys; such documents are built whole.
            if entries.iter().any(|(k, _)| matches!(k, Node::Merge)) {
                return to_value(d, 0);
            }
            check_value(d, 0)?;
            let mut m = BTreeMap::new();
            for (k, v) in surviving_entries(entries) {
                if let Node::Str(key) = k {
                    if keys.contains(&key.as_str()) {
                        m.insert(key.clone(), to_value(v, 1)?);
                    }
                }
            }
            Ok(Value::map(m))
        })
        .collect()
}
