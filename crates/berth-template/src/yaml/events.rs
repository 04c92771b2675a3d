//! The YAML parser: tokens to events, following libyaml's state machine as
//! gopkg.in/yaml.v2 has it (the same events, marks and error messages).

use super::scanner::{Mark, ScalarStyle, Scanner, Stage, SyntaxError, Token, TokenKind, Ty};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventKind {
    StreamStart,
    StreamEnd,
    DocumentStart {
        implicit: bool,
    },
    DocumentEnd {
        implicit: bool,
    },
    Alias(String),
    Scalar {
        anchor: Option<String>,
        /// The resolved tag (`tag:yaml.org,2002:str`, `!local`, `!`), if any.
        tag: Option<String>,
        value: String,
        style: ScalarStyle,
        /// libyaml's plain_implicit: untagged plain (or tagged `!`).
        implicit: bool,
    },
    SequenceStart {
        anchor: Option<String>,
        tag: Option<String>,
        flow: bool,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<String>,
        tag: Option<String>,
        flow: bool,
    },
    MappingEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub kind: EventKind,
    pub start: Mark,
    pub end: Mark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StreamStart,
    ImplicitDocumentStart,
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    BlockNode,
    BlockSequenceFirstEntry,
    BlockSequenceEntry,
    IndentlessSequenceEntry,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingValue,
    FlowSequenceFirstEntry,
    FlowSequenceEntry,
    FlowSequenceEntryMappingKey,
    FlowSequenceEntryMappingValue,
    FlowSequenceEntryMappingEnd,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingValue,
    FlowMappingEmptyValue,
    End,
}

type Result<T> = std::result::Result<T, Box<SyntaxError>>;

/// Pulls events out of a YAML text one by one.
pub(crate) struct Parser<'a> {
    scanner: Scanner<'a>,
    state: State,
    states: Vec<State>,
    marks: Vec<Mark>,
    tag_directives: Vec<(Vec<u8>, Vec<u8>)>,
    error: Option<Box<SyntaxError>>,
}

fn parser_error(problem: &str, problem_mark: Mark) -> Box<SyntaxError> {
    Box::new(SyntaxError {
        stage: Stage::Parser,
        problem: problem.to_string(),
        problem_mark,
        context: "",
        context_mark: Mark::default(),
    })
}

