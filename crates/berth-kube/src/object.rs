//! Accessors for unstructured objects (`serde_json::Value`), the form every object takes here.

use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// Read and write the common fields of an unstructured Kubernetes object.
pub trait ObjectExt {
    fn api_version(&self) -> &str;
    fn kind(&self) -> &str;
    fn name(&self) -> &str;
    fn generate_name(&self) -> &str;
    fn namespace(&self) -> &str;
    fn uid(&self) -> &str;
    fn resource_version(&self) -> &str;
    fn labels(&self) -> Option<&Map<String, Value>>;
    fn annotations(&self) -> Option<&Map<String, Value>>;
    fn label(&self, key: &str) -> Option<&str>;
    fn annotation(&self, key: &str) -> Option<&str>;
    fn finalizers(&self) -> Vec<String>;
    fn deletion_timestamp(&self) -> Option<&str>;
    /// The value at a dotted path of plain field names: `spec.replicas`.
    fn path(&self, dotted: &str) -> Option<&Value>;
    /// `metadata`, created as an empty object when absent (or not an object).
    fn metadata_mut(&mut self) -> &mut Map<String, Value>;
    fn set_meta(&mut self, key: &str, value: Value);
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

impl ObjectExt for Value {
    fn api_version(&self) -> &str {
        str_at(self, "apiVersion")
    }
    fn kind(&self) -> &str {
        str_at(self, "kind")
    }
    fn name(&self) -> &str {
        self.get("metadata")
            .map(|m| str_at(m, "name"))
            .unwrap_or("")
    }
    fn generate_name(&self) -> &str {
        self.get("metadata")
            .map(|m| str_at(m, "generateName"))
            .unwrap_or("")
    }
    fn namespace(&self) -> &str {
        self.get("metadata")
            .map(|m| str_at(m, "namespace"))
            .unwrap_or("")
    }
    fn uid(&self) -> &str {
        self.get("metadata").map(|m| str_at(m, "uid")).unwrap_or("")
    }
    fn resource_version(&self) -> &str {
        self.get("metadata")
            .map(|m| str_at(m, "resourceVersion"))
            .unwrap_or("")
    }
    fn labels(&self) -> Option<&Map<String, Value>> {
        self.get("metadata")?.get("labels")?.as_object()
    }
    fn annotations(&self) -> Option<&Map<String, Value>> {
        self.get("metadata")?.get("annotations")?.as_object()
    }
    fn label(&self, key: &str) -> Option<&str> {
        self.labels()?.get(key)?.as_str()
    }
    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations()?.get(key)?.as_str()
    }
    fn finalizers(&self) -> Vec<String> {
        self.get("metadata")
            .and_then(|m| m.get("finalizers"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    fn deletion_timestamp(&self) -> Option<&str> {
        self.get("metadata")?.get("deletionTimestamp")?.as_str()
    }
    fn path(&self, dotted: &str) -> Option<&Value> {
        dotted.split('.').try_fold(self, |v, key| v.get(key))
    }
    fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        if !self.is_object() {
            *self = Value::Object(Map::new());
        }
        let Value::Object(root) = self else {
            unreachable!("made an object above")
        };
        let meta = root
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        match meta {
            Value::Object(m) => m,
            _ => unreachable!("made an object above"),
        }
    }
    fn set_meta(&mut self, key: &str, value: Value) {
        self.metadata_mut().insert(key.to_string(), value);
    }
}

/// The current time as the API writes timestamps: RFC 3339 in UTC with second precision.
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339_from_unix(secs as i64)
}

/// Formats seconds since the Unix epoch as `2026-11-26T11:00:00Z`.
pub fn rfc3339_from_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Parses `2026-11-26T11:00:00Z` (also with fractional seconds or an offset) to Unix seconds.
pub fn unix_from_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest.get(1..3)?.parse::<i64>().ok()? * 3600
                + rest.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(
            unix_from_rfc3339("2026-11-18T11:06:40Z"),
            Some(1_795_000_000)
        );
        assert_eq!(
            unix_from_rfc3339("2026-11-18T12:06:40.123+01:00"),
            Some(1_795_000_000)
        );
        assert_eq!(unix_from_rfc3339("garbage"), None);
    }

    #[test]
    fn accessors_tolerate_missing_fields() {
        let mut obj = json!({"kind": "ConfigMap", "metadata": "oops"});
        assert_eq!(obj.name(), "");
        obj.set_meta("name", json!("x"));
        assert_eq!(obj.name(), "x");
        assert_eq!(obj.kind(), "ConfigMap");
        assert_eq!(
            json!({"spec": {"replicas": 3}}).path("spec.replicas"),
            Some(&json!(3))
        );
    }
}
