//! One sync operation as a state machine driven by [`step`]: every call looks at the live
//! state and the results recorded so far in `status.operationState`, does the next piece
//! of work (apply a wave, create a hook, prune) and says when to call again. Nothing is
//! kept in memory between steps, so a controller killed in the middle of a sync picks up
//! exactly where it stopped, and a hook created by this operation (marked with its sync id)
//! is adopted rather than created twice.

use std::collections::HashMap;
use std::time::Duration;

use berth_kube::{
    HookDeletePolicy, SyncOptions, SyncPhase, SyncTask, hook_delete_policies, is_hook,
    is_ignored_hook, is_skip, order_tasks, sync_phases,
};
use serde_json::Value;

use crate::cluster::{Cluster, gvk_of};
use crate::health::{HealthState, health_of};
use crate::live::AppObjects;
use crate::model::{OperationState, ResourceResult, SyncResult};
use crate::tracking::ObjectKey;

/// Marks a hook object with the operation that created it.
pub const SYNC_ID_ANNOTATION: &str = "berth.dev/sync-id";

/// One object the sync must apply (tracking annotation and namespace already set).
#[derive(Debug, Clone)]
pub struct Target {
    pub key: ObjectKey,
    pub object: Value,
}

/// What one step needs.
pub struct SyncContext<'a> {
    pub cluster: &'a Cluster,
    pub targets: &'a [Target],
    pub live: &'a AppObjects,
    /// Keys of targets that are already in sync (for `ApplyOutOfSyncOnly`).
    pub in_sync: &'a HashMap<ObjectKey, bool>,
    pub prune: bool,
    pub dry_run: bool,
    pub options: SyncOptions,
    /// Unique per operation: written on hooks so a resumed sync recognises its own.
    pub sync_id: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// Call again after this long (or sooner, when a watched object changes).
    Running(Duration),
    Succeeded(String),
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TaskKind {
    Apply,
    Hook(SyncPhase),
    Prune,
}

struct PlannedTask {
    key: ObjectKey,
    kind: TaskKind,
    object: Value,
}

/// Result entries are keyed by object and, for hooks, the phase.
fn result_key(r: &ResourceResult) -> (ObjectKey, String) {
    (
        ObjectKey {
            group: r.group.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        },
        r.hook_type.clone(),
    )
}

fn hook_type_name(kind: TaskKind) -> String {
    match kind {
        TaskKind::Hook(phase) => phase.as_str().to_string(),
        _ => String::new(),
    }
}

fn plan(ctx: &SyncContext<'_>) -> Result<(Vec<PlannedTask>, Vec<SyncTask>), String> {
    let mut planned = Vec::new();
    let mut keys = Vec::new();
    let mut wanted = std::collections::HashSet::new();
    for target in ctx.targets {
        wanted.insert(target.key.clone());
        if is_skip(&target.object) || is_ignored_hook(&target.object) {
            continue;
        }
        if is_hook(&target.object) {
            if ctx.dry_run {
                continue;
            }
            for phase in sync_phases(&target.object) {
                if matches!(
                    phase,
                    SyncPhase::PreSync | SyncPhase::Sync | SyncPhase::PostSync
                ) {
                    let id = planned.len();
                    keys.push(task_key(id, phase, &target.object)?);
                    planned.push(PlannedTask {
                        key: target.key.clone(),
                        kind: TaskKind::Hook(phase),
                        object: target.object.clone(),
                    });
                }
            }
            continue;
        }
        let id = planned.len();
        keys.push(task_key(id, SyncPhase::Sync, &target.object)?);
        planned.push(PlannedTask {
            key: target.key.clone(),
            kind: TaskKind::Apply,
            object: target.object.clone(),
        });
    }
    if ctx.prune {
        let mut live: Vec<(&ObjectKey, &std::sync::Arc<Value>)> = ctx.live.iter().collect();
        live.sort_by(|a, b| a.0.cmp(b.0));
        for (key, obj) in live {
            if wanted.contains(key) || is_hook(obj) || !may_prune(&ctx.options, obj) {
                continue;
            }
            let id = planned.len();
            keys.push(SyncTask::prune(id, obj).map_err(|e| format!("{key}: {e}"))?);
            planned.push(PlannedTask {
                key: key.clone(),
                kind: TaskKind::Prune,
                object: (**obj).clone(),
            });
        }
    }
    order_tasks(&mut keys, ctx.options.prune_last.unwrap_or(false));
    Ok((planned, keys))
}

fn task_key(id: usize, phase: SyncPhase, obj: &Value) -> Result<SyncTask, String> {
    SyncTask::apply(id, phase, obj).map_err(|e| e.to_string())
}

