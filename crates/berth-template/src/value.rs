//! The value model: Go's dynamic types as a template sees them.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// The element type of a list or map, which decides its Go type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem {
    /// `interface {}`
    Any,
    /// `string`
    String,
    /// `int`
    Int,
    /// `[]interface {}` (Sprig's `chunk` gives `[][]interface {}`)
    List,
    /// `map[string]interface {}` (TOML arrays of tables: `[]map[string]interface {}`)
    Map,
}

impl Elem {
    fn go_name(self) -> &'static str {
        match self {
            Elem::Any => "interface {}",
            Elem::String => "string",
            Elem::Int => "int",
            Elem::List => "[]interface {}",
            Elem::Map => "map[string]interface {}",
        }
    }
}

/// A map shared by reference, as Go maps are: `set` through one handle is seen by all.
pub type MapRef = Rc<RefCell<Entries>>;

/// The items of a list. Dropping deeply nested data never recurses: nested
/// lists and maps that are not shared are taken apart iteratively.
///
/// The second field marks a Go nil slice (always empty): it prints `[]` and
/// has a slice type, but `toYaml`/`toJson` write `null` and `deepEqual` tells
/// it from an empty slice. Sprig's `rest`/`initial` of an empty list,
/// `concat` of nothing and `regexFindAll` without matches return one.
#[derive(Clone, Debug, Default)]
pub struct Items(pub Vec<Value>, pub(crate) bool);

/// The entries of a map, sorted by key as Go prints and ranges over them.
#[derive(Clone, Debug, Default)]
/// The second field marks a Go nil map (always empty): it prints `map[]` but `toYaml` and
/// `toJson` write `null`, as Go does for a nil `map[string]interface {}`.
pub struct Entries(pub BTreeMap<String, Value>, pub(crate) bool);

impl std::ops::Deref for Items {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl std::ops::DerefMut for Items {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.0
    }
}

impl std::ops::Deref for Entries {
    type Target = BTreeMap<String, Value>;
    fn deref(&self) -> &BTreeMap<String, Value> {
        &self.0
    }
}

impl std::ops::DerefMut for Entries {
    fn deref_mut(&mut self) -> &mut BTreeMap<String, Value> {
        &mut self.0
    }
}

impl FromIterator<Value> for Items {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Items {
        Items(iter.into_iter().collect(), false)
    }
}

impl Entries {
    /// Whether this is a Go nil map.
    pub fn is_nil(&self) -> bool {
        self.1 && self.0.is_empty()
    }
}

impl Items {
    /// Whether this is a Go nil slice.
    pub fn is_nil(&self) -> bool {
        self.1 && self.0.is_empty()
    }
}

impl FromIterator<(String, Value)> for Entries {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Entries {
        Entries(iter.into_iter().collect(), false)
    }
}

/// Takes apart the unshared containers among `stack`, without recursion.
fn drop_iteratively(mut stack: Vec<Value>) {
    while let Some(v) = stack.pop() {
        match v {
            Value::List(rc, _) => {
                if let Ok(mut items) = Rc::try_unwrap(rc) {
                    stack.append(&mut items.0);
                }
            }
            Value::Map(rc, _) => {
                if let Ok(cell) = Rc::try_unwrap(rc) {
                    let mut entries = cell.into_inner();
                    stack.extend(std::mem::take(&mut entries.0).into_values());
                }
            }
            _ => {}
        }
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        if self
            .0
            .iter()
            .any(|v| matches!(v, Value::List(..) | Value::Map(..)))
        {
            drop_iteratively(std::mem::take(&mut self.0));
        }
    }
}

impl Drop for Entries {
    fn drop(&mut self) {
        if self
            .0
            .values()
            .any(|v| matches!(v, Value::List(..) | Value::Map(..)))
        {
            drop_iteratively(std::mem::take(&mut self.0).into_values().collect());
        }
    }
}