fn parser_error_context(
    context: &'static str,
    context_mark: Mark,
    problem: &str,
    problem_mark: Mark,
) -> Box<SyntaxError> {
    Box::new(SyntaxError {
        stage: Stage::Parser,
        problem: problem.to_string(),
        problem_mark,
        context,
        context_mark,
    })
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str) -> Self {
        Parser {
            scanner: Scanner::new(text),
            state: State::StreamStart,
            states: Vec::new(),
            marks: Vec::new(),
            tag_directives: Vec::new(),
            error: None,
        }
    }

    /// The next event; `None` once the stream has ended.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.scanner.stream_end_produced() || self.state == State::End {
            return Ok(None);
        }
        match self.state_machine() {
            Ok(e) => Ok(Some(e)),
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The next token's kind and marks.
    fn peek(&mut self) -> Result<(Ty, Mark, Mark)> {
        let t = self.scanner.peek()?;
        Ok((t.kind.ty(), t.start, t.end))
    }

    fn skip(&mut self) {
        self.scanner.skip_token();
    }

    /// Takes the token `peek` returned.
    fn take(&mut self) -> Option<Token> {
        self.scanner.skip_token()
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    fn state_machine(&mut self) -> Result<Event> {
        match self.state {
            State::StreamStart => self.parse_stream_start(),
            State::ImplicitDocumentStart => self.parse_document_start(true),
            State::DocumentStart => self.parse_document_start(false),
            State::DocumentContent => self.parse_document_content(),
            State::DocumentEnd => self.parse_document_end(),
            State::BlockNode => self.parse_node(true, false),
            State::BlockSequenceFirstEntry => self.parse_block_sequence_entry(true),
            State::BlockSequenceEntry => self.parse_block_sequence_entry(false),
            State::IndentlessSequenceEntry => self.parse_indentless_sequence_entry(),
            State::BlockMappingFirstKey => self.parse_block_mapping_key(true),
            State::BlockMappingKey => self.parse_block_mapping_key(false),
            State::BlockMappingValue => self.parse_block_mapping_value(),
            State::FlowSequenceFirstEntry => self.parse_flow_sequence_entry(true),
            State::FlowSequenceEntry => self.parse_flow_sequence_entry(false),
            State::FlowSequenceEntryMappingKey => self.parse_flow_sequence_entry_mapping_key(),
            State::FlowSequenceEntryMappingValue => self.parse_flow_sequence_entry_mapping_value(),
            State::FlowSequenceEntryMappingEnd => self.parse_flow_sequence_entry_mapping_end(),
            State::FlowMappingFirstKey => self.parse_flow_mapping_key(true),
            State::FlowMappingKey => self.parse_flow_mapping_key(false),
            State::FlowMappingValue => self.parse_flow_mapping_value(false),
            State::FlowMappingEmptyValue => self.parse_flow_mapping_value(true),
            State::End => Err(parser_error("no more events", Mark::default())),
        }
    }

    fn event(kind: EventKind, start: Mark, end: Mark) -> Event {
        Event { kind, start, end }
    }

    fn parse_stream_start(&mut self) -> Result<Event> {
        let (kind, start, end) = self.peek()?;
        if kind != Ty::StreamStart {
            return Err(parser_error("did not find expected <stream-start>", start));
        }
        self.state = State::ImplicitDocumentStart;
        self.skip();
        Ok(Self::event(EventKind::StreamStart, start, end))
    }

    fn parse_document_start(&mut self, implicit: bool) -> Result<Event> {
        let mut tok = self.peek()?;
        if !implicit {
            while tok.0 == Ty::DocumentEnd {
                self.skip();
                tok = self.peek()?;
            }
        }
        let (kind, start, end) = tok;
        let directive_or_start = matches!(
            kind,
            Ty::VersionDirective | Ty::TagDirective | Ty::DocumentStart | Ty::StreamEnd
        );
        if implicit && !directive_or_start {
            self.process_directives()?;
            self.states.push(State::DocumentEnd);
            self.state = State::BlockNode;
            Ok(Self::event(
                EventKind::DocumentStart { implicit: true },
                start,
                end,
            ))
        } else if kind != Ty::StreamEnd {
            self.process_directives()?;
            let (kind, tstart, tend) = self.peek()?;
            if kind != Ty::DocumentStart {
                return Err(parser_error(
                    "did not find expected <document start>",
                    tstart,
                ));
            }
            self.states.push(State::DocumentEnd);
            self.state = State::DocumentContent;
            self.skip();
            Ok(Self::event(
                EventKind::DocumentStart { implicit: false },
                start,
                tend,
            ))
        } else {
            self.state = State::End;
            self.skip();
            Ok(Self::event(EventKind::StreamEnd, start, end))
        }
    }

    fn parse_document_content(&mut self) -> Result<Event> {
        let (kind, start, _) = self.peek()?;
        if matches!(
            kind,
            Ty::VersionDirective
                | Ty::TagDirective
                | Ty::DocumentStart
                | Ty::DocumentEnd
                | Ty::StreamEnd
        ) {
            self.pop_state();
            return Ok(Self::empty_scalar(start));
        }
        self.parse_node(true, false)
    }

    fn parse_document_end(&mut self) -> Result<Event> {
        let (kind, start, tend) = self.peek()?;
        let mut end = start;
        let mut implicit = true;
        if kind == Ty::DocumentEnd {
            end = tend;
            self.skip();
            implicit = false;
        }
        self.tag_directives.clear();
        self.state = State::DocumentStart;
        Ok(Self::event(EventKind::DocumentEnd { implicit }, start, end))
    }

    fn parse_node(&mut self, block: bool, indentless_sequence: bool) -> Result<Event> {
        let (mut ty, mut tstart, mut tend) = self.peek()?;
        if ty == Ty::Alias {
            self.pop_state();
            let name = match self.take() {
                Some(Token {
                    kind: TokenKind::Alias(name),
                    ..
                }) => name,
                _ => String::new(),
            };
            return Ok(Self::event(EventKind::Alias(name), tstart, tend));
        }
        let start = tstart;
        let mut end = tstart;
        let mut anchor = None;
        let mut tag_parts: Option<(Vec<u8>, Vec<u8>)> = None;
        let mut tag_mark = Mark::default();
        if ty == Ty::Anchor {
            if let Some(TokenKind::Anchor(name)) = self.take().map(|t| t.kind) {
                anchor = Some(name);
            }
            end = tend;
            (ty, tstart, tend) = self.peek()?;
            if ty == Ty::Tag {
                if let Some(TokenKind::Tag(h, sfx)) = self.take().map(|t| t.kind) {
                    tag_parts = Some((h, sfx));
                }
                tag_mark = tstart;
                end = tend;
                (ty, tstart, tend) = self.peek()?;
            }
        } else if ty == Ty::Tag {
            if let Some(TokenKind::Tag(h, sfx)) = self.take().map(|t| t.kind) {
                tag_parts = Some((h, sfx));
            }
            tag_mark = tstart;
            end = tend;
            (ty, tstart, tend) = self.peek()?;
            if ty == Ty::Anchor {
                if let Some(TokenKind::Anchor(name)) = self.take().map(|t| t.kind) {
                    anchor = Some(name);
                }
                end = tend;
                (ty, tstart, tend) = self.peek()?;
            }
        }
        let mut tag: Option<Vec<u8>> = None;
        if let Some((handle, suffix)) = tag_parts {
            if handle.is_empty() {
                tag = Some(suffix);
            } else {
                let full = self
                    .tag_directives
                    .iter()
                    .find(|(h, _)| *h == handle)
                    .map(|(_, p)| {
                        let mut t = p.clone();
                        t.extend_from_slice(&suffix);
                        t
                    });
                match full {
                    Some(t) if !t.is_empty() => tag = Some(t),
                    _ => {
                        return Err(parser_error_context(
                            "while parsing a node",
                            start,
                            "found undefined tag handle",
                            tag_mark,
                        ));
                    }
                }
            }
        }
        let tag = tag
            .filter(|t| !t.is_empty())
            .map(|t| String::from_utf8_lossy(&t).into_owned());
        if indentless_sequence && ty == Ty::BlockEntry {
            self.state = State::IndentlessSequenceEntry;
            return Ok(Self::event(
                EventKind::SequenceStart {
                    anchor,
                    tag,
                    flow: false,
                },
                start,
                tend,
            ));
        }
        match ty {
            Ty::Scalar => {
                let (value, style) = match self.take().map(|t| t.kind) {
                    Some(TokenKind::Scalar(value, style)) => (value, style),
                    _ => (String::new(), ScalarStyle::Plain),
                };
                let implicit =
                    (tag.is_none() && style == ScalarStyle::Plain) || tag.as_deref() == Some("!");
                self.pop_state();
                Ok(Self::event(
                    EventKind::Scalar {
                        anchor,
                        tag,
                        value,
                        style,
                        implicit,
                    },
                    start,
                    tend,
                ))
            }
            Ty::FlowSequenceStart => {
                self.state = State::FlowSequenceFirstEntry;
                Ok(Self::event(
                    EventKind::SequenceStart {
                        anchor,
                        tag,
                        flow: true,
                    },
                    start,
                    tend,
                ))
            }
            Ty::FlowMappingStart => {
                self.state = State::FlowMappingFirstKey;
                Ok(Self::event(
                    EventKind::MappingStart {
                        anchor,
                        tag,
                        flow: true,
                    },
                    start,
                    tend,
                ))
            }
            Ty::BlockSequenceStart if block => {
                self.state = State::BlockSequenceFirstEntry;
                Ok(Self::event(
                    EventKind::SequenceStart {
                        anchor,
                        tag,
                        flow: false,
                    },
                    start,
                    tend,
                ))
            }
            Ty::BlockMappingStart if block => {
                self.state = State::BlockMappingFirstKey;
                Ok(Self::event(
                    EventKind::MappingStart {
                        anchor,
                        tag,
                        flow: false,
                    },
                    start,
                    tend,
                ))
            }
            _ if anchor.is_some() || tag.is_some() => {
                self.pop_state();
                Ok(Self::event(
                    EventKind::Scalar {
                        anchor,
                        implicit: tag.is_none(),
                        tag,
                        value: String::new(),
                        style: ScalarStyle::Plain,
                    },
                    start,
                    end,
                ))
            }
            _ => {
                let context = if block {
                    "while parsing a block node"
                } else {
                    "while parsing a flow node"
                };
                Err(parser_error_context(
                    context,
                    start,
                    "did not find expected node content",
                    tstart,
                ))
            }
        }
    }

    fn empty_scalar(mark: Mark) -> Event {
        Self::event(
            EventKind::Scalar {
                anchor: None,
                tag: None,
                value: String::new(),
                style: ScalarStyle::Plain,
                implicit: true,
            },
            mark,
            mark,
        )
    }

    fn push_first_mark(&mut self) -> Result<()> {
        let (_, start, _) = self.peek()?;
        self.marks.push(start);
        self.skip();
        Ok(())
    }

    fn parse_block_sequence_entry(&mut self, first: bool) -> Result<Event> {
        if first {
            self.push_first_mark()?;
        }
        let (kind, start, end) = self.peek()?;
        if kind == Ty::BlockEntry {
            let mark = end;
            self.skip();
            let (kind, _, _) = self.peek()?;
            if kind != Ty::BlockEntry && kind != Ty::BlockEnd {
                self.states.push(State::BlockSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::BlockSequenceEntry;
            return Ok(Self::empty_scalar(mark));
        }
        if kind == Ty::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.skip();
            return Ok(Self::event(EventKind::SequenceEnd, start, end));
        }
        let context_mark = self.marks.pop().unwrap_or_default();
        Err(parser_error_context(
            "while parsing a block collection",
            context_mark,
            "did not find expected '-' indicator",
            start,
        ))
    }

    fn parse_indentless_sequence_entry(&mut self) -> Result<Event> {
        let (kind, start, end) = self.peek()?;
        if kind == Ty::BlockEntry {
            let mark = end;
            self.skip();
            let (kind, _, _) = self.peek()?;
            if !matches!(kind, Ty::BlockEntry | Ty::Key | Ty::Value | Ty::BlockEnd) {
                self.states.push(State::IndentlessSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::IndentlessSequenceEntry;
            return Ok(Self::empty_scalar(mark));
        }
        self.pop_state();
        Ok(Self::event(EventKind::SequenceEnd, start, start))
    }

    fn parse_block_mapping_key(&mut self, first: bool) -> Result<Event> {
        if first {
            self.push_first_mark()?;
        }
        let (kind, start, end) = self.peek()?;
        if kind == Ty::Key {
            let mark = end;
            self.skip();
            let (kind, _, _) = self.peek()?;
            if !matches!(kind, Ty::Key | Ty::Value | Ty::BlockEnd) {
                self.states.push(State::BlockMappingValue);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingValue;
            return Ok(Self::empty_scalar(mark));
        }
        if kind == Ty::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.skip();
            return Ok(Self::event(EventKind::MappingEnd, start, end));
        }
        let context_mark = self.marks.pop().unwrap_or_default();
        Err(parser_error_context(
            "while parsing a block mapping",
            context_mark,
            "did not find expected key",
            start,
        ))
    }

    fn parse_block_mapping_value(&mut self) -> Result<Event> {
        let (kind, start, end) = self.peek()?;
        if kind == Ty::Value {
            let mark = end;
            self.skip();
            let (kind, _, _) = self.peek()?;
            if !matches!(kind, Ty::Key | Ty::Value | Ty::BlockEnd) {
                self.states.push(State::BlockMappingKey);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingKey;
            return Ok(Self::empty_scalar(mark));
        }
        self.state = State::BlockMappingKey;
        Ok(Self::empty_scalar(start))
    }

    fn parse_flow_sequence_entry(&mut self, first: bool) -> Result<Event> {
        if first {
            self.push_first_mark()?;
        }
        let (mut kind, mut start, mut end) = self.peek()?;
        if kind != Ty::FlowSequenceEnd {
            if !first {
                if kind == Ty::FlowEntry {
                    self.skip();
                    (kind, start, end) = self.peek()?;
                } else {
                    let context_mark = self.marks.pop().unwrap_or_default();
                    return Err(parser_error_context(
                        "while parsing a flow sequence",
                        context_mark,
                        "did not find expected ',' or ']'",
                        start,
                    ));
                }
            }
            if kind == Ty::Key {
                self.state = State::FlowSequenceEntryMappingKey;
                self.skip();
                return Ok(Self::event(
                    EventKind::MappingStart {
                        anchor: None,
                        tag: None,
                        flow: true,
                    },
                    start,
                    end,
                ));
            } else if kind != Ty::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntry);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip();
        Ok(Self::event(EventKind::SequenceEnd, start, end))
    }

    fn parse_flow_sequence_entry_mapping_key(&mut self) -> Result<Event> {
        let (kind, _, end) = self.peek()?;
        if !matches!(kind, Ty::Value | Ty::FlowEntry | Ty::FlowSequenceEnd) {
            self.states.push(State::FlowSequenceEntryMappingValue);
            return self.parse_node(false, false);
        }
        let mark = end;
        self.skip();
        self.state = State::FlowSequenceEntryMappingValue;
        Ok(Self::empty_scalar(mark))
    }

    fn parse_flow_sequence_entry_mapping_value(&mut self) -> Result<Event> {
        let (kind, start, _) = self.peek()?;
        if kind == Ty::Value {
            self.skip();
            let (kind, start, _) = self.peek()?;
            if kind != Ty::FlowEntry && kind != Ty::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntryMappingEnd);
                return self.parse_node(false, false);
            }
            self.state = State::FlowSequenceEntryMappingEnd;
            return Ok(Self::empty_scalar(start));
        }
        self.state = State::FlowSequenceEntryMappingEnd;
        Ok(Self::empty_scalar(start))
    }

    fn parse_flow_sequence_entry_mapping_end(&mut self) -> Result<Event> {
        let (_, start, _) = self.peek()?;
        self.state = State::FlowSequenceEntry;
        Ok(Self::event(EventKind::MappingEnd, start, start))
    }

    fn parse_flow_mapping_key(&mut self, first: bool) -> Result<Event> {
        if first {
            self.push_first_mark()?;
        }
        let (mut kind, mut start, mut end) = self.peek()?;
        if kind != Ty::FlowMappingEnd {
            if !first {
                if kind == Ty::FlowEntry {
                    self.skip();
                    (kind, start, end) = self.peek()?;
                } else {
                    let context_mark = self.marks.pop().unwrap_or_default();
                    return Err(parser_error_context(
                        "while parsing a flow mapping",
                        context_mark,
                        "did not find expected ',' or '}'",
                        start,
                    ));
                }
            }
            if kind == Ty::Key {
                self.skip();
                let (kind, start, _) = self.peek()?;
                if !matches!(kind, Ty::Value | Ty::FlowEntry | Ty::FlowMappingEnd) {
                    self.states.push(State::FlowMappingValue);
                    return self.parse_node(false, false);
                }
                self.state = State::FlowMappingValue;
                return Ok(Self::empty_scalar(start));
            } else if kind != Ty::FlowMappingEnd {
                self.states.push(State::FlowMappingEmptyValue);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip();
        Ok(Self::event(EventKind::MappingEnd, start, end))
    }

    fn parse_flow_mapping_value(&mut self, empty: bool) -> Result<Event> {
        let (kind, start, _) = self.peek()?;
        if empty {
            self.state = State::FlowMappingKey;
            return Ok(Self::empty_scalar(start));
        }
        if kind == Ty::Value {
            self.skip();
            let (kind, start, _) = self.peek()?;
            if kind != Ty::FlowEntry && kind != Ty::FlowMappingEnd {
                self.states.push(State::FlowMappingKey);
                return self.parse_node(false, false);
            }
            self.state = State::FlowMappingKey;
            return Ok(Self::empty_scalar(start));
        }
        self.state = State::FlowMappingKey;
        Ok(Self::empty_scalar(start))
    }

    fn process_directives(&mut self) -> Result<()> {
        let mut have_version = false;
        loop {
            let (ty, start, _) = self.peek()?;
            if ty != Ty::VersionDirective && ty != Ty::TagDirective {
                break;
            }
            match self.take().map(|t| t.kind) {
                Some(TokenKind::VersionDirective(major, minor)) => {
                    if have_version {
                        return Err(parser_error("found duplicate %YAML directive", start));
                    }
                    if major != 1 || minor != 1 {
                        return Err(parser_error("found incompatible YAML document", start));
                    }
                    have_version = true;
                }
                Some(TokenKind::TagDirective(handle, prefix)) => {
                    if self.tag_directives.iter().any(|(h, _)| *h == handle) {
                        return Err(parser_error("found duplicate %TAG directive", start));
                    }
                    self.tag_directives.push((handle, prefix));
                }
                _ => {}
            }
        }
        for (h, p) in [(&b"!"[..], &b"!"[..]), (b"!!", b"tag:yaml.org,2002:")] {
            if !self.tag_directives.iter().any(|(x, _)| x == h) {
                self.tag_directives.push((h.to_vec(), p.to_vec()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of a text as short strings, or the error message.
    fn events(text: &str) -> Vec<String> {
        let mut p = Parser::new(text);
        let mut out = Vec::new();
        loop {
            match p.next_event() {
                Ok(Some(e)) => out.push(match e.kind {
                    EventKind::StreamStart => "+STR".to_string(),
                    EventKind::StreamEnd => "-STR".to_string(),
                    EventKind::DocumentStart { implicit } => {
                        if implicit { "+DOC" } else { "+DOC ---" }.to_string()
                    }
                    EventKind::DocumentEnd { implicit } => {
                        if implicit { "-DOC" } else { "-DOC ..." }.to_string()
                    }
                    EventKind::Alias(a) => format!("=ALI *{a}"),
                    EventKind::Scalar {
                        value, style, tag, ..
                    } => {
                        let t = tag.map(|t| format!("<{t}> ")).unwrap_or_default();
                        format!("=VAL {t}{style:?}:{value}")
                    }
                    EventKind::SequenceStart { flow, .. } => {
                        if flow { "+SEQ []" } else { "+SEQ" }.to_string()
                    }
                    EventKind::SequenceEnd => "-SEQ".to_string(),
                    EventKind::MappingStart { flow, .. } => {
                        if flow { "+MAP {}" } else { "+MAP" }.to_string()
                    }
                    EventKind::MappingEnd => "-MAP".to_string(),
                }),
                Ok(None) => return out,
                Err(e) => {
                    out.push(format!("ERR {}", e.message()));
                    return out;
                }
            }
        }
    }

    #[test]
    fn flow_sequence_may_close_below_its_key() {
        assert_eq!(
            events("a:\n  b: [\n  x\n]\n"),
            [
                "+STR",
                "+DOC",
                "+MAP",
                "=VAL Plain:a",
                "+MAP",
                "=VAL Plain:b",
                "+SEQ []",
                "=VAL Plain:x",
                "-SEQ",
                "-MAP",
                "-MAP",
                "-DOC",
                "-STR"
            ]
        );
    }

    #[test]
    fn quoted_scalars_continue_at_any_column() {
        assert_eq!(events("a:\n  b: \"x\ny\"\n")[6], "=VAL DoubleQuoted:x y");
    }

    #[test]
    fn yaml_1_1_line_breaks() {
        // LS and PS end a line and stay in the text; NEL is read as `\n`.
        assert_eq!(
            events("a: |\n  x\u{2028}  y\u{85}  z\n")[4],
            "=VAL Literal:x\u{2028}y\nz\n"
        );
        assert_eq!(
            events("- x\u{2029}- y\n"),
            [
                "+STR",
                "+DOC",
                "+SEQ",
                "=VAL Plain:x",
                "=VAL Plain:y",
                "-SEQ",
                "-DOC",
                "-STR"
            ]
        );
    }

    #[test]
    fn tags_are_resolved_through_directives() {
        let ev = events("%TAG !e! tag:example.com,2000:\n--- !e!x%21 1\n");
        assert_eq!(ev[2], "=VAL <tag:example.com,2000:x!> Plain:1");
        assert_eq!(events("!!str 1")[2], "=VAL <tag:yaml.org,2002:str> Plain:1");
        assert_eq!(events("!<!x> 1")[2], "=VAL <!x> Plain:1");
    }

    #[test]
    fn errors_carry_libyaml_wording_and_lines() {
        // Scanner errors count lines from 1, parser errors from 0, as yaml.v2 shows them.
        let last = |t: &str| events(t).pop().unwrap_or_default();
        assert_eq!(
            last("a: 1\nb: 'x\n"),
            "ERR line 3: found unexpected end of stream"
        );
        assert_eq!(last("a: 1\n- b\n"), "ERR line 1: did not find expected key");
        assert_eq!(
            last("a: b: c\n"),
            "ERR mapping values are not allowed in this context"
        );
        assert_eq!(
            last("x\ny: 1\n"),
            "ERR line 2: mapping values are not allowed in this context"
        );
        assert_eq!(
            last("a:\n  b\n  c\nd"),
            "ERR line 5: could not find expected ':'"
        );
        assert_eq!(last("a: \u{1}\n"), "ERR control characters are not allowed");
    }

    #[test]
    fn marks_count_characters() {
        let mut p = Parser::new("é: [x,\n  y]\n");
        let mut marks = Vec::new();
        while let Ok(Some(e)) = p.next_event() {
            if let EventKind::Scalar { value, .. } = &e.kind {
                marks.push((value.clone(), e.start.line, e.start.column, e.start.index));
            }
        }
        assert_eq!(
            marks,
            [
                ("é".to_string(), 0, 0, 0),
                ("x".to_string(), 0, 4, 4),
                ("y".to_string(), 1, 2, 9)
            ]
        );
    }
}
