//! Go's fmt and strconv, as far as templates reach them: `%v` printing,
//! `Sprintf` with every verb, flag, width and precision, `Quote`, number parsing.

use crate::value::Value;

// ---------- strconv ----------

fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || u == 0x7f || (0x80..0xa0).contains(&u) {
        return false;
    }
    !matches!(u,
        0xa0 | 0xad | 0x1680 | 0x180e | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064
        | 0x2066..=0x206f | 0x3000 | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff
        | 0xf0000..=0x10ffff | 0xd800..=0xdfff | 0xfdd0..=0xfdef | 0xfffe | 0xffff)
}

fn push_escaped(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii_only {
        if (c as u32) < 0x80 && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's strconv.Quote.
pub(crate) fn quote_go(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"', false);
    }
    out.push('"');
    out
}

fn quote_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"', true);
    }
    out.push('"');
    out
}

/// Go's strconv.QuoteRune.
pub(crate) fn quote_rune(c: char, ascii: bool) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'', ascii);
    out.push('\'');
    out
}

/// Go's `%#U`/`%U` form: `U+0029 ')'`.
pub(crate) fn format_unicode(c: char, sharp: bool) -> String {
    let mut s = format!("U+{:04X}", c as u32);
    if sharp && is_print(c) {
        s.push_str(" '");
        s.push(c);
        s.push('\'');
    }
    s
}

/// Decodes one escape or character from the start of `s`; returns it and the rest.
fn unquote_one(s: &str, quote: char) -> Option<(char, &str)> {
    let mut it = s.chars();
    let c = it.next()?;
    if c == quote && (quote == '\'' || quote == '"') {
        return None;
    }
    if c != '\\' {
        return Some((c, it.as_str()));
    }
    let e = it.next()?;
    let rest = it.as_str();
    let simple = match e {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' | '"' => {
            if e != quote {
                return None;
            }
            Some(e)
        }
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, rest));
    }
    let hex = |n: usize| -> Option<(u32, &str)> {
        let digits = rest.get(..n)?;
        let v = u32::from_str_radix(digits, 16).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some((v, rest.get(n..)?))
    };
    match e {
        'x' => {
            let (v, r) = hex(2)?;
            // A \x escape is a byte; bytes above 0x7f are not valid UTF-8 on their own.
            if v > 0x7f {
                return None;
            }
            Some((char::from_u32(v)?, r))
        }
        'u' => {
            let (v, r) = hex(4)?;
            Some((char::from_u32(v)?, r))
        }
        'U' => {
            let (v, r) = hex(8)?;
            Some((char::from_u32(v)?, r))
        }
        '0'..='7' => {
            let digits = s.get(1..4)?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return None;
            }
            let v = u32::from_str_radix(digits, 8).ok()?;
            if v > 0x7f {
                return None;
            }
            Some((char::from_u32(v)?, s.get(4..)?))
        }
        _ => None,
    }
}

/// Go's strconv.Unquote for `"…"`, `` `…` `` and `'…'`.
pub(crate) fn unquote_go(s: &str) -> Option<String> {
    let q = s.chars().next()?;
    if s.len() < 2 || !s.ends_with(q) {
        return None;
    }
    let inner = s.get(1..s.len() - 1)?;
    match q {
        '`' => {
            if inner.contains('`') {
                return None;
            }
            Some(inner.replace('\r', ""))
        }
        '"' => {
            let mut out = String::with_capacity(inner.len());
            let mut rest = inner;
            while !rest.is_empty() {
                if rest.starts_with('\n') {
                    return None;
                }
                let (c, r) = unquote_one(rest, '"')?;
                out.push(c);
                rest = r;
            }
            Some(out)
        }
        '\'' => {
            let c = unquote_char(inner)?;
            Some(c.to_string())
        }
        _ => None,
    }
}

