//! `berth up`: a sandbox cluster, the controller, and the example GitOps repository (or
//! yours) bootstrapped for one environment, with live progress until every app is in sync.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use berth_engine::cluster::Cluster;
use berth_engine::controller::application_gvk;

use crate::controller_cmd::{self, ControllerArgs};

include!(concat!(env!("OUT_DIR"), "/example_repo.rs"));

/// The repository URL the example's Applications name.
pub const EXAMPLE_REPO_URL: &str = "https://git.example.com/platform/gitops-config.git";

#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// GitOps repository (path or URL); default: a copy of the example in the data folder.
    #[arg(long)]
    repo: Option<String>,
    /// The environment to bootstrap (bootstrap/<env>.yaml).
    #[arg(long, default_value = "stg", value_parser = ["dev", "stg", "prod"])]
    env: String,
    /// Where the sandbox, the repository copy and the mirrors live.
    #[arg(long, default_value = ".berth")]
    data_dir: PathBuf,
    /// Use this cluster instead of starting a sandbox.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// How often the repository is fetched.
    #[arg(long, default_value = "2s", value_parser = controller_cmd::parse_duration)]
    poll_interval: Duration,
    /// Give up waiting for Synced/Healthy after this long (the controller keeps running).
    #[arg(long, default_value = "5m", value_parser = controller_cmd::parse_duration)]
    timeout: Duration,
    /// Exit once every app is Synced and Healthy instead of running on.
    #[arg(long)]
    exit_when_synced: bool,
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("running git (is it installed?)")?;
    if !out.status.success() {
        anyhow::bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Writes the example into a new git repository (once; later runs keep the user's commits).
fn seed_example(dir: &Path) -> anyhow::Result<()> {
    if dir.join(".git").exists() {
        return Ok(());
    }
    for (rel, data) in EXAMPLE_REPO {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, data).with_context(|| format!("writing {}", path.display()))?;
    }
    git(dir, &["init", "-q", "-b", "main"])?;
    git(dir, &["add", "-A"])?;
    git(
        dir,
        &[
            "-c",
            "user.name=berth",
            "-c",
            "user.email=berth@localhost",
            "commit",
            "-q",
            "-m",
            "The example GitOps repository, seeded by berth up",
        ],
    )
}

fn repo_url(repo: &str) -> anyhow::Result<String> {
    if repo.contains("://") || repo.starts_with("git@") {
        return Ok(repo.to_string());
    }
    let abs =
        std::fs::canonicalize(repo).with_context(|| format!("repository {repo} not found"))?;
    Ok(format!("file://{}", abs.display()))
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&args.data_dir)?;
    let (url, local_checkout) = match &args.repo {
        Some(r) => (repo_url(r)?, None),
        None => {
            let dir = data_dir.join("gitops-config");
            seed_example(&dir)?;
            (format!("file://{}", dir.display()), Some(dir))
        }
    };

    let mut sandbox = None;
    let kubeconfig = match &args.kubeconfig {
        Some(k) => k.clone(),
        None => {
            let config = berth_sandbox::SandboxConfig {
                data_dir: Some(data_dir.join("sandbox")),
                kubeconfig: Some(data_dir.join("kubeconfig")),
                ..Default::default()
            };
            let s = berth_sandbox::Sandbox::start(config)
                .await
                .context("starting the sandbox cluster")?;
            let path = s.kubeconfig_path().to_path_buf();
            eprintln!("sandbox cluster at {}", s.url());
            sandbox = Some(s);
            path
        }
    };

    let controller_args = ControllerArgs {
        kubeconfig: Some(kubeconfig.clone()),
        namespace: "berth".into(),
        cache_dir: data_dir.join("repositories"),
        poll_interval: args.poll_interval,
        resync_interval: Duration::from_secs(120),
        workers: 10,
        url_rewrites: vec![format!("{EXAMPLE_REPO_URL}={url}")],
        webhook: Default::default(),
    };
    let client = controller_cmd::client(Some(&kubeconfig)).await?;
    let cluster = Cluster::new(client.clone());
    berth_engine::controller::install(&cluster, "berth")
        .await
        .map_err(|e| anyhow::anyhow!("installing the CRDs: {e}"))?;
    // Recorded in the cluster so `berth app diff` and later controllers find the repository.
    let rewrites = controller_cmd::parse_rewrites(&controller_args.url_rewrites)?;
    berth_engine::controller::store_url_rewrites(&cluster, "berth", &rewrites)
        .await
        .map_err(|e| anyhow::anyhow!("recording the repository location: {e}"))?;
    let controller = controller_cmd::controller(&controller_args, client).await?;
    let running = tokio::spawn(async move { controller.run().await });

    // The root Application of the environment, read from the repository itself.
    let bootstrap = read_bootstrap(&data_dir, &url, &args.env)?;
    let mut root: serde_json::Value = serde_yaml::from_str(&bootstrap)
        .with_context(|| format!("bootstrap/{}.yaml is not valid YAML", args.env))?;
    root["metadata"]["namespace"] = "berth".into();
    cluster
        .apply(&root, false)
        .await
        .map_err(|e| anyhow::anyhow!("applying bootstrap/{}.yaml: {e}", args.env))?;
    eprintln!(
        "bootstrapped {} from {}",
        root["metadata"]["name"].as_str().unwrap_or("?"),
        berth_engine::controller::redact_url(&url)
    );

    let synced = follow_progress(&cluster, args.timeout).await?;
    println!();
    println!(
        "Berth is running ({}).",
        if synced {
            "all automated apps are Synced and Healthy"
        } else {
            "not every app is in sync yet"
        }
    );
    println!("  export KUBECONFIG={}", kubeconfig.display());
    println!("  kubectl get applications -n berth");
    println!("  berth app list            # and: berth app get|diff|sync|history NAME");
    if let Some(dir) = &local_checkout {
        println!(
            "  GitOps repository: {} (commit there; berth picks it up within seconds)",
            dir.display()
        );
    }
    if args.exit_when_synced {
        running.abort();
        if let Some(s) = sandbox {
            s.shutdown().await;
        }
        return if synced {
            Ok(())
        } else {
            anyhow::bail!("timed out before every app was in sync")
        };
    }
    println!("Press Ctrl-C to stop.");
    tokio::select! {
        r = running => match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("controller stopped: {e}"),
            Err(e) => eprintln!("controller stopped: {e}"),
        },
        _ = tokio::signal::ctrl_c() => {}
    }
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    Ok(())
}

