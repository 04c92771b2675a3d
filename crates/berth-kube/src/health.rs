//! Health of live objects and of an application, with Argo CD's rules and wording.
//!
//! [`resource_health`] assesses one object by group and kind (the built-in checks of Argo
//! CD's gitops-engine, its CronJob rule, and a child Application's own reported health);
//! kinds without a rule have no health. [`app_health`] rolls the resources of an application
//! up into one status, skipping hooks, resources that opt out, and missing ones.

use crate::object::{ObjectExt, unix_from_rfc3339};
use crate::sync_order::{has_hook_finalizer, is_hook, is_ignored_hook, is_skip};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Set to `"true"` on a resource to leave it out of the application's health.
pub const ANNOTATION_IGNORE_HEALTHCHECK: &str = "argocd.argoproj.io/ignore-healthcheck";
/// Set to `"true"` on a non-hook Pod whose restart policy is Never or OnFailure to assess it
/// as a long-running pod.
pub const ANNOTATION_IGNORE_RESTART_POLICY: &str = "argocd.argoproj.io/ignore-restart-policy";
/// The annotation in which autoscaling/v1 HorizontalPodAutoscalers carry their conditions.
pub const ANNOTATION_HPA_CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";

/// A health status. The variants are declared from most to least healthy, so `Ord` and
/// `max` follow Argo CD's severity order: Healthy < Suspended < Progressing < Missing <
/// Degraded < Unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HealthStatus {
    /// Fully healthy.
    Healthy,
    /// Suspended or paused (a paused Deployment, a suspended Job).
    Suspended,
    /// Not healthy yet, but may still get there.
    Progressing,
    /// Not in the cluster.
    Missing,
    /// Failed, or cannot become healthy without a change.
    Degraded,
    /// The assessment failed.
    Unknown,
}

impl HealthStatus {
    /// Whether `self` is a worse condition than `than` (Argo CD's `IsWorse(than, self)`).
    pub fn is_worse(self, than: HealthStatus) -> bool {
        self > than
    }

    /// The name as Argo CD writes it: `Healthy`, `Progressing`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "Healthy",
            HealthStatus::Suspended => "Suspended",
            HealthStatus::Progressing => "Progressing",
            HealthStatus::Missing => "Missing",
            HealthStatus::Degraded => "Degraded",
            HealthStatus::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is not one of the six health status names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a health status (Healthy, Suspended, Progressing, Missing, Degraded, Unknown)"
)]
pub struct UnknownHealthStatus(pub String);

impl FromStr for HealthStatus {
    type Err = UnknownHealthStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "Healthy" => HealthStatus::Healthy,
            "Suspended" => HealthStatus::Suspended,
            "Progressing" => HealthStatus::Progressing,
            "Missing" => HealthStatus::Missing,
            "Degraded" => HealthStatus::Degraded,
            "Unknown" => HealthStatus::Unknown,
            _ => return Err(UnknownHealthStatus(s.to_string())),
        })
    }
}

/// The health of one object: a status and a message for people (may be empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Health {
    pub fn new(status: HealthStatus, message: impl Into<String>) -> Health {
        Health {
            status,
            message: message.into(),
        }
    }
}

fn health(status: HealthStatus, message: impl Into<String>) -> Option<Health> {
    Some(Health::new(status, message))
}

/// The health of a live object, or `None` when no rule covers its kind.
///
/// An object being deleted (with a valid `deletionTimestamp`) is Progressing "Pending
/// deletion", unless it is a hook held by Argo's hook finalizer. Otherwise the rule of its
/// group and kind applies: apps Deployment, StatefulSet, DaemonSet, ReplicaSet; batch Job and CronJob;
/// core Pod, Service, PersistentVolumeClaim; Ingress (extensions and networking.k8s.io);
/// autoscaling HorizontalPodAutoscaler; apiregistration.k8s.io APIService; argoproj.io
/// Workflow and Application. A field of the wrong type, or an unsupported version of a
/// versioned rule, gives Unknown with the reason.
pub fn resource_health(obj: &Value) -> Option<Health> {
    let deleting = obj
        .deletion_timestamp()
        .is_some_and(|t| unix_from_rfc3339(t).is_some());
    if deleting && !has_hook_finalizer(obj) {
        return health(HealthStatus::Progressing, "Pending deletion");
    }
    let api_version = obj.api_version();
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    let check: fn(&Value) -> Result<Health, String> = match (group, obj.kind()) {
        ("apps", "Deployment") => deployment,
        ("apps", "StatefulSet") => stateful_set,
        ("apps", "ReplicaSet") => replica_set,
        ("apps", "DaemonSet") => daemon_set,
        ("extensions" | "networking.k8s.io", "Ingress") => ingress,
        ("argoproj.io", "Workflow") => workflow,
        ("argoproj.io", "Application") => application,
        ("apiregistration.k8s.io", "APIService") => api_service,
        ("", "Service") => service,
        ("", "PersistentVolumeClaim") => pvc,
        ("", "Pod") => pod,
        ("batch", "Job") => job,
        ("batch", "CronJob") => cron_job,
        ("autoscaling", "HorizontalPodAutoscaler") => hpa,
        _ => return None,
    };
    Some(check(obj).unwrap_or_else(|message| Health::new(HealthStatus::Unknown, message)))
}

