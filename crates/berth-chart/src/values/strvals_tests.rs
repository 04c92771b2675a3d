//! The expectations of Helm's `pkg/strvals` parser tests (parser_test.go and
//! literal_parser_test.go), compared through `toYaml` as Helm's tests compare them.

use super::*;
use berth_template::yaml::{from_yaml, to_yaml};

fn yaml_of(v: &Value) -> String {
    to_yaml(v).expect("to_yaml")
}

fn expect_yaml(text: &str) -> String {
    yaml_of(&from_yaml(text).expect("expectation parses"))
}

fn check(f: fn(&str) -> Result<Value, String>, cases: &[(&str, Option<&str>)]) {
    for (input, want) in cases {
        let got = f(input);
        match want {
            None => assert!(got.is_err(), "{input:?} should fail, got {got:?}"),
            Some(w) => {
                let got = got.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(yaml_of(&got), expect_yaml(w), "{input:?}");
            }
        }
    }
}

#[test]
fn set_index_bounds() {
    let base = || vec![Value::Int64(0), Value::Int64(1)];
    let (l, r) = set_index(base(), 2, Value::Int64(2));
    assert!(r.is_ok());
    assert_eq!(l.len(), 3);
    let (l, r) = set_index(base(), 1, Value::Int64(2));
    assert!(r.is_ok() && l.len() == 2);
    let (l, r) = set_index(base(), -1, Value::Int64(2));
    assert!(r.is_err() && l.len() == 2);
    let (l, r) = set_index(base(), MAX_INDEX + 1, Value::Int64(2));
    assert!(r.is_err() && l.len() == 2);
}

#[test]
fn parse_set_string() {
    check(
        parse_string,
        &[
            (
                "long_int_string=1234567890",
                Some("long_int_string: '1234567890'"),
            ),
            ("boolean=true", Some("boolean: 'true'")),
            ("is_null=null", Some("is_null: 'null'")),
            ("zero=0", Some("zero: '0'")),
        ],
    );
}

#[test]
fn parse_set() {
    check(
        parse,
        &[
            (
                "name1=null,f=false,t=true",
                Some("{name1: null, f: false, t: true}"),
            ),
            ("name1=value1", Some("name1: value1")),
            (
                "name1=value1,name2=value2",
                Some("{name1: value1, name2: value2}"),
            ),
            (
                "name1=value1,name2=value2,",
                Some("{name1: value1, name2: value2}"),
            ),
            ("name1=value1,,,,name2=value2,", None),
            ("name1=,name2=value2", Some("{name1: '', name2: value2}")),
            ("leading_zeros=00009", Some("leading_zeros: '00009'")),
            ("zero_int=0", Some("zero_int: 0")),
            ("long_int=1234567890", Some("long_int: 1234567890")),
            ("boolean=true", Some("boolean: true")),
            ("is_null=null", Some("is_null: null")),
            ("name1,name2=", None),
            ("name1,name2=value2", None),
            ("name1,name2=value2\\", None),
            ("name1,name2", None),
            (
                "name1=one\\,two,name2=three\\,four",
                Some("{name1: 'one,two', name2: 'three,four'}"),
            ),
            (
                "name1=one\\=two,name2=three\\=four",
                Some("{name1: 'one=two', name2: 'three=four'}"),
            ),
            (
                "name1=one two three,name2=three two one",
                Some("{name1: one two three, name2: three two one}"),
            ),
            ("outer.inner=value", Some("outer: {inner: value}")),
            (
                "outer.middle.inner=value",
                Some("outer: {middle: {inner: value}}"),
            ),
            (
                "outer.inner1=value,outer.inner2=value2",
                Some("outer: {inner1: value, inner2: value2}"),
            ),
            (
                "outer.inner1=value,outer.middle.inner=value",
                Some("outer: {inner1: value, middle: {inner: value}}"),
            ),
            ("name1.name2", None),
            ("name1.name2,name1.name3", None),
            ("name1.name2=", Some("name1: {name2: ''}")),
            ("name1.=name2", None),
            ("name1.,name2", None),
            ("name1={value1,value2}", Some("name1: [value1, value2]")),
            (
                "name1={value1,value2},name2={value1,value2}",
                Some("{name1: [value1, value2], name2: [value1, value2]}"),
            ),
            ("name1={1021,902}", Some("name1: [1021, 902]")),
            (
                "name1.name2={value1,value2}",
                Some("name1: {name2: [value1, value2]}"),
            ),
            ("name1={1021,902", None),
            ("list[0]=foo", Some("list: [foo]")),
            ("list[0].foo=bar", Some("list: [{foo: bar}]")),
            (
                "list[0].foo=bar,list[0].hello=world",
                Some("list: [{foo: bar, hello: world}]"),
            ),
            ("list[0].foo=bar,list[-30].hello=world", None),
            ("list[0]=foo,list[1]=bar", Some("list: [foo, bar]")),
            ("list[0]=foo,list[1]=bar,", Some("list: [foo, bar]")),
            (
                "list[0]=foo,list[3]=bar",
                Some("list: [foo, null, null, bar]"),
            ),
            ("list[0]=foo,list[-20]=bar", None),
            ("illegal[0]name.foo=bar", None),
            ("noval[0]", Some("noval: []")),
            ("noval[0]=", Some("noval: ['']")),
            ("nested[0][0]=1", Some("nested: [[1]]")),
            ("nested[1][1]=1", Some("nested: [null, [null, 1]]")),
            (
                "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
                Some("name1: {name2: [{foo: bar}, {foo: bar}]}"),
            ),
            (
                "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
                Some("name1: {name2: [{foo: bar}, {foo: bar}]}"),
            ),
            (
                "name1.name2[1].foo=bar",
                Some("name1: {name2: [null, {foo: bar}]}"),
            ),
            ("]={}].", None),
        ],
    );
}

