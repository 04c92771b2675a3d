//! Sprig's encodings, hashes, regular expressions, semantic versions, paths,
//! random values, and the functions not implemented yet.

use std::cell::Cell;
use std::rc::Rc;

use base64::Engine;
use sha2::Digest;

use super::{FuncMap, P, add, arg, arg_bytes, arg_int, arg_str};
use crate::value::{Object, Value};

type R = Result<Value, String>;

fn s(v: String) -> R {
    Ok(Value::from(v))
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// A non-cryptographic random source (xorshift*), seeded from the clock.
pub(crate) fn random_u64() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        if x == 0 {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9E37_79B9_7F4A_7C15);
            x = t | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

fn rand_from(set: &[u8], n: i64) -> String {
    (0..n.max(0))
        .map(|_| set[(random_u64() % set.len() as u64) as usize] as char)
        .collect()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn b64_error(e: base64::DecodeError, input: &str) -> String {
    let pos = match e {
        base64::DecodeError::InvalidByte(i, _) => i,
        base64::DecodeError::InvalidLastSymbol(i, _) => i,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
            input.len() - input.len() % 4
        }
    };
    format!("illegal base64 data at input byte {pos}")
}

fn compile(re: &str) -> Result<regex::Regex, String> {
    crate::goregexp::compile(re)
}

fn must_compile(re: &str) -> Result<regex::Regex, String> {
    compile(re).map_err(|e| format!("regexp: Compile({}): {e}", go_backquote(re)))
}

fn go_backquote(s: &str) -> String {
    if s.contains('`') {
        crate::fmt::quote_go(s)
    } else {
        format!("`{s}`")
    }
}

fn find_all(re: &regex::Regex, s: &str, n: i64) -> Vec<String> {
    let it = re.find_iter(s).map(|m| m.as_str().to_string());
    if n < 0 {
        it.collect()
    } else {
        it.take(n as usize).collect()
    }
}

fn regex_split(re: &regex::Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches: Vec<(usize, usize)> = re.find_iter(s).map(|m| (m.start(), m.end())).collect();
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (ms, me) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = me;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's path.Clean.
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    clean_path(&p[..i])
}

fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

// ---------- semantic versions (Masterminds/semver v3 rules) ----------

#[derive(Debug, Clone)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl Object for Version {
    fn type_name(&self) -> String {
        "*semver.Version".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.call(name, &[]).and_then(Result::ok)
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "Original" | "String"
        )
    }
    fn call(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "Major" => Value::Int64(self.major as i64),
            "Minor" => Value::Int64(self.minor as i64),
            "Patch" => Value::Int64(self.patch as i64),
            "Prerelease" => Value::from(self.pre.clone()),
            "Metadata" => Value::from(self.metadata.clone()),
            "Original" => Value::from(self.original.clone()),
            "String" => Value::from(self.to_string_go()),
            _ => return None,
        }))
    }
    fn format_v(&self) -> String {
        self.to_string_go()
    }
}

impl Version {
    fn to_string_go(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

pub(crate) fn parse_version(v: &str) -> Result<Version, String> {
    let err = || "Invalid Semantic Version".to_string();
    let body = v.strip_prefix('v').unwrap_or(v);
    let (body, meta) = match body.split_once('+') {
        Some((b, m)) => (b, m),
        None => (body, ""),
    };
    let (core, pre) = match body.split_once('-') {
        Some((c, p)) => (c, p),
        None => (body, ""),
    };
    if (!pre.is_empty() || body.contains('-')) && !ident_ok(pre) {
        return Err(err());
    }
    if (!meta.is_empty() || v.contains('+')) && !ident_ok(meta) {
        return Err(err());
    }
    let nums: Vec<&str> = core.split('.').collect();
    if nums.is_empty()
        || nums.len() > 3
        || nums
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err());
    }
    let p = |i: usize| -> Result<u64, String> {
        match nums.get(i) {
            Some(n) => n.parse::<u64>().map_err(|e| e.to_string()),
            None => Ok(0),
        }
    };
    if !pre.is_empty() {
        for id in pre.split('.') {
            if id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()) {
                return Err("Version segment starts with 0".into());
            }
        }
    }
    Ok(Version {
        major: p(0)?,
        minor: p(1)?,
        patch: p(2)?,
        pre: pre.into(),
        metadata: meta.into(),
        original: v.into(),
    })
}

