//! The parser: builds Go's parse tree from lexer items, with Go's error messages.

use std::collections::HashMap;
use std::sync::Arc;

use crate::lexer::{Item, ItemBuffer, ItemType, lex, recycle};

/// Source of a parsed file: its name (ParseName) and text, for error positions.
#[derive(Debug)]
pub(crate) struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    /// Go's ErrorContext location: `NAME:LINE:COL` with a zero-based byte column.
    pub fn location(&self, pos: usize) -> String {
        let text = self.text.get(..pos).unwrap_or(&self.text);
        let col = match text.rfind('\n') {
            None => pos,
            Some(i) => pos - (i + 1),
        };
        let line = 1 + text.matches('\n').count();
        format!("{}:{}:{}", self.name, line, col)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub is_int: bool,
    pub is_float: bool,
    pub int: i64,
    pub float: f64,
    pub is_uint: bool,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        val: bool,
    },
    Number {
        pos: usize,
        num: Box<Number>,
    },
    Str {
        pos: usize,
        quoted: Box<str>,
        text: Box<str>,
    },
    Ident {
        pos: usize,
        name: String,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::Str { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Chain { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    pub fn write_to(&self, s: &mut String) {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    s.push('.');
                    s.push_str(i);
                }
            }
            Arg::Variable { idents, .. } => s.push_str(&idents.join(".")),
            Arg::Dot { .. } => s.push('.'),
            Arg::Nil { .. } => s.push_str("nil"),
            Arg::Bool { val, .. } => s.push_str(if *val { "true" } else { "false" }),
            Arg::Number { num, .. } => s.push_str(&num.text),
            Arg::Str { quoted, .. } => s.push_str(quoted),
            Arg::Ident { name, .. } => s.push_str(name),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(p) = node.as_ref() {
                    s.push('(');
                    p.write_to(s);
                    s.push(')');
                } else {
                    node.write_to(s);
                }
                for f in fields {
                    s.push('.');
                    s.push_str(f);
                }
            }
            Arg::Pipe(p) => p.write_to(s),
        }
    }

    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

