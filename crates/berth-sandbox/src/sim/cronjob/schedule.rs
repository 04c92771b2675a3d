//! The standard five-field cron syntax CronJobs use (what robfig/cron's `ParseStandard`
//! accepts, less `@every`, which Kubernetes does not allow): minute, hour, day of month,
//! month, day of week; `*`, `?`, values, ranges `a-b`, steps `*/n` and `a/n` (from a to the
//! end), lists, and the names `JAN`..`DEC`, `SUN`..`SAT`; plus `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. Times are UTC minutes.
//! When both day fields are restricted a day matching either runs, as cron does.

/// A parsed schedule: the allowed values of each field as bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    /// The day fields were `*` (or `?`): then both must match, else either.
    any_day_of_month: bool,
    any_day_of_week: bool,
}

struct Field {
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
};
const DAY_OF_WEEK: Field = Field {
    min: 0,
    max: 6,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};

/// How far ahead a next time is looked for before the schedule is declared never to fire.
const SEARCH_YEARS: i64 = 5;

impl Schedule {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let expanded = match text.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(format!("unrecognized descriptor: {text}"));
            }
            _ => text,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: {text}",
                fields.len()
            ));
        }
        let (minutes, _) = parse_field(fields[0], &MINUTE)?;
        let (hours, _) = parse_field(fields[1], &HOUR)?;
        let (days_of_month, any_day_of_month) = parse_field(fields[2], &DAY_OF_MONTH)?;
        let (months, _) = parse_field(fields[3], &MONTH)?;
        let (days_of_week, any_day_of_week) = parse_field(fields[4], &DAY_OF_WEEK)?;
        Ok(Self {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            any_day_of_month,
            any_day_of_week,
        })
    }

    /// The first scheduled time strictly after `after` (Unix seconds), if there is one within
    /// a few years (`0 0 30 2 *` never fires).
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let mut minute = after.div_euclid(60) + 1;
        let (limit_year, _, _) = civil_from_days(minute.div_euclid(1440));
        let limit_year = limit_year + SEARCH_YEARS;
        // Each step either matches or skips at least a minute, and whole months or days when
        // those do not match, so the loop ends quickly even for rare schedules.
        loop {
            let day = minute.div_euclid(1440);
            let (year, month, date) = civil_from_days(day);
            if year > limit_year {
                return None;
            }
            if !has(self.months, month as u32) {
                let (y, m) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                minute = days_from_civil(y, m, 1) * 1440;
                continue;
            }
            if !self.day_matches(date as u32, day) {
                minute = (day + 1) * 1440;
                continue;
            }
            let of_day = minute.rem_euclid(1440);
            if !has(self.hours, (of_day / 60) as u32) {
                minute = day * 1440 + (of_day / 60 + 1) * 60;
                continue;
            }
            if !has(self.minutes, (of_day % 60) as u32) {
                minute += 1;
                continue;
            }
            return Some(minute * 60);
        }
    }

    fn day_matches(&self, date: u32, day: i64) -> bool {
        let weekday = (day + 4).rem_euclid(7) as u32;
        let by_date = has(self.days_of_month, date);
        let by_weekday = has(self.days_of_week, weekday);
        if self.any_day_of_month || self.any_day_of_week {
            by_date && by_weekday
        } else {
            by_date || by_weekday
        }
    }
}

fn has(bits: u64, value: u32) -> bool {
    value < 64 && bits & (1 << value) != 0
}

/// One field's allowed values, and whether it was an unrestricted `*`/`?`.
fn parse_field(text: &str, field: &Field) -> Result<(u64, bool), String> {
    let mut bits = 0;
    let mut star = false;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("invalid step in {part:?}"))?;
                if step == 0 {
                    return Err(format!("step of zero in {part:?}"));
                }
                (r, Some(step))
            }
            None => (part, None),
        };
        let (low, high) = if range == "*" || range == "?" {
            star |= step.is_none_or(|s| s == 1);
            (field.min, field.max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, field)?, value(b, field)?)
        } else {
            let v = value(range, field)?;
            // `a/n` runs from a to the end of the field.
            (v, if step.is_some() { field.max } else { v })
        };
        if low > high {
            return Err(format!(
                "beginning of range ({low}) beyond end of range ({high}): {part}"
            ));
        }
        let step = step.unwrap_or(1);
        let mut v = low;
        while v <= high {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, star))
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    let v = match field.names.iter().position(|n| *n == upper) {
        Some(i) => i as u32 + field.min,
        None => text
            .parse::<u32>()
            .map_err(|_| format!("failed to parse int from {text}"))?,
    };
    if v < field.min || v > field.max {
        return Err(format!("{v} out of range [{}, {}]", field.min, field.max));
    }
    Ok(v)
}

