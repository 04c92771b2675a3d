//! Sprig's date functions over a Go-like `time.Time`, with Go's layouts.
//!
//! Time zones: "Local" is UTC (renders must not depend on the machine), "UTC"
//! is UTC, and other zone names fall back to UTC as Go does when it cannot
//! load them.

use std::rc::Rc;

use super::{FuncMap, P, add, arg, arg_str};
use crate::value::{Object, Value};

/// A point in time: seconds and nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Time {
    pub secs: i64,
    pub nanos: u32,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Days since 1970-01-01 to (year, month 1-12, day 1-31).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
    weekday: usize,
    yday: u32,
}

impl Time {
    fn parts(&self) -> Parts {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let yday = (days - days_from_civil(year, 1, 1)) as u32 + 1;
        Parts {
            year,
            month,
            day,
            hour: rem / 3600,
            min: rem % 3600 / 60,
            sec: rem % 60,
            nanos: self.nanos,
            weekday: (days + 4).rem_euclid(7) as usize,
            yday,
        }
    }

    /// The zero time.Time: January 1, year 1, 00:00:00 UTC.
    pub(crate) fn zero() -> Time {
        Time {
            secs: days_from_civil(1, 1, 1) * 86_400,
            nanos: 0,
        }
    }

    fn now() -> Time {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }

    fn add_nanos(&self, d: i64) -> Time {
        let total = self.nanos as i128 + d as i128;
        let secs = self.secs as i128 + total.div_euclid(1_000_000_000);
        Time {
            secs: secs.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            nanos: total.rem_euclid(1_000_000_000) as u32,
        }
    }