/// Decodes the inside of a Go character literal.
pub(crate) fn unquote_char(inner: &str) -> Option<char> {
    let (c, rest) = unquote_one(inner, '\'')?;
    if !rest.is_empty() {
        return None;
    }
    Some(c)
}

fn strip_underscores(digits: &str, base_prefixed: bool) -> Option<String> {
    if digits.contains('_') {
        // Underscores must separate digits (Go's underscoreOK, roughly).
        if digits.starts_with('_') && !base_prefixed
            || digits.ends_with('_')
            || digits.contains("__")
        {
            return None;
        }
    }
    Some(digits.replace('_', ""))
}

fn split_base(s: &str) -> (u32, &str, bool) {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' {
        match b[1] {
            b'x' | b'X' => return (16, &s[2..], true),
            b'o' | b'O' => return (8, &s[2..], true),
            b'b' | b'B' => return (2, &s[2..], true),
            _ => return (8, &s[1..], true),
        }
    }
    (10, s, false)
}

/// Go's strconv.ParseUint(s, 0, 64).
pub(crate) fn parse_go_uint(s: &str) -> Option<u64> {
    if s.is_empty() || s.starts_with(['+', '-']) {
        return None;
    }
    let (base, digits, prefixed) = split_base(s);
    if digits.is_empty() {
        return if s == "0" { Some(0) } else { None };
    }
    let clean = strip_underscores(digits, prefixed)?;
    if clean.is_empty() {
        return None;
    }
    u64::from_str_radix(&clean, base).ok()
}

/// Go's strconv.ParseInt(s, 0, 64).
pub(crate) fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_go_uint(body)?;
    if neg {
        if u <= 1u64 << 63 {
            Some((u as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else if u <= i64::MAX as u64 {
        Some(u as i64)
    } else {
        None
    }
}

/// Go's strconv.ParseFloat(s, 64), decimal and hexadecimal forms.
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let (neg, body) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ => (false, lower.as_str()),
    };
    let v = match body {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ if body.starts_with("0x") => parse_hex_float(&body[2..])?,
        _ => {
            if body.is_empty()
                || !body
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"._e+-".contains(&b))
            {
                return None;
            }
            let clean = if body.contains('_') {
                strip_underscores(body, false)?
            } else {
                body.to_string()
            };
            if !clean
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() || b == b'.')
            {
                return None;
            }
            clean.parse::<f64>().ok()?
        }
    };
    Some(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let s = s.replace('_', "");
    let (mant, exp) = match s.find('p') {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s.as_str(), 0),
    };
    let (int, frac) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

// ---------- float formatting ----------

/// Decimal digits and decimal-point position of `f` (> 0, finite): value = 0.d1d2… × 10^dp.
fn digits_of(f: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
    let s = match sig {
        None => {
            // The shortest digits that read back as f. When two such strings are
            // equally short, Go takes the one nearest f (ties to even): the
            // correctly rounded string of that length, if it reads back as f.
            let short = format!("{:e}", f);
            let n = short
                .split_once('e')
                .map(|(m, _)| m.bytes().filter(u8::is_ascii_digit).count());
            match n {
                Some(n) if n > 1 => {
                    let rounded = format!("{:.*e}", n - 1, f);
                    if rounded.parse::<f64>() == Ok(f) {
                        rounded
                    } else {
                        short
                    }
                }
                _ => short,
            }
        }
        Some(n) => format!("{:.*e}", n.saturating_sub(1), f),
    };
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    let mut digits: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits == [b'0'] {
        return (digits, 0);
    }
    (digits, exp + 1)
}

fn fmt_e(digits: &[u8], dp: i32, prec: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push(*digits.first().unwrap_or(&b'0') as char);
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push(*digits.get(i).unwrap_or(&b'0') as char);
        }
    }
    let exp = if digits == [b'0'] { 0 } else { dp - 1 };
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        s.push('0');
    }
    s.push_str(&a.to_string());
    s
}

