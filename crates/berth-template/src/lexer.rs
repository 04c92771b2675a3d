//! The lexer: splits template text into items exactly as Go's text/template lexer does.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemType {
    Error,
    /// What the parser reads past the end: Go's zero item, an error without a message.
    Stopped,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

/// A token: a plain copy (the parser peeks and copies items all the time), its text
/// borrowed from the template. An error item's text is empty; the message is returned
/// beside the items.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    pub val: &'a str,
    pub line: usize,
}

impl std::fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error | ItemType::Stopped => f.write_str(self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ => {
                if self.val.len() > 10 {
                    // %.10q: quote the first ten runes.
                    let short: String = self.val.chars().take(10).collect();
                    write!(f, "{}...", crate::fmt::quote_go(&short))
                } else {
                    f.write_str(&crate::fmt::quote_go(self.val))
                }
            }
        }
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

const TRIM_MARKER_LEN: usize = 2;

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    // Identifiers are nearly always ASCII, where the Unicode tables need not be consulted.
    if c.is_ascii() {
        return c == '_' || c.is_ascii_alphanumeric();
    }
    c.is_alphabetic() || crate::go_unicode::is_digit(c)
}

/// `text.find(delim)`, searching for the delimiter's first character first (a memchr for
/// the usual `{{`) instead of setting up a substring search per text item.
fn find_delim(text: &str, delim: &str) -> Option<usize> {
    let Some(first) = delim.chars().next() else {
        return Some(0);
    };
    let mut from = 0;
    while let Some(i) = text.get(from..)?.find(first) {
        let at = from + i;
        if text.get(at..).is_some_and(|t| t.starts_with(delim)) {
            return Some(at);
        }
        from = at + first.len_utf8();
    }
    None
}

fn has_left_trim(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1] as char)
}

fn has_right_trim(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0] as char) && s[1] == b'-'
}

/// `text.starts_with(delim)`, deciding on the first byte without a call in the usual case
/// (a lexer asks this at nearly every position of an action).
fn starts_with_delim(text: &[u8], delim: &str) -> bool {
    let delim = delim.as_bytes();
    match delim.first() {
        Some(first) => text.first() == Some(first) && text.starts_with(delim),
        None => true,
    }
}

pub(crate) struct Lexer<'a, 'd> {
    input: &'a str,
    left: &'d str,
    right: &'d str,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i32,
    line: usize,
    start_line: usize,
    break_ok: bool,
    continue_ok: bool,
    items: Vec<Item<'a>>,
    error: Option<String>,
}

enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
    Done,
}

/// An empty item vector kept between files so that parsing many files reuses one
/// allocation (a chart's items would otherwise take several times its text in fresh memory).
pub(crate) type ItemBuffer = Vec<Item<'static>>;

/// The same allocation, emptied, for items of another text.
pub(crate) fn recycle<'b>(mut items: Vec<Item<'_>>) -> Vec<Item<'b>> {
    items.clear();
    // Collecting an emptied vector through `filter_map` reuses its allocation in place;
    // the closure is what changes the item's lifetime, which `filter` could not.
    #[allow(clippy::unnecessary_filter_map)]
    items.into_iter().filter_map(|_| None).collect()
}