/// Typed reads of an unstructured object, failing as Argo CD's conversion to the typed
/// object would when a field has the wrong type.
struct Typed<'a> {
    obj: &'a Value,
    kind: &'static str,
}

impl<'a> Typed<'a> {
    /// Checks the version is one the rule supports.
    fn new(obj: &'a Value, kind: &'static str, versions: &[&str]) -> Result<Self, String> {
        let api_version = obj.api_version();
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        if versions.contains(&version) {
            Ok(Typed { obj, kind })
        } else {
            Err(format!(
                "unsupported {kind} GVK: {group}/{version}, Kind={}",
                obj.kind()
            ))
        }
    }

    fn fail(&self, path: &str, want: &str, got: &Value) -> String {
        format!(
            "failed to convert unstructured {} to typed: {path}: expected {want}, got {got}",
            self.kind
        )
    }

    fn at(&self, path: &str) -> Option<&'a Value> {
        value_at(self.obj, path)
    }

    fn opt_int(&self, path: &str) -> Result<Option<i64>, String> {
        match self.at(path) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => as_int(v)
                .map(Some)
                .ok_or_else(|| self.fail(path, "an integer", v)),
        }
    }

    fn int(&self, path: &str) -> Result<i64, String> {
        Ok(self.opt_int(path)?.unwrap_or(0))
    }

    fn str(&self, path: &str) -> Result<&'a str, String> {
        match self.at(path) {
            None | Some(Value::Null) => Ok(""),
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(self.fail(path, "a string", v)),
        }
    }

    fn bool(&self, path: &str) -> Result<bool, String> {
        match self.at(path) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(self.fail(path, "a boolean", v)),
        }
    }

    fn array(&self, path: &str) -> Result<&'a [Value], String> {
        match self.at(path) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(v) => Err(self.fail(path, "a list", v)),
        }
    }

    /// Reads a field of an element of a list (`path` names the list for messages).
    fn item_str(&self, item: &'a Value, path: &str, field: &str) -> Result<&'a str, String> {
        match value_at(item, field) {
            None | Some(Value::Null) => Ok(""),
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(self.fail(&format!("{path}[].{field}"), "a string", v)),
        }
    }

    fn item_int(&self, item: &'a Value, path: &str, field: &str) -> Result<i64, String> {
        match value_at(item, field) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => {
                as_int(v).ok_or_else(|| self.fail(&format!("{path}[].{field}"), "an integer", v))
            }
        }
    }

    /// The conditions list, each as (type, status, reason, message).
    fn conditions(&self, path: &str) -> Result<Vec<Condition<'a>>, String> {
        self.array(path)?
            .iter()
            .map(|c| {
                Ok(Condition {
                    kind: self.item_str(c, path, "type")?,
                    status: self.item_str(c, path, "status")?,
                    reason: self.item_str(c, path, "reason")?,
                    message: self.item_str(c, path, "message")?,
                })
            })
            .collect()
    }
}

struct Condition<'a> {
    kind: &'a str,
    status: &'a str,
    reason: &'a str,
    message: &'a str,
}

fn value_at<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |v, key| v.get(key))
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

