//! `berth app sync`: request a sync through `.operation`, then follow
//! `.status.operationState` until the controller clears the operation.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

use super::get::initiator;
use super::list::is_operation_running;
use super::output::{self, human_duration, short_revision, text_or};
use super::{Ctx, Outcome, POLL, deadline, expired, parse_timeout};

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// The Application's name.
    name: String,
    /// Delete resources that are no longer in git.
    #[arg(long)]
    prune: bool,
    /// Run every step against the API server's dry-run: nothing changes.
    #[arg(long)]
    dry_run: bool,
    /// Sync to this revision (branch, tag or commit) instead of the target revision.
    #[arg(long)]
    revision: Option<String>,
    /// Return once the sync is requested, without following it.
    #[arg(long = "async")]
    no_wait: bool,
    /// Give up following after this long (`0`: no limit); the sync itself goes on.
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    timeout: Duration,
}

fn username() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "berth-cli".into())
}

pub async fn run(ctx: &Ctx, args: SyncArgs) -> anyhow::Result<Outcome> {
    let name = args.name.as_str();
    let app = ctx.app(name).await?;
    if !app["metadata"]["deletionTimestamp"].is_null() {
        anyhow::bail!("application {name} is being deleted: it cannot be synced");
    }
    if is_operation_running(&app) {
        anyhow::bail!(
            "another operation is already running on {name} ({}); wait for it with \
             `berth app wait {name} --operation`, then sync again",
            describe_running(&app)
        );
    }
    let user = username();
    let mut sync = json!({"prune": args.prune, "dryRun": args.dry_run});
    if let Some(rev) = args.revision.as_deref().filter(|r| !r.is_empty()) {
        sync["revision"] = Value::from(rev);
    }
    // The resourceVersion makes the patch conditional: an operation that started since the
    // check above wins, and this one is refused.
    let patch = json!({
        "metadata": {"resourceVersion": app["metadata"]["resourceVersion"]},
        "operation": {"sync": sync, "initiatedBy": {"username": user}},
    });
    match ctx.patch_app(name, &patch).await {
        Ok(_) => {}
        Err(e) if e.is_conflict() => anyhow::bail!(
            "{name} changed while the sync was being requested (another operation may have \
             started); check with `berth app get {name}` and run the sync again"
        ),
        Err(e) if e.is_not_found() => return Err(ctx.not_found(name)),
        Err(e) => {
            return Err(anyhow::Error::new(e))
                .with_context(|| format!("requesting a sync of {name}"));
        }
    }
    let mut what = Vec::new();
    if let Some(rev) = &args.revision {
        what.push(format!("revision {rev}"));
    }
    if args.prune {
        what.push("prune".into());
    }
    if args.dry_run {
        what.push("dry run".into());
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" ({})", what.join(", "))
    };
    super::print(&format!("Sync of {name} requested by {user}{what}."));
    if args.no_wait {
        super::print(&format!(
            "Not following it (--async): `berth app wait {name} --operation` waits for it."
        ));
        return Ok(Outcome::Success);
    }
    tokio::select! {
        outcome = follow(ctx, name, &app["status"]["operationState"], args.timeout) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!(
                "stopped following; the sync of {name} goes on in the controller \
                 (`berth app wait {name} --operation` waits for it)"
            );
            Ok(Outcome::Exit(130))
        }
    }
}

fn describe_running(app: &Value) -> String {
    let state = &app["status"]["operationState"];
    if state["phase"] == "Running" {
        format!(
            "phase Running since {}, started by {}",
            text_or(&state["startedAt"], "?"),
            initiator(&state["operation"]["initiatedBy"])
        )
    } else {
        format!(
            "requested by {}, not started yet",
            initiator(&app["operation"]["initiatedBy"])
        )
    }
}

/// The identity of a resource result within one operation, and what is printed about it.
type ResultKey = (String, String, String, String, String);

fn result_key(r: &Value) -> ResultKey {
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    (
        s("syncPhase"),
        s("group"),
        s("kind"),
        s("namespace"),
        s("name"),
    )
}

