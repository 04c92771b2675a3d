//! JSON patch, RFC 6902: add, remove, replace, move, copy and test on JSON pointers.

use serde_json::Value;

/// Why a JSON patch could not be applied. `Invalid` is a malformed patch (the server answers
/// 400); `Failed` is a well-formed operation that does not apply (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPatchError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Failed(String),
}

/// The most operations one patch may carry (the API server's limit).
pub const MAX_OPERATIONS: usize = 10_000;

/// Applies a JSON patch document to `target`; on error `target` is left unchanged.
pub fn apply_json_patch(target: &mut Value, patch: &Value) -> Result<(), JsonPatchError> {
    let ops = patch.as_array().ok_or_else(|| {
        JsonPatchError::Invalid(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into(),
        )
    })?;
    if ops.len() > MAX_OPERATIONS {
        return Err(JsonPatchError::Invalid(format!(
            "The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {}",
            ops.len()
        )));
    }
    let mut doc = target.clone();
    for op in ops {
        apply_one(&mut doc, op)?;
    }
    *target = doc;
    Ok(())
}

fn field<'a>(op: &'a Value, name: &str) -> Result<&'a str, JsonPatchError> {
    op.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| JsonPatchError::Invalid(format!("operation missing '{name}' field")))
}

fn apply_one(doc: &mut Value, op: &Value) -> Result<(), JsonPatchError> {
    let kind = field(op, "op")?;
    let path = field(op, "path")?;
    let value = || {
        op.get("value").cloned().ok_or_else(|| {
            JsonPatchError::Invalid(format!("operation {kind} missing 'value' field"))
        })
    };
    match kind {
        "add" => add(doc, path, value()?),
        "remove" => remove(doc, path).map(|_| ()),
        "replace" => {
            let v = value()?;
            let slot = lookup_mut(doc, path)?;
            *slot = v;
            Ok(())
        }
        "move" => {
            let from = field(op, "from")?;
            if path.starts_with(&format!("{from}/")) {
                return Err(JsonPatchError::Failed(format!(
                    "cannot move {from} into its own child {path}"
                )));
            }
            let v = remove(doc, from)?;
            add(doc, path, v)
        }
        "copy" => {
            let from = field(op, "from")?;
            let v = lookup(doc, from)?.clone();
            add(doc, path, v)
        }
        "test" => {
            let expected = value()?;
            let actual = lookup(doc, path)?;
            if *actual == expected {
                Ok(())
            } else {
                Err(JsonPatchError::Failed(format!(
                    "testing value {path} failed: test failed"
                )))
            }
        }
        other => Err(JsonPatchError::Invalid(format!("Unexpected kind: {other}"))),
    }
}

/// Splits a pointer into unescaped tokens (`~1` → `/`, `~0` → `~`).
fn tokens(path: &str) -> Result<Vec<String>, JsonPatchError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| JsonPatchError::Invalid(format!("invalid JSON pointer: {path:?}")))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn missing(path: &str) -> JsonPatchError {
    JsonPatchError::Failed(format!("doc is missing path: \"{path}\": missing value"))
}

fn index(token: &str, len: usize, allow_end: bool, path: &str) -> Result<usize, JsonPatchError> {
    if token == "-" && allow_end {
        return Ok(len);
    }
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    let i: usize = if valid {
        token.parse().map_err(|_| missing(path))?
    } else {
        return Err(missing(path));
    };
    if i > len || (!allow_end && i == len) {
        return Err(JsonPatchError::Failed(format!(
            "unable to access invalid index: {i}"
        )));
    }
    Ok(i)
}

fn lookup<'a>(doc: &'a Value, path: &str) -> Result<&'a Value, JsonPatchError> {
    let mut cur = doc;
    for t in tokens(path)? {
        cur = match cur {
            Value::Object(m) => m.get(&t).ok_or_else(|| missing(path))?,
            Value::Array(a) => {
                let i = index(&t, a.len(), false, path)?;
                &a[i]
            }
            _ => return Err(missing(path)),
        };
    }
    Ok(cur)
}

fn lookup_mut<'a>(doc: &'a mut Value, path: &str) -> Result<&'a mut Value, JsonPatchError> {
    let mut cur = doc;
    for t in tokens(path)? {
        cur = match cur {
            Value::Object(m) => m.get_mut(&t).ok_or_else(|| missing(path))?,
            Value::Array(a) => {
                let i = index(&t, a.len(), false, path)?;
                &mut a[i]
            }
            _ => return Err(missing(path)),
        };
    }
    Ok(cur)
}