/// Days since 1970-01-01 from a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_kube::{rfc3339_from_unix, unix_from_rfc3339};

    fn next(schedule: &str, after: &str) -> String {
        let s = Schedule::parse(schedule).unwrap_or_else(|e| panic!("{schedule}: {e}"));
        let t = unix_from_rfc3339(after).unwrap_or_else(|| panic!("bad time {after}"));
        s.next_after(t)
            .map(rfc3339_from_unix)
            .unwrap_or_else(|| "never".into())
    }

    #[test]
    fn every_minute_is_the_next_whole_minute() {
        assert_eq!(
            next("* * * * *", "2026-11-26T10:00:00Z"),
            "2026-11-26T10:01:00Z"
        );
        assert_eq!(
            next("* * * * *", "2026-11-26T10:00:59Z"),
            "2026-11-26T10:01:00Z"
        );
        assert_eq!(
            next("*/15 * * * *", "2026-11-26T10:16:00Z"),
            "2026-11-26T10:30:00Z"
        );
        assert_eq!(
            next("5/20 * * * *", "2026-11-26T10:46:00Z"),
            "2026-11-26T11:05:00Z"
        );
    }

    #[test]
    fn ranges_lists_and_names() {
        // 2026-11-26 is a Thursday.
        assert_eq!(
            next("30 9 * * MON-FRI", "2026-11-27T10:00:00Z"),
            "2026-11-30T09:30:00Z"
        );
        assert_eq!(
            next("0 0 1 jan,Jul *", "2026-11-26T00:00:00Z"),
            "2027-01-01T00:00:00Z"
        );
        assert_eq!(
            next("0 12 * * 0", "2026-11-26T00:00:00Z"),
            "2026-11-29T12:00:00Z"
        );
        assert_eq!(
            next("0 22-23/1 * * *", "2026-11-26T23:30:00Z"),
            "2026-11-27T22:00:00Z"
        );
        assert_eq!(
            next("0 0 29 2 *", "2026-03-01T00:00:00Z"),
            "2028-02-29T00:00:00Z"
        );
    }

    #[test]
    fn restricted_day_fields_match_either() {
        // The 1st of the month or any Friday: Friday 2026-11-27 comes first.
        assert_eq!(
            next("0 0 1 * FRI", "2026-11-26T00:00:00Z"),
            "2026-11-27T00:00:00Z"
        );
        // With `*` in the day of month only the weekday counts.
        assert_eq!(
            next("0 0 * * FRI", "2026-11-27T00:00:00Z"),
            "2026-12-04T00:00:00Z"
        );
        // A stepped star is a restriction, so either day matches.
        assert_eq!(
            next("0 0 */10 * SUN", "2026-11-26T00:00:00Z"),
            "2026-11-29T00:00:00Z"
        );
    }

    #[test]
    fn descriptors_expand() {
        assert_eq!(
            next("@hourly", "2026-11-26T10:00:00Z"),
            "2026-11-26T11:00:00Z"
        );
        assert_eq!(
            next("@daily", "2026-11-26T10:00:00Z"),
            "2026-11-27T00:00:00Z"
        );
        assert_eq!(
            next("@weekly", "2026-11-26T10:00:00Z"),
            "2026-11-29T00:00:00Z"
        );
        assert_eq!(
            next("@monthly", "2026-11-26T10:00:00Z"),
            "2026-12-01T00:00:00Z"
        );
        assert_eq!(
            next("@yearly", "2026-11-26T10:00:00Z"),
            "2027-01-01T00:00:00Z"
        );
    }

    #[test]
    fn impossible_dates_never_fire() {
        assert_eq!(next("0 0 30 2 *", "2026-01-01T00:00:00Z"), "never");
    }

    #[test]
    fn invalid_schedules_are_rejected() {
        for bad in [
            "@every 5m",
            "@reboot",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "* * * FOO *",
            "",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-800_000, -1, 0, 59, 365, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