fn result_line(r: &Value) -> String {
    let phase = text_or(&r["syncPhase"], "Sync");
    let wave = r["syncWave"].as_i64().unwrap_or(0);
    let kind = text_or(&r["kind"], "?");
    let object = match r["namespace"].as_str() {
        Some(ns) if !ns.is_empty() => format!("{ns}/{}", text_or(&r["name"], "?")),
        _ => text_or(&r["name"], "?").to_string(),
    };
    let mut status = text_or(&r["status"], "Pending").to_string();
    if let Some(hook) = r["hookType"].as_str().filter(|h| !h.is_empty()) {
        let hook_phase = text_or(&r["hookPhase"], "Pending");
        status = format!("{status} (hook {hook} {hook_phase})");
    }
    let message = r["message"].as_str().unwrap_or_default();
    format!("{phase:<9} {wave:>4}  {kind:<24} {object:<40} {status}  {message}")
        .trim_end()
        .to_string()
}

async fn follow(
    ctx: &Ctx,
    name: &str,
    previous: &Value,
    timeout: Duration,
) -> anyhow::Result<Outcome> {
    let until = deadline(timeout);
    let mut printed: HashMap<ResultKey, String> = HashMap::new();
    let mut header = false;
    let mut last_phase = String::new();
    loop {
        let app = ctx.find_app(name).await?.ok_or_else(|| {
            anyhow::anyhow!("application {name} was deleted while the sync was followed")
        })?;
        let state = &app["status"]["operationState"];
        // A state different from the one before the request belongs to this operation.
        let ours = !state.is_null() && state != previous;
        if ours {
            let phase = state["phase"].as_str().unwrap_or_default();
            if phase != last_phase && phase == "Running" {
                super::print(&format!(
                    "Operation Running (revision {}).",
                    short_revision(text_or(&state["syncResult"]["revision"], "?"))
                ));
            }
            last_phase = phase.to_string();
            for r in state["syncResult"]["resources"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let line = result_line(r);
                if printed.get(&result_key(r)) != Some(&line) {
                    if !header {
                        super::print(&format!(
                            "{:<9} {:>4}  {:<24} {:<40} STATUS  MESSAGE",
                            "PHASE", "WAVE", "KIND", "NAMESPACE/NAME"
                        ));
                        header = true;
                    }
                    super::print(&line);
                    printed.insert(result_key(r), line);
                }
            }
        }
        if app["operation"].is_null() {
            if !ours {
                anyhow::bail!(
                    "the operation on {name} was removed before it ran (someone cleared \
                     `.operation`, or the controller refused it); see `berth app get {name}`"
                );
            }
            return finish(name, state);
        }
        if expired(until) {
            let doing = if ours {
                format!(
                    "the operation is still {}",
                    text_or(&state["phase"], "running")
                )
            } else {
                "the controller has not started the operation: is `berth controller` running \
                 against this cluster?"
                    .to_string()
            };
            anyhow::bail!(
                "timed out after {} following the sync of {name}: {doing}; \
                 `berth app wait {name} --operation` waits longer",
                human_duration(timeout.as_secs() as i64)
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

fn finish(name: &str, state: &Value) -> anyhow::Result<Outcome> {
    let phase = text_or(&state["phase"], "Unknown");
    let message = state["message"].as_str().unwrap_or_default();
    let took = output::unix_seconds(state["finishedAt"].as_str().unwrap_or_default())
        .zip(output::unix_seconds(
            state["startedAt"].as_str().unwrap_or_default(),
        ))
        .map(|(f, s)| format!(" in {}", human_duration(f - s)))
        .unwrap_or_default();
    let revision = short_revision(text_or(&state["syncResult"]["revision"], "?"));
    super::print(&format!(
        "Operation {phase}{took} (revision {revision}): {message}"
    ));
    if phase == "Succeeded" {
        Ok(Outcome::Success)
    } else {
        anyhow::bail!(
            "the sync of {name} ended {phase}: {message}; see `berth app get {name}` for the \
             resources"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_one_line_per_resource_result() {
        let r = json!({
            "group": "apps", "kind": "Deployment", "namespace": "orders-api-prod",
            "name": "orders-api", "status": "Synced", "message": "deployment.apps/orders-api created",
            "syncPhase": "Sync", "syncWave": 1,
        });
        let line = result_line(&r);
        assert!(line.starts_with("Sync         1  Deployment "), "{line}");
        assert!(line.contains("orders-api-prod/orders-api"), "{line}");
        assert!(
            line.ends_with("Synced  deployment.apps/orders-api created"),
            "{line}"
        );
        let hook = json!({
            "group": "batch", "kind": "Job", "namespace": "ns", "name": "migrate",
            "status": "Synced", "hookType": "PreSync", "hookPhase": "Running", "syncPhase": "PreSync",
        });
        assert!(result_line(&hook).contains("Synced (hook PreSync Running)"));
    }
}