fn fmt_f(digits: &[u8], dp: i32, prec: usize) -> String {
    let mut s = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            s.push(*digits.get(i).unwrap_or(&b'0') as char);
        }
    } else {
        s.push('0');
    }
    if prec > 0 {
        s.push('.');
        for i in 0..prec as i32 {
            let j = dp + i;
            let d = if j < 0 {
                b'0'
            } else {
                *digits.get(j as usize).unwrap_or(&b'0')
            };
            s.push(d as char);
        }
    }
    s
}

/// Go's strconv.FormatFloat(f, verb, prec, 64) for verbs e, E, f, g, G.
pub(crate) fn format_float(f: f64, verb: char, prec: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let neg = f.is_sign_negative();
    let a = f.abs();
    let body = match verb {
        'f' | 'F' => {
            if prec < 0 {
                let (d, dp) = if a == 0.0 {
                    (vec![b'0'], 1)
                } else {
                    digits_of(a, None)
                };
                fmt_f(&d, dp, (d.len() as i32 - dp).max(0) as usize)
            } else {
                format!("{:.*}", prec as usize, a)
            }
        }
        'e' | 'E' => {
            let upper = verb == 'E';
            if a == 0.0 {
                fmt_e(b"0", 1, if prec < 0 { 0 } else { prec as usize }, upper)
            } else if prec < 0 {
                let (d, dp) = digits_of(a, None);
                fmt_e(&d, dp, d.len() - 1, upper)
            } else {
                let (d, dp) = digits_of(a, Some(prec as usize + 1));
                fmt_e(&d, dp, prec as usize, upper)
            }
        }
        _ => {
            let upper = verb == 'G';
            let shortest = prec < 0;
            let mut p = if prec == 0 { 1 } else { prec };
            let (d, dp) = if a == 0.0 {
                (vec![b'0'], 1)
            } else if shortest {
                digits_of(a, None)
            } else {
                digits_of(a, Some(p as usize))
            };
            let nd = d.len() as i32;
            if shortest {
                p = nd;
            }
            let mut eprec = p;
            if eprec > nd && nd >= dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec {
                let pp = if p > nd { nd } else { p };
                fmt_e(&d, dp, (pp - 1).max(0) as usize, upper)
            } else {
                let pp = if p > dp { nd } else { p };
                fmt_f(&d, dp, (pp - dp).max(0) as usize)
            }
        }
    };
    if neg { format!("-{body}") } else { body }
}

/// Go's %x of a float64: `-0x1.8p+01`, shortest unless a precision is given.
pub(crate) fn hex_float(f: f64, upper: bool, prec: i32) -> String {
    if !f.is_finite() {
        return format_float(f, 'g', -1);
    }
    let neg = f.is_sign_negative();
    let bits = f.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 && mant == 0 {
        exp = 0;
    } else if exp == 0 {
        // Subnormal: normalise.
        exp = -1022;
        while mant & (1u64 << 52) == 0 {
            mant <<= 1;
            exp -= 1;
        }
        mant &= (1u64 << 52) - 1;
    } else {
        exp -= 1023;
    }
    let lead = if f == 0.0 { 0 } else { 1 };
    let mut frac = format!("{mant:013x}");
    if prec >= 0 {
        let p = prec as usize;
        if p < 13 {
            // Round the 52-bit fraction to p hex digits, half to even.
            let shift = (13 - p) * 4;
            let full = (1u64 << 52) | mant;
            let mut r = full >> shift;
            let rem = full & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            if rem > half || (rem == half && r & 1 == 1) {
                r += 1;
            }
            let mut e2 = exp;
            if r >> (p * 4) > 1 {
                r >>= 1;
                e2 += 1;
            }
            exp = e2;
            let m = r & ((1u64 << (p * 4)) - 1);
            frac = if p == 0 {
                String::new()
            } else {
                format!("{m:0width$x}", width = p)
            };
            let body = if frac.is_empty() {
                format!("0x{lead}")
            } else {
                format!("0x{lead}.{frac}")
            };
            return finish_hex(neg, body, exp, upper);
        }
        while frac.len() < p {
            frac.push('0');
        }
    } else {
        while frac.ends_with('0') {
            frac.pop();
        }
    }
    let body = if frac.is_empty() {
        format!("0x{lead}")
    } else {
        format!("0x{lead}.{frac}")
    };
    finish_hex(neg, body, exp, upper)
}

