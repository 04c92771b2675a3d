//! The validator: santhosh-tekuri/jsonschema v6's keyword order, error kinds and texts,
//! over a parsed schema document.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use super::SCHEMA_URL;
use super::format::{self, go_num, group_int, quote};
use super::golang;
use super::json::{J, Num};

/// How many nested subschema applications one validation may make before giving up (the
/// cycle check stops `$ref` loops; this bounds everything else).
const MAX_SCOPE_DEPTH: usize = 4000;

/// One schema resource: the root, or a subschema with its own `$id`.
#[derive(Clone, Debug)]
struct Res {
    /// The resource's absolute URL, without fragment.
    base: String,
    /// 4, 6, 7, 2019 or 2020.
    draft: u32,
    /// Its JSON pointer in the document.
    ptr: String,
}

/// A schema document ready to validate: its resources, anchors and regexes.
pub struct Compiled<'a> {
    doc: &'a J,
    /// Resource by pointer.
    resources: BTreeMap<String, Res>,
    /// (resource URL, anchor) -> pointer; `$anchor` and `$dynamicAnchor` alike.
    anchors: HashMap<(String, String), String>,
    /// (resource URL, anchor) -> pointer, `$dynamicAnchor` only (2020-12 `$dynamicRef`).
    dynamic_anchors: HashMap<(String, String), String>,
    /// Every pointer the draft's keywords reach as a subschema; a `$ref` elsewhere makes
    /// the compiler check that value against the metaschema first.
    subschemas: std::collections::HashSet<String>,
    /// Every `pattern` and `patternProperties` key, compiled when compiling (the
    /// metaschemas': at first use, most are never needed).
    regexes: HashMap<String, std::sync::OnceLock<Option<Regex>>>,
    /// Static targets of the `$ref`, `$recursiveRef` and `$dynamicRef` of each schema
    /// reachable from the root (by its pointer), resolved once when compiling.
    refs: HashMap<String, [Option<String>; 3]>,
    /// This is the metaschema bundle: `format` asserted whatever the draft (the
    /// metaschemas are compiled so), and never checked against itself.
    is_metaschemas: bool,
}

/// Where an error sits in the values: a path, or (Go's slice aliasing, seen in
/// `propertyNames` errors) whatever a shared location buffer holds when printing.
#[derive(Clone, Debug)]
enum Loc {
    Path(Vec<String>),
    Alias(usize, usize),
}

#[derive(Debug)]
struct VErr {
    loc: Loc,
    msg: String,
    /// A `$ref` error: printed only when it has more than one cause.
    reference: bool,
    /// Several errors of one schema.
    group: bool,
    causes: Vec<VErr>,
}

/// The draft a `$schema` URL names (an empty fragment allowed, http or https).
fn draft_of(url: &str) -> Option<u32> {
    let (u, fragment) = url.split_once('#').unwrap_or((url, ""));
    if !fragment.is_empty() {
        return None;
    }
    let u = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .unwrap_or(u);
    Some(match u {
        "json-schema.org/schema" => 2020,
        "json-schema.org/draft-04/schema" => 4,
        "json-schema.org/draft-06/schema" => 6,
        "json-schema.org/draft-07/schema" => 7,
        "json-schema.org/draft/2019-09/schema" => 2019,
        "json-schema.org/draft/2020-12/schema" => 2020,
        _ => return None,
    })
}

/// The draft of a schema object's `$schema`, as the library finds it: a known draft, or
/// the metaschema document loaded (a `urn:` is Helm's permissive `true`, which names no
/// draft, so `fallback` stays); remote documents are not loaded.
fn meta_draft(url: &str, fallback: u32, ptr: &str) -> Result<u32, String> {
    // A draft's URL with a fragment is no draft URL, but the document it loads is the
    // draft's metaschema, served from the library's own copies, which declares the draft.
    // (A vocabulary metaschema would limit the keywords in force; that is not done here,
    // so it is refused like any other document.)
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    if let Some(d) = draft_of(url) {
        return Ok(d);
    }
    if let Err(e) = golang::parse_url(url.as_bytes()) {
        let at = format!("{SCHEMA_URL}#{}", format::url_encode_ptr(ptr));
        return Err(format!(
            "invalid $schema in {}: {e}",
            golang::quote(at.as_bytes())
        ));
    }
    if ptr.is_empty() && url == SCHEMA_URL {
        return Err(format!(
            "draft {} is not supported",
            golang::quote(url.as_bytes())
        ));
    }
    load_external(url, "").map(|_| fallback)
}

fn id_keyword(draft: u32) -> &'static str {
    if draft == 4 { "id" } else { "$id" }
}