fn split_parent(path: &str) -> Result<(String, String), JsonPatchError> {
    let toks = tokens(path)?;
    let Some((last, _)) = toks.split_last() else {
        return Ok((String::new(), String::new()));
    };
    let parent = path
        .rsplit_once('/')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default();
    Ok((parent, last.clone()))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), JsonPatchError> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split_parent(path)?;
    match lookup_mut(doc, &parent)? {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            let i = index(&last, a.len(), true, path)?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err(missing(path)),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, JsonPatchError> {
    if path.is_empty() {
        return Ok(std::mem::take(doc));
    }
    let (parent, last) = split_parent(path)?;
    match lookup_mut(doc, &parent)? {
        Value::Object(m) => m.remove(&last).ok_or_else(|| missing(path)),
        Value::Array(a) => {
            let i = index(&last, a.len(), false, path)?;
            Ok(a.remove(i))
        }
        _ => Err(missing(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value) -> Result<Value, JsonPatchError> {
        let mut d = doc;
        apply_json_patch(&mut d, &patch).map(|_| d)
    }

    /// Examples from RFC 6902 appendix A.
    #[test]
    fn rfc6902_appendix_a() {
        assert_eq!(
            run(
                json!({"foo":"bar"}),
                json!([{"op":"add","path":"/baz","value":"qux"}])
            ),
            Ok(json!({"baz":"qux","foo":"bar"}))
        );
        assert_eq!(
            run(
                json!({"foo":["bar","baz"]}),
                json!([{"op":"add","path":"/foo/1","value":"qux"}])
            ),
            Ok(json!({"foo":["bar","qux","baz"]}))
        );
        assert_eq!(
            run(
                json!({"baz":"qux","foo":"bar"}),
                json!([{"op":"remove","path":"/baz"}])
            ),
            Ok(json!({"foo":"bar"}))
        );
        assert_eq!(
            run(
                json!({"foo":["bar","qux","baz"]}),
                json!([{"op":"remove","path":"/foo/1"}])
            ),
            Ok(json!({"foo":["bar","baz"]}))
        );
        assert_eq!(
            run(
                json!({"baz":"qux","foo":"bar"}),
                json!([{"op":"replace","path":"/baz","value":"boo"}])
            ),
            Ok(json!({"baz":"boo","foo":"bar"}))
        );
        assert_eq!(
            run(
                json!({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}),
                json!([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])
            ),
            Ok(json!({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}))
        );
        assert_eq!(
            run(
                json!({"foo":["all","grass","cows","eat"]}),
                json!([{"op":"move","from":"/foo/1","path":"/foo/3"}])
            ),
            Ok(json!({"foo":["all","cows","eat","grass"]}))
        );
        assert_eq!(
            run(
                json!({"baz":"qux","foo":["a",2,"c"]}),
                json!([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])
            ),
            Ok(json!({"baz":"qux","foo":["a",2,"c"]}))
        );
        assert!(matches!(
            run(
                json!({"baz":"qux"}),
                json!([{"op":"test","path":"/baz","value":"bar"}])
            ),
            Err(JsonPatchError::Failed(_))
        ));
        assert_eq!(
            run(
                json!({"foo":"bar"}),
                json!([{"op":"add","path":"/child","value":{"grandchild":{}}}])
            ),
            Ok(json!({"foo":"bar","child":{"grandchild":{}}}))
        );
        assert!(matches!(
            run(
                json!({"foo":"bar"}),
                json!([{"op":"add","path":"/baz/bat","value":"qux"}])
            ),
            Err(JsonPatchError::Failed(_))
        ));
        assert_eq!(
            run(
                json!({"/":9,"~1":10}),
                json!([{"op":"test","path":"/~01","value":10}])
            ),
            Ok(json!({"/":9,"~1":10}))
        );
        assert_eq!(
            run(
                json!({"foo":["bar"]}),
                json!([{"op":"add","path":"/foo/-","value":["abc","def"]}])
            ),
            Ok(json!({"foo":["bar",["abc","def"]]}))
        );
    }

    #[test]
    fn failure_leaves_the_document_alone() {
        let mut doc = json!({"a": 1});
        let err = apply_json_patch(
            &mut doc,
            &json!([{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zzz"}]),
        );
        assert!(err.is_err());
        assert_eq!(doc, json!({"a": 1}));
        assert!(matches!(
            apply_json_patch(&mut doc, &json!({"op":"add"})),
            Err(JsonPatchError::Invalid(_))
        ));
        assert!(matches!(
            apply_json_patch(&mut doc, &json!([{"op":"remove","path":"/a/01"}])),
            Err(JsonPatchError::Failed(_))
        ));
    }
}