fn finish_hex(neg: bool, body: String, exp: i32, upper: bool) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    let a = exp.unsigned_abs();
    let e = if a < 10 {
        format!("0{a}")
    } else {
        a.to_string()
    };
    let s = format!("{}{body}p{sign}{e}", if neg { "-" } else { "" });
    if upper { s.to_uppercase() } else { s }
}

/// `%v` of a float64.
pub(crate) fn float_v(f: f64) -> String {
    format_float(f, 'g', -1)
}

// ---------- Printf ----------

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer {
    buf: String,
    f: Flags,
}

fn rune_count(s: &str) -> usize {
    s.chars().count()
}

impl Printer {
    fn write_padding(&mut self, n: usize, zero: bool) {
        let c = if zero { '0' } else { ' ' };
        for _ in 0..n {
            self.buf.push(c);
        }
    }

    fn pad(&mut self, s: &str) {
        let Some(w) = self.f.wid else {
            self.buf.push_str(s);
            return;
        };
        let n = rune_count(s);
        if n >= w {
            self.buf.push_str(s);
            return;
        }
        if self.f.minus {
            self.buf.push_str(s);
            self.write_padding(w - n, false);
        } else {
            self.write_padding(w - n, self.f.zero);
            self.buf.push_str(s);
        }
    }

    fn fmt_s(&mut self, s: &str) {
        match self.f.prec {
            Some(p) => {
                let t: String = s.chars().take(p).collect();
                self.pad(&t);
            }
            None => self.pad(s),
        }
    }

