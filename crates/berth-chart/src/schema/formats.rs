//! The `format` assertions of santhosh-tekuri/jsonschema v6.0.3, with its messages (the
//! text after `... is not valid FORMAT: `). Formats it does not know pass; so do values
//! that are not strings. Checks slice strings by bytes, as Go does.

use super::golang::{self, quote_rune, runes};

type Res = Result<(), String>;

/// Checks `s` against the format `name`.
pub fn check(name: &str, s: &str) -> Res {
    let b = s.as_bytes();
    match name {
        "regex" => berth_template::goregexp::check(s),
        "json-pointer" => json_pointer(b),
        "relative-json-pointer" => relative_json_pointer(b),
        "uuid" => uuid(b),
        "duration" => duration(b),
        "period" => period(b),
        "ipv4" => ipv4(b),
        "ipv6" => ipv6(b),
        "hostname" => hostname(b),
        "email" => email(b),
        "date" => golang::parse_date(b),
        "time" => time(b),
        "date-time" => date_time(b),
        "uri" | "iri" => uri(b),
        "uri-reference" | "iri-reference" => uri_reference(b),
        "uri-template" => uri_template(b),
        "semver" => semver(b),
        _ => Ok(()),
    }
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

fn json_pointer(b: &[u8]) -> Res {
    if b.is_empty() {
        return Ok(());
    }
    if b[0] != b'/' {
        return Err("not starting with /".into());
    }
    for tok in b[1..].split(|&c| c == b'/') {
        let mut escape = false;
        for c in runes(tok) {
            if escape {
                escape = false;
                if c != '0' && c != '1' {
                    return Err("~ must be followed by 0 or 1".into());
                }
                continue;
            }
            if c == '~' {
                escape = true;
            }
        }
        if escape {
            return Err("~ must be followed by 0 or 1".into());
        }
    }
    Ok(())
}

fn relative_json_pointer(b: &[u8]) -> Res {
    let n = count_digits(b);
    if n == 0 {
        return Err("must start with non-negative integer".into());
    }
    if n > 1 && b[0] == b'0' {
        return Err("starts with zero".into());
    }
    let rest = &b[n..];
    if rest == b"#" {
        return Ok(());
    }
    json_pointer(rest)
}

fn uuid(b: &[u8]) -> Res {
    const LENS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&[u8]> = b.split(|&c| c == b'-').collect();
    if groups.len() != LENS.len() {
        return Err("must have 5 elements".into());
    }
    for (i, g) in groups.iter().enumerate() {
        if g.len() != LENS[i] {
            return Err(format!(
                "element {} must be {} characters long",
                i + 1,
                LENS[i]
            ));
        }
        if let Some(c) = runes(g).find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!("non-hex character {}", quote_rune(c)));
        }
    }
    Ok(())
}

/// RFC 3339 appendix A durations.
fn duration(b: &[u8]) -> Res {
    let Some(s) = b.strip_prefix(b"P") else {
        return Err("must start with P".into());
    };
    if s.is_empty() {
        return Err("nothing after P".into());
    }
    if let Some(weeks) = s.strip_suffix(b"W") {
        if weeks.is_empty() {
            return Err("no number in week".into());
        }
        if !weeks.iter().all(u8::is_ascii_digit) {
            return Err("invalid week".into());
        }
        return Ok(());
    }
    const ALL: [&[u8]; 2] = [b"YMD", b"HMS"];
    for (i, part) in s.split(|&c| c == b'T').enumerate() {
        if i != 0 && part.is_empty() {
            return Err("no time elements".into());
        }
        if i >= ALL.len() {
            return Err("more than one T".into());
        }
        let mut units = ALL[i];
        let mut part = part;
        while !part.is_empty() {
            let n = count_digits(part);
            if n == 0 {
                return Err("missing number".into());
            }
            part = &part[n..];
            let Some(&unit) = part.first() else {
                return Err("missing unit".into());
            };
            // `%q` of a byte: the rune of that value.
            let shown = quote_rune(char::from(unit));
            match units.iter().position(|&u| u == unit) {
                Some(j) => units = &units[j + 1..],
                None if ALL[i].contains(&unit) => {
                    return Err(format!("unit {shown} out of order"));
                }
                None => return Err(format!("invalid unit {shown}")),
            }
            part = &part[1..];
        }
    }
    Ok(())
}

fn period(b: &[u8]) -> Res {
    let Some(slash) = b.iter().position(|&c| c == b'/') else {
        return Err("missing slash".into());
    };
    let (start, end) = (&b[..slash], &b[slash + 1..]);
    if start.starts_with(b"P") {
        duration(start).map_err(|e| format!("invalid start duration: {e}"))?;
        date_time(end).map_err(|e| format!("invalid end date-time: {e}"))
    } else {
        date_time(start).map_err(|e| format!("invalid start date-time: {e}"))?;
        if end.starts_with(b"P") {
            duration(end).map_err(|e| format!("invalid end duration: {e}"))
        } else {
            date_time(end).map_err(|e| format!("invalid end date-time: {e}"))
        }
    }
}

