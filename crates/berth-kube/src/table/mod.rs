//! The `meta.k8s.io/v1` Table that `kubectl get` asks for (`Accept: application/json;as=Table;
//! v=v1;g=meta.k8s.io`).
//!
//! Built-in kinds print as kubernetes pkg/printers/internalversion/printers.go prints them. The
//! server always generates the wide form (apiserver pkg/printers/storage/storage.go passes
//! `Wide: true`); kubectl hides the priority-1 columns unless `-o wide`. Kinds without a
//! printer get the generic convertor's Name and Created At (apiserver registry/rest/table.go).
//! Custom resources use their CRD's `additionalPrinterColumns`, or Age when none is declared
//! (apiextensions-apiserver pkg/registry/customresource/tableconvertor).
//!
//! Everything takes `now` as Unix seconds so output is deterministic.

mod jsonpath;
mod printers;

use serde_json::{Map, Value, json};

use crate::{object::unix_from_rfc3339, resource::ResourceInfo, schema::gofmt};

/// ObjectMeta's documentation of `name`, which the Name column carries.
const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// ObjectMeta's documentation of `creationTimestamp`, which Age and Created At carry.
const CREATED_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// One column definition of a Table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumn {
    pub name: String,
    /// `string`, `integer`, `number`, `boolean` or `date`.
    pub column_type: String,
    /// `name` for the object name column, else usually empty.
    pub format: String,
    pub description: String,
    /// 0 for the default columns, 1 for those only `-o wide` shows.
    pub priority: i64,
}

impl TableColumn {
    fn new(name: &str, column_type: &str, priority: i64, description: &str) -> Self {
        Self {
            name: name.into(),
            column_type: column_type.into(),
            format: String::new(),
            description: description.into(),
            priority,
        }
    }

    /// The object name column, marked with format `name`.
    fn name_column(priority: i64) -> Self {
        Self {
            format: "name".into(),
            ..Self::new("Name", "string", priority, NAME_DOC)
        }
    }

    /// The `columnDefinitions` entry.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.column_type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// One of a CRD version's `additionalPrinterColumns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    pub name: String,
    pub column_type: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    /// kubectl's JSONPath subset without braces: `.spec.replicas`.
    pub json_path: String,
}

impl PrinterColumn {
    /// The columns of a CRD version (`spec.versions[]`), with the Age column the server
    /// serves when none is declared (apiextensions helpers.go serveDefaultColumnsIfEmpty).
    pub fn from_crd_version(version: &Value) -> Vec<Self> {
        let declared: Vec<Self> = version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .map(|cols| cols.iter().filter_map(Self::parse).collect())
            .unwrap_or_default();
        if !declared.is_empty() {
            return declared;
        }
        vec![Self {
            name: "Age".into(),
            column_type: "date".into(),
            format: String::new(),
            description: CREATED_DOC.into(),
            priority: 0,
            json_path: ".metadata.creationTimestamp".into(),
        }]
    }

    fn parse(col: &Value) -> Option<Self> {
        let text = |k: &str| col.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let json_path = text("jsonPath");
        let description = match text("description") {
            d if d.is_empty() => {
                format!("Custom resource definition column (in JSONPath format): {json_path}")
            }
            d => d,
        };
        Some(Self {
            name: col.get("name")?.as_str()?.to_string(),
            column_type: text("type"),
            format: text("format"),
            description,
            priority: col.get("priority").and_then(Value::as_i64).unwrap_or(0),
            json_path,
        })
    }
}

/// `includeObject`: what each row's `object` holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    /// A `PartialObjectMetadata` with the object's metadata: the default.
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    /// Reads the query parameter; `None` when the value is not one of the three.
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None | Some("") | Some("Metadata") => Some(Self::Metadata),
            Some("None") => Some(Self::None),
            Some("Object") => Some(Self::Object),
            Some(_) => None,
        }
    }
}

/// How to render a Table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    pub include_object: IncludeObject,
    /// Leave out `columnDefinitions` (the TableOptions `noHeaders` of later watch events).
    pub no_headers: bool,
}

/// The column definitions of a resource. `printer_columns` are the CRD's for custom
/// resources; `None` means a built-in kind.
pub fn table_columns(
    info: &ResourceInfo,
    printer_columns: Option<&[PrinterColumn]>,
) -> Vec<TableColumn> {
    match printer_columns {
        Some(cols) => custom_columns(cols),
        None => printers::columns(&info.group, &info.kind).unwrap_or_else(default_columns),
    }
}

