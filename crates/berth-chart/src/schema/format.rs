//! Go's printing of numbers and strings in santhosh-tekuri's messages, exact decimal
//! arithmetic for numbers; `format` assertions are in `formats`.

use std::cmp::Ordering;

use super::formats;
use super::golang;
use super::json::{J, Num};

/// santhosh-tekuri's `quote`: Go's `%q`, then every `\"` made `"` and every `'` made
/// `\'`, then the outer quotes swapped for single ones. Its replacing is naive: a string
/// ending in a backslash is shown ending in one backslash (`\\"` became `\"`).
pub fn quote(s: &str) -> String {
    let q = golang::quote(s.as_bytes())
        .replace("\\\"", "\"")
        .replace('\'', "\\'");
    format!("'{}'", &q[1..q.len() - 1])
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with `%v`'s exponent
/// threshold of 21).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Shortest digits, via Rust's exponent form: d.ddddde±x.
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..21).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// An integer with English digit grouping, as `message.Printer` prints `%d`.
pub fn group_int(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A number as santhosh-tekuri prints it in a message: `big.Rat` to float64, then `%v`
/// through the English `message.Printer` (digit grouping).
pub fn go_num(n: &Num) -> String {
    let f = Dec::parse(&n.text).map(|d| d.to_f64()).unwrap_or(n.f);
    let s = go_float(f);
    if s.contains('e') || s.contains('N') || s.contains('I') {
        return s;
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.as_str()),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An exact decimal: `mant * 10^exp`.
#[derive(Clone, Copy, Debug)]
pub struct Dec {
    mant: i128,
    exp: i32,
}

impl Dec {
    pub fn parse(text: &str) -> Option<Dec> {
        let (neg, t) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (num, e) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
            None => (t, 0),
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 36 {
            return None;
        }
        let mant: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let mut d = Dec {
            mant: if neg { -mant } else { mant },
            exp: e.checked_sub(frac.len() as i32)?,
        };
        while d.mant != 0 && d.mant % 10 == 0 {
            d.mant /= 10;
            d.exp += 1;
        }
        Some(d)
    }
    pub fn is_int(&self) -> bool {
        self.mant == 0 || self.exp >= 0
    }
    fn to_f64(self) -> f64 {
        format!("{}e{}", self.mant, self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }
    /// Both scaled to the smaller exponent, if that fits.
    fn align(a: Dec, b: Dec) -> Option<(i128, i128)> {
        let e = a.exp.min(b.exp);
        let scale = |d: Dec| -> Option<i128> {
            let k = u32::try_from(d.exp - e).ok()?;
            d.mant.checked_mul(10i128.checked_pow(k)?)
        };
        Some((scale(a)?, scale(b)?))
    }
}

fn dec_of(n: &Num) -> Option<Dec> {
    match n.int {
        Some(i) => Dec::parse(&i.to_string()),
        None => Dec::parse(&n.text),
    }
}

/// `big.Rat` comparison of two numbers.
pub fn cmp_num(a: &Num, b: &Num) -> Ordering {
    if let (Some(x), Some(y)) = (dec_of(a), dec_of(b)) {
        if let Some((p, q)) = Dec::align(x, y) {
            return p.cmp(&q);
        }
    }
    a.f.partial_cmp(&b.f).unwrap_or(Ordering::Equal)
}

/// Whether `a / b` is an integer, exactly.
pub fn is_multiple(a: &Num, b: &Num) -> bool {
    if let (Some(x), Some(y)) = (dec_of(a), dec_of(b)) {
        if y.mant == 0 {
            return false;
        }
        if let Some((p, q)) = Dec::align(x, y) {
            return p % q == 0;
        }
    }
    let q = a.f / b.f;
    q.is_finite() && q.fract() == 0.0
}

/// A JSON pointer as a URL fragment (`url.PathEscape` of each token).
pub fn url_encode_ptr(ptr: &str) -> String {
    ptr.split('/')
        .map(|tok| {
            let mut o = String::new();
            for b in tok.bytes() {
                if b.is_ascii_alphanumeric() || b"-_.~$&+=:@!'()*,;".contains(&b) {
                    o.push(b as char);
                } else {
                    o.push_str(&format!("%{b:02X}"));
                }
            }
            o
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The `format` assertion `name` on a value (only strings are checked).
pub fn check(name: &str, v: &J) -> Result<(), String> {
    match v {
        J::Str(s) => formats::check(name, s),
        _ => Ok(()),
    }
}
