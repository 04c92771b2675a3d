//! The YAML 1.1 scanner: characters to tokens, with libyaml's rules as
//! gopkg.in/yaml.v2 has them.
//!
//! Its behaviour is libyaml's, not the YAML spec's, where the two part ways:
//! indentation is only checked in block context (a flow collection or a quoted
//! scalar may continue at any column), a simple key may not span lines nor run
//! past 1024 characters, LS, PS and NEL are line breaks (NEL is read as `\n`, LS
//! and PS are kept as they are), and a character outside YAML's printable set
//! stops the input the moment the reader decodes the 512-byte block holding it.

use std::collections::VecDeque;

/// A position in the input: characters from the start, 0-based line and column
/// (in characters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

/// Which stage found a problem; yaml.v2 shows scanner lines 1-based and parser
/// lines 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Reader,
    Scanner,
    Parser,
}

/// A libyaml error: the problem and where, with the context it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub stage: Stage,
    pub problem: String,
    pub problem_mark: Mark,
    pub context: &'static str,
    pub context_mark: Mark,
}

impl SyntaxError {
    /// yaml.v2's wording: `line N: problem`, where N is the problem's line
    /// (1-based for the scanner, 0-based for the parser) or, when that is 0, the
    /// context's; no line at all when both are 0.
    pub fn message(&self) -> String {
        let line = if self.problem_mark.line != 0 {
            self.problem_mark.line + usize::from(self.stage == Stage::Scanner)
        } else {
            self.context_mark.line
        };
        if line != 0 {
            format!("line {line}: {}", self.problem)
        } else {
            self.problem.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    StreamStart,
    StreamEnd,
    VersionDirective(u8, u8),
    TagDirective(Vec<u8>, Vec<u8>),
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias(String),
    Anchor(String),
    /// Handle and suffix, both as written (a suffix may hold %-escaped octets).
    Tag(Vec<u8>, Vec<u8>),
    Scalar(String, ScalarStyle),
}

/// A token's kind without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    StreamStart,
    StreamEnd,
    VersionDirective,
    TagDirective,
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias,
    Anchor,
    Tag,
    Scalar,
}

impl TokenKind {
    pub fn ty(&self) -> Ty {
        match self {
            TokenKind::StreamStart => Ty::StreamStart,
            TokenKind::StreamEnd => Ty::StreamEnd,
            TokenKind::VersionDirective(..) => Ty::VersionDirective,
            TokenKind::TagDirective(..) => Ty::TagDirective,
            TokenKind::DocumentStart => Ty::DocumentStart,
            TokenKind::DocumentEnd => Ty::DocumentEnd,
            TokenKind::BlockSequenceStart => Ty::BlockSequenceStart,
            TokenKind::BlockMappingStart => Ty::BlockMappingStart,
            TokenKind::BlockEnd => Ty::BlockEnd,
            TokenKind::FlowSequenceStart => Ty::FlowSequenceStart,
            TokenKind::FlowSequenceEnd => Ty::FlowSequenceEnd,
            TokenKind::FlowMappingStart => Ty::FlowMappingStart,
            TokenKind::FlowMappingEnd => Ty::FlowMappingEnd,
            TokenKind::BlockEntry => Ty::BlockEntry,
            TokenKind::FlowEntry => Ty::FlowEntry,
            TokenKind::Key => Ty::Key,
            TokenKind::Value => Ty::Value,
            TokenKind::Alias(_) => Ty::Alias,
            TokenKind::Anchor(_) => Ty::Anchor,
            TokenKind::Tag(..) => Ty::Tag,
            TokenKind::Scalar(..) => Ty::Scalar,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: Mark,
    pub end: Mark,
}

#[derive(Debug, Clone, Copy, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

/// Deeper flow or block nesting is refused, as yaml.v2 does.
const MAX_FLOW_LEVEL: usize = 10_000;
const MAX_INDENTS: usize = 10_000;
/// yaml.v2's reader decodes its input in blocks of this many bytes.
const RAW_BUFFER: usize = 512;

type Result<T> = std::result::Result<T, Box<SyntaxError>>;

fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Whether a character is one the reader lets through.
fn is_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The byte offset of the first character the reader refuses (`usize::MAX`
/// if none). Only a few bytes can start one, so bytes are checked first.
fn first_refused(text: &str) -> usize {
    let b = text.as_bytes();
    // Printable ASCII, tabs and line breaks, nearly all of any text, are never refused:
    // blocks of nothing else are skipped with one test per byte that vectorizes.
    let plain = |c: u8| c.wrapping_sub(0x20) < 0x5F || c == b'\t' || c == b'\n' || c == b'\r';
    let suspect = |c: u8| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 0x7F || c == 0xC2 || c == 0xEF
    };
    const BLOCK: usize = 32;
    let mut start = 0;
    for block in b.chunks(BLOCK) {
        if block.iter().fold(0u8, |odd, &c| odd | u8::from(!plain(c))) != 0 {
            for (k, &c) in block.iter().enumerate() {
                if !suspect(c) {
                    continue;
                }
                let at = start + k;
                if text
                    .get(at..)
                    .and_then(|t| t.chars().next())
                    .is_some_and(|ch| !is_allowed(ch))
                {
                    return at;
                }
            }
        }
        start += block.len();
    }
    usize::MAX
}

fn width(b: u8) -> usize {
    if b & 0x80 == 0 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        1
    }
}

#[derive(Default)]
struct KeysByToken(VecDeque<(usize, usize)>);

impl KeysByToken {
    /// The entry for the head token; entries of tokens already parsed can
    /// never be asked for again and are dropped.
    fn get(&mut self, head: usize) -> Option<usize> {
        while self.0.front().is_some_and(|&(t, _)| t < head) {
            self.0.pop_front();
        }
        match self.0.front() {
            Some(&(t, idx)) if t == head => Some(idx),
            _ => None,
        }
    }