/// `Prune=false` (on the app or the object) keeps an object; `Prune=confirm` waits for a
/// person, which Berth treats as "not now".
pub fn may_prune(app: &SyncOptions, live: &Value) -> bool {
    let options = app.overlay(&SyncOptions::from_annotation(live));
    matches!(
        options.prune.unwrap_or_default(),
        berth_kube::RemovalPolicy::Allow
    )
}

/// Where a task stands in this operation.
enum TaskState {
    /// Not started: apply, create or delete it now.
    Pending,
    /// Started; waiting for health, completion or deletion.
    Waiting(String),
    Done,
    Failed(String),
}

/// Runs the next piece of the operation and records results in `state`.
pub async fn step(ctx: &SyncContext<'_>, state: &mut OperationState) -> StepOutcome {
    let (planned, order) = match plan(ctx) {
        Ok(p) => p,
        Err(message) => return StepOutcome::Failed(message),
    };
    let result = state.sync_result.get_or_insert_with(SyncResult::default);
    let mut recorded: HashMap<(ObjectKey, String), usize> = result
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (result_key(r), i))
        .collect();

    // Group the ordered tasks by (phase, wave); run the first group that is not done.
    let mut groups: Vec<Vec<&SyncTask>> = Vec::new();
    let mut last: Option<(SyncPhase, i32)> = None;
    for task in &order {
        if last != Some((task.phase, task.wave)) {
            groups.push(Vec::new());
            last = Some((task.phase, task.wave));
        }
        if let Some(group) = groups.last_mut() {
            group.push(task);
        }
    }
    let group_count = groups.len();
    for (index, tasks) in groups.iter().enumerate() {
        // Health gates the next wave; after the last one the operation is done (health
        // is reported on its own, as in Argo CD).
        let gate_on_health = index + 1 < group_count;
        let mut pending = Vec::new();
        let mut waiting = Vec::new();
        for task in tasks {
            let Some(p) = planned.get(task.id) else {
                continue;
            };
            let rkey = (p.key.clone(), hook_type_name(p.kind));
            let entry = recorded.get(&rkey).map(|i| &result.resources[*i]);
            let state = task_state(ctx, p, entry, gate_on_health);
            // Record a hook's outcome as soon as it is seen, for `app get` and the history.
            if let (TaskKind::Hook(_), Some(i)) = (p.kind, recorded.get(&rkey)) {
                let phase = match &state {
                    TaskState::Done => Some("Succeeded"),
                    TaskState::Failed(_) => Some("Failed"),
                    _ => None,
                };
                if let (Some(phase), Some(entry)) = (phase, result.resources.get_mut(*i)) {
                    entry.hook_phase = phase.to_string();
                }
            }
            match state {
                TaskState::Done => {}
                TaskState::Pending => pending.push((task, p)),
                TaskState::Waiting(why) => waiting.push(why),
                TaskState::Failed(message) => {
                    return StepOutcome::Failed(format!("{}: {message}", p.key));
                }
            }
        }
        if !pending.is_empty() {
            let mut failures = Vec::new();
            for (task, p) in pending {
                let outcome = execute(ctx, p).await;
                let entry = ResourceResult {
                    group: p.key.group.clone(),
                    version: api_version_of(&p.object),
                    kind: p.key.kind.clone(),
                    namespace: p.key.namespace.clone(),
                    name: p.key.name.clone(),
                    status: match (&outcome, p.kind) {
                        (Ok(_), TaskKind::Prune) => "Pruned".into(),
                        (Ok(_), _) => "Synced".into(),
                        (Err(_), _) => "SyncFailed".into(),
                    },
                    message: match &outcome {
                        Ok(m) => m.clone(),
                        Err(m) => m.clone(),
                    },
                    hook_type: hook_type_name(p.kind),
                    hook_phase: match (&outcome, p.kind) {
                        (Ok(_), TaskKind::Hook(_)) => "Running".into(),
                        (Err(_), TaskKind::Hook(_)) => "Failed".into(),
                        _ => String::new(),
                    },
                    sync_phase: task.phase.as_str().to_string(),
                    sync_wave: i64::from(task.wave),
                };
                if let Err(m) = &outcome {
                    failures.push(format!("{}: {m}", p.key));
                }
                let rkey = (p.key.clone(), entry.hook_type.clone());
                match recorded.get(&rkey) {
                    Some(i) => result.resources[*i] = entry,
                    None => {
                        recorded.insert(rkey, result.resources.len());
                        result.resources.push(entry);
                    }
                }
            }
            if !failures.is_empty() {
                return StepOutcome::Failed(failures.join("; "));
            }
            if ctx.dry_run {
                continue;
            }
            return StepOutcome::Running(Duration::from_millis(500));
        }
        if !waiting.is_empty() {
            state.message = format!("waiting for {}", waiting.join(", "));
            return StepOutcome::Running(Duration::from_secs(1));
        }
        // A finished hook with HookSucceeded is removed once its group is done.
        for task in tasks {
            if let Some(p) = planned.get(task.id) {
                if matches!(p.kind, TaskKind::Hook(_))
                    && hook_delete_policies(&p.object).contains(&HookDeletePolicy::HookSucceeded)
                    && ctx.live.contains_key(&p.key)
                {
                    let _ = ctx
                        .cluster
                        .delete(
                            &gvk_of(&p.object),
                            &p.key.namespace,
                            &p.key.name,
                            "background",
                        )
                        .await;
                }
            }
        }
    }
    let applied = result
        .resources
        .iter()
        .filter(|r| r.status == "Synced" && r.hook_type.is_empty())
        .count();
    let pruned = result
        .resources
        .iter()
        .filter(|r| r.status == "Pruned")
        .count();
    let mut message = if ctx.dry_run {
        format!("dry run: {applied} resources would be applied")
    } else {
        "successfully synced (all tasks run)".to_string()
    };
    if pruned > 0 {
        message.push_str(&format!(", {pruned} pruned"));
    }
    StepOutcome::Succeeded(message)
}

