//! Sprig's numbers and casts (spf13/cast rules), defaults, flow and reflection.

use std::rc::Rc;

use super::{FuncMap, P, add, arg, arg_int, arg_str, is_empty};
use crate::fmt::{parse_go_float, parse_go_int};
use crate::value::{Elem, Value};

fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

fn float_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// cast.ToInt64.
pub(crate) fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => float_to_i64(*f),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// cast.ToFloat64.
pub(crate) fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => strconv_parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

fn strconv_parse_float(s: &str) -> Option<f64> {
    parse_go_float(s)
}

fn i64v(i: i64) -> Result<Value, String> {
    Ok(Value::Int64(i))
}

fn f64v(f: f64) -> Result<Value, String> {
    Ok(Value::Float(f))
}

fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop && v.len() < 10_000_000 {
            v.push(i);
            i += step;
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop && v.len() < 10_000_000 {
        v.push(i);
        i += step;
    }
    v
}

fn int_list(v: Vec<i64>) -> Value {
    Value::List(Rc::new(v.into_iter().map(Value::Int).collect()), Elem::Int)
}

/// shopspring/decimal arithmetic as Sprig's *f functions use it, done on exact
/// decimal strings of the shortest float representation.
fn decimal_op(a: &Value, rest: &[Value], op: char) -> f64 {
    let mut acc = to_f64(a);
    for b in rest {
        let x = to_f64(b);
        acc = match op {
            '+' => dec_exact(acc, x, |p, q| p + q),
            '-' => dec_exact(acc, x, |p, q| p - q),
            '*' => dec_mul(acc, x),
            _ => dec_div(acc, x),
        };
    }
    acc
}

/// (mantissa, exponent) of the shortest decimal form of f, if it fits in i128.
fn to_dec(f: f64) -> Option<(i128, i32)> {
    if !f.is_finite() {
        return None;
    }
    let s = format!("{:e}", f);
    let (m, e) = s.split_once('e')?;
    let exp: i32 = e.parse().ok()?;
    let neg = m.starts_with('-');
    let m = m.trim_start_matches('-');
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    let digits = format!("{int}{frac}");
    let mant: i128 = digits.parse().ok()?;
    Some((if neg { -mant } else { mant }, exp - frac.len() as i32))
}

fn from_dec(m: i128, e: i32) -> f64 {
    format!("{m}e{e}").parse().unwrap_or(f64::NAN)
}

fn align(a: (i128, i32), b: (i128, i32)) -> Option<(i128, i128, i32)> {
    let e = a.1.min(b.1);
    let sa = 10i128.checked_pow((a.1 - e) as u32)?;
    let sb = 10i128.checked_pow((b.1 - e) as u32)?;
    Some((a.0.checked_mul(sa)?, b.0.checked_mul(sb)?, e))
}

fn dec_exact(x: f64, y: f64, f: fn(i128, i128) -> i128) -> f64 {
    if let (Some(a), Some(b)) = (to_dec(x), to_dec(y)) {
        if let Some((p, q, e)) = align(a, b) {
            return from_dec(f(p, q), e);
        }
    }
    let (p, q) = (x, y);
    if f(2, 1) == 3 { p + q } else { p - q }
}

fn dec_mul(x: f64, y: f64) -> f64 {
    if let (Some(a), Some(b)) = (to_dec(x), to_dec(y)) {
        if let Some(m) = a.0.checked_mul(b.0) {
            return from_dec(m, a.1 + b.1);
        }
    }
    x * y
}

fn dec_div(x: f64, y: f64) -> f64 {
    // decimal.Div rounds the quotient to 16 fractional digits (half away from zero).
    if y == 0.0 {
        return f64::NAN;
    }
    if let (Some(a), Some(b)) = (to_dec(x), to_dec(y)) {
        // q = a/b * 10^16, computed as integers: a.m * 10^(a.e - b.e + 16) / b.m
        let shift = a.1 - b.1 + 16;
        let num = if shift >= 0 {
            10i128
                .checked_pow(shift as u32)
                .and_then(|s| a.0.checked_mul(s))
        } else {
            10i128.checked_pow((-shift) as u32).map(|s| a.0 / s)
        };
        if let Some(num) = num {
            if let Some(num2) = num.checked_mul(10) {
                let q10 = num2 / b.0;
                let q = q10 / 10;
                let r = q10 % 10;
                let q = if r.abs() >= 5 { q + q10.signum() } else { q };
                return from_dec(q, -16);
            }
        }
    }
    x / y
}

