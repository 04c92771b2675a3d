//! `berth sandbox`: run the sandbox cluster until Ctrl-C or SIGTERM.

use anyhow::Context;
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
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let config = SandboxConfig {
        listen: args.listen,
        data_dir: args.data_dir,
        kubeconfig: args.kubeconfig,
        tls: args.tls || !args.plain_http,
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
