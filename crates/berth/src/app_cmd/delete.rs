//! `berth app delete`: the resources finalizer decides whether the controller deletes the
//! app's resources before the Application goes.

use std::time::Duration;

use anyhow::Context;
use berth_engine::model::RESOURCES_FINALIZER;
use serde_json::json;

use super::output::human_duration;
use super::{Ctx, Outcome, POLL, deadline, expired, parse_timeout};

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// The Application's name.
    name: String,
    /// Delete the app's resources too (`--cascade=false`: leave them in the cluster).
    #[arg(
        long,
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
    )]
    cascade: bool,
    /// Wait until the Application (and with --cascade its resources) is gone.
    #[arg(long)]
    wait: bool,
    /// How long --wait waits (`0`: no limit).
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    timeout: Duration,
}

/// The finalizers after the cascade choice, or None when they stay as they are.
fn finalizers_for(current: &[String], cascade: bool) -> Option<Vec<String>> {
    let has = current.iter().any(|f| f.starts_with(RESOURCES_FINALIZER));
    match (cascade, has) {
        (true, false) => {
            let mut next = current.to_vec();
            next.push(RESOURCES_FINALIZER.to_string());
            Some(next)
        }
        (false, true) => Some(
            current
                .iter()
                .filter(|f| !f.starts_with(RESOURCES_FINALIZER))
                .cloned()
                .collect(),
        ),
        _ => None,
    }
}

pub async fn run(ctx: &Ctx, args: DeleteArgs) -> anyhow::Result<Outcome> {
    let name = args.name.as_str();
    let app = ctx.app(name).await?;
    let uid = app["metadata"]["uid"].clone();
    let current: Vec<String> = app["metadata"]["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(String::from))
        .collect();
    if let Some(next) = finalizers_for(&current, args.cascade) {
        let patch = json!({
            "metadata": {
                "resourceVersion": app["metadata"]["resourceVersion"],
                "finalizers": next,
            }
        });
        match ctx.patch_app(name, &patch).await {
            Ok(_) => {}
            Err(e) if e.is_conflict() => anyhow::bail!(
                "{name} changed while its finalizers were being set; run the command again"
            ),
            Err(e) if e.is_not_found() => return Err(ctx.not_found(name)),
            Err(e) => {
                return Err(anyhow::Error::new(e))
                    .with_context(|| format!("setting the finalizers of {name}"));
            }
        }
    }
    ctx.delete_app(name).await?;
    if args.cascade {
        super::print(&format!(
            "application {name} deleted; the controller deletes its resources first"
        ));
    } else {
        super::print(&format!(
            "application {name} deleted; its resources stay in the cluster (--cascade=false)"
        ));
    }
    if !args.wait {
        return Ok(Outcome::Success);
    }
    let until = deadline(args.timeout);
    loop {
        // Gone, or already replaced by a new Application of the same name (an app of apps).
        let gone = match ctx.find_app(name).await? {
            None => true,
            Some(now) => now["metadata"]["uid"] != uid,
        };
        if gone {
            super::print(&format!("application {name} is gone"));
            return Ok(Outcome::Success);
        }
        if expired(until) {
            let hint = if args.cascade {
                "the controller removes the finalizer once the resources are gone: is \
                 `berth controller` running? `berth app get` shows what is left"
            } else {
                "another finalizer holds it"
            };
            anyhow::bail!(
                "{name} is still there after {}: {hint}",
                human_duration(args.timeout.as_secs() as i64)
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cascade_adds_the_finalizer_and_no_cascade_removes_it() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            finalizers_for(&none, true),
            Some(vec![RESOURCES_FINALIZER.to_string()])
        );
        assert_eq!(finalizers_for(&none, false), None);
        let background = vec![
            format!("{RESOURCES_FINALIZER}/background"),
            "other".to_string(),
        ];
        assert_eq!(finalizers_for(&background, true), None);
        assert_eq!(
            finalizers_for(&background, false),
            Some(vec!["other".to_string()])
        );
    }
}
