//! The HorizontalPodAutoscaler controller: every 15 (nominal) seconds it compares the target's
//! pods' simulated usage with their requests, computes the replica count the real controller
//! would (ratio to the target utilization, 10% tolerance, min/max bounds, a scale-down
//! stabilization window) and scales the target, with the status and conditions kubectl and
//! Argo CD read. Both the autoscaling/v2 `metrics` list and the v1
//! `targetCPUUtilizationPercentage` shape are understood.

use super::ctx::{Ctx, DEPLOYMENTS, HPAS, PODS, REPLICASETS, Res, STATEFULSETS};
use super::events::Level;
use super::{pods, quantity, usage};
use crate::store::EventType;
use berth_kube::{LabelSelector, ObjectExt, now_rfc3339, unix_from_rfc3339};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const COMPONENT: &str = "horizontal-pod-autoscaler";
const SYNC_SECONDS: f64 = 15.0;
const TOLERANCE: f64 = 0.1;
const DOWNSCALE_WINDOW_SECONDS: f64 = 300.0;

#[derive(Default)]
pub struct HpaController {
    /// Recent recommendations per HPA (namespace/name), for the scale-down window.
    recommendations: HashMap<String, Vec<(Instant, i64)>>,
}

/// One resource metric the HPA targets.
struct Target {
    resource: String,
    /// Percent of the request, or an absolute per-pod value.
    utilization: Option<f64>,
    average_value: Option<f64>,
}

fn targets(hpa: &Value) -> Vec<Target> {
    if let Some(percent) = hpa
        .pointer("/spec/targetCPUUtilizationPercentage")
        .and_then(Value::as_f64)
    {
        return vec![Target {
            resource: "cpu".into(),
            utilization: Some(percent),
            average_value: None,
        }];
    }
    let list = hpa.pointer("/spec/metrics").and_then(Value::as_array);
    let found: Vec<Target> = list
        .into_iter()
        .flatten()
        .filter(|m| m.get("type").and_then(Value::as_str) == Some("Resource"))
        .filter_map(|m| {
            let resource = m.pointer("/resource/name")?.as_str()?.to_string();
            let target = m.pointer("/resource/target")?;
            Some(Target {
                resource,
                utilization: target.get("averageUtilization").and_then(Value::as_f64),
                average_value: quantity::of(target.get("averageValue")),
            })
        })
        .collect();
    if list.is_none() {
        // The API default: 80% CPU.
        return vec![Target {
            resource: "cpu".into(),
            utilization: Some(80.0),
            average_value: None,
        }];
    }
    found
}

fn target_res(kind: &str) -> Option<Res> {
    match kind {
        "Deployment" => Some(DEPLOYMENTS),
        "StatefulSet" => Some(STATEFULSETS),
        "ReplicaSet" => Some(REPLICASETS),
        _ => None,
    }
}

impl super::runtime::Reconciler for HpaController {
    fn name(&self) -> &'static str {
        "horizontal-pod-autoscaler"
    }

    fn watches(&self) -> &'static [Res] {
        &[HPAS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        _res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if event == EventType::Deleted {
            self.recommendations
                .remove(&format!("{}/{}", obj.namespace(), obj.name()));
        } else {
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let hpa = ctx.get(HPAS, namespace, name)?;
        if hpa.deletion_timestamp().is_some() {
            return None;
        }
        self.sync(ctx, &hpa);
        Some(ctx.config.delay(SYNC_SECONDS))
    }
}

/// What one metric says: the replica count it recommends and its current value for status.
struct Reading {
    desired: i64,
    current: Value,
    description: String,
}

