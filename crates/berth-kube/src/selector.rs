//! Label and field selectors: parsing the query forms and matching objects.
//!
//! The label grammar, its error messages and matching follow `k8s.io/apimachinery`
//! `pkg/labels/selector.go` (1.32); the object form follows `metav1.LabelSelectorAsSelector`.
//! Field selectors follow `pkg/fields/selector.go`; which fields a resource accepts follows the
//! field-label conversion functions of `k8s.io/kubernetes` (`pkg/apis/core/v1/conversion.go`,
//! `pkg/apis/batch/v1/conversion.go`, `pkg/apis/events/v1/conversion.go`), apimachinery's
//! `runtime.DefaultMetaV1FieldSelectorConversion` for the rest, and the apiextensions
//! `crConverter` for custom resources. What a field's value is comes from each registry
//! strategy's `ToSelectableFields`.

use crate::builtin::is_builtin;
use crate::resource::ResourceInfo;
use crate::validation::{go_quote, validate_label_value, validate_qualified_name};
use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

fn err(msg: impl Into<String>) -> SelectorError {
    SelectorError(msg.into())
}

// ---------------------------------------------------------------------------------------------
// Label selectors.

/// A label requirement's operator (selection.Operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One `key op values` term of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    /// labels.NewRequirement: validates the key, the number of values and each value.
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Self, SelectorError> {
        let mut errs: Vec<String> = Vec::new();
        let key_msgs = validate_qualified_name(key);
        if !key_msgs.is_empty() {
            errs.push(format!(
                "key: Invalid value: {}: {}",
                go_quote(key),
                key_msgs.join("; ")
            ));
        }
        let list = || {
            format!(
                "[]string{{{}}}",
                values
                    .iter()
                    .map(|v| go_quote(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => errs.push(format!(
                "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
                list()
            )),
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
                errs.push(format!(
                    "values: Invalid value: {}: exact-match compatibility requires one single value",
                    list()
                ))
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => errs.push(format!(
                "values: Invalid value: {}: values set must be empty for exists and does not exist",
                list()
            )),
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(format!(
                        "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                        list()
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        errs.push(format!(
                            "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                            go_quote(v)
                        ));
                    }
                }
            }
            _ => {}
        }
        for (i, v) in values.iter().enumerate() {
            let msgs = validate_label_value(v);
            if !msgs.is_empty() {
                errs.push(format!(
                    "values[{i}][{key}]: Invalid value: {}: {}",
                    go_quote(v),
                    msgs.join("; ")
                ));
            }
        }
        if errs.is_empty() {
            Ok(Self {
                key: key.to_string(),
                operator,
                values,
            })
        } else {
            Err(err(aggregate(errs)))
        }
    }

    /// Requirement.Matches.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let value = labels
            .and_then(|l| l.get(&self.key))
            .map(|v| v.as_str().unwrap_or(""));
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.values.iter().any(|x| x == v))
            }
            Operator::NotIn | Operator::NotEquals => {
                value.is_none_or(|v| !self.values.iter().any(|x| x == v))
            }
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(have), [want]) = (
                    value.and_then(|v| v.parse::<i64>().ok()),
                    self.values.as_slice(),
                ) else {
                    return false;
                };
                let Ok(want) = want.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let set = matches!(self.operator, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        let mut values = self.values.clone();
        values.sort();
        f.write_str(&values.join(","))?;
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Joins errors as utilerrors.Aggregate does: one stays bare, several are bracketed, and
/// repeated messages are shown once.
fn aggregate(errs: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen.remove(0)
    } else {
        format!("[{}]", seen.join(", "))
    }
}

/// A parsed label selector (`app=web,tier in (a,b),!legacy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    /// labels.Nothing(): the selector of a null metav1.LabelSelector, matching no object.
    nothing: bool,
}