pub(super) fn ipv4(b: &[u8]) -> Res {
    let groups: Vec<&[u8]> = b.split(|&c| c == b'.').collect();
    if groups.len() != 4 {
        return Err("expected four decimals".into());
    }
    for g in groups {
        if g.len() > 1 && g[0] == b'0' {
            return Err("leading zeros".into());
        }
        let n = golang::atoi(g)?;
        if !(0..=255).contains(&n) {
            return Err("decimal must be between 0 and 255".into());
        }
    }
    Ok(())
}

fn ipv6(b: &[u8]) -> Res {
    if !b.contains(&b':') {
        return Err("missing colon".into());
    }
    let addr = golang::parse_addr(b)?;
    if !addr.zone.is_empty() {
        return Err("zone id is not a part of ipv6 address".into());
    }
    Ok(())
}

pub(super) fn hostname(b: &[u8]) -> Res {
    let s = b.strip_suffix(b".").unwrap_or(b);
    if s.len() > 253 {
        return Err("more than 253 characters long".into());
    }
    for label in s.split(|&c| c == b'.') {
        if label.is_empty() || label.len() > 63 {
            return Err("label must be 1 to 63 characters long".into());
        }
        if label[0] == b'-' {
            return Err("label starts with hyphen".into());
        }
        if label[label.len() - 1] == b'-' {
            return Err("label ends with hyphen".into());
        }
        if let Some(c) = runes(label).find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(format!("invalid character {}", quote_rune(c)));
        }
    }
    Ok(())
}

