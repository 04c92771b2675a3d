//! Table responses (`as=Table;g=meta.k8s.io;v=v1`) for `kubectl get`.

use super::http::Query;
use crate::registry::Served;
use berth_kube::{IncludeObject, StatusError, TableOptions, table_for};
use serde_json::Value;

/// How a request wants its Table rendered (`includeObject`).
pub fn options(query: &Query) -> Result<TableOptions, StatusError> {
    let include = query.get("includeObject");
    let include_object = IncludeObject::parse(include).ok_or_else(|| {
        StatusError::bad_request(format!(
            "includeObject: Unsupported value: \"{}\": supported values: \"Metadata\", \"None\", \"Object\"",
            include.unwrap_or("")
        ))
    })?;
    Ok(TableOptions {
        include_object,
        no_headers: false,
    })
}

/// The Table for `objects`, with the columns kubectl shows for the kind.
pub fn table(
    served: &Served,
    objects: &[Value],
    list_meta: &Value,
    options: &TableOptions,
) -> Value {
    let columns = served.custom.as_ref().map(|c| c.printer_columns.as_slice());
    table_for(&served.info, columns, objects, list_meta, options, now())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
