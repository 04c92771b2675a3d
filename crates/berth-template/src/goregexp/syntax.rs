//! Go's `regexp.Compile` syntax check (`regexp/syntax.Parse` with Perl flags, Go 1.27):
//! whether Go accepts a pattern and, if not, its exact error. Only the structure Go's
//! errors depend on is kept: the parse stack (groups, alternations, atoms) and nested
//! repeat counts.
//!
//! Not checked: Go's limits on nesting depth (1000) and program size ("expression too
//! large"), which only huge patterns reach.

/// `syntax.Error.Error()`.
fn error(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

const INVALID_CHAR_RANGE: &str = "invalid character class range";
const INVALID_ESCAPE: &str = "invalid escape sequence";
const INVALID_NAMED_CAPTURE: &str = "invalid named capture";
const INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const MISSING_BRACKET: &str = "missing closing ]";
const MISSING_PAREN: &str = "missing closing )";
const MISSING_REPEAT_ARG: &str = "missing argument to repetition operator";
const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const UNEXPECTED_PAREN: &str = "unexpected )";

/// A parsed expression, reduced to its repeats.
#[derive(Debug)]
struct Node {
    /// `Some((min, max))` for a repeat (`max` -1: unbounded).
    repeat: Option<(i64, i64)>,
    subs: Vec<Node>,
}

impl Node {
    fn leaf() -> Node {
        Node {
            repeat: None,
            subs: Vec::new(),
        }
    }
}

enum Entry {
    Paren,
    Bar,
    Node(Node),
}

/// `repeatIsValid`: nested counts multiply to at most `n`.
fn repeat_is_valid(re: &Node, mut n: i64) -> bool {
    if let Some((min, max)) = re.repeat {
        let mut m = max;
        if m == 0 {
            return true;
        }
        if m < 0 {
            m = min;
        }
        if m > n {
            return false;
        }
        if m > 0 {
            n /= m;
        }
    }
    re.subs.iter().all(|s| repeat_is_valid(s, n))
}

/// The text of `s` before `rest` (which is a suffix of it).
fn before<'a>(s: &'a str, rest: &str) -> &'a str {
    &s[..s.len() - rest.len()]
}

fn next_rune(s: &str) -> (Option<char>, &str) {
    let mut it = s.chars();
    let c = it.next();
    (c, it.as_str())
}

fn unhex(c: Option<char>) -> i64 {
    c.and_then(|c| c.to_digit(16)).map_or(-1, i64::from)
}

struct Parser<'a> {
    whole: &'a str,
    stack: Vec<Entry>,
}

/// Checks `pat` as Go's `regexp.Compile` does: `Ok` or Go's error text.
pub fn check(pat: &str) -> Result<(), String> {
    let mut p = Parser {
        whole: pat,
        stack: Vec::new(),
    };
    let mut t = pat;
    let mut last_repeat: &str = "";
    while !t.is_empty() {
        let mut repeat: &str = "";
        let b = t.as_bytes()[0];
        match b {
            b'(' => {
                if t.len() >= 2 && t.as_bytes()[1] == b'?' {
                    t = p.perl_flags(t)?;
                } else {
                    p.stack.push(Entry::Paren);
                    t = &t[1..];
                }
            }
            b'|' => {
                p.collapse_concat();
                p.stack.push(Entry::Bar);
                t = &t[1..];
            }
            b')' => {
                p.right_paren()?;
                t = &t[1..];
            }
            b'^' | b'$' | b'.' => {
                p.push_leaf();
                t = &t[1..];
            }
            b'[' => t = p.class(t)?,
            b'*' | b'+' | b'?' => {
                let after = p.repeat(-1, -1, t, &t[1..], last_repeat)?;
                repeat = t;
                t = after;
            }
            b'{' => match parse_repeat(t) {
                None => {
                    p.push_leaf();
                    t = &t[1..];
                }
                Some((min, max, after)) => {
                    if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                        return Err(error(INVALID_REPEAT_SIZE, before(t, after)));
                    }
                    let after = p.repeat(min, max, t, after, last_repeat)?;
                    repeat = t;
                    t = after;
                }
            },
            b'\\' => t = p.escape_atom(t)?,
            _ => {
                p.push_leaf();
                t = next_rune(t).1;
            }
        }
        last_repeat = repeat;
    }
    p.collapse_concat();
    p.collapse_alternate();
    if p.stack.iter().any(|e| matches!(e, Entry::Paren)) {
        return Err(error(MISSING_PAREN, pat));
    }
    Ok(())
}

