//! One container's lifecycle as the kubelet reports it, one step at a time: image pull (or its
//! failure and back-off), running, readiness, exit, and restarts with the kubelet's back-off
//! (10 s doubling to 5 min, all nominal seconds scaled by the sandbox's time scale).

use super::super::config::{SimConfig, annotations};
use super::super::events::Level;
use super::readiness_held;
use berth_kube::ObjectExt;
use serde_json::{Value, json};
use std::time::Instant;

/// Nominal seconds an image pull takes.
const PULL_SECONDS: f64 = 1.0;
/// Nominal seconds from ErrImagePull to ImagePullBackOff.
const PULL_ERROR_SECONDS: f64 = 1.0;
/// Nominal seconds a crashing container runs before it exits.
const CRASH_AFTER_SECONDS: f64 = 1.0;
/// Nominal seconds a readiness probe takes to pass once its initial delay is over.
const PROBE_SECONDS: f64 = 1.0;

/// What the kubelet knows about a pod that shapes each container's fate.
pub struct PodFacts {
    pub pod: String,
    pub namespace: String,
    pub uid: String,
    pub restart_policy: String,
    pub crash: bool,
    pub hold_unready: bool,
    pub exit_code: i64,
    pub run_seconds: f64,
    pub qos_class: &'static str,
    pub time_scale: f64,
    pull_failures: Vec<String>,
    crashing_images: Vec<String>,
}

impl PodFacts {
    pub fn of(pod: &Value, config: &SimConfig) -> Self {
        let spec = pod.get("spec").cloned().unwrap_or(Value::Null);
        Self {
            pod: pod.name().to_string(),
            namespace: pod.namespace().to_string(),
            uid: pod.uid().to_string(),
            restart_policy: spec
                .get("restartPolicy")
                .and_then(Value::as_str)
                .unwrap_or("Always")
                .to_string(),
            crash: pod.annotation(annotations::CRASH) == Some("true"),
            hold_unready: readiness_held(pod),
            exit_code: pod
                .annotation(annotations::EXIT_CODE)
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(0),
            run_seconds: pod
                .annotation(annotations::RUN_SECONDS)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .unwrap_or(1.0),
            qos_class: qos_class(&spec),
            time_scale: config.time_scale,
            pull_failures: config.image_pull_failures.clone(),
            crashing_images: config.crashing_images.clone(),
        }
    }

    fn pull_fails(&self, image: &str) -> bool {
        self.pull_failures
            .iter()
            .any(|p| !p.is_empty() && image.contains(p.as_str()))
    }

    fn crashes(&self, image: &str) -> bool {
        self.crash
            || self
                .crashing_images
                .iter()
                .any(|p| !p.is_empty() && image.contains(p.as_str()))
    }
}

/// How long a container has been in its current state, as the kubelet remembers it.
#[derive(Default)]
pub struct ContainerClock {
    fingerprint: String,
    since: Option<Instant>,
    pull_attempts: u32,
}

impl ContainerClock {
    /// Nominal seconds spent in `status`'s state (0 when it is new to this clock).
    fn elapsed(&self, status: Option<&Value>, scale: f64) -> f64 {
        let same = status.map(fingerprint).as_deref() == Some(self.fingerprint.as_str());
        match self.since {
            Some(since) if same => {
                let real = since.elapsed().as_secs_f64();
                if scale > 0.0 {
                    real / scale
                } else {
                    f64::INFINITY
                }
            }
            _ => 0.0,
        }
    }

    /// Restarts the clock when the state changed.
    pub fn observe(&mut self, status: &Value) {
        let print = fingerprint(status);
        if print != self.fingerprint || self.since.is_none() {
            self.fingerprint = print;
            self.since = Some(Instant::now());
        }
    }
}