fn seq(params: &[i64]) -> String {
    let list = match params {
        [] => return String::new(),
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            until_step(1, end + inc, inc)
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(*start, end + step, step)
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if *step > 0 {
                    return String::new();
                }
            }
            until_step(*start, end + inc, *step)
        }
        _ => return String::new(),
    };
    list.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "atoi", &[P::Str], None, |_, a| {
        let s = arg_str(&a, 0);
        let t = s.strip_prefix('+').unwrap_or(&s);
        let ok = !t.is_empty()
            && t.trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
            && t.matches('-').count() <= 1
            && (!t.contains('-') || t.starts_with('-'));
        Ok(Value::Int(if ok {
            s.parse::<i64>().unwrap_or(0)
        } else {
            0
        }))
    });
    add(m, "int64", &[P::Any], None, |_, a| {
        i64v(to_i64(&arg(&a, 0)))
    });
    add(m, "int", &[P::Any], None, |_, a| {
        Ok(Value::Int(to_i64(&arg(&a, 0))))
    });
    add(m, "float64", &[P::Any], None, |_, a| {
        f64v(to_f64(&arg(&a, 0)))
    });
    add(m, "toDecimal", &[P::Any], None, |_, a| {
        let s = crate::fmt::sprint_value(&arg(&a, 0));
        i64v(i64::from_str_radix(&s, 8).unwrap_or(0))
    });
    add(m, "seq", &[], Some(P::Int), |_, a| {
        let p: Vec<i64> = a
            .iter()
            .map(|v| arg_int(std::slice::from_ref(v), 0))
            .collect();
        Ok(Value::from(seq(&p)))
    });
    add(m, "until", &[P::Int], None, |_, a| {
        let c = arg_int(&a, 0);
        Ok(int_list(until_step(0, c, if c < 0 { -1 } else { 1 })))
    });
    add(m, "untilStep", &[P::Int, P::Int, P::Int], None, |_, a| {
        Ok(int_list(until_step(
            arg_int(&a, 0),
            arg_int(&a, 1),
            arg_int(&a, 2),
        )))
    });
    add(m, "add1", &[P::Any], None, |_, a| {
        i64v(to_i64(&arg(&a, 0)).wrapping_add(1))
    });
    add(m, "add", &[], Some(P::Any), |_, a| {
        i64v(a.iter().fold(0i64, |s, v| s.wrapping_add(to_i64(v))))
    });
    add(m, "sub", &[P::Any, P::Any], None, |_, a| {
        i64v(to_i64(&arg(&a, 0)).wrapping_sub(to_i64(&arg(&a, 1))))
    });
    add(m, "div", &[P::Any, P::Any], None, |_, a| {
        let (x, y) = (to_i64(&arg(&a, 0)), to_i64(&arg(&a, 1)));
        if y == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        i64v(x.wrapping_div(y))
    });
    add(m, "mod", &[P::Any, P::Any], None, |_, a| {
        let (x, y) = (to_i64(&arg(&a, 0)), to_i64(&arg(&a, 1)));
        if y == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        i64v(x.wrapping_rem(y))
    });
    add(m, "mul", &[P::Any], Some(P::Any), |_, a| {
        i64v(
            a.iter()
                .skip(1)
                .fold(to_i64(&arg(&a, 0)), |s, v| s.wrapping_mul(to_i64(v))),
        )
    });
    add(m, "randInt", &[P::Int, P::Int], None, |_, a| {
        let (lo, hi) = (arg_int(&a, 0), arg_int(&a, 1));
        if hi <= lo {
            return Err("invalid argument to Intn".into());
        }
        Ok(Value::Int(
            lo + (super::sprig_misc::random_u64() % (hi - lo) as u64) as i64,
        ))
    });
    add(m, "add1f", &[P::Any], None, |_, a| {
        f64v(decimal_op(&arg(&a, 0), &[Value::Int(1)], '+'))
    });
    add(m, "addf", &[], Some(P::Any), |_, a| {
        f64v(decimal_op(&Value::Float(0.0), &a, '+'))
    });
    add(m, "subf", &[P::Any], Some(P::Any), |_, a| {
        f64v(decimal_op(&arg(&a, 0), a.get(1..).unwrap_or(&[]), '-'))
    });
    add(m, "mulf", &[P::Any], Some(P::Any), |_, a| {
        f64v(decimal_op(&arg(&a, 0), a.get(1..).unwrap_or(&[]), '*'))
    });
    add(m, "divf", &[P::Any], Some(P::Any), |_, a| {
        if a.iter().skip(1).any(|v| to_f64(v) == 0.0) {
            return Err("decimal division by 0".into());
        }
        f64v(decimal_op(&arg(&a, 0), a.get(1..).unwrap_or(&[]), '/'))
    });
    for name in ["max", "biggest"] {
        add(m, name, &[P::Any], Some(P::Any), |_, a| {
            i64v(a.iter().map(to_i64).max().unwrap_or(0))
        });
    }
    add(m, "min", &[P::Any], Some(P::Any), |_, a| {
        i64v(a.iter().map(to_i64).min().unwrap_or(0))
    });
    add(m, "maxf", &[P::Any], Some(P::Any), |_, a| {
        f64v(
            a.iter()
                .skip(1)
                .fold(to_f64(&arg(&a, 0)), |x, v| go_max(x, to_f64(v))),
        )
    });
    add(m, "minf", &[P::Any], Some(P::Any), |_, a| {
        f64v(
            a.iter()
                .skip(1)
                .fold(to_f64(&arg(&a, 0)), |x, v| go_min(x, to_f64(v))),
        )
    });
    add(m, "ceil", &[P::Any], None, |_, a| {
        f64v(to_f64(&arg(&a, 0)).ceil())
    });
    add(m, "floor", &[P::Any], None, |_, a| {
        f64v(to_f64(&arg(&a, 0)).floor())
    });
    add(m, "round", &[P::Any, P::Int], Some(P::Float), |_, a| {
        let round_on = match a.get(2) {
            Some(Value::Float(f)) => *f,
            _ => 0.5,
        };
        let val = to_f64(&arg(&a, 0));
        let pow = 10f64.powf(arg_int(&a, 1) as f64);
        let digit = pow * val;
        let frac = digit.fract();
        let r = if frac >= round_on {
            digit.ceil()
        } else {
            digit.floor()
        };
        f64v(r / pow)
    });
    // Defaults and flow.
    add(m, "default", &[P::Any], Some(P::Any), |_, a| {
        match a.get(1) {
            Some(v) if !is_empty(v) => Ok(v.clone()),
            _ => Ok(arg(&a, 0)),
        }
    });
    add(m, "empty", &[P::Any], None, |_, a| {
        Ok(Value::Bool(is_empty(&arg(&a, 0))))
    });
    add(m, "coalesce", &[], Some(P::Any), |_, a| {
        Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or_default())
    });
    add(m, "all", &[], Some(P::Any), |_, a| {
        Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
    });
    add(m, "any", &[], Some(P::Any), |_, a| {
        Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
    });
    add(m, "ternary", &[P::Any, P::Any, P::Bool], None, |_, a| {
        Ok(if matches!(a.get(2), Some(Value::Bool(true))) {
            arg(&a, 0)
        } else {
            arg(&a, 1)
        })
    });
    // Reflection.
    add(m, "typeOf", &[P::Any], None, |_, a| {
        Ok(Value::from(arg(&a, 0).type_name()))
    });
    add(m, "typeIs", &[P::Str, P::Any], None, |_, a| {
        Ok(Value::Bool(arg_str(&a, 0) == arg(&a, 1).type_name()))
    });
    add(m, "typeIsLike", &[P::Str, P::Any], None, |_, a| {
        let t = arg(&a, 1).type_name();
        let want = arg_str(&a, 0);
        Ok(Value::Bool(want == t || want == format!("*{t}")))
    });
    add(m, "kindOf", &[P::Any], None, |_, a| {
        Ok(Value::str(arg(&a, 0).kind_name()))
    });
    add(m, "kindIs", &[P::Str, P::Any], None, |_, a| {
        Ok(Value::Bool(arg_str(&a, 0) == arg(&a, 1).kind_name()))
    });
    add(m, "deepEqual", &[P::Any, P::Any], None, |_, a| {
        Ok(Value::Bool(deep_equal(&arg(&a, 0), &arg(&a, 1))))
    });
}

fn go_max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        x.max(y)
    }
}

fn go_min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        x.min(y)
    }
}

/// reflect.DeepEqual on template values.
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > 10_000 {
        return false;
    }
    crate::deep(|| deep_equal_inner(a, b, depth))
}

fn deep_equal_inner(a: &Value, b: &Value, depth: usize) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(_) | Value::BinStr(_), Value::String(_) | Value::BinStr(_)) => {
            a.str_bytes() == b.str_bytes()
        }
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x, e1), Value::List(y, e2)) => {
            e1 == e2
                && x.is_nil() == y.is_nil()
                && x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| deep_equal_at(p, q, depth + 1))
        }
        (Value::Map(x, e1), Value::Map(y, e2)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            e1 == e2
                && x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}
