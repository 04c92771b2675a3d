//! `berth app diff`: what a sync would change, as unified diffs of live → desired.
//!
//! Exit codes follow `argocd app diff`: 0 when there is nothing to change, 1 when there are
//! differences (unless `--exit-code=false`), 2 on any error.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::{Ctx, Outcome};
use crate::controller_cmd::{self, ControllerArgs};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The Application's name.
    name: String,
    /// Exit with 1 when there are differences (`--exit-code=false`: 0 either way).
    #[arg(
        long,
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
    )]
    exit_code: bool,
    /// Where repository mirrors live (default: $XDG_CACHE_HOME/berth/repositories, then
    /// ~/.cache/berth/repositories).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Fetch a repository from elsewhere, like git's url.<base>.insteadOf:
    /// `ORIGINAL=REPLACEMENT` (repeatable; added to those stored in the cluster).
    #[arg(long = "repo-insteadof", value_name = "ORIGINAL=REPLACEMENT")]
    url_rewrites: Vec<String>,
}

fn default_cache_dir() -> anyhow::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("HOME") {
            Some(home) if !home.is_empty() => PathBuf::from(home).join(".cache"),
            _ => anyhow::bail!("no cache folder: set --cache-dir, XDG_CACHE_HOME or HOME"),
        },
    };
    Ok(base.join("berth").join("repositories"))
}

pub async fn run(ctx: &Ctx, args: DiffArgs) -> anyhow::Result<Outcome> {
    // The engine's own lookup would quote the name; check first for the CLI's wording.
    ctx.app(&args.name).await?;
    let cache_dir = match args.cache_dir {
        Some(dir) => dir,
        None => default_cache_dir()?,
    };
    std::fs::create_dir_all(&cache_dir)
        .with_context(|| format!("creating the cache folder {}", cache_dir.display()))?;
    let controller_args = ControllerArgs {
        kubeconfig: ctx.kubeconfig.clone(),
        namespace: ctx.namespace.clone(),
        cache_dir,
        poll_interval: Duration::from_secs(120),
        resync_interval: Duration::from_secs(120),
        workers: 1,
        url_rewrites: args.url_rewrites,
        webhook: Default::default(),
    };
    let controller =
        controller_cmd::controller(&controller_args, ctx.cluster.client().clone()).await?;
    let diffs = controller
        .reconciler()
        .diff(&args.name)
        .await
        .map_err(|e| anyhow::anyhow!("comparing {} with the cluster: {e}", args.name))?;
    let mut changed = 0;
    for d in &diffs {
        if d.status == "Synced" || d.diff.is_empty() {
            continue;
        }
        changed += 1;
        let k = &d.key;
        let note = if d.status == "Prune" {
            " (not in git: a sync with --prune deletes it)"
        } else {
            ""
        };
        let mut text = format!(
            "===== {}/{} {}/{} ======{note}\n",
            k.group, k.kind, k.namespace, k.name
        );
        text.push_str(&d.diff);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        super::print(&text);
    }
    if changed == 0 {
        eprintln!("{} is in sync with git: no differences.", args.name);
        return Ok(Outcome::Success);
    }
    Ok(if args.exit_code {
        Outcome::Exit(1)
    } else {
        Outcome::Success
    })
}