/// The whole Table for a list (or a single object) of one resource. `list_meta` is the list's
/// metadata (`resourceVersion`, `continue`, `remainingItemCount` are carried over); `now` is the
/// current time in Unix seconds.
pub fn table_for(
    info: &ResourceInfo,
    printer_columns: Option<&[PrinterColumn]>,
    objects: &[Value],
    list_meta: &Value,
    options: &TableOptions,
    now: i64,
) -> Value {
    let mut metadata = Map::new();
    for key in ["resourceVersion", "continue", "remainingItemCount"] {
        if let Some(v) = list_meta.get(key).filter(|v| !v.is_null() && *v != "") {
            metadata.insert(key.into(), v.clone());
        }
    }
    let rows: Vec<Value> = objects
        .iter()
        .map(|obj| {
            let (cells, conditions) = match printer_columns {
                Some(cols) => (custom_cells(cols, obj, now), None),
                None => printers::row(&info.group, &info.kind, obj, now)
                    .unwrap_or_else(|| (default_cells(obj), None)),
            };
            let mut row = Map::new();
            row.insert("cells".into(), Value::Array(cells));
            if let Some(conditions) = conditions {
                row.insert("conditions".into(), conditions);
            }
            row.insert("object".into(), row_object(obj, options.include_object));
            Value::Object(row)
        })
        .collect();
    let mut table = Map::new();
    table.insert("kind".into(), json!("Table"));
    table.insert("apiVersion".into(), json!("meta.k8s.io/v1"));
    table.insert("metadata".into(), Value::Object(metadata));
    if !options.no_headers {
        let columns = table_columns(info, printer_columns);
        table.insert(
            "columnDefinitions".into(),
            columns.iter().map(TableColumn::to_json).collect(),
        );
    }
    table.insert("rows".into(), Value::Array(rows));
    Value::Object(table)
}

/// apiserver handlers/response.go: metadata rows carry a PartialObjectMetadata.
fn row_object(obj: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
    }
}

fn default_columns() -> Vec<TableColumn> {
    vec![
        TableColumn::name_column(0),
        TableColumn::new("Created At", "date", 0, CREATED_DOC),
    ]
}

/// The generic convertor prints the creation time itself, in RFC 3339, zero time when unset.
fn default_cells(obj: &Value) -> Vec<Value> {
    let created = str_at(obj, &["metadata", "creationTimestamp"]);
    let created = unix_from_rfc3339(created)
        .map(crate::object::rfc3339_from_unix)
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_string());
    vec![json!(str_at(obj, &["metadata", "name"])), json!(created)]
}

fn custom_columns(cols: &[PrinterColumn]) -> Vec<TableColumn> {
    let mut out = vec![TableColumn::name_column(0)];
    out.extend(cols.iter().map(|c| TableColumn {
        name: c.name.clone(),
        column_type: c.column_type.clone(),
        format: c.format.clone(),
        description: c.description.clone(),
        priority: c.priority,
    }));
    out
}

/// tableconvertor.go: the first JSONPath result, printed for string columns the way
/// client-go's JSONPath PrintResults does (JSON for objects and lists, Go's fmt otherwise, and
/// `<no value>` for a null), typed otherwise; an empty cell when the path finds nothing.
fn custom_cells(cols: &[PrinterColumn], obj: &Value, now: i64) -> Vec<Value> {
    let mut cells = vec![json!(str_at(obj, &["metadata", "name"]))];
    for col in cols {
        let found = jsonpath::first(&col.json_path, obj);
        cells.push(match found {
            None => Value::Null,
            Some(Value::Null) if col.column_type == "string" => json!("<no value>"),
            Some(v @ (Value::Object(_) | Value::Array(_))) if col.column_type == "string" => {
                json!(gofmt::json(v))
            }
            Some(v) if col.column_type == "string" => json!(gofmt::sprint(v)),
            Some(v) => typed_cell(&col.column_type, v, now),
        });
    }
    cells
}

fn typed_cell(column_type: &str, v: &Value, now: i64) -> Value {
    match (column_type, v) {
        ("integer", Value::Number(n)) => match n.as_i64() {
            Some(i) => json!(i),
            // Go converts a float64 to int64 by truncation.
            None => json!(n.as_f64().unwrap_or(0.0) as i64),
        },
        ("number", Value::Number(n)) => json!(n.as_f64().unwrap_or(0.0)),
        ("boolean", Value::Bool(b)) => json!(b),
        ("date", Value::String(s)) => match unix_from_rfc3339(s) {
            Some(t) => json!(human_duration(now - t)),
            None => json!("<invalid>"),
        },
        _ => Value::Null,
    }
}

/// apimachinery duration.HumanDuration of a span in seconds, as Age columns print it.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// apimachinery duration.ShortHumanDuration (one unit; kubectl's own describers use it).
pub fn short_human_duration(seconds: i64) -> String {
    if seconds < -1 {
        "<invalid>".into()
    } else if seconds < 0 {
        "0s".into()
    } else if seconds < 60 {
        format!("{seconds}s")
    } else if seconds < 3600 {
        format!("{}m", seconds / 60)
    } else if seconds < 86_400 {
        format!("{}h", seconds / 3600)
    } else if seconds < 86_400 * 365 {
        format!("{}d", seconds / 86_400)
    } else {
        format!("{}y", seconds / 86_400 / 365)
    }
}

/// printers.go translateTimestampSince: `<unknown>` for an absent or unreadable time.
fn since(timestamp: &str, now: i64) -> String {
    match unix_from_rfc3339(timestamp) {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(key))
}

#[cfg(test)]
mod tests;
