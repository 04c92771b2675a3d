//! `metadata.managedFields`: decoding, encoding and sorting the entries, and the manager
//! identifiers ownership is keyed by (apimachinery managedfields/internal/managedfields.go).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::fields_v1::{from_fields_v1, to_fields_v1};
use super::set::FieldSet;
use super::updater::{Managers, VersionedSet};
use crate::object::unix_from_rfc3339;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One `managedFields` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedFieldsEntry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    /// RFC 3339, as the server wrote it.
    pub time: Option<String>,
    /// Empty for the main resource.
    pub subresource: String,
    pub fields: FieldSet,
}

impl ManagedFieldsEntry {
    /// The key ownership is tracked by: appliers share one identity across API versions, and
    /// the time is never part of it (BuildManagerIdentifier).
    pub fn identifier(&self) -> String {
        identifier(
            &self.manager,
            self.operation,
            &self.api_version,
            &self.subresource,
        )
    }

    /// The entry as the API returns it.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), json!(self.manager));
        m.insert("operation".into(), json!(self.operation.as_str()));
        m.insert("apiVersion".into(), json!(self.api_version));
        if let Some(time) = &self.time {
            m.insert("time".into(), json!(time));
        }
        m.insert("fieldsType".into(), json!("FieldsV1"));
        m.insert("fieldsV1".into(), to_fields_v1(&self.fields));
        if !self.subresource.is_empty() {
            m.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(m)
    }
}

/// The JSON of a manager's identity, as Go marshals the entry with empty fields omitted.
pub(crate) fn identifier(
    manager: &str,
    operation: Operation,
    api_version: &str,
    subresource: &str,
) -> String {
    let mut m = Map::new();
    m.insert("manager".into(), json!(manager));
    m.insert("operation".into(), json!(operation.as_str()));
    if operation == Operation::Update && !api_version.is_empty() {
        m.insert("apiVersion".into(), json!(api_version));
    }
    if !subresource.is_empty() {
        m.insert("subresource".into(), json!(subresource));
    }
    Value::Object(m).to_string()
}

/// The parts of an identifier: manager, operation, apiVersion, subresource.
pub(crate) fn parse_identifier(id: &str) -> (String, Operation, String, String) {
    let v: Value = serde_json::from_str(id).unwrap_or(Value::Null);
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let op = if text("operation") == "Apply" {
        Operation::Apply
    } else {
        Operation::Update
    };
    (text("manager"), op, text("apiVersion"), text("subresource"))
}

/// All entries of an object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManagedFields {
    pub entries: Vec<ManagedFieldsEntry>,
}

impl ManagedFields {
    /// The entries of `metadata.managedFields`; none when absent or null.
    pub fn from_object(obj: &Value) -> Result<Self, String> {
        match obj.get("metadata").and_then(|m| m.get("managedFields")) {
            None | Some(Value::Null) => Ok(Self::default()),
            Some(list) => Self::decode(list),
        }
    }