impl LabelSelector {
    /// Matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Matches no object (a missing selector on a workload).
    pub fn nothing() -> Self {
        Self {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Parses the query-string form exactly as labels.Parse does.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let mut requirements = Parser::new(text).parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    /// Builds the selector of a metav1.LabelSelector object (`matchLabels`,
    /// `matchExpressions`); `null` selects nothing and `{}` everything, as
    /// LabelSelectorAsSelector does.
    pub fn from_label_selector(sel: &Value) -> Result<Self, SelectorError> {
        if sel.is_null() {
            return Ok(Self::nothing());
        }
        let match_labels = sel.get("matchLabels").and_then(Value::as_object);
        let exprs = sel.get("matchExpressions").and_then(Value::as_array);
        let mut requirements = Vec::new();
        for (key, value) in match_labels.into_iter().flatten() {
            let value = value.as_str().unwrap_or("").to_string();
            requirements.push(Requirement::new(key, Operator::Equals, vec![value])?);
        }
        for expr in exprs.into_iter().flatten() {
            let op_name = expr.get("operator").and_then(Value::as_str).unwrap_or("");
            let operator = match op_name {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(err(format!(
                        "{} is not a valid label selector operator",
                        go_quote(other)
                    )));
                }
            };
            let key = expr.get("key").and_then(Value::as_str).unwrap_or("");
            let values = expr
                .get("values")
                .and_then(Value::as_array)
                .map(|vs| {
                    vs.iter()
                        .map(|v| v.as_str().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            requirements.push(Requirement::new(key, operator, values)?);
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    /// A selector requiring each of `labels` (SelectorFromSet).
    pub fn from_labels(labels: &Map<String, Value>) -> Self {
        let mut requirements: Vec<Requirement> = labels
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.as_str().unwrap_or("").to_string()],
            })
            .collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            requirements,
            nothing: false,
        }
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True for the selector that matches everything.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Matches an object's `metadata.labels`.
    pub fn matches_object(&self, obj: &Value) -> bool {
        self.matches(
            obj.get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(Value::as_object),
        )
    }

    /// The value a selector pins `key` to (`=`, `==`, or `in` with one value).
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == key)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(Requirement::to_string)
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Token> {
    Some(match s {
        ")" => Token::ClosedPar,
        "," => Token::Comma,
        "!" => Token::DoesNotExist,
        "==" => Token::DoubleEquals,
        "=" => Token::Equals,
        ">" => Token::GreaterThan,
        "in" => Token::In,
        "<" => Token::LessThan,
        "!=" => Token::NotEquals,
        "notin" => Token::NotIn,
        "(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// The lexer of labels.Lexer: bytes, with a NUL byte read as the end as in Go.
struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> u8 {
        self.s.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    fn lex(&mut self) -> (Token, String) {
        while is_whitespace(self.peek()) {
            self.pos += 1;
        }
        let b = self.peek();
        if b == 0 {
            return (Token::End, String::new());
        }
        if is_special(b) {
            self.special()
        } else {
            self.identifier()
        }
    }

    fn identifier(&mut self) -> (Token, String) {
        let start = self.pos;
        while self.peek() != 0 && !is_special(self.peek()) && !is_whitespace(self.peek()) {
            self.pos += 1;
        }
        // Splits happen only at ASCII bytes, so the slice is on character boundaries.
        let text = self.s.get(start..self.pos).unwrap_or("").to_string();
        (keyword(&text).unwrap_or(Token::Identifier), text)
    }

    fn special(&mut self) -> (Token, String) {
        // Longest run of special symbols that still forms a known token ("!=" not "!" "=").
        let start = self.pos;
        let mut last: Option<(Token, usize)> = None;
        while is_special(self.peek()) {
            let candidate = self.s.get(start..=self.pos).unwrap_or("");
            if let Some(tok) = keyword(candidate) {
                last = Some((tok, self.pos + 1));
            } else if last.is_some() {
                break;
            }
            self.pos += 1;
        }
        match last {
            Some((tok, end)) => {
                self.pos = end;
                (tok, self.s.get(start..end).unwrap_or("").to_string())
            }
            None => {
                let buffer = self.s.get(start..self.pos).unwrap_or("");
                (
                    Token::Error,
                    format!("error expected: keyword found '{buffer}'"),
                )
            }
        }
    }
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

/// In value position the keywords `in` and `notin` are plain identifiers.
fn in_values(tok: Token) -> Token {
    match tok {
        Token::In | Token::NotIn => Token::Identifier,
        t => t,
    }
}

impl Parser {
    fn new(text: &str) -> Self {
        let mut lexer = Lexer { s: text, pos: 0 };
        let mut items = Vec::new();
        loop {
            let (tok, lit) = lexer.lex();
            items.push((tok, lit));
            if tok == Token::End {
                break;
            }
        }
        Self { items, position: 0 }
    }

    fn lookahead(&self, values: bool) -> (Token, String) {
        let (tok, lit) = self
            .items
            .get(self.position)
            .cloned()
            .unwrap_or((Token::End, String::new()));
        (if values { in_values(tok) } else { tok }, lit)
    }

    fn consume(&mut self, values: bool) -> (Token, String) {
        let item = self.lookahead(values);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, SelectorError> {
        let mut requirements = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(true);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self
                        .requirement()
                        .map_err(|e| err(format!("unable to parse requirement: {}", e.0)))?;
                    requirements.push(r);
                    let (t, l) = self.consume(true);
                    match t {
                        Token::End => return Ok(requirements),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(true);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                )));
                            }
                        }
                        _ => {
                            return Err(err(format!(
                                "found '{l}', expected: ',' or 'end of string'"
                            )));
                        }
                    }
                }
                Token::End => return Ok(requirements),
                _ => {
                    return Err(err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    )));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, SelectorError> {
        let (key, operator) = self.key_and_operator()?;
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = operator {
            return Requirement::new(&key, op, Vec::new());
        }
        let operator = self.operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.values()?,
            _ => self.exact_value()?,
        };
        Requirement::new(&key, operator, values)
    }

    fn key_and_operator(&mut self) -> Result<(String, Option<Operator>), SelectorError> {
        let (mut tok, mut lit) = self.consume(true);
        let mut operator = None;
        if tok == Token::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(true);
        }
        if tok != Token::Identifier {
            return Err(err(format!("found '{lit}', expected: identifier")));
        }
        let msgs = validate_qualified_name(&lit);
        if !msgs.is_empty() {
            // The parser validates with a nil field path, which Go prints as "<nil>".
            return Err(err(format!(
                "<nil>: Invalid value: {}: {}",
                go_quote(&lit),
                msgs.join("; ")
            )));
        }
        let (next, _) = self.lookahead(true);
        if (next == Token::End || next == Token::Comma) && operator.is_none() {
            operator = Some(Operator::Exists);
        }
        Ok((lit, operator))
    }