    fn fmt_q(&mut self, s: &str) {
        let s = match self.f.prec {
            Some(p) => s.chars().take(p).collect::<String>(),
            None => s.to_string(),
        };
        if self.f.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || !c.is_control()) {
            self.pad(&format!("`{s}`"));
        } else if self.f.plus {
            self.pad(&quote_ascii(&s));
        } else {
            self.pad(&quote_go(&s));
        }
    }

    fn fmt_sx(&mut self, bytes: &[u8], upper: bool) {
        let digits: &[u8] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let len = match self.f.prec {
            Some(p) if p < bytes.len() => p,
            _ => bytes.len(),
        };
        let mut s = String::new();
        for (i, b) in bytes.iter().take(len).enumerate() {
            if self.f.space && i > 0 {
                s.push(' ');
            }
            if self.f.sharp && (self.f.space || i == 0) {
                s.push('0');
                s.push(if upper { 'X' } else { 'x' });
            }
            s.push(digits[(b >> 4) as usize] as char);
            s.push(digits[(b & 15) as usize] as char);
        }
        // Padding never uses zeros for %x of strings in this path? Go pads with f.zero.
        self.pad(&s);
    }

    fn fmt_integer(&mut self, u: u64, negative: bool, base: u32, verb: char) {
        let upper = verb == 'X';
        let mut digits = match base {
            2 => format!("{u:b}"),
            8 => format!("{u:o}"),
            16 => {
                if upper {
                    format!("{u:X}")
                } else {
                    format!("{u:x}")
                }
            }
            _ => u.to_string(),
        };
        let mut prec = self.f.prec;
        if self.f.zero && self.f.wid.is_some() && !self.f.minus && self.f.prec.is_none() {
            let mut w = self.f.wid.unwrap_or(0);
            if negative || self.f.plus || self.f.space {
                w = w.saturating_sub(1);
            }
            prec = Some(w);
        }
        if let Some(p) = prec {
            if p == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid.unwrap_or(0), false);
                self.f.zero = old;
                return;
            }
        }
        if self.f.sharp && base == 8 && !digits.starts_with('0') {
            digits.insert(0, '0');
        }
        if let Some(p) = prec {
            while digits.len() < p {
                digits.insert(0, '0');
            }
        }
        if verb == 'O' {
            digits.insert_str(0, "0o");
        }
        if self.f.sharp {
            match base {
                2 => digits.insert_str(0, "0b"),
                16 => digits.insert_str(0, if upper { "0X" } else { "0x" }),
                _ => {}
            }
        }
        if negative {
            digits.insert(0, '-');
        } else if self.f.plus {
            digits.insert(0, '+');
        } else if self.f.space {
            digits.insert(0, ' ');
        }
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&digits);
        self.f.zero = old;
    }

    fn fmt_float(&mut self, v: f64, verb: char, default_prec: i32) {
        let prec = self.f.prec.map(|p| p as i32).unwrap_or(default_prec);
        let verb = if verb == 'F' { 'f' } else { verb };
        let mut num = format_float(v, verb, prec);
        if !num.starts_with(['-', '+']) {
            num.insert(0, '+');
        }
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        if num.get(1..2) == Some("I") || num.get(1..2) == Some("N") {
            let old = self.f.zero;
            self.f.zero = false;
            if num.get(1..2) == Some("N") && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != 'b' {
            num = sharp_float(&num, verb, prec);
        }
        if self.f.plus || !num.starts_with('+') {
            if self.f.zero && self.f.wid.is_some_and(|w| w > num.len()) {
                let w = self.f.wid.unwrap_or(0);
                self.buf.push_str(&num[..1]);
                self.write_padding(w - num.len(), true);
                self.buf.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    fn bad_verb(&mut self, verb: char, v: &Value) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match v {
            Value::Nil => self.buf.push_str("<nil>"),
            v => {
                // Go prints the value with the verb's own flags, width and precision.
                self.buf.push_str(&v.type_name());
                self.buf.push('=');
                let saved = self.f;
                self.f.sharp_v = false;
                self.f.plus_v = false;
                self.print_value(v, 'v', 0);
                self.f = saved;
            }
        }
        self.buf.push(')');
    }

    fn print_arg(&mut self, v: &Value, verb: char) {
        if let Value::Nil = v {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(verb, v),
            }
            return;
        }
        if verb == 'T' {
            let t = v.type_name();
            self.fmt_s(&t);
            return;
        }
        self.print_value(v, verb, 0);
    }

    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        crate::deep(|| self.print_value_inner(v, verb, depth))
    }

    fn print_value_inner(&mut self, v: &Value, verb: char, depth: usize) {
        if depth > 10_000 {
            self.buf.push_str("...");
            return;
        }
        match v {
            Value::Nil => {
                if depth == 0 {
                    self.buf.push_str("<invalid reflect.Value>");
                } else if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.pad("<nil>");
                }
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, v),
            },
            Value::Int(i) | Value::Int64(i) => self.print_int(*i, verb, v),
            Value::Float(f) => match verb {
                'v' => self.fmt_float(*f, 'g', -1),
                'x' | 'X' => {
                    let h = hex_float(*f, verb == 'X', self.f.prec.map(|p| p as i32).unwrap_or(-1));
                    let h = if self.f.plus && !h.starts_with('-') {
                        format!("+{h}")
                    } else {
                        h
                    };
                    self.pad(&h);
                }
                'b' | 'g' | 'G' => self.fmt_float(*f, verb, -1),
                'f' | 'e' | 'E' | 'F' => self.fmt_float(*f, verb, 6),
                _ => self.bad_verb(verb, v),
            },
            Value::BinStr(b) => match verb {
                'x' => self.fmt_sx(b, false),
                'X' => self.fmt_sx(b, true),
                _ => {
                    let s = Value::from(crate::utf8_lossy(b).into_owned());
                    self.print_value(&s, verb, depth);
                }
            },
            Value::String(s) => match verb {
                'v' => {
                    if self.f.sharp_v {
                        self.fmt_q(s)
                    } else {
                        self.fmt_s(s)
                    }
                }
                's' => self.fmt_s(s),
                'x' => self.fmt_sx(s.as_bytes(), false),
                'X' => self.fmt_sx(s.as_bytes(), true),
                'q' => self.fmt_q(s),
                _ => self.bad_verb(verb, v),
            },
            Value::Bytes(b) => match verb {
                's' => self.fmt_s(&crate::utf8_lossy(b)),
                'q' => self.fmt_q(&crate::utf8_lossy(b)),
                'x' => self.fmt_sx(b, false),
                'X' => self.fmt_sx(b, true),
                _ => {
                    let items: Vec<Value> = b.iter().map(|x| Value::Int(*x as i64)).collect();
                    if self.f.sharp_v {
                        self.buf.push_str("[]byte{");
                        for (i, x) in b.iter().enumerate() {
                            if i > 0 {
                                self.buf.push_str(", ");
                            }
                            self.buf.push_str(&format!("0x{x:x}"));
                        }
                        self.buf.push('}');
                        return;
                    }
                    self.buf.push('[');
                    for (i, x) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        self.print_value(x, verb, depth + 1);
                    }
                    self.buf.push(']');
                }
            },
            Value::List(items, _) => {
                if self.f.sharp_v && items.is_nil() {
                    self.buf.push_str(&v.type_name());
                    self.buf.push_str("(nil)");
                    return;
                }
                if self.f.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                    for (i, x) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_value(x, verb, depth + 1);
                    }
                    self.buf.push('}');
                    return;
                }
                self.buf.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(' ');
                    }
                    self.print_value(x, verb, depth + 1);
                }
                self.buf.push(']');
            }
            Value::Map(m, _) => {
                let m = m.borrow();
                if self.f.sharp_v && m.is_nil() {
                    self.buf.push_str(&v.type_name());
                    self.buf.push_str("(nil)");
                    return;
                }
                if self.f.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(&Value::str(k), verb, depth + 1);
                    self.buf.push(':');
                    self.print_value(x, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => {
                let s = o.format_v();
                self.pad(&s);
            }
        }
    }

    fn print_int(&mut self, i: i64, verb: char, v: &Value) {
        let neg = i < 0;
        let u = i.unsigned_abs();
        match verb {
            'v' | 'd' => self.fmt_integer(u, neg, 10, verb),
            'b' => self.fmt_integer(u, neg, 2, verb),
            'o' | 'O' => self.fmt_integer(u, neg, 8, verb),
            'x' | 'X' => self.fmt_integer(u, neg, 16, verb),
            'c' => {
                let c = char::from_u32(i as u32)
                    .filter(|_| (0..=0x10ffff).contains(&i))
                    .unwrap_or('\u{fffd}');
                self.pad(&c.to_string());
            }
            'q' => {
                let c = char::from_u32(i as u32)
                    .filter(|_| (0..=0x10ffff).contains(&i))
                    .unwrap_or('\u{fffd}');
                let q = quote_rune(c, self.f.plus);
                self.pad(&q);
            }
            'U' => {
                let c = char::from_u32(i as u32).unwrap_or('\u{fffd}');
                let s = if i < 0 {
                    format!("U+{:04X}", i as u64)
                } else {
                    format_unicode(c, self.f.sharp)
                };
                let old = self.f.zero;
                self.f.zero = false;
                self.pad(&s);
                self.f.zero = old;
            }
            _ => self.bad_verb(verb, v),
        }
    }
}