fn api_version_of(obj: &Value) -> String {
    let v = obj["apiVersion"].as_str().unwrap_or_default();
    v.rsplit('/').next().unwrap_or(v).to_string()
}

fn task_state(
    ctx: &SyncContext<'_>,
    p: &PlannedTask,
    entry: Option<&ResourceResult>,
    gate_on_health: bool,
) -> TaskState {
    let live = ctx.live.get(&p.key);
    match p.kind {
        TaskKind::Apply => {
            let Some(entry) = entry else {
                if ctx.options.apply_out_of_sync_only.unwrap_or(false)
                    && ctx.in_sync.get(&p.key).copied().unwrap_or(false)
                {
                    return TaskState::Done;
                }
                return TaskState::Pending;
            };
            if entry.status == "SyncFailed" {
                return TaskState::Failed(entry.message.clone());
            }
            if ctx.dry_run || !gate_on_health {
                return TaskState::Done;
            }
            let Some(live) = live else {
                return TaskState::Waiting(format!("{} to appear", p.key));
            };
            // Not healthy (Degraded included) holds the next wave back, as in Argo CD;
            // the operation stays running until it is healthy or someone intervenes.
            match health_of(live) {
                HealthState::Healthy | HealthState::None => TaskState::Done,
                HealthState::Degraded(m) | HealthState::Progressing(m) => {
                    TaskState::Waiting(if m.is_empty() {
                        format!("healthy state of {}", p.key)
                    } else {
                        format!("healthy state of {} ({m})", p.key)
                    })
                }
            }
        }
        TaskKind::Prune => match entry {
            None => TaskState::Pending,
            Some(e) if e.status == "SyncFailed" => TaskState::Failed(e.message.clone()),
            Some(_) if live.is_some() => TaskState::Waiting(format!("{} to be deleted", p.key)),
            Some(_) => TaskState::Done,
        },
        TaskKind::Hook(_) => {
            let mine = live.filter(|l| {
                l["metadata"]["annotations"][SYNC_ID_ANNOTATION].as_str() == Some(ctx.sync_id)
            });
            match (entry, mine) {
                (Some(e), _) if e.hook_phase == "Failed" => TaskState::Failed(e.message.clone()),
                (Some(e), _) if e.hook_phase == "Succeeded" => TaskState::Done,
                (_, Some(live)) => match hook_phase(live) {
                    HookPhase::Succeeded => TaskState::Done,
                    HookPhase::Failed(m) => TaskState::Failed(format!("hook failed: {m}")),
                    HookPhase::Running => TaskState::Waiting(format!("hook {} to finish", p.key)),
                },
                // Recorded as started but not seen yet: the watch may lag behind the create.
                (Some(e), None) if e.hook_phase == "Running" => {
                    TaskState::Waiting(format!("hook {} to appear", p.key))
                }
                _ => TaskState::Pending,
            }
        }
    }
}

enum HookPhase {
    Running,
    Succeeded,
    Failed(String),
}