impl Command {
    pub fn write_to(&self, s: &mut String) {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            if let Arg::Pipe(p) = a {
                s.push('(');
                p.write_to(s);
                s.push(')');
            } else {
                a.write_to(s);
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

impl Pipe {
    pub fn write_to(&self, s: &mut String) {
        if !self.decl.is_empty() {
            s.push_str(&self.decl.join(", "));
            s.push_str(" := ");
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                s.push_str(" | ");
            }
            c.write_to(s);
        }
    }
}

#[derive(Debug)]
#[allow(dead_code)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
#[allow(dead_code)] // Positions are kept for error reports of future checks.
pub(crate) enum Node {
    Text(Box<str>),
    Action {
        pos: usize,
        pipe: Box<Pipe>,
    },
    // The large variants are boxed: most nodes are text, and a node is as large as its
    // largest variant.
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template {
        pos: usize,
        name: Box<str>,
        pipe: Option<Box<Pipe>>,
    },
    Break {
        pos: usize,
    },
    Continue {
        pos: usize,
    },
    // Markers used only while parsing.
    End {
        pos: usize,
    },
    Else {
        pos: usize,
    },
}

impl Node {
    fn describe(&self) -> String {
        match self {
            Node::End { .. } => "{{end}}".into(),
            Node::Else { .. } => "{{else}}".into(),
            Node::Text(t) => crate::fmt::quote_go(t),
            _ => "node".into(),
        }
    }
}

/// A parsed template body, with the source it came from.
#[derive(Debug)]
pub(crate) struct Tree {
    pub name: String,
    pub source: Arc<Source>,
    pub root: Vec<Node>,
}

/// Go's parse.IsEmptyTree.
pub(crate) fn is_empty_tree(nodes: &[Node]) -> bool {
    nodes.iter().all(|n| match n {
        Node::Text(t) => t
            .trim_matches([' ', '\t', '\r', '\n', '\x0b', '\x0c'])
            .is_empty(),
        _ => false,
    })
}

/// Maximum nesting of parenthesised pipelines and control structures while parsing.
const MAX_PARSE_DEPTH: usize = 10_000;

struct Parser<'f> {
    items: Vec<Item<'f>>,
    /// The message of the error item that ends `items`, if one does.
    lex_error: String,
    idx: usize,
    furthest: usize,
    source: Arc<Source>,
    has_func: &'f dyn Fn(&str) -> bool,
    vars: Vec<String>,
    range_depth: usize,
    action_line: usize,
    trees: Vec<Tree>,
    depth: usize,
    // Stacks the node, command and argument lists are built on: each list is moved out
    // into a vector of exactly its size when complete (nested lists complete first), so
    // the tree holds no growth slack and building it never reallocates.
    nodes: Vec<Node>,
    cmds: Vec<Command>,
    args: Vec<Arg>,
}

/// Parses `text` named `name`: returns the main tree followed by every
/// `define`d or `block` tree, in the order Go adds them.
pub(crate) fn parse(
    name: &str,
    text: &str,
    left: &str,
    right: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> Result<Vec<Tree>, String> {
    parse_with(name, text, left, right, has_func, &mut ItemBuffer::new())
}

/// [`parse`] lexing into `buffer`'s allocation (handed back, empty, for the next file).
pub(crate) fn parse_with<'f>(
    name: &str,
    text: &'f str,
    left: &str,
    right: &str,
    has_func: &'f dyn Fn(&str) -> bool,
    buffer: &mut ItemBuffer,
) -> Result<Vec<Tree>, String> {
    let (items, lex_error) = lex(
        text,
        left,
        right,
        !has_func("break"),
        !has_func("continue"),
        recycle(std::mem::take(buffer)),
    );
    let source = Arc::new(Source {
        name: name.to_string(),
        text: text.to_string(),
    });
    let mut p = Parser {
        items,
        lex_error: lex_error.unwrap_or_default(),
        idx: 0,
        furthest: 0,
        source: source.clone(),
        has_func,
        vars: vec!["$".into()],
        range_depth: 0,
        action_line: 0,
        trees: Vec::new(),
        depth: 0,
        nodes: Vec::new(),
        cmds: Vec::new(),
        args: Vec::new(),
    };
    let root = p.parse_root()?;
    // Go adds the main tree last; defines were added as they were parsed.
    let mut set: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Tree> = Vec::new();
    let defs = std::mem::take(&mut p.trees);
    for t in defs.into_iter().chain(std::iter::once(Tree {
        name: name.to_string(),
        source,
        root,
    })) {
        add_tree(&mut out, &mut set, t).map_err(|m| p.err_msg(&m))?;
    }
    *buffer = recycle(std::mem::take(&mut p.items));
    Ok(out)
}

fn add_tree(out: &mut Vec<Tree>, set: &mut HashMap<String, usize>, t: Tree) -> Result<(), String> {
    match set.get(&t.name) {
        Some(&i) if !out.get(i).is_some_and(|o| is_empty_tree(&o.root)) => {
            if !is_empty_tree(&t.root) {
                return Err(format!(
                    "template: multiple definition of template {:?}",
                    t.name
                ));
            }
            Ok(())
        }
        Some(&i) => {
            if let Some(slot) = out.get_mut(i) {
                *slot = t;
            }
            Ok(())
        }
        None => {
            set.insert(t.name.clone(), out.len());
            out.push(t);
            Ok(())
        }
    }
}

type PResult<T> = Result<T, String>;

impl<'f> Parser<'f> {
    fn eof_item(&self) -> Item<'f> {
        // After the lexer stops, Go's channel yields zero items: an empty error.
        let line = self.items.last().map(|i| i.line).unwrap_or(1);
        Item {
            typ: ItemType::Stopped,
            pos: self.source.text.len(),
            val: "",
            line,
        }
    }

