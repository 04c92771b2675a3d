//! The simulated cluster behind the API server, in the spirit of kwok: nodes that exist only as
//! objects, a scheduler, a kubelet that walks pods through their lifecycle (and through image
//! pull failures and crash loops on request), and the workload controllers that turn
//! Deployments, Jobs and the rest into pods. Everything acts through the sandbox's own API, so
//! each step is visible to watches exactly as on a real cluster.

pub mod config;
pub(crate) mod cronjob;
pub(crate) mod ctx;
mod daemonset;
mod deployment;
mod events;
mod hpa;
mod ingress;
mod job;
mod kubelet;
pub(crate) mod metrics;
mod nodes;
mod pods;
mod quantity;
mod replicaset;
mod revisions;
mod runtime;
mod scheduler;
mod services;
mod statefulset;
mod storage;
mod usage;

pub use config::SimConfig;
pub use quantity::parse as parse_quantity;

/// The parsers the simulation applies to user input, for fuzzing: a CronJob schedule (with
/// its next fire time) and a Kubernetes quantity. Neither may panic on any input.
pub fn fuzz_inputs(text: &str, after: i64) {
    if let Ok(schedule) = cronjob::schedule::Schedule::parse(text) {
        let _ = schedule.next_after(after);
    }
    let _ = quantity::parse(text);
}

use crate::cluster::Cluster;
use ctx::Ctx;
use runtime::{Reconciler, Runtime};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Registers the nodes and starts the simulation on its own thread; it stops when `stop` is
/// set.
pub fn start(
    cluster: Cluster,
    config: SimConfig,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let ctx = Ctx::new(cluster, config);
    nodes::register(&ctx);
    metrics::register(&ctx.cluster.registry);
    storage::register_default_class(&ctx);
    std::thread::Builder::new()
        .name("sandbox-simulation".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!("the simulation cannot start: {e}");
                    return;
                }
            };
            runtime.block_on(Runtime::new(ctx, reconcilers()).run(stop));
        })
        .unwrap_or_else(|e| panic!("cannot start the simulation thread: {e}"))
}

fn reconcilers() -> Vec<Box<dyn Reconciler>> {
    vec![
        Box::new(scheduler::Scheduler::default()),
        Box::new(kubelet::Kubelet::default()),
        Box::new(replicaset::ReplicaSetController),
        Box::new(deployment::DeploymentController),
        Box::new(hpa::HpaController::default()),
        Box::new(job::JobController::default()),
        Box::new(cronjob::CronJobController::default()),
        Box::new(statefulset::StatefulSetController),
        Box::new(daemonset::DaemonSetController),
        Box::new(services::LoadBalancerController::default()),
        Box::new(services::EndpointsController::default()),
        Box::new(ingress::IngressController::default()),
        Box::new(storage::ClaimController::default()),
        Box::new(storage::VolumeController),
    ]
}
