//! ControllerRevisions as the StatefulSet and DaemonSet controllers keep them
//! (`controller_history.go`): one object `<owner>-<hash>` per distinct pod template, numbered in
//! the order templates were used, a template that comes back (a rollback) renumbered as the
//! newest, and old unused revisions trimmed to `revisionHistoryLimit`.

use super::ctx::{CONTROLLER_REVISIONS, Ctx, owner_reference};
use super::deployment::template_hash;
use berth_kube::ObjectExt;
use serde_json::{Value, json};

/// The label every revision carries with its hash.
const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// The revision that holds the owner's current template.
pub struct Current {
    /// `<owner>-<hash>`.
    pub name: String,
    pub hash: String,
    pub collision_count: i64,
}

/// What a revision stores: the template, as a patch that replaces it.
fn data_for(template: &Value) -> Value {
    let mut template = template.clone();
    if template.is_object() {
        template["$patch"] = json!("replace");
    }
    json!({"spec": {"template": template}})
}

fn revision_number(rev: &Value) -> i64 {
    rev.get("revision").and_then(Value::as_i64).unwrap_or(0)
}

/// Finds (or creates) the revision for `template`, renumbering it as the newest when an older
/// one is reused. Returns `None` when the API refused the write.
pub fn sync(ctx: &Ctx, owner: &Value, template: &Value, component: &str) -> Option<Current> {
    let data = data_for(template);
    let existing = ctx.controlled_by(owner.uid(), CONTROLLER_REVISIONS);
    let newest = existing.iter().map(revision_number).max().unwrap_or(0);
    let mut collision_count = owner
        .pointer("/status/collisionCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(found) = existing.iter().find(|r| r.get("data") == Some(&data)) {
        if revision_number(found) < newest {
            let renumbered = ctx.update(
                CONTROLLER_REVISIONS,
                found.namespace(),
                found.name(),
                component,
                |mut r| {
                    r["revision"] = json!(newest + 1);
                    Some(r)
                },
            );
            if renumbered.is_err() {
                return None;
            }
        }
        return Some(Current {
            name: found.name().to_string(),
            hash: found.label(HASH_LABEL).unwrap_or_default().to_string(),
            collision_count,
        });
    }
    // A bounded number of attempts: each collision changes the hash.
    for _ in 0..16 {
        let hash = template_hash(template, (collision_count > 0).then_some(collision_count));
        let name = format!("{}-{hash}", owner.name());
        let mut labels = template
            .pointer("/metadata/labels")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        labels[HASH_LABEL] = json!(hash);
        let revision = json!({
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {
                "name": name,
                "namespace": owner.namespace(),
                "labels": labels,
                "ownerReferences": [owner_reference(owner)],
            },
            "data": data,
            "revision": newest + 1,
        });
        match ctx.create(CONTROLLER_REVISIONS, owner.namespace(), revision, component) {
            Ok(_) => {
                return Some(Current {
                    name,
                    hash,
                    collision_count,
                });
            }
            Err(e) if e.code == 409 => {
                // The name is taken by another template (or another owner): try the next hash.
                let same = ctx
                    .get(CONTROLLER_REVISIONS, owner.namespace(), &name)
                    .is_some_and(|r| {
                        r.get("data") == Some(&data)
                            && super::ctx::controller_uid(&r) == Some(owner.uid())
                    });
                if same {
                    return Some(Current {
                        name,
                        hash,
                        collision_count,
                    });
                }
                collision_count += 1;
            }
            Err(e) => {
                tracing::debug!("cannot create revision {name}: {e}");
                return None;
            }
        }
    }
    None
}

/// Deletes the oldest revisions no pod uses beyond `limit`.
pub fn trim(ctx: &Ctx, owner: &Value, live: &[&str], limit: i64, component: &str) {
    let mut unused: Vec<Value> = ctx
        .controlled_by(owner.uid(), CONTROLLER_REVISIONS)
        .into_iter()
        .filter(|r| !live.contains(&r.name()))
        .collect();
    let excess = unused.len() as i64 - limit.max(0);
    if excess <= 0 {
        return;
    }
    unused.sort_by_key(revision_number);
    for rev in unused.iter().take(excess as usize) {
        if let Err(e) = ctx.delete(
            CONTROLLER_REVISIONS,
            rev.namespace(),
            rev.name(),
            None,
            None,
        ) {
            tracing::debug!("{component} cannot delete revision {}: {e}", rev.name());
        }
    }
}

/// The template a revision holds (without the replace directive).
#[cfg(test)]
fn template_of(rev: &Value) -> Option<Value> {
    let mut t = rev.pointer("/data/spec/template")?.clone();
    t.as_object_mut()?.remove("$patch");
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_round_trips_the_template() {
        let template = json!({"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}});
        let rev = json!({"data": data_for(&template)});
        assert_eq!(rev["data"]["spec"]["template"]["$patch"], "replace");
        assert_eq!(template_of(&rev), Some(template));
    }
}