fn deployment(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    let d = Typed::new(obj, "Deployment", &["v1"])?;
    if d.bool("spec.paused")? {
        return Ok(Health::new(Suspended, "Deployment is paused"));
    }
    let generation = d.int("metadata.generation")?;
    let observed = d.int("status.observedGeneration")?;
    if generation > observed {
        return Ok(Health::new(
            Progressing,
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        ));
    }
    let replicas = d.opt_int("spec.replicas")?;
    let status_replicas = d.int("status.replicas")?;
    let updated = d.int("status.updatedReplicas")?;
    let available = d.int("status.availableReplicas")?;
    let progressing = d
        .conditions("status.conditions")?
        .into_iter()
        .find(|c| c.kind == "Progressing");
    if progressing.is_some_and(|c| c.reason == "ProgressDeadlineExceeded") {
        return Ok(Health::new(
            Degraded,
            format!("Deployment {:?} exceeded its progress deadline", obj.name()),
        ));
    }
    if let Some(want) = replicas.filter(|want| updated < *want) {
        return Ok(Health::new(
            Progressing,
            format!(
                "Waiting for rollout to finish: {updated} out of {want} new replicas have been updated..."
            ),
        ));
    }
    if status_replicas > updated {
        return Ok(Health::new(
            Progressing,
            format!(
                "Waiting for rollout to finish: {} old replicas are pending termination...",
                status_replicas - updated
            ),
        ));
    }
    if available < updated {
        return Ok(Health::new(
            Progressing,
            format!(
                "Waiting for rollout to finish: {available} of {updated} updated replicas are available..."
            ),
        ));
    }
    Ok(Health::new(Healthy, ""))
}

fn stateful_set(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    let s = Typed::new(obj, "StatefulSet", &["v1"])?;
    let generation = s.int("metadata.generation")?;
    let observed = s.int("status.observedGeneration")?;
    if observed == 0 || generation > observed {
        return Ok(Health::new(
            Progressing,
            "Waiting for statefulset spec update to be observed...",
        ));
    }
    let replicas = s.opt_int("spec.replicas")?;
    let ready = s.int("status.readyReplicas")?;
    if let Some(want) = replicas.filter(|want| ready < *want) {
        return Ok(Health::new(
            Progressing,
            format!("Waiting for {} pods to be ready...", want - ready),
        ));
    }
    let strategy = s.str("spec.updateStrategy.type")?;
    let updated = s.int("status.updatedReplicas")?;
    let rolling_update = s
        .at("spec.updateStrategy.rollingUpdate")
        .filter(|v| !v.is_null());
    if strategy == "RollingUpdate" && rolling_update.is_some() {
        let partition = s.opt_int("spec.updateStrategy.rollingUpdate.partition")?;
        if let (Some(want), Some(partition)) = (replicas, partition) {
            let target = want - partition;
            if updated < target {
                return Ok(Health::new(
                    Progressing,
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {target} new pods have been updated..."
                    ),
                ));
            }
        }
        return Ok(Health::new(
            Healthy,
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
        ));
    }
    if strategy == "OnDelete" {
        return Ok(Health::new(
            Healthy,
            format!("statefulset has {ready} ready pods"),
        ));
    }
    let update_revision = s.str("status.updateRevision")?;
    let current_revision = s.str("status.currentRevision")?;
    if update_revision != current_revision {
        return Ok(Health::new(
            Progressing,
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
            ),
        ));
    }
    let current = s.int("status.currentReplicas")?;
    Ok(Health::new(
        Healthy,
        format!(
            "statefulset rolling update complete {current} pods at revision {current_revision}..."
        ),
    ))
}

fn daemon_set(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    let d = Typed::new(obj, "DaemonSet", &["v1"])?;
    let generation = d.int("metadata.generation")?;
    let observed = d.int("status.observedGeneration")?;
    if generation > observed {
        return Ok(Health::new(
            Progressing,
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        ));
    }
    let updated = d.int("status.updatedNumberScheduled")?;
    let desired = d.int("status.desiredNumberScheduled")?;
    if d.str("spec.updateStrategy.type")? == "OnDelete" {
        return Ok(Health::new(
            Healthy,
            format!("daemon set {updated} out of {desired} new pods have been updated"),
        ));
    }
    let name = obj.name();
    if updated < desired {
        return Ok(Health::new(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."
            ),
        ));
    }
    let available = d.int("status.numberAvailable")?;
    if available < desired {
        return Ok(Health::new(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."
            ),
        ));
    }
    Ok(Health::new(Healthy, ""))
}