    /// Go's Time.String (without a monotonic reading).
    fn go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    /// Go's Time.Format with a reference layout.
    pub(crate) fn format(&self, layout: &str) -> String {
        let p = self.parts();
        let mut out = String::new();
        let b = layout.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let rest = &layout[i..];
            let (tok, len) =
                next_token(rest, i > 0 && b.get(i - 1).is_some_and(u8::is_ascii_digit));
            match tok {
                Tok::Lit => {
                    let c = rest.chars().next().unwrap_or(' ');
                    out.push(c);
                    i += c.len_utf8();
                    continue;
                }
                Tok::LongMonth => out.push_str(MONTHS[(p.month - 1) as usize]),
                Tok::Month => out.push_str(&MONTHS[(p.month - 1) as usize][..3]),
                Tok::NumMonth => out.push_str(&p.month.to_string()),
                Tok::ZeroMonth => out.push_str(&format!("{:02}", p.month)),
                Tok::LongWeekDay => out.push_str(DAYS[p.weekday]),
                Tok::WeekDay => out.push_str(&DAYS[p.weekday][..3]),
                Tok::Day => out.push_str(&p.day.to_string()),
                Tok::UnderDay => out.push_str(&format!("{:>2}", p.day)),
                Tok::ZeroDay => out.push_str(&format!("{:02}", p.day)),
                Tok::UnderYearDay => out.push_str(&format!("{:>3}", p.yday)),
                Tok::ZeroYearDay => out.push_str(&format!("{:03}", p.yday)),
                Tok::Hour => out.push_str(&format!("{:02}", p.hour)),
                Tok::Hour12 => out.push_str(
                    &(if p.hour.is_multiple_of(12) {
                        12
                    } else {
                        p.hour % 12
                    })
                    .to_string(),
                ),
                Tok::ZeroHour12 => out.push_str(&format!(
                    "{:02}",
                    if p.hour.is_multiple_of(12) {
                        12
                    } else {
                        p.hour % 12
                    }
                )),
                Tok::Minute => out.push_str(&p.min.to_string()),
                Tok::ZeroMinute => out.push_str(&format!("{:02}", p.min)),
                Tok::Second => out.push_str(&p.sec.to_string()),
                Tok::ZeroSecond => out.push_str(&format!("{:02}", p.sec)),
                Tok::LongYear => {
                    if p.year < 0 {
                        out.push_str(&format!("-{:04}", -p.year));
                    } else {
                        out.push_str(&format!("{:04}", p.year));
                    }
                }
                Tok::Year => out.push_str(&format!("{:02}", p.year.rem_euclid(100))),
                Tok::PM => out.push_str(if p.hour >= 12 { "PM" } else { "AM" }),
                Tok::Pm => out.push_str(if p.hour >= 12 { "pm" } else { "am" }),
                Tok::Tz => out.push_str("UTC"),
                Tok::IsoTz => out.push('Z'),
                Tok::NumTz(s) => {
                    // UTC: +0000 in the layout's shape.
                    let s: &str = s;
                    out.push_str(
                        &s.replace("07", "00")
                            .replace("-00", "+00")
                            .replace("-", "+"),
                    );
                }
                Tok::Frac(c, n) => {
                    let digits = format!("{:09}", p.nanos);
                    let sep = &rest[..1];
                    if c == '0' {
                        out.push_str(sep);
                        out.push_str(&digits[..n]);
                    } else {
                        let t = digits[..n].trim_end_matches('0');
                        if !t.is_empty() {
                            out.push_str(sep);
                            out.push_str(t);
                        }
                    }
                }
            }
            i += len;
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
enum Tok {
    Lit,
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    IsoTz,
    NumTz(&'static str),
    Frac(char, usize),
}

/// The layout element at the start of `s` and its length (Go's nextStdChunk).
fn next_token(s: &str, _after_digit: bool) -> (Tok, usize) {
    let starts = |p: &str| s.starts_with(p);
    let Some(c) = s.chars().next() else {
        return (Tok::Lit, 0);
    };
    match c {
        'J' if starts("January") => (Tok::LongMonth, 7),
        'J' if starts("Jan") => (Tok::Month, 3),
        'M' if starts("Monday") => (Tok::LongWeekDay, 6),
        'M' if starts("Mon") => (Tok::WeekDay, 3),
        'M' if starts("MST") => (Tok::Tz, 3),
        '0' if starts("002") => (Tok::ZeroYearDay, 3),
        '0' if starts("01") => (Tok::ZeroMonth, 2),
        '0' if starts("02") => (Tok::ZeroDay, 2),
        '0' if starts("03") => (Tok::ZeroHour12, 2),
        '0' if starts("04") => (Tok::ZeroMinute, 2),
        '0' if starts("05") => (Tok::ZeroSecond, 2),
        '0' if starts("06") => (Tok::Year, 2),
        '1' if starts("15") => (Tok::Hour, 2),
        '1' => (Tok::NumMonth, 1),
        '2' if starts("2006") => (Tok::LongYear, 4),
        '2' => (Tok::Day, 1),
        '_' if starts("__2") => (Tok::UnderYearDay, 3),
        '_' if starts("_2") && !starts("_2006") => (Tok::UnderDay, 2),
        '3' => (Tok::Hour12, 1),
        '4' => (Tok::Minute, 1),
        '5' => (Tok::Second, 1),
        'P' if starts("PM") => (Tok::PM, 2),
        'p' if starts("pm") => (Tok::Pm, 2),
        '-' if starts("-070000") => (Tok::NumTz("-070000"), 7),
        '-' if starts("-07:00:00") => (Tok::NumTz("-07:00:00"), 9),
        '-' if starts("-0700") => (Tok::NumTz("-0700"), 5),
        '-' if starts("-07:00") => (Tok::NumTz("-07:00"), 6),
        '-' if starts("-07") => (Tok::NumTz("-07"), 3),
        'Z' if starts("Z070000") => (Tok::IsoTz, 7),
        'Z' if starts("Z07:00:00") => (Tok::IsoTz, 9),
        'Z' if starts("Z0700") => (Tok::IsoTz, 5),
        'Z' if starts("Z07:00") => (Tok::IsoTz, 6),
        'Z' if starts("Z07") => (Tok::IsoTz, 3),
        '.' | ',' => {
            let b = s.as_bytes();
            match b.get(1) {
                Some(&d @ (b'0' | b'9')) => {
                    let n = b[1..].iter().take_while(|&&x| x == d).count();
                    if b.get(1 + n).is_some_and(u8::is_ascii_digit) {
                        (Tok::Lit, 1)
                    } else {
                        (Tok::Frac(d as char, n.min(9)), 1 + n)
                    }
                }
                _ => (Tok::Lit, 1),
            }
        }
        _ => (Tok::Lit, c.len_utf8()),
    }
}

fn parse_err(value: &str, layout: &str, elem: &str, rest: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        crate::fmt::quote_go(value),
        crate::fmt::quote_go(layout),
        crate::fmt::quote_go(rest),
        crate::fmt::quote_go(elem)
    )
}

fn take_num(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// Go's time.Parse (in UTC) for the layout elements `format` writes.
pub(crate) fn parse_time(layout: &str, value: &str) -> Result<Time, String> {
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nanos) =
        (1i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut offset: i64 = 0;
    let mut v = value;
    let mut i = 0;
    while i < layout.len() {
        let rest_layout = &layout[i..];
        let (tok, len) = next_token(rest_layout, false);
        let elem = &rest_layout[..len.max(1).min(rest_layout.len())];
        let fail = |v: &str| parse_err(value, layout, elem, v);
        match tok {
            Tok::Lit => {
                let c = rest_layout.chars().next().unwrap_or(' ');
                let Some(r) = v.strip_prefix(c) else {
                    return Err(parse_err(value, layout, &c.to_string(), v));
                };
                v = r;
                i += c.len_utf8();
                continue;
            }
            Tok::LongYear => {
                let (y, r) = take_num(v, 4, 4).ok_or_else(|| fail(v))?;
                year = y;
                v = r;
            }
            Tok::Year => {
                let (y, r) = take_num(v, 2, 2).ok_or_else(|| fail(v))?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
                v = r;
            }
            Tok::LongMonth | Tok::Month => {
                let found = MONTHS.iter().enumerate().find_map(|(k, m)| {
                    let name = if matches!(tok, Tok::Month) {
                        &m[..3]
                    } else {
                        m
                    };
                    v.get(..name.len())
                        .filter(|p| p.eq_ignore_ascii_case(name))
                        .map(|_| (k, name.len()))
                });
                let (k, n) = found.ok_or_else(|| fail(v))?;
                month = k as u32 + 1;
                v = &v[n..];
            }
            Tok::LongWeekDay | Tok::WeekDay => {
                let found = DAYS.iter().find_map(|d| {
                    let name = if matches!(tok, Tok::WeekDay) {
                        &d[..3]
                    } else {
                        d
                    };
                    v.get(..name.len())
                        .filter(|p| p.eq_ignore_ascii_case(name))
                        .map(|_| name.len())
                });
                let n = found.ok_or_else(|| fail(v))?;
                v = &v[n..];
            }
            Tok::NumMonth | Tok::ZeroMonth => {
                let (m, r) = take_num(v, if matches!(tok, Tok::ZeroMonth) { 2 } else { 1 }, 2)
                    .ok_or_else(|| fail(v))?;
                if !(1..=12).contains(&m) {
                    return Err(format!(
                        "parsing time {}: month out of range",
                        crate::fmt::quote_go(value)
                    ));
                }
                month = m as u32;
                v = r;
            }
            Tok::Day | Tok::ZeroDay | Tok::UnderDay => {
                let s = if matches!(tok, Tok::UnderDay) {
                    v.strip_prefix(' ').unwrap_or(v)
                } else {
                    v
                };
                let (d, r) = take_num(s, if matches!(tok, Tok::ZeroDay) { 2 } else { 1 }, 2)
                    .ok_or_else(|| fail(v))?;
                day = d as u32;
                v = r;
            }
            Tok::UnderYearDay | Tok::ZeroYearDay => {
                let (_, r) = take_num(v.trim_start(), 3, 3).ok_or_else(|| fail(v))?;
                v = r;
            }
            Tok::Hour => {
                let (h, r) = take_num(v, 2, 2).ok_or_else(|| fail(v))?;
                if h > 23 {
                    return Err(format!(
                        "parsing time {}: hour out of range",
                        crate::fmt::quote_go(value)
                    ));
                }
                hour = h as u32;
                v = r;
            }
            Tok::Hour12 | Tok::ZeroHour12 => {
                let (h, r) = take_num(v, if matches!(tok, Tok::ZeroHour12) { 2 } else { 1 }, 2)
                    .ok_or_else(|| fail(v))?;
                hour = h as u32;
                v = r;
            }
            Tok::Minute | Tok::ZeroMinute => {
                let (m, r) = take_num(v, if matches!(tok, Tok::ZeroMinute) { 2 } else { 1 }, 2)
                    .ok_or_else(|| fail(v))?;
                min = m as u32;
                v = r;
            }
            Tok::Second | Tok::ZeroSecond => {
                let (s, r) = take_num(v, if matches!(tok, Tok::ZeroSecond) { 2 } else { 1 }, 2)
                    .ok_or_else(|| fail(v))?;
                sec = s as u32;
                v = r;
                // Go accepts a fractional second after the seconds even if the layout has none.
                if let Some(frac) = v.strip_prefix('.') {
                    if !layout[i + len..].starts_with(['.', ',']) {
                        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
                        if n > 0 {
                            nanos = format!("{:0<9}", &frac[..n.min(9)]).parse().unwrap_or(0);
                            v = &frac[n..];
                        }
                    }
                }
            }
            Tok::Frac(_, n) => {
                let Some(frac) = v.strip_prefix(['.', ',']) else {
                    return Err(fail(v));
                };
                let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 || (rest_layout.as_bytes().get(1) == Some(&b'0') && digits != n) {
                    return Err(fail(v));
                }
                nanos = format!("{:0<9}", &frac[..digits.min(9)])
                    .parse()
                    .unwrap_or(0);
                v = &frac[digits..];
            }
            Tok::PM | Tok::Pm => {
                let p = v.get(..2).unwrap_or("");
                pm = match p.to_ascii_uppercase().as_str() {
                    "PM" => Some(true),
                    "AM" => Some(false),
                    _ => return Err(fail(v)),
                };
                v = &v[2..];
            }
            Tok::Tz => {
                let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(fail(v));
                }
                v = &v[n..];
            }
            Tok::IsoTz | Tok::NumTz(_) => {
                if matches!(tok, Tok::IsoTz) {
                    if let Some(r) = v.strip_prefix('Z') {
                        v = r;
                        i += len;
                        continue;
                    }
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(fail(v)),
                };
                let (h, r) = take_num(&v[1..], 2, 2).ok_or_else(|| fail(v))?;
                let r = r.strip_prefix(':').unwrap_or(r);
                let (m, r) = take_num(r, 2, 2).unwrap_or((0, r));
                offset = sign * (h * 3600 + m * 60);
                v = r;
            }
        }
        i += len;
    }
    if !v.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            crate::fmt::quote_go(value),
            crate::fmt::quote_go(v)
        ));
    }
    if let Some(p) = pm {
        if p && hour < 12 {
            hour += 12;
        } else if !p && hour == 12 {
            hour = 0;
        }
    }
    let mdays = [
        31,
        if is_leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day < 1 || day > mdays[(month - 1) as usize] {
        return Err(format!(
            "parsing time {}: day out of range",
            crate::fmt::quote_go(value)
        ));
    }
    let secs =
        days_from_civil(year, month, day) * 86_400 + (hour * 3600 + min * 60 + sec) as i64 - offset;
    Ok(Time { secs, nanos })
}