fn email(b: &[u8]) -> Res {
    if b.len() > 254 {
        return Err("more than 255 characters long".into());
    }
    let Some(at) = b.iter().rposition(|&c| c == b'@') else {
        return Err("missing @".into());
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.len() > 64 {
        return Err("local part more than 64 characters long".into());
    }
    if local.len() > 1 && local[0] == b'"' && local[local.len() - 1] == b'"' {
        let inner = &local[1..local.len() - 1];
        if inner.contains(&b'\\') || inner.contains(&b'"') {
            return Err("backslash and quote are not allowed within quoted local part".into());
        }
    } else {
        if local.first() == Some(&b'.') {
            return Err("starts with dot".into());
        }
        if local.last() == Some(&b'.') {
            return Err("ends with dot".into());
        }
        if local.windows(2).any(|w| w == b"..") {
            return Err("consecutive dots".into());
        }
        if let Some(c) = runes(local)
            .find(|&c| !(c.is_ascii_alphanumeric() || ".!#$%&'*+-/=?^_`{|}~".contains(c)))
        {
            return Err(format!("invalid character {}", quote_rune(c)));
        }
    }
    if domain.len() >= 2 && domain[0] == b'[' && domain[domain.len() - 1] == b']' {
        let inner = &domain[1..domain.len() - 1];
        if let Some(v6) = inner.strip_prefix(b"IPv6:") {
            return ipv6(v6).map_err(|e| format!("invalid ipv6 address: {e}"));
        }
        return ipv4(inner).map_err(|e| format!("invalid ipv4 address: {e}"));
    }
    hostname(domain).map_err(|e| format!("invalid domain: {e}"))
}

/// RFC 3339 `full-time`, leap seconds allowed only at 23:59:60 UTC.
fn time(b: &[u8]) -> Res {
    if b.len() < 9 {
        return Err("less than 9 characters long".into());
    }
    if b[2] != b':' || b[5] != b':' {
        return Err("missing colon in correct place".into());
    }
    let mut hms = [0i64; 3];
    for (i, tok) in [&b[0..2], &b[3..5], &b[6..8]].into_iter().enumerate() {
        let n = golang::atoi(tok).map_err(|_| "invalid hour/min/sec".to_string())?;
        if n < 0 {
            return Err("non-positive hour/min/sec".into());
        }
        hms[i] = n;
    }
    let [mut h, mut m, s] = hms;
    if h > 23 || m > 59 || s > 60 {
        return Err("hour/min/sec out of range".into());
    }
    let mut rest = &b[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = count_digits(frac);
        if n == 0 {
            return Err("no digits in second fraction".into());
        }
        rest = &frac[n..];
    }
    if rest != b"z" && rest != b"Z" {
        if rest.len() != 6 {
            return Err("offset must be 6 characters long".into());
        }
        let sign = match rest[0] {
            b'+' => -1,
            b'-' => 1,
            _ => return Err("offset must begin with plus/minus".into()),
        };
        let off = &rest[1..];
        if off[2] != b':' {
            return Err("missing colon in offset in correct place".into());
        }
        let mut zhm = [0i64; 2];
        for (i, tok) in [&off[0..2], &off[3..5]].into_iter().enumerate() {
            let n = golang::atoi(tok).map_err(|_| "invalid hour/min in offset".to_string())?;
            if n < 0 {
                return Err("non-positive hour/min in offset".into());
            }
            zhm[i] = n;
        }
        let [zh, zm] = zhm;
        if zh > 23 || zm > 59 {
            return Err("hour/min in offset out of range".into());
        }
        let mut hm = (h * 60 + m) + sign * (zh * 60 + zm);
        if hm < 0 {
            hm += 24 * 60;
        }
        (h, m) = (hm / 60, hm % 60);
    }
    if s >= 60 && (h != 23 || m != 59) {
        return Err("invalid leap second".into());
    }
    Ok(())
}

fn date_time(b: &[u8]) -> Res {
    if b.len() < 20 {
        return Err("less than 20 characters long".into());
    }
    if b[10] != b't' && b[10] != b'T' {
        return Err("11th character must be t or T".into());
    }
    golang::parse_date(&b[..10]).map_err(|e| format!("invalid date element: {e}"))?;
    time(&b[11..]).map_err(|e| format!("invalid time element: {e}"))
}

/// `url.Parse`, and an IPv6 host must be in brackets and without zone.
fn parse_url(b: &[u8]) -> Result<golang::Url, String> {
    let u = golang::parse_url(b)?;
    let host = u.hostname();
    if host.contains(&b':') {
        if !u.host.contains(&b'[') || !u.host.contains(&b']') {
            return Err("ipv6 address not enclosed in brackets".into());
        }
        ipv6(host).map_err(|e| format!("invalid ipv6 address: {e}"))?;
    }
    Ok(u)
}

fn uri(b: &[u8]) -> Res {
    if !parse_url(b)?.is_abs() {
        return Err("relative url".into());
    }
    Ok(())
}

fn uri_reference(b: &[u8]) -> Res {
    if b.contains(&b'\\') {
        return Err("contains \\".into());
    }
    parse_url(b).map(|_| ())
}

fn uri_template(b: &[u8]) -> Res {
    let u = parse_url(b)?;
    for tok in u.raw_path.split(|&c| c == b'/') {
        let tok = golang::path_unescape(tok).map_err(|e| format!("percent decode failed: {e}"))?;
        let mut want_open = true;
        for c in runes(&tok) {
            let open = match c {
                '{' => true,
                '}' => false,
                _ => continue,
            };
            if open != want_open {
                return Err("nested curly braces".into());
            }
            want_open = !want_open;
        }
        if !want_open {
            return Err("no matching closing brace".into());
        }
    }
    Ok(())
}

/// semver.org's grammar.
fn semver(b: &[u8]) -> Res {
    let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let mut s = b;
    if let Some(i) = s.iter().position(|&c| c == b'+') {
        let build = &s[i + 1..];
        if build.is_empty() {
            return Err("build is empty".into());
        }
        for id in build.split(|&c| c == b'.') {
            if id.is_empty() {
                return Err("build identifier is empty".into());
            }
            if let Some(c) = runes(id).find(|&c| !ident_char(c)) {
                return Err(format!(
                    "invalid character {} in build identifier",
                    quote_rune(c)
                ));
            }
        }
        s = &s[..i];
    }
    if let Some(i) = s.iter().position(|&c| c == b'-') {
        for id in s[i + 1..].split(|&c| c == b'.') {
            if id.is_empty() {
                return Err("pre-release identifier is empty".into());
            }
            if let Some(c) = runes(id).find(|&c| !ident_char(c)) {
                return Err(format!(
                    "invalid character {} in pre-release identifier",
                    quote_rune(c)
                ));
            }
            if id.len() > 1 && id[0] == b'0' && id.iter().all(u8::is_ascii_digit) {
                return Err("pre-release numeric identifier starts with zero".into());
            }
        }
        s = &s[..i];
    }
    let parts: Vec<&[u8]> = s.split(|&c| c == b'.').collect();
    if parts.len() != 3 {
        return Err("versionCore must have 3 numbers separated by dot".into());
    }
    for (part, name) in parts.iter().zip(["major", "minor", "patch"]) {
        if part.is_empty() {
            return Err(format!("{name} is empty"));
        }
        if part.len() > 1 && part[0] == b'0' {
            return Err(format!("{name} starts with zero"));
        }
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(format!("{name} contains non-digit"));
        }
    }
    Ok(())
}
