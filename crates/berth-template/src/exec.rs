//! The executor: walks parse trees over values, as Go's text/template does.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::funcs::{Func, FuncMap, P};
use crate::lexer::ItemBuffer;
use crate::parser::{Arg, Branch, Command, Node, Pipe, Source, Tree, parse, parse_with};
use crate::value::{Elem, Value};
use crate::{Error, fmt};

/// What a missing map key yields (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: no value (prints `<no value>`).
    Default,
    /// `missingkey=zero`: the zero value of the map's element type (Helm's choice).
    #[default]
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// The `lookup` hook: (apiVersion, kind, namespace, name) to an object or list.
pub type LookupFn = dyn Fn(&str, &str, &str, &str) -> Result<Value, String>;

/// Nesting limit for template calls, includes and tpl (the stack is finite).
const MAX_DEPTH: usize = 10_000;
/// Go's per-name include limit in Helm.
const MAX_INCLUDE: usize = 1000;

/// A set of templates sharing definitions and functions: Go's `*template.Template`
/// as Helm's engine uses it.
pub struct TemplateSet {
    trees: HashMap<String, Rc<Tree>>,
    funcs: Rc<FuncMap>,
    missing_key: MissingKey,
    left: String,
    right: String,
    root_name: String,
    lookup: Option<Rc<LookupFn>>,
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateSet")
            .field("templates", &self.trees.len())
            .finish()
    }
}

impl Default for TemplateSet {
    fn default() -> Self {
        Self::new()
    }
}

impl TemplateSet {
    /// A set with Go's builtins, Sprig (without env/expandenv) and Helm's functions,
    /// `missingkey=zero`, named `gotpl` as in Helm.
    pub fn new() -> Self {
        TemplateSet {
            trees: HashMap::new(),
            funcs: Rc::new(crate::funcs::helm_funcs()),
            missing_key: MissingKey::Zero,
            left: String::new(),
            right: String::new(),
            root_name: "gotpl".into(),
            lookup: None,
        }
    }

    /// A set with only Go's builtin functions and `missingkey=default`.
    pub fn plain() -> Self {
        TemplateSet {
            funcs: Rc::new(crate::funcs::builtin_funcs()),
            missing_key: MissingKey::Default,
            ..Self::new()
        }
    }

    /// Sets the missingkey option.
    pub fn set_missing_key(&mut self, m: MissingKey) -> &mut Self {
        self.missing_key = m;
        self
    }

    /// Sets the action delimiters (empty means the default `{{`/`}}`).
    pub fn set_delims(&mut self, left: &str, right: &str) -> &mut Self {
        self.left = left.to_string();
        self.right = right.to_string();
        self
    }

    /// Installs the `lookup` hook; without one, `lookup` returns an empty map.
    pub fn set_lookup(&mut self, f: Rc<LookupFn>) -> &mut Self {
        self.lookup = Some(f);
        self
    }

    /// Whether a function of this name is known.
    pub fn has_function(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// Parses `text` as template `name` (Go's `t.New(name).Parse(text)`): its
    /// `define`s join the set; a later non-empty definition replaces an earlier one,
    /// an empty one never does.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let funcs = self.funcs.clone();
        let trees = parse(name, text, &self.left, &self.right, &|n| {
            funcs.contains_key(n)
        })
        .map_err(Error::Parse)?;
        for t in trees {
            associate(&mut self.trees, t);
        }
        Ok(())
    }

    /// Parses many files, `(name, text)`, with the result of calling [`Self::parse`] on
    /// each in turn. Files are independent until their trees join the set, so large sets
    /// are lexed and parsed on several threads; the trees join here, in the given order.
    /// A failure names the index of the first file (in order) that did not parse.
    pub fn parse_files(&mut self, files: &[(&str, &str)]) -> Result<(), (usize, Error)> {
        self.parse_files_ahead(files, None)
    }

    /// [`Self::parse_files`], taking a file's trees from `ahead` where it parsed the same
    /// name and text for a set with the same functions and delimiters; the other files are
    /// parsed here.
    pub fn parse_files_ahead(
        &mut self,
        files: &[(&str, &str)],
        ahead: Option<ParsedAhead>,
    ) -> Result<(), (usize, Error)> {
        let mut ahead = ahead.filter(|a| {
            a.funcs == self.funcs.len() && self.left.is_empty() && self.right.is_empty()
        });
        let mut done: Vec<Option<Vec<Tree>>> = files
            .iter()
            .map(|&(name, text)| ahead.as_mut().and_then(|a| a.take(name, text)))
            .collect();
        let todo: Vec<usize> = (0..files.len()).filter(|&i| done[i].is_none()).collect();
        let funcs: &FuncMap = &self.funcs;
        let (left, right) = (self.left.as_str(), self.right.as_str());
        let parse_one = |buffer: &mut ItemBuffer, &i: &usize| {
            let (name, text) = files[i];
            parse_with(name, text, left, right, &|n| funcs.contains_key(n), buffer)
        };
        let total: usize = todo.iter().map(|&i| files[i].1.len()).sum();
        let threads = if total < MIN_PARALLEL_PARSE_BYTES {
            1
        } else {
            crate::parallel::parallelism()
        };
        let mut parsed =
            crate::parallel::map_in_order(&todo, threads, ItemBuffer::new, parse_one).into_iter();
        for (i, slot) in done.iter_mut().enumerate() {
            let trees = match slot.take() {
                Some(trees) => trees,
                None => match parsed.next() {
                    Some(r) => r.map_err(|e| (i, Error::Parse(e)))?,
                    None => continue,
                },
            };
            for t in trees {
                associate(&mut self.trees, t);
            }
        }
        Ok(())
    }