    fn operator(&mut self) -> Result<Operator, SelectorError> {
        let (tok, lit) = self.consume(false);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                )));
            }
        })
    }

    /// `( a, b )` as a sorted set, as sets.String.List() returns it.
    fn values(&mut self) -> Result<Vec<String>, SelectorError> {
        let (tok, lit) = self.consume(true);
        if tok != Token::OpenPar {
            return Err(err(format!("found '{lit}' expected: '('")));
        }
        let (tok, lit) = self.lookahead(true);
        match tok {
            Token::Identifier | Token::Comma => {
                let set = self.identifiers()?;
                let (tok, _) = self.consume(true);
                if tok != Token::ClosedPar {
                    return Err(err(format!("found '{lit}', expected: ')'")));
                }
                Ok(set)
            }
            Token::ClosedPar => {
                self.consume(true);
                Ok(vec![String::new()])
            }
            _ => Err(err(format!(
                "found '{lit}', expected: ',', ')' or identifier"
            ))),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, SelectorError> {
        let mut set: Vec<String> = Vec::new();
        let insert = |set: &mut Vec<String>, v: String| {
            if !set.contains(&v) {
                set.push(v);
            }
        };
        loop {
            let (tok, lit) = self.consume(true);
            match tok {
                Token::Identifier => {
                    insert(&mut set, lit);
                    let (t2, l2) = self.lookahead(true);
                    match t2 {
                        Token::Comma => continue,
                        Token::ClosedPar => break,
                        _ => return Err(err(format!("found '{l2}', expected: ',' or ')'"))),
                    }
                }
                // An empty value is written as nothing between commas: "(,a)", "(a,)".
                Token::Comma => {
                    if set.is_empty() {
                        insert(&mut set, String::new());
                    }
                    let (t2, _) = self.lookahead(true);
                    if t2 == Token::ClosedPar {
                        insert(&mut set, String::new());
                        break;
                    }
                    if t2 == Token::Comma {
                        insert(&mut set, String::new());
                    }
                }
                _ => return Err(err(format!("found '{lit}', expected: ',', or identifier"))),
            }
        }
        set.sort();
        Ok(set)
    }

    fn exact_value(&mut self) -> Result<Vec<String>, SelectorError> {
        let (tok, _) = self.lookahead(true);
        if tok == Token::End || tok == Token::Comma {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(true);
        if tok == Token::Identifier {
            Ok(vec![lit])
        } else {
            Err(err(format!("found '{lit}', expected: identifier")))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field selectors.

/// `=`/`==` (equal) or `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOperator {
    Equals,
    NotEquals,
}

/// One `field op value` term of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub operator: FieldOperator,
    pub value: String,
}

/// A parsed field selector (`metadata.name=web,status.phase!=Running`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses as fields.ParseSelector does: comma-separated terms (sorted), `\` escapes `\`,
    /// `,` and `=` in values.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let mut parts = split_terms(text);
        parts.sort();
        let mut requirements = Vec::new();
        for part in parts.iter().filter(|p| !p.is_empty()) {
            let Some((lhs, op, rhs)) = split_term(part) else {
                return Err(err(format!(
                    "invalid selector: '{text}'; can't understand '{part}'"
                )));
            };
            let value = unescape_value(rhs)?;
            let operator = if op == "!=" {
                FieldOperator::NotEquals
            } else {
                FieldOperator::Equals
            };
            requirements.push(FieldRequirement {
                field: lhs.to_string(),
                operator,
                value,
            });
        }
        Ok(Self { requirements })
    }

    /// Parses and checks every field against what `info` supports, rewriting legacy names
    /// (`spec.host`, `regarding.*` of events.k8s.io). The error is the server's 400 text.
    pub fn parse_for(text: &str, info: &ResourceInfo) -> Result<Self, SelectorError> {
        Self::parse(text)?.for_resource(info)
    }

    /// Like [`FieldSelector::parse_for`] for a custom resource whose CRD version declares
    /// `selectableFields` (JSON paths such as `.spec.color`).
    pub fn parse_for_custom(
        text: &str,
        namespaced: bool,
        selectable: &[String],
    ) -> Result<Self, SelectorError> {
        Self::parse(text)?.check_custom(namespaced, selectable)
    }

    /// Checks and converts the fields of an already parsed selector for `info`; custom
    /// resources get only the metadata fields (use [`FieldSelector::parse_for_custom`] to add
    /// a CRD's selectableFields).
    pub fn for_resource(mut self, info: &ResourceInfo) -> Result<Self, SelectorError> {
        if !is_builtin(&info.group, &info.plural) {
            return self.check_custom(info.namespaced(), &[]);
        }
        for r in &mut self.requirements {
            r.field = convert_field_label(info, &r.field)?;
        }
        Ok(self)
    }

    /// apiextensions crConverter.ConvertFieldLabel: metadata.name, metadata.namespace when
    /// namespaced, and the declared selectable fields.
    fn check_custom(self, namespaced: bool, selectable: &[String]) -> Result<Self, SelectorError> {
        let selectable: Vec<&str> = selectable
            .iter()
            .map(|s| s.trim_start_matches('.'))
            .collect();
        for r in &self.requirements {
            let ok = r.field == "metadata.name"
                || (namespaced && r.field == "metadata.namespace")
                || selectable.contains(&r.field.as_str());
            if !ok {
                return Err(err(format!("field label not supported: {}", r.field)));
            }
        }
        Ok(self)
    }

    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The value an `=` term pins `field` to.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator == FieldOperator::Equals)
            .map(|r| r.value.as_str())
    }

    /// Whether `obj` has the selected field values. Fields are read as the registry
    /// strategies present them: missing strings are "", missing booleans "false".
    pub fn matches(&self, obj: &Value) -> bool {
        self.requirements.iter().all(|r| {
            let have = field_value(obj, &r.field);
            (have == r.value) == (r.operator == FieldOperator::Equals)
        })
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|r| {
                let op = if r.operator == FieldOperator::Equals {
                    "="
                } else {
                    "!="
                };
                format!("{}{op}{}", r.field, escape_value(&r.value))
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

fn escape_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace('=', "\\=")
}

fn split_terms(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in text.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(text.get(start..i).unwrap_or(""));
            start = i + 1;
        }
    }
    terms.push(text.get(start..).unwrap_or(""));
    terms
}

fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = term.get(i..).unwrap_or("");
        for op in ["!=", "==", "="] {
            if rest.starts_with(op) {
                return Some((term.get(..i)?, op, term.get(i + op.len()..)?));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, SelectorError> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if matches!(c, '\\' | ',' | '=') {
                out.push(c);
            } else {
                return Err(err(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                )));
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, which is its number.
            ',' | '=' => {
                return Err(err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )));
            }
            c => out.push(c),
        }
    }
    if in_slash {
        return Err(err("invalid field selector: invalid escape sequence: \\"));
    }
    Ok(out)
}

/// The built-in field-label conversion for `info`: the canonical field, or the server's
/// message for an unsupported one.
fn convert_field_label(info: &ResourceInfo, label: &str) -> Result<String, SelectorError> {
    let unsupported = || err(format!("field label not supported: {label}"));
    let accept = |fields: &[&str]| {
        if fields.contains(&label) {
            Ok(label.to_string())
        } else {
            Err(unsupported())
        }
    };
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "pods") => match label {
            "spec.host" => Ok("spec.nodeName".into()),
            _ => accept(&[
                "metadata.name",
                "metadata.namespace",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
            ]),
        },
        ("", "nodes") => accept(&["metadata.name", "spec.unschedulable"]),
        ("", "replicationcontrollers") => {
            accept(&["metadata.name", "metadata.namespace", "status.replicas"])
        }
        ("", "events") => accept(&[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "metadata.namespace",
            "metadata.name",
        ]),
        ("", "namespaces") => accept(&["status.phase", "metadata.name"]),
        ("", "secrets") => accept(&["type", "metadata.namespace", "metadata.name"]),
        ("", "services") => accept(&[
            "metadata.namespace",
            "metadata.name",
            "spec.clusterIP",
            "spec.type",
        ]),
        ("batch", "jobs") => match label {
            "metadata.name" | "metadata.namespace" | "status.successful" => Ok(label.to_string()),
            _ => Err(err(format!(
                "field label {} not supported for batchv1.Job",
                go_quote(label)
            ))),
        },
        // events.k8s.io/v1 maps its own names onto the core Event's.
        ("events.k8s.io", "events") => match label {
            "reason" | "type" | "metadata.namespace" | "metadata.name" => Ok(label.to_string()),
            "reportingController" => Ok("reportingComponent".into()),
            _ => match label.strip_prefix("regarding.") {
                Some(
                    rest @ ("kind" | "namespace" | "name" | "uid" | "apiVersion"
                    | "resourceVersion" | "fieldPath"),
                ) => Ok(format!("involvedObject.{rest}")),
                _ => Err(unsupported()),
            },
        },
        // No conversion registered (apps/v1 included): runtime.DefaultMetaV1FieldSelectorConversion.
        _ => match label {
            "metadata.name" | "metadata.namespace" => Ok(label.to_string()),
            _ => Err(err(format!(
                "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                go_quote(label)
            ))),
        },
    }
}

