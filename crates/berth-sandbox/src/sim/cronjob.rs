//! The CronJob controller (`pkg/controller/cronjob`): creates a Job for each scheduled time
//! (`concurrencyPolicy` Allow / Forbid / Replace, `suspend`, `startingDeadlineSeconds`), keeps
//! `status.active`, `lastScheduleTime` and `lastSuccessfulTime`, and trims finished Jobs to
//! the history limits.
//!
//! Time runs on a virtual clock so schedules keep their meaning at any time scale: for each
//! CronJob, virtual time = created + (real now − created) / time_scale, anchored at its
//! `creationTimestamp`. At 0.05 a `* * * * *` schedule fires every 3 real seconds. The schedule,
//! `startingDeadlineSeconds`, the Job name `<cronjob>-<scheduled minutes since epoch>` and the
//! annotation `batch.kubernetes.io/cronjob-scheduled-timestamp` are in virtual time (so names
//! stay unique and read as the schedule intends); `lastScheduleTime` and `lastSuccessfulTime`
//! are real wall-clock times, so the ages kubectl and Argo CD print are right. At time scale 1
//! both clocks agree. `spec.timeZone` is ignored: schedules are in UTC.

pub(crate) mod schedule;

use super::ctx::{CRONJOBS, Ctx, JOBS, Res, controller_named, owner_reference};
use super::events::Level;
use super::job::{finished, now_secs};
use super::pods;
use crate::cluster::Propagation;
use crate::store::EventType;
use berth_kube::{ObjectExt, rfc3339_from_unix, unix_from_rfc3339};
use schedule::Schedule;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::Duration;

const COMPONENT: &str = "cronjob-controller";
const SCHEDULED_ANNOTATION: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// How many missed times one pass walks through looking for the latest (a week of minutes
/// is about 10,000, so only a very long pause runs out of steps).
const MAX_WALK: usize = 100_000;

#[derive(Default)]
pub struct CronJobController {
    /// The latest virtual time each CronJob (by uid) has dealt with.
    handled: HashMap<String, i64>,
}

impl super::runtime::Reconciler for CronJobController {
    fn name(&self) -> &'static str {
        "cronjob"
    }

    fn watches(&self) -> &'static [Res] {
        &[CRONJOBS, JOBS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == CRONJOBS {
            if event == EventType::Deleted {
                self.handled.remove(obj.uid());
            }
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        } else if let Some(owner) = controller_named(obj, "CronJob") {
            out.push((obj.namespace().to_string(), owner.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let cj = ctx.get(CRONJOBS, namespace, name)?;
        if cj.deletion_timestamp().is_some() {
            return None;
        }
        let text = cj
            .pointer("/spec/schedule")
            .and_then(Value::as_str)
            .unwrap_or("");
        let schedule = match Schedule::parse(text) {
            Ok(s) => s,
            Err(e) => {
                let message = format!("unparseable schedule: {text:?} : {e}");
                ctx.event(
                    &cj,
                    Level::Warning,
                    "UnparseableSchedule",
                    &message,
                    COMPONENT,
                );
                return None;
            }
        };
        let jobs = ctx.controlled_by(cj.uid(), JOBS);
        let mut status = Status::of(&cj);
        status.observe(ctx, &cj, &jobs);
        trim_history(ctx, &cj, &jobs);
        let clock = Clock::of(&cj, ctx.config.time_scale);
        let now = clock.virtual_at(now_secs());
        let next = self.run_due(ctx, &cj, &schedule, &clock, now, &jobs, &mut status);
        if let Err(e) = status.write(ctx, &cj) {
            tracing::debug!("cannot write cronjob {} status: {e}", cj.name());
            return Some(ctx.config.delay(1.0));
        }
        // Called again at the next scheduled time (job changes wake it up anyway).
        next.map(|t| {
            ctx.config
                .delay((t as f64 - now).max(0.0))
                .max(Duration::from_millis(10))
        })
    }
}

/// The CronJob's virtual clock (see the module comment).
struct Clock {
    anchor: f64,
    scale: f64,
}

impl Clock {
    fn of(cj: &Value, scale: f64) -> Self {
        let anchor = cj
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str)
            .and_then(unix_from_rfc3339)
            .map_or_else(now_secs, |t| t as f64);
        Self {
            anchor,
            scale: if scale > 0.0 { scale } else { 1.0 },
        }
    }

    fn virtual_at(&self, real: f64) -> f64 {
        self.anchor + (real - self.anchor) / self.scale
    }

    fn real_at(&self, virtual_time: f64) -> f64 {
        self.anchor + (virtual_time - self.anchor) * self.scale
    }
}

impl CronJobController {
    /// Starts the Job for the latest due time, if any; returns the next scheduled time.
    #[allow(clippy::too_many_arguments)]
    fn run_due(
        &mut self,
        ctx: &Ctx,
        cj: &Value,
        schedule: &Schedule,
        clock: &Clock,
        now: f64,
        jobs: &[Value],
        status: &mut Status,
    ) -> Option<i64> {
        let handled = self
            .handled
            .get(cj.uid())
            .copied()
            .or_else(|| latest_scheduled(jobs))
            .unwrap_or(clock.anchor as i64);
        // Missed times are walked through (bounded); only the latest one runs.
        let mut due = None;
        let mut next = schedule.next_after(handled);
        for _ in 0..MAX_WALK {
            match next {
                Some(t) if t as f64 <= now => {
                    due = Some(t);
                    next = schedule.next_after(t);
                }
                _ => break,
            }
        }
        if cj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
            return None;
        }
        let Some(due) = due else {
            return next;
        };
        let late = now - due as f64;
        let deadline = cj
            .pointer("/spec/startingDeadlineSeconds")
            .and_then(Value::as_i64);
        if deadline.is_some_and(|d| late > d as f64) {
            let message = format!(
                "Missed scheduled time to start a job: {}",
                rfc3339_from_unix(due)
            );
            ctx.event(cj, Level::Warning, "MissSchedule", &message, COMPONENT);
            self.handled.insert(cj.uid().to_string(), due);
            return next;
        }
        let policy = cj
            .pointer("/spec/concurrencyPolicy")
            .and_then(Value::as_str)
            .unwrap_or("Allow");
        if policy == "Forbid" && !status.active.is_empty() {
            // The time stays unhandled: it runs once the active Job ends, deadline permitting.
            let message = "Not starting job because prior execution is running and concurrency policy is Forbid";
            ctx.event(cj, Level::Normal, "JobAlreadyActive", message, COMPONENT);
            return next;
        }
        if policy == "Replace" {
            for job in jobs.iter().filter(|j| !finished(j)) {
                delete_job(ctx, cj, job);
            }
            status.active.clear();
        }
        match create_job(ctx, cj, due) {
            Ok(job) => {
                status.active.push(reference(&job));
                status.last_schedule = Some(rfc3339_from_unix(clock.real_at(due as f64) as i64));
                self.handled.insert(cj.uid().to_string(), due);
            }
            Err(()) => return Some(due),
        }
        next
    }
}