fn replica_set(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    let r = Typed::new(obj, "ReplicaSet", &["v1"])?;
    let generation = r.int("metadata.generation")?;
    let observed = r.int("status.observedGeneration")?;
    if generation > observed {
        return Ok(Health::new(
            Progressing,
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        ));
    }
    let conditions = r.conditions("status.conditions")?;
    if let Some(failure) = conditions.iter().find(|c| c.kind == "ReplicaFailure")
        && failure.status == "True"
    {
        return Ok(Health::new(Degraded, failure.message));
    }
    let available = r.int("status.availableReplicas")?;
    if let Some(want) = r.opt_int("spec.replicas")?.filter(|want| available < *want) {
        return Ok(Health::new(
            Progressing,
            format!(
                "Waiting for rollout to finish: {available} out of {want} new replicas are available..."
            ),
        ));
    }
    Ok(Health::new(Healthy, ""))
}

fn job(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    let j = Typed::new(obj, "Job", &["v1"])?;
    let (mut failed, mut complete, mut suspended) = (false, false, false);
    let (mut fail_message, mut message) = ("", "");
    for c in j.conditions("status.conditions")? {
        match c.kind {
            "Failed" => {
                failed = true;
                complete = true;
                fail_message = c.message;
            }
            "Complete" => {
                complete = true;
                message = c.message;
            }
            "Suspended" => {
                complete = true;
                message = c.message;
                if c.status == "True" {
                    suspended = true;
                }
            }
            _ => {}
        }
    }
    Ok(if !complete {
        Health::new(Progressing, message)
    } else if failed {
        Health::new(Degraded, fail_message)
    } else if suspended {
        Health::new(Suspended, message)
    } else {
        Health::new(Healthy, message)
    })
}

fn pod(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    let p = Typed::new(obj, "Pod", &["v1"])?;
    let restart_policy = p.str("spec.restartPolicy")?;
    let message = p.str("status.message")?;
    let ignore_restart_policy =
        obj.annotation(ANNOTATION_IGNORE_RESTART_POLICY) == Some("true") && !is_hook(obj);
    let long_running = restart_policy == "Always" || ignore_restart_policy;
    let statuses = p.array("status.containerStatuses")?;
    let path = "status.containerStatuses";

    if long_running {
        let mut messages = Vec::new();
        for status in statuses {
            if value_at(status, "state.waiting").is_some_and(|w| !w.is_null()) {
                let reason = p.item_str(status, path, "state.waiting.reason")?;
                if reason.starts_with("Err")
                    || reason.ends_with("Error")
                    || reason.ends_with("BackOff")
                {
                    messages.push(p.item_str(status, path, "state.waiting.message")?);
                }
            }
        }
        if !messages.is_empty() {
            return Ok(Health::new(Degraded, messages.join(", ")));
        }
    }

    match p.str("status.phase")? {
        "Pending" => Ok(Health::new(Progressing, message)),
        "Succeeded" => Ok(Health::new(Healthy, message)),
        "Failed" => {
            if !message.is_empty() {
                return Ok(Health::new(Degraded, message));
            }
            let init = p.array("status.initContainerStatuses")?;
            for (status, path) in init
                .iter()
                .map(|s| (s, "status.initContainerStatuses"))
                .chain(statuses.iter().map(|s| (s, path)))
            {
                if value_at(status, "state.terminated").is_none_or(Value::is_null) {
                    continue;
                }
                let terminated_message = p.item_str(status, path, "state.terminated.message")?;
                if !terminated_message.is_empty() {
                    return Ok(Health::new(Degraded, terminated_message));
                }
                if p.item_str(status, path, "state.terminated.reason")? == "OOMKilled" {
                    return Ok(Health::new(Degraded, "OOMKilled"));
                }
                let code = p.item_int(status, path, "state.terminated.exitCode")?;
                if code != 0 {
                    let name = p.item_str(status, path, "name")?;
                    return Ok(Health::new(
                        Degraded,
                        format!("container {name:?} failed with exit code {code}"),
                    ));
                }
            }
            Ok(Health::new(Degraded, ""))
        }
        "Running" if long_running => {
            let ready = p
                .conditions("status.conditions")?
                .iter()
                .any(|c| c.kind == "Ready" && c.status == "True");
            if ready {
                return Ok(Health::new(Healthy, message));
            }
            let restarted = statuses
                .iter()
                .any(|s| value_at(s, "lastState.terminated").is_some_and(|t| !t.is_null()));
            Ok(Health::new(
                if restarted { Degraded } else { Progressing },
                message,
            ))
        }
        "Running" if restart_policy == "OnFailure" || restart_policy == "Never" => {
            Ok(Health::new(Progressing, message))
        }
        _ => Ok(Health::new(Unknown, message)),
    }
}