fn sharp_float(num: &str, verb: char, prec: i32) -> String {
    // The # flag keeps a decimal point and, for %g, trailing zeros.
    let mut digits = match verb {
        'v' => 1,
        'g' | 'G' => {
            if prec == -1 {
                6
            } else {
                prec
            }
        }
        _ => 0,
    };
    let (body, tail) = match num.find(['e', 'E']) {
        Some(i) => (&num[..i], &num[i..]),
        None => (num, ""),
    };
    let mut out = String::new();
    let mut saw_nonzero = false;
    let mut saw_point = false;
    for (i, c) in body.char_indices() {
        if i == 0 {
            out.push(c);
            continue;
        }
        if c == '.' {
            saw_point = true;
        } else if c != '0' || saw_nonzero {
            saw_nonzero = true;
            digits -= 1;
        } else if saw_nonzero {
            digits -= 1;
        }
        out.push(c);
    }
    if !saw_point {
        if out.len() == 2 && out.ends_with('0') {
            digits -= 1;
        }
        out.push('.');
    }
    if matches!(verb, 'g' | 'G' | 'v') {
        while digits > 0 {
            out.push('0');
            digits -= 1;
        }
    }
    out.push_str(tail);
    out
}

fn parse_num(fmt: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while i < fmt.len() && fmt[i].is_ascii_digit() {
        if n > 1_000_000 {
            return (None, fmt.len());
        }
        n = n * 10 + (fmt[i] - b'0') as usize;
        i += 1;
    }
    if i == start { (None, i) } else { (Some(n), i) }
}