/// Lexes the whole input into `items` (emptied first); the last item is EOF or an error,
/// whose message comes with them.
pub(crate) fn lex<'a>(
    input: &'a str,
    left: &str,
    right: &str,
    break_ok: bool,
    continue_ok: bool,
    items: Vec<Item<'a>>,
) -> (Vec<Item<'a>>, Option<String>) {
    let left = if left.is_empty() { "{{" } else { left };
    let mut l = Lexer {
        input,
        left,
        right: if right.is_empty() { "}}" } else { right },
        pos: 0,
        start: 0,
        at_eof: false,
        paren_depth: 0,
        line: 1,
        start_line: 1,
        break_ok,
        continue_ok,
        items: {
            let mut items = recycle(items);
            // About one item per eight bytes of a typical chart template.
            items.reserve(input.len() / 8);
            items
        },
        error: None,
    };
    let mut state = State::Text;
    loop {
        state = match state {
            State::Text => l.lex_text(),
            State::LeftDelim => l.lex_left_delim(),
            State::Comment => l.lex_comment(),
            State::RightDelim => l.lex_right_delim(),
            State::InsideAction => l.lex_inside_action(),
            State::Space => l.lex_space(),
            State::Identifier => l.lex_identifier(),
            State::Field => l.lex_field_or_variable(ItemType::Field),
            State::Variable => {
                if l.at_terminator() {
                    l.emit(ItemType::Variable);
                    State::InsideAction
                } else {
                    l.lex_field_or_variable(ItemType::Variable)
                }
            }
            State::Char => l.lex_char(),
            State::Number => l.lex_number(),
            State::Quote => l.lex_quote(),
            State::RawQuote => l.lex_raw_quote(),
            State::Done => break,
        }
    }
    (l.items, l.error)
}

