//! The pieces of Go's standard library that santhosh-tekuri's `format` checks call, with
//! their exact error texts: `strconv.Quote`/`QuoteRune`/`Atoi`, `time.Parse` with the
//! layout `2006-01-02`, `netip.ParseAddr` and `url.Parse` (Go 1.27, the toolchain Helm
//! 4.3's library was built with: hosts of http(s) URLs have strict colons).
//!
//! Go slices strings by bytes, so a check may look at (and print) a piece of a string
//! that is not valid UTF-8; everything here works on bytes.

use std::sync::LazyLock;

use regex::Regex;

/// Go's `utf8.DecodeRune`: the rune at the start of `b` and its width (an invalid byte is
/// U+FFFD of width 1).
pub fn decode_rune(b: &[u8]) -> (char, usize) {
    let n = match b.first() {
        None => return ('\u{fffd}', 0),
        Some(&c) if c < 0x80 => return (c as char, 1),
        Some(&c) if c >= 0xf0 => 4,
        Some(&c) if c >= 0xe0 => 3,
        Some(_) => 2,
    };
    match b.get(..n).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next().unwrap_or('\u{fffd}'), n),
        None => ('\u{fffd}', 1),
    }
}

/// The runes of `b` as Go's `for range` yields them.
pub fn runes(mut b: &[u8]) -> impl Iterator<Item = char> + '_ {
    std::iter::from_fn(move || {
        if b.is_empty() {
            return None;
        }
        let (c, w) = decode_rune(b);
        b = &b[w..];
        Some(c)
    })
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and U+0020
/// (by the regex crate's Unicode tables, which may trail Go's by a version).
fn is_print(c: char) -> bool {
    static PRINT: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$").ok());
    match &*PRINT {
        Some(re) => re.is_match(c.encode_utf8(&mut [0; 4])),
        None => c == ' ' || c.is_alphanumeric() || c.is_ascii_graphic(),
    }
}

fn escape_rune(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
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
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// `strconv.Quote` (and so `%q` of a string).
pub fn quote(b: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut rest = b;
    while !rest.is_empty() {
        let (c, w) = decode_rune(rest);
        if c == '\u{fffd}' && w == 1 {
            out.push_str(&format!("\\x{:02x}", rest[0]));
        } else {
            escape_rune(&mut out, c, '"');
        }
        rest = &rest[w..];
    }
    out.push('"');
    out
}

/// `strconv.QuoteRune` (and so `%q` of a rune, or of a byte taken as one).
pub fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    escape_rune(&mut out, c, '\'');
    out.push('\'');
    out
}

/// The `time` package's own quoting in its errors: bytes outside printable ASCII as `\x`.
fn time_quote(b: &[u8]) -> String {
    let mut out = String::from("\"");
    for &c in b {
        if !(0x20..0x80).contains(&c) {
            out.push_str(&format!("\\x{c:02x}"));
        } else {
            if c == b'"' || c == b'\\' {
                out.push('\\');
            }
            out.push(c as char);
        }
    }
    out.push('"');
    out
}

/// `strconv.Atoi`: the value, or the error text.
pub fn atoi(s: &[u8]) -> Result<i64, String> {
    let err = |what: &str| format!("strconv.Atoi: parsing {}: {what}", quote(s));
    let syntax = || err("invalid syntax");
    // `ParseInt(s, 10, 0)` (Go's short-input fast path gives the same results).
    if s.is_empty() {
        return Err(syntax());
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(syntax());
    }
    let mut n: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(syntax());
        }
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
        {
            Some(n) => n,
            None => return Err(err("value out of range")),
        };
    }
    let limit = 1u64 << 63;
    if (!neg && n >= limit) || (neg && n > limit) {
        return Err(err("value out of range"));
    }
    Ok(if neg {
        (n as i64).wrapping_neg()
    } else {
        n as i64
    })
}