fn int_from_arg(args: &[Value], n: usize) -> (Option<i64>, usize) {
    match args.get(n) {
        Some(Value::Int(i) | Value::Int64(i)) => {
            if *i > 1_000_000 || *i < -1_000_000 {
                (None, n + 1)
            } else {
                (Some(*i), n + 1)
            }
        }
        Some(_) => (None, n + 1),
        None => (None, n),
    }
}

/// Go's `[n]` argument index: returns (new argNum, new i, found, ok).
fn arg_number(fmt: &[u8], i: usize, arg_num: usize, nargs: usize) -> (usize, usize, bool, bool) {
    if fmt.get(i) != Some(&b'[') {
        return (arg_num, i, false, true);
    }
    // Find the closing bracket.
    let mut j = i + 1;
    while j < fmt.len() && fmt[j] != b']' {
        j += 1;
    }
    if j >= fmt.len() {
        return (arg_num, i + 1, false, false);
    }
    let (n, end) = parse_num(fmt, i + 1);
    match n {
        Some(n) if end == j && n >= 1 && n <= nargs => (n - 1, j + 1, true, true),
        _ => (arg_num, j + 1, true, false),
    }
}

/// Go's fmt.Sprintf.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer {
        buf: String::with_capacity(format.len() + 16),
        f: Flags::default(),
    };
    let fmt = format.as_bytes();
    let end = fmt.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let lasti = i;
        while i < end && fmt[i] != b'%' {
            i += 1;
        }
        if i > lasti {
            p.buf.push_str(&format[lasti..i]);
        }
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        while i < end {
            match fmt[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut good_arg = true;
        let (an, ni, mut after_index, ok) = arg_number(fmt, i, arg_num, args.len());
        arg_num = an;
        i = ni;
        if after_index {
            reordered = true;
        }
        good_arg &= ok;
        if i < end && fmt[i] == b'*' {
            i += 1;
            let (w, n) = int_from_arg(args, arg_num);
            arg_num = n;
            match w {
                Some(w) => {
                    if w < 0 {
                        p.f.minus = true;
                        p.f.zero = false;
                    }
                    p.f.wid = Some(w.unsigned_abs() as usize);
                }
                None => p.buf.push_str("%!(BADWIDTH)"),
            }
            after_index = false;
        } else {
            let (w, ni) = parse_num(fmt, i);
            p.f.wid = w;
            i = ni;
            if after_index && w.is_some() {
                good_arg = false;
            }
        }
        if i + 1 < end && fmt[i] == b'.' {
            i += 1;
            if after_index {
                good_arg = false;
            }
            let (an, ni, ai, ok) = arg_number(fmt, i, arg_num, args.len());
            arg_num = an;
            i = ni;
            after_index = ai;
            if ai {
                reordered = true;
            }
            good_arg &= ok;
            if i < end && fmt[i] == b'*' {
                i += 1;
                let (pr, n) = int_from_arg(args, arg_num);
                arg_num = n;
                match pr {
                    Some(pr) if pr >= 0 => p.f.prec = Some(pr as usize),
                    Some(_) => p.f.prec = None,
                    None => p.buf.push_str("%!(BADPREC)"),
                }
                after_index = false;
            } else {
                let (pr, ni) = parse_num(fmt, i);
                i = ni;
                p.f.prec = Some(pr.unwrap_or(0));
            }
        }
        if !after_index {
            let (an, ni, ai, ok) = arg_number(fmt, i, arg_num, args.len());
            arg_num = an;
            i = ni;
            after_index = ai;
            if ai {
                reordered = true;
            }
            good_arg &= ok;
        }
        let _ = after_index;
        if i >= end {
            p.buf.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        if verb == '%' {
            p.buf.push('%');
            continue;
        }
        if !good_arg {
            p.buf.push_str(&format!("%!{verb}(BADINDEX)"));
            continue;
        }
        let Some(arg) = args.get(arg_num) else {
            p.buf.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        let mut verb = verb;
        if verb == 'v' {
            p.f.sharp_v = p.f.sharp;
            p.f.sharp = false;
            p.f.plus_v = p.f.plus;
            p.f.plus = false;
        }
        if verb == 'w' {
            verb = 'v';
        }
        p.print_arg(arg, verb);
        arg_num += 1;
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.buf.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.buf.push_str(", ");
            }
            if let Value::Nil = a {
                p.buf.push_str("<nil>");
            } else {
                p.buf.push_str(&a.type_name());
                p.buf.push('=');
                p.print_arg(a, 'v');
            }
        }
        p.buf.push(')');
    }
    p.buf
}

