//! Sprig's list and dict functions (mergo semantics for merge).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::sprig_numbers::{deep_equal, to_i64};
use super::{FuncMap, P, add, arg, arg_int, arg_str, is_empty, slice_items, strval};
use crate::exec::State;
use crate::value::{Elem, MapRef, Value};

type R = Result<Value, String>;

fn kind_of(v: &Value) -> Result<&'static str, String> {
    match v {
        Value::Nil => {
            Err("runtime error: invalid memory address or nil pointer dereference".into())
        }
        v => Ok(match v.kind_name() {
            "int64" => "int64",
            k => k,
        }),
    }
}

fn need_list(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    match slice_items(v) {
        Some(l) => Ok(l),
        None => Err(format!("Cannot {what} type {}", kind_of(v)?)),
    }
}

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn map_of(v: &Value) -> Option<MapRef> {
    match v {
        Value::Map(m, Elem::Any) => Some(m.clone()),
        _ => None,
    }
}

fn with_must(
    m: &mut FuncMap,
    name: &'static str,
    must: &'static str,
    params: &'static [P],
    v: Option<P>,
    f: super::FuncImpl,
) {
    add(m, name, params, v, f);
    add(m, must, params, v, f);
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "list", &[], Some(P::Any), |_, a| Ok(list(a)));
    add(m, "tuple", &[], Some(P::Any), |_, a| Ok(list(a)));
    add(m, "dict", &[], Some(P::Any), |_, a| {
        let mut d = BTreeMap::new();
        let mut i = 0;
        while i < a.len() {
            let k = strval(&a[i]);
            d.insert(k, a.get(i + 1).cloned().unwrap_or_else(|| Value::str("")));
            i += 2;
        }
        Ok(Value::map(d))
    });
    add(m, "get", &[P::Map, P::Str], None, |_, a| {
        let k = arg_str(&a, 1);
        Ok(map_of(&arg(&a, 0))
            .and_then(|m| m.borrow().get(&k).cloned())
            .unwrap_or_else(|| Value::str("")))
    });
    add(m, "set", &[P::Map, P::Str, P::Any], None, |_, a| {
        let d = arg(&a, 0);
        match map_of(&d) {
            Some(m) if !m.borrow().is_nil() => {
                m.borrow_mut().insert(arg_str(&a, 1), arg(&a, 2));
                Ok(d)
            }
            _ => Err("assignment to entry in nil map".into()),
        }
    });
    add(m, "unset", &[P::Map, P::Str], None, |_, a| {
        let d = arg(&a, 0);
        if let Some(m) = map_of(&d) {
            m.borrow_mut().remove(&arg_str(&a, 1));
        }
        Ok(d)
    });
    add(m, "hasKey", &[P::Map, P::Str], None, |_, a| {
        Ok(Value::Bool(
            map_of(&arg(&a, 0)).is_some_and(|m| m.borrow().contains_key(&arg_str(&a, 1))),
        ))
    });
    add(m, "pluck", &[P::Str], Some(P::Map), |_, a| {
        let k = arg_str(&a, 0);
        let out = a
            .iter()
            .skip(1)
            .filter_map(|d| map_of(d).and_then(|m| m.borrow().get(&k).cloned()))
            .collect();
        Ok(list(out))
    });
    add(m, "keys", &[], Some(P::Map), |_, a| {
        let mut out = Vec::new();
        for d in &a {
            if let Some(m) = map_of(d) {
                out.extend(m.borrow().keys().cloned());
            }
        }
        Ok(super::sprig_strings::str_list(out))
    });
    add(m, "pick", &[P::Map], Some(P::Str), |_, a| {
        let src = map_of(&arg(&a, 0));
        let mut d = BTreeMap::new();
        if let Some(src) = src {
            let src = src.borrow();
            for k in a.iter().skip(1) {
                let k = strval(k);
                if let Some(v) = src.get(&k) {
                    d.insert(k, v.clone());
                }
            }
        }
        Ok(Value::map(d))
    });
    add(m, "omit", &[P::Map], Some(P::Str), |_, a| {
        let omit: Vec<String> = a.iter().skip(1).map(strval).collect();
        let d = map_of(&arg(&a, 0))
            .map(|m| {
                m.borrow()
                    .iter()
                    .filter(|(k, _)| !omit.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Value::map(d))
    });
    add(m, "values", &[P::Map], None, |_, a| {
        Ok(list(
            map_of(&arg(&a, 0))
                .map(|m| m.borrow().values().cloned().collect())
                .unwrap_or_default(),
        ))
    });
    with_must(m, "merge", "mustMerge", &[P::Map], Some(P::Map), |_, a| {
        merge(a, false)
    });
    with_must(
        m,
        "mergeOverwrite",
        "mustMergeOverwrite",
        &[P::Map],
        Some(P::Map),
        |_, a| merge(a, true),
    );
    with_must(m, "deepCopy", "mustDeepCopy", &[P::Any], None, |_, a| {
        Ok(arg(&a, 0).deep_copy())
    });
    for (n, mn) in [("append", "mustAppend"), ("push", "mustPush")] {
        with_must(m, n, mn, &[P::Any, P::Any], None, |_, a| {
            let mut l = need_list(&arg(&a, 0), "push on")?;
            l.push(arg(&a, 1));
            Ok(list(l))
        });
    }
    with_must(
        m,
        "prepend",
        "mustPrepend",
        &[P::Any, P::Any],
        None,
        |_, a| {
            let mut l = need_list(&arg(&a, 0), "prepend on")?;
            l.insert(0, arg(&a, 1));
            Ok(list(l))
        },
    );
    with_must(m, "first", "mustFirst", &[P::Any], None, |_, a| {
        Ok(need_list(&arg(&a, 0), "find first on")?
            .first()
            .cloned()
            .unwrap_or_default())
    });
    with_must(m, "last", "mustLast", &[P::Any], None, |_, a| {
        Ok(need_list(&arg(&a, 0), "find last on")?
            .last()
            .cloned()
            .unwrap_or_default())
    });
    with_must(m, "rest", "mustRest", &[P::Any], None, |_, a| {
        let l = need_list(&arg(&a, 0), "find rest on")?;
        // Sprig returns a nil []interface{} for an empty list.
        if l.is_empty() {
            return Ok(Value::nil_list(Elem::Any));
        }
        Ok(list(l[1..].to_vec()))
    });
    with_must(m, "initial", "mustInitial", &[P::Any], None, |_, a| {
        let l = need_list(&arg(&a, 0), "find initial on")?;
        if l.is_empty() {
            return Ok(Value::nil_list(Elem::Any));
        }
        Ok(list(l[..l.len() - 1].to_vec()))
    });
    with_must(m, "reverse", "mustReverse", &[P::Any], None, |_, a| {
        let mut l = need_list(&arg(&a, 0), "find reverse on")?;
        l.reverse();
        Ok(list(l))
    });
    with_must(m, "uniq", "mustUniq", &[P::Any], None, |_, a| {
        let l = need_list(&arg(&a, 0), "find uniq on")?;
        let mut out: Vec<Value> = Vec::new();
        for v in l {
            if !out.iter().any(|o| deep_equal(o, &v)) {
                out.push(v);
            }
        }
        Ok(list(out))
    });
    with_must(
        m,
        "without",
        "mustWithout",
        &[P::Any],
        Some(P::Any),
        |_, a| {
            let l = need_list(&arg(&a, 0), "find without on")?;
            let omit = a.get(1..).unwrap_or(&[]);
            Ok(list(
                l.into_iter()
                    .filter(|v| !omit.iter().any(|o| deep_equal(o, v)))
                    .collect(),
            ))
        },
    );
    with_must(m, "has", "mustHas", &[P::Any, P::Any], None, |_, a| {
        let hay = arg(&a, 1);
        if hay.is_nil() {
            return Ok(Value::Bool(false));
        }
        let l = need_list(&hay, "find has on")?;
        let needle = arg(&a, 0);
        Ok(Value::Bool(l.iter().any(|v| deep_equal(v, &needle))))
    });
    with_must(m, "compact", "mustCompact", &[P::Any], None, |_, a| {
        let l = need_list(&arg(&a, 0), "compact on")?;
        Ok(list(l.into_iter().filter(|v| !is_empty(v)).collect()))
    });
    with_must(m, "slice", "mustSlice", &[P::Any], Some(P::Any), slice);
    with_must(m, "chunk", "mustChunk", &[P::Int, P::Any], None, |_, a| {
        let size = arg_int(&a, 0);
        let l = need_list(&arg(&a, 1), "chunk")?;
        if size <= 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        let out = l.chunks(size as usize).map(|c| list(c.to_vec())).collect();
        Ok(Value::List(Rc::new(out), Elem::List))
    });
    add(m, "concat", &[], Some(P::Any), |_, a| {
        let mut out = Vec::new();
        for l in &a {
            match slice_items(l) {
                Some(items) => out.extend(items),
                None => return Err(format!("Cannot concat type {} as list", kind_of(l)?)),
            }
        }
        // `var res []interface{}` and appends: nil when nothing was appended.
        Ok(Value::list_or_nil(out, Elem::Any))
    });
    add(m, "dig", &[], Some(P::Any), dig);
}

fn slice(_: &mut State<'_>, a: Vec<Value>) -> R {
    let l = arg(&a, 0);
    let (items, elem) = match &l {
        Value::List(items, e) => (items.as_ref().clone(), *e),
        v => {
            return Err(format!(
                "list should be type of slice or array but {}",
                kind_of(v)?
            ));
        }
    };
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map(to_int_sprig).unwrap_or(0);
    let end = a.get(2).map(to_int_sprig).unwrap_or(items.len() as i64);
    if start < 0 || end < start || end as usize > items.len() {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Value::List(
        Rc::new(crate::value::Items(
            items[start as usize..end as usize].to_vec(),
            false,
        )),
        elem,
    ))
}

fn to_int_sprig(v: &Value) -> i64 {
    to_i64(v)
}

fn dig(_: &mut State<'_>, a: Vec<Value>) -> R {
    if a.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let n = a.len();
    let Value::Map(dict, Elem::Any) = &a[n - 1] else {
        return Err(format!(
            "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
            if a[n - 1].is_nil() {
                "nil".to_string()
            } else {
                a[n - 1].type_name()
            }
        ));
    };
    let def = a[n - 2].clone();
    let mut keys = Vec::new();
    for k in &a[..n - 2] {
        match k {
            Value::String(s) => keys.push(s.to_string()),
            v => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not string",
                    if v.is_nil() {
                        "nil".to_string()
                    } else {
                        v.type_name()
                    }
                ));
            }
        }
    }
    let mut cur = dict.clone();
    for (i, k) in keys.iter().enumerate() {
        let step = cur.borrow().get(k).cloned();
        let Some(step) = step else { return Ok(def) };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        match step {
            Value::Map(m, Elem::Any) => cur = m,
            v => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    if v.is_nil() {
                        "nil".to_string()
                    } else {
                        v.type_name()
                    }
                ));
            }
        }
    }
    Ok(def)
}