/// `parseRepeat`: `{min}`, `{min,}` or `{min,max}`; `None` when `{` is a literal.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (min, mut s) = parse_int(s)?;
    let mut max = min;
    let mut min = min;
    if let Some(rest) = s.strip_prefix(',') {
        s = rest;
        if s.starts_with('}') {
            max = -1;
        } else {
            let (m, rest) = parse_int(s)?;
            s = rest;
            max = m;
            if max < 0 {
                min = -1;
            }
        }
    } else if s.is_empty() {
        return None;
    }
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

/// `parseInt`: digits without leading zeros; -1 if too big.
fn parse_int(s: &str) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return None;
    }
    if b.len() >= 2 && b[0] == b'0' && b[1].is_ascii_digit() {
        return None;
    }
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut v: i64 = 0;
    for &d in &b[..n] {
        if v >= 100_000_000 {
            v = -1;
            break;
        }
        v = v * 10 + i64::from(d - b'0');
    }
    Some((v, &s[n..]))
}

impl<'a> Parser<'a> {
    fn push_leaf(&mut self) {
        self.stack.push(Entry::Node(Node::leaf()));
    }

    /// Everything above the last group or alternation mark into one node.
    fn collapse_concat(&mut self) {
        let i = self
            .stack
            .iter()
            .rposition(|e| !matches!(e, Entry::Node(_)))
            .map_or(0, |i| i + 1);
        self.collapse_from(i);
    }

    /// The alternatives above the last group mark into one node (after a concat).
    fn collapse_alternate(&mut self) {
        let i = self
            .stack
            .iter()
            .rposition(|e| matches!(e, Entry::Paren))
            .map_or(0, |i| i + 1);
        self.collapse_from(i);
    }

    /// The nodes from stack index `i` up, as one node.
    fn collapse_from(&mut self, i: usize) {
        let subs: Vec<Node> = self
            .stack
            .drain(i..)
            .filter_map(|e| match e {
                Entry::Node(n) => Some(n),
                _ => None,
            })
            .collect();
        self.stack.push(Entry::Node(Node { repeat: None, subs }));
    }

    fn right_paren(&mut self) -> Result<(), String> {
        self.collapse_concat();
        self.collapse_alternate();
        let n = self.stack.len();
        if n < 2 || !matches!(self.stack[n - 2], Entry::Paren) {
            return Err(error(UNEXPECTED_PAREN, self.whole));
        }
        let Some(Entry::Node(inner)) = self.stack.pop() else {
            return Err(error(UNEXPECTED_PAREN, self.whole));
        };
        self.stack.pop();
        self.stack.push(Entry::Node(inner));
        Ok(())
    }