/// The latest scheduled time among the CronJob's Jobs, from their annotation.
fn latest_scheduled(jobs: &[Value]) -> Option<i64> {
    jobs.iter()
        .filter_map(|j| j.annotation(SCHEDULED_ANNOTATION))
        .filter_map(unix_from_rfc3339)
        .max()
}

fn reference(job: &Value) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": job.name(),
        "namespace": job.namespace(),
        "uid": job.uid(),
        "resourceVersion": job.resource_version(),
    })
}

fn create_job(ctx: &Ctx, cj: &Value, scheduled: i64) -> Result<Value, ()> {
    let name = format!("{}-{}", cj.name(), scheduled.div_euclid(60));
    let template = cj
        .pointer("/spec/jobTemplate")
        .cloned()
        .unwrap_or(Value::Null);
    let meta = |field: &str| {
        template
            .pointer(&format!("/metadata/{field}"))
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}))
    };
    let mut annotations = meta("annotations");
    annotations[SCHEDULED_ANNOTATION] = json!(rfc3339_from_unix(scheduled));
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": cj.namespace(),
            "labels": meta("labels"),
            "annotations": annotations,
            "ownerReferences": [owner_reference(cj)],
        },
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    });
    match ctx.create(JOBS, cj.namespace(), job, COMPONENT) {
        Ok(job) => {
            ctx.event(
                cj,
                Level::Normal,
                "SuccessfulCreate",
                &format!("Created job {name}"),
                COMPONENT,
            );
            Ok(job)
        }
        // Created by an earlier pass whose bookkeeping was lost: it is ours all the same.
        Err(e) if e.code == 409 => ctx.get(JOBS, cj.namespace(), &name).ok_or(()),
        Err(e) => {
            let message = format!("Error creating job: {}", e.message);
            ctx.event(cj, Level::Warning, "FailedCreate", &message, COMPONENT);
            Err(())
        }
    }
}

fn delete_job(ctx: &Ctx, cj: &Value, job: &Value) {
    match ctx.delete(
        JOBS,
        job.namespace(),
        job.name(),
        Some(Propagation::Background),
        None,
    ) {
        Ok(()) => ctx.event(
            cj,
            Level::Normal,
            "SuccessfulDelete",
            &format!("Deleted job {}", job.name()),
            COMPONENT,
        ),
        Err(e) => ctx.event(
            cj,
            Level::Warning,
            "FailedDelete",
            &format!("Deleted job: {}", e.message),
            COMPONENT,
        ),
    }
}

