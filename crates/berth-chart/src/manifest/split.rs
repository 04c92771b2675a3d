//! Helm's `SplitManifests` as of 4.2.4: documents are separated by lines starting with
//! `---` (the separator is `---` and any spaces or tabs after it; the rest of that line
//! starts the next document), blank documents are dropped, and each document is trimmed
//! on the left only, so its trailing newlines stay.

/// The documents of a YAML stream, in order, as Helm's `SplitManifests` returns them.
pub fn split_manifests(big: &str) -> Vec<String> {
    let text = big.trim_start();
    let mut docs = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut line = 0;
    loop {
        if text[line..].starts_with("---") {
            docs.push(&text[start..line]);
            let mut end = line + 3;
            while end < bytes.len() && (bytes[end] == b' ' || bytes[end] == b'\t') {
                end += 1;
            }
            start = end;
        }
        match text[line..].find('\n') {
            Some(i) => line += i + 1,
            None => break,
        }
    }
    docs.push(&text[start..]);
    docs.into_iter()
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim_start().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_trailing_newlines_and_drops_blank_documents() {
        let docs = split_manifests("\n\n---\na: 1\n\n---\n\n---   \nb: 2\n---\n");
        assert_eq!(docs, ["a: 1\n\n", "b: 2\n"]);
    }

    #[test]
    fn separator_must_start_a_line() {
        assert_eq!(split_manifests("a: x---y\n"), ["a: x---y\n"]);
        assert_eq!(
            split_manifests("a: |\n  ---\nb: 1\n"),
            ["a: |\n  ---\nb: 1\n"]
        );
    }

    #[test]
    fn text_after_the_separator_starts_the_next_document() {
        assert_eq!(
            split_manifests("a: 1\n---apiVersion: v1\n--- # c\nb: 2"),
            ["a: 1\n", "apiVersion: v1\n", "# c\nb: 2"]
        );
        // `----` is a separator followed by `-`.
        assert_eq!(split_manifests("a: 1\n----\nb: 2"), ["a: 1\n", "-\nb: 2"]);
    }

    #[test]
    fn carriage_returns_stay_with_the_document() {
        assert_eq!(
            split_manifests("a: 1\r\n---\r\nb: 2\r\n"),
            ["a: 1\r\n", "b: 2\r\n"]
        );
    }

    #[test]
    fn empty_input() {
        assert!(split_manifests("").is_empty());
        assert!(split_manifests(" \n---\n \n").is_empty());
    }
}
