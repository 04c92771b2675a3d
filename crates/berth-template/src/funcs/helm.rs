//! Helm's own functions: include, tpl, required, lookup and the YAML/JSON helpers.

use std::collections::BTreeMap;

use super::{FuncMap, P, add, arg, arg_str};
use crate::value::{Elem, Value};
use crate::{json, yaml};

fn error_map(msg: String) -> Value {
    let mut m = BTreeMap::new();
    m.insert("Error".to_string(), Value::from(msg));
    Value::map(m)
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "include", &[P::Str, P::Any], None, |st, a| {
        st.include(&arg_str(&a, 0), arg(&a, 1)).map(Value::from)
    });
    add(m, "tpl", &[P::Str, P::Any], None, |st, a| {
        st.tpl(&arg_str(&a, 0), arg(&a, 1)).map(Value::from)
    });
    add(m, "required", &[P::Str, P::Any], None, |_, a| {
        let v = arg(&a, 1);
        match &v {
            Value::Nil => Err(arg_str(&a, 0)),
            Value::String(s) if s.is_empty() => Err(arg_str(&a, 0)),
            _ => Ok(v),
        }
    });
    add(m, "fail", &[P::Str], None, |_, a| Err(arg_str(&a, 0)));
    add(
        m,
        "lookup",
        &[P::Str, P::Str, P::Str, P::Str],
        None,
        |st, a| {
            st.lookup(
                &arg_str(&a, 0),
                &arg_str(&a, 1),
                &arg_str(&a, 2),
                &arg_str(&a, 3),
            )
        },
    );
    add(m, "toYaml", &[P::Any], None, |_, a| {
        Ok(Value::from(
            yaml::to_yaml(&arg(&a, 0))
                .map(|s| s.strip_suffix('\n').unwrap_or(&s).to_string())
                .unwrap_or_default(),
        ))
    });
    add(m, "toYamlPretty", &[P::Any], None, |_, a| {
        let s = yaml::to_yaml_pretty(&arg(&a, 0)).unwrap_or_default();
        Ok(Value::from(s.strip_suffix('\n').unwrap_or(&s).to_string()))
    });
    add(m, "mustToYaml", &[P::Any], None, |_, a| {
        let s = yaml::to_yaml(&arg(&a, 0)).map_err(|e| e.0)?;
        Ok(Value::from(s.strip_suffix('\n').unwrap_or(&s).to_string()))
    });
    add(m, "fromYaml", &[P::Str], None, |_, a| {
        Ok(yaml::from_yaml(&arg_str(&a, 0)).unwrap_or_else(|e| error_map(e.0)))
    });
    add(m, "fromYamlArray", &[P::Str], None, |_, a| {
        Ok(yaml::from_yaml_array(&arg_str(&a, 0))
            .unwrap_or_else(|e| Value::list(vec![Value::from(e.0)])))
    });
    add(m, "toJson", &[P::Any], None, |_, a| {
        Ok(Value::from(
            json::encode(&arg(&a, 0), true, None).unwrap_or_default(),
        ))
    });
    add(m, "mustToJson", &[P::Any], None, |_, a| {
        Ok(Value::from(json::encode(&arg(&a, 0), true, None)?))
    });
    add(m, "toPrettyJson", &[P::Any], None, |_, a| {
        Ok(Value::from(
            json::encode(&arg(&a, 0), true, Some("  ")).unwrap_or_default(),
        ))
    });
    add(m, "mustToPrettyJson", &[P::Any], None, |_, a| {
        Ok(Value::from(json::encode(&arg(&a, 0), true, Some("  "))?))
    });
    add(m, "toRawJson", &[P::Any], None, |_, a| {
        Ok(Value::from(json::encode(&arg(&a, 0), false, None)?))
    });
    add(m, "mustToRawJson", &[P::Any], None, |_, a| {
        Ok(Value::from(json::encode(&arg(&a, 0), false, None)?))
    });
    add(m, "fromJson", &[P::Str], None, |_, a| {
        match json::decode(&arg_str(&a, 0)) {
            Ok(v @ Value::Map(..)) => Ok(v),
            // Unmarshalling null into a map leaves it nil.
            Ok(Value::Nil) => Ok(Value::nil_map(Elem::Any)),
            Ok(v) => Ok(error_map(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_type(&v)
            ))),
            Err(e) => Ok(error_map(e)),
        }
    });
    add(
        m,
        "fromJsonArray",
        &[P::Str],
        None,
        |_, a| match json::decode(&arg_str(&a, 0)) {
            Ok(v @ Value::List(..)) => Ok(v),
            // json.Unmarshal of null into the slice sets it to nil.
            Ok(Value::Nil) => Ok(Value::nil_list(crate::value::Elem::Any)),
            Ok(v) => Ok(Value::list(vec![Value::from(format!(
                "json: cannot unmarshal {} into Go value of type []interface {{}}",
                json_type(&v)
            ))])),
            Err(e) => Ok(Value::list(vec![Value::from(e)])),
        },
    );
    add(m, "mustFromJson", &[P::Str], None, |_, a| {
        json::decode(&arg_str(&a, 0))
    });
    add(m, "mustToToml", &[P::Any], None, |_, a| {
        super::helm_toml::to_toml_result(&arg(&a, 0)).map(Value::from)
    });
    add(m, "fromToml", &[P::Str], None, |_, a| {
        Ok(super::toml_decode::from_toml(&arg_str(&a, 0)))
    });
    add(m, "toToml", &[P::Any], None, |_, a| {
        Ok(Value::from(super::helm_toml::to_toml(&arg(&a, 0))))
    });
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Float(_) => "number",
        Value::Bool(_) => "bool",
        Value::List(..) => "array",
        _ => "object",
    }
}