impl HpaController {
    fn sync(&mut self, ctx: &Ctx, hpa: &Value) {
        let ns = hpa.namespace();
        let kind = hpa
            .pointer("/spec/scaleTargetRef/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let target_name = hpa
            .pointer("/spec/scaleTargetRef/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let min = hpa
            .pointer("/spec/minReplicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let max = hpa
            .pointer("/spec/maxReplicas")
            .and_then(Value::as_i64)
            .unwrap_or(min);
        let Some(res) = target_res(kind) else {
            let message = format!(
                "the HPA controller was unable to get the target's current scale: no matches for kind \"{kind}\""
            );
            return self.fail(ctx, hpa, "AbleToScale", "FailedGetScale", &message);
        };
        let Some(target) = ctx.get(res, ns, target_name) else {
            let message = format!(
                "the HPA controller was unable to get the target's current scale: {}.{} \"{target_name}\" not found",
                res.plural, res.group
            );
            return self.fail(ctx, hpa, "AbleToScale", "FailedGetScale", &message);
        };
        let current = target
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let selector = target
            .pointer("/spec/selector")
            .map(LabelSelector::from_label_selector)
            .and_then(Result::ok)
            .unwrap_or_else(LabelSelector::nothing);
        let now_text = now_rfc3339();
        let now = unix_from_rfc3339(&now_text).unwrap_or(0);
        let pods: Vec<Value> = ctx
            .list(PODS, Some(ns))
            .into_iter()
            .filter(|p| pods::is_active(p) && selector.matches(p.labels()))
            .collect();
        let mut readings = Vec::new();
        for t in targets(hpa) {
            match read_metric(&t, &pods, current, now) {
                Ok(r) => readings.push(r),
                Err(message) => {
                    return self.fail(
                        ctx,
                        hpa,
                        "ScalingActive",
                        "FailedGetResourceMetric",
                        &message,
                    );
                }
            }
        }
        let Some(best) = readings.iter().max_by_key(|r| r.desired) else {
            return self.fail(
                ctx,
                hpa,
                "ScalingActive",
                "InvalidMetricSourceType",
                "the HPA was unable to compute the replica count: no resource metrics",
            );
        };
        let mut desired = if current == 0 { 0 } else { best.desired };
        // Scale down only to the highest recommendation of the stabilization window.
        let window = ctx.config.delay(DOWNSCALE_WINDOW_SECONDS);
        let key = format!("{ns}/{}", hpa.name());
        let history = self.recommendations.entry(key).or_default();
        history.retain(|(at, _)| at.elapsed() <= window);
        history.push((Instant::now(), desired));
        if desired > current {
            // The default scale-up policy: at most double, or four more pods, per period.
            desired = desired.min((2 * current).max(current + 4));
        }
        if desired < current {
            desired = history
                .iter()
                .map(|(_, d)| *d)
                .max()
                .unwrap_or(desired)
                .min(current);
        }
        let (bounded, limited) = if desired > max {
            (
                max,
                Some((
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                )),
            )
        } else if desired < min && current != 0 {
            (
                min,
                Some((
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                )),
            )
        } else {
            (desired, None)
        };
        let mut rescaled = false;
        if bounded != current && current != 0 {
            let written = ctx.update(res, ns, target_name, COMPONENT, |mut t| {
                t["spec"]["replicas"] = json!(bounded);
                Some(t)
            });
            match written {
                Ok(_) => {
                    rescaled = true;
                    let direction = if bounded > current { "above" } else { "below" };
                    let reason = format!("{} {direction} target", best.description);
                    ctx.event(
                        hpa,
                        Level::Normal,
                        "SuccessfulRescale",
                        &format!("New size: {bounded}; reason: {reason}"),
                        COMPONENT,
                    );
                }
                Err(e) => {
                    let message = format!(
                        "the HPA controller was unable to update the target scale: {}",
                        e.message
                    );
                    return self.fail(ctx, hpa, "AbleToScale", "FailedUpdateScale", &message);
                }
            }
        }
        let able = if rescaled {
            (
                "SucceededRescale",
                format!("the HPA controller was able to update the target scale to {bounded}"),
            )
        } else {
            (
                "ReadyForNewScale",
                "recommended size matches current size".to_string(),
            )
        };
        let description = best.description.clone();
        let metrics: Vec<Value> = readings.into_iter().map(|r| r.current).collect();
        let _ = ctx.update_status(HPAS, ns, hpa.name(), COMPONENT, |mut h| {
            let old = h.get("status").cloned().unwrap_or_else(|| json!({}));
            let mut conditions = old
                .get("conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            set_condition(
                &mut conditions,
                "AbleToScale",
                "True",
                able.0,
                &able.1,
                &now_text,
            );
            set_condition(
                &mut conditions,
                "ScalingActive",
                "True",
                "ValidMetricFound",
                &format!(
                    "the HPA was able to successfully calculate a replica count from {description}"
                ),
                &now_text,
            );
            match limited {
                Some((reason, message)) => set_condition(
                    &mut conditions,
                    "ScalingLimited",
                    "True",
                    reason,
                    message,
                    &now_text,
                ),
                None => set_condition(
                    &mut conditions,
                    "ScalingLimited",
                    "False",
                    "DesiredWithinRange",
                    "the desired count is within the acceptable range",
                    &now_text,
                ),
            }
            let mut status = json!({
                "currentReplicas": current,
                "desiredReplicas": bounded,
                "conditions": conditions,
            });
            if h.pointer("/spec/targetCPUUtilizationPercentage").is_some() {
                if let Some(u) = metrics
                    .first()
                    .and_then(|m| m.pointer("/resource/current/averageUtilization"))
                {
                    status["currentCPUUtilizationPercentage"] = u.clone();
                }
                status.as_object_mut().map(|s| s.remove("conditions"));
            } else {
                status["currentMetrics"] = json!(metrics);
            }
            if let Some(generation) = h.pointer("/metadata/generation") {
                status["observedGeneration"] = generation.clone();
            }
            match (rescaled, old.get("lastScaleTime")) {
                (true, _) => status["lastScaleTime"] = json!(now_text),
                (false, Some(t)) => status["lastScaleTime"] = t.clone(),
                _ => {}
            }
            if status == old {
                return None;
            }
            h["status"] = status;
            Some(h)
        });
    }

    /// Records a failed sync: the condition goes False and a Warning event says why.
    fn fail(&self, ctx: &Ctx, hpa: &Value, condition: &str, reason: &str, message: &str) {
        let now = now_rfc3339();
        ctx.event(hpa, Level::Warning, reason, message, COMPONENT);
        let _ = ctx.update_status(HPAS, hpa.namespace(), hpa.name(), COMPONENT, |mut h| {
            let mut conditions = h
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            set_condition(&mut conditions, condition, "False", reason, message, &now);
            if condition == "AbleToScale" {
                set_condition(
                    &mut conditions,
                    "ScalingActive",
                    "False",
                    "FailedGetScale",
                    "the HPA controller was unable to get the target's current scale",
                    &now,
                );
            }
            if h.pointer("/status/conditions") == Some(&json!(conditions)) {
                return None;
            }
            h["status"]["conditions"] = json!(conditions);
            if h.pointer("/status/currentReplicas").is_none() {
                h["status"]["currentReplicas"] = json!(0);
                h["status"]["desiredReplicas"] = json!(0);
            }
            Some(h)
        });
    }
}

fn set_condition(
    conditions: &mut Vec<Value>,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) {
    let since = conditions
        .iter()
        .find(|c| c["type"] == json!(kind) && c["status"] == json!(status))
        .and_then(|c| c.get("lastTransitionTime").cloned())
        .unwrap_or_else(|| json!(now));
    conditions.retain(|c| c["type"] != json!(kind));
    conditions.push(json!({"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": since}));
}

/// The replica count one metric recommends, as the real controller computes it.
fn read_metric(t: &Target, pods: &[Value], current: i64, now: i64) -> Result<Reading, String> {
    let mut used = 0.0;
    let mut requested = 0.0;
    let mut counted = 0usize;
    for pod in pods {
        let running = usage::pod(pod, now);
        if running.is_empty() || !pods::is_ready(pod) {
            continue;
        }
        for spec in pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = spec.get("name").and_then(Value::as_str).unwrap_or("");
            let request =
                quantity::of(spec.pointer(&format!("/resources/requests/{}", t.resource)));
            if t.utilization.is_some() && request.is_none_or(|r| r <= 0.0) {
                return Err(format!(
                    "failed to get {} utilization: missing request for {} in container {name} of Pod {}",
                    t.resource,
                    t.resource,
                    pod.name()
                ));
            }
            requested += request.unwrap_or(0.0);
            if let Some((_, u)) = running.iter().find(|(n, _)| n == name) {
                used += if t.resource == "memory" {
                    u.memory
                } else {
                    u.cpu
                };
            }
        }
        counted += 1;
    }
    if counted == 0 {
        return Err(format!(
            "failed to get {} utilization: unable to get metrics for resource {}: no metrics returned from resource metrics API",
            t.resource, t.resource
        ));
    }
    let average = used / counted as f64;
    let (ratio, current_value, description) = match (t.utilization, t.average_value) {
        (Some(target), _) => {
            let utilization = (100.0 * used / requested).round();
            (
                utilization / target,
                json!({"averageUtilization": utilization as i64, "averageValue": format_value(&t.resource, average)}),
                format!(
                    "{} resource utilization (percentage of request)",
                    t.resource
                ),
            )
        }
        (None, Some(target)) if target > 0.0 => (
            average / target,
            json!({"averageValue": format_value(&t.resource, average)}),
            format!("{} resource", t.resource),
        ),
        _ => return Err(format!("invalid target for resource {}", t.resource)),
    };
    let desired = if (ratio - 1.0).abs() <= TOLERANCE {
        current
    } else {
        (ratio * counted as f64).ceil() as i64
    };
    Ok(Reading {
        desired,
        current: json!({"type": "Resource", "resource": {"name": t.resource, "current": current_value}}),
        description,
    })
}

fn format_value(resource: &str, value: f64) -> String {
    if resource == "memory" {
        format!("{}", value.round() as u64)
    } else {
        format!("{}m", (value * 1000.0).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_both_api_versions() {
        let v1 = json!({"spec": {"targetCPUUtilizationPercentage": 50}});
        assert_eq!(targets(&v1)[0].utilization, Some(50.0));
        let v2 = json!({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}}]}});
        let t = &targets(&v2)[0];
        assert_eq!(t.resource, "memory");
        assert_eq!(t.average_value, Some(100.0 * 1024.0 * 1024.0));
        assert_eq!(targets(&json!({"spec": {}}))[0].utilization, Some(80.0));
    }
}
