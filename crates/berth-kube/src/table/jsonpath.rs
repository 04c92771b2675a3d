//! The part of client-go's JSONPath (k8s.io/client-go/util/jsonpath) that printer columns use:
//! fields (`.spec.x`, `['a.b']`, `\.` escapes), indexes (`[0]`, `[-1]`), wildcards (`[*]`,
//! `.*`) and filters (`[?(@.type=="Ready")]`, `[?(@.x)]`). Missing keys yield no result, as
//! the CRD table convertor sets `AllowMissingKeys(true)`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    Wildcard,
    Filter { path: Vec<Step>, test: Test },
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Exists,
    Compare(Op, Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The first value a path finds in `obj`, or `None` when it finds nothing.
pub(super) fn first<'a>(path: &str, obj: &'a Value) -> Option<&'a Value> {
    let steps = parse(path)?;
    eval(&steps, obj).into_iter().next()
}

fn eval<'a>(steps: &[Step], root: &'a Value) -> Vec<&'a Value> {
    let mut current = vec![root];
    for step in steps {
        let mut next = Vec::new();
        for v in current {
            match step {
                Step::Field(name) => next.extend(v.get(name.as_str())),
                Step::Index(i) => {
                    if let Some(items) = v.as_array() {
                        let idx = if *i < 0 { items.len() as i64 + i } else { *i };
                        if idx >= 0 {
                            next.extend(items.get(idx as usize));
                        }
                    }
                }
                Step::Wildcard => match v {
                    Value::Array(items) => next.extend(items.iter()),
                    Value::Object(map) => next.extend(map.values()),
                    _ => {}
                },
                Step::Filter { path, test } => {
                    if let Some(items) = v.as_array() {
                        next.extend(items.iter().filter(|item| passes(path, test, item)));
                    }
                }
            }
        }
        current = next;
    }
    current
}

fn passes(path: &[Step], test: &Test, item: &Value) -> bool {
    let found = eval(path, item);
    match test {
        Test::Exists => !found.is_empty(),
        Test::Compare(op, literal) => found.iter().any(|v| compare(v, *op, literal)),
    }
}

fn compare(v: &Value, op: Op, literal: &Value) -> bool {
    let ordering = match (v, literal) {
        (Value::String(a), Value::String(b)) => a.partial_cmp(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::Bool(a), Value::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => Some(a.cmp(b)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ordering == Equal,
        Op::Ne => ordering != Equal,
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
        Op::Gt => ordering == Greater,
        Op::Ge => ordering != Less,
    }
}

/// Parses a path such as `.status.conditions[?(@.type=="Ready")].status`, with or without
/// the surrounding braces. `None` for anything outside the supported subset.
fn parse(path: &str) -> Option<Vec<Step>> {
    let trimmed = path.trim();
    let inner = trimmed
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(trimmed);
    let chars: Vec<char> = inner.chars().collect();
    let (steps, rest) = parse_steps(&chars)?;
    rest.is_empty().then_some(steps)
}

/// Parses steps until the input ends or a character that cannot continue a path.
fn parse_steps(mut s: &[char]) -> Option<(Vec<Step>, &[char])> {
    let mut steps = Vec::new();
    loop {
        match s.first() {
            Some('.') => {
                let (name, rest) = field_name(&s[1..]);
                s = rest;
                if name.is_empty() {
                    // A lone `.` (the root) selects the current value.
                    continue;
                }
                steps.push(if name == "*" {
                    Step::Wildcard
                } else {
                    Step::Field(name)
                });
            }
            Some('[') => {
                let close = matching_bracket(s)?;
                steps.push(bracket(s.get(1..close)?)?);
                s = s.get(close + 1..)?;
            }
            _ => return Some((steps, s)),
        }
    }
}

/// Reads a field name up to the next terminator; `\` escapes the following character.
fn field_name(s: &[char]) -> (String, &[char]) {
    let mut name = String::new();
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if c == '\\' {
            if let Some(&next) = s.get(i + 1) {
                name.push(next);
            }
            i += 2;
            continue;
        }
        if matches!(
            c,
            '.' | '[' | ']' | ',' | ')' | '(' | ' ' | '=' | '!' | '<' | '>'
        ) {
            break;
        }
        name.push(c);
        i += 1;
    }
    (name, s.get(i..).unwrap_or(&[]))
}

/// The index of the `]` closing the `[` at `s[0]`, skipping quoted text and nested brackets.
fn matching_bracket(s: &[char]) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, &c) in s.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn bracket(inner: &[char]) -> Option<Step> {
    let text: String = inner.iter().collect();
    let text = text.trim();
    if text == "*" {
        return Some(Step::Wildcard);
    }
    if let Some(quoted) = unquote(text) {
        return Some(Step::Field(quoted));
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Step::Index(i));
    }
    let filter = text.strip_prefix("?(")?.strip_suffix(')')?.trim();
    let chars: Vec<char> = filter.strip_prefix('@')?.chars().collect();
    let (path, rest) = parse_steps(&chars)?;
    let rest: String = rest.iter().collect();
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(Step::Filter {
            path,
            test: Test::Exists,
        });
    }
    let (op, literal) = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
    ]
    .into_iter()
    .find_map(|(token, op)| rest.strip_prefix(token).map(|lit| (op, lit.trim())))?;
    let literal = match unquote(literal) {
        Some(s) => Value::String(s),
        None => match literal {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            number => serde_json::from_str::<serde_json::Number>(number)
                .ok()
                .map(Value::Number)?,
        },
    };
    Some(Step::Filter {
        path,
        test: Test::Compare(op, literal),
    })
}

