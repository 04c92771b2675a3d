//! core/v1 Events as the real components record them: one object per (object, reason,
//! message), counted up when it repeats, so `kubectl describe` and `kubectl get events` read
//! like a real cluster's.

use super::ctx::{Ctx, EVENTS};
use berth_kube::{ObjectExt, now_rfc3339};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Normal or Warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Normal,
    Warning,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Normal => "Normal",
            Level::Warning => "Warning",
        }
    }
}

/// An event's identity for aggregation: involved object uid, reason, message.
type EventIdentity = (String, String, String);

/// Remembers the events already written so repeats update the count instead of piling up.
#[derive(Clone, Default)]
pub struct Recorder {
    seen: Arc<Mutex<HashMap<EventIdentity, String>>>,
}

impl Ctx {
    /// Records an event about `involved` from `component` (`default-scheduler`, `kubelet`,
    /// `deployment-controller`, ...).
    pub fn event(
        &self,
        involved: &Value,
        level: Level,
        reason: &str,
        message: &str,
        component: &str,
    ) {
        let namespace = match involved.namespace() {
            "" => "default",
            ns => ns,
        };
        let seen_key = (
            involved.uid().to_string(),
            reason.to_string(),
            message.to_string(),
        );
        let now = now_rfc3339();
        let existing = self
            .events
            .seen
            .lock()
            .map(|m| m.get(&seen_key).cloned())
            .unwrap_or_default();
        if let Some(name) = existing {
            let bumped = self.update(EVENTS, namespace, &name, component, |mut ev| {
                let count = ev.get("count").and_then(Value::as_i64).unwrap_or(1);
                ev["count"] = json!(count + 1);
                ev["lastTimestamp"] = json!(now);
                Some(ev)
            });
            if bumped.is_ok() {
                return;
            }
        }
        let name = format!("{}.{:016x}", involved.name(), rand::random::<u64>() >> 1);
        let mut reference = json!({
            "apiVersion": involved.api_version(),
            "kind": involved.kind(),
            "name": involved.name(),
            "uid": involved.uid(),
            "resourceVersion": involved.resource_version(),
        });
        if !involved.namespace().is_empty() {
            reference["namespace"] = json!(involved.namespace());
        }
        let host = involved
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .filter(|_| component == "kubelet");
        let mut source = json!({"component": component});
        if let Some(host) = host {
            source["host"] = json!(host);
        }
        let ev = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": reference,
            "reason": reason,
            "message": message,
            "type": level.as_str(),
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "reportingComponent": component,
            "reportingInstance": host.unwrap_or(""),
        });
        match self.create(EVENTS, namespace, ev, component) {
            Ok(_) => {
                if let Ok(mut seen) = self.events.seen.lock() {
                    // Bounded: a long run forgets old events rather than growing without end.
                    if seen.len() > 50_000 {
                        seen.clear();
                    }
                    seen.insert(seen_key, name);
                }
            }
            Err(e) => tracing::debug!("cannot record event {reason} on {}: {e}", involved.name()),
        }
    }
}