/// The value of a canonical field label, as the registry's ToSelectableFields computes it.
fn field_value(obj: &Value, field: &str) -> String {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let path = |p: &str| lookup(obj, p);
    match (api_version, kind, field) {
        // events.k8s.io/v1 Events carry the core fields under their own names.
        ("events.k8s.io/v1", "Event", f) => match f {
            "reportingComponent" => path("reportingController"),
            "source" => non_empty(path("deprecatedSource.component"), || {
                path("reportingController")
            }),
            f => match f.strip_prefix("involvedObject.") {
                Some(rest) => path(&format!("regarding.{rest}")),
                None => path(f),
            },
        },
        ("v1", "Event", "source") => {
            non_empty(path("source.component"), || path("reportingComponent"))
        }
        ("v1", "Pod", "status.podIP") => {
            non_empty(path("status.podIPs.0.ip"), || path("status.podIP"))
        }
        // Accepted by the conversion but never set by PodToSelectableFields.
        ("v1", "Pod", "status.podIPs") => String::new(),
        ("v1", "Pod", "spec.hostNetwork") | ("v1", "Node", "spec.unschedulable") => {
            if obj_bool(obj, field) {
                "true".into()
            } else {
                "false".into()
            }
        }
        ("v1", "ReplicationController", "status.replicas") => number_or_zero(obj, field),
        ("batch/v1", "Job", "status.successful") => number_or_zero(obj, "status.succeeded"),
        _ => path(field),
    }
}

fn non_empty(first: String, otherwise: impl FnOnce() -> String) -> String {
    if first.is_empty() { otherwise() } else { first }
}