fn read_bootstrap(data_dir: &Path, url: &str, env: &str) -> anyhow::Result<String> {
    use berth_engine::source::{GitSource, RepoReader};
    let repos = berth_engine::git::GitRepos::open(
        data_dir.join("repositories"),
        berth_git::Credentials::from_env("BERTH_GIT"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    repos.fetch(url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let commit = repos
        .resolve(url, "HEAD")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let path = format!("bootstrap/{env}.yaml");
    let data = repos
        .read(url, &commit, &path)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_context(|| format!("{path} is not in the repository"))?;
    String::from_utf8(data).with_context(|| format!("{path} is not UTF-8"))
}

/// Prints each app's sync and health as they change until every automated app is Synced
/// and Healthy (manual apps are listed as waiting for `berth app sync`).
async fn follow_progress(cluster: &Cluster, timeout: Duration) -> anyhow::Result<bool> {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        let apps = cluster
            .list(&application_gvk(), Some("berth"))
            .await
            .map_err(|e| anyhow::anyhow!("listing Applications: {e}"))?;
        let mut lines = Vec::new();
        let mut done = !apps.is_empty();
        let mut names: Vec<&serde_json::Value> = apps.iter().collect();
        names.sort_by_key(|a| {
            a["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        });
        for app in names {
            let name = app["metadata"]["name"].as_str().unwrap_or_default();
            let sync = app["status"]["sync"]["status"]
                .as_str()
                .unwrap_or("Unknown");
            let health = app["status"]["health"]["status"]
                .as_str()
                .unwrap_or("Unknown");
            let automated = !app["spec"]["syncPolicy"]["automated"].is_null()
                && app["spec"]["syncPolicy"]["automated"]["enabled"] != false;
            let phase = app["status"]["operationState"]["phase"]
                .as_str()
                .unwrap_or("");
            let note = if !automated && sync != "Synced" {
                "waiting for `berth app sync`".to_string()
            } else if phase == "Running" {
                app["status"]["operationState"]["message"]
                    .as_str()
                    .unwrap_or("syncing")
                    .to_string()
            } else {
                String::new()
            };
            if automated && (sync != "Synced" || health != "Healthy") {
                done = false;
            }
            lines.push(format!("  {name:<28} {sync:<10} {health:<12} {note}"));
        }
        let table = lines.join("\n");
        if table != last {
            println!(
                "[{:>5.1}s]\n  {:<28} {:<10} {:<12}\n{table}",
                start.elapsed().as_secs_f64(),
                "APP",
                "SYNC",
                "HEALTH"
            );
            last = table;
        }
        if done {
            return Ok(true);
        }
        if start.elapsed() > timeout {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