    fn insert(&mut self, token: usize, idx: usize) {
        match self.0.iter().rposition(|&(t, _)| t <= token) {
            Some(i) if self.0[i].0 == token => self.0[i].1 = idx,
            Some(i) => self.0.insert(i + 1, (token, idx)),
            None => self.0.push_front((token, idx)),
        }
    }

    fn remove(&mut self, token: usize) {
        if let Some(i) = self.0.iter().rposition(|&(t, _)| t == token) {
            self.0.remove(i);
        }
    }
}

pub(crate) struct Scanner<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    mark: Mark,

    // The reader: how much of the input has been handed over and decoded, the
    // first character it refuses, and where its buffer starts.
    bad: usize,
    read_end: usize,
    decoded_end: usize,
    eof: bool,
    nuls: usize,
    buffer_start: usize,

    stream_start_produced: bool,
    stream_end_produced: bool,
    tokens: VecDeque<Token>,
    tokens_parsed: usize,
    token_available: bool,
    indent: isize,
    indents: Vec<isize>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    /// Token number → index in `simple_keys`, as yaml.v2's simple_keys_by_tok
    /// map (entries of keys found stale stay until their token is parsed).
    /// Token numbers are inserted in increasing order.
    simple_keys_by_tok: KeysByToken,
    flow_level: usize,
    error: Option<Box<SyntaxError>>,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        // yaml.v2 reads an empty input as a single line break.
        let text = if text.is_empty() { "\n" } else { text };
        let src = text.as_bytes();
        let bad = first_refused(text);
        let pos = if src.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        // Only a refused character or a BOM after the first makes the reader's
        // block-by-block decoding observable; otherwise all is decoded at once.
        let simulate = bad != usize::MAX || text.get(pos..).is_some_and(|t| t.contains('\u{FEFF}'));
        let read_end = if simulate {
            src.len().min(RAW_BUFFER)
        } else {
            src.len()
        };
        Scanner {
            text,
            src,
            pos,
            mark: Mark::default(),
            bad,
            read_end,
            decoded_end: if simulate { pos } else { src.len() },
            // Fewer than three bytes make the encoding check read again, to the end.
            eof: src.len() < 3 || !simulate,
            nuls: 0,
            buffer_start: pos,
            stream_start_produced: false,
            stream_end_produced: false,
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            simple_keys_by_tok: KeysByToken::default(),
            flow_level: 0,
            error: None,
        }
    }

    // ----- the reader -----

    #[inline]
    fn at(&self, k: usize) -> u8 {
        self.src.get(self.pos + k).copied().unwrap_or(0)
    }

    #[inline]
    fn ch(&self) -> u8 {
        self.at(0)
    }

    /// Makes sure `n` characters are decoded past the current one, as
    /// yaml.v2's update_buffer: that is where a refused character is found.
    #[inline]
    fn cache(&mut self, n: usize) -> Result<()> {
        if self.decoded_end.saturating_sub(self.pos) >= 4 * n {
            return Ok(());
        }
        self.cache_slow(n)
    }

    fn unread(&self) -> usize {
        let end = self.decoded_end.max(self.pos);
        let chars = self
            .text
            .get(self.pos..end)
            .map_or(0, |s| s.chars().count());
        chars + self.nuls
    }

    #[cold]
    fn cache_slow(&mut self, n: usize) -> Result<()> {
        if self.unread() >= n {
            return Ok(());
        }
        self.buffer_start = self.pos;
        let mut first = true;
        loop {
            if (!first || self.decoded_end == self.read_end) && !self.eof {
                if self.read_end == self.src.len() {
                    self.eof = true;
                } else {
                    self.read_end = (self.decoded_end + RAW_BUFFER).min(self.src.len());
                }
            }
            first = false;
            let mut end = self.read_end;
            while end < self.src.len() && !self.text.is_char_boundary(end) {
                end -= 1;
            }
            if self.bad >= self.decoded_end && self.bad < end {
                return Err(Box::new(SyntaxError {
                    stage: Stage::Reader,
                    problem: "control characters are not allowed".into(),
                    problem_mark: Mark::default(),
                    context: "",
                    context_mark: Mark::default(),
                }));
            }
            self.decoded_end = self.decoded_end.max(end);
            if self.eof {
                self.nuls += 1;
                return Ok(());
            }
            if self.unread() >= n {
                return Ok(());
            }
        }
    }

    fn is_bom_at_buffer_start(&self) -> bool {
        self.buffer_start + 3 <= self.decoded_end
            && self.src.get(self.buffer_start..self.buffer_start + 3) == Some(b"\xEF\xBB\xBF")
    }

    #[inline]
    fn is_break_at(&self, k: usize) -> bool {
        match self.at(k) {
            b'\r' | b'\n' => true,
            0xC2 => self.at(k + 1) == 0x85,
            0xE2 => self.at(k + 1) == 0x80 && matches!(self.at(k + 2), 0xA8 | 0xA9),
            _ => false,
        }
    }

    #[inline]
    fn is_breakz_at(&self, k: usize) -> bool {
        self.at(k) == 0 || self.is_break_at(k)
    }

    #[inline]
    fn is_blankz_at(&self, k: usize) -> bool {
        is_blank(self.at(k)) || self.is_breakz_at(k)
    }