/// Deletes the oldest finished Jobs beyond `successfulJobsHistoryLimit` (3) and
/// `failedJobsHistoryLimit` (1).
fn trim_history(ctx: &Ctx, cj: &Value, jobs: &[Value]) {
    for (condition, field, default) in [
        ("Complete", "successfulJobsHistoryLimit", 3),
        ("Failed", "failedJobsHistoryLimit", 1),
    ] {
        let limit = cj
            .pointer(&format!("/spec/{field}"))
            .and_then(Value::as_i64)
            .unwrap_or(default)
            .max(0);
        let mut done: Vec<&Value> = jobs
            .iter()
            .filter(|j| j.deletion_timestamp().is_none() && pods::condition_true(j, condition))
            .collect();
        let excess = done.len() as i64 - limit;
        if excess <= 0 {
            continue;
        }
        done.sort_by_key(|j| {
            let at = |p: &str| {
                j.pointer(p)
                    .and_then(Value::as_str)
                    .and_then(unix_from_rfc3339)
            };
            (
                at("/status/startTime")
                    .or_else(|| at("/metadata/creationTimestamp"))
                    .unwrap_or(0),
                j.name().to_string(),
            )
        });
        for job in done.into_iter().take(excess as usize) {
            delete_job(ctx, cj, job);
        }
    }
}

/// `status.active`, `lastScheduleTime`, `lastSuccessfulTime`.
struct Status {
    active: Vec<Value>,
    last_schedule: Option<String>,
    last_successful: Option<String>,
}

impl Status {
    fn of(cj: &Value) -> Self {
        let text = |p: &str| cj.pointer(p).and_then(Value::as_str).map(String::from);
        Self {
            active: cj
                .pointer("/status/active")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            last_schedule: text("/status/lastScheduleTime"),
            last_successful: text("/status/lastSuccessfulTime"),
        }
    }

    /// Active Jobs are those not finished; a listed one that finished is reported.
    fn observe(&mut self, ctx: &Ctx, cj: &Value, jobs: &[Value]) {
        let listed = |job: &Value| {
            self.active
                .iter()
                .any(|r| r.get("uid").and_then(Value::as_str) == Some(job.uid()))
        };
        let mut active = Vec::new();
        for job in jobs {
            if !finished(job) {
                active.push(reference(job));
                continue;
            }
            if !listed(job) {
                continue;
            }
            let condition = if pods::condition_true(job, "Complete") {
                "Complete"
            } else {
                "Failed"
            };
            let message = format!("Saw completed job: {}, condition: {condition}", job.name());
            ctx.event(cj, Level::Normal, "SawCompletedJob", &message, COMPONENT);
            if condition == "Complete" {
                let completed = job
                    .pointer("/status/completionTime")
                    .and_then(Value::as_str);
                let newer = |t: &str| {
                    self.last_successful
                        .as_deref()
                        .and_then(unix_from_rfc3339)
                        .is_none_or(|old| unix_from_rfc3339(t).is_some_and(|new| new > old))
                };
                if let Some(t) = completed.filter(|t| newer(t)) {
                    self.last_successful = Some(t.to_string());
                }
            }
        }
        self.active = active;
    }

    fn to_value(&self) -> Value {
        let mut s = Map::new();
        if !self.active.is_empty() {
            s.insert("active".into(), json!(self.active));
        }
        if let Some(t) = &self.last_schedule {
            s.insert("lastScheduleTime".into(), json!(t));
        }
        if let Some(t) = &self.last_successful {
            s.insert("lastSuccessfulTime".into(), json!(t));
        }
        Value::Object(s)
    }

    fn write(&self, ctx: &Ctx, cj: &Value) -> Result<(), berth_kube::StatusError> {
        let status = self.to_value();
        ctx.update_status(CRONJOBS, cj.namespace(), cj.name(), COMPONENT, |mut c| {
            if c.uid() != cj.uid() || c.get("status").unwrap_or(&json!({})) == &status {
                return None;
            }
            c["status"] = status.clone();
            Some(c)
        })
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_clock_runs_faster_by_the_time_scale() {
        let cj = json!({"metadata": {"creationTimestamp": "2026-11-26T10:00:00Z"}});
        let clock = Clock::of(&cj, 0.05);
        let created = 1_795_687_200.0;
        assert_eq!(clock.anchor, created);
        // Three real seconds are a virtual minute.
        assert_eq!(clock.virtual_at(created + 3.0), created + 60.0);
        assert_eq!(clock.real_at(created + 60.0), created + 3.0);
        let every_minute = Schedule::parse("* * * * *").expect("valid");
        assert_eq!(
            every_minute.next_after(created as i64),
            Some(created as i64 + 60)
        );
    }

    #[test]
    fn the_latest_scheduled_time_comes_from_the_jobs() {
        let job = |t: &str| json!({"metadata": {"annotations": {SCHEDULED_ANNOTATION: t}}});
        let jobs = [
            job("2026-11-26T10:01:00Z"),
            job("2026-11-26T10:03:00Z"),
            json!({}),
        ];
        assert_eq!(
            latest_scheduled(&jobs).map(rfc3339_from_unix).as_deref(),
            Some("2026-11-26T10:03:00Z")
        );
    }
}