fn hook_phase(live: &Value) -> HookPhase {
    let kind = live["kind"].as_str().unwrap_or_default();
    let condition = |t: &str| {
        live["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"].as_str() == Some(t) && c["status"].as_str() == Some("True"))
    };
    match kind {
        "Job" => {
            if let Some(c) = condition("Failed") {
                HookPhase::Failed(c["message"].as_str().unwrap_or("job failed").to_string())
            } else if condition("Complete").is_some() {
                HookPhase::Succeeded
            } else {
                HookPhase::Running
            }
        }
        "Pod" => match live["status"]["phase"].as_str() {
            Some("Succeeded") => HookPhase::Succeeded,
            Some("Failed") => HookPhase::Failed(
                live["status"]["message"]
                    .as_str()
                    .unwrap_or("pod failed")
                    .to_string(),
            ),
            _ => HookPhase::Running,
        },
        _ => match health_of(live) {
            HealthState::Healthy | HealthState::None => HookPhase::Succeeded,
            HealthState::Degraded(m) => HookPhase::Failed(m),
            HealthState::Progressing(_) => HookPhase::Running,
        },
    }
}

/// Applies, creates or deletes; the message is what `syncResult` records.
async fn execute(ctx: &SyncContext<'_>, p: &PlannedTask) -> Result<String, String> {
    let gvk = gvk_of(&p.object);
    let options = ctx
        .options
        .overlay(&SyncOptions::from_annotation(&p.object));
    match p.kind {
        TaskKind::Prune => {
            if ctx.dry_run {
                return Ok("pruned (dry run)".into());
            }
            let policy = options
                .prune_propagation_policy
                .unwrap_or_default()
                .as_str();
            ctx.cluster
                .delete(&gvk, &p.key.namespace, &p.key.name, policy)
                .await
                .map(|_| "pruned".to_string())
                .map_err(|e| e.to_string())
        }
        TaskKind::Hook(_) => {
            if let Some(live) = ctx.live.get(&p.key) {
                let mine = live["metadata"]["annotations"][SYNC_ID_ANNOTATION].as_str()
                    == Some(ctx.sync_id);
                if !mine {
                    // BeforeHookCreation (the default): the old run goes first.
                    ctx.cluster
                        .delete(&gvk, &p.key.namespace, &p.key.name, "background")
                        .await
                        .map_err(|e| e.to_string())?;
                    wait_gone(ctx.cluster, &gvk, &p.key).await?;
                }
            }
            let mut obj = p.object.clone();
            if let Some(meta) = obj["metadata"].as_object_mut() {
                let ann = meta
                    .entry("annotations")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Some(ann) = ann.as_object_mut() {
                    ann.insert(SYNC_ID_ANNOTATION.into(), Value::from(ctx.sync_id));
                }
            }
            ctx.cluster
                .apply(&obj, false)
                .await
                .map(|_| "hook created".to_string())
                .map_err(|e| e.to_string())
        }
        TaskKind::Apply => {
            let replace = options.replace.unwrap_or(false);
            let result = if replace {
                ctx.cluster.replace(&p.object, ctx.dry_run).await
            } else {
                let validate = options.validate.unwrap_or(true);
                ctx.cluster
                    .apply_with(&p.object, ctx.dry_run, validate)
                    .await
            };
            let created = !ctx.live.contains_key(&p.key);
            result
                .map(|_| {
                    let verb = if replace {
                        "replaced"
                    } else if created {
                        "created"
                    } else {
                        "configured"
                    };
                    if ctx.dry_run {
                        format!("{verb} (dry run)")
                    } else {
                        verb.to_string()
                    }
                })
                .map_err(|e| e.to_string())
        }
    }
}

async fn wait_gone(
    cluster: &Cluster,
    gvk: &kube::api::GroupVersionKind,
    key: &ObjectKey,
) -> Result<(), String> {
    for _ in 0..300 {
        match cluster.get(gvk, &key.namespace, &key.name).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err(format!("{key} was not deleted within 30 s"))
}

/// After a failed operation: SyncFail hooks run (created once per operation), and hooks of
/// this operation with `HookFailed` are removed.
pub async fn on_failure(ctx: &SyncContext<'_>) {
    for target in ctx.targets {
        if !is_hook(&target.object) {
            continue;
        }
        let mine = ctx.live.get(&target.key).is_some_and(|l| {
            l["metadata"]["annotations"][SYNC_ID_ANNOTATION].as_str() == Some(ctx.sync_id)
        });
        if sync_phases(&target.object).contains(&SyncPhase::SyncFail) {
            if mine {
                continue;
            }
            let task = PlannedTask {
                key: target.key.clone(),
                kind: TaskKind::Hook(SyncPhase::SyncFail),
                object: target.object.clone(),
            };
            if let Err(e) = execute(ctx, &task).await {
                tracing::warn!(object = %target.key, error = %e, "SyncFail hook not created");
            }
        } else if mine
            && hook_delete_policies(&target.object).contains(&HookDeletePolicy::HookFailed)
        {
            let _ = ctx
                .cluster
                .delete(
                    &gvk_of(&target.object),
                    &target.key.namespace,
                    &target.key.name,
                    "background",
                )
                .await;
        }
    }
}