    /// Frees the set's parse trees on another thread: a large chart's trees are hundreds of
    /// thousands of small allocations, and the caller need not wait for them.
    pub fn drop_in_background(mut self) {
        let trees: Vec<Tree> = std::mem::take(&mut self.trees)
            .into_values()
            .filter_map(|t| Rc::try_unwrap(t).ok())
            .collect();
        // If no thread can be started the trees are simply freed here.
        let _ = std::thread::Builder::new()
            .name("berth-template-free".into())
            .spawn(move || drop(trees));
    }

    /// Whether a template of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// Executes template `name` with `data` as dot.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let Some(tree) = self.trees.get(name).cloned() else {
            return Err(Error::Exec(format!(
                "template: no template {} associated with template {}",
                fmt::quote_go(name),
                fmt::quote_go(&self.root_name)
            )));
        };
        let mut st = State::new(self);
        st.run_tree(&tree, data.clone())
            .map_err(|e| Error::Exec(e.0))
    }
}

/// Template files parsed before the set that will hold them exists, by any threads that
/// are free: parsing needs only each file's name and text, so a caller can start it, do
/// other work, join in with [`ParseAhead::help`], and hand [`ParseAhead::finish`]'s
/// result to [`TemplateSet::parse_files_ahead`].
pub struct ParseAhead<'f> {
    files: &'f [(&'f str, &'f str)],
    funcs: FuncMap,
    next: std::sync::atomic::AtomicUsize,
    parsed: Vec<std::sync::OnceLock<Option<Vec<Tree>>>>,
}

impl<'f> ParseAhead<'f> {
    /// Work to parse `files`, `(name, text)`, as a [`TemplateSet::new`] set does (Helm's
    /// functions, default delimiters). Nothing is parsed until a thread helps.
    pub fn new(files: &'f [(&'f str, &'f str)]) -> Self {
        ParseAhead {
            files,
            funcs: crate::funcs::helm_funcs(),
            next: std::sync::atomic::AtomicUsize::new(0),
            parsed: files.iter().map(|_| std::sync::OnceLock::new()).collect(),
        }
    }

    /// Parses files no other thread has taken, until none is left.
    pub fn help(&self) {
        let mut buffer = ItemBuffer::new();
        let has_func = |n: &str| self.funcs.contains_key(n);
        loop {
            let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (Some(&(name, text)), Some(slot)) = (self.files.get(i), self.parsed.get(i)) else {
                return;
            };
            // A file that does not parse is left for the set, which reports its error.
            let _ = slot.set(parse_with(name, text, "", "", &has_func, &mut buffer).ok());
        }
    }

    /// Leaves the files no thread has started to the set (the work is not wanted after all).
    pub fn stop(&self) {
        self.next
            .store(self.files.len(), std::sync::atomic::Ordering::Relaxed);
    }

    /// What was parsed, once every helper is done (a file nobody reached is parsed by the
    /// set).
    pub fn finish(self) -> ParsedAhead {
        ParsedAhead {
            funcs: self.funcs.len(),
            files: self
                .files
                .iter()
                .zip(self.parsed)
                .filter_map(|(&(name, _), slot)| Some((name.to_string(), slot.into_inner()??)))
                .collect(),
        }
    }
}

/// Trees parsed by a [`ParseAhead`], by file name.
pub struct ParsedAhead {
    /// The size of the function table parsed against (sets are made with Helm's
    /// functions or with Go's builtins only).
    funcs: usize,
    files: HashMap<String, Vec<Tree>>,
}

impl ParsedAhead {
    /// The trees of `name` if they were parsed from this very text.
    fn take(&mut self, name: &str, text: &str) -> Option<Vec<Tree>> {
        let trees = self.files.remove(name)?;
        (trees.first()?.source.text == text).then_some(trees)
    }
}

/// Below this much template text a second thread costs more than it saves.
const MIN_PARALLEL_PARSE_BYTES: usize = 64 * 1024;

