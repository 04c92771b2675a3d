//! A values schema checked against its draft's metaschema, as santhosh-tekuri's compiler
//! does when it loads a schema document (and again for a `$ref` into a place no keyword
//! leads to): an invalid `pattern`, a `type` that names no type or a 2020-12 `items`
//! array is reported before anything is compiled.
//!
//! `metaschemas.json` holds the five drafts' metaschemas (2019-09 and 2020-12 with their
//! vocabulary metaschemas) as that library has them, without annotations, in one
//! document; it is compiled once, with `format` asserted (`regex`, `uri`,
//! `uri-reference`).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::SCHEMA_URL;
use super::format::url_encode_ptr;
use super::golang;
use super::json::{self, J};
use super::validate::Compiled;

const BUNDLE: &str = include_str!("metaschemas.json");

fn bundle_doc() -> &'static J {
    static DOC: OnceLock<J> = OnceLock::new();
    DOC.get_or_init(|| json::parse(BUNDLE.as_bytes()).expect("metaschemas parse"))
}

fn bundle() -> &'static Compiled<'static> {
    static COMPILED: OnceLock<Compiled<'static>> = OnceLock::new();
    COMPILED.get_or_init(|| Compiled::metaschemas(bundle_doc()).expect("metaschemas compile"))
}

/// Where a schema that refers to json-schema.org's documents gets them: Helm's library
/// serves those from its own copies, so they are resources of the schema here.
const EMBEDDED: &str = "\u{1}json-schema.org";

/// The schema document, with the metaschemas added under `definitions` when a reference
/// in it names a json-schema.org document (which Helm resolves without loading anything).
pub(super) fn embed_if_referenced(mut doc: J) -> J {
    if !refers_to_json_schema_org(&doc, 0) {
        return doc;
    }
    if let J::Obj(root) = &mut doc {
        let definitions = root
            .entry("definitions".to_string())
            .or_insert_with(|| J::Obj(Default::default()));
        if let J::Obj(defs) = definitions {
            defs.insert(EMBEDDED.to_string(), bundle_doc().clone());
        }
    }
    doc
}

fn refers_to_json_schema_org(v: &J, depth: usize) -> bool {
    if depth > 2000 {
        return false;
    }
    match v {
        J::Obj(m) => m.iter().any(|(k, v)| {
            let named = matches!(k.as_str(), "$ref" | "$dynamicRef" | "$recursiveRef")
                && v.as_str().is_some_and(|s| {
                    s.starts_with("http://json-schema.org/")
                        || s.starts_with("https://json-schema.org/")
                });
            named || refers_to_json_schema_org(v, depth + 1)
        }),
        J::Arr(a) => a.iter().any(|v| refers_to_json_schema_org(v, depth + 1)),
        _ => false,
    }
}

/// The metaschema of a draft: its root in the bundle and its URL as errors name it.
fn metaschema(draft: u32) -> (&'static str, &'static str) {
    match draft {
        4 => ("/$defs/draft-04", "http://json-schema.org/draft-04/schema#"),
        6 => ("/$defs/draft-06", "http://json-schema.org/draft-06/schema#"),
        7 => ("/$defs/draft-07", "http://json-schema.org/draft-07/schema#"),
        2019 => (
            "/$defs/2019-09",
            "https://json-schema.org/draft/2019-09/schema#",
        ),
        _ => (
            "/$defs/2020-12",
            "https://json-schema.org/draft/2020-12/schema#",
        ),
    }
}

/// Checks the value at `ptr` of the compiled document against the metaschema of the
/// draft in force there. The error is the compiler's: `"URL#PTR" is not valid against
/// metaschema: jsonschema validation failed with 'METASCHEMA'` and the cause tree.
pub(super) fn check(doc: &Compiled<'_>, ptr: &str) -> Result<(), String> {
    let Some(value) = doc.value_at(ptr) else {
        return Ok(());
    };
    let (root, url) = metaschema(doc.draft_at(ptr));
    let mut resources: HashMap<String, String> = doc
        .resource_drafts()
        .map(|(p, d)| (p.to_string(), metaschema(d).0.to_string()))
        .collect();
    if resources.values().all(|r| r == root) {
        // One draft throughout: nothing to switch to.
        resources.clear();
    }
    bundle()
        .validate_meta(root, value, resources)
        .map_err(|causes| {
            let at = format!("{SCHEMA_URL}#{}", url_encode_ptr(ptr));
            format!(
                "{} is not valid against metaschema: jsonschema validation failed with '{url}'{causes}",
                golang::quote(at.as_bytes())
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_compiles_and_has_every_draft() {
        let b = bundle();
        for d in [4, 6, 7, 2019, 2020] {
            let (root, _) = metaschema(d);
            assert_eq!(b.draft_at(root), d, "{root}");
        }
    }
}