fn service(obj: &Value) -> Result<Health, String> {
    let s = Typed::new(obj, "Service", &["v1"])?;
    let assigned = !s.array("status.loadBalancer.ingress")?.is_empty();
    let status = if s.str("spec.type")? == "LoadBalancer" && !assigned {
        HealthStatus::Progressing
    } else {
        HealthStatus::Healthy
    };
    Ok(Health::new(status, ""))
}

fn ingress(obj: &Value) -> Result<Health, String> {
    let assigned = value_at(obj, "status.loadBalancer.ingress")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let status = if assigned {
        HealthStatus::Healthy
    } else {
        HealthStatus::Progressing
    };
    Ok(Health::new(status, ""))
}

fn pvc(obj: &Value) -> Result<Health, String> {
    let p = Typed::new(obj, "PersistentVolumeClaim", &["v1"])?;
    let status = match p.str("status.phase")? {
        "Lost" => HealthStatus::Degraded,
        "Pending" => HealthStatus::Progressing,
        "Bound" => HealthStatus::Healthy,
        _ => HealthStatus::Unknown,
    };
    Ok(Health::new(status, ""))
}

fn hpa(obj: &Value) -> Result<Health, String> {
    let h = Typed::new(obj, "HPA", &["v1", "v2", "v2beta2", "v2beta1"])?;
    let waiting = Health::new(HealthStatus::Progressing, "Waiting to Autoscale");
    let conditions: Vec<(String, String, String, String)> = if obj.api_version().ends_with("/v1") {
        let Some(text) = obj.annotation(ANNOTATION_HPA_CONDITIONS) else {
            return Ok(waiting);
        };
        let parsed: Value = serde_json::from_str(text)
            .map_err(|e| format!("failed to convert conditions annotation to typed: {e}"))?;
        let list = match &parsed {
            Value::Array(list) => list.as_slice(),
            Value::Null => &[],
            other => {
                return Err(format!(
                    "failed to convert conditions annotation to typed: expected a list, got {other}"
                ));
            }
        };
        list.iter()
            .map(annotation_condition)
            .collect::<Result<_, _>>()?
    } else {
        h.conditions("status.conditions")?
            .into_iter()
            .map(|c| {
                (
                    c.kind.to_string(),
                    c.status.to_string(),
                    c.reason.to_string(),
                    c.message.to_string(),
                )
            })
            .collect()
    };
    const DEGRADED: [(&str, &str); 8] = [
        ("AbleToScale", "FailedGetScale"),
        ("AbleToScale", "FailedUpdateScale"),
        ("ScalingActive", "FailedGetResourceMetric"),
        ("ScalingActive", "FailedGetObjectMetric"),
        ("ScalingActive", "FailedGetPodsMetric"),
        ("ScalingActive", "FailedGetExternalMetric"),
        ("ScalingActive", "FailedComputeMetricsReplicas"),
        ("ScalingActive", "InvalidSelector"),
    ];
    if let Some((_, _, _, message)) = conditions
        .iter()
        .find(|(kind, _, reason, _)| DEGRADED.contains(&(kind.as_str(), reason.as_str())))
    {
        return Ok(Health::new(HealthStatus::Degraded, message.clone()));
    }
    if let Some((_, _, _, message)) = conditions.iter().find(|(kind, status, _, _)| {
        (kind == "AbleToScale" || kind == "ScalingLimited") && status == "True"
    }) {
        return Ok(Health::new(HealthStatus::Healthy, message.clone()));
    }
    Ok(waiting)
}

/// One condition of the v1 annotation, as (type, status, reason, message). Field names match
/// case-insensitively, as Go's JSON decoding does.
fn annotation_condition(item: &Value) -> Result<(String, String, String, String), String> {
    let Value::Object(map) = item else {
        return Err(format!(
            "failed to convert conditions annotation to typed: expected an object, got {item}"
        ));
    };
    let field = |name: &str| -> Result<String, String> {
        match map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            None | Some((_, Value::Null)) => Ok(String::new()),
            Some((_, Value::String(s))) => Ok(s.clone()),
            Some((k, v)) => Err(format!(
                "failed to convert conditions annotation to typed: {k}: expected a string, got {v}"
            )),
        }
    };
    Ok((
        field("type")?,
        field("status")?,
        field("reason")?,
        field("message")?,
    ))
}