fn fingerprint(status: &Value) -> String {
    let state = status
        .get("state")
        .and_then(Value::as_object)
        .and_then(|s| s.iter().next())
        .map(|(k, v)| {
            format!(
                "{k}:{}",
                v.get("reason").and_then(Value::as_str).unwrap_or("")
            )
        })
        .unwrap_or_default();
    format!(
        "{state}|{}|{}",
        status
            .get("restartCount")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        status
            .get("ready")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    )
}

/// A step's result: the new status, the events it raises, and nominal seconds until the next.
pub struct Outcome {
    pub status: Value,
    pub events: Vec<(Level, String, String)>,
    pub wait: Option<f64>,
}

/// The kubelet's restart and image-pull back-off: 10 s doubling up to 5 minutes.
fn backoff(attempt: u32) -> f64 {
    let exp = attempt.saturating_sub(1).min(5);
    (10.0 * f64::from(1u32 << exp)).min(300.0)
}

/// The registry-qualified reference containerd reports (`docker.io/library/nginx:1.27`).
pub fn qualified(image: &str) -> String {
    let (path, has_registry) = match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => {
            (image.to_string(), true)
        }
        Some(_) => (image.to_string(), false),
        None => (format!("library/{image}"), false),
    };
    let path = if has_registry {
        path
    } else {
        format!("docker.io/{path}")
    };
    let last = path.rsplit('/').next().unwrap_or("");
    if last.contains([':', '@']) {
        path
    } else {
        format!("{path}:latest")
    }
}