    fn next(&mut self) -> Item<'f> {
        let it = self
            .items
            .get(self.idx)
            .copied()
            .unwrap_or_else(|| self.eof_item());
        self.idx += 1;
        if self.idx > self.furthest {
            self.furthest = self.idx;
        }
        it
    }

    fn backup(&mut self) {
        self.idx = self.idx.saturating_sub(1);
    }

    fn peek(&mut self) -> Item<'f> {
        let it = self.next();
        self.backup();
        it
    }

    fn next_non_space(&mut self) -> Item<'f> {
        loop {
            let it = self.next();
            if it.typ != ItemType::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'f> {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn err_msg(&self, msg: &str) -> String {
        let line = self
            .items
            .get(self.furthest.saturating_sub(1))
            .map(|i| i.line)
            .unwrap_or_else(|| self.items.last().map(|i| i.line).unwrap_or(1));
        format!("template: {}:{}: {}", self.source.name, line, msg)
    }

    fn errorf<T>(&self, msg: String) -> PResult<T> {
        Err(self.err_msg(&msg))
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if matches!(token.typ, ItemType::Error | ItemType::Stopped) {
            let message = match token.typ {
                ItemType::Error => self.lex_error.as_str(),
                _ => "",
            };
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.source.name, self.action_line
                );
                if message.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{message}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, t: ItemType, context: &str) -> PResult<Item<'f>> {
        let tok = self.next_non_space();
        if tok.typ != t {
            return self.unexpected(&tok, context);
        }
        Ok(tok)
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return self.errorf("nesting too deep".into());
        }
        Ok(())
    }

    fn parse_root(&mut self) -> PResult<Vec<Node>> {
        let mark = self.nodes.len();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let save = self.idx;
                self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.idx = save;
            }
            let n = self.text_or_action()?;
            match n {
                Node::End { .. } | Node::Else { .. } => {
                    return self.errorf(format!("unexpected {}", n.describe()));
                }
                n => self.nodes.push(n),
            }
        }
        Ok(self.nodes.drain(mark..).collect())
    }

    fn unquote(&self, tok: &Item) -> PResult<String> {
        crate::fmt::unquote_go(tok.val).ok_or_else(|| self.err_msg("invalid syntax"))
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let tok = self.next_non_space();
        if tok.typ != ItemType::String && tok.typ != ItemType::RawString {
            return self.unexpected(&tok, context);
        }
        let name = self.unquote(&tok)?;
        self.expect(ItemType::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, Node::End { .. }) {
            return self.errorf(format!("unexpected {} in {}", end.describe(), context));
        }
        self.add_def(Tree {
            name,
            source: self.source.clone(),
            root: list,
        })
    }

    fn add_def(&mut self, t: Tree) -> PResult<()> {
        if let Some(i) = self.trees.iter().position(|o| o.name == t.name) {
            let old_empty = self.trees.get(i).is_some_and(|o| is_empty_tree(&o.root));
            if old_empty {
                if let Some(slot) = self.trees.get_mut(i) {
                    *slot = t;
                }
            } else if !is_empty_tree(&t.root) {
                return self.errorf(format!(
                    "template: multiple definition of template {:?}",
                    t.name
                ));
            }
            return Ok(());
        }
        self.trees.push(t);
        Ok(())
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Node)> {
        crate::deep(|| self.item_list_inner())
    }

    fn item_list_inner(&mut self) -> PResult<(Vec<Node>, Node)> {
        self.enter()?;
        let mark = self.nodes.len();
        while self.peek_non_space().typ != ItemType::Eof {
            let n = self.text_or_action()?;
            match n {
                Node::End { .. } | Node::Else { .. } => {
                    self.depth -= 1;
                    return Ok((self.nodes.drain(mark..).collect(), n));
                }
                n => self.nodes.push(n),
            }
        }
        self.errorf("unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> PResult<Node> {
        let tok = self.next_non_space();
        match tok.typ {
            ItemType::Text => Ok(Node::Text(Box::from(tok.val))),
            ItemType::LeftDelim => {
                self.action_line = tok.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&tok, "input"),
        }
    }

    fn action(&mut self) -> PResult<Node> {
        let tok = self.next_non_space();
        match tok.typ {
            ItemType::Block => return self.block_control(),
            ItemType::Break => return self.break_control(tok.pos, "{{break}}", true),
            ItemType::Continue => return self.break_control(tok.pos, "{{continue}}", false),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                let t = self.expect(ItemType::RightDelim, "end")?;
                return Ok(Node::End { pos: t.pos });
            }
            ItemType::If => return self.control("if").map(|b| Node::If(Box::new(b))),
            ItemType::Range => return self.control("range").map(|b| Node::Range(Box::new(b))),
            ItemType::With => return self.control("with").map(|b| Node::With(Box::new(b))),
            ItemType::Template => return self.template_control(),
            _ => {}
        }
        self.backup();
        let tok = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Node::Action {
            pos: tok.pos,
            pipe: Box::new(pipe),
        })
    }

    fn break_control(&mut self, pos: usize, ctx: &str, is_break: bool) -> PResult<Node> {
        let tok = self.next_non_space();
        if tok.typ != ItemType::RightDelim {
            return self.unexpected(&tok, ctx);
        }
        if self.range_depth == 0 {
            return self.errorf(format!("{ctx} outside {{{{range}}}}"));
        }
        Ok(if is_break {
            Node::Break { pos }
        } else {
            Node::Continue { pos }
        })
    }

    fn else_control(&mut self) -> PResult<Node> {
        let peek = self.peek_non_space();
        // "else if" and (Go 1.23+) "else with" leave the keyword pending.
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Node::Else { pos: peek.pos });
        }
        let t = self.expect(ItemType::RightDelim, "else")?;
        Ok(Node::Else { pos: t.pos })
    }

    fn control(&mut self, context: &str) -> PResult<Branch> {
        let nvars = self.vars.len();
        let r = self.control_inner(context);
        self.vars.truncate(nvars);
        r
    }

    fn control_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        if let Node::Else { .. } = next {
            if context == "if" && self.peek().typ == ItemType::If {
                self.next();
                self.enter()?;
                let inner = self.control("if")?;
                self.depth -= 1;
                else_list = Some(vec![Node::If(Box::new(inner))]);
            } else if context == "with" && self.peek().typ == ItemType::With {
                self.next();
                self.enter()?;
                let inner = self.control("with")?;
                self.depth -= 1;
                else_list = Some(vec![Node::With(Box::new(inner))]);
            } else {
                let (el, next) = self.item_list()?;
                if !matches!(next, Node::End { .. }) {
                    return self.errorf(format!("expected end; found {}", next.describe()));
                }
                else_list = Some(el);
            }
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, tok: &Item, context: &str) -> PResult<String> {
        match tok.typ {
            ItemType::String | ItemType::RawString => self.unquote(tok),
            _ => self.unexpected(tok, context),
        }
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let r = self.item_list();
        self.vars = saved_vars;
        let (list, end) = r?;
        if !matches!(end, Node::End { .. }) {
            return self.errorf(format!("unexpected {} in {}", end.describe(), context));
        }
        self.add_def(Tree {
            name: name.clone(),
            source: self.source.clone(),
            root: list,
        })?;
        Ok(Node::Template {
            pos: tok.pos,
            name: name.into(),
            pipe: Some(Box::new(pipe)),
        })
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template {
            pos: tok.pos,
            name: name.into(),
            pipe: pipe.map(Box::new),
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        crate::deep(|| self.pipeline_inner(context, end))
    }

    fn pipeline_inner(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        self.enter()?;
        let tok = self.peek_non_space();
        let mut pipe = Pipe {
            pos: tok.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        let mark = self.cmds.len();
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            let before = self.idx;
            self.next_non_space();
            let after_var = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.to_string());
                    self.vars.push(v.val.to_string());
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.to_string());
                    self.vars.push(v.val.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue 'decls;
                            }
                            _ => return self.errorf("range can only initialize variables".into()),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                }
                _ if after_var.typ == ItemType::Space => self.idx = before,
                _ => self.idx = before,
            }
            break;
        }
        loop {
            let tok = self.next_non_space();
            match tok.typ {
                t if t == end => {
                    pipe.cmds = self.cmds.drain(mark..).collect();
                    self.check_pipeline(&pipe, context)?;
                    self.depth -= 1;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    self.cmds.push(c);
                }
                _ => return self.unexpected(&tok, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                Arg::Bool { .. }
                | Arg::Dot { .. }
                | Arg::Nil { .. }
                | Arg::Number { .. }
                | Arg::Str { .. },
            ) = c.args.first()
            {
                return self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mark = self.args.len();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                self.args.push(op);
            }
            let tok = self.next();
            match tok.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&tok, "operand"),
            }
            break;
        }
        let cmd = Command {
            pos,
            args: self.args.drain(mark..).collect(),
        };
        if cmd.args.is_empty() {
            return self.errorf("empty command".into());
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let pos = self.peek().pos;
            let mut fields = Vec::new();
            while self.peek().typ == ItemType::Field {
                let f = self.next();
                fields.push(f.val.get(1..).unwrap_or("").to_string());
            }
            return match node {
                Arg::Field { idents, .. } => {
                    let mut all = idents;
                    all.extend(fields);
                    Ok(Some(Arg::Field { pos, idents: all }))
                }
                Arg::Variable { idents, .. } => {
                    let mut all = idents;
                    all.extend(fields);
                    Ok(Some(Arg::Variable { pos, idents: all }))
                }
                Arg::Bool { .. }
                | Arg::Str { .. }
                | Arg::Number { .. }
                | Arg::Nil { .. }
                | Arg::Dot { .. } => self.errorf(format!(
                    "unexpected . after term {}",
                    crate::fmt::quote_go(&node.to_go_string())
                )),
                node => Ok(Some(Arg::Chain {
                    pos,
                    node: Box::new(node),
                    fields,
                })),
            };
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let tok = self.next_non_space();
        Ok(Some(match tok.typ {
            ItemType::Identifier => {
                if !(self.has_func)(tok.val) {
                    return self.errorf(format!(
                        "function {} not defined",
                        crate::fmt::quote_go(tok.val)
                    ));
                }
                Arg::Ident {
                    pos: tok.pos,
                    name: tok.val.to_string(),
                }
            }
            ItemType::Dot => Arg::Dot { pos: tok.pos },
            ItemType::Nil => Arg::Nil { pos: tok.pos },
            ItemType::Variable => {
                let idents: Vec<String> = tok.val.split('.').map(str::to_string).collect();
                let first = idents.first().cloned().unwrap_or_default();
                if !self.vars.contains(&first) {
                    return self.errorf(format!(
                        "undefined variable {}",
                        crate::fmt::quote_go(&first)
                    ));
                }
                Arg::Variable {
                    pos: tok.pos,
                    idents,
                }
            }
            ItemType::Field => Arg::Field {
                pos: tok.pos,
                idents: tok
                    .val
                    .get(1..)
                    .unwrap_or("")
                    .split('.')
                    .map(str::to_string)
                    .collect(),
            },
            ItemType::Bool => Arg::Bool {
                pos: tok.pos,
                val: tok.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let num = self.number(&tok)?;
                Arg::Number {
                    pos: tok.pos,
                    num: Box::new(num),
                }
            }
            ItemType::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", ItemType::RightParen)?,
            )),
            ItemType::String | ItemType::RawString => {
                let s = self.unquote(&tok)?;
                Arg::Str {
                    pos: tok.pos,
                    quoted: Box::from(tok.val),
                    text: s.into_boxed_str(),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    fn number(&self, tok: &Item) -> PResult<Number> {
        let text = tok.val.to_string();
        let mut n = Number {
            text: text.clone(),
            is_int: false,
            is_float: false,
            int: 0,
            float: 0.0,
            is_uint: false,
        };
        match tok.typ {
            ItemType::CharConstant => {
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                let Some(c) = crate::fmt::unquote_char(inner) else {
                    return self.errorf(format!("malformed character constant: {text}"));
                };
                n.is_int = true;
                n.is_uint = true;
                n.is_float = true;
                n.int = c as i64;
                n.float = c as i64 as f64;
                return Ok(n);
            }
            ItemType::Complex => return self.errorf("complex numbers are not supported".into()),
            _ => {}
        }
        if text.ends_with('i') {
            return self.errorf("complex numbers are not supported".into());
        }
        let u = crate::fmt::parse_go_uint(&text);
        if u.is_some() {
            n.is_uint = true;
        }
        if let Some(i) = crate::fmt::parse_go_int(&text) {
            n.is_int = true;
            n.int = i;
        }
        if n.is_int {
            n.is_float = true;
            n.float = n.int as f64;
        } else if let Some(u) = u {
            n.is_float = true;
            n.float = u as f64;
        } else if let Some(f) = crate::fmt::parse_go_float(&text) {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return self.errorf(format!("integer overflow: {}", crate::fmt::quote_go(&text)));
            }
            n.is_float = true;
            n.float = f;
            if (f as i64) as f64 == f {
                n.is_int = true;
                n.int = f as i64;
            }
            if f >= 0.0 && (f as u64) as f64 == f {
                n.is_uint = true;
            }
        }
        if !n.is_int && !n.is_uint && !n.is_float {
            return self.errorf(format!(
                "illegal number syntax: {}",
                crate::fmt::quote_go(&text)
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// A chart's parse trees are mostly text nodes and short argument lists: keep the
    /// common shapes small (the big variants are boxed).
    #[test]
    fn tree_nodes_stay_small() {
        eprintln!(
            "Node {} Arg {} Command {} Pipe {}",
            std::mem::size_of::<Node>(),
            std::mem::size_of::<Arg>(),
            std::mem::size_of::<Command>(),
            std::mem::size_of::<Pipe>()
        );
        assert!(std::mem::size_of::<Node>() <= 40);
        assert!(std::mem::size_of::<Arg>() <= 48);
    }
}