fn api_service(obj: &Value) -> Result<Health, String> {
    let a = Typed::new(obj, "APIService", &["v1", "v1beta1"])?;
    for c in a.conditions("status.conditions")? {
        if c.kind == "Available" {
            let status = if c.status == "True" {
                HealthStatus::Healthy
            } else {
                HealthStatus::Progressing
            };
            return Ok(Health::new(status, format!("{}: {}", c.reason, c.message)));
        }
    }
    Ok(Health::new(
        HealthStatus::Progressing,
        "Waiting to be processed",
    ))
}

fn workflow(obj: &Value) -> Result<Health, String> {
    let text = |path| value_at(obj, path).and_then(Value::as_str).unwrap_or("");
    let message = text("status.message");
    let status = match text("status.phase") {
        "" | "Pending" | "Running" => HealthStatus::Progressing,
        "Succeeded" => HealthStatus::Healthy,
        "Failed" | "Error" => HealthStatus::Degraded,
        _ => HealthStatus::Unknown,
    };
    Ok(Health::new(status, message))
}

/// A child Application reports the health it has assessed for itself; until it has one it
/// is Progressing.
fn application(obj: &Value) -> Result<Health, String> {
    let Some(reported) = value_at(obj, "status.health").filter(|h| !h.is_null()) else {
        return Ok(Health::new(HealthStatus::Progressing, ""));
    };
    let message = value_at(reported, "message")
        .and_then(Value::as_str)
        .unwrap_or("");
    match value_at(reported, "status") {
        None | Some(Value::Null) => Ok(Health::new(HealthStatus::Progressing, message)),
        Some(Value::String(s)) => match s.parse::<HealthStatus>() {
            Ok(status) => Ok(Health::new(status, message)),
            Err(e) => Err(format!("status.health.status: {e}")),
        },
        Some(v) => Err(format!("status.health.status: expected a string, got {v}")),
    }
}

/// Argo CD's rule for batch CronJobs (any version).
fn cron_job(obj: &Value) -> Result<Health, String> {
    use HealthStatus::*;
    if value_at(obj, "spec.suspend") == Some(&Value::Bool(true)) {
        return Ok(Health::new(Healthy, "CronJob is Suspended"));
    }
    let Some(status) = obj.get("status").filter(|s| !s.is_null()) else {
        return Ok(Health::new(Progressing, "Waiting for CronJob"));
    };
    let Some(last_schedule) = status.get("lastScheduleTime").filter(|v| !v.is_null()) else {
        return Ok(Health::new(Healthy, "CronJob has not been scheduled yet"));
    };
    let Some(last_success) = status.get("lastSuccessfulTime").filter(|v| !v.is_null()) else {
        return Ok(Health::new(
            Healthy,
            "The CronJob never completed successfully. It may not be healthy",
        ));
    };
    let running = status
        .get("active")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if running {
        return Ok(Health::new(
            Healthy,
            "The job is running. Its last execution may not have been successful",
        ));
    }
    if earlier(last_success, last_schedule) {
        return Ok(Health::new(
            Degraded,
            "CronJob has not completed its last execution successfully",
        ));
    }
    Ok(Health::new(
        Healthy,
        "CronJob has completed its last execution successfully",
    ))
}

/// Whether timestamp `a` is before `b`: as instants when both parse, else as text.
fn earlier(a: &Value, b: &Value) -> bool {
    let (Some(a), Some(b)) = (a.as_str(), b.as_str()) else {
        return false;
    };
    match (unix_from_rfc3339(a), unix_from_rfc3339(b)) {
        (Some(x), Some(y)) => x < y,
        _ => a < b,
    }
}

/// One resource of an application, as the health roll-up sees it.
#[derive(Clone, Debug)]
pub struct ResourceHealthInput<'a> {
    /// The desired object from the application's manifests, if any.
    pub target: Option<&'a Value>,
    /// The object in the cluster, if any.
    pub live: Option<&'a Value>,
    /// The live object's health: [`resource_health`] of it, or an override the engine
    /// applies; `None` when no rule covers it. Not read when `live` is `None`.
    pub health: Option<Health>,
    /// The live object is the application being assessed (an app that manages itself).
    pub is_self: bool,
}