#[test]
fn set_types_are_go_types() {
    let v = parse("i=12,z=0,n=-3,f=1.5,b=TRUE,s=012").expect("parses");
    let Value::Map(m, _) = &v else { panic!("map") };
    let m = m.borrow();
    assert!(matches!(m["i"], Value::Int64(12)));
    assert!(matches!(m["z"], Value::Int64(0)));
    assert!(matches!(m["n"], Value::Int64(-3)));
    assert_eq!(m["f"].as_str(), Some("1.5"));
    assert!(matches!(m["b"], Value::Bool(true)));
    assert_eq!(m["s"].as_str(), Some("012"));
}

fn parse_into_pair(start: &str, inputs: &[&str], want: &str) {
    let got = from_yaml(start).expect("start parses");
    for i in inputs {
        parse_into(i, &got).unwrap_or_else(|e| panic!("{i:?}: {e}"));
    }
    assert_eq!(yaml_of(&got), expect_yaml(want), "{inputs:?}");
}

#[test]
fn parse_into_existing() {
    parse_into_pair(
        "outer: {inner1: overwrite, inner2: value2}",
        &["outer.inner1=value1,outer.inner3=value3,outer.inner4=4"],
        "outer: {inner1: value1, inner2: value2, inner3: value3, inner4: 4}",
    );
    parse_into_pair(
        "{}",
        &[
            "listOuter[0][0].type=listValue",
            "listOuter[0][0].status=alive",
        ],
        "listOuter: [[{type: listValue, status: alive}]]",
    );
    parse_into_pair(
        "{}",
        &[
            "listOuter[0][0].type=listValue",
            "listOuter[1][0].status=alive",
        ],
        "listOuter: [[{type: listValue}], [{status: alive}]]",
    );
    parse_into_pair(
        "listOuter: [[[{exited: old}]]]",
        &[
            "listOuter[0][1][0].type=listValue",
            "listOuter[0][0][1].status=alive",
        ],
        "listOuter: [[[{exited: old}, {status: alive}], [{type: listValue}]]]",
    );
}

#[test]
fn parse_into_string_existing() {
    let got = from_yaml("outer: {inner1: overwrite, inner2: value2}").expect("parses");
    parse_into_string("outer.inner1=1,outer.inner3=3", &got).expect("parses");
    assert_eq!(
        yaml_of(&got),
        expect_yaml("outer: {inner1: '1', inner2: value2, inner3: '3'}")
    );
}

