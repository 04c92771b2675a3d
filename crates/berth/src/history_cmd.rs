//! `berth history APP`: the app's deploys in one timeline: every commit that changed its
//! inputs (revision, author, time, message, image tag change) joined with the controller's
//! sync records from the cluster (when, by whom, result, health).

use std::path::{Path, PathBuf};

use anyhow::Context;
use berth_engine::controller::application_gvk;
use berth_engine::model::Application;
use serde::Serialize;

use crate::bump_cmd::{
    AppManifest, find_app, find_applications, find_tag, git_local, input_pathspecs, open_repo,
};

#[derive(clap::Args, Debug, Clone)]
pub struct HistoryArgs {
    /// The Application, e.g. `orders-api-prod` (or `orders-api` with --env prod).
    pub app: String,
    /// The environment, when APP is the service name.
    #[arg(long)]
    pub env: Option<String>,
    /// The GitOps repository: a URL (cloned into a temporary folder) or a working clone.
    #[arg(long, default_value = ".")]
    pub repo: String,
    /// The branch (default: the clone's, or the remote's default branch).
    #[arg(long)]
    pub branch: Option<String>,
    /// Join the controller's sync records from this cluster (default: none; KUBECONFIG
    /// is not read unless given here).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// The namespace of Applications.
    #[arg(long, default_value = "berth")]
    pub namespace: String,
    /// At most this many commits.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TagChange {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Sync {
    id: i64,
    revision: String,
    deployed_at: String,
    initiated_by: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    revision: String,
    author: String,
    email: String,
    time: String,
    message: String,
    tag_change: Option<TagChange>,
    /// The controller's syncs that deployed this commit's state (newest first).
    syncs: Vec<Sync>,
    /// The result of the last sync operation, when it deployed this commit's state.
    result: Option<String>,
    /// Health now, for the commit whose state is running.
    health: Option<String>,
    running: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct History {
    app: String,
    manifest: String,
    tag_file: Option<String>,
    /// What the cluster runs: the revision synced, the app commit it comes from, since when.
    running: Option<Running>,
    entries: Vec<Entry>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Running {
    revision: String,
    app_commit: Option<String>,
    since: Option<String>,
    sync_status: String,
    health: String,
}

/// The file holding the app's image tag (the one `berth bump` edits), if any.
fn tag_file(dir: &Path, app: &AppManifest) -> Option<String> {
    let mut keyed = None;
    for file in app.value_files().iter().rev() {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        if let Ok(Some(s)) = crate::bump_cmd::find_marked(&text) {
            let _ = s;
            return Some(file.clone());
        }
        if keyed.is_none() && matches!(crate::bump_cmd::find_key(&text, "image.tag"), Ok(Some(_))) {
            keyed = Some(file.clone());
        }
    }
    keyed
}

fn tag_at(dir: &Path, rev: &str, file: &str) -> Option<String> {
    let text = git_local(dir, &["show", &format!("{rev}:{file}")]).ok()?;
    find_tag(&text).ok().flatten().map(|s| s.value)
}

/// The newest commit at `rev` that changed the app's inputs.
fn app_commit_at(dir: &Path, rev: &str, specs: &[String]) -> Option<String> {
    let mut argv = vec!["log", "-n1", "--format=%H", rev, "--"];
    argv.extend(specs.iter().map(String::as_str));
    git_local(dir, &argv)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub async fn run(args: HistoryArgs) -> anyhow::Result<()> {
    let checkout = open_repo(&args.repo, args.branch.as_deref())?;
    let dir = checkout.workdir.dir().to_path_buf();
    let apps = find_applications(&dir);
    let app = find_app(&apps, &args.app, args.env.as_deref())?;
    let specs = input_pathspecs(app, &apps);
    let tag_file = tag_file(&dir, app);

    let limit = format!("-n{}", args.limit.max(1));
    let mut argv = vec![
        "log",
        limit.as_str(),
        "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1e",
        "HEAD",
        "--",
    ];
    argv.extend(specs.iter().map(String::as_str));
    let log = git_local(&dir, &argv)?;
    let mut entries = Vec::new();
    for record in log.split('\u{1e}') {
        let fields: Vec<&str> = record.trim().split('\u{1f}').collect();
        let [rev, name, email, time, message] = fields[..] else {
            continue;
        };
        let tag_change = tag_file.as_deref().and_then(|file| {
            let after = tag_at(&dir, rev, file);
            let before = tag_at(&dir, &format!("{rev}^"), file);
            (after != before).then_some(TagChange {
                from: before,
                to: after,
            })
        });
        entries.push(Entry {
            revision: rev.to_string(),
            author: name.to_string(),
            email: email.to_string(),
            time: time.to_string(),
            message: message.to_string(),
            tag_change,
            syncs: Vec::new(),
            result: None,
            health: None,
            running: false,
        });
    }

    let mut running = None;
    if let Some(kubeconfig) = &args.kubeconfig {
        let client = crate::controller_cmd::client(Some(kubeconfig)).await?;
        let cluster = berth_engine::cluster::Cluster::new(client);
        let obj = cluster
            .get(&application_gvk(), &args.namespace, app.name())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| {
                format!(
                    "reading Application {}/{} from the cluster",
                    args.namespace,
                    app.name()
                )
            })?;
        match obj {
            None => eprintln!(
                "Application {}/{} is not in the cluster: no sync records",
                args.namespace,
                app.name()
            ),
            Some(obj) => {
                let live = Application::from_value(&obj).map_err(|e| anyhow::anyhow!("{e}"))?;
                running = Some(join(&dir, &specs, &live, &mut entries));
            }
        }
    }

    let history = History {
        app: app.name().to_string(),
        manifest: app.file.clone(),
        tag_file,
        running,
        entries,
    };
    match args.output {
        Format::Json => println!("{}", serde_json::to_string_pretty(&history)?),
        Format::Table => print!("{}", table(&history)),
    }
    Ok(())
}

/// Attaches the Application's sync records to the commits whose state they deployed.
fn join(dir: &Path, specs: &[String], live: &Application, entries: &mut [Entry]) -> Running {
    let mut app_commits = std::collections::HashMap::new();
    let mut commit_of = |rev: &str| -> Option<String> {
        app_commits
            .entry(rev.to_string())
            .or_insert_with(|| app_commit_at(dir, rev, specs))
            .clone()
    };
    for h in live.status.history.iter().rev() {
        let Some(commit) = commit_of(&h.revision) else {
            continue;
        };
        if let Some(entry) = entries.iter_mut().find(|e| e.revision == commit) {
            entry.syncs.push(Sync {
                id: h.id,
                revision: h.revision.clone(),
                deployed_at: h.deployed_at.clone(),
                initiated_by: if h.initiated_by.automated {
                    "auto-sync".into()
                } else if h.initiated_by.username.is_empty() {
                    "unknown".into()
                } else {
                    h.initiated_by.username.clone()
                },
            });
        }
    }
    if let Some(op) = &live.status.operation_state
        && let Some(result) = &op.sync_result
        && let Some(commit) = commit_of(&result.revision)
        && let Some(entry) = entries.iter_mut().find(|e| e.revision == commit)
    {
        entry.result = Some(if op.message.is_empty() {
            op.phase.clone()
        } else {
            format!("{}: {}", op.phase, op.message)
        });
    }
    let deployed = live
        .status
        .history
        .last()
        .map(|h| h.revision.clone())
        .unwrap_or_default();
    let app_commit = if deployed.is_empty() {
        None
    } else {
        commit_of(&deployed)
    };
    if let Some(commit) = &app_commit
        && let Some(entry) = entries.iter_mut().find(|e| &e.revision == commit)
    {
        entry.running = true;
        entry.health = Some(live.status.health.status.clone());
    }
    let since = live
        .status
        .history
        .iter()
        .filter(|h| app_commit.is_some() && commit_of(&h.revision) == app_commit)
        .map(|h| h.deployed_at.clone())
        .min();
    Running {
        revision: deployed,
        app_commit,
        since,
        sync_status: live.status.sync.status.clone(),
        health: live.status.health.status.clone(),
    }
}

fn table(history: &History) -> String {
    let mut out = format!("APPLICATION {} ({})\n", history.app, history.manifest);
    if let Some(r) = &history.running {
        out.push_str(&format!(
            "RUNNING     {} since {} ({}, {})\n",
            r.app_commit
                .as_deref()
                .or(Some(r.revision.as_str()))
                .map(|s| s.get(..7).unwrap_or(s))
                .unwrap_or("-"),
            r.since.as_deref().unwrap_or("-"),
            r.sync_status,
            r.health
        ));
    }
    out.push('\n');
    let mut rows = vec![[
        "REVISION".to_string(),
        "TIME".into(),
        "AUTHOR".into(),
        "TAG".into(),
        "SYNCED".into(),
        "BY".into(),
        "RESULT".into(),
        "MESSAGE".into(),
    ]];
    for e in &history.entries {
        let tag = e
            .tag_change
            .as_ref()
            .map(|t| {
                format!(
                    "{} -> {}",
                    t.from.as_deref().unwrap_or("-"),
                    t.to.as_deref().unwrap_or("-")
                )
            })
            .unwrap_or_default();
        let sync = e.syncs.first();
        let mut result = e.result.clone().unwrap_or_else(|| {
            if sync.is_some() {
                "Succeeded".into()
            } else {
                String::new()
            }
        });
        if e.running {
            result = format!("{result} (running, {})", e.health.as_deref().unwrap_or("?"));
        }
        rows.push([
            e.revision.get(..7).unwrap_or(&e.revision).to_string(),
            e.time.clone(),
            format!("{} <{}>", e.author, e.email),
            tag,
            sync.map(|s| s.deployed_at.clone()).unwrap_or_default(),
            sync.map(|s| s.initiated_by.clone()).unwrap_or_default(),
            result.trim().to_string(),
            e.message.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}   ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
