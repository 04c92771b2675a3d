//! The Job's status as the controller builds it in one pass: counters, the uncounted pods
//! between "finished" and "counted", completed indexes and conditions.

use super::indexes::IndexSet;
use super::{JOBS, Target, indexed};
use crate::sim::ctx::Ctx;
use berth_kube::{ObjectExt, StatusError};
use serde_json::{Map, Value, json};

pub struct Tally {
    pub start_time: Option<String>,
    pub completion_time: Option<String>,
    pub active: i64,
    pub ready: i64,
    pub terminating: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub completed: IndexSet,
    indexed: bool,
    uncounted_succeeded: Vec<String>,
    uncounted_failed: Vec<String>,
    conditions: Vec<Value>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

impl Tally {
    pub fn of(job: &Value) -> Self {
        let status = job.get("status").cloned().unwrap_or(Value::Null);
        let text = |k: &str| status.get(k).and_then(Value::as_str).map(String::from);
        let number = |k: &str| status.get(k).and_then(Value::as_i64).unwrap_or(0);
        Self {
            start_time: text("startTime"),
            completion_time: text("completionTime"),
            active: number("active"),
            ready: number("ready"),
            terminating: number("terminating"),
            succeeded: number("succeeded"),
            failed: number("failed"),
            completed: IndexSet::parse(
                status
                    .get("completedIndexes")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
            indexed: indexed(job),
            uncounted_succeeded: strings(status.pointer("/uncountedTerminatedPods/succeeded")),
            uncounted_failed: strings(status.pointer("/uncountedTerminatedPods/failed")),
            conditions: status
                .get("conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The interim condition the Job already has, if any.
    pub fn target(&self) -> Option<Target> {
        self.conditions
            .iter()
            .filter(|c| c.get("status").and_then(Value::as_str) == Some("True"))
            .find_map(|c| {
                let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let kind = match c.get("type").and_then(Value::as_str)? {
                    "FailureTarget" => "FailureTarget",
                    "SuccessCriteriaMet" => "SuccessCriteriaMet",
                    _ => return None,
                };
                Some(Target {
                    kind,
                    reason: text("reason"),
                    message: text("message"),
                })
            })
    }

    pub fn set_condition(&mut self, kind: &str, reason: &str, message: &str, now: &str) {
        self.set_condition_status(kind, "True", reason, message, now);
    }

    /// Sets a condition; its transition time changes only when its status does.
    pub fn set_condition_status(
        &mut self,
        kind: &str,
        status: &str,
        reason: &str,
        message: &str,
        now: &str,
    ) {
        let existing = self
            .conditions
            .iter()
            .position(|c| c.get("type").and_then(Value::as_str) == Some(kind));
        let mut transition = json!(now);
        if let Some(i) = existing {
            let old = &self.conditions[i];
            if old.get("status").and_then(Value::as_str) == Some(status) {
                if old.get("reason").and_then(Value::as_str) == Some(reason) {
                    return;
                }
                transition = old.get("lastTransitionTime").cloned().unwrap_or(transition);
            }
        }
        let condition = json!({
            "type": kind,
            "status": status,
            "reason": reason,
            "message": message,
            "lastProbeTime": now,
            "lastTransitionTime": transition,
        });
        match existing {
            Some(i) => self.conditions[i] = condition,
            None => self.conditions.push(condition),
        }
    }

    fn uncounted(&mut self, how: &str) -> &mut Vec<String> {
        if how == "succeeded" {
            &mut self.uncounted_succeeded
        } else {
            &mut self.uncounted_failed
        }
    }

    /// Lists a finished pod as not yet counted; true when it was new.
    pub fn list_uncounted(&mut self, uid: &str, how: &str) -> bool {
        let list = self.uncounted(how);
        if list.iter().any(|u| u == uid) {
            return false;
        }
        list.push(uid.to_string());
        true
    }

    /// Counts a released pod listed as uncounted; true when it was counted now.
    pub fn count(&mut self, uid: &str, how: &str, index: Option<i64>) -> bool {
        let list = self.uncounted(how);
        let Some(at) = list.iter().position(|u| u == uid) else {
            return false;
        };
        list.remove(at);
        self.add(how, index);
        true
    }

    fn add(&mut self, how: &str, index: Option<i64>) {
        if how == "failed" {
            self.failed += 1;
        } else if self.indexed {
            if let Some(i) = index {
                self.completed.insert(i);
            }
            self.succeeded = self.completed.len() as i64;
        } else {
            self.succeeded += 1;
        }
    }

    /// Counts uncounted pods that no longer carry the finalizer (or no longer exist).
    pub fn count_vanished(&mut self, tracked: &[&str]) {
        for how in ["succeeded", "failed"] {
            let gone: Vec<String> = self
                .uncounted(how)
                .iter()
                .filter(|u| !tracked.contains(&u.as_str()))
                .cloned()
                .collect();
            for uid in gone {
                self.count(&uid, how, None);
            }
        }
    }

    pub fn uncounted_empty(&self) -> bool {
        self.uncounted_succeeded.is_empty() && self.uncounted_failed.is_empty()
    }

    fn to_status(&self) -> Value {
        let mut s = Map::new();
        if let Some(t) = &self.start_time {
            s.insert("startTime".into(), json!(t));
        }
        if let Some(t) = &self.completion_time {
            s.insert("completionTime".into(), json!(t));
        }
        // active, succeeded and failed are omitted at zero; ready and terminating are not.
        if self.active > 0 {
            s.insert("active".into(), json!(self.active));
        }
        s.insert("ready".into(), json!(self.ready));
        if self.succeeded > 0 {
            s.insert("succeeded".into(), json!(self.succeeded));
        }
        if self.failed > 0 {
            s.insert("failed".into(), json!(self.failed));
        }
        s.insert("terminating".into(), json!(self.terminating));
        if self.indexed && !self.completed.is_empty() {
            s.insert("completedIndexes".into(), json!(self.completed.to_string()));
        }
        let mut uncounted = Map::new();
        if !self.uncounted_succeeded.is_empty() {
            uncounted.insert("succeeded".into(), json!(self.uncounted_succeeded));
        }
        if !self.uncounted_failed.is_empty() {
            uncounted.insert("failed".into(), json!(self.uncounted_failed));
        }
        s.insert("uncountedTerminatedPods".into(), Value::Object(uncounted));
        if !self.conditions.is_empty() {
            s.insert("conditions".into(), json!(self.conditions));
        }
        Value::Object(s)
    }

    /// Writes only the uncounted lists, before the pods are released.
    pub fn write_uncounted(
        &self,
        ctx: &Ctx,
        job: &Value,
        component: &str,
    ) -> Result<(), StatusError> {
        let uncounted = self.to_status()["uncountedTerminatedPods"].clone();
        ctx.update_status(
            JOBS,
            job.namespace(),
            job.name(),
            component,
            |mut current| {
                if current.uid() != job.uid() {
                    return None;
                }
                if !current.get("status").is_some_and(Value::is_object) {
                    current["status"] = json!({});
                }
                current["status"]["uncountedTerminatedPods"] = uncounted.clone();
                Some(current)
            },
        )
        .map(|_| ())
    }

    pub fn write(&self, ctx: &Ctx, job: &Value, component: &str) -> Result<(), StatusError> {
        let status = self.to_status();
        ctx.update_status(
            JOBS,
            job.namespace(),
            job.name(),
            component,
            |mut current| {
                if current.uid() != job.uid() || current.get("status") == Some(&status) {
                    return None;
                }
                current["status"] = status.clone();
                Some(current)
            },
        )
        .map(|_| ())
    }
}