/// Go's time.Duration.String.
pub(crate) fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut s = if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("\u{b5}s", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        format!("{}{unit}", frac_string(u, div))
    } else {
        let mut out = String::new();
        let h = u / 3_600_000_000_000;
        let m = u / 60_000_000_000 % 60;
        let secs = u % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&format!("{}s", frac_string(secs, 1_000_000_000)));
        out
    };
    if neg {
        s.insert(0, '-');
    }
    s
}

fn frac_string(v: u64, div: u64) -> String {
    let int = v / div;
    let frac = v % div;
    if frac == 0 {
        return int.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{frac:0width$}");
    format!("{int}.{}", f.trim_end_matches('0'))
}

/// Go's time.ParseDuration.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let err = || format!("time: invalid duration {}", crate::fmt::quote_go(orig));
    let (neg, mut s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let n = s
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if n == 0 {
            return Err(err());
        }
        let num: f64 = s[..n].parse().map_err(|_| err())?;
        s = &s[n..];
        let u = s
            .chars()
            .take_while(|c| !c.is_ascii_digit() && *c != '.')
            .collect::<String>();
        if u.is_empty() {
            return Err(format!(
                "time: missing unit in duration {}",
                crate::fmt::quote_go(orig)
            ));
        }
        let mult: f64 = match u.as_str() {
            "ns" => 1.0,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::fmt::quote_go(&u),
                    crate::fmt::quote_go(orig)
                ));
            }
        };
        total += num * mult;
        s = &s[u.len()..];
    }
    if total > i64::MAX as f64 {
        return Err(err());
    }
    let d = total.round() as i64;
    Ok(if neg { -d } else { d })
}