fn merge(a: Vec<Value>, overwrite: bool) -> R {
    let dst = arg(&a, 0);
    let Some(d) = map_of(&dst) else {
        return Ok(dst);
    };
    for src in a.iter().skip(1) {
        if let Some(s) = map_of(src) {
            if Rc::ptr_eq(&d, &s) {
                continue;
            }
            merge_maps(&d, &s, overwrite, 0);
        }
    }
    Ok(dst)
}

/// mergo's deepMerge for map[string]interface{}.
fn merge_maps(dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) {
    crate::deep(|| merge_maps_inner(dst, src, overwrite, depth))
}

fn merge_maps_inner(dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) {
    if depth > 100 {
        return;
    }
    let entries: Vec<(String, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, sv) in entries {
        let dv = dst.borrow().get(&k).cloned();
        if sv.is_nil() {
            if overwrite {
                dst.borrow_mut().insert(k, Value::Nil);
            }
            continue;
        }
        if let Value::Map(sm, _) = &sv {
            if let Some(Value::Map(dm, _)) = &dv {
                if !Rc::ptr_eq(dm, sm) {
                    merge_maps(dm, sm, overwrite, depth + 1);
                }
            }
        }
        if let Value::List(..) = &sv {
            if overwrite {
                dst.borrow_mut().insert(k.clone(), sv.clone());
            }
        }
        let dst_empty = dv.as_ref().is_none_or(is_empty);
        if !dst_empty && matches!(sv, Value::Map(..) | Value::List(..)) {
            continue;
        }
        if overwrite || dv.is_none() || dst_empty {
            dst.borrow_mut().insert(k, sv);
        }
    }
}

#[allow(dead_code)]
fn new_map() -> MapRef {
    Rc::new(RefCell::new(crate::value::Entries::default()))
}
