//! The kubelet of every simulated node: walks each bound pod through image pull, container
//! start and readiness on (scaled) delays, with the container statuses, conditions and events
//! the real kubelet writes. On request it fails: image pulls (ErrImagePull, ImagePullBackOff),
//! crash loops (CrashLoopBackOff with a growing restartCount), readiness held false, and
//! run-to-completion pods that exit with a chosen code. It also finishes graceful deletions.

mod container;

use super::config::annotations;
use super::ctx::{Ctx, PODS, Res};
use super::events::Level;
use super::pods;
use crate::store::EventType;
use berth_kube::{ObjectExt, now_rfc3339};
use container::{ContainerClock, Outcome, PodFacts};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const COMPONENT: &str = "kubelet";
/// Nominal seconds between a delete and the kubelet's final removal of the pod.
const TERMINATION_SECONDS: f64 = 0.5;

#[derive(Default)]
pub struct Kubelet {
    clocks: HashMap<(String, String), ContainerClock>,
    /// When the kubelet noticed each terminating pod, by uid.
    terminating: HashMap<String, Instant>,
    /// Pod IPs handed out, by pod uid, and the next free host number per node.
    ips: HashMap<String, String>,
    next_host: HashMap<String, u32>,
}

impl super::runtime::Reconciler for Kubelet {
    fn name(&self) -> &'static str {
        "kubelet"
    }

    fn watches(&self) -> &'static [Res] {
        &[PODS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        _res: Res,
        event: EventType,
        pod: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if event == EventType::Deleted {
            let uid = pod.uid();
            self.terminating.remove(uid);
            self.ips.remove(uid);
            self.clocks.retain(|(u, _), _| u != uid);
            return;
        }
        if pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty())
        {
            out.push((pod.namespace().to_string(), pod.name().to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let pod = ctx.get(PODS, namespace, name)?;
        let node = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)?
            .to_string();
        if pod.deletion_timestamp().is_some() {
            return self.terminate(ctx, &pod);
        }
        if matches!(pods::phase(&pod), "Succeeded" | "Failed") {
            return None;
        }
        self.advance(ctx, &pod, &node)
    }
}

impl Kubelet {
    /// Stops the containers of a terminating pod, then removes it (grace period 0).
    fn terminate(&mut self, ctx: &Ctx, pod: &Value) -> Option<Duration> {
        let grace = pod
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(30) as f64;
        let wait = ctx.config.delay(TERMINATION_SECONDS.min(grace));
        let noticed = *self
            .terminating
            .entry(pod.uid().to_string())
            .or_insert_with(|| {
                if pods::phase(pod) == "Running" {
                    for c in container_names(pod) {
                        ctx.event(
                            pod,
                            Level::Normal,
                            "Killing",
                            &format!("Stopping container {c}"),
                            COMPONENT,
                        );
                    }
                }
                Instant::now()
            });
        let elapsed = noticed.elapsed();
        if elapsed < wait {
            return Some(wait - elapsed);
        }
        if let Err(e) = ctx.delete(PODS, pod.namespace(), pod.name(), None, Some(0)) {
            tracing::debug!("kubelet cannot remove pod {}: {e}", pod.name());
            return Some(ctx.config.delay(1.0));
        }
        None
    }