/// `time.Parse("2006-01-02", s)`: `Ok` or the error text.
pub fn parse_date(value: &[u8]) -> Result<(), String> {
    const LAYOUT: &str = "2006-01-02";
    let cannot = |elem: &[u8], layout_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(value),
            time_quote(LAYOUT.as_bytes()),
            time_quote(elem),
            time_quote(layout_elem.as_bytes())
        )
    };
    let message = |msg: &str| format!("parsing time {}{msg}", time_quote(value));
    // Two fixed digits (`getnum` with `fixed`).
    let two = |v: &[u8]| -> Option<u32> {
        match v {
            [a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
                Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            }
            _ => None,
        }
    };
    let mut v = value;
    // 2006
    if v.len() < 4 || !v[0].is_ascii_digit() || !v[..4].iter().all(u8::is_ascii_digit) {
        return Err(cannot(v, "2006"));
    }
    let year: i64 = v[..4].iter().fold(0, |n, d| n * 10 + i64::from(d - b'0'));
    v = &v[4..];
    // -01
    if v.first() != Some(&b'-') {
        return Err(cannot(v, "-"));
    }
    v = &v[1..];
    let Some(month) = two(v) else {
        return Err(cannot(v, "01"));
    };
    v = &v[2..];
    if !(1..=12).contains(&month) {
        return Err(message(": month out of range"));
    }
    // -02
    if v.first() != Some(&b'-') {
        return Err(cannot(v, "-"));
    }
    v = &v[1..];
    let Some(day) = two(v) else {
        return Err(cannot(v, "02"));
    };
    v = &v[2..];
    if !v.is_empty() {
        return Err(message(&format!(": extra text: {}", time_quote(v))));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return Err(message(": day out of range"));
    }
    Ok(())
}

/// What `netip.ParseAddr` found: its zone, if an IPv6 address has one, and whether it is
/// an IPv4 address.
pub struct Addr {
    pub zone: Vec<u8>,
    pub is4: bool,
}

fn addr_err(input: &[u8], msg: &str, at: Option<&[u8]>) -> String {
    match at {
        Some(at) if !at.is_empty() => {
            format!("ParseAddr({}): {msg} (at {})", quote(input), quote(at))
        }
        _ => format!("ParseAddr({}): {msg}", quote(input)),
    }
}

/// `netip.ParseAddr`.
pub fn parse_addr(s: &[u8]) -> Result<Addr, String> {
    for &c in s {
        match c {
            b'.' => {
                return parse_ipv4(s, s).map(|_| Addr {
                    zone: Vec::new(),
                    is4: true,
                });
            }
            b':' => return parse_ipv6(s),
            b'%' => return Err(addr_err(s, "missing IPv6 address", None)),
            _ => {}
        }
    }
    Err(addr_err(s, "unable to parse IP", None))
}

/// The IPv4 address `s`, which is `input` or its end; errors name `input`.
fn parse_ipv4(input: &[u8], s: &[u8]) -> Result<(), String> {
    let (mut val, mut pos, mut dig_len) = (0u32, 0, 0);
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return Err(addr_err(
                    input,
                    "IPv4 field has octet with leading zero",
                    None,
                ));
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return Err(addr_err(input, "IPv4 field has value >255", None));
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return Err(addr_err(
                    input,
                    "IPv4 field must have at least one digit",
                    Some(&s[i..]),
                ));
            }
            if pos == 3 {
                return Err(addr_err(input, "IPv4 address too long", None));
            }
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            return Err(addr_err(input, "unexpected character", Some(&s[i..])));
        }
    }
    if pos < 3 {
        return Err(addr_err(input, "IPv4 address too short", None));
    }
    Ok(())
}

