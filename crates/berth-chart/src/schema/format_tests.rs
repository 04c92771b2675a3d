//! Edge cases of the `format` assertions; every expectation is what Helm 4.3 printed for
//! that value (through the helm-oracle, as the schema goldens were recorded).

use super::formats::check;
use super::validate_single;

fn validate(schema: &str, values: &str) -> Result<(), String> {
    validate_single(
        &super::json::parse(values.as_bytes()).unwrap(),
        schema.as_bytes(),
    )
}

#[test]
fn format_is_asserted_before_2019_09_only() {
    let values = r#"["2020-13-01"]"#;
    for draft in ["draft-04/schema#", "draft-06/schema#", "draft-07/schema#"] {
        let schema = format!(
            r#"{{"$schema":"http://json-schema.org/{draft}","items":[{{"format":"date"}}]}}"#
        );
        assert_eq!(
            validate(&schema, values).unwrap_err(),
            "- at '/0': '2020-13-01' is not valid date: parsing time \"2020-13-01\": month out of range\n"
        );
    }
    for schema in [
        r#"{"$schema":"https://json-schema.org/draft/2019-09/schema","items":[{"format":"date"}]}"#,
        r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"format":"date"}]}"#,
        r#"{"prefixItems":[{"format":"date"}]}"#,
    ] {
        assert!(validate(schema, values).is_ok(), "{schema}");
    }
}

