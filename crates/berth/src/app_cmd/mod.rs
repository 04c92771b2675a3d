//! `berth app`: the `argocd app` experience over the Kubernetes API. Applications are read
//! from and written to the cluster of a kubeconfig, exactly as kubectl would: a sync is a
//! merge patch of `.operation`, progress is read back from `.status.operationState`.

mod delete;
mod diff;
mod get;
mod history;
mod list;
mod output;
mod sync;
mod wait;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use berth_engine::cluster::{Cluster, ClusterError};
use berth_engine::controller::application_gvk;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

#[derive(clap::Args, Debug)]
pub struct AppArgs {
    /// Kubeconfig of the cluster (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, env = "KUBECONFIG", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// The namespace the Applications live in.
    #[arg(short = 'n', long, default_value = "berth", global = true)]
    pub namespace: String,
    #[command(subcommand)]
    pub command: AppCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum AppCommand {
    /// List Applications with their sync and health status.
    List(list::ListArgs),
    /// Show one Application: source, destination, status, last operation and resources.
    Get(get::GetArgs),
    /// Show what a sync would change. Exit codes: 0 no differences, 1 differences, 2 error.
    Diff(diff::DiffArgs),
    /// Start a sync and follow it until it finishes (exit 1 when it fails or --timeout passes).
    Sync(sync::SyncArgs),
    /// Show the deployments recorded in the Application's history.
    History(history::HistoryArgs),
    /// Wait until an Application is Synced and/or Healthy and no operation is running (exit 1
    /// on timeout).
    Wait(wait::WaitArgs),
    /// Delete an Application, with its resources (default) or without them.
    Delete(delete::DeleteArgs),
}

/// How a command wants the process to end when it did not fail.
pub(crate) enum Outcome {
    Success,
    Exit(i32),
}

pub async fn run(args: AppArgs) -> anyhow::Result<()> {
    let is_diff = matches!(args.command, AppCommand::Diff(_));
    match execute(args).await {
        Ok(Outcome::Success) => Ok(()),
        Ok(Outcome::Exit(code)) => exit(code),
        // `app diff` keeps exit code 1 for "there are differences", as `argocd app diff` does.
        Err(e) if is_diff => {
            let _ = std::io::stdout().flush();
            eprintln!("error: {e:#}");
            exit(2)
        }
        Err(e) => Err(e),
    }
}

fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

async fn execute(args: AppArgs) -> anyhow::Result<Outcome> {
    // KUBECONFIG may list several files, as kubectl allows: kube merges them itself.
    let kubeconfig = match args.kubeconfig {
        Some(path)
            if !path.exists()
                && std::env::var_os("KUBECONFIG")
                    .is_some_and(|v| v.as_os_str() == path.as_os_str())
                && std::env::split_paths(&path).count() > 1 =>
        {
            None
        }
        other => other,
    };
    let client = crate::controller_cmd::client(kubeconfig.as_ref()).await?;
    let ctx = Ctx {
        cluster: Cluster::new(client),
        namespace: args.namespace,
        kubeconfig,
    };
    match args.command {
        AppCommand::List(a) => list::run(&ctx, a).await,
        AppCommand::Get(a) => get::run(&ctx, a).await,
        AppCommand::Diff(a) => diff::run(&ctx, a).await,
        AppCommand::Sync(a) => sync::run(&ctx, a).await,
        AppCommand::History(a) => history::run(&ctx, a).await,
        AppCommand::Wait(a) => wait::run(&ctx, a).await,
        AppCommand::Delete(a) => delete::run(&ctx, a).await,
    }
}

/// The cluster and namespace every subcommand works in.
pub(crate) struct Ctx {
    pub cluster: Cluster,
    pub namespace: String,
    pub kubeconfig: Option<PathBuf>,
}

impl Ctx {
    fn cluster_error(&self, e: ClusterError) -> anyhow::Error {
        match e {
            ClusterError::UnknownKind { .. } => anyhow::anyhow!(
                "the cluster does not serve Applications (argoproj.io/v1alpha1): \
                 start `berth controller` against it (it installs the CRDs), or check --kubeconfig"
            ),
            ClusterError::Transport(message) => anyhow::anyhow!(
                "cannot talk to the cluster of {}: {message}",
                self.kubeconfig_label()
            ),
            other => anyhow::Error::new(other),
        }
    }

    fn kubeconfig_label(&self) -> String {
        self.kubeconfig
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the default kubeconfig".into())
    }

    fn not_found(&self, name: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "application {name} not found in namespace {}",
            self.namespace
        )
    }

    /// The Application, or None when it does not exist.
    pub async fn find_app(&self, name: &str) -> anyhow::Result<Option<Value>> {
        self.cluster
            .get(&application_gvk(), &self.namespace, name)
            .await
            .map_err(|e| self.cluster_error(e))
            .with_context(|| format!("reading application {name}"))
    }

    /// The Application; an error a person can act on when it does not exist.
    pub async fn app(&self, name: &str) -> anyhow::Result<Value> {
        self.find_app(name)
            .await?
            .ok_or_else(|| self.not_found(name))
    }

    pub async fn list_apps(&self, selector: Option<&str>) -> anyhow::Result<Vec<Value>> {
        let rt = self
            .cluster
            .resource_type(&application_gvk())
            .await
            .map_err(|e| self.cluster_error(e))?;
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.cluster.client().clone(), &self.namespace, &rt.resource);
        let mut params = ListParams::default();
        if let Some(selector) = selector {
            params = params.labels(selector);
        }
        let list = api.list(&params).await.map_err(|e| match e {
            kube::Error::Api(s) if s.code == 400 => {
                anyhow::anyhow!(
                    "invalid label selector {:?}: {}",
                    selector.unwrap_or_default(),
                    s.message
                )
            }
            other => self.cluster_error(other.into()),
        })?;
        let mut apps: Vec<Value> = list
            .items
            .iter()
            .map(berth_engine::cluster::to_value)
            .collect();
        apps.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        Ok(apps)
    }

    pub async fn patch_app(&self, name: &str, patch: &Value) -> Result<Value, ClusterError> {
        self.cluster
            .merge_patch(&application_gvk(), &self.namespace, name, patch)
            .await
    }

    pub async fn delete_app(&self, name: &str) -> anyhow::Result<()> {
        self.cluster
            .delete(&application_gvk(), &self.namespace, name, "background")
            .await
            .map_err(|e| self.cluster_error(e))
            .with_context(|| format!("deleting application {name}"))
    }
}

pub(crate) fn name_of(app: &Value) -> &str {
    app["metadata"]["name"].as_str().unwrap_or_default()
}

/// Writes to stdout; a closed pipe (`berth app list | head`) is not an error worth a panic.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// `5m`, `90s`, `1h30m`; `0` means no limit.
pub(crate) fn parse_timeout(text: &str) -> Result<Duration, String> {
    crate::controller_cmd::parse_duration(text)
}

/// The deadline of a timeout flag; `0` waits without a limit.
pub(crate) fn deadline(timeout: Duration) -> Option<tokio::time::Instant> {
    (!timeout.is_zero()).then(|| tokio::time::Instant::now() + timeout)
}

pub(crate) fn expired(deadline: Option<tokio::time::Instant>) -> bool {
    deadline.is_some_and(|d| tokio::time::Instant::now() >= d)
}

/// How often progress is read back from the cluster.
pub(crate) const POLL: Duration = Duration::from_millis(300);