    fn advance(&mut self, ctx: &Ctx, pod: &Value, node: &str) -> Option<Duration> {
        let now = now_rfc3339();
        let facts = PodFacts::of(pod, &ctx.config);
        let old_status = pod.get("status").cloned().unwrap_or_else(|| json!({}));
        let old_statuses = statuses_by_name(&old_status, "containerStatuses");
        let mut new_statuses = Vec::new();
        let mut events: Vec<(Level, String, String)> = Vec::new();
        let mut next: Option<f64> = None;
        for spec in pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = spec
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let clock_key = (pod.uid().to_string(), name.clone());
            let current = old_statuses.get(&name).cloned();
            let clock = self.clocks.entry(clock_key).or_default();
            let Outcome {
                status,
                events: mut container_events,
                wait,
            } = container::step(spec, current.as_ref(), &facts, clock, &now);
            clock.observe(&status);
            events.append(&mut container_events);
            if let Some(w) = wait {
                next = Some(next.map_or(w, |n: f64| n.min(w)));
            }
            new_statuses.push(status);
        }
        let status = self.pod_status(pod, node, &old_status, new_statuses, &facts, &now);
        if status != old_status {
            let written =
                ctx.update_status(PODS, pod.namespace(), pod.name(), COMPONENT, |mut p| {
                    if p.uid() != pod.uid() {
                        return None;
                    }
                    p["status"] = status.clone();
                    Some(p)
                });
            if let Err(e) = written {
                tracing::debug!("kubelet cannot write pod {} status: {e}", pod.name());
                return Some(ctx.config.delay(0.5));
            }
            for (level, reason, message) in events {
                ctx.event(pod, level, &reason, &message, COMPONENT);
            }
        }
        next.map(|secs| ctx.config.delay(secs))
    }

    /// The pod-level status around the containers': phase, conditions, IPs, start time.
    fn pod_status(
        &mut self,
        pod: &Value,
        node: &str,
        old: &Value,
        containers: Vec<Value>,
        facts: &PodFacts,
        now: &str,
    ) -> Value {
        let state_of = |c: &Value, s: &str| c.pointer(&format!("/state/{s}")).is_some();
        let all_terminated =
            !containers.is_empty() && containers.iter().all(|c| state_of(c, "terminated"));
        let started_once = containers.iter().any(|c| {
            state_of(c, "running")
                || state_of(c, "terminated")
                || c.pointer("/lastState/terminated").is_some()
        });
        let phase = if all_terminated {
            let failed = containers.iter().any(|c| {
                c.pointer("/state/terminated/exitCode")
                    .and_then(Value::as_i64)
                    != Some(0)
            });
            if failed { "Failed" } else { "Succeeded" }
        } else if started_once {
            "Running"
        } else {
            "Pending"
        };
        let unready: Vec<&str> = containers
            .iter()
            .filter(|c| c.get("ready").and_then(Value::as_bool) != Some(true))
            .filter_map(|c| c.get("name").and_then(Value::as_str))
            .collect();
        let finished = matches!(phase, "Succeeded" | "Failed");
        let ready = unready.is_empty() && phase == "Running";
        let sandbox_ready = !finished;
        let (ready_reason, ready_message) = if finished {
            ("PodCompleted", String::new())
        } else {
            (
                "ContainersNotReady",
                format!("containers with unready status: [{}]", unready.join(" ")),
            )
        };
        let old_conditions = old
            .get("conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let condition = |kind: &str, ok: bool, reason: &str, message: &str| {
            let status = if ok { "True" } else { "False" };
            let previous = old_conditions
                .iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(kind));
            let since = previous
                .filter(|c| c.get("status").and_then(Value::as_str) == Some(status))
                .and_then(|c| c.get("lastTransitionTime").cloned())
                .unwrap_or_else(|| json!(now));
            let mut c = json!({"type": kind, "status": status, "lastProbeTime": null, "lastTransitionTime": since});
            if !ok && !reason.is_empty() {
                c["reason"] = json!(reason);
                if !message.is_empty() {
                    c["message"] = json!(message);
                }
            }
            c
        };
        let conditions = vec![
            condition("PodReadyToStartContainers", sandbox_ready, "", ""),
            condition("Initialized", true, "", ""),
            condition("Ready", ready, ready_reason, &ready_message),
            condition("ContainersReady", ready, ready_reason, &ready_message),
            condition("PodScheduled", true, "", ""),
        ];
        let host_ip = node_ip(node);
        let pod_ip = self.pod_ip(pod.uid(), node);
        let mut status = Map::new();
        status.insert("phase".into(), json!(phase));
        status.insert("conditions".into(), Value::Array(conditions));
        status.insert("hostIP".into(), json!(host_ip));
        status.insert("hostIPs".into(), json!([{"ip": host_ip}]));
        if started_once {
            status.insert("podIP".into(), json!(pod_ip));
            status.insert("podIPs".into(), json!([{"ip": pod_ip}]));
        }
        status.insert(
            "startTime".into(),
            old.get("startTime").cloned().unwrap_or_else(|| json!(now)),
        );
        if let Some(init) = init_statuses(pod, old, now) {
            status.insert("initContainerStatuses".into(), init);
        }
        status.insert("containerStatuses".into(), Value::Array(containers));
        status.insert("qosClass".into(), json!(facts.qos_class));
        Value::Object(status)
    }

    fn pod_ip(&mut self, uid: &str, node: &str) -> String {
        if let Some(ip) = self.ips.get(uid) {
            return ip.clone();
        }
        let host = self.next_host.entry(node.to_string()).or_insert(0);
        let n = *host;
        *host = host.wrapping_add(1);
        let ip = format!(
            "10.{}.{}.{}",
            100 + node_index(node),
            (n / 250) % 256,
            n % 250 + 2
        );
        self.ips.insert(uid.to_string(), ip.clone());
        ip
    }
}

fn node_index(node: &str) -> usize {
    node.rsplit('-')
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| n.saturating_sub(1))
        % 150
}

fn node_ip(node: &str) -> String {
    let index = node_index(node);
    format!("192.168.{}.{}", index / 250, 10 + index % 250)
}

fn container_names(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn statuses_by_name(status: &Value, field: &str) -> HashMap<String, Value> {
    status
        .get(field)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|s| Some((s.get("name")?.as_str()?.to_string(), s.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// Init containers run before the app containers; the simulation has them complete at once.
fn init_statuses(pod: &Value, old: &Value, now: &str) -> Option<Value> {
    let specs = pod.pointer("/spec/initContainers")?.as_array()?;
    if let Some(existing) = old.get("initContainerStatuses") {
        return Some(existing.clone());
    }
    Some(Value::Array(
        specs
            .iter()
            .map(|c| {
                let image = c.get("image").and_then(Value::as_str).unwrap_or("");
                json!({
                    "name": c.get("name").cloned().unwrap_or(Value::Null),
                    "image": image,
                    "imageID": container::image_id(image),
                    "containerID": container::container_id(pod.uid(), c.get("name").and_then(Value::as_str).unwrap_or(""), 0),
                    "ready": true,
                    "restartCount": 0,
                    "started": false,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now, "containerID": container::container_id(pod.uid(), c.get("name").and_then(Value::as_str).unwrap_or(""), 0)}},
                })
            })
            .collect(),
    ))
}

/// Whether a pod asked (through its annotations) to be held unready.
pub fn readiness_held(pod: &Value) -> bool {
    pod.annotation(annotations::READY) == Some("false")
}
