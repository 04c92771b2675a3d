//! The function table: Go's builtins, Sprig and Helm's functions, each with the
//! parameter types Go's reflection would check.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::exec::State;
use crate::value::Value;

mod builtin;
mod helm;
mod helm_toml;
mod sprig_crypto;
mod sprig_dates;
mod sprig_dsa;
mod sprig_lists;
mod sprig_misc;
mod sprig_numbers;
mod sprig_strings;
mod sprig_url;
mod toml_decode;

/// A parameter's Go type, for argument checking and conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // Every Go parameter type a function may declare.
pub(crate) enum P {
    Any,
    Reflect,
    Str,
    Int,
    Int64,
    Float,
    Bool,
    Map,
    List,
    StrList,
    Time,
    Cert,
}

impl P {
    pub fn go_name(self) -> &'static str {
        match self {
            P::Any => "interface {}",
            P::Reflect => "reflect.Value",
            P::Str => "string",
            P::Int => "int",
            P::Int64 => "int64",
            P::Float => "float64",
            P::Bool => "bool",
            P::Map => "map[string]interface {}",
            P::List => "[]interface {}",
            P::StrList => "[]string",
            P::Time => "time.Time",
            P::Cert => "sprig.certificate",
        }
    }

    pub fn can_be_nil(self) -> bool {
        matches!(self, P::Any | P::Reflect | P::Map | P::List | P::StrList)
    }
}

/// Builtins the executor treats specially.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    None,
    And,
    Or,
}

pub(crate) type FuncImpl = fn(&mut State<'_>, Vec<Value>) -> Result<Value, String>;

pub(crate) struct Func {
    pub params: &'static [P],
    pub variadic: Option<P>,
    pub f: FuncImpl,
    pub special: Special,
}

/// Functions by name. The names are this crate's own, so a simple multiplicative hash
/// serves (no input chooses the keys); every identifier a template parses or calls is looked
/// up here.
pub(crate) type FuncMap = HashMap<&'static str, Func, BuildHasherDefault<NameHasher>>;

/// FxHash: eight bytes at a time, a rotate, a xor and a multiply.
#[derive(Default, Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) fn add(
    m: &mut FuncMap,
    name: &'static str,
    params: &'static [P],
    variadic: Option<P>,
    f: FuncImpl,
) {
    m.insert(
        name,
        Func {
            params,
            variadic,
            f,
            special: Special::None,
        },
    );
}

/// Go's builtin functions only.
pub(crate) fn builtin_funcs() -> FuncMap {
    let mut m = FuncMap::default();
    builtin::register(&mut m);
    m
}

/// Builtins, Sprig (minus env and expandenv) and Helm's functions.
pub(crate) fn helm_funcs() -> FuncMap {
    let mut m = builtin_funcs();
    sprig_strings::register(&mut m);
    sprig_numbers::register(&mut m);
    sprig_lists::register(&mut m);
    sprig_misc::register(&mut m);
    sprig_dates::register(&mut m);
    sprig_url::register(&mut m);
    sprig_crypto::register(&mut m);
    helm::register(&mut m);
    m
}

// ---------- helpers shared by the function modules ----------

/// Sprig's strval: strings as they are, everything else as `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::BinStr(b) | Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        v => crate::fmt::sprint_value(v),
    }
}

/// Sprig's empty(): nil, false, 0, "" and empty collections.
pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Object(_) => false,
        v => !v.truth(),
    }
}

pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

pub(crate) fn arg_str(args: &[Value], i: usize) -> String {
    match args.get(i) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::BinStr(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// The bytes of a string argument (binary-safe).
pub(crate) fn arg_bytes(args: &[Value], i: usize) -> Vec<u8> {
    args.get(i)
        .and_then(Value::str_bytes)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

pub(crate) fn arg_int(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        _ => 0,
    }
}

/// The items of any slice value (`[]interface {}`, `[]string`, `[]byte` …).
pub(crate) fn slice_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l, _) => Some(l.0.clone()),
        Value::Bytes(b) => Some(b.iter().map(|x| Value::Int(*x as i64)).collect()),
        _ => None,
    }
}