fn associate(trees: &mut HashMap<String, Rc<Tree>>, t: Tree) {
    if trees.contains_key(&t.name) && crate::parser::is_empty_tree(&t.root) {
        return;
    }
    trees.insert(t.name.clone(), Rc::new(t));
}

/// An execution error's message, in Go's format.
#[derive(Debug)]
pub(crate) struct ExecError(pub String);

enum Flow {
    Err(ExecError),
    Break,
    Continue,
}

impl From<ExecError> for Flow {
    fn from(e: ExecError) -> Flow {
        Flow::Err(e)
    }
}

type R<T> = Result<T, ExecError>;

/// The state of one execution: Go's `state`, plus Helm's include counters.
pub struct State<'s> {
    set: &'s TemplateSet,
    overlays: Vec<Rc<HashMap<String, Rc<Tree>>>>,
    out: String,
    vars: Vec<(String, Value)>,
    depth: usize,
    tmpl_name: String,
    source: Arc<Source>,
    includes: HashMap<String, usize>,
}

/// A node to report an error at: its position and Go's String() of it.
#[derive(Clone, Copy)]
enum At<'a> {
    Arg(&'a Arg),
    Cmd(&'a Command),
    Pipe(&'a Pipe),
    Pos(usize, &'a str),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Arg(a) => a.pos(),
            At::Cmd(c) => c.pos,
            At::Pipe(p) => p.pos,
            At::Pos(p, _) => *p,
        }
    }

    fn context(&self) -> String {
        let mut s = String::new();
        match self {
            At::Arg(a) => a.write_to(&mut s),
            At::Cmd(c) => c.write_to(&mut s),
            At::Pipe(p) => p.write_to(&mut s),
            At::Pos(_, t) => s.push_str(t),
        }
        s
    }
}

/// The node Go's executor last marked (`s.at`) once a pipeline has been evaluated.
fn last_evaluated(p: &Pipe) -> At<'_> {
    match p.cmds.last() {
        Some(c) => deepest_cmd(c),
        None => At::Pipe(p),
    }
}

/// The node last marked after evaluating command `c`.
fn deepest_cmd(c: &Command) -> At<'_> {
    match (c.args.first(), c.args.last()) {
        (Some(Arg::Ident { .. }), Some(last)) if c.args.len() > 1 => deepest(last),
        (Some(first), _) => deepest(first),
        _ => At::Cmd(c),
    }
}

/// The node last marked after evaluating argument `a`.
fn deepest(a: &Arg) -> At<'_> {
    match a {
        Arg::Pipe(p) => last_evaluated(p),
        Arg::Chain { node, .. } => deepest(node),
        a => At::Arg(a),
    }
}

impl<'s> State<'s> {
    fn new(set: &'s TemplateSet) -> Self {
        State {
            set,
            overlays: Vec::new(),
            out: String::new(),
            vars: Vec::new(),
            depth: 0,
            tmpl_name: String::new(),
            source: Arc::new(Source {
                name: String::new(),
                text: String::new(),
            }),
            includes: HashMap::new(),
        }
    }

    fn lookup_tree(&self, name: &str) -> Option<Rc<Tree>> {
        for o in self.overlays.iter().rev() {
            if let Some(t) = o.get(name) {
                return Some(t.clone());
            }
        }
        self.set.trees.get(name).cloned()
    }

    fn err(&self, at: At<'_>, msg: impl std::fmt::Display) -> ExecError {
        let loc = self.source.location(at.pos());
        ExecError(format!(
            "template: {}: executing {} at <{}>: {}",
            loc,
            fmt::quote_go(&self.tmpl_name),
            at.context(),
            msg
        ))
    }

    fn run_tree(&mut self, tree: &Rc<Tree>, dot: Value) -> R<String> {
        crate::deep(|| self.run_tree_inner(tree, dot))
    }