fn parse_ipv6(input: &[u8]) -> Result<Addr, String> {
    let mut s = input;
    let mut zone: &[u8] = &[];
    if let Some(i) = s.iter().position(|&c| c == b'%') {
        zone = &s[i + 1..];
        s = &s[..i];
        if zone.is_empty() {
            return Err(addr_err(input, "zone must be a non-empty string", None));
        }
    }
    let done = |zone: &[u8]| Addr {
        zone: zone.to_vec(),
        is4: false,
    };
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(done(zone));
        }
    }
    let mut i = 0;
    while i < 16 {
        let mut off = 0;
        while off < s.len() {
            if !s[off].is_ascii_hexdigit() {
                break;
            }
            if off > 3 {
                return Err(addr_err(
                    input,
                    "each group must have 4 or less digits",
                    Some(s),
                ));
            }
            off += 1;
        }
        if off == 0 {
            return Err(addr_err(
                input,
                "each colon-separated field must have at least one digit",
                Some(s),
            ));
        }
        if off < s.len() && s[off] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return Err(addr_err(
                    input,
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    Some(s),
                ));
            }
            if i + 4 > 16 {
                return Err(addr_err(
                    input,
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    Some(s),
                ));
            }
            parse_ipv4(input, s)?;
            s = &[];
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' {
            return Err(addr_err(input, "unexpected character, want colon", Some(s)));
        } else if s.len() == 1 {
            return Err(addr_err(
                input,
                "colon must be followed by more characters",
                Some(s),
            ));
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return Err(addr_err(input, "multiple :: in address", Some(s)));
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(addr_err(input, "trailing garbage after address", Some(s)));
    }
    if i < 16 {
        if ellipsis.is_none() {
            return Err(addr_err(input, "address string too short", None));
        }
    } else if ellipsis.is_some() {
        return Err(addr_err(
            input,
            "the :: must expand to at least one field of zeros",
            None,
        ));
    }
    Ok(done(zone))
}

/// What the format checks use of a parsed `url.URL`.
#[derive(Debug, Default)]
pub struct Url {
    pub scheme: Vec<u8>,
    pub host: Vec<u8>,
    pub raw_path: Vec<u8>,
}

impl Url {
    /// `URL.IsAbs`.
    pub fn is_abs(&self) -> bool {
        !self.scheme.is_empty()
    }

    /// `URL.Hostname`: the host without port and brackets.
    pub fn hostname(&self) -> &[u8] {
        let mut host = &self.host[..];
        if let Some(colon) = host.iter().rposition(|&c| c == b':') {
            if valid_optional_port(&host[colon..]) {
                host = &host[..colon];
            }
        }
        if host.len() >= 2 && host[0] == b'[' && host[host.len() - 1] == b']' {
            host = &host[1..host.len() - 1];
        }
        host
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    Path,
    PathSegment,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Enc) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Enc::Host | Enc::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Enc::Path => return c == b'?',
            Enc::PathSegment => return matches!(c, b'/' | b';' | b',' | b'?'),
            Enc::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Enc::Fragment => return false,
            _ => {}
        },
        _ => {}
    }
    if mode == Enc::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    (c as char).to_digit(16).unwrap_or(0) as u8
}

