//! The `--set` family, parsed as Helm's `pkg/strvals` parses it, into an existing values
//! map (maps are shared by reference, so nested keys land in place as in Go).
//!
//! `--set`: `a.b=c,d[0]=e,f={x,y}`; values typed (`true`/`false` → bool, `null` → nil,
//! integers without a leading 0 → int64, anything else a string); `\` escapes the next
//! character. `--set-string`: every value a string. `--set-json`: each value a JSON
//! document. `--set-file`: each value a path whose contents become the string value.
//! `--set-literal`: one key, and the whole rest is the value, untouched.

use std::collections::BTreeMap;

use berth_template::Value;

use super::convert::{from_json, go_dynamic_type, go_quote};

/// Helm's `MaxIndex`.
pub const MAX_INDEX: i64 = 65536;
/// Helm's `MaxNestedNameLevel`.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Nested list indices (`a[0][0]...`) accepted; Helm has no limit, but its stacks grow.
pub const MAX_LIST_NESTING: usize = 100;

/// Reads a `--set-file` path into the value it stands for.
pub type FileReader<'a> = dyn Fn(&str) -> Result<Value, String> + 'a;

enum Mode<'a> {
    Typed { strings: bool },
    Json,
    File(&'a FileReader<'a>),
}

#[derive(Debug)]
enum PErr {
    Eof,
    NotList,
    Msg(String),
}

impl PErr {
    fn text(&self) -> String {
        match self {
            PErr::Eof => "EOF".into(),
            PErr::NotList => "not a list".into(),
            PErr::Msg(m) => m.clone(),
        }
    }
}

fn msg(s: impl Into<String>) -> PErr {
    PErr::Msg(s.into())
}

type PResult<T> = Result<T, PErr>;

struct Scanner {
    chars: Vec<char>,
    pos: usize,
}

impl Scanner {
    fn new(s: &str) -> Scanner {
        Scanner {
            chars: s.chars().collect(),
            pos: 0,
        }
    }

    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Runes up to a stop rune (consumed, returned) or the end (`None`); with `escapes`, a
    /// `\` takes the next rune literally.
    fn until(&mut self, stop: &[char], escapes: bool) -> (Vec<char>, Option<char>) {
        let mut v = Vec::new();
        loop {
            let Some(r) = self.read() else {
                return (v, None);
            };
            if stop.contains(&r) {
                return (v, Some(r));
            }
            if escapes && r == '\\' {
                match self.read() {
                    Some(n) => v.push(n),
                    None => return (v, None),
                }
            } else {
                v.push(r);
            }
        }
    }
}

fn s(chars: &[char]) -> String {
    chars.iter().collect()
}

fn map_get(data: &Value, key: &str) -> Option<Value> {
    match data {
        Value::Map(m, _) => m.borrow().get(key).cloned(),
        _ => None,
    }
}

fn map_set(data: &Value, key: &str, val: Value) {
    if key.is_empty() {
        return;
    }
    if let Value::Map(m, _) = data {
        m.borrow_mut().insert(key.to_string(), val);
    }
}

fn map_len(data: &Value) -> usize {
    match data {
        Value::Map(m, _) => m.borrow().len(),
        _ => 0,
    }
}

fn list_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(items, _) => Some(items.to_vec()),
        _ => None,
    }
}

/// Go's panic text of a failed type assertion, recovered by the parser.
fn assertion(v: &Value, want: &str) -> PErr {
    msg(format!(
        "unable to parse key: interface conversion: interface {{}} is {}, not {want}",
        go_dynamic_type(v)
    ))
}