impl<'a> ResourceHealthInput<'a> {
    /// A resource with its health assessed by [`resource_health`].
    pub fn new(target: Option<&'a Value>, live: Option<&'a Value>) -> Self {
        ResourceHealthInput {
            target,
            live,
            health: live.and_then(resource_health),
            is_self: false,
        }
    }

    /// Replaces the assessed health (for example with a custom rule's result).
    pub fn with_health(mut self, health: Option<Health>) -> Self {
        self.health = health;
        self
    }

    /// Marks the resource as the application itself.
    pub fn self_reference(mut self, is_self: bool) -> Self {
        self.is_self = is_self;
        self
    }
}

/// An application's rolled-up health and, when it is not Healthy, which resources caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppHealth {
    pub status: HealthStatus,
    /// Argo CD's summary of the resources at the worst status: `Caused by
    /// apps/Deployment:web/api, batch/Job:web/migrate and 2 more` (three named at most);
    /// empty when Healthy or when the application is Missing.
    pub message: String,
}

/// How many causes [`AppHealth::message`] names before "and N more".
const CAUSES_SHOWN: usize = 3;

/// The health of an application from its resources, as Argo CD rolls it up: the worst
/// status among them, Healthy when there is nothing to count. Skipped: objects whose target
/// is a `Skip` hook; live hooks and ignored hooks; live objects annotated
/// `argocd.argoproj.io/ignore-healthcheck: "true"`; the application itself; objects with no
/// health rule. A missing resource does not worsen health (the sync status shows it), and a
/// child Application that is Missing or Unknown is ignored. When the application has
/// resources but none of them is live, it is Missing.
pub fn app_health<'a>(resources: impl Iterator<Item = ResourceHealthInput<'a>>) -> HealthStatus {
    app_health_report(resources).status
}

/// [`app_health`] with the resources that caused the status.
pub fn app_health_report<'a>(
    resources: impl Iterator<Item = ResourceHealthInput<'a>>,
) -> AppHealth {
    let mut worst = HealthStatus::Healthy;
    let mut causes: Vec<&Value> = Vec::new();
    let (mut has_resources, mut has_live) = (false, false);
    for res in resources {
        if res.target.is_some_and(is_skip) {
            continue;
        }
        if res.live.is_some_and(|l| is_hook(l) || is_ignored_hook(l)) {
            continue;
        }
        has_resources = true;
        let Some(live) = res.live else {
            continue;
        };
        has_live = true;
        if live.annotation(ANNOTATION_IGNORE_HEALTHCHECK) == Some("true") || res.is_self {
            continue;
        }
        let Some(h) = res.health else {
            continue;
        };
        let api_version = live.api_version();
        let is_child_app = api_version.starts_with("argoproj.io/") && live.kind() == "Application";
        if is_child_app && matches!(h.status, HealthStatus::Missing | HealthStatus::Unknown) {
            continue;
        }
        if h.status.is_worse(worst) {
            worst = h.status;
            causes = vec![live];
        } else if h.status == worst && worst != HealthStatus::Healthy {
            causes.push(live);
        }
    }
    if has_resources && !has_live && HealthStatus::Missing.is_worse(worst) {
        worst = HealthStatus::Missing;
        causes.clear();
    }
    AppHealth {
        status: worst,
        message: causes_message(&causes),
    }
}

fn causes_message(causes: &[&Value]) -> String {
    if causes.is_empty() {
        return String::new();
    }
    let named: Vec<String> = causes
        .iter()
        .take(CAUSES_SHOWN)
        .map(|obj| {
            let api_version = obj.api_version();
            let group = api_version.split_once('/').map_or("", |(group, _)| group);
            let kind = match group {
                "" => obj.kind().to_string(),
                group => format!("{group}/{}", obj.kind()),
            };
            let name = match obj.namespace() {
                "" => obj.name().to_string(),
                ns => format!("{ns}/{}", obj.name()),
            };
            format!("{kind}:{name}")
        })
        .collect();
    let mut message = format!("Caused by {}", named.join(", "));
    if causes.len() > CAUSES_SHOWN {
        message.push_str(&format!(" and {} more", causes.len() - CAUSES_SHOWN));
    }
    message
}