impl<'a> Lexer<'a, '_> {
    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn next(&mut self) -> Option<char> {
        // Template actions are almost all ASCII: one byte, no decoding.
        if let Some(&b) = self.input.as_bytes().get(self.pos) {
            if b.is_ascii() {
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                return Some(b as char);
            }
        }
        match self.rest().chars().next() {
            None => {
                self.at_eof = true;
                None
            }
            Some(c) => {
                self.pos += c.len_utf8();
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        match self.input.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(b as char),
            _ => self.rest().chars().next(),
        }
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            if let Some(&b) = self.input.as_bytes().get(self.pos - 1) {
                if b.is_ascii() {
                    self.pos -= 1;
                    if b == b'\n' {
                        self.line -= 1;
                    }
                    return;
                }
            }
            if let Some(c) = self
                .input
                .get(..self.pos)
                .and_then(|s| s.chars().next_back())
            {
                self.pos -= c.len_utf8();
                if c == '\n' {
                    self.line -= 1;
                }
            }
        }
    }

    fn slice(&self, a: usize, b: usize) -> &'a str {
        self.input.get(a..b).unwrap_or("")
    }

    fn emit(&mut self, typ: ItemType) {
        let val = self.slice(self.start, self.pos);
        self.items.push(Item {
            typ,
            pos: self.start,
            val,
            line: self.start_line,
        });
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn ignore(&mut self) {
        self.line += self.slice(self.start, self.pos).matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while let Some(c) = self.next() {
            if !valid.contains(c) {
                break;
            }
        }
        self.backup();
    }

    fn errorf(&mut self, msg: String) -> State {
        self.items.push(Item {
            typ: ItemType::Error,
            pos: self.start,
            val: "",
            line: self.start_line,
        });
        self.error = Some(msg);
        State::Done
    }

    fn lex_text(&mut self) -> State {
        if let Some(x) = find_delim(self.rest(), self.left) {
            let ldn = self.left.len();
            self.pos += x;
            let mut trim = 0;
            if has_left_trim(self.rest().as_bytes().get(ldn..).unwrap_or(b"")) {
                let s = self.slice(self.start, self.pos);
                trim = s.len() - s.trim_end_matches([' ', '\t', '\r', '\n']).len();
            }
            self.pos -= trim;
            if self.pos > self.start {
                self.line += self.slice(self.start, self.pos).matches('\n').count();
                self.emit(ItemType::Text);
            }
            self.pos += trim;
            self.ignore();
            return State::LeftDelim;
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += self.slice(self.start, self.pos).matches('\n').count();
            self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof);
        State::Done
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.input.as_bytes().get(self.pos..).unwrap_or(&[]);
        if has_right_trim(rest)
            && rest
                .get(TRIM_MARKER_LEN..)
                .is_some_and(|r| starts_with_delim(r, self.right))
        {
            return (true, true);
        }
        (starts_with_delim(rest, self.right), false)
    }

    fn left_trim_len(&self) -> usize {
        let s = self.rest();
        s.len() - s.trim_start_matches([' ', '\t', '\r', '\n']).len()
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += self.left.len();
        let trim = has_left_trim(self.rest().as_bytes());
        let after = if trim { TRIM_MARKER_LEN } else { 0 };
        if self
            .rest()
            .get(after..)
            .is_some_and(|r| r.starts_with("/*"))
        {
            self.pos += after;
            self.ignore();
            return State::Comment;
        }
        self.emit(ItemType::LeftDelim);
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        State::InsideAction
    }

    fn lex_comment(&mut self) -> State {
        self.pos += 2;
        let Some(i) = self.rest().find("*/") else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += i + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += self.right.len();
        if trim {
            self.pos += self.left_trim_len();
        }
        self.ignore();
        State::Text
    }

    fn lex_right_delim(&mut self) -> State {
        let trim = has_right_trim(self.rest().as_bytes());
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += self.right.len();
        self.emit(ItemType::RightDelim);
        if trim {
            self.pos += self.left_trim_len();
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> State {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return State::RightDelim;
            }
            return self.errorf("unclosed left paren".into());
        }
        let Some(r) = self.next() else {
            return self.errorf("unclosed action".into());
        };
        match r {
            c if is_space(c) => {
                self.backup();
                return State::Space;
            }
            '=' => self.emit(ItemType::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(ItemType::Declare);
            }
            '|' => self.emit(ItemType::Pipe),
            '"' => return State::Quote,
            '`' => return State::RawQuote,
            '$' => return State::Variable,
            '\'' => return State::Char,
            '.' => {
                if let Some(&b) = self.input.as_bytes().get(self.pos) {
                    if !b.is_ascii_digit() {
                        return State::Field;
                    }
                }
                self.backup();
                return State::Number;
            }
            '+' | '-' | '0'..='9' => {
                self.backup();
                return State::Number;
            }
            c if is_alnum(c) => {
                self.backup();
                return State::Identifier;
            }
            '(' => {
                self.emit(ItemType::LeftParen);
                self.paren_depth += 1;
            }
            ')' => {
                self.emit(ItemType::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren U+0029 ')'".into());
                }
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(ItemType::Char),
            c => {
                return self.errorf(format!(
                    "unrecognized character in action: {}",
                    crate::fmt::format_unicode(c, true)
                ));
            }
        }
        State::InsideAction
    }

    fn lex_space(&mut self) -> State {
        let mut num = 0;
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
            num += 1;
        }
        let back = self.input.get(self.pos - 1..).unwrap_or("");
        if has_right_trim(back.as_bytes())
            && back
                .get(TRIM_MARKER_LEN..)
                .is_some_and(|r| r.starts_with(self.right))
        {
            self.backup();
            if num == 1 {
                return State::RightDelim;
            }
        }
        self.emit(ItemType::Space);
        State::InsideAction
    }

    /// Moves past a run of ASCII letters, digits and underscores (no line breaks), the
    /// bulk of every identifier, field and variable, without going rune by rune.
    fn skip_ascii_alnum(&mut self) {
        let rest = self.input.as_bytes().get(self.pos..).unwrap_or(&[]);
        self.pos += rest
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
            .count();
    }

    fn lex_identifier(&mut self) -> State {
        self.skip_ascii_alnum();
        loop {
            let r = self.next();
            match r {
                Some(c) if is_alnum(c) => {}
                _ => {
                    self.backup();
                    let word = self.slice(self.start, self.pos);
                    if !self.at_terminator() {
                        return self.errorf(format!("bad character {}", rune_desc(r)));
                    }
                    if let Some(k) = keyword(word) {
                        if (k == ItemType::Break && !self.break_ok)
                            || (k == ItemType::Continue && !self.continue_ok)
                        {
                            self.emit(ItemType::Identifier);
                        } else {
                            self.emit(k);
                        }
                    } else if word.starts_with('.') {
                        self.emit(ItemType::Field);
                    } else if word == "true" || word == "false" {
                        self.emit(ItemType::Bool);
                    } else {
                        self.emit(ItemType::Identifier);
                    }
                    return State::InsideAction;
                }
            }
        }
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> State {
        if self.at_terminator() {
            if typ == ItemType::Variable {
                self.emit(ItemType::Variable);
            } else {
                self.emit(ItemType::Dot);
            }
            return State::InsideAction;
        }
        let mut r;
        self.skip_ascii_alnum();
        loop {
            r = self.next();
            match r {
                Some(c) if is_alnum(c) => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        if !self.at_terminator() {
            return self.errorf(format!("bad character {}", rune_desc(r)));
        }
        self.emit(typ);
        State::InsideAction
    }

    fn at_terminator(&mut self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => starts_with_delim(self.rest().as_bytes(), self.right),
        }
    }

    fn lex_char(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some(c) if c != '\n' => continue,
                    _ => return self.errorf("unterminated character constant".into()),
                },
                None | Some('\n') => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(ItemType::CharConstant);
        State::InsideAction
    }

    fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            let t = self.slice(self.start, self.pos).to_string();
            return self.errorf(format!("bad number syntax: {}", crate::fmt::quote_go(&t)));
        }
        if let Some('+' | '-') = self.peek() {
            if !self.scan_number() || self.input.as_bytes().get(self.pos - 1) != Some(&b'i') {
                let t = self.slice(self.start, self.pos).to_string();
                return self.errorf(format!("bad number syntax: {}", crate::fmt::quote_go(&t)));
            }
            self.emit(ItemType::Complex);
        } else {
            self.emit(ItemType::Number);
        }
        State::InsideAction
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some(c) if c != '\n' => continue,
                    _ => return self.errorf("unterminated quoted string".into()),
                },
                None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(ItemType::String);
        State::InsideAction
    }

    fn lex_raw_quote(&mut self) -> State {
        loop {
            match self.next() {
                None => return self.errorf("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(ItemType::RawString);
        State::InsideAction
    }
}

fn rune_desc(r: Option<char>) -> String {
    match r {
        // Go's eof rune is -1, which %#U prints as U+FFFFFFFFFFFFFFFF.
        None => "U+FFFFFFFFFFFFFFFF".to_string(),
        Some(c) => crate::fmt::format_unicode(c, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identifiers take Go's decimal digits (Nd), not every numeric character
    /// (checked with the Go oracle, where `½` is a bad character).
    #[test]
    fn identifiers_take_decimal_digits_only() {
        let (items, error) = lex("{{ $a٣ }}", "", "", true, true, Vec::new());
        assert_eq!(error, None);
        assert!(
            items
                .iter()
                .any(|i| i.typ == ItemType::Variable && i.val == "$a٣")
        );
        let (_, error) = lex("{{ .a½ }}", "", "", true, true, Vec::new());
        assert_eq!(error.as_deref(), Some("bad character U+00BD '½'"));
    }

    #[test]
    fn a_recycled_buffer_keeps_its_allocation() {
        let first = String::from("a {{ .b }} c {{ d }}");
        let (items, _) = lex(&first, "", "", true, true, Vec::new());
        assert!(items.len() > 5);
        let capacity = items.capacity();
        let buffer: ItemBuffer = recycle(items);
        assert!(buffer.is_empty());
        assert_eq!(buffer.capacity(), capacity);
        let second = String::from("x {{ .y }}");
        let (again, _) = lex(&second, "", "", true, true, recycle(buffer));
        assert_eq!(again.capacity(), capacity);
        assert_eq!(again.last().map(|i| i.typ), Some(ItemType::Eof));
    }
}