const LIST: &str = "[]interface {}";
const MAP: &str = "map[string]interface {}";

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> (Vec<Value>, PResult<()>) {
    if index < 0 {
        return (
            list,
            Err(msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_INDEX {
        return (
            list,
            Err(msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = val;
    (list, Ok(()))
}

/// Go's `strconv.Atoi` with its error text.
fn atoi(s: &str) -> PResult<i64> {
    let bad = |what: &str| msg(format!("strconv.Atoi: parsing {}: {what}", go_quote(s)));
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("invalid syntax"));
    }
    s.parse::<i64>().map_err(|_| bad("value out of range"))
}

/// Helm's `typedVal`.
fn typed_val(v: &[char], strings: bool) -> Value {
    let val = s(v);
    if strings {
        return Value::from(val);
    }
    if val.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if val.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if val.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if val == "0" {
        return Value::Int64(0);
    }
    if !val.is_empty() && !val.starts_with('0') {
        let digits = val.strip_prefix(['+', '-']).unwrap_or(&val);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = val.parse::<i64>() {
                return Value::Int64(i);
            }
        }
    }
    Value::from(val)
}

struct Parser<'a> {
    sc: Scanner,
    mode: Mode<'a>,
    list_depth: usize,
}

impl Parser<'_> {
    fn parse(&mut self, data: &Value) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(PErr::Eof) => return Ok(()),
                Err(e) => return Err(e.text()),
            }
        }
    }

    fn reader(&self, rs: &[char]) -> PResult<Value> {
        match &self.mode {
            Mode::Typed { strings } => Ok(typed_val(rs, *strings)),
            Mode::File(read) => read(&s(rs)).map_err(PErr::Msg),
            Mode::Json => Ok(typed_val(rs, false)),
        }
    }

    fn key_index(&mut self) -> PResult<i64> {
        let (v, last) = self.sc.until(&[']'], true);
        if last.is_none() {
            return Err(PErr::Eof);
        }
        atoi(&s(&v))
    }

    /// Skips spaces; true at the end or after a `,`.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.sc.read() {
                None | Some(',') => return true,
                Some(r) if r.is_whitespace() => {}
                Some(_) => {
                    self.sc.unread();
                    return false;
                }
            }
        }
    }

    /// Decodes one JSON document at the scanner, as `json.Decoder` does.
    fn json_value(&mut self) -> PResult<Value> {
        let rest = s(&self.sc.chars[self.sc.pos..]);
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let v = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(msg(e.to_string())),
            None => return Err(PErr::Eof),
        };
        let consumed = rest[..stream.byte_offset()].chars().count();
        self.sc.pos += consumed;
        Ok(from_json(&v))
    }

    fn key(&mut self, data: &Value, mut level: usize) -> PResult<()> {
        let (k, last) = self.sc.until(&['=', '[', ',', '.'], true);
        let key = s(&k);
        match last {
            None => {
                if k.is_empty() {
                    Err(PErr::Eof)
                } else {
                    Err(msg(format!("key {} has no value", go_quote(&key))))
                }
            }
            Some('[') => {
                let i = self
                    .key_index()
                    .map_err(|e| msg(format!("error parsing index: {}", e.text())))?;
                let list = match map_get(data, &key) {
                    Some(v) => list_items(&v).ok_or_else(|| assertion(&v, LIST))?,
                    None => Vec::new(),
                };
                let (list, res) = self.list_item(list, i, level);
                map_set(data, &key, Value::list(list));
                res
            }
            Some('=') => {
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        map_set(data, &key, Value::Nil);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    map_set(data, &key, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        map_set(data, &key, Value::list(vl));
                        Ok(())
                    }
                    Err(PErr::Eof) => {
                        map_set(data, &key, Value::str(""));
                        Err(PErr::Eof)
                    }
                    Err(PErr::NotList) => {
                        let rs = self.val();
                        let v = self.reader(&rs);
                        match v {
                            Ok(v) => {
                                map_set(data, &key, v);
                                Ok(())
                            }
                            Err(e) => {
                                map_set(data, &key, Value::Nil);
                                Err(e)
                            }
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Some(',') => {
                map_set(data, &key, Value::str(""));
                Err(msg(format!(
                    "key {} has no value (cannot end with ,)",
                    go_quote(&key)
                )))
            }
            Some(_) => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match map_get(data, &key) {
                    Some(v @ Value::Map(..)) => v,
                    Some(v) => return Err(assertion(&v, MAP)),
                    None => Value::empty_map(),
                };
                let e = self.key(&inner, level);
                if e.is_ok() && map_len(&inner) == 0 {
                    return Err(msg(format!("key map {} has no value", go_quote(&key))));
                }
                if map_len(&inner) != 0 {
                    map_set(data, &key, inner);
                }
                e
            }
        }
    }

    /// Go's stacks grow and ours do not: list indices nested absurdly deep (`a[0][0]...`,
    /// `a[0].b[0].c[0]...`) are refused instead of overflowing.
    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> (Vec<Value>, PResult<()>) {
        if self.list_depth >= MAX_LIST_NESTING {
            return (
                list,
                Err(msg(format!(
                    "list indices nested deeper than {MAX_LIST_NESTING} are not supported"
                ))),
            );
        }
        self.list_depth += 1;
        let out = self.list_item_inner(list, i, level);
        self.list_depth -= 1;
        out
    }

    fn list_item_inner(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, PResult<()>) {
        if i < 0 {
            return (list, Err(msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.sc.until(&['[', '.', '='], true);
        if !k.is_empty() {
            return (
                list,
                Err(msg(format!(
                    "unexpected data at end of array index: {}",
                    go_quote(&s(&k))
                ))),
            );
        }
        match last {
            None => (list, Err(PErr::Eof)),
            Some('=') => {
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        return set_index(list, i, Value::Nil);
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return (list, Err(e)),
                    };
                    let (list, res) = set_index(list, i, v);
                    if res.is_err() {
                        return (list, res);
                    }
                    self.empty_val();
                    return (list, Ok(()));
                }
                match self.val_list() {
                    Ok(vl) => set_index(list, i, Value::list(vl)),
                    Err(PErr::Eof) => set_index(list, i, Value::str("")),
                    Err(PErr::NotList) => {
                        let rs = self.val();
                        match self.reader(&rs) {
                            Ok(v) => set_index(list, i, v),
                            Err(e) => (list, Err(e)),
                        }
                    }
                    Err(e) => (list, Err(e)),
                }
            }
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => {
                        return (list, Err(msg(format!("error parsing index: {}", e.text()))));
                    }
                };
                let mut current = Vec::new();
                let existing = usize::try_from(i).ok().and_then(|i| list.get(i)).cloned();
                if let Some(existing) = existing {
                    if !existing.is_nil() {
                        match list_items(&existing) {
                            Some(items) => current = items,
                            None => return (list, Err(assertion(&existing, LIST))),
                        }
                    }
                }
                let (list2, res) = self.list_item(current, next, level);
                if res.is_err() {
                    return (list, res);
                }
                set_index(list, i, Value::list(list2))
            }
            Some(_) => {
                let idx = i as usize;
                let inner = if idx < list.len() {
                    match &list[idx] {
                        v @ Value::Map(..) => v.clone(),
                        _ => {
                            list[idx] = Value::empty_map();
                            list[idx].clone()
                        }
                    }
                } else {
                    Value::empty_map()
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, inner)
            }
        }
    }

    fn val(&mut self) -> Vec<char> {
        self.sc.until(&[','], true).0
    }

    fn val_list(&mut self) -> PResult<Vec<Value>> {
        match self.sc.read() {
            None => return Err(PErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.sc.unread();
                return Err(PErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.sc.until(&[',', '}'], true);
            match last {
                None => return Err(msg("list must terminate with '}'")),
                Some('}') => {
                    if let Some(r) = self.sc.read() {
                        if r != ',' {
                            self.sc.unread();
                        }
                    }
                    list.push(self.reader(&rs)?);
                    return Ok(list);
                }
                Some(_) => list.push(self.reader(&rs)?),
            }
        }
    }
}

/// `--set`: parses `s` into `dest` (a map).
pub fn parse_into(s: &str, dest: &Value) -> Result<(), String> {
    Parser {
        sc: Scanner::new(s),
        mode: Mode::Typed { strings: false },
        list_depth: 0,
    }
    .parse(dest)
}

/// `--set-string`.
pub fn parse_into_string(s: &str, dest: &Value) -> Result<(), String> {
    Parser {
        sc: Scanner::new(s),
        mode: Mode::Typed { strings: true },
        list_depth: 0,
    }
    .parse(dest)
}

/// `--set-json` in its `key=JSON` form.
pub fn parse_json(s: &str, dest: &Value) -> Result<(), String> {
    Parser {
        sc: Scanner::new(s),
        mode: Mode::Json,
        list_depth: 0,
    }
    .parse(dest)
}

/// `--set-file`: each value is read by `reader`.
pub fn parse_into_file(s: &str, dest: &Value, reader: &FileReader<'_>) -> Result<(), String> {
    Parser {
        sc: Scanner::new(s),
        mode: Mode::File(reader),
        list_depth: 0,
    }
    .parse(dest)
}

/// `strvals.Parse`: a fresh map.
pub fn parse(s: &str) -> Result<Value, String> {
    let v = Value::map(BTreeMap::new());
    parse_into(s, &v).map(|()| v)
}

/// `strvals.ParseString`: a fresh map.
pub fn parse_string(s: &str) -> Result<Value, String> {
    let v = Value::map(BTreeMap::new());
    parse_into_string(s, &v).map(|()| v)
}

// --- --set-literal ----------------------------------------------------------------------

struct LiteralParser {
    sc: Scanner,
    list_depth: usize,
}

impl LiteralParser {
    fn parse(&mut self, data: &Value) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(PErr::Eof) => return Ok(()),
                Err(e) => return Err(e.text()),
            }
        }
    }

    fn key_index(&mut self) -> PResult<i64> {
        let (v, last) = self.sc.until(&[']'], false);
        if last.is_none() {
            return Err(PErr::Eof);
        }
        atoi(&s(&v))
    }

    fn val(&mut self) -> String {
        s(&self.sc.until(&[], false).0)
    }

    fn key(&mut self, data: &Value, mut level: usize) -> PResult<()> {
        let (k, last) = self.sc.until(&['=', '[', '.'], false);
        let key = s(&k);
        match last {
            None => {
                if k.is_empty() {
                    Err(PErr::Eof)
                } else {
                    Err(msg(format!("key {} has no value", go_quote(&key))))
                }
            }
            Some('=') => {
                let v = self.val();
                map_set(data, &key, Value::from(v));
                Ok(())
            }
            Some('.') => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match map_get(data, &key) {
                    Some(v @ Value::Map(..)) => v,
                    Some(v) => return Err(assertion(&v, MAP)),
                    None => Value::empty_map(),
                };
                let e = self.key(&inner, level);
                if e.is_ok() && map_len(&inner) == 0 {
                    return Err(msg(format!("key map {} has no value", go_quote(&key))));
                }
                if map_len(&inner) != 0 {
                    map_set(data, &key, inner);
                }
                e
            }
            Some(_) => {
                let i = self
                    .key_index()
                    .map_err(|e| msg(format!("error parsing index: {}", e.text())))?;
                let list = match map_get(data, &key) {
                    Some(v) => list_items(&v).ok_or_else(|| assertion(&v, LIST))?,
                    None => Vec::new(),
                };
                let (list, res) = self.list_item(list, i, level);
                map_set(data, &key, Value::list(list));
                res
            }
        }
    }

    /// Go's stacks grow and ours do not: list indices nested absurdly deep (`a[0][0]...`,
    /// `a[0].b[0].c[0]...`) are refused instead of overflowing.
    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> (Vec<Value>, PResult<()>) {
        if self.list_depth >= MAX_LIST_NESTING {
            return (
                list,
                Err(msg(format!(
                    "list indices nested deeper than {MAX_LIST_NESTING} are not supported"
                ))),
            );
        }
        self.list_depth += 1;
        let out = self.list_item_inner(list, i, level);
        self.list_depth -= 1;
        out
    }

    fn list_item_inner(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, PResult<()>) {
        if i < 0 {
            return (list, Err(msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.sc.until(&['[', '.', '='], false);
        if !k.is_empty() {
            return (
                list,
                Err(msg(format!(
                    "unexpected data at end of array index: {}",
                    go_quote(&s(&k))
                ))),
            );
        }
        match last {
            None => (list, Err(PErr::Eof)),
            Some('=') => {
                let v = self.val();
                set_index(list, i, Value::from(v))
            }
            Some('.') => {
                let idx = i as usize;
                let inner = if idx < list.len() {
                    match &list[idx] {
                        v @ Value::Map(..) => v.clone(),
                        _ => {
                            list[idx] = Value::empty_map();
                            list[idx].clone()
                        }
                    }
                } else {
                    Value::empty_map()
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, inner)
            }
            Some(_) => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => {
                        return (list, Err(msg(format!("error parsing index: {}", e.text()))));
                    }
                };
                let mut current = Vec::new();
                let existing = usize::try_from(i).ok().and_then(|i| list.get(i)).cloned();
                if let Some(existing) = existing {
                    if !existing.is_nil() {
                        match list_items(&existing) {
                            Some(items) => current = items,
                            None => return (list, Err(assertion(&existing, LIST))),
                        }
                    }
                }
                let (list2, res) = self.list_item(current, next, level);
                if res.is_err() {
                    return (list, res);
                }
                set_index(list, i, Value::list(list2))
            }
        }
    }
}

/// `--set-literal`: parses `s` into `dest`.
pub fn parse_literal_into(s: &str, dest: &Value) -> Result<(), String> {
    LiteralParser {
        sc: Scanner::new(s),
        list_depth: 0,
    }
    .parse(dest)
}

/// `strvals.ParseLiteral`: a fresh map.
pub fn parse_literal(s: &str) -> Result<Value, String> {
    let v = Value::map(BTreeMap::new());
    parse_literal_into(s, &v).map(|()| v)
}

#[cfg(test)]
#[path = "strvals_tests.rs"]
mod tests;