#[test]
fn shown_value_keeps_the_librarys_quote_rewriting() {
    // %q gives "x\\", the library's \" -> " rewrite eats one backslash.
    let schema = r#"{"$schema":"http://json-schema.org/draft-07/schema#","format":"uuid"}"#;
    assert_eq!(
        validate(schema, r#""x\\""#).unwrap_err(),
        "- at '': 'x\\' is not valid uuid: must have 5 elements\n"
    );
}

#[test]
fn non_strings_pass_every_format() {
    let schema = r#"{"$schema":"http://json-schema.org/draft-07/schema#","format":"ipv4"}"#;
    assert!(validate(schema, "12").is_ok());
}

#[test]
fn leap_seconds_and_time_zones() {
    for (format, value, want) in [
        ("time", "23:59:60Z", None),
        ("time", "23:59:60+00:00", None),
        ("time", "00:59:60+01:00", None),
        ("time", "22:59:60-01:00", None),
        ("time", "12:00:60+01:00", Some("invalid leap second")),
        ("time", "23:59:61Z", Some("hour/min/sec out of range")),
        ("time", "12:00:00", Some("less than 9 characters long")),
        ("time", "12:00:00.Z", Some("no digits in second fraction")),
        (
            "time",
            "12:00:00+0530",
            Some("offset must be 6 characters long"),
        ),
        (
            "time",
            "12:00:00+24:00",
            Some("hour/min in offset out of range"),
        ),
        ("time", "-1:00:00Z", Some("non-positive hour/min/sec")),
        ("time", "+1:00:00Z", None),
        ("date-time", "1990-12-31T15:59:60-08:00", None),
        (
            "date-time",
            "2020-01-01 00:00:00Z",
            Some("11th character must be t or T"),
        ),
        (
            "date-time",
            "2020-02-30T00:00:00Z",
            Some(r#"invalid date element: parsing time "2020-02-30": day out of range"#),
        ),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn dates_follow_go_time_parse() {
    for (format, value, want) in [
        ("date", "2020-02-29", None),
        (
            "date",
            "2019-02-29",
            Some(r#"parsing time "2019-02-29": day out of range"#),
        ),
        ("date", "2000-02-29", None),
        (
            "date",
            "1900-02-29",
            Some(r#"parsing time "1900-02-29": day out of range"#),
        ),
        (
            "date",
            "2020-1-01",
            Some(r#"parsing time "2020-1-01" as "2006-01-02": cannot parse "1-01" as "01""#),
        ),
        (
            "date",
            "20x0-01-01",
            Some(
                r#"parsing time "20x0-01-01" as "2006-01-02": cannot parse "20x0-01-01" as "2006""#,
            ),
        ),
        (
            "date",
            "2020-01-01x",
            Some(r#"parsing time "2020-01-01x": extra text: "x""#),
        ),
        (
            "date",
            "2020/01/01",
            Some(r#"parsing time "2020/01/01" as "2006-01-02": cannot parse "/01/01" as "-""#),
        ),
        (
            "date",
            "é020-01-01",
            Some(
                r#"parsing time "\xc3\xa9020-01-01" as "2006-01-02": cannot parse "\xc3\xa9020-01-01" as "2006""#,
            ),
        ),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn duration_and_period_grammar() {
    for (format, value, want) in [
        ("duration", "P1W", None),
        ("duration", "P1Y2W", Some("invalid week")),
        ("duration", "PT", Some("no time elements")),
        ("duration", "P1DT", Some("no time elements")),
        ("duration", "P1M1Y", Some("unit 'Y' out of order")),
        ("duration", "PT1D", Some("invalid unit 'D'")),
        ("duration", "P1DT1HT1M", Some("more than one T")),
        ("duration", "P1.5D", Some("invalid unit '.'")),
        ("duration", "P1é", Some("invalid unit 'Ã'")),
        ("duration", "P", Some("nothing after P")),
        ("duration", "P1Y1M1D", None),
        (
            "period",
            "P1D/P1D",
            Some("invalid end date-time: less than 20 characters long"),
        ),
        ("period", "2020-01-01T00:00:00Z/P1D", None),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn ip_addresses_as_netip_and_atoi() {
    for (format, value, want) in [
        (
            "ipv6",
            "fe80::1%eth0",
            Some("zone id is not a part of ipv6 address"),
        ),
        ("ipv6", "::ffff:1.2.3.4", None),
        ("ipv6", "1:2:3:4:5:6:1.2.3.4", None),
        (
            "ipv6",
            "1:2:3:4:5:6:7:1.2.3.4",
            Some(
                r#"ParseAddr("1:2:3:4:5:6:7:1.2.3.4"): embedded IPv4 address must replace the final 2 fields of the address (at "1.2.3.4")"#,
            ),
        ),
        (
            "ipv6",
            "::1.2.3.4.5%e",
            Some(r#"ParseAddr("::1.2.3.4.5%e"): IPv4 address too long"#),
        ),
        (
            "ipv6",
            "12345::",
            Some(r#"ParseAddr("12345::"): each group must have 4 or less digits (at "12345::")"#),
        ),
        ("ipv6", "1.2.3.4", Some("missing colon")),
        (
            "ipv6",
            "1::2::3",
            Some(r#"ParseAddr("1::2::3"): multiple :: in address (at ":3")"#),
        ),
        ("ipv6", "%eth0", Some("missing colon")),
        ("ipv4", "+1.2.3.4", None),
        ("ipv4", "-0.2.3.4", None),
        (
            "ipv4",
            "99999999999999999999.1.1.1",
            Some(r#"strconv.Atoi: parsing "99999999999999999999": value out of range"#),
        ),
        (
            "ipv4",
            "1.2.3.-99999999999999999999",
            Some(r#"strconv.Atoi: parsing "-99999999999999999999": value out of range"#),
        ),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn uris_as_go_url_parse() {
    for (format, value, want) in [
        ("uri", "/a/b", Some("relative url")),
        ("uri", "//example.com/a", Some("relative url")),
        ("uri", "mailto:a@b.c", None),
        ("uri", "a:b", None),
        ("uri", ":a", Some(r#"parse ":a": missing protocol scheme"#)),
        (
            "uri",
            "http://::1/",
            Some(r#"parse "http://::1/": invalid port "::1" after host"#),
        ),
        (
            "uri",
            "ftp://::1/",
            Some("ipv6 address not enclosed in brackets"),
        ),
        (
            "uri",
            "http://a:b:c/",
            Some(r#"parse "http://a:b:c/": invalid port ":b:c" after host"#),
        ),
        (
            "uri",
            "ftp://a:b:c/",
            Some(r#"parse "ftp://a:b:c/": invalid port ":c" after host"#),
        ),
        (
            "uri",
            "http://[::1%25eth0]/",
            Some("invalid ipv6 address: zone id is not a part of ipv6 address"),
        ),
        (
            "uri",
            "http://[1.2.3.4]/",
            Some(r#"parse "http://[1.2.3.4]/": invalid IP-literal"#),
        ),
        (
            "uri",
            "http://x[::1]/",
            Some(r#"parse "http://x[::1]/": invalid IP-literal"#),
        ),
        (
            "uri",
            "http://exa mple.com/",
            Some(r#"parse "http://exa mple.com/": invalid character " " in host name"#),
        ),
        (
            "uri",
            "http://a/#%zz",
            Some(r#"parse "http://a/#%zz": invalid URL escape "%zz""#),
        ),
        (
            "uri",
            "http://u{@a/",
            Some(r#"parse "http://u{@a/": net/url: invalid userinfo"#),
        ),
        ("uri-reference", r#"a\b"#, Some(r#"contains \"#)),
        ("uri-reference", "./a:b", None),
        ("uri-reference", "", None),
        (
            "uri-template",
            "http://example.com/{a{b}}",
            Some("nested curly braces"),
        ),
        (
            "uri-template",
            "http://example.com/%7Ba!",
            Some("no matching closing brace"),
        ),
        ("uri-template", "http://example.com/%7Ba", None),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn email_hostname_uuid_semver_pointers() {
    for (format, value, want) in [
        (
            "email",
            r#""abc@example.com"#,
            Some(r#"invalid character '"'"#),
        ),
        (
            "email",
            r#""a\"b"@b.c"#,
            Some("backslash and quote are not allowed within quoted local part"),
        ),
        ("email", "a@[IPv6:::1]", None),
        (
            "email",
            "a@[IPv6:1.2.3.4]",
            Some("invalid ipv6 address: missing colon"),
        ),
        (
            "email",
            "a@[",
            Some("invalid domain: invalid character '['"),
        ),
        ("hostname", r#"a\b"#, Some(r#"invalid character '\\'"#)),
        (
            "uuid",
            r#"123e4567-e89b-12d3-a456-42661417400\"#,
            Some(r#"non-hex character '\\'"#),
        ),
        (
            "semver",
            "1.2.3-01",
            Some("pre-release numeric identifier starts with zero"),
        ),
        ("semver", "1.2.3+", Some("build is empty")),
        ("semver", "v1.2.3", Some("major contains non-digit")),
        ("relative-json-pointer", "01/a", Some("starts with zero")),
        ("relative-json-pointer", "0#", None),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn regex_gives_go_syntax_errors() {
    for (format, value, want) in [
        (
            "regex",
            "a**",
            Some("error parsing regexp: invalid nested repetition operator: `**`"),
        ),
        (
            "regex",
            "x{2}{3}",
            Some("error parsing regexp: invalid nested repetition operator: `{2}{3}`"),
        ),
        (
            "regex",
            "(a{100}){11}",
            Some("error parsing regexp: invalid repeat count: `{11}`"),
        ),
        (
            "regex",
            "[[:foo:]]",
            Some("error parsing regexp: invalid character class range: `[:foo:]`"),
        ),
        (
            "regex",
            r#"\p{Grek}"#,
            Some(r#"error parsing regexp: invalid character class range: `\p{Grek}`"#),
        ),
        ("regex", r#"\p{greek}"#, None),
        (
            "regex",
            "(?i-)a",
            Some("error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`"),
        ),
        (
            "regex",
            r#"\x{110000}"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\x{110000`"#),
        ),
        (
            "regex",
            r#"\18"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\1`"#),
        ),
        (
            "regex",
            r#"[a-\x]"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\x]`"#),
        ),
        (
            "regex",
            r#"\"#,
            Some("error parsing regexp: trailing backslash at end of expression: ``"),
        ),
        (
            "regex",
            r#"\Q\E*"#,
            Some("error parsing regexp: missing argument to repetition operator: `*`"),
        ),
        ("regex", "a(?i)*", None),
    ] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn unknown_formats_pass() {
    for (format, value, want) in [("idn-email", "x", None), ("unknown", "x", None)] {
        assert_eq!(
            check(format, value).err().as_deref(),
            want,
            "{format} {value:?}"
        );
    }
}

#[test]
fn refs_outside_the_document_follow_helms_loaders() {
    let with_ref = |r: &str| format!(r#"{{"properties":{{"v":{{"$ref":"{r}"}}}}}}"#);
    let values = r#"{"v":"x"}"#;
    // Helm's urn loader: an unresolved URN is the schema `true` (with a logged warning).
    assert!(validate(&with_ref("urn:example:x"), values).is_ok());
    assert!(validate(&with_ref("urn:example:x#"), values).is_ok());
    for (r, want) in [
        (
            "urn:example:x#/a",
            r#"json-pointer in "urn:example:x#/a" not found"#,
        ),
        (
            "urn:example:x#foo",
            r#"anchor in "urn:example:x#foo" not found in schema "urn:example:x""#,
        ),
        (
            "mailto:a@b.c",
            r#"failing loading "mailto:a@b.c": no URLLoader registered for "mailto:a@b.c""#,
        ),
        (
            "FTP://X/y.json",
            r#"failing loading "ftp://X/y.json": no URLLoader registered for "ftp://X/y.json""#,
        ),
    ] {
        assert_eq!(validate(&with_ref(r), values).unwrap_err(), want, "{r}");
    }
}

#[test]
fn messages_quote_as_go_does() {
    // The value as santhosh-tekuri shows it and the rune as Go's %q prints it.
    for (value, want) in [
        (
            "a\u{9}b",
            "- at '': 'a\\tb' is not valid hostname: invalid character '\\t'\u{a}",
        ),
        (
            "a\u{a}b",
            "- at '': 'a\\nb' is not valid hostname: invalid character '\\n'\u{a}",
        ),
        (
            "x\u{a0}y",
            "- at '': 'x\\u00a0y' is not valid hostname: invalid character '\\u00a0'\u{a}",
        ),
        (
            "x\u{200b}y",
            "- at '': 'x\\u200by' is not valid hostname: invalid character '\\u200b'\u{a}",
        ),
        (
            "x\u{feff}y",
            "- at '': 'x\\ufeffy' is not valid hostname: invalid character '\\ufeff'\u{a}",
        ),
        (
            "x\u{e000}y",
            "- at '': 'x\\ue000y' is not valid hostname: invalid character '\\ue000'\u{a}",
        ),
        (
            "x\u{1f600}y",
            "- at '': 'x\u{1f600}y' is not valid hostname: invalid character '\u{1f600}'\u{a}",
        ),
        (
            "x\u{85}y",
            "- at '': 'x\\u0085y' is not valid hostname: invalid character '\\u0085'\u{a}",
        ),
        (
            "x\u{ad}y",
            "- at '': 'x\\u00ady' is not valid hostname: invalid character '\\u00ad'\u{a}",
        ),
        (
            "x\u{2028}y",
            "- at '': 'x\\u2028y' is not valid hostname: invalid character '\\u2028'\u{a}",
        ),
        (
            "x\u{fffd}y",
            "- at '': 'x\u{fffd}y' is not valid hostname: invalid character '\u{fffd}'\u{a}",
        ),
        (
            "\u{378}x",
            "- at '': '\\u0378x' is not valid hostname: invalid character '\\u0378'\u{a}",
        ),
        (
            "x\u{7}y",
            "- at '': 'x\\ay' is not valid hostname: invalid character '\\a'\u{a}",
        ),
        (
            "x\u{7f}y",
            "- at '': 'x\\x7fy' is not valid hostname: invalid character '\\x7f'\u{a}",
        ),
        (
            "x'y",
            "- at '': 'x\\'y' is not valid hostname: invalid character '\\''\u{a}",
        ),
        (
            "x\"y",
            "- at '': 'x\"y' is not valid hostname: invalid character '\"'\u{a}",
        ),
        (
            "x\\y",
            "- at '': 'x\\\\y' is not valid hostname: invalid character '\\\\'\u{a}",
        ),
        (
            "\\",
            "- at '': '\\' is not valid hostname: invalid character '\\\\'\u{a}",
        ),
        (
            "'\\'",
            "- at '': '\\'\\\\\\'' is not valid hostname: invalid character '\\''\u{a}",
        ),
    ] {
        let schema = r#"{"$schema":"http://json-schema.org/draft-07/schema#","format":"hostname"}"#;
        let values = super::json::J::Str(value.to_string());
        assert_eq!(
            validate_single(&values, schema.as_bytes()).unwrap_err(),
            want,
            "{value:?}"
        );
    }
}
