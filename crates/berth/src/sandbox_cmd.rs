//! `berth sandbox`: run the sandbox cluster until Ctrl-C or SIGTERM.

use anyhow::Context;
use berth_sandbox::sim::SimConfig;
use berth_sandbox::{Sandbox, SandboxConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:6443")]
    listen: SocketAddr,
    /// Keep the cluster's data here (default: a fresh temporary folder, removed at exit).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Write the kubeconfig here (default: `kubeconfig` in the data folder).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Serve HTTPS with a generated CA written into the kubeconfig. This is the default:
    /// kubectl sends the bearer token only over TLS.
    #[arg(long, conflicts_with = "plain_http")]
    tls: bool,
    /// Serve plain HTTP instead. kubectl and other client-go programs will not send the token
    /// over plain HTTP, so only clients such as kube-rs can use it.
    #[arg(long)]
    plain_http: bool,
    /// How many simulated worker nodes to start.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=1000))]
    nodes: u16,
    /// Allocatable CPU of each node (a Kubernetes quantity).
    #[arg(long, default_value = "4", value_parser = parse_quantity)]
    node_cpu: String,
    /// Allocatable memory of each node (a Kubernetes quantity).
    #[arg(long, default_value = "16Gi", value_parser = parse_quantity)]
    node_memory: String,
    /// How many pods each node accepts.
    #[arg(long, default_value_t = 110)]
    max_pods: u32,
    /// Multiplies every simulated delay: 1 looks like a real cluster (pods ready in about two
    /// seconds), 0.05 is twenty times faster.
    #[arg(long, default_value_t = 1.0, value_parser = parse_time_scale)]
    time_scale: f64,
    /// Serve the API alone: no nodes, scheduler, kubelet or workload controllers.
    #[arg(long)]
    no_simulation: bool,
}

fn parse_quantity(text: &str) -> Result<String, String> {
    berth_sandbox::sim::parse_quantity(text)
        .filter(|v| *v > 0.0)
        .map(|_| text.to_string())
        .ok_or_else(|| {
            format!("{text:?} is not a positive Kubernetes quantity such as 4, 3500m or 16Gi")
        })
}

fn parse_time_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a number between 0 and 100")),
    }
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let config = SandboxConfig {
        listen: args.listen,
        data_dir: args.data_dir,
        kubeconfig: args.kubeconfig,
        tls: args.tls || !args.plain_http,
        simulation: (!args.no_simulation).then(|| SimConfig {
            nodes: usize::from(args.nodes),
            node_cpu: args.node_cpu,
            node_memory: args.node_memory,
            node_max_pods: args.max_pods,
            time_scale: args.time_scale,
            ..SimConfig::default()
        }),
        ..SandboxConfig::default()
    };
    // Handlers first: a SIGTERM sent as soon as the URL is printed must stop us cleanly.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    let sandbox = Sandbox::start(config)
        .await
        .context("starting the sandbox cluster")?;
    println!("sandbox cluster serving at {}", sandbox.url());
    println!("kubeconfig: {}", sandbox.kubeconfig_path().display());
    println!(
        "try: KUBECONFIG={} kubectl get namespaces",
        sandbox.kubeconfig_path().display()
    );
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = term.recv() => {}
    }
    println!("stopping the sandbox cluster");
    sandbox.shutdown().await;
    Ok(())
}
