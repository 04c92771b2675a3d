//! Helm's fromToml: TOML 1.0 decoded as BurntSushi/toml decodes it into a
//! `map[string]interface {}`: integers are int64, floats float64, datetimes
//! `time.Time` (offset ones in UTC or a fixed zone, local ones in BurntSushi's
//! `datetime-local`/`date-local`/`time-local` zones), arrays `[]interface {}`,
//! tables `map[string]interface {}`, arrays of tables
//! `[]map[string]interface {}`. Errors read `toml: line N (last key "k"): ...`.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::sprig_dates::{Time, days_from_civil};
use crate::value::{Elem, Object, Value};

/// A TOML datetime: the instant plus the zone it was written in.
#[derive(Debug, Clone)]
pub(crate) struct TomlTime {
    /// The instant (UTC).
    t: Time,
    /// Seconds east of UTC.
    offset: i32,
    /// The zone's name; empty for a fixed offset without a name.
    zone: &'static str,
}

impl TomlTime {
    fn wall(&self) -> Time {
        Time {
            secs: self.t.secs + self.offset as i64,
            nanos: self.t.nanos,
        }
    }

    fn offset_text(&self, colon: bool) -> String {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let o = self.offset.unsigned_abs();
        let sep = if colon { ":" } else { "" };
        format!("{sign}{:02}{sep}{:02}", o / 3600, o / 60 % 60)
    }

    /// Go's `Time.String`.
    fn go_string(&self) -> String {
        let wall = self.wall().format("2006-01-02 15:04:05.999999999");
        let zone = if self.zone.is_empty() {
            self.offset_text(false)
        } else {
            self.zone.to_string()
        };
        format!("{wall} {} {zone}", self.offset_text(false))
    }
}

impl Object for TomlTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        self.wall().has_method(name)
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Unix" | "UnixNano" | "UTC" | "Local" => self.t.call(name, args),
            "String" => Some(Ok(Value::from(self.go_string()))),
            "IsZero" => Some(Ok(Value::Bool(self.t == Time::zero()))),
            _ => self.wall().call(name, args),
        }
    }
    fn format_v(&self) -> String {
        self.go_string()
    }
    fn toml_datetime(&self) -> Option<String> {
        // BurntSushi's encoder writes local kinds in their own forms.
        let w = self.wall();
        Some(match self.zone {
            "datetime-local" => w.format("2006-01-02T15:04:05.999999999"),
            "date-local" => w.format("2006-01-02"),
            "time-local" => w.format("15:04:05.999999999"),
            _ => self.to_data().as_str().unwrap_or("").to_string(),
        })
    }
    fn to_data(&self) -> Value {
        // encoding/json's time: RFC 3339 with nanoseconds, Z for UTC.
        let wall = self.wall().format("2006-01-02T15:04:05.999999999");
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            self.offset_text(true)
        };
        Value::from(format!("{wall}{zone}"))
    }
}

/// fromToml: the table, or a map holding only `Error`.
pub(crate) fn from_toml(text: &str) -> Value {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        root: Table::default(),
        context: Vec::new(),
        current: None,
        depth: 0,
    };
    match p.document() {
        Ok(()) => table_value(std::mem::take(&mut p.root)),
        Err(e) => {
            let mut m = BTreeMap::new();
            m.insert("Error".to_string(), Value::from(e));
            Value::map(m)
        }
    }
}

#[derive(Default)]
struct Table {
    m: BTreeMap<String, Node>,
    /// Defined by a header, a dotted key or inline: cannot be defined again.
    defined: bool,
}

enum Node {
    V(Value),
    T(Table),
    /// A static array (`a = [...]`).
    A(Vec<Node>),
    /// An array of tables (`[[a]]`).
    At(Vec<Table>),
}

fn table_value(t: Table) -> Value {
    Value::map(t.m.into_iter().map(|(k, n)| (k, node_value(n))).collect())
}

fn node_value(n: Node) -> Value {
    match n {
        Node::V(v) => v,
        Node::T(t) => table_value(t),
        Node::A(items) => Value::list(items.into_iter().map(node_value).collect()),
        Node::At(ts) => Value::typed_list(ts.into_iter().map(table_value).collect(), Elem::Map),
    }
}

