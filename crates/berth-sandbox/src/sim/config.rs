//! What the simulated cluster looks like and how fast it moves.

use std::time::Duration;

/// The simulated nodes, kubelet delays and failure rules.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// How many worker nodes to start with.
    pub nodes: usize,
    /// Allocatable CPU per node, as a Kubernetes quantity (`4`, `3500m`).
    pub node_cpu: String,
    /// Allocatable memory per node (`16Gi`).
    pub node_memory: String,
    /// How many pods a node accepts (the kubelet's `maxPods`).
    pub node_max_pods: u32,
    /// Multiplies every simulated delay: 1.0 looks like a real cluster (pods ready in about two
    /// seconds), 0.01 lets tests run in milliseconds.
    pub time_scale: f64,
    /// An image whose reference contains any of these fails to pull.
    pub image_pull_failures: Vec<String>,
    /// A container whose image reference contains any of these exits with code 1 after starting.
    pub crashing_images: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            nodes: 3,
            node_cpu: "4".into(),
            node_memory: "16Gi".into(),
            node_max_pods: 110,
            time_scale: 1.0,
            image_pull_failures: vec!["does-not-exist".into()],
            crashing_images: Vec::new(),
        }
    }
}

impl SimConfig {
    /// A nominal delay in seconds, scaled.
    pub fn delay(&self, seconds: f64) -> Duration {
        let scaled = (seconds * self.time_scale).max(0.0);
        Duration::from_secs_f64(scaled.min(1e9))
    }
}

/// Annotations a pod (usually through its template) uses to ask for simulated behaviour.
pub mod annotations {
    /// `"true"`: every container exits with code 1 shortly after starting.
    pub const CRASH: &str = "sandbox.berth.dev/crash";
    /// `"false"`: containers start but never become ready.
    pub const READY: &str = "sandbox.berth.dev/ready";
    /// The exit code of a pod that runs to completion (restartPolicy Never or OnFailure).
    pub const EXIT_CODE: &str = "sandbox.berth.dev/exit-code";
    /// How many nominal seconds a run-to-completion container runs (default 1).
    pub const RUN_SECONDS: &str = "sandbox.berth.dev/run-seconds";
    /// Simulated usage per container: `cpu=250m,memory=300Mi`.
    pub const USAGE: &str = "sandbox.berth.dev/usage";
}