    /// `repeat`: the operator at the start of `before`, ending where `after` starts.
    fn repeat(
        &mut self,
        min: i64,
        max: i64,
        before_op: &'a str,
        after: &'a str,
        last_repeat: &'a str,
    ) -> Result<&'a str, String> {
        let after = after.strip_prefix('?').unwrap_or(after);
        if !last_repeat.is_empty() {
            return Err(error(INVALID_REPEAT_OP, before(last_repeat, after)));
        }
        let op_text = before(before_op, after);
        let sub = match self.stack.pop() {
            Some(Entry::Node(n)) => n,
            other => {
                if let Some(e) = other {
                    self.stack.push(e);
                }
                return Err(error(MISSING_REPEAT_ARG, op_text));
            }
        };
        let is_counted = before_op.starts_with('{');
        let node = Node {
            repeat: is_counted.then_some((min, max)),
            subs: vec![sub],
        };
        if is_counted && (min >= 2 || max >= 2) && !repeat_is_valid(&node, 1000) {
            return Err(error(INVALID_REPEAT_SIZE, op_text));
        }
        self.stack.push(Entry::Node(node));
        Ok(after)
    }

    /// `parsePerlFlags`: `(?` groups, named captures and flag changes.
    fn perl_flags(&mut self, s: &'a str) -> Result<&'a str, String> {
        let b = s.as_bytes();
        if (b.len() > 4 && b[2] == b'P' && b[3] == b'<') || (b.len() > 3 && b[2] == b'<') {
            let begin = if b[2] == b'<' { 3 } else { 4 };
            let Some(end) = s.find('>') else {
                return Err(error(INVALID_NAMED_CAPTURE, s));
            };
            let name = &s[begin..end];
            if name.is_empty() || !name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric()) {
                return Err(error(INVALID_NAMED_CAPTURE, &s[..=end]));
            }
            self.stack.push(Entry::Paren);
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut negated = false;
        let mut saw_flag = false;
        while let (Some(c), rest) = next_rune(t) {
            t = rest;
            match c {
                'i' | 'm' | 's' | 'U' => saw_flag = true,
                '-' => {
                    if negated {
                        break;
                    }
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' => {
                    if negated && !saw_flag {
                        break;
                    }
                    if c == ':' {
                        self.stack.push(Entry::Paren);
                    }
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(error(INVALID_PERL_OP, before(s, t)))
    }

    /// A `\` outside a class: assertions, `\Q...\E`, classes, or an escaped character.
    fn escape_atom(&mut self, t: &'a str) -> Result<&'a str, String> {
        let b = t.as_bytes();
        if b.len() >= 2 {
            match b[1] {
                b'A' | b'b' | b'B' | b'z' => {
                    self.push_leaf();
                    return Ok(&t[2..]);
                }
                b'C' => return Err(error(INVALID_ESCAPE, &t[..2])),
                b'Q' => {
                    let body = &t[2..];
                    let (lit, rest) = match body.find("\\E") {
                        Some(i) => (&body[..i], &body[i + 2..]),
                        None => (body, ""),
                    };
                    for _ in lit.chars() {
                        self.push_leaf();
                    }
                    return Ok(rest);
                }
                _ => {}
            }
        }
        if let Some(rest) = unicode_class(t)? {
            self.push_leaf();
            return Ok(rest);
        }
        if let Some(rest) = perl_class(t) {
            self.push_leaf();
            return Ok(rest);
        }
        let (_, rest) = escape(t)?;
        self.push_leaf();
        Ok(rest)
    }

    /// `parseClass`: `[...]`.
    fn class(&mut self, s: &'a str) -> Result<&'a str, String> {
        let mut t = &s[1..];
        if t.starts_with('^') {
            t = &t[1..];
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2 && t.starts_with("[:") {
                if let Some(rest) = named_class(t)? {
                    t = rest;
                    continue;
                }
            }
            if let Some(rest) = unicode_class(t)? {
                t = rest;
                continue;
            }
            if let Some(rest) = perl_class(t) {
                t = rest;
                continue;
            }
            let rng = t;
            let (lo, rest) = class_char(t, s)?;
            t = rest;
            let tb = t.as_bytes();
            if tb.len() >= 2 && tb[0] == b'-' && tb[1] != b']' {
                let (hi, rest) = class_char(&t[1..], s)?;
                t = rest;
                if hi < lo {
                    return Err(error(INVALID_CHAR_RANGE, before(rng, t)));
                }
            }
        }
        self.push_leaf();
        Ok(&t[1..])
    }
}

/// `parseClassChar`.
fn class_char<'a>(s: &'a str, whole_class: &str) -> Result<(u32, &'a str), String> {
    if s.is_empty() {
        return Err(error(MISSING_BRACKET, whole_class));
    }
    if s.starts_with('\\') {
        return escape(s);
    }
    let (c, rest) = next_rune(s);
    Ok((c.map_or(0, u32::from), rest))
}

/// `parseNamedClass`: `[:alpha:]` and the like; `None` without a closing `:]`.
fn named_class(s: &str) -> Result<Option<&str>, String> {
    const NAMES: [&str; 14] = [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
        "space", "upper", "word", "xdigit",
    ];
    let Some(i) = s[2..].find(":]") else {
        return Ok(None);
    };
    let name = &s[..i + 4];
    let inner = &name[2..name.len() - 2];
    if !NAMES.contains(&inner.strip_prefix('^').unwrap_or(inner)) {
        return Err(error(INVALID_CHAR_RANGE, name));
    }
    Ok(Some(&s[i + 4..]))
}

/// `parsePerlClassEscape`: `\d \D \s \S \w \W`.
fn perl_class(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 2 && b[0] == b'\\' && b"dDsSwW".contains(&b[1])).then(|| &s[2..])
}

/// `parseUnicodeClass`: `\pL`, `\p{Greek}`, `\P{^Lu}`; `None` if `s` is not one.
fn unicode_class(s: &str) -> Result<Option<&str>, String> {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b'\\' || (b[1] != b'p' && b[1] != b'P') {
        return Ok(None);
    }
    let (c, t) = next_rune(&s[2..]);
    let (seq, rest, name) = if c != Some('{') {
        let seq = before(s, t);
        (seq, t, &seq[2..])
    } else {
        let Some(end) = s.find('}') else {
            return Err(error(INVALID_CHAR_RANGE, s));
        };
        (&s[..=end], &s[end + 1..], &s[3..end])
    };
    let name = name.strip_prefix('^').unwrap_or(name);
    if !unicode_name_known(name) {
        return Err(error(INVALID_CHAR_RANGE, seq));
    }
    Ok(Some(rest))
}

/// `parseEscape`: the escaped character and the rest.
fn escape(s: &str) -> Result<(u32, &str), String> {
    let t = &s[1..];
    if t.is_empty() {
        return Err(error(TRAILING_BACKSLASH, ""));
    }
    let (c, mut t) = next_rune(t);
    let c = c.unwrap_or('\u{fffd}');
    let invalid = |t: &str| Err(error(INVALID_ESCAPE, before(s, t)));
    match c {
        '1'..='7' if !t.starts_with(|d: char| ('0'..='7').contains(&d)) => invalid(t),
        '0'..='7' => {
            let mut r = c as u32 - '0' as u32;
            for _ in 1..3 {
                match t.as_bytes().first() {
                    Some(&d) if (b'0'..=b'7').contains(&d) => {
                        r = r * 8 + u32::from(d - b'0');
                        t = &t[1..];
                    }
                    _ => break,
                }
            }
            Ok((r, t))
        }
        'x' => {
            if t.is_empty() {
                return invalid(t);
            }
            let (c, rest) = next_rune(t);
            t = rest;
            if c == Some('{') {
                let mut nhex = 0;
                let mut r: i64 = 0;
                loop {
                    if t.is_empty() {
                        return invalid(t);
                    }
                    let (c, rest) = next_rune(t);
                    t = rest;
                    if c == Some('}') {
                        break;
                    }
                    let v = unhex(c);
                    if v < 0 {
                        return invalid(t);
                    }
                    r = r * 16 + v;
                    if r > 0x10ffff {
                        return invalid(t);
                    }
                    nhex += 1;
                }
                if nhex == 0 {
                    return invalid(t);
                }
                return Ok((r as u32, t));
            }
            let x = unhex(c);
            let (c2, rest) = next_rune(t);
            t = rest;
            let y = unhex(c2);
            if x < 0 || y < 0 {
                return invalid(t);
            }
            Ok(((x * 16 + y) as u32, t))
        }
        'a' => Ok((7, t)),
        'f' => Ok((12, t)),
        'n' => Ok((10, t)),
        'r' => Ok((13, t)),
        't' => Ok((9, t)),
        'v' => Ok((11, t)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c as u32, t)),
        _ => invalid(t),
    }
}

/// `canonicalName`: first letter upper, the rest lower, without `_`, `-` and spaces.
fn canonical_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '_' | '-' | ' ') {
            continue;
        }
        if out.is_empty() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether `unicodeTable` knows `name`: `Any`, `Assigned`, `ASCII`, the general
/// categories and their long names, and the scripts of Unicode 17.
fn unicode_name_known(name: &str) -> bool {
    let canon = canonical_name(name);
    if matches!(canon.as_str(), "Any" | "Assigned" | "Ascii" | "Lc") {
        return true;
    }
    CATEGORIES
        .iter()
        .chain(CATEGORY_ALIASES)
        .chain(SCRIPTS)
        .any(|n| canonical_name(n) == canon)
}

const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

const CATEGORY_ALIASES: &[&str] = &[
    "Cased_Letter",
    "Close_Punctuation",
    "Combining_Mark",
    "Connector_Punctuation",
    "Control",
    "cntrl",
    "Currency_Symbol",
    "Dash_Punctuation",
    "Decimal_Number",
    "digit",
    "Enclosing_Mark",
    "Final_Punctuation",
    "Format",
    "Initial_Punctuation",
    "Letter",
    "Letter_Number",
    "Line_Separator",
    "Lowercase_Letter",
    "Mark",
    "Math_Symbol",
    "Modifier_Letter",
    "Modifier_Symbol",
    "Nonspacing_Mark",
    "Number",
    "Open_Punctuation",
    "Other",
    "Other_Letter",
    "Other_Number",
    "Other_Punctuation",
    "Other_Symbol",
    "Paragraph_Separator",
    "Private_Use",
    "Punctuation",
    "punct",
    "Separator",
    "Space_Separator",
    "Spacing_Mark",
    "Surrogate",
    "Symbol",
    "Titlecase_Letter",
    "Unassigned",
    "Uppercase_Letter",
];

const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Beria_Erfe",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Garay",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Gurung_Khema",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Kirat_Rai",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Ol_Onal",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "Sidetic",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Sunuwar",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Tai_Yo",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Todhri",
    "Tolong_Siki",
    "Toto",
    "Tulu_Tigalari",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];
