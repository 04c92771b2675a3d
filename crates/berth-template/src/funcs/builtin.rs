//! Go's builtin template functions.

use super::{FuncMap, P, Special, add, arg};
use crate::exec::State;
use crate::fmt;
use crate::value::{Elem, Value};

pub(super) fn register(m: &mut FuncMap) {
    m.insert(
        "and",
        super::Func {
            params: &[P::Reflect],
            variadic: Some(P::Reflect),
            f: |_, a| Ok(arg(&a, 0)),
            special: Special::And,
        },
    );
    m.insert(
        "or",
        super::Func {
            params: &[P::Reflect],
            variadic: Some(P::Reflect),
            f: |_, a| Ok(arg(&a, 0)),
            special: Special::Or,
        },
    );
    add(m, "not", &[P::Reflect], None, |_, a| {
        Ok(Value::Bool(!arg(&a, 0).truth()))
    });
    add(m, "len", &[P::Reflect], None, len);
    add(m, "index", &[P::Reflect], Some(P::Reflect), index);
    add(m, "slice", &[P::Reflect], Some(P::Reflect), slice);
    add(m, "print", &[], Some(P::Any), |_, a| {
        Ok(fmt::sprint(&a).into())
    });
    add(m, "println", &[], Some(P::Any), |_, a| {
        Ok(fmt::sprintln(&a).into())
    });
    add(m, "printf", &[P::Str], Some(P::Any), |_, a| {
        let f = super::arg_str(&a, 0);
        Ok(fmt::sprintf(&f, a.get(1..).unwrap_or(&[])).into())
    });
    add(m, "html", &[], Some(P::Any), |_, a| {
        Ok(html_escape(&eval_args(&a)).into())
    });
    add(m, "js", &[], Some(P::Any), |_, a| {
        Ok(js_escape(&eval_args(&a)).into())
    });
    add(m, "urlquery", &[], Some(P::Any), |_, a| {
        Ok(query_escape(&eval_args(&a)).into())
    });
    add(m, "eq", &[P::Reflect], Some(P::Reflect), |_, a| {
        let first = arg(&a, 0);
        eq(&first, a.get(1..).unwrap_or(&[])).map(Value::Bool)
    });
    add(m, "ne", &[P::Reflect, P::Reflect], None, |_, a| {
        eq(&arg(&a, 0), &a[1..]).map(|b| Value::Bool(!b))
    });
    add(m, "lt", &[P::Reflect, P::Reflect], None, |_, a| {
        lt(&arg(&a, 0), &arg(&a, 1)).map(Value::Bool)
    });
    add(m, "le", &[P::Reflect, P::Reflect], None, |_, a| {
        le(&arg(&a, 0), &arg(&a, 1)).map(Value::Bool)
    });
    add(m, "gt", &[P::Reflect, P::Reflect], None, |_, a| {
        le(&arg(&a, 0), &arg(&a, 1)).map(|b| Value::Bool(!b))
    });
    add(m, "ge", &[P::Reflect, P::Reflect], None, |_, a| {
        lt(&arg(&a, 0), &arg(&a, 1)).map(|b| Value::Bool(!b))
    });
    add(
        m,
        "call",
        &[P::Reflect],
        Some(P::Reflect),
        |_, a| match arg(&a, 0) {
            Value::Nil => Err("call of nil".into()),
            v => Err(format!("non-function of type {}", v.type_name())),
        },
    );
}

/// Go's evalArgs: one string as it is, otherwise Sprint with nil as `<no value>`.
fn eval_args(a: &[Value]) -> String {
    if let [Value::String(s)] = a {
        return s.to_string();
    }
    let printable: Vec<Value> = a
        .iter()
        .map(|v| {
            if v.is_nil() {
                Value::str("<no value>")
            } else {
                v.clone()
            }
        })
        .collect();
    fmt::sprint(&printable)
}

fn len(_: &mut State<'_>, a: Vec<Value>) -> Result<Value, String> {
    match arg(&a, 0) {
        Value::String(s) => Ok(Value::Int(s.len() as i64)),
        Value::BinStr(b) | Value::Bytes(b) => Ok(Value::Int(b.len() as i64)),
        Value::List(l, _) => Ok(Value::Int(l.len() as i64)),
        Value::Map(m, _) => Ok(Value::Int(m.borrow().len() as i64)),
        Value::Nil => Err("len of nil pointer".into()),
        v => Err(format!("len of type {}", v.type_name())),
    }
}