#[test]
fn parse_json_values() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "outer.inner1=\"1\",outer.inner3=3,outer.inner4=true,outer.inner5=\"true\"",
            "outer: {inner1: overwrite, inner2: value2}",
            Some("outer: {inner1: '1', inner2: value2, inner3: 3, inner4: true, inner5: 'true'}"),
        ),
        (
            "outer.inner1={\"a\":\"1\",\"b\":2,\"c\":[1,2,3]},outer.inner3=[\"new value 1\",\"new value 2\"],outer.inner4={\"aa\":\"1\",\"bb\":2,\"cc\":[1,2,3]},outer.inner5=[{\"A\":\"1\",\"B\":2,\"C\":[1,2,3]}]",
            "outer: {inner1: {x: overwrite}, inner2: value2, inner3: [overwrite]}",
            Some(
                "outer: {inner1: {a: '1', b: 2, c: [1, 2, 3]}, inner2: value2, inner3: [new value 1, new value 2], inner4: {aa: '1', bb: 2, cc: [1, 2, 3]}, inner5: [{A: '1', B: 2, C: [1, 2, 3]}]}",
            ),
        ),
        (
            "outer.inner1=,outer.inner3={\"aa\":\"1\",\"bb\":2,\"cc\":[1,2,3]},outer.inner3.cc[1]=null",
            "outer: {inner1: {x: overwrite}, inner2: value2}",
            Some(
                "outer: {inner1: null, inner2: value2, inner3: {aa: '1', bb: 2, cc: [1, null, 3]}}",
            ),
        ),
        (
            "outer.inner1={\"a\":\"1\",\"b\":2,\"c\":[1,2,3]},outer.inner3=[\"new value 1\",\"new value 2\"],outer.inner4={\"aa\":\"1\",\"bb\":2,\"cc\":[1,2,3]},outer.inner5={\"A\":\"1\",\"B\":2,\"C\":[1,2,3]}]",
            "{}",
            None,
        ),
    ];
    for (input, start, want) in cases {
        let got = from_yaml(start).expect("start parses");
        let r = parse_json(input, &got);
        match want {
            None => assert!(r.is_err(), "{input:?}"),
            Some(w) => {
                r.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(yaml_of(&got), expect_yaml(w), "{input:?}");
            }
        }
    }
}

#[test]
fn parse_file_values() {
    let reader = |p: &str| -> Result<Value, String> {
        assert_eq!(p, "path1");
        Ok(Value::str("value1"))
    };
    let got = Value::empty_map();
    parse_into_file("name1=path1", &got, &reader).expect("parses");
    assert_eq!(yaml_of(&got), expect_yaml("name1: value1"));
    let failing =
        |p: &str| -> Result<Value, String> { Err(format!("open {p}: no such file or directory")) };
    assert_eq!(
        parse_into_file("a=missing", &Value::empty_map(), &failing)
            .err()
            .as_deref(),
        Some("open missing: no such file or directory")
    );
}

#[test]
fn nested_levels() {
    check(
        parse,
        &[(
            "outer.middle.inner=value",
            Some("outer: {middle: {inner: value}}"),
        )],
    );
    let mut key = String::new();
    for i in 1..=MAX_NESTED_NAME_LEVEL + 2 {
        key.push_str(&format!("name{i}"));
        if i <= MAX_NESTED_NAME_LEVEL + 1 {
            key.push('.');
        }
    }
    assert_eq!(
        parse(&format!("{key}=value")).err().as_deref(),
        Some("value name nested level is greater than maximum supported nested level of 30")
    );
}

#[test]
fn error_texts() {
    assert_eq!(parse("a").err().as_deref(), Some("key \"a\" has no value"));
    assert_eq!(
        parse("a,b=1").err().as_deref(),
        Some("key \"a\" has no value (cannot end with ,)")
    );
    assert_eq!(
        parse("a.b").err().as_deref(),
        Some("key \"b\" has no value")
    );
    assert_eq!(
        parse("a[x]=1").err().as_deref(),
        Some("error parsing index: strconv.Atoi: parsing \"x\": invalid syntax")
    );
    assert_eq!(
        parse("a[1]x=1").err().as_deref(),
        Some("unexpected data at end of array index: \"x\"")
    );
    assert_eq!(
        parse("a=1,a.b=2").err().as_deref(),
        Some(
            "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"
        )
    );
    assert_eq!(
        parse("a=x,a[0]=2").err().as_deref(),
        Some(
            "unable to parse key: interface conversion: interface {} is string, not []interface {}"
        )
    );
    assert_eq!(
        parse("a={x,y").err().as_deref(),
        Some("list must terminate with '}'")
    );
    assert_eq!(
        parse("a[70000]=1").err().as_deref(),
        Some("index of 70000 is greater than maximum supported index of 65536")
    );
}

