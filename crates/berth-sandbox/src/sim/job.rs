//! The Job controller (`pkg/controller/job`): runs pods from the template until enough succeed
//! (`completions`, `parallelism`, Indexed or work-queue mode) or the Job fails (`backoffLimit`,
//! `activeDeadlineSeconds`), honours `suspend`, and tracks finished pods the way 1.26+ does:
//! each pod carries the `batch.kubernetes.io/job-tracking` finalizer, a finished pod is first
//! listed in `uncountedTerminatedPods`, then released, then counted. The interim conditions
//! `FailureTarget` / `SuccessCriteriaMet` come first; `Failed` / `Complete` follow once no pod
//! is left terminating. A finished Job with `ttlSecondsAfterFinished` is deleted (foreground,
//! as the TTL-after-finished controller does) once the scaled TTL has passed.

mod indexes;
mod pod_ops;
mod status;

use super::ctx::{Ctx, JOBS, PODS, Res};
use super::events::Level;
use super::pods;
use crate::cluster::Propagation;
use crate::store::EventType;
use berth_kube::{ObjectExt, now_rfc3339, unix_from_rfc3339};
use pod_ops::{create_pod, job_of, outcome, pod_index, release, release_orphans, tracked};
use serde_json::Value;
use status::Tally;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const COMPONENT: &str = "job-controller";
const TTL_COMPONENT: &str = "ttl-after-finished-controller";
const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
const INDEX_KEY: &str = "batch.kubernetes.io/job-completion-index";
/// The pod back-off after failures: 10 s doubling up to 6 min (nominal seconds).
const BACKOFF_BASE_SECONDS: f64 = 10.0;
const BACKOFF_MAX_SECONDS: f64 = 360.0;

#[derive(Default)]
pub struct JobController {
    /// When each Job (by uid) last counted a failed pod, for the re-creation back-off.
    last_failure: HashMap<String, Instant>,
}

