//! `berth rollback APP`: one revert commit that restores what an application reads (its
//! Application manifest, its chart folder, its values files) to an earlier revision. With
//! auto-sync the controller deploys it like any other commit.

use anyhow::{Context, bail};
use berth_git::PushError;

use crate::bump_cmd::{
    WriteArgs, author, credentials, find_app, find_applications, git_local, input_pathspecs,
    looks_like_url, open_repo, other_users, push_error, require_clean, restart_on_remote,
};

#[derive(clap::Args, Debug, Clone)]
pub struct RollbackArgs {
    /// The Application, e.g. `orders-api-stg` (or `orders-api` with --env stg).
    pub app: String,
    /// The environment, when APP is the service name.
    #[arg(long)]
    pub env: Option<String>,
    /// Restore the app's inputs as they were at this revision (commit, tag or branch).
    #[arg(long, conflicts_with = "steps")]
    pub to: Option<String>,
    /// Undo the last N changes of the app's inputs (default 1).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Also restore files other applications read (a shared template or values.yaml).
    #[arg(long)]
    pub include_shared: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

fn short(rev: &str) -> &str {
    rev.get(..7).unwrap_or(rev)
}

pub fn run(args: RollbackArgs) -> anyhow::Result<()> {
    let write = &args.write;
    if looks_like_url(&write.repo) && !write.push {
        bail!(
            "--repo is a URL: the revert would only land in a temporary clone; add --push (or run in a working clone)"
        );
    }
    let checkout = open_repo(&write.repo, write.branch.as_deref())?;
    let workdir = &checkout.workdir;
    let dir = workdir.dir().to_path_buf();
    if !checkout.temporary {
        require_clean(workdir)?;
    }
    let author = author(write.author.as_deref(), workdir)?;
    let creds = credentials()?;

    let apps = find_applications(&dir);
    let app = find_app(&apps, &args.app, args.env.as_deref())?.clone();
    crate::bump_cmd::warn_other_branch(&app, workdir.branch());
    let specs = input_pathspecs(&app, &apps);
    let with_specs = |head: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        v.push("--".into());
        v.extend(specs.iter().cloned());
        v
    };
    let run_git = |argv: Vec<String>| -> anyhow::Result<String> {
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        git_local(&dir, &refs)
    };

    // The revision to go back to, fixed once (as a commit id) for every attempt.
    let target = match (&args.to, args.steps) {
        (Some(rev), _) => workdir
            .resolve(rev)
            .with_context(|| format!("--to {rev}: no such revision in the repository"))?
            .to_hex(),
        (None, steps) => {
            let steps = steps.unwrap_or(1).max(1);
            let log = run_git(with_specs(&["log", "--format=%H", "HEAD"]))?;
            let changes: Vec<&str> = log.lines().collect();
            if changes.len() <= steps {
                bail!(
                    "{} has {} change(s) in this repository's history; --steps {steps} would go back before its first commit",
                    app.name(),
                    changes.len()
                );
            }
            changes[steps].to_string()
        }
    };

    let attempts = write.attempts.max(1);
    for attempt in 1..=attempts {
        let head = workdir.head()?.to_hex();
        let changed_text = run_git(with_specs(&[
            "diff",
            "--name-only",
            "--no-renames",
            &target,
            "HEAD",
        ]))?;
        let changed: Vec<&str> = changed_text.lines().filter(|l| !l.is_empty()).collect();
        if changed.is_empty() {
            println!(
                "{}'s inputs at {} are already as at {}; nothing to commit",
                app.name(),
                short(&head),
                short(&target)
            );
            return Ok(());
        }
        let shared: Vec<String> = changed
            .iter()
            .filter_map(|f| {
                let users = other_users(f, &app, &apps);
                (!users.is_empty()).then(|| format!("{f} (also read by {})", users.join(", ")))
            })
            .collect();
        if !shared.is_empty() && !args.include_shared {
            bail!(
                "rolling back {} would also change files other applications read:\n  {}\nnothing was changed; restore those files by hand, or pass --include-shared to roll them back for every application that reads them",
                app.name(),
                shared.join("\n  ")
            );
        }
        let reverted = run_git(with_specs(&[
            "log",
            "--format=%h %s (%an)",
            &format!("{target}..HEAD"),
        ]))?;
        let files: Vec<&str> = changed.clone();
        workdir
            .restore_paths_from(&target, &files)
            .with_context(|| format!("restoring {} as at {}", files.join(", "), short(&target)))?;
        let message = format!(
            "rollback {} to {} (from {})\n\nRestores {} as at {target}.\nReverts:\n{}",
            app.name(),
            short(&target),
            short(&head),
            files.join(", "),
            reverted
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        );
        let Some(commit) = workdir.commit(&author, &message)? else {
            println!("nothing to commit");
            return Ok(());
        };
        let summary = message.lines().next().unwrap_or_default();
        if !write.push {
            println!(
                "{summary}\ncommitted {} on {}; not pushed (add --push)",
                commit.short(),
                workdir.branch()
            );
            return Ok(());
        }
        match workdir.push(&creds) {
            Ok(()) => {
                println!(
                    "{summary}\npushed {} to {} {}",
                    commit.short(),
                    berth_engine::controller::redact_url(workdir.url()),
                    workdir.branch()
                );
                if app.app.spec.automated().is_none() {
                    println!(
                        "{} has no automated sync: sync it to deploy the rollback",
                        app.name()
                    );
                }
                return Ok(());
            }
            Err(PushError::NonFastForward { .. }) if attempt < attempts => {
                restart_on_remote(workdir, &creds, &author)?;
                let new_head = workdir.head()?.to_hex();
                let moved = run_git(with_specs(&["diff", "--name-only", &head, &new_head]))?;
                let moved: Vec<&str> = moved.lines().filter(|l| !l.is_empty()).collect();
                if !moved.is_empty() {
                    bail!(
                        "the revert conflicts with changes pushed meanwhile to {}'s inputs ({}): nothing was pushed; look at them and run berth rollback again",
                        app.name(),
                        moved.join(", ")
                    );
                }
                eprintln!(
                    "the remote branch moved (other apps); reapplying the revert on its new head"
                );
            }
            Err(e) => return Err(push_error(e)),
        }
    }
    Err(push_error(PushError::NonFastForward {
        url: workdir.url().to_string(),
        message: String::new(),
    }))
}