fn unquote(text: &str) -> Option<String> {
    ['\'', '"'].into_iter().find_map(|q| {
        let inner = text.strip_prefix(q)?.strip_suffix(q)?;
        Some(inner.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Paths as CRDs declare them for printer columns, e.g. cert-manager's
    // `.status.conditions[?(@.type=="Ready")].status`; semantics of client-go util/jsonpath.
    #[test]
    fn fields_indexes_and_filters() {
        let obj = json!({
            "spec": {"replicas": 3, "a.b": "dotted", "list": ["x", "y", "z"]},
            "status": {"conditions": [
                {"type": "Synced", "status": "False"},
                {"type": "Ready", "status": "True", "observedGeneration": 2}
            ]},
            "metadata": {"labels": {"app.kubernetes.io/name": "web"}}
        });
        assert_eq!(first(".spec.replicas", &obj), Some(&json!(3)));
        assert_eq!(first("{.spec.replicas}", &obj), Some(&json!(3)));
        assert_eq!(first(".spec['a.b']", &obj), Some(&json!("dotted")));
        assert_eq!(first(".spec.list[1]", &obj), Some(&json!("y")));
        assert_eq!(first(".spec.list[-1]", &obj), Some(&json!("z")));
        assert_eq!(first(".spec.list[*]", &obj), Some(&json!("x")));
        assert_eq!(
            first(".status.conditions[?(@.type==\"Ready\")].status", &obj),
            Some(&json!("True"))
        );
        assert_eq!(
            first(".status.conditions[?(@.type=='Synced')].status", &obj),
            Some(&json!("False"))
        );
        assert_eq!(
            first(
                ".status.conditions[?(@.observedGeneration >= 2)].type",
                &obj
            ),
            Some(&json!("Ready"))
        );
        assert_eq!(
            first(".status.conditions[?(@.observedGeneration)].type", &obj),
            Some(&json!("Ready"))
        );
        assert_eq!(
            first(".metadata.labels.app\\.kubernetes\\.io/name", &obj),
            Some(&json!("web"))
        );
    }

    #[test]
    fn missing_or_malformed_paths_find_nothing() {
        let obj = json!({"spec": {"list": [1], "n": null}});
        assert_eq!(first(".spec.missing", &obj), None);
        assert_eq!(first(".spec.list[5]", &obj), None);
        assert_eq!(first(".spec.n", &obj), Some(&Value::Null));
        assert_eq!(first(".spec.n.deeper", &obj), None);
        assert_eq!(first(".spec.list[", &obj), None);
        assert_eq!(first(".spec[?(@.x ~ 1)]", &obj), None);
        assert_eq!(first("", &obj), Some(&obj));
    }
}
