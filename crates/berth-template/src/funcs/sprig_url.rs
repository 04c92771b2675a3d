//! Sprig's urlParse and urlJoin over a port of Go's net/url parsing and printing.

use std::collections::BTreeMap;

use super::{FuncMap, P, add, arg, arg_str};
use crate::value::{Elem, Value};

#[derive(Default, Debug)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    fragment: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's shouldEscape.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host || mode == Mode::Zone {
        if matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        ) {
            return false;
        }
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::UserPassword => c == b'@' || c == b'/' || c == b'?' || c == b':',
            Mode::QueryComponent => true,
            Mode::Fragment => false,
            _ => true,
        },
        _ => {
            if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
                return false;
            }
            true
        }
    }
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            if b == b' ' && mode == Mode::QueryComponent {
                out.push('+');
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Go's unescape.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (h, l) = match (
                    b.get(i + 1).and_then(|c| unhex(*c)),
                    b.get(i + 2).and_then(|c| unhex(*c)),
                ) {
                    (Some(h), Some(l)) => (h, l),
                    _ => {
                        let bad: String = s[i..].chars().take(3).collect();
                        return Err(format!("invalid URL escape {}", crate::fmt::quote_go(&bad)));
                    }
                };
                out.push(h << 4 | l);
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                if (mode == Mode::Host || mode == Mode::Zone) && c < 0x80 && should_escape(c, mode)
                {
                    return Err(format!(
                        "invalid character {} in host name",
                        crate::fmt::quote_go(&(c as char).to_string())
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn get_scheme(raw: &str) -> Result<(String, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok((String::new(), raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((raw[..i].to_string(), &raw[i + 1..]));
            }
            _ => return Ok((String::new(), raw)),
        }
    }
    Ok((String::new(), raw))
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &host[i + 1..];
        let port_ok = port.is_empty()
            || (port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()));
        if !port_ok {
            return Err(format!(
                "invalid port {} after host",
                crate::fmt::quote_go(port)
            ));
        }
        return unescape(host, Mode::Host);
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !port[1..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "invalid port {} after host",
                crate::fmt::quote_go(port)
            ));
        }
    }
    unescape(host, Mode::Host)
}

fn parse(raw: &str) -> Result<Url, String> {
    let (rest, frag) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    let wrap = |e: String| format!("parse {}: {e}", crate::fmt::quote_go(raw));
    let mut u = Url::default();
    if rest.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(wrap("net/url: invalid control character in URL".into()));
    }
    if rest.is_empty() && frag.is_some() {
    } else if rest == "*" {
        u.path = "*".into();
    } else {
        let (scheme, r) = get_scheme(rest).map_err(wrap)?;
        u.scheme = scheme.to_ascii_lowercase();
        let mut r = r.to_string();
        if r.ends_with('?') && r.matches('?').count() == 1 {
            u.force_query = true;
            r.pop();
        } else if let Some((p, q)) = r.clone().split_once('?') {
            u.raw_query = q.to_string();
            r = p.to_string();
        }
        if !r.starts_with('/') {
            if !u.scheme.is_empty() {
                u.opaque = r;
                return finish(u, frag, raw);
            }
            let seg = r.split('/').next().unwrap_or("");
            if seg.contains(':') {
                return Err(wrap(
                    "first path segment in URL cannot contain colon".into(),
                ));
            }
        }
        if (!u.scheme.is_empty() || !r.starts_with("///")) && r.starts_with("//") {
            let after = &r[2..];
            let (authority, path) = match after.find('/') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            };
            let (userinfo, host) = match authority.rfind('@') {
                Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
                None => (None, authority),
            };
            u.host = parse_host(host).map_err(wrap)?;
            if let Some(ui) = userinfo {
                let (name, pass) = match ui.split_once(':') {
                    Some((n, p)) => (n, Some(p)),
                    None => (ui, None),
                };
                let name = unescape(name, Mode::UserPassword).map_err(wrap)?;
                let pass = pass
                    .map(|p| unescape(p, Mode::UserPassword))
                    .transpose()
                    .map_err(wrap)?;
                u.user = Some((name, pass));
            }
            r = path.to_string();
        }
        u.path = unescape(&r, Mode::Path).map_err(wrap)?;
    }
    finish(u, frag, raw)
}

fn finish(mut u: Url, frag: Option<&str>, raw: &str) -> Result<Url, String> {
    if let Some(f) = frag {
        u.fragment = unescape(f, Mode::Fragment)
            .map_err(|e| format!("parse {}: {e}", crate::fmt::quote_go(raw)))?;
    }
    Ok(u)
}

fn user_string(user: &(String, Option<String>)) -> String {
    let mut s = escape(&user.0, Mode::UserPassword);
    if let Some(p) = &user.1 {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

fn hostname(host: &str) -> String {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    match host.rfind(':') {
        Some(i) if host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => host[..i].to_string(),
        _ => host.to_string(),
    }
}

/// Go's URL.String.
fn to_string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                buf.push_str("//");
            }
            if let Some(user) = &u.user {
                buf.push_str(&user_string(user));
                buf.push('@');
            }
            if !u.host.is_empty() {
                buf.push_str(&escape(&u.host, Mode::Host));
            }
        }
        let path = escape(&u.path, Mode::Path);
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() {
            if let Some(seg) = path.split('/').next() {
                if seg.contains(':') {
                    buf.push_str("./");
                }
            }
        }
        buf.push_str(&path);
    }
    if u.force_query || !u.raw_query.is_empty() {
        buf.push('?');
        buf.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    buf
}

fn dict_str(d: &BTreeMap<String, Value>, key: &str) -> Result<String, String> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(v) => Err(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            v.kind_name()
        )),
    }
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "urlParse", &[P::Str], None, |_, a| {
        let u = parse(&arg_str(&a, 0)).map_err(|e| format!("unable to parse url: {e}"))?;
        let mut d = BTreeMap::new();
        d.insert("scheme".into(), Value::from(u.scheme.clone()));
        d.insert("host".into(), Value::from(u.host.clone()));
        d.insert("hostname".into(), Value::from(hostname(&u.host)));
        d.insert("path".into(), Value::from(u.path.clone()));
        d.insert("query".into(), Value::from(u.raw_query.clone()));
        d.insert("opaque".into(), Value::from(u.opaque.clone()));
        d.insert("fragment".into(), Value::from(u.fragment.clone()));
        d.insert(
            "userinfo".into(),
            Value::from(u.user.as_ref().map(user_string).unwrap_or_default()),
        );
        Ok(Value::map(d))
    });
    add(m, "urlJoin", &[P::Map], None, |_, a| {
        let Value::Map(d, Elem::Any) = arg(&a, 0) else {
            return Ok(Value::str(""));
        };
        let d = d.borrow();
        let mut u = Url {
            scheme: dict_str(&d, "scheme")?,
            host: dict_str(&d, "host")?,
            path: dict_str(&d, "path")?,
            raw_query: dict_str(&d, "query")?,
            opaque: dict_str(&d, "opaque")?,
            fragment: dict_str(&d, "fragment")?,
            ..Url::default()
        };
        let userinfo = dict_str(&d, "userinfo")?;
        if !userinfo.is_empty() {
            let t = parse(&format!("proto://{userinfo}@host"))
                .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
            u.user = t.user;
        }
        Ok(Value::from(to_string(&u)))
    });
}