    fn run_tree_inner(&mut self, tree: &Rc<Tree>, dot: Value) -> R<String> {
        let saved_out = std::mem::take(&mut self.out);
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), dot.clone())]);
        let saved_name = std::mem::replace(&mut self.tmpl_name, tree.name.clone());
        let saved_src = std::mem::replace(&mut self.source, tree.source.clone());
        let r = self.walk_list(&dot, &tree.root);
        self.vars = saved_vars;
        self.tmpl_name = saved_name;
        self.source = saved_src;
        let out = std::mem::replace(&mut self.out, saved_out);
        match r {
            Ok(()) => Ok(out),
            Err(Flow::Err(e)) => Err(e),
            Err(_) => Ok(out),
        }
    }

    fn walk_list(&mut self, dot: &Value, nodes: &[Node]) -> Result<(), Flow> {
        for n in nodes {
            self.walk(dot, n)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Value, node: &Node) -> Result<(), Flow> {
        crate::deep(|| self.walk_node(dot, node))
    }

    fn walk_node(&mut self, dot: &Value, node: &Node) -> Result<(), Flow> {
        match node {
            Node::Text(t) => self.out.push_str(t),
            Node::Action { pipe, .. } => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    match &v {
                        Value::Nil => self.out.push_str("<no value>"),
                        Value::String(s) => self.out.push_str(s),
                        v => {
                            let s = fmt::sprint_value(v);
                            self.out.push_str(&s);
                        }
                    }
                }
            }
            Node::If(b) => self.walk_if_with(dot, b, false)?,
            Node::With(b) => self.walk_if_with(dot, b, true)?,
            Node::Range(b) => self.walk_range(dot, b)?,
            Node::Template { pos, name, pipe } => {
                self.walk_template(dot, *pos, name, pipe.as_deref())?
            }
            Node::Break { .. } => return Err(Flow::Break),
            Node::Continue { .. } => return Err(Flow::Continue),
            Node::End { .. } | Node::Else { .. } => {}
        }
        Ok(())
    }

    fn walk_if_with(&mut self, dot: &Value, b: &Branch, with: bool) -> Result<(), Flow> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.truth() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(el) = &b.else_list {
                self.walk_list(dot, el)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Value, b: &Branch) -> Result<(), Flow> {
        let mark0 = self.vars.len();
        let r = self.walk_range_inner(dot, b);
        self.vars.truncate(mark0);
        r
    }

    fn range_iter(&mut self, b: &Branch, index: Value, elem: Value) -> Result<bool, Flow> {
        let mark = self.vars.len();
        let n = b.pipe.decl.len();
        if n > 0 {
            if let Some(slot) = self.vars.get_mut(mark - 1) {
                slot.1 = elem.clone();
            }
        }
        if n > 1 {
            if let Some(slot) = self.vars.get_mut(mark - 2) {
                slot.1 = index;
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        match r {
            Ok(()) | Err(Flow::Continue) => Ok(true),
            Err(Flow::Break) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn walk_range_inner(&mut self, dot: &Value, b: &Branch) -> Result<(), Flow> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        match &val {
            Value::List(items, _) if !items.is_empty() => {
                for (i, e) in items.iter().enumerate() {
                    if !self.range_iter(b, Value::Int(i as i64), e.clone())? {
                        break;
                    }
                }
                return Ok(());
            }
            Value::Bytes(items) if !items.is_empty() => {
                for (i, e) in items.iter().enumerate() {
                    if !self.range_iter(b, Value::Int(i as i64), Value::Int(*e as i64))? {
                        break;
                    }
                }
                return Ok(());
            }
            Value::Map(m, _) => {
                let entries: Vec<(String, Value)> = m
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !entries.is_empty() {
                    for (k, v) in entries {
                        if !self.range_iter(b, Value::str(&k), v)? {
                            break;
                        }
                    }
                    return Ok(());
                }
            }
            Value::Int(n) | Value::Int64(n) => {
                // Go 1.22+: range over an integer.
                let n = *n;
                let is64 = matches!(val, Value::Int64(_));
                if b.pipe.decl.len() > 1 {
                    let at = last_evaluated(&b.pipe);
                    let msg = format!("can't use {n} to iterate over more than one variable");
                    return Err(self.err(at, msg).into());
                }
                if n > 0 {
                    for i in 0..n {
                        let v = if is64 { Value::Int64(i) } else { Value::Int(i) };
                        if !self.range_iter(b, v.clone(), v)? {
                            break;
                        }
                    }
                    return Ok(());
                }
            }
            Value::Object(o) if o.range_entries().is_some() => {
                let entries = o.range_entries().unwrap_or_default();
                if !entries.is_empty() {
                    for (k, v) in entries {
                        if !self.range_iter(b, Value::str(&k), v)? {
                            break;
                        }
                    }
                    return Ok(());
                }
            }
            Value::List(..) | Value::Bytes(_) | Value::Nil => {}
            v => {
                let s = fmt::sprint_value(v);
                return Err(self
                    .err(
                        last_evaluated(&b.pipe),
                        format!("range can't iterate over {s}"),
                    )
                    .into());
            }
        }
        if let Some(el) = &b.else_list {
            self.walk_list(dot, el)?;
        }
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &Value,
        pos: usize,
        name: &str,
        pipe: Option<&Pipe>,
    ) -> Result<(), Flow> {
        let ctx = match pipe {
            Some(p) => {
                let mut s = format!("{{{{template {} ", fmt::quote_go(name));
                p.write_to(&mut s);
                s.push_str("}}");
                s
            }
            None => format!("{{{{template {}}}}}", fmt::quote_go(name)),
        };
        let Some(tree) = self.lookup_tree(name) else {
            return Err(self
                .err(
                    At::Pos(pos, &ctx),
                    format!("template {} not defined", fmt::quote_go(name)),
                )
                .into());
        };
        if self.depth >= MAX_DEPTH {
            return Err(self
                .err(
                    At::Pos(pos, &ctx),
                    format!("exceeded maximum template depth ({MAX_DEPTH})"),
                )
                .into());
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        self.depth += 1;
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), new_dot.clone())]);
        let saved_name = std::mem::replace(&mut self.tmpl_name, tree.name.clone());
        let saved_src = std::mem::replace(&mut self.source, tree.source.clone());
        let r = self.walk_list(&new_dot, &tree.root);
        self.vars = saved_vars;
        self.tmpl_name = saved_name;
        self.source = saved_src;
        self.depth -= 1;
        match r {
            Err(Flow::Err(e)) => Err(Flow::Err(e)),
            _ => Ok(()),
        }
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: &Pipe) -> R<Value> {
        crate::deep(|| self.eval_pipeline_inner(dot, pipe))
    }

    fn eval_pipeline_inner(&mut self, dot: &Value, pipe: &Pipe) -> R<Value> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or_default();
        for v in &pipe.decl {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == v) {
                    Some(slot) => slot.1 = value.clone(),
                    None => {
                        return Err(
                            self.err(last_evaluated(pipe), format!("undefined variable: {v}"))
                        );
                    }
                }
            } else {
                self.vars.push((v.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, cmd: &Command, final_: &Option<Value>) -> R<()> {
        if cmd.args.len() > 1 || final_.is_some() {
            let first = cmd.args.first().map(Arg::to_go_string).unwrap_or_default();
            let at = cmd.args.first().map(At::Arg).unwrap_or(At::Cmd(cmd));
            return Err(self.err(at, format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &Command, final_: Option<Value>) -> R<Value> {
        let Some(first) = cmd.args.first() else {
            return Err(self.err(At::Cmd(cmd), "empty command"));
        };
        match first {
            Arg::Field { idents, .. } => Ok(self
                .eval_field_chain(
                    dot,
                    dot.clone(),
                    false,
                    At::Arg(first),
                    idents,
                    &cmd.args,
                    final_,
                )?
                .0),
            Arg::Chain { node, fields, .. } => {
                let recv = self.eval_chain_receiver(dot, first, node)?;
                Ok(self
                    // Go marks no node for the fields: errors point at the last node the
                    // receiver's evaluation marked.
                    .eval_field_chain(dot, recv, false, deepest(first), fields, &cmd.args, final_)?
                    .0)
            }
            Arg::Ident { name, .. } => {
                self.eval_function(dot, first, name, Some(cmd), &cmd.args, final_)
            }
            Arg::Pipe(p) => {
                self.not_a_function(cmd, &final_)?;
                self.eval_pipeline(dot, p)
            }
            Arg::Variable { idents, .. } => {
                Ok(self.eval_variable(dot, first, idents, &cmd.args, final_)?.0)
            }
            Arg::Bool { val, .. } => {
                self.not_a_function(cmd, &final_)?;
                Ok(Value::Bool(*val))
            }
            Arg::Dot { .. } => {
                self.not_a_function(cmd, &final_)?;
                Ok(dot.clone())
            }
            Arg::Nil { .. } => {
                self.not_a_function(cmd, &final_)?;
                Err(self.err(At::Arg(first), "nil is not a command"))
            }
            Arg::Number { num, .. } => {
                self.not_a_function(cmd, &final_)?;
                self.ideal_constant(first, num)
            }
            Arg::Str { text, .. } => {
                self.not_a_function(cmd, &final_)?;
                Ok(Value::str(text))
            }
        }
    }

    fn ideal_constant(&self, at: &Arg, num: &crate::parser::Number) -> R<Value> {
        let t = &num.text;
        let is_hex_int = t.len() > 2
            && t.starts_with('0')
            && (t.as_bytes().get(1) == Some(&b'x') || t.as_bytes().get(1) == Some(&b'X'))
            && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if num.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(num.float));
        }
        if num.is_int {
            return Ok(Value::Int(num.int));
        }
        if num.is_uint {
            return Err(self.err(At::Arg(at), format!("{t} overflows int")));
        }
        Ok(Value::Nil)
    }

    fn eval_chain_receiver(&mut self, dot: &Value, chain: &Arg, node: &Arg) -> R<Value> {
        if let Arg::Nil { .. } = node {
            return Err(self.err(
                At::Arg(chain),
                format!(
                    "indirection through explicit nil in {}",
                    chain.to_go_string()
                ),
            ));
        }
        Ok(self.eval_arg(dot, P::Reflect, node)?.0)
    }

    fn var_value(&self, at: &Arg, name: &str) -> R<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.err(At::Arg(at), format!("undefined variable: {name}"))),
        }
    }

    fn eval_variable(
        &mut self,
        dot: &Value,
        at: &Arg,
        idents: &[String],
        args: &[Arg],
        final_: Option<Value>,
    ) -> R<(Value, bool)> {
        let name = idents.first().map(String::as_str).unwrap_or("$");
        let value = self.var_value(at, name)?;
        if idents.len() == 1 {
            if args.len() > 1 || final_.is_some() {
                return Err(self.err(
                    At::Arg(at),
                    format!("can't give argument to non-function {}", at.to_go_string()),
                ));
            }
            return Ok((value, false));
        }
        self.eval_field_chain(
            dot,
            value,
            false,
            At::Arg(at),
            idents.get(1..).unwrap_or(&[]),
            args,
            final_,
        )
    }

    /// Returns the value and whether it is a nil interface (not an invalid value).
    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut recv: Value,
        mut recv_iface: bool,
        at: At<'_>,
        idents: &[String],
        args: &[Arg],
        final_: Option<Value>,
    ) -> R<(Value, bool)> {
        let n = idents.len();
        for (i, id) in idents.iter().enumerate() {
            let last = i + 1 == n;
            let (a, f) = if last {
                (args, final_.clone())
            } else {
                (&[][..], None)
            };
            let (v, iface) = self.eval_field(dot, id, at, a, f, recv, recv_iface)?;
            recv = v;
            recv_iface = iface;
        }
        Ok((recv, recv_iface))
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field(
        &mut self,
        dot: &Value,
        name: &str,
        at: At<'_>,
        args: &[Arg],
        final_: Option<Value>,
        recv: Value,
        recv_iface: bool,
    ) -> R<(Value, bool)> {
        let has_args = args.len() > 1 || final_.is_some();
        match &recv {
            Value::Nil => {
                if recv_iface {
                    return Err(
                        self.err(at, format!("nil pointer evaluating interface {{}}.{name}"))
                    );
                }
                if self.set.missing_key == MissingKey::Error {
                    return Err(self.err(
                        at,
                        format!("nil data; no entry for key {}", fmt::quote_go(name)),
                    ));
                }
                Ok((Value::Nil, false))
            }
            Value::Map(m, elem) => {
                if has_args {
                    return Err(self.err(at, format!("{name} is not a method but has arguments")));
                }
                let got = m.borrow().get(name).cloned();
                match got {
                    Some(v) => {
                        let iface = *elem == Elem::Any;
                        Ok((v, iface))
                    }
                    None => match self.set.missing_key {
                        MissingKey::Error => Err(self.err(
                            at,
                            format!("map has no entry for key {}", fmt::quote_go(name)),
                        )),
                        MissingKey::Zero => Ok(match elem {
                            Elem::Any => (Value::Nil, true),
                            Elem::String => (Value::str(""), false),
                            Elem::Int => (Value::Int(0), false),
                            Elem::List => (Value::nil_list(Elem::Any), false),
                            Elem::Map => (Value::Nil, false),
                        }),
                        MissingKey::Default => Ok((Value::Nil, false)),
                    },
                }
            }
            Value::Object(o) => {
                if o.has_method(name) {
                    let mut argv = Vec::new();
                    for a in args.iter().skip(1) {
                        argv.push(self.eval_arg(dot, P::Any, a)?.0);
                    }
                    if let Some(f) = final_ {
                        argv.push(f);
                    }
                    return match o.call(name, &argv) {
                        Some(Ok(v)) => Ok((v, false)),
                        Some(Err(e)) => Err(self.err(at, format!("error calling {name}: {e}"))),
                        None => Err(self.err(
                            at,
                            format!("can't evaluate field {name} in type {}", recv.type_name()),
                        )),
                    };
                }
                match o.field(name) {
                    Some(v) => {
                        if has_args {
                            return Err(self.err(
                                at,
                                format!("{name} has arguments but cannot be invoked as function"),
                            ));
                        }
                        Ok((v, false))
                    }
                    None => Err(self.err(
                        at,
                        format!("can't evaluate field {name} in type {}", recv.type_name()),
                    )),
                }
            }
            v => {
                let t = if recv_iface {
                    "interface {}".to_string()
                } else {
                    v.type_name()
                };
                Err(self.err(at, format!("can't evaluate field {name} in type {t}")))
            }
        }
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        ident: &Arg,
        name: &str,
        cmd: Option<&Command>,
        args: &[Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        let funcs = self.set.funcs.clone();
        let Some(func) = funcs.get(name) else {
            return Err(self.err(
                At::Arg(ident),
                format!("{} is not a defined function", fmt::quote_go(name)),
            ));
        };
        self.eval_call(dot, func, ident, name, cmd, args, final_)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Value,
        func: &Func,
        ident: &Arg,
        name: &str,
        cmd: Option<&Command>,
        args: &[Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        let args = args.get(1..).unwrap_or(&[]);
        let num_in = args.len() + usize::from(final_.is_some());
        let nparams = func.params.len();
        if func.variadic.is_some() {
            if num_in < nparams {
                return Err(self.err(
                    At::Arg(ident),
                    format!(
                        "wrong number of args for {name}: want at least {nparams} got {}",
                        args.len()
                    ),
                ));
            }
        } else if num_in != nparams {
            return Err(self.err(
                At::Arg(ident),
                format!("wrong number of args for {name}: want {nparams} got {num_in}"),
            ));
        }
        let call_at = cmd.map(At::Cmd).unwrap_or(At::Arg(ident));
        if func.special == crate::funcs::Special::And || func.special == crate::funcs::Special::Or {
            let is_or = func.special == crate::funcs::Special::Or;
            let mut v = Value::Nil;
            for a in args {
                v = self.eval_arg(dot, P::Reflect, a)?.0;
                if v.truth() == is_or {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(v);
        }
        let mut argv = Vec::with_capacity(num_in);
        let mut last_at = At::Arg(ident);
        for (i, a) in args.iter().enumerate() {
            let p = func
                .params
                .get(i)
                .copied()
                .or(func.variadic)
                .unwrap_or(P::Any);
            let (v, iface) = self.eval_arg(dot, p, a)?;
            // len of an untyped nil reaches reflect with a zero Value and panics there.
            if name == "len" && v.is_nil() && !iface {
                let msg = "error calling len: reflect: call of reflect.Value.Type on zero Value";
                return Err(self.err(call_at, msg));
            }
            argv.push(v);
            last_at = deepest(a);
        }
        if let Some(f) = final_ {
            let p = if num_in - 1 < nparams {
                func.params.get(num_in - 1).copied().unwrap_or(P::Any)
            } else {
                func.variadic.unwrap_or(P::Any)
            };
            let v = self.validate_type(last_at, f, false, p)?;
            if name == "len" && v.is_nil() {
                let msg = "error calling len: reflect: call of reflect.Value.Type on zero Value";
                return Err(self.err(call_at, msg));
            }
            argv.push(v);
        }
        match (func.f)(self, argv) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.err(call_at, format!("error calling {name}: {e}"))),
        }
    }

    fn validate_type(&self, at: At<'_>, v: Value, iface_nil: bool, p: P) -> R<Value> {
        let ok = match (&v, p) {
            (_, P::Any | P::Reflect) => true,
            (Value::Nil, _) => {
                if iface_nil {
                    return Err(self.err(
                        at,
                        format!(
                            "wrong type for value; expected {}; got interface {{}}",
                            p.go_name()
                        ),
                    ));
                }
                if p.can_be_nil() {
                    return Ok(Value::Nil);
                }
                return Err(self.err(at, format!("invalid value; expected {}", p.go_name())));
            }
            (Value::String(_) | Value::BinStr(_), P::Str) => true,
            (Value::Int(_), P::Int) => true,
            (Value::Int64(_), P::Int64) => true,
            (Value::Float(_), P::Float) => true,
            (Value::Bool(_), P::Bool) => true,
            (Value::Map(_, Elem::Any), P::Map) => true,
            (Value::List(_, Elem::Any), P::List) => true,
            (Value::List(_, Elem::String), P::StrList) => true,
            (Value::Object(o), P::Time) => o.type_name() == "time.Time",
            (Value::Object(o), P::Cert) => o.type_name() == "sprig.certificate",
            _ => false,
        };
        if ok {
            Ok(v)
        } else {
            Err(self.err(
                at,
                format!(
                    "wrong type for value; expected {}; got {}",
                    p.go_name(),
                    v.type_name()
                ),
            ))
        }
    }

    /// Go's evalArg: returns the value and whether it is a nil interface.
    fn eval_arg(&mut self, dot: &Value, p: P, a: &Arg) -> R<(Value, bool)> {
        let at = At::Arg(a);
        match a {
            Arg::Dot { .. } => return Ok((self.validate_type(at, dot.clone(), false, p)?, false)),
            Arg::Nil { .. } => {
                if p.can_be_nil() {
                    return Ok((Value::Nil, false));
                }
                return Err(self.err(at, format!("cannot assign nil to {}", p.go_name())));
            }
            Arg::Field { idents, .. } => {
                let (v, iface) = self.eval_field_chain(
                    dot,
                    dot.clone(),
                    false,
                    At::Arg(a),
                    idents,
                    std::slice::from_ref(a),
                    None,
                )?;
                let iface = iface && v.is_nil();
                return Ok((self.validate_type(at, v, iface, p)?, iface));
            }
            Arg::Variable { idents, .. } => {
                let (v, iface) = self.eval_variable(dot, a, idents, &[], None)?;
                let iface = iface && v.is_nil();
                return Ok((self.validate_type(at, v, iface, p)?, iface));
            }
            Arg::Pipe(pipe) => {
                let v = self.eval_pipeline(dot, pipe)?;
                return Ok((self.validate_type(deepest(a), v, false, p)?, false));
            }
            Arg::Ident { name, .. } => {
                // A function's nil result is a nil interface here (most return interface{}).
                let v = self.eval_function(dot, a, name, None, std::slice::from_ref(a), None)?;
                let iface = v.is_nil();
                return Ok((self.validate_type(at, v, iface, p)?, iface));
            }
            Arg::Chain { node, fields, .. } => {
                let recv = self.eval_chain_receiver(dot, a, node)?;
                let (v, iface) =
                    self.eval_field_chain(dot, recv, false, deepest(a), fields, &[], None)?;
                let iface = iface && v.is_nil();
                return Ok((self.validate_type(deepest(a), v, iface, p)?, iface));
            }
            _ => {}
        }
        let v = match (p, a) {
            (P::Bool, Arg::Bool { val, .. }) => Value::Bool(*val),
            (P::Bool, _) => {
                return Err(self.err(at, format!("expected bool; found {}", a.to_go_string())));
            }
            (P::Str, Arg::Str { text, .. }) => Value::str(text),
            (P::Str, _) => {
                return Err(self.err(at, format!("expected string; found {}", a.to_go_string())));
            }
            (P::Int | P::Int64, Arg::Number { num, .. }) if num.is_int => {
                if p == P::Int {
                    Value::Int(num.int)
                } else {
                    Value::Int64(num.int)
                }
            }
            (P::Int | P::Int64, _) => {
                return Err(self.err(at, format!("expected integer; found {}", a.to_go_string())));
            }
            (P::Float, Arg::Number { num, .. }) if num.is_float => Value::Float(num.float),
            (P::Float, _) => {
                return Err(self.err(at, format!("expected float; found {}", a.to_go_string())));
            }
            (P::Any | P::Reflect, Arg::Bool { val, .. }) => Value::Bool(*val),
            (P::Any | P::Reflect, Arg::Number { num, .. }) => self.ideal_constant(a, num)?,
            (P::Any | P::Reflect, Arg::Str { text, .. }) => Value::str(text),
            _ => {
                return Err(self.err(
                    at,
                    format!(
                        "can't handle {} for arg of type {}",
                        a.to_go_string(),
                        p.go_name()
                    ),
                ));
            }
        };
        Ok((v, false))
    }

    // ----- services for functions -----

    /// Executes the named template with `data` and returns its output (Helm's include).
    pub(crate) fn include(&mut self, name: &str, data: Value) -> Result<String, String> {
        let count = self.includes.entry(name.to_string()).or_insert(0);
        if *count > MAX_INCLUDE {
            return Err(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            ));
        }
        *count += 1;
        let r = self.exec_named(name, data);
        if let Some(c) = self.includes.get_mut(name) {
            *c = c.saturating_sub(1);
        }
        r
    }

    fn exec_named(&mut self, name: &str, data: Value) -> Result<String, String> {
        let Some(tree) = self.lookup_tree(name) else {
            return Err(format!(
                "template: no template {} associated with template {}",
                fmt::quote_go(name),
                fmt::quote_go(&self.set.root_name)
            ));
        };
        if self.depth >= MAX_DEPTH {
            return Err(format!("exceeded maximum template depth ({MAX_DEPTH})"));
        }
        self.depth += 1;
        let r = self.run_tree(&tree, data);
        self.depth -= 1;
        r.map_err(|e| e.0)
    }

    /// Parses and executes `text` in a clone of the set (Helm's tpl).
    pub(crate) fn tpl(&mut self, text: &str, data: Value) -> Result<String, String> {
        let funcs = self.set.funcs.clone();
        let name = self.set.root_name.clone();
        // Helm (3.14+) wraps tpl's errors with the text they came from.
        let quoted = fmt::quote_go(text);
        let trees = parse(&name, text, &self.set.left, &self.set.right, &|n| {
            funcs.contains_key(n)
        })
        .map_err(|e| format!("cannot parse template {quoted}: {e}"))?;
        let mut overlay: HashMap<String, Rc<Tree>> = HashMap::new();
        for t in trees {
            let exists = overlay.contains_key(&t.name) || self.lookup_tree(&t.name).is_some();
            if exists && crate::parser::is_empty_tree(&t.root) && t.name != name {
                continue;
            }
            overlay.insert(t.name.clone(), Rc::new(t));
        }
        let Some(tree) = overlay.get(&name).cloned() else {
            return Ok(String::new());
        };
        if self.depth >= MAX_DEPTH {
            return Err(format!("exceeded maximum template depth ({MAX_DEPTH})"));
        }
        self.overlays.push(Rc::new(overlay));
        self.depth += 1;
        let r = self.run_tree(&tree, data);
        self.depth -= 1;
        self.overlays.pop();
        r.map(|s| s.replace("<no value>", ""))
            .map_err(|e| format!("error during tpl function execution for {quoted}: {}", e.0))
    }

    /// Calls the lookup hook.
    pub(crate) fn lookup(
        &self,
        api: &str,
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Result<Value, String> {
        match &self.set.lookup {
            Some(f) => f(api, kind, ns, name),
            None => Ok(Value::empty_map()),
        }
    }
}