/// `%v` of one value (`fmt.Sprint(v)`).
pub(crate) fn sprint_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::BinStr(b) => crate::utf8_lossy(b).into_owned(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Float(f) => float_v(*f),
        Value::Bool(b) => b.to_string(),
        _ => {
            let mut p = Printer {
                buf: String::new(),
                f: Flags::default(),
            };
            p.print_arg(v, 'v');
            p.buf
        }
    }
}

/// Go's fmt.Sprint: spaces between operands when neither is a string.
pub(crate) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_) | Value::BinStr(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&sprint_value(a));
        prev_string = is_string;
    }
    out
}

/// Go's fmt.Sprintln.
pub(crate) fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&sprint_value(a));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        assert_eq!(float_v(3.0), "3");
        assert_eq!(float_v(1e6), "1e+06");
        assert_eq!(float_v(12345678.0), "1.2345678e+07");
        assert_eq!(float_v(1e-5), "1e-05");
        assert_eq!(float_v(123456.0), "123456");
        assert_eq!(float_v(0.0001), "0.0001");
        assert_eq!(float_v(2112266016110723.2), "2.1122660161107232e+15");
        assert_eq!(format_float(1.0, 'g', 3), "1");
        assert_eq!(format_float(1.23456, 'f', 2), "1.23");
        assert_eq!(format_float(1234.5678, 'e', 3), "1.235e+03");
    }

    #[test]
    fn printf_mismatch() {
        assert_eq!(sprintf("%d", &[Value::Float(3.0)]), "%!d(float64=3)");
        assert_eq!(
            sprintf(
                "%s|%5d|%-4s|",
                &[Value::Int(1), Value::Int(42), Value::str("a")]
            ),
            "%!s(int=1)|   42|a   |"
        );
        assert_eq!(sprintf("%d %d", &[Value::Int(1)]), "1 %!d(MISSING)");
        assert_eq!(
            sprintf("%d", &[Value::Int(1), Value::str("x")]),
            "1%!(EXTRA string=x)"
        );
    }
}
