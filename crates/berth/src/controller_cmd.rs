//! `berth controller`: the GitOps controller against the cluster of a kubeconfig.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use berth_engine::cluster::Cluster;
use berth_engine::controller::{Controller, ControllerConfig};
use berth_engine::git::GitRepos;

#[derive(clap::Args, Debug, Clone)]
pub struct ControllerArgs {
    /// Kubeconfig of the target cluster (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// The namespace of Applications and AppProjects.
    #[arg(long, default_value = "berth")]
    pub namespace: String,
    /// Where repository mirrors live.
    #[arg(long, default_value = ".berth/repositories")]
    pub cache_dir: PathBuf,
    /// How often each repository is fetched (Go duration: 120s, 3m).
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// How often every app is compared again without any event.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub resync_interval: Duration,
    /// Apps reconciled at once.
    #[arg(long, default_value_t = 10)]
    pub workers: usize,
    /// Fetch a repository from elsewhere, like git's url.<base>.insteadOf:
    /// `ORIGINAL=REPLACEMENT` (prefixes; repeatable).
    #[arg(long = "repo-insteadof", value_name = "ORIGINAL=REPLACEMENT")]
    pub url_rewrites: Vec<String>,
    #[command(flatten)]
    pub webhook: WebhookArgs,
}

/// The webhook server next to the controller.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct WebhookArgs {
    /// Accept push webhooks (GitHub, GitLab, Gitea, Bitbucket) at POST /api/webhook on
    /// this address, e.g. 0.0.0.0:8080; /metrics and /healthz are served there too.
    #[arg(long, value_name = "ADDR", requires = "webhook_secret_file")]
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// The file holding the webhook secret (HMAC key, or GitLab's token).
    #[arg(long, value_name = "PATH", requires = "webhook_listen")]
    pub webhook_secret_file: Option<PathBuf>,
    /// The file holding the bearer token that /metrics requires.
    #[arg(long, value_name = "PATH", requires = "webhook_listen")]
    pub metrics_token_file: Option<PathBuf>,
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    berth_engine::reconcile::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration (examples: 5s, 2m, 1h30m)"))
}

pub fn parse_rewrites(items: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .with_context(|| {
                    format!("--repo-insteadof {item:?}: expected ORIGINAL=REPLACEMENT")
                })
        })
        .collect()
}

pub async fn client(kubeconfig: Option<&PathBuf>) -> anyhow::Result<kube::Client> {
    let config = match kubeconfig {
        Some(path) => {
            let kc = kube::config::Kubeconfig::read_from(path)
                .with_context(|| format!("reading kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kc, &Default::default())
                .await
                .with_context(|| format!("using kubeconfig {}", path.display()))?
        }
        None => kube::Config::infer()
            .await
            .context("no kubeconfig: set --kubeconfig or KUBECONFIG")?,
    };
    kube::Client::try_from(config).context("creating the Kubernetes client")
}

/// A controller (or the CLI's view of one): flags first, then the rewrites stored in the
/// cluster's `berth-config` ConfigMap.
pub async fn controller(args: &ControllerArgs, client: kube::Client) -> anyhow::Result<Controller> {
    let git = GitRepos::open(
        &args.cache_dir,
        berth_git::Credentials::from_env("BERTH_GIT"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut url_rewrites = parse_rewrites(&args.url_rewrites)?;
    let cluster = Cluster::new(client);
    match berth_engine::controller::stored_url_rewrites(&cluster, &args.namespace).await {
        Ok(stored) => url_rewrites.extend(stored),
        Err(e) => tracing::debug!(error = %e, "no stored repository rewrites"),
    }
    let config = ControllerConfig {
        namespace: args.namespace.clone(),
        poll_interval: args.poll_interval,
        resync_interval: args.resync_interval,
        workers: args.workers,
        url_rewrites,
    };
    Ok(Controller::new(cluster, Arc::new(git), config))
}

pub async fn run(args: ControllerArgs) -> anyhow::Result<()> {
    let client = client(args.kubeconfig.as_ref()).await?;
    let controller = controller(&args, client).await?;
    let webhooks = match (
        &args.webhook.webhook_listen,
        &args.webhook.webhook_secret_file,
    ) {
        (Some(addr), Some(secret_file)) => {
            let secret = crate::webhook::read_secret(secret_file, "webhook secret")?;
            let metrics_token = match &args.webhook.metrics_token_file {
                Some(path) => Some(crate::webhook::read_secret(path, "metrics token")?),
                None => None,
            };
            let mirrors = berth_git::RepoCache::open(&args.cache_dir)
                .map(Arc::new)
                .map_err(|e| anyhow::anyhow!("opening the repository cache: {e}"))?;
            let server = Arc::new(crate::webhook::Server::new(
                controller.reconciler(),
                Some(mirrors),
                secret,
                metrics_token,
            ));
            Some(crate::webhook::serve(server, *addr))
        }
        _ => None,
    };
    tracing::info!(namespace = %args.namespace, "controller starting");
    let webhooks = async move {
        match webhooks {
            Some(server) => server.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        result = controller.run() => result.map_err(|e| anyhow::anyhow!("{e}")),
        result = webhooks => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