/// RFC 3986 reference resolution (enough of it for `$id` and `$ref`).
pub(crate) fn join_url(base: &str, reference: &str) -> String {
    let (reference, frag) = match reference.find('#') {
        Some(i) => (&reference[..i], Some(&reference[i..])),
        None => (reference, None),
    };
    let base = base.split('#').next().unwrap_or("");
    let frag = frag.unwrap_or("");
    if reference.is_empty() {
        return format!("{base}{frag}");
    }
    let has_scheme = |s: &str| {
        s.find(':').is_some_and(|i| {
            i > 0
                && s[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && s.as_bytes()[0].is_ascii_alphabetic()
        })
    };
    if has_scheme(reference) {
        return format!("{}{frag}", remove_dots_in(reference));
    }
    let scheme_end = base.find(':').map(|i| i + 1).unwrap_or(0);
    let scheme = &base[..scheme_end];
    let rest = &base[scheme_end..];
    if let Some(r) = reference.strip_prefix("//") {
        return format!("{scheme}//{}{frag}", r);
    }
    let (authority, path) = if let Some(r) = rest.strip_prefix("//") {
        match r.find('/') {
            Some(i) => (format!("//{}", &r[..i]), &r[i..]),
            None => (format!("//{r}"), ""),
        }
    } else {
        (String::new(), rest)
    };
    let path = path.split('?').next().unwrap_or("");
    let merged = if reference.starts_with('/') {
        reference.to_string()
    } else if reference.starts_with('?') {
        format!("{path}{reference}")
    } else {
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        format!("{dir}{reference}")
    };
    format!("{scheme}{authority}{}{frag}", remove_dots(&merged))
}

fn remove_dots_in(url: &str) -> String {
    url.to_string()
}

fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = path.split('/').collect();
    let n = segs.len();
    for (i, s) in segs.iter().enumerate() {
        match *s {
            "." => {
                if i == n - 1 {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == n - 1 {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

fn pointer_escape(tok: &str) -> String {
    tok.replace('~', "~0").replace('/', "~1")
}

fn pointer_unescape(tok: &str) -> Option<String> {
    let mut out = String::new();
    let mut it = tok.chars();
    while let Some(c) = it.next() {
        if c == '~' {
            match it.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// json-schema.org's documents by the URL their `$id` gives them: the library serves
/// `https://` and `http://` alike, and `json-schema.org/schema` is the latest draft.
fn json_schema_org_alias(url: &str) -> Option<String> {
    let path = url
        .strip_prefix("https://json-schema.org/")
        .or_else(|| url.strip_prefix("http://json-schema.org/"))?;
    Some(match path {
        "schema" => "https://json-schema.org/draft/2020-12/schema".to_string(),
        p if p.starts_with("draft-0") => format!("http://json-schema.org/{p}"),
        p => format!("https://json-schema.org/{p}"),
    })
}

/// The keywords that jump to another schema.
const REF_KEYWORDS: [&str; 3] = ["$ref", "$recursiveRef", "$dynamicRef"];

/// The target of a `$ref` to Helm's permissive schema (`true`): not a pointer.
const PERMISSIVE: &str = "\u{0}true";

/// A `$ref` to a document other than this one, as Helm's loaders take it: `urn:` gives
/// `true` (Helm's URN loader, when no resolver is plugged in, logs a warning and allows
/// anything); `file`, `http` and `https` documents are not loaded here (Helm reads the
/// file or fetches the URL); any other scheme has no loader.
fn load_external(url: &str, frag: &str) -> Result<String, String> {
    let url = match url.split_once(':') {
        Some((scheme, rest)) if !scheme.is_empty() && !scheme.contains('/') => {
            format!("{}:{rest}", scheme.to_ascii_lowercase())
        }
        _ => url.to_string(),
    };
    let scheme = url.split_once(':').map_or("", |(s, _)| s);
    match scheme {
        "urn" if frag.is_empty() => Ok(PERMISSIVE.into()),
        "urn" if frag.starts_with('/') => {
            Err(format!("json-pointer in \"{url}#{frag}\" not found"))
        }
        "urn" => Err(format!(
            "anchor in \"{url}#{frag}\" not found in schema {url:?}"
        )),
        "file" | "http" | "https" => Err(format!(
            "failing loading {url:?}: berth does not load remote schemas"
        )),
        _ => Err(format!(
            "failing loading {}: no URLLoader registered for {}",
            golang::quote(url.as_bytes()),
            golang::quote(url.as_bytes())
        )),
    }
}

fn lookup<'a>(doc: &'a J, ptr: &str) -> Option<&'a J> {
    let mut v = doc;
    if ptr.is_empty() {
        return Some(v);
    }
    for tok in ptr.split('/').skip(1) {
        let tok = pointer_unescape(tok)?;
        v = match v {
            J::Obj(m) => m.get(&tok)?,
            J::Arr(a) => a.get(tok.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The subschemas of `obj` under the keywords of `draft`: (pointer suffix, schema).
fn subschemas(obj: &BTreeMap<String, J>, draft: u32) -> Vec<(String, &J)> {
    let mut out = Vec::new();
    for (k, v) in obj {
        let k_esc = pointer_escape(k);
        let since = match k.as_str() {
            "propertyNames" | "contains" => 6,
            "if" | "then" | "else" => 7,
            "$defs"
            | "dependentSchemas"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => 2019,
            "prefixItems" => 2020,
            _ => 4,
        };
        if draft < since {
            continue;
        }
        match (k.as_str(), v) {
            (
                "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas",
                J::Obj(m),
            ) => {
                for (p, s) in m {
                    out.push((format!("/{k_esc}/{}", pointer_escape(p)), s));
                }
            }
            ("dependencies", J::Obj(m)) => {
                for (p, s) in m {
                    if !matches!(s, J::Arr(_)) {
                        out.push((format!("/{k_esc}/{}", pointer_escape(p)), s));
                    }
                }
            }
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", J::Arr(a)) => {
                for (i, s) in a.iter().enumerate() {
                    out.push((format!("/{k_esc}/{i}"), s));
                }
            }
            ("items", J::Arr(a)) if draft < 2020 => {
                for (i, s) in a.iter().enumerate() {
                    out.push((format!("/items/{i}"), s));
                }
            }
            (
                "items"
                | "additionalItems"
                | "additionalProperties"
                | "contains"
                | "propertyNames"
                | "not"
                | "if"
                | "then"
                | "else"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentSchema",
                J::Obj(_) | J::Bool(_),
            ) => out.push((format!("/{k_esc}"), v)),
            _ => {}
        }
    }
    out
}

impl<'a> Compiled<'a> {
    /// Collects resources and anchors, checks regexes and `$ref`s reachable from the root
    /// (Go compiles them all before validating). Errors are the compiler's text.
    pub fn new(doc: &'a J) -> Result<Self, String> {
        let c = Self::collected(doc, false)?;
        super::metaschema::check(&c, "")?;
        c.checked()
    }

    /// The metaschema bundle: formats asserted, not checked against itself (the compiler
    /// does not validate json-schema.org's own documents).
    pub(super) fn metaschemas(doc: &'a J) -> Result<Self, String> {
        Self::collected(doc, true)?.checked()
    }

    fn checked(mut self) -> Result<Self, String> {
        self.check()?;
        Ok(self)
    }

    fn collected(doc: &'a J, is_metaschemas: bool) -> Result<Self, String> {
        let mut c = Compiled {
            doc,
            resources: BTreeMap::new(),
            anchors: HashMap::new(),
            dynamic_anchors: HashMap::new(),
            subschemas: std::collections::HashSet::new(),
            regexes: HashMap::new(),
            refs: HashMap::new(),
            is_metaschemas,
        };
        c.collect(doc, SCHEMA_URL, "", 2020, 0)?;
        Ok(c)
    }

    fn collect(
        &mut self,
        sch: &'a J,
        base: &str,
        ptr: &str,
        fallback: u32,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 2000 {
            return Err("schema nested too deeply".into());
        }
        self.subschemas.insert(ptr.to_string());
        let J::Obj(obj) = sch else {
            if ptr.is_empty() {
                self.resources.insert(
                    String::new(),
                    Res {
                        base: base.into(),
                        draft: fallback,
                        ptr: String::new(),
                    },
                );
            }
            return Ok(());
        };
        // Before 2019-09 a `$ref` makes every other keyword of its object ignored; an
        // id's fragment is never part of the resource's URL.
        let has_ref = obj.contains_key("$ref");
        let id_of = |d: u32| {
            if d < 2019 && has_ref {
                return None;
            }
            let id = obj.get(id_keyword(d)).and_then(J::as_str)?;
            Some(id.split_once('#').map_or(id, |(r, _)| r)).filter(|r| !r.is_empty())
        };
        let own_draft = match obj.get("$schema").and_then(J::as_str) {
            Some(url) => meta_draft(url, fallback, ptr)?,
            None => fallback,
        };
        let (draft, id) = match id_of(own_draft) {
            Some(id) => (own_draft, Some(id)),
            None if ptr.is_empty() => (own_draft, None),
            None => (fallback, id_of(fallback)),
        };
        let mut base = base.to_string();
        let at = || {
            let at = format!("{SCHEMA_URL}#{}", format::url_encode_ptr(ptr));
            golang::quote(at.as_bytes())
        };
        if let Some(id) = id {
            if golang::parse_url(id.as_bytes()).is_err() {
                return Err(format!("error in parsing id at {}", at()));
            }
            base = join_url(&base, id);
        }
        if id.is_some() || ptr.is_empty() {
            if let Some(r) = self.resources.values().find(|r| r.base == base) {
                if r.ptr != ptr {
                    let q = |s: &str| golang::quote(s.as_bytes());
                    return Err(format!(
                        "duplicate id {} in {} at {} and {}",
                        q(&base),
                        q(SCHEMA_URL),
                        q(&r.ptr),
                        q(ptr)
                    ));
                }
            }
            self.resources.insert(
                ptr.to_string(),
                Res {
                    base: base.clone(),
                    draft,
                    ptr: ptr.into(),
                },
            );
        }
        if draft < 2019 {
            // An id's fragment names an anchor.
            let fragment = obj
                .get(id_keyword(draft))
                .and_then(J::as_str)
                .filter(|_| !has_ref)
                .and_then(|id| id.split_once('#'))
                .map(|(_, f)| f);
            if let Some(f) = fragment {
                let name = percent_decode(f)
                    .ok_or_else(|| format!("error in parsing anchor at {}", at()))?;
                if !name.is_empty() && !name.starts_with('/') {
                    self.add_anchor(&base, name, ptr)?;
                }
            }
        } else if let Some(a) = obj.get("$anchor").and_then(J::as_str) {
            self.add_anchor(&base, a.to_string(), ptr)?;
        }
        if draft >= 2020 {
            if let Some(a) = obj.get("$dynamicAnchor").and_then(J::as_str) {
                self.add_anchor(&base, a.to_string(), ptr)?;
                self.dynamic_anchors
                    .insert((base.clone(), a.to_string()), ptr.into());
            }
        }
        for (suffix, sub) in subschemas(obj, draft) {
            let p = format!("{ptr}{suffix}");
            self.collect(sub, &base, &p, draft, depth + 1)?;
        }
        Ok(())
    }

    /// The document's value at a pointer.
    pub(super) fn value_at(&self, ptr: &str) -> Option<&'a J> {
        lookup(self.doc, ptr)
    }

    /// The draft in force at a pointer.
    pub(super) fn draft_at(&self, ptr: &str) -> u32 {
        self.res_of(ptr).draft
    }

    /// Every resource: (pointer, draft).
    pub(super) fn resource_drafts(&self) -> impl Iterator<Item = (&str, u32)> {
        self.resources.iter().map(|(p, r)| (p.as_str(), r.draft))
    }

    /// An anchor of the resource at `base`; a name taken by another schema is an error.
    fn add_anchor(&mut self, base: &str, name: String, ptr: &str) -> Result<(), String> {
        let key = (base.to_string(), name);
        if let Some(existing) = self.anchors.get(&key) {
            if existing != ptr {
                return Err(format!(
                    "duplicate anchor {} in {} at {} and {}",
                    golang::quote(key.1.as_bytes()),
                    golang::quote(SCHEMA_URL.as_bytes()),
                    golang::quote(existing.as_bytes()),
                    golang::quote(ptr.as_bytes())
                ));
            }
            return Ok(());
        }
        self.anchors.insert(key, ptr.to_string());
        Ok(())
    }

    /// Whether a schema says `"$recursiveAnchor": true`.
    fn recursive_anchor(&self, schema: Option<&J>) -> bool {
        matches!(
            schema.and_then(|j| j.get("$recursiveAnchor")),
            Some(J::Bool(true))
        )
    }

    /// The resource a pointer belongs to: the longest resource pointer that prefixes it.
    fn res_of(&self, ptr: &str) -> &Res {
        let mut best: Option<&Res> = None;
        for (p, r) in &self.resources {
            let within = ptr
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            if within && best.is_none_or(|b| p.len() >= b.ptr.len()) {
                best = Some(r);
            }
        }
        // The root is always a resource.
        best.unwrap_or_else(|| self.resources.values().next().expect("root resource"))
    }

    /// Records the schema at `ptr` and every subschema under it as checked against the
    /// metaschema (a later `$ref` into it is not checked again).
    fn mark_subschemas(&mut self, ptr: &str) {
        let mut stack = vec![ptr.to_string()];
        while let Some(p) = stack.pop() {
            let Some(J::Obj(obj)) = lookup(self.doc, &p) else {
                self.subschemas.insert(p);
                continue;
            };
            let draft = self.res_of(&p).draft;
            for (suffix, _) in subschemas(obj, draft) {
                stack.push(format!("{p}{suffix}"));
            }
            self.subschemas.insert(p);
        }
    }

    /// The static target of keyword `kw` of the schema at `ptr`: resolved when compiling
    /// if the schema is reachable, else now.
    fn target(&self, ptr: &str, kw: &str, reference: &str) -> Result<String, String> {
        let cached = REF_KEYWORDS
            .iter()
            .position(|k| *k == kw)
            .and_then(|i| self.refs.get(ptr)?[i].clone());
        match cached {
            Some(t) => Ok(t),
            None => self.resolve(ptr, reference),
        }
    }

    /// Resolves `reference` found in the schema at `ptr` to a pointer in this document.
    fn resolve(&self, ptr: &str, reference: &str) -> Result<String, String> {
        let res = self.res_of(ptr);
        let joined = join_url(&res.base, reference);
        let (url, frag) = match joined.split_once('#') {
            Some((u, f)) => (u.to_string(), f.to_string()),
            None => (joined.clone(), String::new()),
        };
        let frag = percent_decode(&frag).ok_or_else(|| {
            format!(
                "error in parsing {joined:?}: invalid URL escape {:?}",
                frag.chars().take(3).collect::<String>()
            )
        })?;
        let target = self.resources.values().find(|r| r.base == url).or_else(|| {
            let alias = json_schema_org_alias(&url)?;
            self.resources.values().find(|r| r.base == alias)
        });
        let Some(target) = target else {
            return load_external(&url, &frag);
        };
        if frag.is_empty() || frag.starts_with('/') {
            let p = format!("{}{frag}", target.ptr);
            if lookup(self.doc, &p).is_none() {
                return Err(format!("json-pointer in \"{url}#{frag}\" not found"));
            }
            Ok(p)
        } else {
            self.anchors
                .get(&(url.clone(), frag.clone()))
                .cloned()
                .ok_or_else(|| format!("anchor in \"{url}#{frag}\" not found in schema {url:?}"))
        }
    }

    /// Compiles what Go compiles: every schema reachable from the root, checking regexes
    /// and references.
    fn check(&mut self) -> Result<(), String> {
        let mut queue = vec![String::new()];
        let mut seen = std::collections::HashSet::new();
        while let Some(ptr) = queue.pop() {
            if !seen.insert(ptr.clone()) {
                continue;
            }
            let Some(J::Obj(obj)) = lookup(self.doc, &ptr) else {
                continue;
            };
            let draft = self.res_of(&ptr).draft;
            for (i, kw) in REF_KEYWORDS.into_iter().enumerate() {
                let applies = match kw {
                    "$ref" => true,
                    "$recursiveRef" => draft >= 2019,
                    _ => draft >= 2020,
                };
                let Some(r) = obj.get(kw).and_then(J::as_str).filter(|_| applies) else {
                    continue;
                };
                let target = self.resolve(&ptr, r)?;
                self.refs.entry(ptr.clone()).or_default()[i] = Some(target.clone());
                if target == PERMISSIVE {
                    continue;
                }
                if !self.is_metaschemas && !self.subschemas.contains(&target) {
                    // Not a place the draft's keywords lead to: the compiler checks the
                    // value against the metaschema before compiling it.
                    super::metaschema::check(self, &target)?;
                    self.mark_subschemas(&target);
                }
                queue.push(target);
            }
            if draft < 2019 && obj.contains_key("$ref") {
                continue;
            }
            // Only reachable where the metaschema does not check regexes (draft-04 and -06
            // `patternProperties` keys) or for a syntax Go takes and Rust's regex does not.
            let invalid = |re: &str, kw: &str, e: String| {
                let at = format!("{SCHEMA_URL}#{}/{kw}", format::url_encode_ptr(&ptr));
                format!(
                    "invalid regex {} at {}: {e}",
                    golang::quote(re.as_bytes()),
                    golang::quote(at.as_bytes())
                )
            };
            if let Some(J::Obj(pp)) = obj.get("patternProperties") {
                for k in pp.keys() {
                    self.regex(k)
                        .map_err(|e| invalid(k, "patternProperties", e))?;
                }
            }
            if let Some(p) = obj.get("pattern").and_then(J::as_str) {
                self.regex(p).map_err(|e| invalid(p, "pattern", e))?;
            }
            for (suffix, _) in subschemas(obj, draft) {
                queue.push(format!("{ptr}{suffix}"));
            }
        }
        Ok(())
    }

    fn regex(&mut self, pat: &str) -> Result<(), String> {
        if self.regexes.contains_key(pat) {
            return Ok(());
        }
        let cell = std::sync::OnceLock::new();
        if !self.is_metaschemas {
            cell.set(Some(berth_template::goregexp::compile(pat)?)).ok();
        }
        self.regexes.insert(pat.to_string(), cell);
        Ok(())
    }

    /// The compiled regex of a pattern met when compiling.
    fn compiled_regex(&self, pat: &str) -> Option<&Regex> {
        self.regexes
            .get(pat)?
            .get_or_init(|| berth_template::goregexp::compile(pat).ok())
            .as_ref()
    }

    /// Validates `values`; the error is Helm's text for it.
    pub fn validate(&self, values: &J) -> Result<(), String> {
        self.validate_from("", values, None).map_err(|out| {
            let out = out.strip_prefix('\n').unwrap_or(&out).to_string();
            out + "\n"
        })
    }

    /// Validates a schema document against the metaschema rooted at `root` (a pointer in
    /// this bundle). `resources`: the document's resources (pointer -> root of their
    /// draft's metaschema), which switch to their own metaschema where it is applied to
    /// them. The error is the cause tree, each line starting with a newline.
    pub(super) fn validate_meta(
        &self,
        root: &str,
        instance: &J,
        resources: HashMap<String, String>,
    ) -> Result<(), String> {
        self.validate_from(root, instance, Some(resources))
    }

    fn validate_from(
        &self,
        root: &str,
        instance: &J,
        meta_resources: Option<HashMap<String, String>>,
    ) -> Result<(), String> {
        let mut v = Validator {
            c: self,
            bufs: vec![(Vec::new(), 8)],
            scope: Vec::new(),
            meta_resources,
            meta_root: root.to_string(),
            uneval: Vec::new(),
        };
        let Some(j) = lookup(self.doc, root) else {
            return Ok(());
        };
        let root = SRef {
            j,
            ptr: root.to_string(),
        };
        match v.validate(&root, instance, (0, 0), None, false) {
            Ok(()) => Ok(()),
            Err(e) => {
                let causes = if e.group { e.causes } else { vec![e] };
                let mut out = String::new();
                for c in &causes {
                    v.display(c, &mut out, 1);
                }
                Err(out)
            }
        }
    }
}

#[derive(Clone)]
struct SRef<'a> {
    j: &'a J,
    ptr: String,
}

struct Validator<'c, 'a> {
    c: &'c Compiled<'a>,
    /// Go's location slices: (contents, capacity); a location is (buffer, length).
    bufs: Vec<(Vec<String>, usize)>,
    /// (schema pointer, value id, keyword of the jump that reached it).
    scope: Vec<(String, usize, Option<&'static str>)>,
    /// Checking a schema document against a metaschema: the document's resources by
    /// pointer, each with the root of its own draft's metaschema.
    meta_resources: Option<HashMap<String, String>>,
    /// The metaschema root in force (where a resource's own draft takes over).
    meta_root: String,
    /// What each schema being applied has not evaluated yet, innermost last (2019-09+
    /// `unevaluatedProperties`/`unevaluatedItems`).
    uneval: Vec<Uneval>,
}

/// The properties and items of a value no keyword has evaluated yet. Tracked only where
/// someone asks: the schema has an `unevaluated*` keyword, or the schema applying it to
/// the same value tracks.
#[derive(Default)]
struct Uneval {
    props: std::collections::BTreeSet<String>,
    items: std::collections::BTreeSet<usize>,
}

impl Uneval {
    fn of(v: &J, sch: &J, draft: u32, caller_needs: bool) -> Self {
        let mut u = Uneval::default();
        let J::Obj(o) = sch else {
            // Boolean schemas evaluate nothing.
            if caller_needs {
                match v {
                    J::Obj(m) => u.props = m.keys().cloned().collect(),
                    J::Arr(a) => u.items = (0..a.len()).collect(),
                    _ => {}
                }
            }
            return u;
        };
        let is_schema = |k: &str| matches!(o.get(k), Some(J::Obj(_) | J::Bool(_)));
        match v {
            J::Obj(m) => {
                let all = is_schema("additionalProperties");
                if !all && (caller_needs || o.contains_key("unevaluatedProperties")) {
                    u.props = m.keys().cloned().collect();
                }
            }
            J::Arr(a) => {
                let (all, first) = if draft < 2020 {
                    match o.get("items") {
                        Some(J::Arr(items)) => (is_schema("additionalItems"), items.len()),
                        Some(J::Obj(_) | J::Bool(_)) => (true, 0),
                        _ => (false, 0),
                    }
                } else {
                    let prefix = match o.get("prefixItems") {
                        Some(J::Arr(p)) => p.len(),
                        _ => 0,
                    };
                    (is_schema("items"), prefix)
                };
                if !all && (caller_needs || o.contains_key("unevaluatedItems")) && first < a.len() {
                    u.items = (first..a.len()).collect();
                }
            }
            _ => {}
        }
        u
    }

    fn is_empty(&self) -> bool {
        self.props.is_empty() && self.items.is_empty()
    }

    /// A subschema applied to the same value succeeded: what it evaluated is evaluated.
    fn merge(&mut self, other: &Uneval) {
        self.props.retain(|p| other.props.contains(p));
        self.items.retain(|i| other.items.contains(i));
    }
}

type VLoc = (usize, usize);
type VResult = Result<(), VErr>;

impl<'a> Validator<'_, 'a> {
    fn path(&self, loc: VLoc) -> Vec<String> {
        self.bufs[loc.0].0[..loc.1].to_vec()
    }

    /// Go's `append(vloc, tok)`: in place while the capacity lasts.
    fn push(&mut self, loc: VLoc, tok: String) -> VLoc {
        let (buf, len) = loc;
        let cap = self.bufs[buf].1;
        if len < cap {
            let b = &mut self.bufs[buf].0;
            if b.len() > len {
                b[len] = tok;
            } else {
                b.resize(len, String::new());
                b.push(tok);
            }
            (buf, len + 1)
        } else {
            let mut v = self.bufs[buf].0[..len].to_vec();
            v.push(tok);
            let new_cap = if cap == 0 { 1 } else { cap * 2 };
            self.bufs.push((v, new_cap));
            (self.bufs.len() - 1, len + 1)
        }
    }

    fn err(&self, loc: VLoc, msg: String) -> VErr {
        VErr {
            loc: Loc::Path(self.path(loc)),
            msg,
            reference: false,
            group: false,
            causes: Vec::new(),
        }
    }

    fn display(&self, e: &VErr, out: &mut String, indent: usize) {
        let mut indent = indent;
        let skip = e.reference && e.causes.len() == 1;
        if !skip {
            out.push('\n');
            for _ in 0..indent - 1 {
                out.push_str("  ");
            }
            out.push_str("- ");
            indent += 1;
            let path = match &e.loc {
                Loc::Path(p) => p.clone(),
                Loc::Alias(b, l) => self.bufs[*b]
                    .0
                    .get(..*l)
                    .map(<[_]>::to_vec)
                    .unwrap_or_default(),
            };
            let ptr: String = path
                .iter()
                .map(|t| format!("/{}", pointer_escape(t)))
                .collect();
            out.push_str(&format!("at {}: {}", quote(&ptr), e.msg));
        }
        for c in &e.causes {
            self.display(c, out, indent);
        }
    }

    fn sub(&self, s: &SRef<'a>, suffix: &str) -> Option<SRef<'a>> {
        let j = lookup(s.j, suffix)?;
        Some(SRef {
            j,
            ptr: format!("{}{suffix}", s.ptr),
        })
    }

    /// One schema over one value. `refkw`: the keyword that jumped here (`$ref`), for the
    /// cycle message. `vid`: a new value id when the value changed.
    fn validate(
        &mut self,
        s: &SRef<'a>,
        v: &J,
        loc: VLoc,
        refkw: Option<&'static str>,
        new_value: bool,
    ) -> VResult {
        let vid = match self.scope.last() {
            Some(l) if !new_value => l.1,
            Some(l) => l.1 + 1,
            None => 0,
        };
        if self.scope.len() > MAX_SCOPE_DEPTH {
            return Err(self.err(loc, "schema nesting too deep".into()));
        }
        let switch = self.meta_switch(s, loc);
        let caller_needs = !new_value && self.uneval.last().is_some_and(|u| !u.is_empty());
        let tracked = caller_needs
            || matches!(s.j, J::Obj(o) if o.contains_key("unevaluatedProperties")
                || o.contains_key("unevaluatedItems"));
        self.uneval.push(if tracked {
            Uneval::of(v, s.j, self.c.res_of(&s.ptr).draft, caller_needs)
        } else {
            Uneval::default()
        });
        self.scope.push((s.ptr.clone(), vid, refkw));
        let r = match switch {
            None => self.validate_inner(s, v, loc),
            Some(meta) => {
                let outer = std::mem::replace(&mut self.meta_root, meta.ptr.clone());
                let r = self.validate_inner(&meta, v, loc);
                self.meta_root = outer;
                r
            }
        };
        self.scope.pop();
        let own = self.uneval.pop().unwrap_or_default();
        if r.is_ok() && !new_value {
            if let Some(caller) = self.uneval.last_mut() {
                caller.merge(&own);
            }
        }
        r
    }

    /// Marks a property of the value under the current schema as evaluated.
    fn evaluated_prop(&mut self, name: &str) {
        if let Some(u) = self.uneval.last_mut() {
            u.props.remove(name);
        }
    }

    /// `unevaluatedProperties` and `unevaluatedItems` (2019-09+), after every other keyword.
    fn uneval_validate(
        &mut self,
        s: &SRef<'a>,
        sch: &BTreeMap<String, J>,
        v: &J,
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        match v {
            J::Obj(o) if sch.contains_key("unevaluatedProperties") => {
                let props = self
                    .uneval
                    .last_mut()
                    .map(|u| std::mem::take(&mut u.props))
                    .unwrap_or_default();
                for p in props {
                    if let Some(pv) = o.get(&p) {
                        if let Err(e) = self.child(s, "/unevaluatedProperties", pv, loc, p.clone())
                        {
                            errors.push(e);
                        }
                    }
                }
            }
            J::Arr(a) if sch.contains_key("unevaluatedItems") => {
                let items = self
                    .uneval
                    .last_mut()
                    .map(|u| std::mem::take(&mut u.items))
                    .unwrap_or_default();
                for i in items {
                    if let Some(item) = a.get(i) {
                        if let Err(e) = self.child(s, "/unevaluatedItems", item, loc, i.to_string())
                        {
                            errors.push(e);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Where the metaschema in force is applied to a resource of the checked document,
    /// that resource's own draft's metaschema (not at the top of a validation).
    fn meta_switch(&self, s: &SRef<'a>, loc: VLoc) -> Option<SRef<'a>> {
        let resources = self.meta_resources.as_ref()?;
        if resources.is_empty() || self.scope.is_empty() || s.ptr != self.meta_root {
            return None;
        }
        let at: String = self.bufs[loc.0].0[..loc.1]
            .iter()
            .map(|t| format!("/{}", pointer_escape(t)))
            .collect();
        let root = resources.get(&at).filter(|r| **r != s.ptr)?;
        Some(SRef {
            j: lookup(self.c.doc, root)?,
            ptr: root.clone(),
        })
    }

    fn kw_loc(&self, upto: usize) -> String {
        let mut loc = String::new();
        for i in (1..=upto).rev() {
            let (p, _, kw) = &self.scope[i];
            match kw {
                Some(k) => loc = format!("/{k}{loc}"),
                None => {
                    let parent = &self.scope[i - 1].0;
                    loc = format!("{}{loc}", p.get(parent.len()..).unwrap_or(""));
                }
            }
        }
        loc
    }

    fn validate_inner(&mut self, s: &SRef<'a>, v: &J, loc: VLoc) -> VResult {
        let obj = match s.j {
            J::Bool(true) => return Ok(()),
            J::Bool(false) => return Err(self.err(loc, "false schema".into())),
            J::Obj(o) if o.is_empty() => return Ok(()),
            J::Obj(o) => o,
            _ => return Ok(()),
        };
        // cycle --
        let n = self.scope.len() - 1;
        let (cur, vid, _) = self.scope[n].clone();
        for i in (0..n).rev() {
            if self.scope[i].1 != vid {
                break;
            }
            if self.scope[i].0 == cur {
                let msg = format!(
                    "both {} and {} resolve to \"{SCHEMA_URL}#{}\" causing reference cycle",
                    self.kw_loc(n),
                    self.kw_loc(i),
                    format::url_encode_ptr(&cur)
                );
                return Err(self.err(loc, msg));
            }
        }
        let draft = self.c.res_of(&s.ptr).draft;
        let mut errors: Vec<VErr> = Vec::new();

        // $ref (draft < 2019 ignores every other keyword) --
        let reference = obj.get("$ref").and_then(J::as_str);
        if let (Some(r), true) = (reference, draft < 2019) {
            return self.validate_ref(s, r, v, loc);
        }

        // type --
        if let Some(t) = obj.get("type") {
            let mut want = Vec::new();
            let names = match t {
                J::Str(s) => vec![s.as_str()],
                J::Arr(a) => a.iter().filter_map(J::as_str).collect(),
                _ => vec![],
            };
            for ty in [
                "null", "boolean", "number", "integer", "string", "array", "object",
            ] {
                if names.contains(&ty) {
                    want.push(ty);
                }
            }
            if !want.is_empty() {
                let got = type_of(v);
                let ok = want.contains(&got)
                    || (want.contains(&"integer") && got == "number" && is_integer(v));
                if !ok {
                    return Err(self.err(loc, format!("got {got}, want {}", want.join(" or "))));
                }
            }
        }
        // const --
        if draft >= 6 {
            if let Some(c) = obj.get("const") {
                if !equals(v, c) {
                    let msg = match c {
                        J::Arr(_) | J::Obj(_) => "'const' failed".to_string(),
                        c => format!("value must be {}", display(c)),
                    };
                    return Err(self.err(loc, msg));
                }
            }
        }
        // enum --
        if let Some(J::Arr(vals)) = obj.get("enum") {
            if !vals.iter().any(|e| equals(v, e)) {
                let msg = if vals.iter().any(|e| matches!(e, J::Arr(_) | J::Obj(_))) {
                    "'enum' failed".to_string()
                } else if vals.len() == 1 {
                    format!("value must be {}", display(&vals[0]))
                } else {
                    let w: Vec<String> = vals.iter().map(display).collect();
                    format!("value must be one of {}", w.join(", "))
                };
                return Err(self.err(loc, msg));
            }
        }
        // format (asserted before 2019-09, and always by the metaschemas) --
        if draft < 2019 || self.c.is_metaschemas {
            if let Some(f) = obj.get("format").and_then(J::as_str) {
                if let Err(e) = format::check(f, v) {
                    let msg = format!("{} is not valid {f}: {e}", display(v));
                    return Err(self.err(loc, msg));
                }
            }
        }
        // $ref (2019+) --
        if let Some(r) = reference {
            if let Err(e) = self.validate_ref(s, r, v, loc) {
                errors.push(e);
            }
        }

        match v {
            J::Obj(o) => self.obj_validate(s, obj, draft, o, loc, &mut errors),
            J::Arr(a) => self.arr_validate(s, obj, draft, a, loc, &mut errors),
            J::Str(st) => self.str_validate(obj, st, loc, &mut errors),
            J::Num(n) => self.num_validate(obj, n, loc, &mut errors),
            _ => {}
        }
        if draft >= 2019 {
            self.dynamic_refs(s, obj, draft, v, loc, &mut errors);
        }
        self.cond_validate(s, obj, draft, v, loc, &mut errors);
        if draft >= 2019 {
            self.uneval_validate(s, obj, v, loc, &mut errors);
        }

        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.pop().expect("one error")),
            _ => {
                let mut e = self.err(loc, "validation failed".into());
                e.group = true;
                e.causes = errors;
                Err(e)
            }
        }
    }

    fn validate_ref(&mut self, s: &SRef<'a>, r: &str, v: &J, loc: VLoc) -> VResult {
        let target = match self.c.target(&s.ptr, "$ref", r) {
            Ok(p) => p,
            Err(e) => return Err(self.err(loc, e)),
        };
        self.validate_ref_to(target, "$ref", v, loc)
    }

    /// `$recursiveRef` (2019-09 on) and `$dynamicRef` (2020-12): the static target, or,
    /// when it carries the matching recursive/dynamic anchor, the outermost schema in the
    /// dynamic scope whose resource has that anchor.
    fn dynamic_refs(
        &mut self,
        s: &SRef<'a>,
        obj: &BTreeMap<String, J>,
        draft: u32,
        v: &J,
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        for kw in ["$recursiveRef", "$dynamicRef"] {
            if kw == "$dynamicRef" && draft < 2020 {
                break;
            }
            let Some(r) = obj.get(kw).and_then(J::as_str) else {
                continue;
            };
            let target = match self.c.target(&s.ptr, kw, r) {
                Ok(p) if p == PERMISSIVE => p,
                Ok(p) if kw == "$recursiveRef" => self.recursive_target(p),
                Ok(p) => self.dynamic_target(p, r),
                Err(e) => {
                    errors.push(self.err(loc, e));
                    continue;
                }
            };
            if let Err(e) = self.validate_ref_to(target, kw, v, loc) {
                errors.push(e);
            }
        }
    }

    /// `$recursiveRef`: when its target says `$recursiveAnchor: true`, the outermost
    /// schema in scope whose resource says so too.
    fn recursive_target(&self, target: String) -> String {
        if !self.c.recursive_anchor(lookup(self.c.doc, &target)) {
            return target;
        }
        self.scope
            .iter()
            .map(|(ptr, _, _)| ptr)
            .find(|ptr| {
                self.c
                    .recursive_anchor(lookup(self.c.doc, &self.c.res_of(ptr).ptr))
            })
            .cloned()
            .unwrap_or(target)
    }

    /// `$dynamicRef` to an anchor its target declares as `$dynamicAnchor`: the outermost
    /// resource in scope with that dynamic anchor.
    fn dynamic_target(&self, target: String, reference: &str) -> String {
        let fragment = reference.split_once('#').map_or("", |(_, f)| f);
        let anchor = percent_decode(fragment).unwrap_or_default();
        let declared = lookup(self.c.doc, &target)
            .and_then(|j| j.get("$dynamicAnchor"))
            .and_then(J::as_str);
        if anchor.is_empty() || anchor.starts_with('/') || declared != Some(anchor.as_str()) {
            return target;
        }
        self.scope
            .iter()
            .find_map(|(ptr, _, _)| {
                let key = (self.c.res_of(ptr).base.clone(), anchor.clone());
                self.c.dynamic_anchors.get(&key).cloned()
            })
            .unwrap_or(target)
    }

    fn validate_ref_to(&mut self, target: String, kw: &'static str, v: &J, loc: VLoc) -> VResult {
        if target == PERMISSIVE {
            return Ok(());
        }
        let Some(j) = lookup(self.c.doc, &target) else {
            return Ok(());
        };
        let t = SRef { j, ptr: target };
        if let Err(e) = self.validate(&t, v, loc, Some(kw), false) {
            let mut re = self.err(loc, "validation failed".into());
            re.reference = true;
            if e.group {
                re.causes = e.causes;
            } else {
                re.causes.push(e);
            }
            return Err(re);
        }
        Ok(())
    }

    fn child(&mut self, s: &SRef<'a>, suffix: &str, v: &J, loc: VLoc, tok: String) -> VResult {
        let Some(sub) = self.sub(s, suffix) else {
            return Ok(());
        };
        let l = self.push(loc, tok);
        self.validate(&sub, v, l, None, true)
    }

    fn same(&mut self, s: &SRef<'a>, suffix: &str, v: &J, loc: VLoc) -> VResult {
        let Some(sub) = self.sub(s, suffix) else {
            return Ok(());
        };
        self.validate(&sub, v, loc, None, false)
    }

    fn find_missing(o: &BTreeMap<String, J>, req: &J) -> Vec<String> {
        let J::Arr(a) = req else { return vec![] };
        a.iter()
            .filter_map(J::as_str)
            .filter(|p| !o.contains_key(*p))
            .map(str::to_string)
            .collect()
    }

    fn obj_validate(
        &mut self,
        s: &SRef<'a>,
        sch: &'a BTreeMap<String, J>,
        draft: u32,
        o: &BTreeMap<String, J>,
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        if let Some(n) = int_val(sch.get("minProperties")) {
            if (o.len() as i64) < n {
                errors.push(self.err(
                    loc,
                    format!(
                        "minProperties: got {}, want {}",
                        group_int(o.len() as i64),
                        group_int(n)
                    ),
                ));
            }
        }
        if let Some(n) = int_val(sch.get("maxProperties")) {
            if (o.len() as i64) > n {
                errors.push(self.err(
                    loc,
                    format!(
                        "maxProperties: got {}, want {}",
                        group_int(o.len() as i64),
                        group_int(n)
                    ),
                ));
            }
        }
        if let Some(req) = sch.get("required") {
            let missing = Self::find_missing(o, req);
            if !missing.is_empty() {
                errors.push(self.err(loc, required_msg(&missing)));
            }
        }
        if let Some(J::Obj(deps)) = sch.get("dependencies") {
            for (p, dep) in deps {
                if !o.contains_key(p) {
                    continue;
                }
                match dep {
                    J::Arr(_) => {
                        let missing = Self::find_missing(o, dep);
                        if !missing.is_empty() {
                            errors.push(self.err(
                                loc,
                                format!(
                                    "properties {} required, if {} exists",
                                    join_quoted(&missing),
                                    quote(p)
                                ),
                            ));
                        }
                    }
                    _ => {
                        let suffix = format!("/dependencies/{}", pointer_escape(p));
                        if let Err(e) = self.same(s, &suffix, o_as_j(o).as_ref(), loc) {
                            errors.push(e);
                        }
                    }
                }
            }
        }
        let props = match sch.get("properties") {
            Some(J::Obj(m)) => Some(m),
            _ => None,
        };
        let mut pattern_res: Vec<(String, Option<Regex>)> = Vec::new();
        if let Some(J::Obj(pp)) = sch.get("patternProperties") {
            for k in pp.keys() {
                pattern_res.push((k.clone(), self.c.compiled_regex(k).cloned()));
            }
        }
        let mut additional = Vec::new();
        for (pname, pvalue) in o {
            let mut evaluated = false;
            if props.is_some_and(|m| m.contains_key(pname)) {
                evaluated = true;
                let suffix = format!("/properties/{}", pointer_escape(pname));
                if let Err(e) = self.child(s, &suffix, pvalue, loc, pname.clone()) {
                    errors.push(e);
                }
            }
            for (pat, re) in &pattern_res {
                if re.as_ref().is_some_and(|r| r.is_match(pname)) {
                    evaluated = true;
                    let suffix = format!("/patternProperties/{}", pointer_escape(pat));
                    if let Err(e) = self.child(s, &suffix, pvalue, loc, pname.clone()) {
                        errors.push(e);
                    }
                }
            }
            if !evaluated {
                match sch.get("additionalProperties") {
                    Some(J::Bool(allowed)) => {
                        evaluated = true;
                        if !allowed {
                            additional.push(pname.clone());
                        }
                    }
                    Some(J::Obj(_)) => {
                        evaluated = true;
                        if let Err(e) =
                            self.child(s, "/additionalProperties", pvalue, loc, pname.clone())
                        {
                            errors.push(e);
                        }
                    }
                    _ => {}
                }
            }
            if evaluated {
                self.evaluated_prop(pname);
            }
        }
        if !additional.is_empty() {
            errors.push(self.err(
                loc,
                format!(
                    "additional properties {} not allowed",
                    join_quoted(&additional)
                ),
            ));
        }
        if draft == 4 {
            return;
        }
        if let Some(pn) = sch.get("propertyNames") {
            let pn_ref = SRef {
                j: pn,
                ptr: format!("{}/propertyNames", s.ptr),
            };
            for pname in o.keys() {
                // A validation of its own: a fresh location, a fresh scope.
                let saved = std::mem::take(&mut self.scope);
                let saved_uneval = std::mem::take(&mut self.uneval);
                self.bufs.push((Vec::new(), 8));
                let fresh = (self.bufs.len() - 1, 0);
                let r = self.validate(&pn_ref, &J::Str(pname.clone()), fresh, None, false);
                self.scope = saved;
                self.uneval = saved_uneval;
                if let Err(e) = r {
                    let causes = if e.group { e.causes } else { vec![e] };
                    errors.push(VErr {
                        loc: Loc::Alias(loc.0, loc.1),
                        msg: format!("invalid propertyName {}", quote(pname)),
                        reference: false,
                        group: false,
                        causes,
                    });
                }
            }
        }
        if draft == 6 {
            return;
        }
        if draft >= 2019 {
            if let Some(J::Obj(ds)) = sch.get("dependentSchemas") {
                for p in ds.keys() {
                    if o.contains_key(p) {
                        let suffix = format!("/dependentSchemas/{}", pointer_escape(p));
                        if let Err(e) = self.same(s, &suffix, o_as_j(o).as_ref(), loc) {
                            errors.push(e);
                        }
                    }
                }
            }
            if let Some(J::Obj(dr)) = sch.get("dependentRequired") {
                for (p, req) in dr {
                    if o.contains_key(p) {
                        let missing = Self::find_missing(o, req);
                        if !missing.is_empty() {
                            errors.push(self.err(
                                loc,
                                format!(
                                    "properties {} required, if {} exists",
                                    join_quoted(&missing),
                                    quote(p)
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }

    fn arr_validate(
        &mut self,
        s: &SRef<'a>,
        sch: &BTreeMap<String, J>,
        draft: u32,
        a: &[J],
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        let len = a.len() as i64;
        if let Some(n) = int_val(sch.get("minItems")) {
            if len < n {
                errors.push(self.err(
                    loc,
                    format!("minItems: got {}, want {}", group_int(len), group_int(n)),
                ));
            }
        }
        if let Some(n) = int_val(sch.get("maxItems")) {
            if len > n {
                errors.push(self.err(
                    loc,
                    format!("maxItems: got {}, want {}", group_int(len), group_int(n)),
                ));
            }
        }
        if matches!(sch.get("uniqueItems"), Some(J::Bool(true))) && a.len() > 1 {
            'dup: for i in 1..a.len() {
                for j in 0..i {
                    if equals(&a[i], &a[j]) {
                        errors.push(self.err(loc, format!("items at {j} and {i} are equal")));
                        break 'dup;
                    }
                }
            }
        }
        if draft < 2020 {
            let mut evaluated = 0;
            match sch.get("items") {
                Some(J::Arr(items)) => {
                    let m = items.len().min(a.len());
                    for (i, item) in a[..m].iter().enumerate() {
                        if let Err(e) =
                            self.child(s, &format!("/items/{i}"), item, loc, i.to_string())
                        {
                            errors.push(e);
                        }
                    }
                    evaluated = m;
                    match sch.get("additionalItems") {
                        Some(J::Bool(false)) if evaluated != a.len() => {
                            errors.push(self.err(
                                loc,
                                format!(
                                    "last {} additionalItem(s) not allowed",
                                    group_int((a.len() - evaluated) as i64)
                                ),
                            ));
                        }
                        Some(J::Obj(_)) => {
                            for (i, item) in a.iter().enumerate().skip(evaluated) {
                                if let Err(e) =
                                    self.child(s, "/additionalItems", item, loc, i.to_string())
                                {
                                    errors.push(e);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(J::Obj(_) | J::Bool(_)) => {
                    for (i, item) in a.iter().enumerate() {
                        if let Err(e) = self.child(s, "/items", item, loc, i.to_string()) {
                            errors.push(e);
                        }
                    }
                    evaluated = a.len();
                }
                _ => {}
            }
            let _ = evaluated;
        } else {
            let n_prefix = match sch.get("prefixItems") {
                Some(J::Arr(p)) => p.len(),
                _ => 0,
            };
            let evaluated = n_prefix.min(a.len());
            for (i, item) in a[..evaluated].iter().enumerate() {
                if let Err(e) =
                    self.child(s, &format!("/prefixItems/{i}"), item, loc, i.to_string())
                {
                    errors.push(e);
                }
            }
            if matches!(sch.get("items"), Some(J::Obj(_) | J::Bool(_))) {
                for (i, item) in a.iter().enumerate().skip(evaluated) {
                    if let Err(e) = self.child(s, "/items", item, loc, i.to_string()) {
                        errors.push(e);
                    }
                }
            }
        }
        if draft >= 6 && sch.contains_key("contains") {
            let mut errs = Vec::new();
            let mut matched = Vec::new();
            for (i, item) in a.iter().enumerate() {
                match self.child(s, "/contains", item, loc, i.to_string()) {
                    Err(e) => errs.push(e),
                    Ok(()) => {
                        matched.push(i);
                        if draft >= 2020 {
                            if let Some(u) = self.uneval.last_mut() {
                                u.items.remove(&i);
                            }
                        }
                    }
                }
            }
            let min_c = if draft >= 2019 {
                int_val(sch.get("minContains"))
            } else {
                None
            };
            let max_c = if draft >= 2019 {
                int_val(sch.get("maxContains"))
            } else {
                None
            };
            let at = |m: &[usize]| {
                m.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if let Some(want) = min_c {
                if (matched.len() as i64) < want {
                    let msg = if matched.is_empty() {
                        format!(
                            "min {} items required to match contains schema, but none matched",
                            group_int(want)
                        )
                    } else {
                        format!(
                            "min {} items required to match contains schema, but matched {} items at {}",
                            group_int(want),
                            group_int(matched.len() as i64),
                            at(&matched)
                        )
                    };
                    let mut e = self.err(loc, msg);
                    e.causes = errs;
                    errors.push(e);
                }
            } else if matched.is_empty() {
                let mut e = self.err(loc, "no items match contains schema".into());
                e.causes = errs;
                errors.push(e);
            }
            if let Some(want) = max_c {
                if (matched.len() as i64) > want {
                    errors.push(self.err(
                        loc,
                        format!(
                            "max {} items required to match contains schema, but matched {} items at {}",
                            group_int(want),
                            group_int(matched.len() as i64),
                            at(&matched)
                        ),
                    ));
                }
            }
        }
    }

    fn str_validate(
        &mut self,
        sch: &BTreeMap<String, J>,
        st: &str,
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        let n = st.chars().count() as i64;
        if let Some(w) = int_val(sch.get("minLength")) {
            if n < w {
                errors.push(self.err(
                    loc,
                    format!("minLength: got {}, want {}", group_int(n), group_int(w)),
                ));
            }
        }
        if let Some(w) = int_val(sch.get("maxLength")) {
            if n > w {
                errors.push(self.err(
                    loc,
                    format!("maxLength: got {}, want {}", group_int(n), group_int(w)),
                ));
            }
        }
        if let Some(p) = sch.get("pattern").and_then(J::as_str) {
            if let Some(re) = self.c.compiled_regex(p) {
                if !re.is_match(st) {
                    errors.push(self.err(
                        loc,
                        format!("{} does not match pattern {}", quote(st), quote(p)),
                    ));
                }
            }
        }
    }

    fn num_validate(
        &mut self,
        sch: &BTreeMap<String, J>,
        n: &Num,
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        let num = |k: &str| match sch.get(k) {
            Some(J::Num(x)) => Some(x.clone()),
            _ => None,
        };
        let mut minimum = num("minimum");
        let mut maximum = num("maximum");
        let mut exc_min = num("exclusiveMinimum");
        let mut exc_max = num("exclusiveMaximum");
        if matches!(sch.get("exclusiveMaximum"), Some(J::Bool(true))) {
            exc_max = maximum.take();
        }
        if matches!(sch.get("exclusiveMinimum"), Some(J::Bool(true))) {
            exc_min = minimum.take();
        }
        let cmp = |a: &Num, b: &Num| format::cmp_num(a, b);
        use std::cmp::Ordering::*;
        if let Some(w) = &minimum {
            if cmp(n, w) == Less {
                errors.push(self.err(
                    loc,
                    format!("minimum: got {}, want {}", go_num(n), go_num(w)),
                ));
            }
        }
        if let Some(w) = &maximum {
            if cmp(n, w) == Greater {
                errors.push(self.err(
                    loc,
                    format!("maximum: got {}, want {}", go_num(n), go_num(w)),
                ));
            }
        }
        if let Some(w) = &exc_min {
            if cmp(n, w) != Greater {
                errors.push(self.err(
                    loc,
                    format!("exclusiveMinimum: got {}, want {}", go_num(n), go_num(w)),
                ));
            }
        }
        if let Some(w) = &exc_max {
            if cmp(n, w) != Less {
                errors.push(self.err(
                    loc,
                    format!("exclusiveMaximum: got {}, want {}", go_num(n), go_num(w)),
                ));
            }
        }
        if let Some(w) = num("multipleOf") {
            if !format::is_multiple(n, &w) {
                errors.push(self.err(
                    loc,
                    format!("multipleOf: got {}, want {}", go_num(n), go_num(&w)),
                ));
            }
        }
    }

    fn cond_validate(
        &mut self,
        s: &SRef<'a>,
        sch: &BTreeMap<String, J>,
        draft: u32,
        v: &J,
        loc: VLoc,
        errors: &mut Vec<VErr>,
    ) {
        if sch.contains_key("not") && self.same(s, "/not", v, loc).is_ok() {
            errors.push(self.err(loc, "'not' failed".into()));
        }
        if let Some(J::Arr(all)) = sch.get("allOf") {
            let mut errs = Vec::new();
            for i in 0..all.len() {
                if let Err(e) = self.same(s, &format!("/allOf/{i}"), v, loc) {
                    errs.push(e);
                }
            }
            if !errs.is_empty() {
                let mut e = self.err(loc, "'allOf' failed".into());
                e.causes = errs;
                errors.push(e);
            }
        }
        if let Some(J::Arr(any)) = sch.get("anyOf") {
            let mut errs = Vec::new();
            let mut matched = false;
            for i in 0..any.len() {
                match self.same(s, &format!("/anyOf/{i}"), v, loc) {
                    Err(e) => errs.push(e),
                    Ok(()) => {
                        matched = true;
                        // Every subschema must run when evaluation is tracked.
                        if self.uneval.last().is_none_or(Uneval::is_empty) {
                            break;
                        }
                    }
                }
            }
            if !matched {
                let mut e = self.err(loc, "'anyOf' failed".into());
                e.causes = errs;
                errors.push(e);
            }
        }
        if let Some(J::Arr(one)) = sch.get("oneOf") {
            let mut matched: Option<usize> = None;
            let mut errs = Vec::new();
            for i in 0..one.len() {
                match self.same(s, &format!("/oneOf/{i}"), v, loc) {
                    Err(e) => {
                        if matched.is_none() {
                            errs.push(e);
                        }
                    }
                    Ok(()) => {
                        match matched {
                            None => matched = Some(i),
                            Some(m) => {
                                errors.push(self.err(
                                    loc,
                                    format!("'oneOf' failed, subschemas {m}, {i} matched"),
                                ));
                                break;
                            }
                        }
                    }
                }
            }
            if matched.is_none() {
                let mut e = self.err(loc, "'oneOf' failed, none matched".into());
                e.causes = errs;
                errors.push(e);
            }
        }
        if draft >= 7 && sch.contains_key("if") {
            let cond = self.same(s, "/if", v, loc).is_ok();
            let if_bool = match sch.get("if") {
                Some(J::Bool(b)) => Some(*b),
                _ => None,
            };
            if cond {
                if sch.contains_key("then") && if_bool != Some(false) {
                    if let Err(e) = self.same(s, "/then", v, loc) {
                        errors.push(e);
                    }
                }
            } else if sch.contains_key("else") && if_bool != Some(true) {
                if let Err(e) = self.same(s, "/else", v, loc) {
                    errors.push(e);
                }
            }
        }
    }
}

/// Owned copy of an object as a value (for dependent schemas, which see the same value).
fn o_as_j(o: &BTreeMap<String, J>) -> Box<J> {
    Box::new(J::Obj(o.clone()))
}

fn required_msg(missing: &[String]) -> String {
    if missing.len() == 1 {
        format!("missing property {}", quote(&missing[0]))
    } else {
        format!("missing properties {}", join_quoted(missing))
    }
}

fn join_quoted(a: &[String]) -> String {
    a.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
}

/// santhosh-tekuri's `display`: strings quoted, numbers as written, nil as `<nil>`.
fn display(v: &J) -> String {
    match v {
        J::Str(s) => quote(s),
        J::Arr(_) | J::Obj(_) => "value".into(),
        J::Null => "<nil>".into(),
        J::Bool(b) => b.to_string(),
        J::Num(n) => n.text.clone(),
    }
}

fn type_of(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Num(_) => "number",
        J::Str(_) => "string",
        J::Arr(_) => "array",
        J::Obj(_) => "object",
    }
}

fn is_integer(v: &J) -> bool {
    match v {
        J::Num(n) => n.int.is_some() || format::Dec::parse(&n.text).is_some_and(|d| d.is_int()),
        _ => false,
    }
}

/// A keyword's integer value (`minLength: 2`, also `2.0`).
fn int_val(v: Option<&J>) -> Option<i64> {
    match v? {
        J::Num(n) if n.f.fract() == 0.0 && n.f.is_finite() => Some(n.f as i64),
        _ => None,
    }
}

/// santhosh-tekuri's `equals`: numbers by value, objects by keys and values.
fn equals(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Null, J::Null) => true,
        (J::Bool(x), J::Bool(y)) => x == y,
        (J::Str(x), J::Str(y)) => x == y,
        (J::Num(x), J::Num(y)) => format::cmp_num(x, y) == std::cmp::Ordering::Equal,
        (J::Arr(x), J::Arr(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equals(p, q)),
        (J::Obj(x), J::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equals(v, w)))
        }
        _ => false,
    }
}
