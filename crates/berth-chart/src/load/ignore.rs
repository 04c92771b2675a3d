//! `.helmignore` rules, as Helm's `pkg/ignore`: one glob per line (Go's `filepath.Match`),
//! `#` comments, `!` negation, a trailing `/` for directories only, a leading `/` anchoring at
//! the chart root, and patterns without `/` matching the base name. `**` is an error. The
//! default rule `templates/.?*` hides dot files directly under `templates/`.

/// The parsed rules of one `.helmignore`.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Clone, Debug)]
struct Pattern {
    glob: String,
    kind: Kind,
    negate: bool,
    must_dir: bool,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// The pattern has a `/`: matched against the whole path.
    Path,
    /// No `/`: matched against the base name.
    Base,
}

/// Go's `filepath.ErrBadPattern` text.
pub const BAD_PATTERN: &str = "syntax error in pattern";

impl Rules {
    /// No rules.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses a `.helmignore` file; the error is Helm's text.
    pub fn parse(data: &[u8]) -> Result<Rules, String> {
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let text = String::from_utf8_lossy(data);
        let mut rules = Rules::empty();
        // bufio.Scanner's lines: split at '\n', dropping one trailing '\r'.
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            rules.add(line)?;
        }
        Ok(rules)
    }

    /// Adds Helm's default rule (`templates/.?*`).
    pub fn add_defaults(&mut self) {
        // The default is a valid pattern.
        let _ = self.add("templates/.?*");
    }

    fn add(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        glob_match(rule, "abc")?;
        let (negate, rule) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rule) = match rule.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (kind, glob) = if let Some(r) = rule.strip_prefix('/') {
            (Kind::Path, r)
        } else if rule.contains('/') {
            (Kind::Path, rule)
        } else {
            (Kind::Base, rule)
        };
        self.patterns.push(Pattern {
            glob: glob.to_string(),
            kind,
            negate,
            must_dir,
        });
        Ok(())
    }

    /// Whether `path` (slash-separated, relative to the chart root) is ignored.
    /// Helm's quirk is kept: a negated rule that does not match ignores the path.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let subject = match p.kind {
                Kind::Path => path,
                Kind::Base => base_name(path),
            };
            let matched = glob_match(&p.glob, subject).unwrap_or(false);
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Base` for a slash path.
fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Go's `filepath.Match` on Unix: `*`, `?`, `[...]` (with `^` negation and ranges) and `\`
/// escapes; none of them match `/`. An invalid pattern is an error even when the name
/// fails to match first.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, String> {
    // Most `.helmignore` lines are plain names: no wildcard, no escape, nothing to reject.
    let is_meta = |c: char| matches!(c, '*' | '?' | '[' | '\\');
    if !pattern.contains(is_meta) {
        return Ok(pattern == name);
    }
    // `*.swp`: a literal tail after one leading star, which matches no `/`.
    if let Some(tail) = pattern.strip_prefix('*') {
        if !tail.contains(is_meta) && !tail.contains('/') {
            return Ok(name
                .strip_suffix(tail)
                .is_some_and(|head| !head.contains('/')));
        }
    }
    // Patterns and paths are nearly always ASCII, where a byte is a rune.
    if pattern.is_ascii() && name.is_ascii() {
        return match_runes(pattern.as_bytes(), name.as_bytes());
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_runes(&pattern, &name)
}

/// A rune of a pattern or name: a `char`, or a byte of ASCII text.
trait Rune: Copy + PartialEq + PartialOrd {
    fn ascii(b: u8) -> Self;
}

impl Rune for u8 {
    fn ascii(b: u8) -> u8 {
        b
    }
}

impl Rune for char {
    fn ascii(b: u8) -> char {
        b as char
    }
}

fn match_runes<R: Rune>(mut pattern: &[R], mut name: &[R]) -> Result<bool, String> {
    let slash = R::ascii(b'/');
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&slash));
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if let Some(e) = err {
            return Err(e);
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != slash {
                let (t, ok, err) = match_chunk(chunk, &name[i + 1..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                if let Some(e) = err {
                    return Err(e);
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if let (_, _, Some(e)) = match_chunk(chunk, &[]) {
                return Err(e);
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk<R: Rune>(mut pattern: &[R]) -> (bool, &[R], &[R]) {
    let [star_rune, escape, open, close] = [b'*', b'\\', b'[', b']'].map(R::ascii);
    let mut star = false;
    while pattern.first() == Some(&star_rune) {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        let c = pattern[i];
        if c == escape && i + 1 < pattern.len() {
            i += 1;
        } else if c == open {
            in_range = true;
        } else if c == close {
            in_range = false;
        } else if c == star_rune && !in_range {
            break;
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

fn bad() -> Option<String> {
    Some(BAD_PATTERN.to_string())
}

/// Matches one chunk at the start of `s`: the rest of `s`, whether it matched, and a
/// pattern error.
fn match_chunk<'s, R: Rune>(mut chunk: &[R], mut s: &'s [R]) -> (&'s [R], bool, Option<String>) {
    let [open, close, caret, dash, question, escape, slash] =
        [b'[', b']', b'^', b'-', b'?', b'\\', b'/'].map(R::ascii);
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            c if c == open => {
                let mut r = R::ascii(0);
                if !failed {
                    r = s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&caret) {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&close) && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = match get_esc(chunk) {
                        Some(x) => x,
                        None => return (&[], false, bad()),
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == dash {
                        let (h, rest) = match get_esc(&chunk[1..]) {
                            Some(x) => x,
                            None => return (&[], false, bad()),
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            c if c == question => {
                if !failed {
                    if s[0] == slash {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let c = if c == escape {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        Some(&c) => c,
                        None => return (&[], false, bad()),
                    }
                } else {
                    c
                };
                if !failed {
                    if c != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return (&[], false, None);
    }
    (s, true, None)
}

/// One possibly escaped character of a class; `None` for a bad pattern. The rest is never
/// empty.
fn get_esc<R: Rune>(mut chunk: &[R]) -> Option<(R, &[R])> {
    let [dash, close, escape] = [b'-', b']', b'\\'].map(R::ascii);
    if chunk.is_empty() || chunk[0] == dash || chunk[0] == close {
        return None;
    }
    if chunk[0] == escape {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return None;
        }
    }
    let r = chunk[0];
    let rest = &chunk[1..];
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_filepath_match_cases() {
        // Expectations of Go's path/filepath match tests.
        let cases: &[(&str, &str, Result<bool, ()>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(())),
            ("[-]", "-", Err(())),
            ("[x-]", "x", Err(())),
            ("[x-]", "-", Err(())),
            ("[x-]", "z", Err(())),
            ("[-x]", "x", Err(())),
            ("[-x]", "-", Err(())),
            ("[-x]", "a", Err(())),
            ("\\", "a", Err(())),
            ("[a-b-c]", "a", Err(())),
            ("[", "a", Err(())),
            ("[^", "a", Err(())),
            ("[^bc", "a", Err(())),
            ("a[", "a", Err(())),
            ("a[", "ab", Err(())),
            ("a[", "x", Err(())),
            ("a/b[", "x", Err(())),
            ("*x", "xxx", Ok(true)),
            // The literal-tail shortcut must keep `*` from matching `/`.
            ("*", "a/b", Ok(false)),
            ("*c", "ab/c", Ok(false)),
            ("*.swp", "dir/a.swp", Ok(false)),
            ("*.bak", ".bak", Ok(true)),
            ("*~", "notes~", Ok(true)),
            ("*~", "notes", Ok(false)),
        ];
        for (p, n, want) in cases {
            let got = glob_match(p, n).map_err(|_| ());
            assert_eq!(&got, want, "Match({p:?}, {n:?})");
        }
    }

    fn rules(text: &str) -> Rules {
        let mut r = Rules::parse(text.as_bytes()).expect("rules parse");
        r.add_defaults();
        r
    }

    #[test]
    fn helm_ignore_rules() {
        // Expectations of Helm's pkg/ignore rules tests.
        let cases: &[(&str, &str, bool, bool)] = &[
            ("helm.txt", "helm.txt", false, true),
            ("helm.*", "helm.txt", false, true),
            ("helm.*", "rudder.txt", false, false),
            ("*.txt", "tiller.txt", false, true),
            ("*.txt", "cargo/a.txt", false, true),
            ("cargo/*.txt", "cargo/a.txt", false, true),
            ("cargo/*.*", "cargo/a.txt", false, true),
            ("cargo/*.txt", "mast/a.txt", false, false),
            ("ru[c-e]?er.txt", "rudder.txt", false, true),
            ("templates/.?*", "templates/.dotfile", false, true),
            ("/helm.txt", "helm.txt", false, true),
            ("/helm.txt", "cargo/helm.txt", false, false),
            ("cargo/", "cargo", true, true),
            ("cargo/", "cargo/", true, true),
            ("cargo/", "mast/", true, false),
            ("helm.txt/", "helm.txt", false, false),
            ("!helm.txt", "helm.txt", false, false),
            ("!helm.txt", "tiller.txt", false, true),
            ("!*.txt", "cargo", true, true),
            ("!cargo/", "mast/", true, true),
            ("*.txt\n!tiller.txt", "tiller.txt", false, true),
            ("", "templates/.dotfile", false, true),
            ("", "templates/sub/.dotfile", false, false),
        ];
        for (pattern, name, is_dir, want) in cases {
            assert_eq!(
                rules(pattern).ignore(name, *is_dir),
                *want,
                "{pattern:?} on {name:?}"
            );
        }
    }

    #[test]
    fn bad_rules() {
        assert_eq!(
            Rules::parse(b"a/**/b").err().as_deref(),
            Some("double-star (**) syntax is not supported")
        );
        assert_eq!(Rules::parse(b"[").err().as_deref(), Some(BAD_PATTERN));
        assert!(Rules::parse(b"# comment\n\n  \n").is_ok());
    }
}