#[test]
fn literal_values() {
    // Expectations of Helm's literal_parser_test.go.
    check(
        parse_literal,
        &[
            ("name", None),
            ("name=", Some("name: ''")),
            ("name=value", Some("name: value")),
            ("leading_zeros=00009", Some("leading_zeros: '00009'")),
            ("zero_int=0", Some("zero_int: '0'")),
            ("long_int=1234567890", Some("long_int: '1234567890'")),
            ("boolean=true", Some("boolean: 'true'")),
            ("is_null=null", Some("is_null: 'null'")),
            ("zero=0", Some("zero: '0'")),
            (
                "name1=value1,name2=value2",
                Some("name1: value1,name2=value2"),
            ),
            (
                "name1=value1,name2=value2,",
                Some("name1: 'value1,name2=value2,'"),
            ),
            (
                "name1=one\\,two,name2=three\\,four",
                Some("name1: one\\,two,name2=three\\,four"),
            ),
            ("name1=one two three", Some("name1: one two three")),
            ("outer.inner=value", Some("outer: {inner: value}")),
            (
                "outer.middle.inner=value",
                Some("outer: {middle: {inner: value}}"),
            ),
            ("name1.name2", None),
            ("name1.name2=", Some("name1: {name2: ''}")),
            ("name1.=name2", None),
            ("name1.,name2", None),
            ("name1={value1,value2}", Some("name1: '{value1,value2}'")),
            ("list[0]=foo", Some("list: [foo]")),
            ("list[0].foo=bar", Some("list: [{foo: bar}]")),
            (
                "list[0].foo=bar,list[0].hello=world",
                Some("list: [{foo: 'bar,list[0].hello=world'}]"),
            ),
            ("list[0]=foo,list[1]=bar", Some("list: ['foo,list[1]=bar']")),
            ("list[0]=foo,list[3]=bar", Some("list: ['foo,list[3]=bar']")),
            ("list[-30].hello=world", None),
            ("list[-30]=hello", None),
            ("illegal[0]name.foo=bar", None),
            ("noval[0]", Some("noval: []")),
            ("noval[0]=", Some("noval: ['']")),
            ("nested[0][0]=1", Some("nested: [['1']]")),
            ("nested[1][1]=1", Some("nested: [null, [null, '1']]")),
            (
                "name1.name2[0].foo=bar",
                Some("name1: {name2: [{foo: bar}]}"),
            ),
            (
                "name1.name2[1].foo=bar",
                Some("name1: {name2: [null, {foo: bar}]}"),
            ),
            ("]={}].", Some("']': '{}].'")),
            (
                "name1=null,name2=value2",
                Some("name1: 'null,name2=value2'"),
            ),
            ("name1=value,,,tail", Some("name1: value,,,tail")),
            ("list[3]=bar", Some("list: [null, null, null, bar]")),
            ("name=val.val", Some("name: val.val")),
            ("name={value}", Some("name: '{value}'")),
            ("name=val\\val", Some("name: val\\val")),
            ("key=value=with=equals", Some("key: value=with=equals")),
        ],
    );
}

#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let deep = format!("a{}=1", "[0]".repeat(100_000));
    assert!(parse(&deep).is_err());
    assert!(parse_literal(&deep).is_err());
    let deep_maps = format!("{}=1", "a[0].".repeat(100_000));
    assert!(parse(&deep_maps).is_err());
    assert!(parse_literal(&deep_maps).is_err());
    let ok = format!("a{}=1", "[0]".repeat(99));
    assert!(parse(&ok).is_ok());
}