fn cmp_pre(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Equal,
        (true, false) => return Greater,
        (false, true) => return Less,
        _ => {}
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let (x, y) = match (pa.get(i), pb.get(i)) {
            (Some(x), Some(y)) => (x, y),
            (None, _) => return Less,
            (_, None) => return Greater,
        };
        let (nx, ny) = (x.parse::<u64>().ok(), y.parse::<u64>().ok());
        let o = match (nx, ny) {
            (Some(p), Some(q)) => p.cmp(&q),
            (Some(_), None) => Less,
            (None, Some(_)) => Greater,
            (None, None) => x.cmp(y),
        };
        if o != Equal {
            return o;
        }
    }
    Equal
}

fn cmp_versions(a: &Version, b: &Version) -> std::cmp::Ordering {
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| cmp_pre(&a.pre, &b.pre))
}

struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(op: &str, ver: &str) -> Result<Constraint, String> {
    let ver = ver.strip_prefix('v').unwrap_or(ver);
    let (core, rest) = match ver.find(['-', '+']) {
        Some(i) => (&ver[..i], &ver[i..]),
        None => (ver, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let get = |i: usize| parts.get(i).copied().unwrap_or("");
    let v = if is_x(get(0)) {
        dirty = true;
        "0.0.0".to_string()
    } else if get(1).is_empty() || is_x(get(1)) {
        minor_dirty = true;
        dirty = true;
        format!("{}.0.0{}", get(0), rest)
    } else if get(2).is_empty() || is_x(get(2)) {
        dirty = true;
        patch_dirty = true;
        format!("{}.{}.0{}", get(0), get(1), rest)
    } else {
        ver.to_string()
    };
    let con = parse_version(&v).map_err(|_| format!("improper constraint: {op}{ver}"))?;
    Ok(Constraint {
        op: op.to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

fn check(c: &Constraint, v: &Version) -> bool {
    use std::cmp::Ordering::*;
    if !v.pre.is_empty() && c.con.pre.is_empty() {
        return false;
    }
    let cmp = cmp_versions(v, &c.con);
    let tilde = |v: &Version| -> bool {
        if cmp_versions(v, &c.con) == Less {
            return false;
        }
        if c.con.major == 0
            && c.con.minor == 0
            && c.con.patch == 0
            && !c.minor_dirty
            && !c.patch_dirty
        {
            return true;
        }
        if v.major != c.con.major {
            return false;
        }
        if v.minor != c.con.minor && !c.minor_dirty {
            return false;
        }
        true
    };
    match c.op.as_str() {
        "" | "=" => {
            if c.dirty {
                tilde(v)
            } else {
                cmp == Equal
            }
        }
        "!=" => {
            if c.dirty {
                !tilde(v)
            } else {
                cmp != Equal
            }
        }
        ">" => {
            if !c.dirty {
                cmp == Greater
            } else if c.minor_dirty {
                v.major > c.con.major
            } else if c.patch_dirty {
                v.major > c.con.major || (v.major == c.con.major && v.minor > c.con.minor)
            } else {
                cmp == Greater
            }
        }
        "<" => cmp == Less,
        ">=" | "=>" => cmp != Less,
        "<=" | "=<" => {
            if !c.dirty {
                cmp != Greater
            } else if c.minor_dirty {
                v.major <= c.con.major
            } else {
                v.major < c.con.major || (v.major == c.con.major && v.minor <= c.con.minor)
            }
        }
        "~" | "~>" => tilde(v),
        "^" => {
            if cmp == Less {
                return false;
            }
            if c.con.major > 0 || c.minor_dirty {
                v.major == c.con.major
            } else if c.con.minor > 0 || c.patch_dirty {
                v.major == 0 && v.minor == c.con.minor
            } else {
                v.major == 0 && v.minor == 0 && v.patch == c.con.patch
            }
        }
        _ => false,
    }
}

fn parse_constraints(s: &str) -> Result<Vec<Vec<Constraint>>, String> {
    static OP_RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^\s*(=>|=<|!=|>=|<=|~>|[=<>~^])?\s*(v?[0-9xX*][0-9A-Za-z.+\-xX*]*)\s*")
            .ok()
    });
    let op_re = OP_RE.as_ref().ok_or("constraint pattern")?;
    let mut out = Vec::new();
    for group in s.split("||") {
        let mut cs = Vec::new();
        let g = group.trim();
        // Hyphen ranges: "a - b".
        if let Some((lo, hi)) = g.split_once(" - ") {
            cs.push(parse_constraint(">=", lo.trim())?);
            cs.push(parse_constraint("<=", hi.trim())?);
            out.push(cs);
            continue;
        }
        for part in g.split(',') {
            let mut rest = part.trim();
            if rest.is_empty() {
                return Err(format!("improper constraint: {s}"));
            }
            while !rest.is_empty() {
                let Some(caps) = op_re.captures(rest) else {
                    return Err(format!("improper constraint: {s}"));
                };
                let whole = caps.get(0).map(|m| m.end()).unwrap_or(rest.len());
                let op = caps.get(1).map(|m| m.as_str()).unwrap_or("");
                let ver = caps.get(2).map(|m| m.as_str()).unwrap_or("");
                cs.push(parse_constraint(op, ver)?);
                rest = &rest[whole..];
            }
        }
        out.push(cs);
    }
    Ok(out)
}

pub(crate) fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let cs = parse_constraints(constraint)?;
    let v = parse_version(version)?;
    Ok(cs.iter().any(|group| group.iter().all(|c| check(c, &v))))
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "b64enc", &[P::Str], None, |_, a| {
        s(base64::engine::general_purpose::STANDARD.encode(arg_bytes(&a, 0)))
    });
    add(m, "b64dec", &[P::Str], None, |_, a| {
        let i = arg_str(&a, 0);
        match base64::engine::general_purpose::STANDARD.decode(&i) {
            Ok(b) => Ok(Value::from_bytes(b)),
            Err(e) => s(b64_error(e, &i)),
        }
    });
    add(m, "b32enc", &[P::Str], None, |_, a| {
        s(base32_encode(&arg_bytes(&a, 0)))
    });
    add(m, "b32dec", &[P::Str], None, |_, a| {
        match base32_decode(&arg_str(&a, 0)) {
            Ok(b) => s(String::from_utf8_lossy(&b).into_owned()),
            Err(e) => s(e),
        }
    });
    add(m, "sha1sum", &[P::Str], None, |_, a| {
        s(hex(&sha1::Sha1::digest(arg_bytes(&a, 0))))
    });
    add(m, "sha256sum", &[P::Str], None, |_, a| {
        s(hex(&sha2::Sha256::digest(arg_bytes(&a, 0))))
    });
    add(m, "sha512sum", &[P::Str], None, |_, a| {
        s(hex(&sha2::Sha512::digest(arg_bytes(&a, 0))))
    });
    add(m, "adler32sum", &[P::Str], None, |_, a| {
        s(adler32(&arg_bytes(&a, 0)).to_string())
    });
    // Regular expressions.
    add(m, "regexMatch", &[P::Str, P::Str], None, |_, a| {
        Ok(Value::Bool(
            compile(&arg_str(&a, 0)).is_ok_and(|r| r.is_match(&arg_str(&a, 1))),
        ))
    });
    add(m, "mustRegexMatch", &[P::Str, P::Str], None, |_, a| {
        Ok(Value::Bool(
            compile(&arg_str(&a, 0))?.is_match(&arg_str(&a, 1)),
        ))
    });
    add(
        m,
        "regexFindAll",
        &[P::Str, P::Str, P::Int],
        None,
        |_, a| {
            let r = must_compile(&arg_str(&a, 0))?;
            // Go's FindAllString returns nil when nothing matches.
            Ok(nil_if_empty(find_all(&r, &arg_str(&a, 1), arg_int(&a, 2))))
        },
    );
    add(
        m,
        "mustRegexFindAll",
        &[P::Str, P::Str, P::Int],
        None,
        |_, a| {
            let r = compile(&arg_str(&a, 0))?;
            // Go's FindAllString returns nil when nothing matches.
            Ok(nil_if_empty(find_all(&r, &arg_str(&a, 1), arg_int(&a, 2))))
        },
    );
    add(m, "regexFind", &[P::Str, P::Str], None, |_, a| {
        let r = must_compile(&arg_str(&a, 0))?;
        s(r.find(&arg_str(&a, 1))
            .map(|x| x.as_str().to_string())
            .unwrap_or_default())
    });
    add(m, "mustRegexFind", &[P::Str, P::Str], None, |_, a| {
        let r = compile(&arg_str(&a, 0))?;
        s(r.find(&arg_str(&a, 1))
            .map(|x| x.as_str().to_string())
            .unwrap_or_default())
    });
    add(
        m,
        "regexReplaceAll",
        &[P::Str, P::Str, P::Str],
        None,
        |_, a| {
            let r = must_compile(&arg_str(&a, 0))?;
            s(r.replace_all(&arg_str(&a, 1), arg_str(&a, 2).as_str())
                .into_owned())
        },
    );
    add(
        m,
        "mustRegexReplaceAll",
        &[P::Str, P::Str, P::Str],
        None,
        |_, a| {
            let r = compile(&arg_str(&a, 0))?;
            s(r.replace_all(&arg_str(&a, 1), arg_str(&a, 2).as_str())
                .into_owned())
        },
    );
    add(
        m,
        "regexReplaceAllLiteral",
        &[P::Str, P::Str, P::Str],
        None,
        |_, a| {
            let r = must_compile(&arg_str(&a, 0))?;
            s(
                r.replace_all(&arg_str(&a, 1), regex::NoExpand(&arg_str(&a, 2)))
                    .into_owned(),
            )
        },
    );
    add(
        m,
        "mustRegexReplaceAllLiteral",
        &[P::Str, P::Str, P::Str],
        None,
        |_, a| {
            let r = compile(&arg_str(&a, 0))?;
            s(
                r.replace_all(&arg_str(&a, 1), regex::NoExpand(&arg_str(&a, 2)))
                    .into_owned(),
            )
        },
    );
    add(m, "regexSplit", &[P::Str, P::Str, P::Int], None, |_, a| {
        let r = must_compile(&arg_str(&a, 0))?;
        split_result(
            regex_split(&r, &arg_str(&a, 1), arg_int(&a, 2)),
            arg_int(&a, 2),
        )
    });
    add(
        m,
        "mustRegexSplit",
        &[P::Str, P::Str, P::Int],
        None,
        |_, a| {
            let r = compile(&arg_str(&a, 0))?;
            split_result(
                regex_split(&r, &arg_str(&a, 1), arg_int(&a, 2)),
                arg_int(&a, 2),
            )
        },
    );
    add(m, "regexQuoteMeta", &[P::Str], None, |_, a| {
        s(regex::escape(&arg_str(&a, 0)))
    });
    // Semantic versions.
    add(m, "semver", &[P::Str], None, |_, a| {
        let v = parse_version(&arg_str(&a, 0))?;
        Ok(Value::Object(Rc::new(v)))
    });
    add(m, "semverCompare", &[P::Str, P::Str], None, |_, a| {
        semver_compare(&arg_str(&a, 0), &arg_str(&a, 1)).map(Value::Bool)
    });
    // Paths.
    for (n, f) in [
        ("base", base as fn(&str) -> String),
        ("osBase", base),
        ("dir", dir),
        ("osDir", dir),
        ("clean", clean_path),
        ("osClean", clean_path),
        ("ext", ext),
        ("osExt", ext),
    ] {
        let _ = f;
        add(
            m,
            n,
            &[P::Str],
            None,
            match n {
                "base" | "osBase" => |_, a| s(base(&arg_str(&a, 0))),
                "dir" | "osDir" => |_, a| s(dir(&arg_str(&a, 0))),
                "clean" | "osClean" => |_, a| s(clean_path(&arg_str(&a, 0))),
                _ => |_, a| s(ext(&arg_str(&a, 0))),
            },
        );
    }
    add(m, "isAbs", &[P::Str], None, |_, a| {
        Ok(Value::Bool(arg_str(&a, 0).starts_with('/')))
    });
    add(m, "osIsAbs", &[P::Str], None, |_, a| {
        Ok(Value::Bool(arg_str(&a, 0).starts_with('/')))
    });
    // Random values.
    add(m, "randAlphaNum", &[P::Int], None, |_, a| {
        s(rand_from(ALNUM, arg_int(&a, 0)))
    });
    add(m, "randAlpha", &[P::Int], None, |_, a| {
        s(rand_from(&ALNUM[..52], arg_int(&a, 0)))
    });
    add(m, "randNumeric", &[P::Int], None, |_, a| {
        s(rand_from(&ALNUM[52..], arg_int(&a, 0)))
    });
    add(m, "randAscii", &[P::Int], None, |_, a| {
        let set: Vec<u8> = (32u8..127).collect();
        s(rand_from(&set, arg_int(&a, 0)))
    });
    add(m, "randBytes", &[P::Int], None, |_, a| {
        let b: Vec<u8> = (0..arg_int(&a, 0).max(0))
            .map(|_| random_u64() as u8)
            .collect();
        s(base64::engine::general_purpose::STANDARD.encode(b))
    });
    add(m, "shuffle", &[P::Str], None, |_, a| {
        let mut c: Vec<char> = arg_str(&a, 0).chars().collect();
        for i in (1..c.len()).rev() {
            let j = (random_u64() % (i as u64 + 1)) as usize;
            c.swap(i, j);
        }
        s(c.into_iter().collect())
    });
    add(m, "uuidv4", &[], None, |_, _| {
        let mut b = [0u8; 16];
        for x in b.iter_mut() {
            *x = random_u64() as u8;
        }
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex(&b);
        s(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    });
    add(m, "getHostByName", &[P::Str], None, |_, _| s(String::new()));
    add(m, "fail", &[P::Str], None, |_, a| Err(arg_str(&a, 0)));
    let _ = arg;
}

fn base32_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64);
        let n = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < n {
                out.push(A[((bits >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base32_decode(s: &str) -> Result<Vec<u8>, String> {
    let s = s.replace(['\r', '\n'], "");
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(8) {
        return Err(format!(
            "illegal base32 data at input byte {}",
            bytes.len() - bytes.len() % 8
        ));
    }
    for (ci, chunk) in bytes.chunks(8).enumerate() {
        let mut bits = 0u64;
        let mut n = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'2'..=b'7' => c - b'2' + 26,
                b'=' => break,
                _ => return Err(format!("illegal base32 data at input byte {}", ci * 8 + i)),
            };
            bits |= (v as u64) << (35 - i * 5);
            n += 1;
        }
        let nbytes = n * 5 / 8;
        for i in 0..nbytes {
            out.push((bits >> (32 - i * 8)) as u8);
        }
    }
    Ok(out)
}

/// A `[]string` that is nil when empty, as Go's regexp returns no matches.
fn nil_if_empty(items: Vec<String>) -> Value {
    Value::list_or_nil(
        items.into_iter().map(Value::from).collect(),
        crate::value::Elem::String,
    )
}

/// Go's `Regexp.Split` returns nil for n == 0 and a non-nil slice otherwise.
fn split_result(items: Vec<String>, n: i64) -> Result<Value, String> {
    if n == 0 {
        return Ok(Value::nil_list(crate::value::Elem::String));
    }
    Ok(super::sprig_strings::str_list(items))
}
