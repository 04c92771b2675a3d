//! Integration tests of the sandbox cluster against real clients: kubectl 1.32 (must be
//! installed: these tests fail, never skip, without it) and kube-rs.

mod apply;
mod bad_input;
mod crds;
mod helm;
mod kube_client;
mod kubectl;
mod sim_deployments;
mod sim_metrics;
mod sim_network_storage;
mod sim_workloads;
mod support;
mod watch;
mod writes;