/// `url.unescape`.
fn unescape(s: &[u8], mode: Enc) -> Result<Vec<u8>, String> {
    let escape_err = |e: &[u8]| format!("invalid URL escape {}", quote(e));
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if i + 2 >= s.len()
                    || !s[i + 1].is_ascii_hexdigit()
                    || !s[i + 2].is_ascii_hexdigit()
                {
                    return Err(escape_err(&s[i..(i + 3).min(s.len())]));
                }
                let trip = &s[i..i + 3];
                if mode == Enc::Host && unhex(s[i + 1]) < 8 && trip != b"%25" {
                    return Err(escape_err(trip));
                }
                if mode == Enc::Zone {
                    let v = unhex(s[i + 1]) << 4 | unhex(s[i + 2]);
                    if trip != b"%25" && v != b' ' && should_escape(v, Enc::Host) {
                        return Err(escape_err(trip));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Enc::Host | Enc::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        quote(&s[i..i + 1])
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            out.push(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// `url.PathUnescape`.
pub fn path_unescape(s: &[u8]) -> Result<Vec<u8>, String> {
    unescape(s, Enc::PathSegment)
}

fn escape(s: &[u8], mode: Enc) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if should_escape(c, mode) {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        } else {
            out.push(c);
        }
    }
    out
}

fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

fn valid_userinfo(s: &[u8]) -> bool {
    s.iter()
        .all(|&c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
}

fn parse_host(scheme: &[u8], host: &[u8]) -> Result<Vec<u8>, String> {
    let invalid_port = |p: &[u8]| format!("invalid port {} after host", quote(p));
    if let Some(open) = host.iter().rposition(|&c| c == b'[') {
        if open > 0 {
            return Err("invalid IP-literal".into());
        }
        let Some(close) = host.iter().rposition(|&c| c == b']') else {
            return Err("missing ']' in host".into());
        };
        let colon_port = &host[close + 1..];
        if !valid_optional_port(colon_port) {
            return Err(invalid_port(colon_port));
        }
        let port = unescape(colon_port, Enc::Host)?;
        let name = host.get(open + 1..close).unwrap_or(&[]);
        let unescaped = match find(name, b"%25") {
            Some(z) => {
                let mut h = unescape(&name[..z], Enc::Host)?;
                h.extend(unescape(&name[z..], Enc::Zone)?);
                h
            }
            None => unescape(name, Enc::Host)?,
        };
        let addr = parse_addr(&unescaped).map_err(|e| format!("invalid host: {e}"))?;
        if addr.is4 {
            return Err("invalid IP-literal".into());
        }
        let mut out = b"[".to_vec();
        out.extend(unescaped);
        out.push(b']');
        out.extend(port);
        return Ok(out);
    }
    if let Some(first) = host.iter().position(|&c| c == b':') {
        let last = host.iter().rposition(|&c| c == b':').unwrap_or(first);
        // Strict colons (Go 1.26's default) for http and https only.
        let i = if scheme == b"http" || scheme == b"https" {
            first
        } else {
            last
        };
        if !valid_optional_port(&host[i..]) {
            return Err(invalid_port(&host[i..]));
        }
    }
    unescape(host, Enc::Host)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `url.Parse`: the parts the format checks use, or the error text.
pub fn parse_url(raw: &[u8]) -> Result<Url, String> {
    let url_err = |u: &[u8], e: String| format!("parse {}: {e}", quote(u));
    let (u, frag) = match raw.iter().position(|&c| c == b'#') {
        Some(i) => (&raw[..i], Some(&raw[i + 1..])),
        None => (raw, None),
    };
    let url = parse_ref(u).map_err(|e| url_err(u, e))?;
    if let Some(f) = frag.filter(|f| !f.is_empty()) {
        unescape(f, Enc::Fragment).map_err(|e| url_err(raw, e))?;
    }
    Ok(url)
}

fn parse_ref(raw: &[u8]) -> Result<Url, String> {
    if raw.iter().any(|&c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == b"*" {
        return Ok(url);
    }
    let mut rest = raw;
    for (i, &c) in raw.iter().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err("missing protocol scheme".into());
            }
            url.scheme = raw[..i].to_ascii_lowercase();
            rest = &raw[i + 1..];
        }
        break;
    }
    let questions = rest.iter().filter(|&&c| c == b'?').count();
    if rest.last() == Some(&b'?') && questions == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some(q) = rest.iter().position(|&c| c == b'?') {
        rest = &rest[..q];
    }
    if !rest.starts_with(b"/") {
        if !url.scheme.is_empty() {
            // Opaque.
            return Ok(url);
        }
        let segment = rest.split(|&c| c == b'/').next().unwrap_or(&[]);
        if segment.contains(&b':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with(b"///")) && rest.starts_with(b"//") {
        let mut authority = &rest[2..];
        rest = &[];
        if let Some(i) = authority.iter().position(|&c| c == b'/') {
            rest = &authority[i..];
            authority = &authority[..i];
        }
        let at = authority.iter().rposition(|&c| c == b'@');
        let host_part = match at {
            Some(i) => &authority[i + 1..],
            None => authority,
        };
        url.host = parse_host(&url.scheme, host_part)?;
        if let Some(i) = at {
            let userinfo = &authority[..i];
            if !valid_userinfo(userinfo) {
                return Err("net/url: invalid userinfo".into());
            }
            match userinfo.iter().position(|&c| c == b':') {
                None => {
                    unescape(userinfo, Enc::UserPassword)?;
                }
                Some(c) => {
                    unescape(&userinfo[..c], Enc::UserPassword)?;
                    unescape(&userinfo[c + 1..], Enc::UserPassword)?;
                }
            }
        }
    }
    let path = unescape(rest, Enc::Path)?;
    if escape(&path, Enc::Path) != rest {
        url.raw_path = rest.to_vec();
    }
    Ok(url)
}