    #[inline]
    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
        self.pos += width(self.ch());
    }

    fn skip_line(&mut self) {
        if self.ch() == b'\r' && self.at(1) == b'\n' {
            self.mark.index += 2;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 2;
        } else if self.is_break_at(0) {
            self.mark.index += 1;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += width(self.ch());
        }
    }

    /// Copies the current character to `s` and moves past it.
    #[inline]
    fn read(&mut self, s: &mut String) {
        let w = width(self.ch());
        if let Some(c) = self.text.get(self.pos..self.pos + w) {
            s.push_str(c);
        }
        self.pos += w;
        self.mark.index += 1;
        self.mark.column += 1;
    }

    /// Copies a line break to `s` (CR LF, CR, LF and NEL as `\n`; LS and PS as
    /// they are) and moves past it.
    fn read_line(&mut self, s: &mut String) {
        let (w, chars) = match (self.ch(), self.at(1)) {
            (b'\r', b'\n') => (2, 2),
            (b'\r' | b'\n', _) => (1, 1),
            (0xC2, 0x85) => (2, 1),
            (0xE2, 0x80) if matches!(self.at(2), 0xA8 | 0xA9) => {
                if let Some(c) = self.text.get(self.pos..self.pos + 3) {
                    s.push_str(c);
                }
                self.pos += 3;
                self.mark.index += 1;
                self.mark.column = 0;
                self.mark.line += 1;
                return;
            }
            _ => return,
        };
        s.push('\n');
        self.pos += w;
        self.mark.index += chars;
        self.mark.column = 0;
        self.mark.line += 1;
    }

    fn error(&self, context: &'static str, context_mark: Mark, problem: &str) -> Box<SyntaxError> {
        Box::new(SyntaxError {
            stage: Stage::Scanner,
            problem: problem.to_string(),
            problem_mark: self.mark,
            context,
            context_mark,
        })
    }

    // ----- the token queue -----

    /// The next token, scanning as far ahead as libyaml does.
    pub fn peek(&mut self) -> Result<&Token> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if !self.token_available {
            if let Err(e) = self.fetch_more_tokens() {
                self.error = Some(e.clone());
                return Err(e);
            }
        }
        if self.tokens.is_empty() {
            return Err(self.error("", self.mark, "no more tokens"));
        }
        let mark = self.mark;
        self.tokens.front().ok_or_else(|| {
            Box::new(SyntaxError {
                stage: Stage::Scanner,
                problem: "no more tokens".into(),
                problem_mark: mark,
                context: "",
                context_mark: mark,
            })
        })
    }

    /// Takes the token `peek` returned.
    pub fn skip_token(&mut self) -> Option<Token> {
        self.token_available = false;
        self.tokens_parsed += 1;
        let t = self.tokens.pop_front();
        if let Some(t) = &t {
            self.stream_end_produced = t.kind == TokenKind::StreamEnd;
        }
        t
    }

    pub fn stream_end_produced(&self) -> bool {
        self.stream_end_produced
    }

    fn insert_token(&mut self, at: Option<usize>, token: Token) {
        match at {
            Some(i) if i <= self.tokens.len() => self.tokens.insert(i, token),
            _ => self.tokens.push_back(token),
        }
    }

    fn fetch_more_tokens(&mut self) -> Result<()> {
        loop {
            if !self.tokens.is_empty() {
                let Some(idx) = self.simple_keys_by_tok.get(self.tokens_parsed) else {
                    break;
                };
                if !self.simple_key_is_valid(idx)? {
                    break;
                }
            }
            self.fetch_next_token()?;
        }
        self.token_available = true;
        Ok(())
    }

    fn simple_key_is_valid(&mut self, idx: usize) -> Result<bool> {
        let mark = self.mark;
        let Some(key) = self.simple_keys.get_mut(idx) else {
            return Ok(false);
        };
        if !key.possible {
            return Ok(false);
        }
        if key.mark.line < mark.line || key.mark.index + 1024 < mark.index {
            if key.required {
                let km = key.mark;
                return Err(self.error(
                    "while scanning a simple key",
                    km,
                    "could not find expected ':'",
                ));
            }
            key.possible = false;
            return Ok(false);
        }
        Ok(true)
    }

    fn fetch_next_token(&mut self) -> Result<()> {
        self.cache(1)?;
        if !self.stream_start_produced {
            self.fetch_stream_start();
            return Ok(());
        }
        self.scan_to_next_token()?;
        self.unroll_indent(self.mark.column as isize);
        self.cache(4)?;
        let c = self.ch();
        if c == 0 {
            return self.fetch_stream_end();
        }
        if self.mark.column == 0 {
            if c == b'%' {
                return self.fetch_directive();
            }
            if c == b'-' && self.at(1) == b'-' && self.at(2) == b'-' && self.is_blankz_at(3) {
                return self.fetch_document_indicator(TokenKind::DocumentStart);
            }
            if c == b'.' && self.at(1) == b'.' && self.at(2) == b'.' && self.is_blankz_at(3) {
                return self.fetch_document_indicator(TokenKind::DocumentEnd);
            }
        }
        match c {
            b'[' => return self.fetch_flow_collection_start(TokenKind::FlowSequenceStart),
            b'{' => return self.fetch_flow_collection_start(TokenKind::FlowMappingStart),
            b']' => return self.fetch_flow_collection_end(TokenKind::FlowSequenceEnd),
            b'}' => return self.fetch_flow_collection_end(TokenKind::FlowMappingEnd),
            b',' => return self.fetch_flow_entry(),
            _ => {}
        }
        let next_blankz = self.is_blankz_at(1);
        if c == b'-' && next_blankz {
            return self.fetch_block_entry();
        }
        if c == b'?' && (self.flow_level > 0 || next_blankz) {
            return self.fetch_key();
        }
        if c == b':' && (self.flow_level > 0 || next_blankz) {
            return self.fetch_value();
        }
        match c {
            b'*' => return self.fetch_anchor(true),
            b'&' => return self.fetch_anchor(false),
            b'!' => return self.fetch_tag(),
            b'|' if self.flow_level == 0 => return self.fetch_block_scalar(true),
            b'>' if self.flow_level == 0 => return self.fetch_block_scalar(false),
            b'\'' => return self.fetch_flow_scalar(true),
            b'"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        let indicator = self.is_blankz_at(0)
            || matches!(
                c,
                b'-' | b'?'
                    | b':'
                    | b','
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'#'
                    | b'&'
                    | b'*'
                    | b'!'
                    | b'|'
                    | b'>'
                    | b'\''
                    | b'"'
                    | b'%'
                    | b'@'
                    | b'`'
            );
        if !indicator
            || (c == b'-' && !is_blank(self.at(1)))
            || (self.flow_level == 0 && (c == b'?' || c == b':') && !next_blankz)
        {
            return self.fetch_plain_scalar();
        }
        Err(self.error(
            "while scanning for the next token",
            self.mark,
            "found character that cannot start any token",
        ))
    }

    fn save_simple_key(&mut self) -> Result<()> {
        let required = self.flow_level == 0 && self.indent == self.mark.column as isize;
        if self.simple_key_allowed {
            let key = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            self.remove_simple_key()?;
            let last = self.simple_keys.len().saturating_sub(1);
            if let Some(slot) = self.simple_keys.get_mut(last) {
                *slot = key;
                self.simple_keys_by_tok.insert(key.token_number, last);
            }
        }
        Ok(())
    }

    fn remove_simple_key(&mut self) -> Result<()> {
        let Some(key) = self.simple_keys.last_mut() else {
            return Ok(());
        };
        if key.possible {
            if key.required {
                let km = key.mark;
                return Err(self.error(
                    "while scanning a simple key",
                    km,
                    "could not find expected ':'",
                ));
            }
            key.possible = false;
            let n = key.token_number;
            self.simple_keys_by_tok.remove(n);
        }
        Ok(())
    }

    fn increase_flow_level(&mut self) -> Result<()> {
        self.simple_keys.push(SimpleKey {
            possible: false,
            required: false,
            token_number: self.tokens_parsed + self.tokens.len(),
            mark: self.mark,
        });
        self.flow_level += 1;
        if self.flow_level > MAX_FLOW_LEVEL {
            let km = self.simple_keys.last().map(|k| k.mark).unwrap_or_default();
            return Err(self.error(
                "while increasing flow level",
                km,
                &format!("exceeded max depth of {MAX_FLOW_LEVEL}"),
            ));
        }
        Ok(())
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            if let Some(k) = self.simple_keys.pop() {
                self.simple_keys_by_tok.remove(k.token_number);
            }
        }
    }

    /// Opens a block collection at `column` if it is deeper than the current
    /// indentation, inserting its start token before token `number` (or last).
    fn roll_indent(
        &mut self,
        column: usize,
        number: Option<usize>,
        kind: TokenKind,
        mark: Mark,
    ) -> Result<()> {
        if self.flow_level > 0 {
            return Ok(());
        }
        let column = column as isize;
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.indents.len() > MAX_INDENTS {
                let km = self.simple_keys.last().map(|k| k.mark).unwrap_or_default();
                return Err(self.error(
                    "while increasing indent level",
                    km,
                    &format!("exceeded max depth of {MAX_INDENTS}"),
                ));
            }
            let at = number.map(|n| n.saturating_sub(self.tokens_parsed));
            self.insert_token(
                at,
                Token {
                    kind,
                    start: mark,
                    end: mark,
                },
            );
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            self.tokens.push_back(Token {
                kind: TokenKind::BlockEnd,
                start: self.mark,
                end: self.mark,
            });
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn push(&mut self, kind: TokenKind, start: Mark, end: Mark) {
        self.tokens.push_back(Token { kind, start, end });
    }

    fn fetch_stream_start(&mut self) {
        self.indent = -1;
        self.simple_keys.push(SimpleKey::default());
        self.simple_key_allowed = true;
        self.stream_start_produced = true;
        self.push(TokenKind::StreamStart, self.mark, self.mark);
    }

    fn fetch_stream_end(&mut self) -> Result<()> {
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        self.push(TokenKind::StreamEnd, self.mark, self.mark);
        Ok(())
    }

    fn fetch_directive(&mut self) -> Result<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_directive()?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_document_indicator(&mut self, kind: TokenKind) -> Result<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.skip();
        self.skip();
        self.push(kind, start, self.mark);
        Ok(())
    }

    fn fetch_flow_collection_start(&mut self, kind: TokenKind) -> Result<()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push(kind, start, self.mark);
        Ok(())
    }

    fn fetch_flow_collection_end(&mut self, kind: TokenKind) -> Result<()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.push(kind, start, self.mark);
        Ok(())
    }

    fn fetch_flow_entry(&mut self) -> Result<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push(TokenKind::FlowEntry, start, self.mark);
        Ok(())
    }

    fn fetch_block_entry(&mut self) -> Result<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.error(
                    "",
                    self.mark,
                    "block sequence entries are not allowed in this context",
                ));
            }
            self.roll_indent(
                self.mark.column,
                None,
                TokenKind::BlockSequenceStart,
                self.mark,
            )?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push(TokenKind::BlockEntry, start, self.mark);
        Ok(())
    }

    fn fetch_key(&mut self) -> Result<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.error(
                    "",
                    self.mark,
                    "mapping keys are not allowed in this context",
                ));
            }
            self.roll_indent(
                self.mark.column,
                None,
                TokenKind::BlockMappingStart,
                self.mark,
            )?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = self.flow_level == 0;
        let start = self.mark;
        self.skip();
        self.push(TokenKind::Key, start, self.mark);
        Ok(())
    }

    fn fetch_value(&mut self) -> Result<()> {
        let idx = self.simple_keys.len().saturating_sub(1);
        if self.simple_key_is_valid(idx)? {
            let Some(key) = self.simple_keys.get(idx).copied() else {
                return Ok(());
            };
            self.insert_token(
                Some(key.token_number.saturating_sub(self.tokens_parsed)),
                Token {
                    kind: TokenKind::Key,
                    start: key.mark,
                    end: key.mark,
                },
            );
            self.roll_indent(
                key.mark.column,
                Some(key.token_number),
                TokenKind::BlockMappingStart,
                key.mark,
            )?;
            if let Some(k) = self.simple_keys.get_mut(idx) {
                k.possible = false;
            }
            self.simple_keys_by_tok.remove(key.token_number);
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    return Err(self.error(
                        "",
                        self.mark,
                        "mapping values are not allowed in this context",
                    ));
                }
                self.roll_indent(
                    self.mark.column,
                    None,
                    TokenKind::BlockMappingStart,
                    self.mark,
                )?;
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start = self.mark;
        self.skip();
        self.push(TokenKind::Value, start, self.mark);
        Ok(())
    }

    fn fetch_anchor(&mut self, alias: bool) -> Result<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_anchor(alias)?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_tag(&mut self) -> Result<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_tag()?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> Result<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let token = self.scan_block_scalar(literal)?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> Result<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_flow_scalar(single)?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_plain_scalar(&mut self) -> Result<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_plain_scalar()?;
        self.tokens.push_back(token);
        Ok(())
    }

    // ----- scanning -----

    fn scan_to_next_token(&mut self) -> Result<()> {
        loop {
            self.cache(1)?;
            if self.mark.column == 0 && self.is_bom_at_buffer_start() {
                self.skip();
            }
            self.cache(1)?;
            while self.ch() == b' '
                || ((self.flow_level > 0 || !self.simple_key_allowed) && self.ch() == b'\t')
            {
                self.skip();
                self.cache(1)?;
            }
            if self.ch() == b'#' {
                while !self.is_breakz_at(0) {
                    self.skip();
                    self.cache(1)?;
                }
            }
            if self.is_break_at(0) {
                self.cache(2)?;
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                return Ok(());
            }
        }
    }

    fn skip_blanks(&mut self) -> Result<()> {
        self.cache(1)?;
        while is_blank(self.ch()) {
            self.skip();
            self.cache(1)?;
        }
        Ok(())
    }

    fn skip_comment(&mut self) -> Result<()> {
        if self.ch() == b'#' {
            while !self.is_breakz_at(0) {
                self.skip();
                self.cache(1)?;
            }
        }
        Ok(())
    }

    fn scan_directive(&mut self) -> Result<Token> {
        let start = self.mark;
        self.skip();
        let name = self.scan_directive_name(start)?;
        let kind = match name.as_str() {
            "YAML" => {
                let (major, minor) = self.scan_version_directive_value(start)?;
                TokenKind::VersionDirective(major, minor)
            }
            "TAG" => {
                let (handle, prefix) = self.scan_tag_directive_value(start)?;
                TokenKind::TagDirective(handle, prefix)
            }
            _ => {
                return Err(self.error(
                    "while scanning a directive",
                    start,
                    "found unknown directive name",
                ));
            }
        };
        let end = self.mark;
        self.skip_blanks()?;
        self.skip_comment()?;
        if !self.is_breakz_at(0) {
            return Err(self.error(
                "while scanning a directive",
                start,
                "did not find expected comment or line break",
            ));
        }
        if self.is_break_at(0) {
            self.cache(2)?;
            self.skip_line();
        }
        Ok(Token { kind, start, end })
    }

    fn scan_directive_name(&mut self, start: Mark) -> Result<String> {
        self.cache(1)?;
        let mut s = String::new();
        while is_alpha(self.ch()) {
            self.read(&mut s);
            self.cache(1)?;
        }
        if s.is_empty() {
            return Err(self.error(
                "while scanning a directive",
                start,
                "could not find expected directive name",
            ));
        }
        if !self.is_blankz_at(0) {
            return Err(self.error(
                "while scanning a directive",
                start,
                "found unexpected non-alphabetical character",
            ));
        }
        Ok(s)
    }

    fn scan_version_directive_value(&mut self, start: Mark) -> Result<(u8, u8)> {
        self.skip_blanks()?;
        let major = self.scan_version_directive_number(start)?;
        if self.ch() != b'.' {
            return Err(self.error(
                "while scanning a %YAML directive",
                start,
                "did not find expected digit or '.' character",
            ));
        }
        self.skip();
        let minor = self.scan_version_directive_number(start)?;
        Ok((major, minor))
    }

    fn scan_version_directive_number(&mut self, start: Mark) -> Result<u8> {
        self.cache(1)?;
        let (mut value, mut length) = (0u8, 0);
        while self.ch().is_ascii_digit() {
            length += 1;
            if length > 2 {
                return Err(self.error(
                    "while scanning a %YAML directive",
                    start,
                    "found extremely long version number",
                ));
            }
            value = value * 10 + (self.ch() - b'0');
            self.skip();
            self.cache(1)?;
        }
        if length == 0 {
            return Err(self.error(
                "while scanning a %YAML directive",
                start,
                "did not find expected version number",
            ));
        }
        Ok(value)
    }

    fn scan_tag_directive_value(&mut self, start: Mark) -> Result<(Vec<u8>, Vec<u8>)> {
        self.skip_blanks()?;
        let handle = self.scan_tag_handle(true, start)?;
        self.cache(1)?;
        if !is_blank(self.ch()) {
            return Err(self.error(
                "while scanning a %TAG directive",
                start,
                "did not find expected whitespace",
            ));
        }
        self.skip_blanks()?;
        let prefix = self.scan_tag_uri(true, None, start)?;
        self.cache(1)?;
        if !self.is_blankz_at(0) {
            return Err(self.error(
                "while scanning a %TAG directive",
                start,
                "did not find expected whitespace or line break",
            ));
        }
        Ok((handle, prefix))
    }

    fn scan_anchor(&mut self, alias: bool) -> Result<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let begin = self.pos;
        while is_alpha(self.ch()) {
            self.skip();
            self.cache(1)?;
        }
        let end = self.mark;
        let name = self.text.get(begin..self.pos).unwrap_or("").to_string();
        let c = self.ch();
        if name.is_empty()
            || !(self.is_blankz_at(0)
                || matches!(c, b'?' | b':' | b',' | b']' | b'}' | b'%' | b'@' | b'`'))
        {
            let context = if alias {
                "while scanning an alias"
            } else {
                "while scanning an anchor"
            };
            return Err(self.error(
                context,
                start,
                "did not find expected alphabetic or numeric character",
            ));
        }
        let kind = if alias {
            TokenKind::Alias(name)
        } else {
            TokenKind::Anchor(name)
        };
        Ok(Token { kind, start, end })
    }

    fn tag_error(&self, directive: bool, start: Mark, problem: &str) -> Box<SyntaxError> {
        let context = if directive {
            "while parsing a %TAG directive"
        } else {
            "while parsing a tag"
        };
        self.error(context, start, problem)
    }

    fn scan_tag(&mut self) -> Result<Token> {
        let start = self.mark;
        self.cache(2)?;
        let (handle, suffix);
        if self.at(1) == b'<' {
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(false, None, start)?;
            if self.ch() != b'>' {
                return Err(self.error(
                    "while scanning a tag",
                    start,
                    "did not find the expected '>'",
                ));
            }
            self.skip();
            handle = Vec::new();
        } else {
            let h = self.scan_tag_handle(false, start)?;
            if h.len() > 1 && h.first() == Some(&b'!') && h.last() == Some(&b'!') {
                handle = h;
                suffix = self.scan_tag_uri(false, None, start)?;
            } else {
                let s = self.scan_tag_uri(false, Some(&h), start)?;
                if s.is_empty() {
                    handle = Vec::new();
                    suffix = b"!".to_vec();
                } else {
                    handle = b"!".to_vec();
                    suffix = s;
                }
            }
        }
        self.cache(1)?;
        if !self.is_blankz_at(0) {
            return Err(self.error(
                "while scanning a tag",
                start,
                "did not find expected whitespace or line break",
            ));
        }
        Ok(Token {
            kind: TokenKind::Tag(handle, suffix),
            start,
            end: self.mark,
        })
    }

    fn scan_tag_handle(&mut self, directive: bool, start: Mark) -> Result<Vec<u8>> {
        self.cache(1)?;
        if self.ch() != b'!' {
            return Err(self.tag_error(directive, start, "did not find expected '!'"));
        }
        let mut s = vec![b'!'];
        self.skip();
        self.cache(1)?;
        while is_alpha(self.ch()) {
            s.push(self.ch());
            self.skip();
            self.cache(1)?;
        }
        if self.ch() == b'!' {
            s.push(b'!');
            self.skip();
        } else if directive && s != b"!" {
            return Err(self.tag_error(directive, start, "did not find expected '!'"));
        }
        Ok(s)
    }

    fn scan_tag_uri(
        &mut self,
        directive: bool,
        head: Option<&[u8]>,
        start: Mark,
    ) -> Result<Vec<u8>> {
        let mut s = Vec::new();
        let mut has_tag = head.is_some_and(|h| !h.is_empty());
        if let Some(h) = head {
            if h.len() > 1 {
                s.extend_from_slice(&h[1..]);
            }
        }
        self.cache(1)?;
        loop {
            let c = self.ch();
            let uri_char = is_alpha(c)
                || matches!(
                    c,
                    b';' | b'/'
                        | b'?'
                        | b':'
                        | b'@'
                        | b'&'
                        | b'='
                        | b'+'
                        | b'$'
                        | b','
                        | b'.'
                        | b'!'
                        | b'~'
                        | b'*'
                        | b'\''
                        | b'('
                        | b')'
                        | b'['
                        | b']'
                        | b'%'
                );
            if !uri_char {
                break;
            }
            if c == b'%' {
                self.scan_uri_escapes(directive, start, &mut s)?;
            } else {
                s.push(c);
                self.skip();
            }
            self.cache(1)?;
            has_tag = true;
        }
        if !has_tag {
            return Err(self.tag_error(directive, start, "did not find expected tag URI"));
        }
        Ok(s)
    }

    fn scan_uri_escapes(&mut self, directive: bool, start: Mark, s: &mut Vec<u8>) -> Result<()> {
        let mut w = 1024usize;
        while w > 0 {
            self.cache(3)?;
            let hex = |b: u8| (b as char).to_digit(16);
            let (Some(hi), Some(lo)) = (hex(self.at(1)), hex(self.at(2))) else {
                return Err(self.tag_error(directive, start, "did not find URI escaped octet"));
            };
            if self.ch() != b'%' {
                return Err(self.tag_error(directive, start, "did not find URI escaped octet"));
            }
            let octet = (hi * 16 + lo) as u8;
            if w == 1024 {
                w = match octet {
                    o if o & 0x80 == 0 => 1,
                    o if o & 0xE0 == 0xC0 => 2,
                    o if o & 0xF0 == 0xE0 => 3,
                    o if o & 0xF8 == 0xF0 => 4,
                    _ => {
                        return Err(self.tag_error(
                            directive,
                            start,
                            "found an incorrect leading UTF-8 octet",
                        ));
                    }
                };
            } else if octet & 0xC0 != 0x80 {
                return Err(self.tag_error(
                    directive,
                    start,
                    "found an incorrect trailing UTF-8 octet",
                ));
            }
            s.push(octet);
            self.skip();
            self.skip();
            self.skip();
            w -= 1;
        }
        Ok(())
    }

    fn scan_block_scalar(&mut self, literal: bool) -> Result<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let mut chomping = 0i8;
        let mut increment = 0usize;
        let zero = "found an indentation indicator equal to 0";
        if matches!(self.ch(), b'+' | b'-') {
            chomping = if self.ch() == b'+' { 1 } else { -1 };
            self.skip();
            self.cache(1)?;
            if self.ch().is_ascii_digit() {
                if self.ch() == b'0' {
                    return Err(self.error("while scanning a block scalar", start, zero));
                }
                increment = usize::from(self.ch() - b'0');
                self.skip();
            }
        } else if self.ch().is_ascii_digit() {
            if self.ch() == b'0' {
                return Err(self.error("while scanning a block scalar", start, zero));
            }
            increment = usize::from(self.ch() - b'0');
            self.skip();
            self.cache(1)?;
            if matches!(self.ch(), b'+' | b'-') {
                chomping = if self.ch() == b'+' { 1 } else { -1 };
                self.skip();
            }
        }
        self.skip_blanks()?;
        self.skip_comment()?;
        if !self.is_breakz_at(0) {
            return Err(self.error(
                "while scanning a block scalar",
                start,
                "did not find expected comment or line break",
            ));
        }
        if self.is_break_at(0) {
            self.cache(2)?;
            self.skip_line();
        }
        let mut end = self.mark;
        let mut indent = 0usize;
        if increment > 0 {
            indent = if self.indent >= 0 {
                self.indent as usize + increment
            } else {
                increment
            };
        }
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        self.cache(1)?;
        let mut leading_blank = false;
        while self.mark.column == indent && self.ch() != 0 {
            let trailing_blank = is_blank(self.ch());
            if !literal
                && !leading_blank
                && !trailing_blank
                && leading_break.as_bytes().first() == Some(&b'\n')
            {
                if trailing_breaks.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading_break);
            }
            leading_break.clear();
            s.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = is_blank(self.ch());
            let begin = self.pos;
            while !self.is_breakz_at(0) {
                self.skip();
                self.cache(1)?;
            }
            s.push_str(self.text.get(begin..self.pos).unwrap_or(""));
            self.cache(2)?;
            self.read_line(&mut leading_break);
            self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        }
        if chomping != -1 {
            s.push_str(&leading_break);
        }
        if chomping == 1 {
            s.push_str(&trailing_breaks);
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        Ok(Token {
            kind: TokenKind::Scalar(s, style),
            start,
            end,
        })
    }

    fn scan_block_scalar_breaks(
        &mut self,
        indent: &mut usize,
        breaks: &mut String,
        start: Mark,
        end: &mut Mark,
    ) -> Result<()> {
        *end = self.mark;
        let mut max_indent = 0usize;
        loop {
            self.cache(1)?;
            while (*indent == 0 || self.mark.column < *indent) && self.ch() == b' ' {
                self.skip();
                self.cache(1)?;
            }
            max_indent = max_indent.max(self.mark.column);
            if (*indent == 0 || self.mark.column < *indent) && self.ch() == b'\t' {
                return Err(self.error(
                    "while scanning a block scalar",
                    start,
                    "found a tab character where an indentation space is expected",
                ));
            }
            if !self.is_break_at(0) {
                break;
            }
            self.cache(2)?;
            self.read_line(breaks);
            *end = self.mark;
        }
        if *indent == 0 {
            let min = (self.indent + 1).max(1) as usize;
            *indent = max_indent.max(min);
        }
        Ok(())
    }

    fn is_document_indicator(&self) -> bool {
        self.mark.column == 0
            && ((self.ch() == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                || (self.ch() == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
            && self.is_blankz_at(3)
    }

    fn scan_flow_scalar(&mut self, single: bool) -> Result<Token> {
        let start = self.mark;
        self.skip();
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        loop {
            self.cache(4)?;
            if self.is_document_indicator() {
                return Err(self.error(
                    "while scanning a quoted scalar",
                    start,
                    "found unexpected document indicator",
                ));
            }
            if self.ch() == 0 {
                return Err(self.error(
                    "while scanning a quoted scalar",
                    start,
                    "found unexpected end of stream",
                ));
            }
            let mut leading_blanks = false;
            while !self.is_blankz_at(0) {
                let c = self.ch();
                if single && c == b'\'' && self.at(1) == b'\'' {
                    s.push('\'');
                    self.skip();
                    self.skip();
                } else if (single && c == b'\'') || (!single && c == b'"') {
                    break;
                } else if !single && c == b'\\' && self.is_break_at(1) {
                    self.cache(3)?;
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == b'\\' {
                    self.scan_escape(start, &mut s)?;
                } else {
                    self.read(&mut s);
                }
                self.cache(2)?;
            }
            self.cache(1)?;
            let c = self.ch();
            if (single && c == b'\'') || (!single && c == b'"') {
                break;
            }
            while is_blank(self.ch()) || self.is_break_at(0) {
                if is_blank(self.ch()) {
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else {
                    self.cache(2)?;
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                self.cache(1)?;
            }
            if leading_blanks {
                if leading_break.as_bytes().first() == Some(&b'\n') {
                    if trailing_breaks.is_empty() {
                        s.push(' ');
                    } else {
                        s.push_str(&trailing_breaks);
                    }
                } else {
                    s.push_str(&leading_break);
                    s.push_str(&trailing_breaks);
                }
                trailing_breaks.clear();
                leading_break.clear();
            } else {
                s.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        let style = if single {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        Ok(Token {
            kind: TokenKind::Scalar(s, style),
            start,
            end: self.mark,
        })
    }

    fn scan_escape(&mut self, start: Mark, s: &mut String) -> Result<()> {
        let mut code_length = 0;
        match self.at(1) {
            b'0' => s.push('\0'),
            b'a' => s.push('\x07'),
            b'b' => s.push('\x08'),
            b't' | b'\t' => s.push('\t'),
            b'n' => s.push('\n'),
            b'v' => s.push('\x0B'),
            b'f' => s.push('\x0C'),
            b'r' => s.push('\r'),
            b'e' => s.push('\x1B'),
            b' ' => s.push(' '),
            b'"' => s.push('"'),
            b'\'' => s.push('\''),
            b'\\' => s.push('\\'),
            b'N' => s.push('\u{85}'),
            b'_' => s.push('\u{A0}'),
            b'L' => s.push('\u{2028}'),
            b'P' => s.push('\u{2029}'),
            b'x' => code_length = 2,
            b'u' => code_length = 4,
            b'U' => code_length = 8,
            _ => {
                return Err(self.error(
                    "while parsing a quoted scalar",
                    start,
                    "found unknown escape character",
                ));
            }
        }
        self.skip();
        self.skip();
        if code_length > 0 {
            self.cache(code_length)?;
            let mut value: u32 = 0;
            for k in 0..code_length {
                let Some(d) = (self.at(k) as char).to_digit(16) else {
                    return Err(self.error(
                        "while parsing a quoted scalar",
                        start,
                        "did not find expected hexdecimal number",
                    ));
                };
                value = (value << 4) + d;
            }
            let Some(c) = char::from_u32(value) else {
                return Err(self.error(
                    "while parsing a quoted scalar",
                    start,
                    "found invalid Unicode character escape code",
                ));
            };
            s.push(c);
            for _ in 0..code_length {
                self.skip();
            }
        }
        Ok(())
    }

    /// Whether the current character ends a plain scalar: `: ` anywhere, and
    /// flow indicators inside flow collections.
    #[inline]
    fn plain_stop(&self) -> bool {
        let c = self.ch();
        (c == b':' && self.is_blankz_at(1))
            || (self.flow_level > 0 && matches!(c, b',' | b'?' | b'[' | b']' | b'{' | b'}'))
    }

    fn scan_plain_scalar(&mut self) -> Result<Token> {
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start = self.mark;
        let mut end = self.mark;
        loop {
            self.cache(4)?;
            if self.is_document_indicator() || self.ch() == b'#' {
                break;
            }
            while !self.is_blankz_at(0) {
                if self.plain_stop() {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        if leading_break.as_bytes().first() == Some(&b'\n') {
                            if trailing_breaks.is_empty() {
                                s.push(' ');
                            } else {
                                s.push_str(&trailing_breaks);
                            }
                        } else {
                            s.push_str(&leading_break);
                            s.push_str(&trailing_breaks);
                        }
                        trailing_breaks.clear();
                        leading_break.clear();
                        leading_blanks = false;
                    } else {
                        s.push_str(&whitespaces);
                        whitespaces.clear();
                    }
                }
                // A run of characters that cannot end the scalar, copied at once.
                let begin = self.pos;
                loop {
                    self.skip();
                    self.cache(2)?;
                    if self.is_blankz_at(0) || self.plain_stop() {
                        break;
                    }
                }
                s.push_str(self.text.get(begin..self.pos).unwrap_or(""));
                end = self.mark;
            }
            if !(is_blank(self.ch()) || self.is_break_at(0)) {
                break;
            }
            self.cache(1)?;
            while is_blank(self.ch()) || self.is_break_at(0) {
                if is_blank(self.ch()) {
                    if leading_blanks && (self.mark.column as isize) < indent && self.ch() == b'\t'
                    {
                        return Err(self.error(
                            "while scanning a plain scalar",
                            start,
                            "found a tab character that violates indentation",
                        ));
                    }
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else {
                    self.cache(2)?;
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                self.cache(1)?;
            }
            if self.flow_level == 0 && (self.mark.column as isize) < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(Token {
            kind: TokenKind::Scalar(s, ScalarStyle::Plain),
            start,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::first_refused;

    #[test]
    fn refused_characters() {
        assert_eq!(
            first_refused("a: 1\tb\r\n\u{85}\u{a0}\u{feff}\u{fffd}\u{10000}"),
            usize::MAX
        );
        assert_eq!(first_refused("ab\u{1}"), 2);
        assert_eq!(first_refused("a\u{7f}"), 1);
        assert_eq!(first_refused("é\u{80}"), 2);
        assert_eq!(first_refused("x\u{9f}"), 1);
        assert_eq!(first_refused("\u{fffe}"), 0);
        assert_eq!(first_refused("a\u{ffff}"), 1);
        assert_eq!(first_refused("a\0"), 1);
    }

    #[test]
    fn refused_characters_anywhere_in_long_texts() {
        // Allowed non-ASCII before the refused character, at every offset across blocks.
        let lead = "key: välue ✓ \u{a0}\u{85}\n".repeat(5);
        for pad in 0..70 {
            let prefix = format!("{lead}{}", "x".repeat(pad));
            for bad in ["\u{1}", "\u{7f}", "\u{80}", "\u{fffe}"] {
                let text = format!("{prefix}{bad}tail: ok\n");
                assert_eq!(first_refused(&text), prefix.len(), "{pad} {bad:?}");
            }
            assert_eq!(first_refused(&format!("{prefix}\ttail\r\n")), usize::MAX);
        }
    }
}
