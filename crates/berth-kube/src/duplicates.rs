//! Duplicate keys in a JSON body. `serde_json` keeps the last of two equal keys silently; the
//! API server's strict decoder reports each as `duplicate field "spec.replicas"` (an error with
//! `fieldValidation=Strict`, a warning with `Warn`), so the raw bytes are scanned for them.

/// Paths of keys that appear twice in the same object, in document order. Malformed JSON yields
/// what was found before the fault (the decoder reports the fault itself).
pub fn duplicate_json_fields(body: &[u8]) -> Vec<String> {
    let mut scanner = Scanner {
        bytes: body,
        pos: 0,
        found: Vec::new(),
    };
    scanner.skip_ws();
    let _ = scanner.value("", 0);
    scanner.found
}

const MAX_DEPTH: usize = 512;

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    found: Vec<String>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, path: &str, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(path, depth),
            b'[' => self.array(path, depth),
            b'"' => self.string().map(|_| ()),
            _ => {
                // Numbers and literals: everything up to the next delimiter. A value that is
                // empty (a stray `}` or `]` where a value belongs) is malformed: stop, or the
                // caller's loop would never advance.
                let start = self.pos;
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }

    fn object(&mut self, path: &str, depth: usize) -> Option<()> {
        self.pos += 1;
        let mut seen: Vec<String> = Vec::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                b'"' => {}
                _ => return None,
            }
            let key = self.string()?;
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if seen.contains(&key) {
                self.found.push(here.clone());
            } else {
                seen.push(key);
            }
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            self.value(&here, depth + 1)?;
        }
    }

    fn array(&mut self, path: &str, depth: usize) -> Option<()> {
        self.pos += 1;
        let mut index = 0;
        loop {
            self.skip_ws();
            match self.peek()? {
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            self.value(&format!("{path}[{index}]"), depth + 1)?;
            index += 1;
        }
    }

    /// A string token, unescaped enough to compare keys (escapes decoded through serde_json).
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let raw = self.bytes.get(start..self.pos)?;
        serde_json::from_slice::<String>(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicates_with_their_paths() {
        // The path form of the server's strict decoder: `duplicate field "spec.replicas"`.
        let body = br#"{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","name":"b"}]}},"replicas":2},"kind":"Deployment"}"#;
        assert_eq!(
            duplicate_json_fields(body),
            ["spec.template.spec.containers[0].name", "spec.replicas"]
        );
        assert!(duplicate_json_fields(br#"{"a":{"b":1},"c":{"b":2}}"#).is_empty());
        assert_eq!(duplicate_json_fields(br#"{"a\u0062":1,"ab":2}"#), ["ab"]);
    }

    #[test]
    fn malformed_input_never_panics() {
        for body in [
            &b""[..],
            b"{",
            b"{\"a",
            b"{\"a\":",
            b"[[[[",
            b"\"\\",
            b"{\"a\":1,\"a\"",
            b"}",
            // A stray closer where a value belongs once looped forever.
            b"[}",
            b"{\"a\":}",
            b"[1,]",
        ] {
            let _ = duplicate_json_fields(body);
        }
        let deep = "[".repeat(100_000);
        assert!(duplicate_json_fields(deep.as_bytes()).is_empty());
    }
}