fn index_arg(i: &Value, len: usize) -> Result<usize, String> {
    let x = match i {
        Value::Int(x) | Value::Int64(x) => *x,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        v => {
            return Err(format!(
                "cannot index slice/array with type {}",
                v.type_name()
            ));
        }
    };
    if x < 0 || x as usize > len {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(_: &mut State<'_>, a: Vec<Value>) -> Result<Value, String> {
    let mut item = arg(&a, 0);
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    for (n, idx) in a.iter().skip(1).enumerate() {
        let _ = n;
        item = match &item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l, _) => {
                let x = index_arg(idx, l.len())?;
                l.get(x)
                    .cloned()
                    .ok_or("reflect: slice index out of range")?
            }
            Value::Bytes(b) => {
                let x = index_arg(idx, b.len())?;
                Value::Int(*b.get(x).ok_or("reflect: slice index out of range")? as i64)
            }
            Value::String(s) => {
                let x = index_arg(idx, s.len())?;
                Value::Int(
                    *s.as_bytes()
                        .get(x)
                        .ok_or("reflect: string index out of range")? as i64,
                )
            }
            Value::Map(m, elem) => {
                let key = match idx {
                    Value::String(k) => k.to_string(),
                    Value::Nil => return Err("value is nil; should be of type string".into()),
                    v => {
                        return Err(format!(
                            "value has type {}; should be string",
                            v.type_name()
                        ));
                    }
                };
                match m.borrow().get(&key) {
                    Some(v) => v.clone(),
                    None => match elem {
                        Elem::Any => Value::Nil,
                        Elem::String => Value::str(""),
                        Elem::Int => Value::Int(0),
                        Elem::List => Value::nil_list(Elem::Any),
                        Elem::Map => Value::Nil,
                    },
                }
            }
            v => return Err(format!("can't index item of type {}", v.type_name())),
        };
    }
    Ok(item)
}

fn slice(_: &mut State<'_>, a: Vec<Value>) -> Result<Value, String> {
    let item = arg(&a, 0);
    let idx = a.get(1..).unwrap_or(&[]);
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if idx.len() > 3 {
        return Err(format!("too many slice indexes: {}", idx.len()));
    }
    let len = match &item {
        Value::String(s) => {
            if idx.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l, _) => l.len(),
        v => return Err(format!("can't slice item of type {}", v.type_name())),
    };
    let mut ix = [0usize, len, len];
    for (i, v) in idx.iter().enumerate() {
        ix[i] = index_arg(v, len)?;
    }
    if ix[0] > ix[1] {
        return Err(format!("invalid slice index: {} > {}", ix[0], ix[1]));
    }
    if idx.len() == 3 && ix[1] > ix[2] {
        return Err(format!("invalid slice index: {} > {}", ix[1], ix[2]));
    }
    Ok(match item {
        Value::String(s) => Value::str(&String::from_utf8_lossy(
            s.as_bytes().get(ix[0]..ix[1]).unwrap_or(b""),
        )),
        // Slicing a nil slice gives a nil slice.
        Value::List(l, e) => Value::List(
            std::rc::Rc::new(crate::value::Items(
                l.get(ix[0]..ix[1]).unwrap_or(&[]).to_vec(),
                l.is_nil(),
            )),
            e,
        ),
        v => v,
    })
}

pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c => {
                let q = fmt::quote_go(&c.to_string());
                if q.len() == c.len_utf8() + 2 {
                    out.push(c);
                } else {
                    out.push_str(&format!("\\u{:04X}", c as u32));
                }
            }
        }
    }
    out
}

/// Go's url.QueryEscape.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    Str,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::String(_) | Value::BinStr(_) => Kind::Str,
        _ => Kind::Invalid,
    }
}

pub(crate) fn eq(a1: &Value, rest: &[Value]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a1);
    for a in rest {
        let k2 = basic_kind(a);
        let truth = if k1 != k2 {
            if !a1.is_nil() && !a.is_nil() {
                return Err("incompatible types for comparison".into());
            }
            false
        } else {
            match (a1, a) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (x, y) if k1 == Kind::Str => x.str_bytes() == y.str_bytes(),
                _ => {
                    if a1.is_nil() || a.is_nil() {
                        a1.is_nil() == a.is_nil()
                    } else if std::mem::discriminant(a1) != std::mem::discriminant(a) {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            fmt::sprintf("%s", std::slice::from_ref(a1)),
                            a1.type_name(),
                            a.type_name(),
                            fmt::sprint_value(a)
                        ));
                    } else {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            fmt::sprintf("%s", std::slice::from_ref(a)),
                            a.type_name()
                        ));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(crate) fn lt(a1: &Value, a2: &Value) -> Result<bool, String> {
    let k1 = basic_kind(a1);
    let k2 = basic_kind(a2);
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err("incompatible types for comparison".into());
    }
    Ok(match (a1, a2) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (x, y) if k1 == Kind::Str => x.str_bytes() < y.str_bytes(),
        _ => return Err("invalid type for comparison".into()),
    })
}

fn le(a1: &Value, a2: &Value) -> Result<bool, String> {
    if lt(a1, a2)? {
        return Ok(true);
    }
    eq(a1, std::slice::from_ref(a2))
}