fn lookup(obj: &Value, dotted: &str) -> String {
    let mut cur = obj;
    for part in dotted.split('.') {
        let next = match cur {
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => cur.get(part),
        };
        match next {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn obj_bool(obj: &Value, dotted: &str) -> bool {
    lookup(obj, dotted) == "true"
}

fn number_or_zero(obj: &Value, dotted: &str) -> String {
    let v = lookup(obj, dotted);
    if v.is_empty() { "0".into() } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::builtin_resource;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn parse_err(text: &str) -> String {
        match LabelSelector::parse(text) {
            Ok(s) => panic!("{text} parsed as {s}"),
            Err(e) => e.0,
        }
    }

    fn parsed(text: &str) -> LabelSelector {
        match LabelSelector::parse(text) {
            Ok(s) => s,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn info(group: &str, version: &str, plural: &str) -> &'static ResourceInfo {
        match builtin_resource(group, version, plural) {
            Some(i) => i,
            None => panic!("missing {plural}"),
        }
    }

    #[test]
    fn parses_every_operator() {
        // labels selector_test.go TestSelectorParse forms.
        let s = parsed("x=a,y==b,z!=c, w in (a,b) ,v notin(c),u,!t,n>1,m<2");
        assert_eq!(
            s.to_string(),
            "m<2,n>1,!t,u,v notin (c),w in (a,b),x=a,y==b,z!=c"
        );
        let l = labels(
            json!({"x": "a", "y": "b", "z": "d", "w": "b", "v": "x", "u": "", "n": "5", "m": "1"}),
        );
        assert!(s.matches(Some(&l)));
        let mut l2 = l.clone();
        l2.insert("t".into(), json!("here"));
        assert!(!s.matches(Some(&l2)));
    }

    #[test]
    fn empty_selector_matches_everything() {
        assert!(parsed("").matches(None));
        assert!(parsed("  ").is_empty());
        assert!(!LabelSelector::nothing().matches(None));
    }

    #[test]
    fn set_values_are_sorted_and_deduplicated() {
        // parseValues returns sets.String.List(): sorted, unique; "()" is the empty value.
        assert_eq!(parsed("a in (c,b,c)").requirements()[0].values, ["b", "c"]);
        assert_eq!(parsed("a in ()").requirements()[0].values, [""]);
        assert_eq!(parsed("a in (,x)").requirements()[0].values, ["", "x"]);
        assert_eq!(parsed("a in (x,)").requirements()[0].values, ["", "x"]);
        assert_eq!(parsed("a=").requirements()[0].values, [""]);
        // "in" is an identifier in value position.
        assert_eq!(
            parsed("a in (in,notin)").requirements()[0].values,
            ["in", "notin"]
        );
    }

    #[test]
    fn parse_errors_match_upstream() {
        // labels.Parser messages.
        assert_eq!(
            parse_err("x=a,"),
            "found '', expected: identifier after ','"
        );
        assert_eq!(
            parse_err("x=a b"),
            "found 'b', expected: ',' or 'end of string'"
        );
        assert_eq!(
            parse_err(",x"),
            "found ',', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            parse_err("x in a"),
            "unable to parse requirement: found 'a' expected: '('"
        );
        assert_eq!(
            parse_err("x (a)"),
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(
            parse_err("x in (a b)"),
            "unable to parse requirement: found 'b', expected: ',' or ')'"
        );
        assert_eq!(
            parse_err("!=a"),
            "found '!=', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            parse_err("!"),
            "unable to parse requirement: found '', expected: identifier"
        );
        assert!(
            parse_err("x>a").contains("for 'Gt', 'Lt' operators, the value must be an integer")
        );
    }

    #[test]
    fn invalid_key_and_value_messages() {
        // validateLabelKey uses a nil path ("<nil>"); value errors name values[i][key].
        let key = parse_err("a b c=x");
        assert_eq!(
            key,
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
        let key = parse_err("-bad=x");
        assert!(key.starts_with("unable to parse requirement: <nil>: Invalid value: \"-bad\": name part must consist of"), "{key}");
        let value = parse_err("k=-v");
        assert!(value.starts_with("unable to parse requirement: values[0][k]: Invalid value: \"-v\": a valid label must be"), "{value}");
    }

    #[test]
    fn notin_and_not_equal_match_missing_labels() {
        // Requirement.Matches: NotIn / NotEquals are true when the label is absent.
        assert!(parsed("a!=x").matches(None));
        assert!(parsed("a notin (x)").matches(None));
        assert!(!parsed("a in (x)").matches(None));
        assert!(!parsed("a").matches(None));
        assert!(parsed("!a").matches(None));
    }

    #[test]
    fn from_metav1_label_selector() {
        // LabelSelectorAsSelector: null selects nothing, {} everything.
        assert!(!LabelSelector::from_label_selector(&Value::Null).is_ok_and(|s| s.matches(None)));
        assert!(LabelSelector::from_label_selector(&json!({})).is_ok_and(|s| s.matches(None)));
        let sel = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["fe", "be"]},
            {"key": "legacy", "operator": "DoesNotExist"}]});
        let s = match LabelSelector::from_label_selector(&sel) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert!(s.matches(Some(&labels(json!({"app": "web", "tier": "be"})))));
        assert!(!s.matches(Some(&labels(
            json!({"app": "web", "tier": "be", "legacy": "1"})
        ))));
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]});
        assert_eq!(
            LabelSelector::from_label_selector(&bad).map_err(|e| e.0),
            Err("\"Gt\" is not a valid label selector operator".to_string())
        );
        let empty_in = json!({"matchExpressions": [{"key": "a", "operator": "In"}]});
        assert_eq!(
            LabelSelector::from_label_selector(&empty_in).map_err(|e| e.0),
            Err("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty".to_string())
        );
    }

    #[test]
    fn exact_match_lookup() {
        let s = parsed("owner=helm,name in (rel)");
        assert_eq!(s.requires_exact_match("owner"), Some("helm"));
        assert_eq!(s.requires_exact_match("name"), Some("rel"));
        assert_eq!(s.requires_exact_match("x"), None);
    }

    #[test]
    fn field_selector_parse_and_escape() {
        // fields.ParseSelector: terms sorted, escapes, operators.
        let s = match FieldSelector::parse("metadata.name=a\\,b,status.phase!=Running") {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(s.requires_exact_match("metadata.name"), Some("a,b"));
        assert_eq!(s.requirements()[1].operator, FieldOperator::NotEquals);
        assert_eq!(s.to_string(), "metadata.name=a\\,b,status.phase!=Running");
        assert_eq!(
            FieldSelector::parse("a").map_err(|e| e.0),
            Err("invalid selector: 'a'; can't understand 'a'".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b\\x").map_err(|e| e.0),
            Err("invalid field selector: invalid escape sequence: \\x".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a==b=c").map_err(|e| e.0),
            Err("invalid field selector: unescaped character in value: 61".to_string())
        );
        assert!(FieldSelector::parse("").is_ok_and(|s| s.is_empty()));
    }

    #[test]
    fn field_support_per_resource() {
        // core/v1 conversion.go, batch/v1 conversion.go, runtime.DefaultMetaV1FieldSelectorConversion.
        let pods = info("", "v1", "pods");
        assert!(FieldSelector::parse_for("spec.nodeName=n1,status.phase=Running", pods).is_ok());
        assert_eq!(
            FieldSelector::parse_for("spec.foo=x", pods).map_err(|e| e.0),
            Err("field label not supported: spec.foo".to_string())
        );
        assert_eq!(
            FieldSelector::parse_for("spec.host=n", pods).map(|s| s.to_string()),
            Ok("spec.nodeName=n".to_string())
        );
        let nodes = info("", "v1", "nodes");
        assert!(FieldSelector::parse_for("metadata.namespace=x", nodes).is_err());
        let jobs = info("batch", "v1", "jobs");
        assert_eq!(
            FieldSelector::parse_for("status.succeeded=1", jobs).map_err(|e| e.0),
            Err("field label \"status.succeeded\" not supported for batchv1.Job".to_string())
        );
        let rs = info("apps", "v1", "replicasets");
        assert_eq!(
            FieldSelector::parse_for("status.replicas=1", rs).map_err(|e| e.0),
            Err("\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"".to_string())
        );
        assert!(FieldSelector::parse_for("metadata.name=x", rs).is_ok());
        let ev = info("events.k8s.io", "v1", "events");
        assert_eq!(
            FieldSelector::parse_for("regarding.name=web", ev).map(|s| s.to_string()),
            Ok("involvedObject.name=web".to_string())
        );
        assert!(FieldSelector::parse_for("involvedObject.name=web", ev).is_err());
    }

    #[test]
    fn custom_resources_accept_metadata_and_selectable_fields() {
        // apiextensions conversion.crConverter.ConvertFieldLabel.
        assert!(FieldSelector::parse_for_custom("metadata.namespace=a", true, &[]).is_ok());
        assert_eq!(
            FieldSelector::parse_for_custom("metadata.namespace=a", false, &[]).map_err(|e| e.0),
            Err("field label not supported: metadata.namespace".to_string())
        );
        assert!(
            FieldSelector::parse_for_custom("spec.color=red", true, &[".spec.color".into()])
                .is_ok()
        );
        assert!(
            FieldSelector::parse_for_custom("spec.size=1", true, &[".spec.color".into()]).is_err()
        );
    }

    #[test]
    fn custom_resource_info_gets_metadata_only() {
        // A ResourceInfo that is not built in goes through the crConverter rules.
        let gv = crate::gvk::GroupVersion::new("example.com", "v1");
        let widgets = ResourceInfo::new(&gv, "Widget", "widgets", crate::resource::Scope::Cluster);
        assert!(FieldSelector::parse_for("metadata.name=a", &widgets).is_ok());
        assert_eq!(
            FieldSelector::parse_for("spec.size=1", &widgets).map_err(|e| e.0),
            Err("field label not supported: spec.size".to_string())
        );
        assert!(FieldSelector::parse_for("metadata.namespace=a", &widgets).is_err());
    }

    #[test]
    fn node_and_namespace_fields() {
        // NodeToSelectableFields: spec.unschedulable as "true"/"false"; namespaces status.phase.
        let node =
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "spec": {}});
        let sel = FieldSelector::parse_for("spec.unschedulable=false", info("", "v1", "nodes"));
        assert!(sel.is_ok_and(|s| s.matches(&node)));
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}, "status": {"phase": "Active"}});
        let sel = FieldSelector::parse_for(
            "status.phase=Active,metadata.name!=b",
            info("", "v1", "namespaces"),
        );
        assert!(sel.is_ok_and(|s| s.matches(&ns)));
    }

    /// Strings from a small alphabet of the grammar's own characters, for the no-panic tests.
    fn noise(seed: u64, alphabet: &[&str]) -> Vec<String> {
        let mut state = seed;
        (0..2000)
            .map(|_| {
                let mut text = String::new();
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let len = (state >> 59) as usize;
                for _ in 0..len {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let pick = (state >> 33) as usize % alphabet.len();
                    text.push_str(alphabet.get(pick).copied().unwrap_or(""));
                }
                text
            })
            .collect()
    }

    #[test]
    fn parsers_never_panic() {
        // "Nothing derived from input may panic" (DESIGN.md): throw grammar fragments at them.
        let alphabet = [
            "a", "b/", "=", "==", "!", "!=", "(", ")", ",", " ", "in", "notin", ">", "<", "\\",
            "é", "\0", "-", ".",
        ];
        for text in noise(7, &alphabet) {
            let _ = LabelSelector::parse(&text).map(|s| s.to_string());
            let _ = FieldSelector::parse(&text).map(|s| s.matches(&json!({"a": 1})));
        }
    }

    #[test]
    fn field_matching_reads_strategy_fields() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "d"},
            "spec": {"nodeName": "n1"}, "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}]}});
        let sel = |t: &str| match FieldSelector::parse(t) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert!(sel("metadata.name=p,spec.nodeName=n1").matches(&pod));
        assert!(sel("status.podIP=10.0.0.1").matches(&pod));
        assert!(sel("spec.hostNetwork=false").matches(&pod));
        assert!(sel("status.phase!=Pending").matches(&pod));
        assert!(!sel("status.podIPs=10.0.0.1").matches(&pod));
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "status": {}});
        assert!(sel("status.successful=0").matches(&job));
        let core_event = json!({"apiVersion": "v1", "kind": "Event", "involvedObject": {"name": "web"},
            "reportingComponent": "kubelet"});
        assert!(sel("involvedObject.name=web,source=kubelet").matches(&core_event));
        let new_event = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "regarding": {"name": "web"}, "reportingController": "ctl"});
        assert!(sel("involvedObject.name=web,reportingComponent=ctl").matches(&new_event));
    }
}