/// A host object with fields and methods (`.Files`, `.Capabilities` …).
pub trait Object: fmt::Debug {
    /// Go's type name, as `typeOf` prints it.
    fn type_name(&self) -> String;
    /// A field or a method without arguments; `None` if there is no such member.
    fn field(&self, name: &str) -> Option<Value>;
    /// Calls method `name` with `args`; `None` if there is no such method.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }
    /// Whether `name` is a method (so it may take arguments).
    fn has_method(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// How `%v` prints the object.
    fn format_v(&self) -> String {
        format!("{{{}}}", self.type_name())
    }
    /// The value that `toYaml`/`toJson` see, if it is not the object itself.
    fn to_data(&self) -> Value {
        Value::Nil
    }
    /// The (key, element) pairs `range` visits when the Go type behind the object is a map
    /// (Helm's `engine.files` is a `map[string][]byte`); `None` if it cannot be ranged over.
    fn range_entries(&self) -> Option<Vec<(String, Value)>> {
        None
    }
    /// For a `time.Time`: how toToml writes it (a bare TOML datetime).
    fn toml_datetime(&self) -> Option<String> {
        None
    }
}

/// A dynamically typed Go value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// An untyped nil (Go's invalid reflect.Value or a nil interface).
    #[default]
    Nil,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `int64`
    Int64(i64),
    /// `float64`
    Float(f64),
    /// `string`
    String(Rc<str>),
    /// A `string` whose bytes are not valid UTF-8 (binary file contents, base64
    /// decodings). It prints as UTF-8 with replacement characters; hashing and
    /// encoding functions see its bytes.
    BinStr(Rc<[u8]>),
    /// `[]byte`
    Bytes(Rc<[u8]>),
    /// A slice: `[]interface {}`, `[]string` or `[]int`.
    List(Rc<Items>, Elem),
    /// A map with string keys: `map[string]interface {}` or `map[string]string`.
    Map(MapRef, Elem),
    /// A host object.
    Object(Rc<dyn Object>),
}

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }

    /// A `string` from bytes: a plain string when they are UTF-8.
    pub fn from_bytes(bytes: Vec<u8>) -> Value {
        match String::from_utf8(bytes) {
            Ok(s) => Value::from(s),
            Err(e) => Value::BinStr(Rc::from(e.into_bytes())),
        }
    }

    /// The bytes of a string value (either form).
    pub fn str_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::String(s) => Some(s.as_bytes()),
            Value::BinStr(b) => Some(b),
            _ => None,
        }
    }

    /// A `[]interface {}` from values.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(Items(items, false)), Elem::Any)
    }

    /// A list with the given element type (`[]string`, `[]int` …).
    pub fn typed_list(items: Vec<Value>, elem: Elem) -> Value {
        Value::List(Rc::new(Items(items, false)), elem)
    }

    /// A Go nil slice of the given element type (`[]interface {}(nil)`).
    pub fn nil_list(elem: Elem) -> Value {
        Value::List(Rc::new(Items(Vec::new(), true)), elem)
    }

    /// `items` as a slice, nil when empty: what Go's `append` to a nil slice
    /// gives (`var res []T` then appends).
    pub fn list_or_nil(items: Vec<Value>, elem: Elem) -> Value {
        let nil = items.is_empty();
        Value::List(Rc::new(Items(items, nil)), elem)
    }

    /// A Go nil map (`map[string]interface {}(nil)`): what JSON's `null` decodes into.
    pub fn nil_map(elem: Elem) -> Value {
        Value::Map(Rc::new(RefCell::new(Entries(BTreeMap::new(), true))), elem)
    }

    /// Whether this is a nil map (not an empty one, not untyped nil).
    pub fn is_nil_map(&self) -> bool {
        matches!(self, Value::Map(m, _) if m.borrow().is_nil())
    }

    /// Whether this is a nil slice (not an empty one, not untyped nil).
    pub fn is_nil_list(&self) -> bool {
        matches!(self, Value::List(l, _) if l.is_nil())
    }

    /// A map with the given element type (`map[string]string` …).
    pub fn typed_map(entries: BTreeMap<String, Value>, elem: Elem) -> Value {
        Value::Map(Rc::new(RefCell::new(Entries(entries, false))), elem)
    }

    /// A `map[string]interface {}` from entries.
    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::typed_map(entries, Elem::Any)
    }

    /// An empty `map[string]interface {}`.
    pub fn empty_map() -> Value {
        Value::map(BTreeMap::new())
    }

    /// Go's type name (`%T`, `typeOf`).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) | Value::BinStr(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_, e) => format!("[]{}", e.go_name()),
            Value::Map(_, e) => format!("map[string]{}", e.go_name()),
            Value::Object(o) => o.type_name(),
        }
    }

    /// Go's reflect kind name (`kindOf`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) | Value::BinStr(_) => "string",
            Value::Bytes(_) | Value::List(..) => "slice",
            Value::Map(..) => "map",
            Value::Object(o) => {
                if o.type_name().starts_with('*') {
                    "ptr"
                } else {
                    "struct"
                }
            }
        }
    }

    /// Go's template truth (`if`, `and`, `or`, `not`).
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::BinStr(b) | Value::Bytes(b) => !b.is_empty(),
            Value::List(l, _) => !l.is_empty(),
            Value::Map(m, _) => !m.borrow().is_empty(),
            Value::Object(_) => true,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// A deep copy: maps and lists are copied, not shared.
    pub fn deep_copy(&self) -> Value {
        self.deep_copy_at(0)
    }

    fn deep_copy_at(&self, depth: usize) -> Value {
        // Data can be cyclic (`set $m "self" $m`); past this depth it is shared.
        if depth > 10_000 {
            return self.clone();
        }
        crate::deep(|| match self {
            // copystructure keeps a nil slice nil.
            Value::List(l, e) if l.is_nil() => Value::nil_list(*e),
            Value::Map(m, e) if m.borrow().is_nil() => Value::nil_map(*e),
            Value::List(l, e) => {
                Value::typed_list(l.iter().map(|v| v.deep_copy_at(depth + 1)).collect(), *e)
            }
            Value::Map(m, e) => {
                let copy = m
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy_at(depth + 1)))
                    .collect();
                Value::typed_map(copy, *e)
            }
            v => v.clone(),
        })
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::fmt::sprint_value(self))
    }
}