fn hex64(seed: &str) -> String {
    // FNV-1a, widened by re-seeding: stable ids, not cryptographic ones.
    let mut out = String::with_capacity(64);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..4u8 {
        for b in seed.bytes().chain(std::iter::once(round)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{hash:016x}"));
    }
    out
}

pub fn image_id(image: &str) -> String {
    let q = qualified(image);
    let repo = q
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map_or(q.as_str(), |(r, _)| r);
    let repo = repo.split('@').next().unwrap_or(repo);
    format!("{repo}@sha256:{}", hex64(&q))
}

pub fn container_id(uid: &str, name: &str, restart: i64) -> String {
    format!("containerd://{}", hex64(&format!("{uid}/{name}/{restart}")))
}

/// Advances one container by at most one state.
pub fn step(
    spec: &Value,
    current: Option<&Value>,
    facts: &PodFacts,
    clock: &mut ContainerClock,
    now: &str,
) -> Outcome {
    let name = spec.get("name").and_then(Value::as_str).unwrap_or("");
    let image = spec.get("image").and_then(Value::as_str).unwrap_or("");
    let elapsed = clock.elapsed(current, facts.time_scale);
    let restarts = current
        .and_then(|c| c.get("restartCount"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let last_state = current
        .and_then(|c| c.get("lastState"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let status =
        |state: Value, ready: bool, started: bool, restarts: i64, last: Value, running_id: bool| {
            let mut s = json!({
                "name": name,
                "image": if running_id { qualified(image) } else { image.to_string() },
                "imageID": if running_id { image_id(image) } else { String::new() },
                "ready": ready,
                "restartCount": restarts,
                "started": started,
                "state": state,
                "lastState": last,
            });
            if running_id {
                s["containerID"] = json!(container_id(&facts.uid, name, restarts));
            }
            s
        };
    let unchanged = |wait: Option<f64>| Outcome {
        status: current.cloned().unwrap_or(Value::Null),
        events: Vec::new(),
        wait,
    };
    let ev = |level: Level, reason: &str, message: String| (level, reason.to_string(), message);
    let pull_failure = || {
        let q = qualified(image);
        format!(
            "failed to pull and unpack image \"{q}\": failed to resolve reference \"{q}\": {q}: not found"
        )
    };
    let start = |events: Vec<(Level, String, String)>, restarts: i64, last: Value| {
        let probe = spec.get("readinessProbe").is_some_and(|p| !p.is_null());
        let ready = !probe && !facts.hold_unready;
        let mut events = events;
        events.push(ev(
            Level::Normal,
            "Created",
            format!("Created container: {name}"),
        ));
        events.push(ev(
            Level::Normal,
            "Started",
            format!("Started container {name}"),
        ));
        Outcome {
            status: status(
                json!({"running": {"startedAt": now}}),
                ready,
                true,
                restarts,
                last,
                true,
            ),
            events,
            wait: Some(0.0),
        }
    };
    let waiting = |reason: &str| {
        current
            .and_then(|c| c.pointer("/state/waiting/reason"))
            .and_then(Value::as_str)
            == Some(reason)
    };

    let Some(cur) = current.filter(|c| c.get("state").is_some()) else {
        return Outcome {
            status: status(
                json!({"waiting": {"reason": "ContainerCreating"}}),
                false,
                false,
                0,
                json!({}),
                false,
            ),
            events: vec![ev(
                Level::Normal,
                "Pulling",
                format!("Pulling image \"{image}\""),
            )],
            wait: Some(PULL_SECONDS),
        };
    };

    if waiting("ContainerCreating") || waiting("ImagePullBackOff") {
        let due = if waiting("ContainerCreating") {
            PULL_SECONDS
        } else {
            backoff(clock.pull_attempts)
        };
        if elapsed < due {
            return unchanged(Some(due - elapsed));
        }
        let mut events = Vec::new();
        if waiting("ImagePullBackOff") {
            events.push(ev(
                Level::Normal,
                "Pulling",
                format!("Pulling image \"{image}\""),
            ));
        }
        if facts.pull_fails(image) {
            let message = format!("rpc error: code = NotFound desc = {}", pull_failure());
            events.push(ev(
                Level::Warning,
                "Failed",
                format!("Failed to pull image \"{image}\": {message}"),
            ));
            events.push(ev(Level::Warning, "Failed", "Error: ErrImagePull".into()));
            return Outcome {
                status: status(
                    json!({"waiting": {"reason": "ErrImagePull", "message": message}}),
                    false,
                    false,
                    restarts,
                    last_state,
                    false,
                ),
                events,
                wait: Some(PULL_ERROR_SECONDS),
            };
        }
        let millis = (PULL_SECONDS * 1000.0 * facts.time_scale.max(0.001)).round() as i64;
        events.push(ev(
            Level::Normal,
            "Pulled",
            format!("Successfully pulled image \"{image}\" in {millis}ms ({millis}ms including waiting). Image size: 42672342 bytes."),
        ));
        return start(events, restarts, last_state);
    }

    if waiting("ErrImagePull") {
        if elapsed < PULL_ERROR_SECONDS {
            return unchanged(Some(PULL_ERROR_SECONDS - elapsed));
        }
        clock.pull_attempts += 1;
        let message = format!("Back-off pulling image \"{image}\"");
        return Outcome {
            status: status(
                json!({"waiting": {"reason": "ImagePullBackOff", "message": message}}),
                false,
                false,
                restarts,
                last_state,
                false,
            ),
            events: vec![
                ev(Level::Normal, "BackOff", message.clone()),
                ev(Level::Warning, "Failed", "Error: ImagePullBackOff".into()),
            ],
            wait: Some(backoff(clock.pull_attempts)),
        };
    }

    if waiting("CrashLoopBackOff") {
        let due = backoff(restarts as u32);
        if elapsed < due {
            return unchanged(Some(due - elapsed));
        }
        let events = vec![ev(
            Level::Normal,
            "Pulled",
            format!("Container image \"{image}\" already present on machine"),
        )];
        return start(events, restarts, last_state);
    }

    if let Some(running) = cur.pointer("/state/running") {
        let started_at = running
            .get("startedAt")
            .cloned()
            .unwrap_or_else(|| json!(now));
        let exit = |code: i64, reason: &str| -> Outcome {
            let terminated = json!({
                "exitCode": code, "reason": reason, "startedAt": started_at, "finishedAt": now,
                "containerID": container_id(&facts.uid, name, restarts),
            });
            let restart = facts.restart_policy == "Always"
                || (facts.restart_policy == "OnFailure" && code != 0);
            if !restart {
                return Outcome {
                    status: status(
                        json!({"terminated": terminated}),
                        false,
                        false,
                        restarts,
                        last_state.clone(),
                        true,
                    ),
                    events: Vec::new(),
                    wait: None,
                };
            }
            let restarts = restarts + 1;
            let delay = backoff(restarts as u32);
            let pod = format!("{}_{}({})", facts.pod, facts.namespace, facts.uid);
            Outcome {
                status: status(
                    json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off {delay}s restarting failed container={name} pod={pod}")}}),
                    false,
                    false,
                    restarts,
                    json!({"terminated": terminated}),
                    true,
                ),
                events: vec![ev(
                    Level::Warning,
                    "BackOff",
                    format!("Back-off restarting failed container {name} in pod {pod}"),
                )],
                wait: Some(delay),
            }
        };
        if facts.crashes(image) {
            if elapsed < CRASH_AFTER_SECONDS {
                return unchanged(Some(CRASH_AFTER_SECONDS - elapsed));
            }
            return exit(1, "Error");
        }
        if facts.restart_policy != "Always" {
            if elapsed < facts.run_seconds {
                return unchanged(Some(facts.run_seconds - elapsed));
            }
            let code = facts.exit_code;
            return exit(code, if code == 0 { "Completed" } else { "Error" });
        }
        let ready = cur.get("ready").and_then(Value::as_bool) == Some(true);
        if !ready && !facts.hold_unready {
            let initial = spec
                .pointer("/readinessProbe/initialDelaySeconds")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let due = initial + PROBE_SECONDS;
            if elapsed < due {
                return unchanged(Some(due - elapsed));
            }
            let mut s = cur.clone();
            s["ready"] = json!(true);
            return Outcome {
                status: s,
                events: Vec::new(),
                wait: None,
            };
        }
        if ready && facts.hold_unready {
            let mut s = cur.clone();
            s["ready"] = json!(false);
            return Outcome {
                status: s,
                events: Vec::new(),
                wait: None,
            };
        }
        return unchanged(None);
    }
    unchanged(None)
}

/// Guaranteed when every container's limits equal its requests for CPU and memory,
/// BestEffort when nothing is requested or limited, Burstable otherwise.
fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let requests = c.pointer("/resources/requests").and_then(Value::as_object);
        let limits = c.pointer("/resources/limits").and_then(Value::as_object);
        any |= requests.is_some_and(|r| !r.is_empty()) || limits.is_some_and(|l| !l.is_empty());
        for r in ["cpu", "memory"] {
            let limit = limits.and_then(|l| l.get(r));
            let request = requests.and_then(|q| q.get(r)).or(limit);
            if limit.is_none() || request != limit {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_qualified_like_containerd_reports_them() {
        assert_eq!(qualified("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(qualified("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(qualified("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(qualified("ghcr.io/org/app:v2"), "ghcr.io/org/app:v2");
        assert_eq!(qualified("localhost:5000/app"), "localhost:5000/app:latest");
        assert!(image_id("nginx:1.27").starts_with("docker.io/library/nginx@sha256:"));
    }

    #[test]
    fn backoff_doubles_to_five_minutes() {
        assert_eq!(backoff(1), 10.0);
        assert_eq!(backoff(2), 20.0);
        assert_eq!(backoff(4), 80.0);
        assert_eq!(backoff(9), 300.0);
    }

    #[test]
    fn qos_classes() {
        assert_eq!(qos_class(&json!({"containers": [{}]})), "BestEffort");
        let g = json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]});
        assert_eq!(qos_class(&g), "Guaranteed");
        let b = json!({"containers": [{"resources": {"requests": {"cpu": "1"}}}]});
        assert_eq!(qos_class(&b), "Burstable");
    }
}
