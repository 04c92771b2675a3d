//! `berth app wait`.

use std::time::Duration;

use serde_json::Value;

use super::list::{health_status, is_operation_running, operation_summary, sync_status};
use super::output::human_duration;
use super::{Ctx, Outcome, POLL, deadline, expired, parse_timeout};

#[derive(clap::Args, Debug)]
pub struct WaitArgs {
    /// The Application's name.
    name: String,
    /// Wait until it is Synced.
    #[arg(long)]
    sync: bool,
    /// Wait until it is Healthy.
    #[arg(long)]
    health: bool,
    /// Wait only until no operation is running (always part of the wait).
    #[arg(long)]
    operation: bool,
    /// Give up after this long (`0`: no limit); exit 1 with the current state.
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    timeout: Duration,
}

/// What is awaited: Synced, Healthy, and always no operation running.
#[derive(Debug, Clone, Copy)]
struct Goal {
    sync: bool,
    health: bool,
}

impl Goal {
    fn of(args: &WaitArgs) -> Goal {
        if !args.sync && !args.health && !args.operation {
            Goal {
                sync: true,
                health: true,
            }
        } else {
            Goal {
                sync: args.sync,
                health: args.health,
            }
        }
    }

    fn reached(&self, app: &Value) -> bool {
        (!self.sync || sync_status(app) == "Synced")
            && (!self.health || health_status(app) == "Healthy")
            && !is_operation_running(app)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.sync {
            parts.push("Synced");
        }
        if self.health {
            parts.push("Healthy");
        }
        parts.push("no operation running");
        parts.join(", ")
    }
}

fn state_of(app: &Value) -> String {
    let mut text = format!("sync {}, health {}", sync_status(app), health_status(app));
    if let Some(m) = app["status"]["health"]["message"]
        .as_str()
        .filter(|m| !m.is_empty())
    {
        text.push_str(&format!(" ({m})"));
    }
    let operation = operation_summary(app);
    if operation == "-" {
        let last = &app["status"]["operationState"];
        if let Some(phase) = last["phase"].as_str().filter(|p| *p != "Succeeded") {
            text.push_str(&format!(
                ", last operation {phase}: {}",
                last["message"].as_str().unwrap_or_default()
            ));
        }
    } else {
        text.push_str(&format!(", operation {operation}"));
    }
    text
}

pub async fn run(ctx: &Ctx, args: WaitArgs) -> anyhow::Result<Outcome> {
    let goal = Goal::of(&args);
    let name = args.name.as_str();
    let until = deadline(args.timeout);
    let mut last = String::new();
    loop {
        let app = match ctx.find_app(name).await? {
            Some(app) => app,
            None if last.is_empty() => return Err(ctx.not_found(name)),
            None => anyhow::bail!("application {name} was deleted while waiting for it"),
        };
        let state = state_of(&app);
        if goal.reached(&app) {
            super::print(&format!("{name}: {state}."));
            return Ok(Outcome::Success);
        }
        if state != last {
            super::print(&format!("{name}: {state}; waiting for {}", goal.describe()));
            last = state;
        }
        if expired(until) {
            anyhow::bail!(
                "timed out after {} waiting for {name} ({}); now: {last}",
                human_duration(args.timeout.as_secs() as i64),
                goal.describe()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}