const MAX_DEPTH: usize = 1000;

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
    root: Table,
    /// The current table's key path.
    context: Vec<String>,
    /// The key whose value is being read (BurntSushi's "last key"), if any.
    current: Option<Vec<String>>,
    depth: usize,
}

type R<T> = Result<T, String>;

fn key_text(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        crate::fmt::quote_go(k)
    }
}

fn path_text(p: &[String]) -> String {
    p.iter().map(|k| key_text(k)).collect::<Vec<_>>().join(".")
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at(&self, n: usize) -> Option<u8> {
        self.s.get(self.i + n).copied()
    }

    fn last_key(&self) -> String {
        path_text(self.current.as_deref().unwrap_or(&self.context))
    }

    fn err(&self, msg: impl Into<String>) -> String {
        self.err_at(self.line, msg)
    }

    fn err_at(&self, line: usize, msg: impl Into<String>) -> String {
        let k = self.last_key();
        if k.is_empty() {
            format!("toml: line {line}: {}", msg.into())
        } else {
            format!(
                "toml: line {line} (last key {}): {}",
                crate::fmt::quote_go(&k),
                msg.into()
            )
        }
    }

    /// The next character as Go's %q prints a rune; EOF reads as NUL.
    fn found(&self) -> String {
        quote_rune(self.next_char().unwrap_or('\0'))
    }

    fn next_char(&self) -> Option<char> {
        self.text.get(self.i..).and_then(|r| r.chars().next())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn newline(&mut self) -> bool {
        match (self.peek(), self.at(1)) {
            (Some(b'\n'), _) => {
                self.i += 1;
                self.line += 1;
                true
            }
            (Some(b'\r'), Some(b'\n')) => {
                self.i += 2;
                self.line += 1;
                true
            }
            _ => false,
        }
    }

    fn comment(&mut self) -> R<()> {
        if self.peek() != Some(b'#') {
            return Ok(());
        }
        while let Some(c) = self.peek() {
            if c == b'\n' || (c == b'\r' && self.at(1) == Some(b'\n')) {
                break;
            }
            if (c < 0x20 && c != b'\t') || c == 0x7f {
                return Err(self.err(format!(
                    "TOML files cannot contain control characters: '0x{c:02x}'"
                )));
            }
            self.i += 1;
        }
        Ok(())
    }

    /// Whitespace, newlines and comments (inside arrays).
    fn ws_nl(&mut self) -> R<()> {
        loop {
            self.ws();
            self.comment()?;
            if !self.newline() {
                return Ok(());
            }
        }
    }

    fn document(&mut self) -> R<()> {
        if self.s.contains(&0) {
            return Err("toml: line 1: files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8".to_string());
        }
        if self.text.starts_with('\u{feff}') {
            self.i = 3;
        }
        loop {
            self.ws();
            self.comment()?;
            if self.newline() {
                continue;
            }
            let Some(c) = self.peek() else { return Ok(()) };
            if c == b'[' {
                self.header()?;
            } else {
                self.keyval_top()?;
            }
            self.ws();
            self.comment()?;
            if self.peek().is_some() && !self.newline() {
                return Err(self.err(format!(
                    "expected a top-level item to end with a newline, comment, or EOF, but got {} instead",
                    self.found()
                )));
            }
        }
    }

    fn key(&mut self) -> R<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.ws();
            let part = match self.peek() {
                Some(b'"') => {
                    if self.at(1) == Some(b'"') && self.at(2) == Some(b'"') {
                        return Err(self.err("multi-line strings are not allowed as keys"));
                    }
                    self.basic_string()?
                }
                Some(b'\'') => self.literal_string()?,
                Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                    let start = self.i;
                    while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                    {
                        self.i += 1;
                    }
                    self.text[start..self.i].to_string()
                }
                Some(b'=') => return Err(self.err("unexpected '=': key name appears blank")),
                Some(b'.') => return Err(self.err("unexpected '.': keys cannot start with a '.'")),
                None => return Err(self.err("unexpected EOF; expected key separator '='")),
                _ => {
                    return Err(self.err(format!(
                        "expected '.' or '=', but got {} instead",
                        self.found()
                    )));
                }
            };
            parts.push(part);
            self.ws();
            if self.peek() == Some(b'.') {
                self.i += 1;
                continue;
            }
            return Ok(parts);
        }
    }

    fn header(&mut self) -> R<()> {
        let line = self.line;
        self.i += 1;
        let array = self.peek() == Some(b'[');
        if array {
            self.i += 1;
        }
        self.ws();
        if self.peek() == Some(b']') {
            return Err(self.err("unexpected end of table name (table names cannot be empty)"));
        }
        let key = self.key()?;
        if self.peek() != Some(b']') {
            return Err(self.err(format!(
                "expected '.' or ']' to end table name, but got {} instead",
                self.found()
            )));
        }
        self.i += 1;
        if array {
            if self.peek() != Some(b']') {
                return Err(self.err(format!(
                    "expected end of table array name delimiter ']', but got {} instead",
                    self.found()
                )));
            }
            self.i += 1;
        }
        let (last, parents) = key.split_last().ok_or_else(|| self.err("empty key"))?;
        // A parent that is not a table is reported with the previous
        // table's key; later errors with the parents'.
        self.current = None;
        self.walk(parents, line)?;
        self.context = parents.to_vec();
        let t = self.walk(parents, line)?;
        if array {
            let e =
                t.m.entry(last.clone())
                    .or_insert_with(|| Node::At(Vec::new()));
            match e {
                Node::At(ts) => ts.push(Table {
                    m: BTreeMap::new(),
                    defined: true,
                }),
                _ => {
                    return Err(self.err_at(
                        line,
                        format!(
                            "Key '{}' was already created and cannot be used as an array.",
                            path_text(&key)
                        ),
                    ));
                }
            }
            self.context = key;
        } else {
            match t.m.get_mut(last) {
                None => {
                    t.m.insert(
                        last.clone(),
                        Node::T(Table {
                            m: BTreeMap::new(),
                            defined: true,
                        }),
                    );
                }
                Some(Node::T(x)) if !x.defined => x.defined = true,
                Some(_) => {
                    return Err(self.err_at(
                        line,
                        format!("Key '{}' has already been defined.", path_text(&key)),
                    ));
                }
            }
            self.context = key;
        }
        Ok(())
    }

    /// The table at `path` from the root, creating implicit tables; the last
    /// element of an array of tables stands for the array.
    fn walk(&mut self, path: &[String], line: usize) -> R<&mut Table> {
        let last_key = self.last_key();
        let lk = if last_key.is_empty() {
            String::new()
        } else {
            format!(" (last key {})", crate::fmt::quote_go(&last_key))
        };
        let mut t = &mut self.root;
        for (n, k) in path.iter().enumerate() {
            let node =
                t.m.entry(k.clone())
                    .or_insert_with(|| Node::T(Table::default()));
            let next = match node {
                Node::T(x) => Some(x),
                Node::At(ts) => ts.last_mut(),
                _ => None,
            };
            t = match next {
                Some(x) => x,
                None => {
                    let k = path_text(&path[..=n]);
                    return Err(format!(
                        "toml: line {line}{lk}: Key '{k}' was already created as a hash."
                    ));
                }
            };
        }
        Ok(t)
    }

    fn keyval_top(&mut self) -> R<()> {
        let ctx = self.context.clone();
        self.keyval_into(&ctx)
    }

    /// `key = value`, set under the table at `base`.
    fn keyval_into(&mut self, base: &[String]) -> R<()> {
        let line = self.line;
        let key = self.key()?;
        let outer = self.current.take();
        let mut cur = self.context.clone();
        cur.extend(key.iter().cloned());
        if self.peek() != Some(b'=') {
            return Err(self.err(match self.peek() {
                None => "unexpected EOF; expected key separator '='".to_string(),
                _ => format!("expected '.' or '=', but got {} instead", self.found()),
            }));
        }
        self.i += 1;
        self.ws();
        self.current = Some(cur);
        let v = self.value()?;
        self.current = outer;
        let (last, parents) = key.split_last().ok_or_else(|| self.err("empty key"))?;
        let mut full: Vec<String> = base.to_vec();
        full.extend(parents.iter().cloned());
        let full_key = {
            let mut f = full.clone();
            f.push(last.clone());
            path_text(&f)
        };
        let t = self.walk(&full, line)?;
        if t.m.contains_key(last) {
            return Err(format!(
                "toml: line {line} (last key {}): Key '{full_key}' has already been defined.",
                crate::fmt::quote_go(&full_key)
            ));
        }
        t.m.insert(last.clone(), v);
        Ok(())
    }

    fn value(&mut self) -> R<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("exceeds maximum table depth"));
        }
        let r = crate::deep(|| self.value_inner());
        self.depth -= 1;
        r
    }

    fn value_inner(&mut self) -> R<Node> {
        let Some(c) = self.peek() else {
            return Err(self.err("unexpected EOF; expected value"));
        };
        match c {
            b'"' => Ok(Node::V(Value::from(self.basic_string()?))),
            b'\'' => Ok(Node::V(Value::from(self.literal_string()?))),
            b'[' => self.array(),
            b'{' => self.inline_table(),
            b't' if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Node::V(Value::Bool(true)))
            }
            b'f' if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Node::V(Value::Bool(false)))
            }
            b'0'..=b'9' | b'+' | b'-' | b'i' | b'n' | b'.' => self.number_or_date(),
            b'\n' | b'\r' => Err(self.err("unexpected EOF; expected value")),
            c if c.is_ascii_alphabetic() => {
                let start = self.i;
                let mut end = start;
                while self
                    .s
                    .get(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    end += 1;
                }
                Err(self.err(format!(
                    "expected value but found {} instead",
                    crate::fmt::quote_go(&self.text[start..end])
                )))
            }
            _ => Err(self.err(format!("expected value but found {} instead", self.found()))),
        }
    }

    fn array(&mut self) -> R<Node> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws_nl()?;
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Node::A(items));
                }
                None => return Err(self.err("unexpected EOF; expected value")),
                Some(b',') => return Err(self.err("unexpected comma")),
                _ => {}
            }
            items.push(self.value()?);
            self.ws_nl()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                None => return Err(self.err("unexpected EOF; expected value")),
                _ => {
                    return Err(self.err(format!(
                        "expected a comma (',') or array terminator (']'), but got {}",
                        self.found()
                    )));
                }
            }
        }
    }

    fn inline_table(&mut self) -> R<Node> {
        self.i += 1;
        let outer_ctx = std::mem::take(&mut self.context);
        let outer_key = self.current.clone();
        self.context = outer_key.clone().unwrap_or_default();
        // Build the inline table in a scratch root.
        let saved_root = std::mem::take(&mut self.root);
        let r = self.inline_body();
        let table = std::mem::replace(&mut self.root, saved_root);
        self.context = outer_ctx;
        self.current = outer_key;
        r?;
        let mut table = table;
        table.defined = true;
        Ok(Node::T(table))
    }

    /// TOML 1.1 (BurntSushi 1.6's default): newlines, comments and a
    /// trailing comma are allowed in inline tables.
    fn inline_body(&mut self) -> R<()> {
        loop {
            self.ws_nl()?;
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(());
            }
            self.keyval_into(&[])?;
            self.ws_nl()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                None => return Err(self.err("unexpected EOF")),
                _ => {
                    return Err(self.err(format!(
                        "expected a comma or an inline table terminator '}}', but got {} instead",
                        self.found()
                    )));
                }
            }
        }
    }

    fn control(&self, c: char) -> String {
        self.err(format!(
            "TOML files cannot contain control characters: '0x{:02x}'",
            c as u32
        ))
    }

    fn basic_string(&mut self) -> R<String> {
        let multi = self.s[self.i..].starts_with(b"\"\"\"");
        self.i += if multi { 3 } else { 1 };
        if multi {
            // A newline right after the opening quotes is trimmed.
            self.newline();
        }
        let mut out = String::new();
        loop {
            let Some(c) = self.next_char() else {
                return Err(self.err(if multi {
                    "unexpected EOF; expected '\"\"\"'"
                } else {
                    "unexpected EOF; expected '\"'"
                }));
            };
            match c {
                '"' if !multi => {
                    self.i += 1;
                    return Ok(out);
                }
                '"' if self.s[self.i..].starts_with(b"\"\"\"") => {
                    // Up to two quotes may end the content.
                    let mut n = 3;
                    while n < 5 && self.at(n) == Some(b'"') {
                        n += 1;
                    }
                    for _ in 3..n {
                        out.push('"');
                    }
                    self.i += n;
                    return Ok(out);
                }
                '\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err("unexpected EOF"));
                    };
                    let simple = match e {
                        b'e' => Some('\x1b'),
                        b'b' => Some('\x08'),
                        b't' => Some('\t'),
                        b'n' => Some('\n'),
                        b'f' => Some('\x0c'),
                        b'r' => Some('\r'),
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        _ => None,
                    };
                    if let Some(s) = simple {
                        out.push(s);
                        self.i += 1;
                        continue;
                    }
                    if matches!(e, b'u' | b'U' | b'x') {
                        let (n, word) = match e {
                            b'x' => (2, "two"),
                            b'u' => (4, "four"),
                            _ => (8, "eight"),
                        };
                        let rest = self.text.get(self.i + 1..).unwrap_or("");
                        let mut got = format!("\\{}", e as char);
                        for (k, ch) in rest.chars().chain(std::iter::once('\0')).enumerate() {
                            if k == n {
                                break;
                            }
                            got.push(ch);
                            if !ch.is_ascii_hexdigit() {
                                if ch == '\0' {
                                    got.pop();
                                }
                                return Err(self.err(format!(
                                    "expected {word} hexadecimal digits after '\\{}', but got {} instead",
                                    e as char,
                                    crate::fmt::quote_go(&got)
                                )));
                            }
                        }
                        let hex = &rest[..n];
                        let v = u32::from_str_radix(hex, 16).unwrap_or(0xd800);
                        match char::from_u32(v) {
                            Some(ch) => out.push(ch),
                            None => {
                                return Err(self.err(format!(
                                    "Escaped character '\\u{hex}' is not valid UTF-8."
                                )));
                            }
                        }
                        self.i += 1 + n;
                        continue;
                    }
                    if multi && matches!(e, b' ' | b'\t' | b'\n' | b'\r') {
                        // A line-ending backslash trims whitespace and newlines.
                        let save = (self.i, self.line);
                        self.ws();
                        if !self.newline() {
                            (self.i, self.line) = save;
                            return Err(
                                self.err(format!("invalid escape in string '\\{}'", e as char))
                            );
                        }
                        loop {
                            self.ws();
                            if !self.newline() {
                                break;
                            }
                        }
                        continue;
                    }
                    let ch = self.next_char().unwrap_or('\0');
                    return Err(self.err(format!("invalid escape in string '\\{ch}'")));
                }
                '\n' | '\r' if multi => {
                    if c == '\r' && self.at(1) != Some(b'\n') {
                        return Err(self.control(c));
                    }
                    self.newline();
                    out.push('\n');
                }
                '\n' | '\r' => return Err(self.err("strings cannot contain newlines")),
                c if (c < ' ' && c != '\t') || c == '\x7f' => return Err(self.control(c)),
                c => {
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }

    fn literal_string(&mut self) -> R<String> {
        let multi = self.s[self.i..].starts_with(b"'''");
        self.i += if multi { 3 } else { 1 };
        if multi {
            // A newline right after the opening quotes is trimmed.
            self.newline();
        }
        let mut out = String::new();
        loop {
            let Some(c) = self.next_char() else {
                return Err(self.err(if multi {
                    "unexpected EOF; expected \"'''\""
                } else {
                    "unexpected EOF; expected \"'\""
                }));
            };
            match c {
                '\'' if !multi => {
                    self.i += 1;
                    return Ok(out);
                }
                '\'' if self.s[self.i..].starts_with(b"'''") => {
                    let mut n = 3;
                    while n < 5 && self.at(n) == Some(b'\'') {
                        n += 1;
                    }
                    for _ in 3..n {
                        out.push('\'');
                    }
                    self.i += n;
                    return Ok(out);
                }
                '\n' | '\r' if multi => {
                    if c == '\r' && self.at(1) != Some(b'\n') {
                        return Err(self.control(c));
                    }
                    self.newline();
                    out.push('\n');
                }
                '\n' | '\r' => return Err(self.err("strings cannot contain newlines")),
                c if (c < ' ' && c != '\t') || c == '\x7f' => return Err(self.control(c)),
                c => {
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }

    fn number_or_date(&mut self) -> R<Node> {
        let start = self.i;
        let b0 = self.s[start];
        let radix = match (b0, self.s.get(start + 1)) {
            (b'0', Some(b'x')) => 16,
            (b'0', Some(b'o')) => 8,
            (b'0', Some(b'b')) => 2,
            _ => 10,
        };
        let dateish = b0.is_ascii_digit()
            && (self.s.get(start + 4) == Some(&b'-') || self.s.get(start + 2) == Some(&b':'))
            && self.s[start..]
                .iter()
                .take(4)
                .take_while(|c| c.is_ascii_digit())
                .count()
                >= 2;
        if !dateish {
            // The lexer's number: digits and underscores, a point, an
            // exponent with its sign; prefixed ones take their own digits.
            let mut end = start;
            if radix != 10 {
                end += 2;
                while self
                    .s
                    .get(end)
                    .is_some_and(|&c| c == b'_' || (c as char).is_digit(radix))
                {
                    end += 1;
                }
                if end == start + 2 {
                    end = (start + 3).min(self.s.len());
                }
            } else {
                if matches!(b0, b'+' | b'-') {
                    end += 1;
                    if self.s.get(end) == Some(&b'0')
                        && matches!(self.s.get(end + 1), Some(b'x' | b'o' | b'b'))
                    {
                        return Err(self.err(format!(
                            "cannot use sign with non-decimal numbers: '{}'",
                            &self.text[start..end + 2]
                        )));
                    }
                }
                let word_start = end;
                while let Some(&c) = self.s.get(end) {
                    let exp_sign = matches!(c, b'+' | b'-')
                        && matches!(self.s.get(end.wrapping_sub(1)), Some(b'e' | b'E'));
                    if !(c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'e' | b'E') || exp_sign) {
                        break;
                    }
                    end += 1;
                }
                if end == word_start {
                    while self.s.get(end).is_some_and(u8::is_ascii_alphabetic) {
                        end += 1;
                    }
                }
            }
            let tok = &self.text[start..end];
            self.i = end;
            return self.number(tok);
        }
        let mut end = self.i;
        while let Some(&c) = self.s.get(end) {
            let ok = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-' | b'.' | b':');
            // A space may separate a date from its time.
            let date_space = c == b' '
                && end - start == 10
                && self.s.get(start + 4) == Some(&b'-')
                && self.s.get(end + 1).is_some_and(u8::is_ascii_digit);
            if !(ok || date_space) {
                break;
            }
            end += 1;
        }
        let tok = &self.text[start..end];
        self.i = end;
        let b = tok.as_bytes();
        let is_date = (b.len() >= 5 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit))
            || (b.len() >= 3 && b[2] == b':' && b[..2].iter().all(u8::is_ascii_digit));
        if is_date {
            return self.datetime(tok);
        }
        self.number(tok)
    }

    fn number(&self, tok: &str) -> R<Node> {
        let invalid_float = || self.err(format!("invalid float: '{tok}'"));
        let unsigned = tok.trim_start_matches(['+', '-']);
        match unsigned {
            "inf" | "nan" => {
                let f = if unsigned == "inf" {
                    f64::INFINITY
                } else {
                    f64::NAN
                };
                return Ok(Node::V(Value::Float(if tok.starts_with('-') {
                    -f
                } else {
                    f
                })));
            }
            _ => {}
        }
        if tok.len() - unsigned.len() > 1 || unsigned.is_empty() {
            return Err(self.err(format!(
                "expected value but found {} instead",
                crate::fmt::quote_go(tok)
            )));
        }
        for (pfx, radix, what) in [
            ("0x", 16, "a hexadecimal"),
            ("0o", 8, "an octal"),
            ("0b", 2, "a binary"),
        ] {
            if let Some(digits) = unsigned.strip_prefix(pfx) {
                if unsigned.len() != tok.len() {
                    return Err(self.err(format!(
                        "cannot use sign with non-decimal numbers: '{}'",
                        tok.get(..3).unwrap_or(tok)
                    )));
                }
                let first = digits.chars().next().unwrap_or('\0');
                if !first.is_digit(radix) {
                    return Err(self.err(format!("not {what} number: '{pfx}{first}'")));
                }
                if !underscores_ok(digits) {
                    return Err(self.err(format!(
                        "Invalid integer {}: underscores must be surrounded by digits",
                        crate::fmt::quote_go(tok)
                    )));
                }
                let clean = digits.replace('_', "");
                return match u64::from_str_radix(&clean, radix) {
                    Ok(v) if v <= i64::MAX as u64 => Ok(Node::V(Value::Int64(v as i64))),
                    Ok(_) => Err(self.err(format!("{tok} is out of range for int64"))),
                    Err(_) if clean.chars().all(|c| c.is_digit(radix)) => {
                        Err(self.err(format!("{tok} is out of range for int64")))
                    }
                    Err(_) => Err(self.err(format!("not a {what} number: '{tok}'"))),
                };
            }
        }
        let is_float = unsigned.contains(['.', 'e', 'E']);
        if !unsigned
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return Err(if is_float {
                invalid_float()
            } else {
                self.err(format!(
                    "expected value but found {} instead",
                    crate::fmt::quote_go(tok)
                ))
            });
        }
        if !is_float {
            if unsigned.contains(['+', '-']) {
                return Err(self.err(format!(
                    "expected value but found {} instead",
                    crate::fmt::quote_go(tok)
                )));
            }
            if !underscores_ok(unsigned) {
                return Err(self.err(format!(
                    "Invalid integer {}: underscores must be surrounded by digits",
                    crate::fmt::quote_go(tok)
                )));
            }
            if unsigned.len() > 1 && unsigned.starts_with('0') {
                return Err(self.err(format!(
                    "Invalid integer {}: cannot have leading zeroes",
                    crate::fmt::quote_go(tok)
                )));
            }
            let clean = tok.replace('_', "");
            return match clean.parse::<i64>() {
                Ok(v) => Ok(Node::V(Value::Int64(v))),
                Err(_) => Err(self.err(format!("{tok} is out of range for int64"))),
            };
        }
        if unsigned.starts_with('.') {
            return Err(self.err("floats must start with a digit, not '.'"));
        }
        let parts: Vec<&str> = unsigned.split(['.', 'e', 'E']).collect();
        if parts
            .iter()
            .any(|p| !underscores_ok(p.trim_start_matches(['+', '-'])))
        {
            return Err(self.err(format!(
                "Invalid float {}: underscores must be surrounded by digits",
                crate::fmt::quote_go(tok)
            )));
        }
        if parts[0].len() > 1 && parts[0].starts_with('0') {
            return Err(self.err(format!(
                "Invalid float {}: cannot have leading zeroes",
                crate::fmt::quote_go(tok)
            )));
        }
        if let Some(pos) = unsigned.find('.') {
            if !unsigned[pos + 1..].starts_with(|c: char| c.is_ascii_digit()) {
                return Err(self.err(format!(
                    "Invalid float {}: '.' must be followed by one or more digits",
                    crate::fmt::quote_go(tok)
                )));
            }
        }
        let clean = tok.replace('_', "");
        match clean.parse::<f64>() {
            Ok(f) if f.is_infinite() => Err(self.err(format!("{tok} is out of range for float64"))),
            Ok(f) => Ok(Node::V(Value::Float(f))),
            Err(_) => Err(self.err(format!(
                "Invalid float value: {}",
                crate::fmt::quote_go(tok)
            ))),
        }
    }

    fn datetime(&self, tok: &str) -> R<Node> {
        let bad = || self.err(format!("invalid datetime: {}", crate::fmt::quote_go(tok)));
        let norm: String = tok
            .chars()
            .map(|c| match c {
                'z' => 'Z',
                't' | ' ' => 'T',
                c => c,
            })
            .collect();
        let num = |s: &str| -> Option<u32> {
            if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
                s.parse().ok()
            } else {
                None
            }
        };
        // HH:MM:SS[.frac] at the start of `s`; returns (secs of day, nanos, rest).
        let time_part = |s: &str| -> Option<(i64, u32, String)> {
            let b = s.as_bytes();
            if b.len() < 5 || b[2] != b':' {
                return None;
            }
            // TOML 1.1: seconds may be left out.
            let with_secs = b.len() >= 8 && b[5] == b':';
            let (h, m) = (num(&s[0..2])?, num(&s[3..5])?);
            let sec = if with_secs { num(&s[6..8])? } else { 0 };
            if h > 23 || m > 59 || sec > 59 {
                return None;
            }
            let mut rest = &s[if with_secs { 8 } else { 5 }..];
            if !with_secs && rest.starts_with('.') {
                return None;
            }
            let mut nanos = 0u32;
            if let Some(r) = rest.strip_prefix('.') {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                if n == 0 {
                    return None;
                }
                let digits = &r[..n];
                let mut d = digits[..n.min(9)].to_string();
                while d.len() < 9 {
                    d.push('0');
                }
                nanos = d.parse().ok()?;
                rest = &r[n..];
            }
            Some((
                h as i64 * 3600 + m as i64 * 60 + sec as i64,
                nanos,
                rest.to_string(),
            ))
        };
        let mk = |secs: i64, nanos: u32, offset: i32, zone: &'static str| {
            Node::V(Value::Object(Rc::new(TomlTime {
                t: Time { secs, nanos },
                offset,
                zone,
            })))
        };
        let b = norm.as_bytes();
        if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
            let (y, mo, d) = (
                num(&norm[0..4]).ok_or_else(bad)?,
                num(&norm[5..7]).ok_or_else(bad)?,
                num(&norm[8..10]).ok_or_else(bad)?,
            );
            if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y as i64, mo) {
                return Err(bad());
            }
            let days = days_from_civil(y as i64, mo, d);
            if norm.len() == 10 {
                return Ok(mk(days * 86400, 0, 0, "date-local"));
            }
            let rest = norm.get(10..).ok_or_else(bad)?;
            let rest = rest.strip_prefix('T').ok_or_else(bad)?;
            let (tod, nanos, zone) = time_part(rest).ok_or_else(bad)?;
            let wall = days * 86400 + tod;
            if zone.is_empty() {
                return Ok(mk(wall, nanos, 0, "datetime-local"));
            }
            if zone == "Z" {
                return Ok(mk(wall, nanos, 0, "UTC"));
            }
            let zb = zone.as_bytes();
            if zb.len() != 6 || !matches!(zb[0], b'+' | b'-') || zb[3] != b':' {
                return Err(bad());
            }
            let (oh, om) = (
                num(&zone[1..3]).ok_or_else(bad)?,
                num(&zone[4..6]).ok_or_else(bad)?,
            );
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let mut off = (oh * 3600 + om * 60) as i32;
            if zb[0] == b'-' {
                off = -off;
            }
            // Go's time.Local is UTC here: a zero offset is the UTC zone.
            let name = if off == 0 { "UTC" } else { "" };
            return Ok(mk(wall - off as i64, nanos, off, name));
        }
        let (tod, nanos, rest) = time_part(&norm).ok_or_else(bad)?;
        if !rest.is_empty() {
            return Err(bad());
        }
        // Year 0, January 1.
        let days = days_from_civil(0, 1, 1);
        Ok(mk(days * 86400 + tod, nanos, 0, "time-local"))
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        _ => 28,
    }
}