impl super::runtime::Reconciler for JobController {
    fn name(&self) -> &'static str {
        "job"
    }

    fn watches(&self) -> &'static [Res] {
        &[JOBS, PODS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == JOBS {
            if event == EventType::Deleted {
                self.last_failure.remove(obj.uid());
            }
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        } else if let Some(job) = job_of(obj) {
            out.push((obj.namespace().to_string(), job.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let Some(job) = ctx.get(JOBS, namespace, name) else {
            release_orphans(ctx, namespace, name);
            return None;
        };
        let owned = ctx.controlled_by(job.uid(), PODS);
        if job.deletion_timestamp().is_some() {
            // The pods go with the Job: nothing is left to count.
            for pod in &owned {
                release(ctx, pod);
            }
            return None;
        }
        if finished(&job) {
            for pod in &owned {
                release(ctx, pod);
            }
            return ttl_after_finished(ctx, &job);
        }
        self.sync(ctx, &job, &owned)
    }
}

/// Whether the Job has its final condition.
pub fn finished(job: &Value) -> bool {
    pods::condition_true(job, "Complete") || pods::condition_true(job, "Failed")
}

/// Seconds since the epoch, with a fraction.
pub fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn spec_i64(job: &Value, field: &str) -> Option<i64> {
    job.pointer(&format!("/spec/{field}"))
        .and_then(Value::as_i64)
}

fn indexed(job: &Value) -> bool {
    job.pointer("/spec/completionMode").and_then(Value::as_str) == Some("Indexed")
}

impl JobController {
    fn sync(&mut self, ctx: &Ctx, job: &Value, owned: &[Value]) -> Option<Duration> {
        let mut tally = Tally::of(job);
        let counted = self.count_finished(ctx, job, owned, &mut tally);
        let active: Vec<&Value> = owned.iter().filter(|p| pods::is_active(p)).collect();
        let terminating = owned
            .iter()
            .filter(|p| p.deletion_timestamp().is_some() && outcome(p).is_none())
            .count();
        tally.active = active.len() as i64;
        tally.ready = active.iter().filter(|p| pods::is_ready(p)).count() as i64;
        tally.terminating = terminating as i64;
        let now = now_rfc3339();
        let mut again: Option<Duration> = (!counted).then(|| ctx.config.delay(1.0));
        let target = tally
            .target()
            .or_else(|| self.new_target(ctx, job, owned, &tally));
        if let Some(target) = target {
            tally.set_condition(target.kind, &target.reason, &target.message, &now);
            for pod in &active {
                ctx.delete_controlled_pod(job, pod, COMPONENT);
            }
            if active.is_empty() && terminating == 0 && tally.uncounted_empty() {
                finish(ctx, job, &mut tally, &target, &now);
            }
        } else if job.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
            for pod in &active {
                ctx.delete_controlled_pod(job, pod, COMPONENT);
            }
            if !pods::condition_true(job, "Suspended") {
                ctx.event(job, Level::Normal, "Suspended", "Job suspended", COMPONENT);
            }
            tally.set_condition_status("Suspended", "True", "JobSuspended", "Job suspended", &now);
        } else {
            if pods::condition_true(job, "Suspended") {
                ctx.event(job, Level::Normal, "Resumed", "Job resumed", COMPONENT);
                tally.set_condition_status("Suspended", "False", "JobResumed", "Job resumed", &now);
                tally.start_time = Some(now.clone());
            }
            if tally.start_time.is_none() {
                tally.start_time = Some(now.clone());
            }
            let wait = self.create_needed(ctx, job, &active, &tally);
            again = earliest(again, wait);
            again = earliest(again, deadline_left(ctx, job, &tally));
        }
        if let Err(e) = tally.write(ctx, job, COMPONENT) {
            tracing::debug!("cannot write job {} status: {e}", job.name());
            again = earliest(again, Some(ctx.config.delay(1.0)));
        }
        again
    }

    /// Lists newly finished pods as uncounted, releases them, then counts them. Returns false
    /// when a write failed (the rest is retried later).
    fn count_finished(
        &mut self,
        ctx: &Ctx,
        job: &Value,
        owned: &[Value],
        tally: &mut Tally,
    ) -> bool {
        let finished: Vec<(&Value, &'static str)> = owned
            .iter()
            .filter(|p| tracked(p))
            .filter_map(|p| outcome(p).map(|o| (p, o)))
            .collect();
        let mut listed = false;
        for (pod, how) in &finished {
            listed |= tally.list_uncounted(pod.uid(), how);
        }
        if listed && tally.write_uncounted(ctx, job, COMPONENT).is_err() {
            return false;
        }
        let mut ok = true;
        for (pod, how) in &finished {
            if !release(ctx, pod) {
                ok = false;
                continue;
            }
            if tally.count(pod.uid(), how, pod_index(pod)) && *how == "failed" {
                self.last_failure
                    .insert(job.uid().to_string(), Instant::now());
            }
        }
        // Listed pods that are gone were released by an earlier pass that could not count.
        let present: Vec<&str> = owned
            .iter()
            .filter(|p| tracked(p))
            .map(|p| p.uid())
            .collect();
        tally.count_vanished(&present);
        ok
    }

    /// The terminal condition the Job has just earned, if any.
    fn new_target(&self, ctx: &Ctx, job: &Value, owned: &[Value], tally: &Tally) -> Option<Target> {
        let backoff_limit = spec_i64(job, "backoffLimit").unwrap_or(6);
        if tally.failed > backoff_limit || restarts_past_limit(job, owned, backoff_limit) {
            return Some(Target::failure(
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            ));
        }
        if deadline_left(ctx, job, tally) == Some(Duration::ZERO) {
            return Some(Target::failure(
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
            ));
        }
        let succeeded = match spec_i64(job, "completions") {
            Some(completions) if indexed(job) => tally.completed.len() as i64 >= completions,
            Some(completions) => tally.succeeded >= completions,
            // A work queue is done once one pod succeeded and none is left running.
            None => tally.succeeded > 0 && tally.active == 0,
        };
        succeeded.then(Target::success)
    }

    /// Creates the pods still wanted; returns how long the failure back-off still holds.
    fn create_needed(
        &self,
        ctx: &Ctx,
        job: &Value,
        active: &[&Value],
        tally: &Tally,
    ) -> Option<Duration> {
        let parallelism = spec_i64(job, "parallelism").unwrap_or(1).max(0);
        let completions = spec_i64(job, "completions");
        let running = active.len() as i64;
        let indexes: Vec<Option<i64>> = if indexed(job) {
            let busy: Vec<i64> = active.iter().filter_map(|p| pod_index(p)).collect();
            let pending = (0..completions.unwrap_or(0).max(0))
                .filter(|i| !tally.completed.contains(*i) && !busy.contains(i));
            pending
                .take((parallelism - running).max(0) as usize)
                .map(Some)
                .collect()
        } else {
            let want = match completions {
                Some(c) => parallelism.min(c - tally.succeeded),
                None if tally.succeeded > 0 => running,
                None => parallelism,
            };
            vec![None; (want - running).max(0) as usize]
        };
        if indexes.is_empty() {
            return None;
        }
        if tally.failed > 0 {
            let nominal = (BACKOFF_BASE_SECONDS * 2f64.powi((tally.failed - 1).min(16) as i32))
                .min(BACKOFF_MAX_SECONDS);
            let backoff = ctx.config.delay(nominal);
            let elapsed = self.last_failure.get(job.uid()).map(Instant::elapsed);
            if let Some(elapsed) = elapsed.filter(|e| *e < backoff) {
                return Some(backoff - elapsed);
            }
        }
        for index in indexes {
            if !create_pod(ctx, job, index) {
                return Some(ctx.config.delay(5.0));
            }
        }
        None
    }
}

/// A wait in seconds as a duration: never negative, never a panic on NaN or overflow.
fn seconds(secs: f64) -> Duration {
    if secs.is_finite() {
        Duration::from_secs_f64(secs.clamp(0.0, 1e9))
    } else {
        Duration::ZERO
    }
}

fn earliest(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// With restartPolicy OnFailure pods never fail: the kubelet restarts their containers, and
/// those restarts (in pods still Pending or Running) count against the backoff limit.
fn restarts_past_limit(job: &Value, owned: &[Value], backoff_limit: i64) -> bool {
    let policy = job
        .pointer("/spec/template/spec/restartPolicy")
        .and_then(Value::as_str);
    if policy != Some("OnFailure") {
        return false;
    }
    let restarts: i64 = owned
        .iter()
        .filter(|p| matches!(pods::phase(p), "Pending" | "Running"))
        .flat_map(|p| {
            ["initContainerStatuses", "containerStatuses"]
                .into_iter()
                .flat_map(move |list| {
                    p.pointer(&format!("/status/{list}"))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
                })
        })
        .sum();
    if backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= backoff_limit
    }
}

/// How long the Job may still run under `activeDeadlineSeconds` (scaled); zero once over.
fn deadline_left(ctx: &Ctx, job: &Value, tally: &Tally) -> Option<Duration> {
    let deadline = spec_i64(job, "activeDeadlineSeconds")?;
    let started = tally.start_time.as_deref().and_then(unix_from_rfc3339)?;
    let limit = deadline as f64 * ctx.config.time_scale;
    Some(seconds(started as f64 + limit - now_secs()))
}

/// The condition a Job moves towards before its final one.
struct Target {
    kind: &'static str,
    reason: String,
    message: String,
}

impl Target {
    fn failure(reason: &str, message: &str) -> Self {
        Self {
            kind: "FailureTarget",
            reason: reason.into(),
            message: message.into(),
        }
    }

    fn success() -> Self {
        Self {
            kind: "SuccessCriteriaMet",
            reason: "CompletionsReached".into(),
            message: "Reached expected number of succeeded pods".into(),
        }
    }
}

fn finish(ctx: &Ctx, job: &Value, tally: &mut Tally, target: &Target, now: &str) {
    if target.kind == "SuccessCriteriaMet" {
        tally.set_condition("Complete", &target.reason, &target.message, now);
        tally.completion_time = Some(now.to_string());
        ctx.event(job, Level::Normal, "Completed", "Job completed", COMPONENT);
    } else {
        tally.set_condition("Failed", &target.reason, &target.message, now);
        ctx.event(
            job,
            Level::Warning,
            &target.reason,
            &target.message,
            COMPONENT,
        );
    }
}

/// Deletes a finished Job once its (scaled) `ttlSecondsAfterFinished` has passed.
fn ttl_after_finished(ctx: &Ctx, job: &Value) -> Option<Duration> {
    let ttl = spec_i64(job, "ttlSecondsAfterFinished")?;
    let finished_at = job
        .pointer("/status/completionTime")
        .and_then(Value::as_str)
        .or_else(|| {
            pods::condition(job, "Failed")
                .and_then(|c| c.get("lastTransitionTime"))
                .and_then(Value::as_str)
        })
        .and_then(unix_from_rfc3339)?;
    let left = seconds(finished_at as f64 + ttl as f64 * ctx.config.time_scale - now_secs());
    if !left.is_zero() {
        return Some(left);
    }
    if let Err(e) = ctx.delete(
        JOBS,
        job.namespace(),
        job.name(),
        Some(Propagation::Foreground),
        None,
    ) {
        tracing::debug!("{TTL_COMPONENT} cannot delete job {}: {e}", job.name());
        return Some(ctx.config.delay(5.0));
    }
    None
}