impl Object for Time {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Unix"
                | "UnixNano"
                | "Year"
                | "Month"
                | "Day"
                | "Hour"
                | "Minute"
                | "Second"
                | "Nanosecond"
                | "YearDay"
                | "Weekday"
                | "Format"
                | "UTC"
                | "Local"
                | "String"
                | "IsZero"
        )
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let p = self.parts();
        Some(Ok(match name {
            "Unix" => Value::Int64(self.secs),
            "UnixNano" => Value::Int64(
                self.secs
                    .wrapping_mul(1_000_000_000)
                    .wrapping_add(self.nanos as i64),
            ),
            "Year" => Value::Int(p.year),
            "Month" => Value::str(MONTHS[(p.month - 1) as usize]),
            "Day" => Value::Int(p.day as i64),
            "Hour" => Value::Int(p.hour as i64),
            "Minute" => Value::Int(p.min as i64),
            "Second" => Value::Int(p.sec as i64),
            "Nanosecond" => Value::Int(p.nanos as i64),
            "YearDay" => Value::Int(p.yday as i64),
            "Weekday" => Value::str(DAYS[p.weekday]),
            "Format" => {
                Value::from(self.format(args.first().and_then(Value::as_str).unwrap_or("")))
            }
            "UTC" | "Local" => Value::Object(Rc::new(*self)),
            "String" => Value::from(self.go_string()),
            "IsZero" => Value::Bool(*self == Time::zero()),
            _ => return None,
        }))
    }
    fn format_v(&self) -> String {
        self.go_string()
    }
    fn to_data(&self) -> Value {
        Value::from(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
    fn toml_datetime(&self) -> Option<String> {
        Some(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
}

fn time_of(v: &Value) -> Option<Time> {
    match v {
        Value::Object(o) if o.type_name() == "time.Time" => {
            let secs = match o.call("Unix", &[]) {
                Some(Ok(Value::Int64(s))) => s,
                _ => return None,
            };
            let nanos = match o.call("Nanosecond", &[]) {
                Some(Ok(Value::Int(n))) => n as u32,
                _ => 0,
            };
            Some(Time { secs, nanos })
        }
        _ => None,
    }
}

fn time_value(t: Time) -> Value {
    Value::Object(Rc::new(t))
}

fn need_time(v: &Value) -> Result<Time, String> {
    time_of(v).ok_or_else(|| "expected a time.Time".to_string())
}

/// Sprig's dateInZone: times, or Unix seconds as int/int64; anything else is now.
fn date_in_zone(layout: &str, date: &Value) -> String {
    let t = match date {
        Value::Int(s) | Value::Int64(s) => Time { secs: *s, nanos: 0 },
        v => time_of(v).unwrap_or_else(Time::now),
    };
    t.format(layout)
}

fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    let hour = 3_600_000_000_000u64;
    let steps: [(u64, &str); 6] = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (unit, name) in steps {
        if u > unit {
            return format!("{}{name}", u / unit);
        }
    }
    "0s".into()
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "now", &[], None, |_, _| Ok(time_value(Time::now())));
    add(m, "date", &[P::Str, P::Any], None, |_, a| {
        Ok(Value::from(date_in_zone(&arg_str(&a, 0), &arg(&a, 1))))
    });
    for n in ["dateInZone", "date_in_zone"] {
        add(m, n, &[P::Str, P::Any, P::Str], None, |_, a| {
            Ok(Value::from(date_in_zone(&arg_str(&a, 0), &arg(&a, 1))))
        });
    }
    add(m, "htmlDate", &[P::Any], None, |_, a| {
        Ok(Value::from(date_in_zone("2006-01-02", &arg(&a, 0))))
    });
    add(m, "htmlDateInZone", &[P::Any, P::Str], None, |_, a| {
        Ok(Value::from(date_in_zone("2006-01-02", &arg(&a, 0))))
    });
    for n in ["dateModify", "date_modify"] {
        add(m, n, &[P::Str, P::Time], None, |_, a| {
            let t = need_time(&arg(&a, 1))?;
            Ok(time_value(match parse_duration(&arg_str(&a, 0)) {
                Ok(d) => t.add_nanos(d),
                Err(_) => t,
            }))
        });
    }
    for n in ["mustDateModify", "must_date_modify"] {
        add(m, n, &[P::Str, P::Time], None, |_, a| {
            let t = need_time(&arg(&a, 1))?;
            Ok(time_value(t.add_nanos(parse_duration(&arg_str(&a, 0))?)))
        });
    }
    add(m, "ago", &[P::Any], None, |_, a| {
        let t = match arg(&a, 0) {
            Value::Int(s) | Value::Int64(s) => Time { secs: s, nanos: 0 },
            v => time_of(&v).unwrap_or_else(Time::now),
        };
        let now = Time::now();
        let d = (now.secs - t.secs) as i128 * 1_000_000_000 + now.nanos as i128 - t.nanos as i128;
        let rounded = ((d + 500_000_000).div_euclid(1_000_000_000) * 1_000_000_000) as i64;
        Ok(Value::from(duration_string(rounded)))
    });
    add(m, "duration", &[P::Any], None, |_, a| {
        let n = match arg(&a, 0) {
            Value::String(s) => s.parse::<i64>().unwrap_or(0),
            Value::Int64(n) => n,
            _ => 0,
        };
        Ok(Value::from(duration_string(
            n.saturating_mul(1_000_000_000),
        )))
    });
    add(m, "durationRound", &[P::Any], None, |_, a| {
        let d = match arg(&a, 0) {
            Value::String(s) => parse_duration(&s).unwrap_or(0),
            Value::Int64(n) => n,
            v => match time_of(&v) {
                Some(t) => {
                    let now = Time::now();
                    (now.secs - t.secs).saturating_mul(1_000_000_000)
                }
                None => 0,
            },
        };
        Ok(Value::from(duration_round(d)))
    });
    add(m, "toDate", &[P::Str, P::Str], None, |_, a| {
        Ok(time_value(
            parse_time(&arg_str(&a, 0), &arg_str(&a, 1)).unwrap_or_else(|_| Time::zero()),
        ))
    });
    add(m, "mustToDate", &[P::Str, P::Str], None, |_, a| {
        Ok(time_value(parse_time(&arg_str(&a, 0), &arg_str(&a, 1))?))
    });
    add(m, "unixEpoch", &[P::Time], None, |_, a| {
        Ok(Value::from(need_time(&arg(&a, 0))?.secs.to_string()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let t = Time {
            secs: 1_709_596_800 + 3_723,
            nanos: 120_000_000,
        };
        assert_eq!(
            t.format("2006-01-02T15:04:05Z07:00"),
            "2024-03-05T01:02:03Z"
        );
        assert_eq!(
            t.format("Jan _2 3:04PM .000 .999 Monday 002"),
            "Mar  5 1:02AM .120 .12 Tuesday 065"
        );
        assert_eq!(Time::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            parse_time("2006-01-02", "2024-03-05").map(|t| t.secs),
            Ok(1_709_596_800)
        );
        assert_eq!(duration_string(90_000_000_000), "1m30s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
    }
}