/// Underscores only between digits.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let prev = i.checked_sub(1).and_then(|j| b.get(j));
            let next = b.get(i + 1);
            if !prev.is_some_and(u8::is_ascii_hexdigit) || !next.is_some_and(u8::is_ascii_hexdigit)
            {
                return false;
            }
        }
    }
    true
}

/// Go's %q of a rune.
fn quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\t' => "'\\t'".into(),
        '\r' => "'\\r'".into(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prefix and every single-character deletion of a document that
    /// uses all of the grammar decodes or errs, never panics.
    #[test]
    fn never_panics_on_damaged_input() {
        let doc = r#"# c
"k" = 'v'
a.b = 1_000
h = 0xdead_beef
o = 0o17
b = 0b11
f = -1.5e-3
i = -inf
n = +nan
d = 1979-05-27T07:32:00.5-07:00
l = 1979-05-27 07:32
t = 07:32
s = "\u00e9\x41\e\U0001F600"
m = """
x\
  y"""""
r = '''
z''''
ar = [1, [2], {x = 1,
 y = 2,}, ]
[t2 . u]
v = true
[[at]]
w = 1
[[at]]
[at.sub]
q = "é"
"#;
        assert!(from_toml(doc).type_name().starts_with("map"));
        let chars: Vec<(usize, char)> = doc.char_indices().collect();
        for &(i, _) in &chars {
            let _ = from_toml(&doc[..i]);
        }
        for &(i, c) in &chars {
            let damaged = format!("{}{}", &doc[..i], &doc[i + c.len_utf8()..]);
            let _ = from_toml(&damaged);
        }
        let _ = from_toml(&("a = ".to_string() + &"[".repeat(5000)));
        let _ = from_toml(&("a = ".to_string() + &"{b = ".repeat(5000)));
    }
}