    /// Reads a `managedFields` list with the server's checks (DecodeManagedFields).
    pub fn decode(list: &Value) -> Result<Self, String> {
        let Value::Array(items) = list else {
            return Err("managedFields must be a list".into());
        };
        let mut entries: Vec<ManagedFieldsEntry> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let text = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let operation = match text("operation").as_str() {
                "Apply" => Operation::Apply,
                "Update" => Operation::Update,
                _ => return Err("operation must be `Apply` or `Update`".into()),
            };
            if text("apiVersion").is_empty() {
                return Err("apiVersion must not be empty".into());
            }
            match text("fieldsType").as_str() {
                "FieldsV1" => {}
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                other => {
                    return Err(format!(
                        "invalid fieldsType {other:?} in managed fields entry {i}"
                    ));
                }
            }
            let fields = match item.get("fieldsV1") {
                None | Some(Value::Null) => FieldSet::new(),
                Some(v) => {
                    from_fields_v1(v).map_err(|e| format!("error decoding versioned set: {e}"))?
                }
            };
            let entry = ManagedFieldsEntry {
                manager: text("manager"),
                operation,
                api_version: text("apiVersion"),
                time: item.get("time").and_then(Value::as_str).map(str::to_string),
                subresource: text("subresource"),
                fields,
            };
            // A later entry of the same identity replaces an earlier one, as the Go map does.
            let id = entry.identifier();
            entries.retain(|e| e.identifier() != id);
            entries.push(entry);
        }
        Ok(Self { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of a manager and operation (the first one when it wrote several versions).
    pub fn entry(&self, manager: &str, operation: Operation) -> Option<&ManagedFieldsEntry> {
        self.entries
            .iter()
            .find(|e| e.manager == manager && e.operation == operation)
    }

    /// The list as the server stores it, sorted; `None` when there is no entry.
    pub fn to_value(&self) -> Option<Value> {
        (!self.entries.is_empty()).then(|| {
            Value::Array(
                self.entries
                    .iter()
                    .map(ManagedFieldsEntry::to_value)
                    .collect(),
            )
        })
    }

    /// Writes the entries into the object's metadata, or removes the field when empty.
    pub fn write_to(&self, obj: &mut Value) {
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        match self.to_value() {
            Some(v) => {
                meta.insert("managedFields".into(), v);
            }
            None => {
                meta.remove("managedFields");
            }
        }
    }

    pub(crate) fn to_managers(&self) -> (Managers, BTreeMap<String, Option<String>>) {
        let mut managers = Managers::new();
        let mut times = BTreeMap::new();
        for e in &self.entries {
            let id = e.identifier();
            managers.insert(
                id.clone(),
                VersionedSet {
                    set: e.fields.clone(),
                    api_version: e.api_version.clone(),
                    applied: e.operation == Operation::Apply,
                },
            );
            times.insert(id, e.time.clone());
        }
        (managers, times)
    }

    /// Entries from the managers, in the server's order: operation, time, manager,
    /// apiVersion, subresource (sortEncodedManagedFields).
    pub(crate) fn from_managers(
        managers: &Managers,
        times: &BTreeMap<String, Option<String>>,
    ) -> Self {
        let mut entries: Vec<ManagedFieldsEntry> = managers
            .iter()
            .map(|(id, vs)| {
                let (manager, op, _, subresource) = parse_identifier(id);
                ManagedFieldsEntry {
                    manager,
                    operation: if vs.applied { Operation::Apply } else { op },
                    api_version: vs.api_version.clone(),
                    time: times.get(id).cloned().flatten(),
                    subresource,
                    fields: vs.set.clone(),
                }
            })
            .collect();
        entries.sort_by(|p, q| {
            let secs =
                |e: &ManagedFieldsEntry| e.time.as_deref().and_then(unix_from_rfc3339).unwrap_or(0);
            p.operation
                .cmp(&q.operation)
                .then_with(|| secs(p).cmp(&secs(q)))
                .then_with(|| p.manager.cmp(&q.manager))
                .then_with(|| p.api_version.cmp(&q.api_version))
                .then_with(|| p.subresource.cmp(&q.subresource))
        });
        Self { entries }
    }
}

/// At most `max` Update entries: the oldest merge into `ancient-changes` per API version
/// (capmanagers.go).
pub(crate) fn cap_update_managers(
    managers: &mut Managers,
    times: &mut BTreeMap<String, Option<String>>,
    max: usize,
) {
    let mut updaters: Vec<String> = managers
        .iter()
        .filter(|(_, vs)| !vs.applied)
        .map(|(id, _)| id.clone())
        .collect();
    if updaters.len() <= max {
        return;
    }
    let secs = |id: &String| {
        times
            .get(id)
            .cloned()
            .flatten()
            .as_deref()
            .and_then(unix_from_rfc3339)
            .unwrap_or(0)
    };
    updaters.sort_by(|a, b| secs(a).cmp(&secs(b)).then_with(|| a.cmp(b)));
    let mut first_of_version: BTreeMap<String, String> = BTreeMap::new();
    let mut length = updaters.len();
    for id in updaters {
        if length <= max {
            break;
        }
        let Some(vs) = managers.get(&id).cloned() else {
            continue;
        };
        let time = times.get(&id).cloned().flatten();
        let bucket = identifier("ancient-changes", Operation::Update, &vs.api_version, "");
        match first_of_version.get(&vs.api_version) {
            Some(first) => {
                if !managers.contains_key(&bucket)
                    && let Some(s) = managers.remove(first)
                {
                    managers.insert(bucket.clone(), s);
                }
                let merged = managers
                    .get(&bucket)
                    .map(|b| b.set.union(&vs.set))
                    .unwrap_or_else(|| vs.set.clone());
                managers.insert(
                    bucket.clone(),
                    VersionedSet {
                        set: merged,
                        api_version: vs.api_version.clone(),
                        applied: false,
                    },
                );
                managers.remove(&id);
                length -= 1;
                times.insert(bucket, time);
            }
            None => {
                first_of_version.insert(vs.api_version.clone(), id);
            }
        }
    }
}
