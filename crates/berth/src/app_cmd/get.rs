//! `berth app get`.

use serde_json::Value;

use super::list::{
    destination_namespace, first_source, health_status, or_dash, revision, sync_policy, sync_status,
};
use super::output::{self, DocFormat, short_revision, text_or, unix_seconds};
use super::{Ctx, Outcome};

#[derive(clap::Args, Debug)]
pub struct GetArgs {
    /// The Application's name.
    name: String,
    /// Print the Application object as JSON or YAML instead of the summary.
    #[arg(short = 'o', long, value_enum)]
    output: Option<DocFormat>,
}

pub async fn run(ctx: &Ctx, args: GetArgs) -> anyhow::Result<Outcome> {
    let app = ctx.app(&args.name).await?;
    match args.output {
        Some(format) => output::print_doc(&output::for_output(&app), format)?,
        None => super::print(&describe(ctx, &app)),
    }
    Ok(Outcome::Success)
}

fn field(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("{:<18}{value}\n", format!("{label}:")));
}

fn sources(app: &Value) -> Vec<&Value> {
    match app["spec"]["sources"].as_array() {
        Some(list) if !list.is_empty() => list.iter().collect(),
        _ => vec![&app["spec"]["source"]],
    }
}

/// The summary, then conditions, then the resources table.
pub fn describe(ctx: &Ctx, app: &Value) -> String {
    let mut out = String::new();
    let name = app["metadata"]["name"].as_str().unwrap_or_default();
    field(&mut out, "Name", &format!("{}/{name}", ctx.namespace));
    field(
        &mut out,
        "Project",
        text_or(&app["spec"]["project"], "default"),
    );
    let all = sources(app);
    for (i, source) in all.iter().enumerate() {
        let label = if all.len() > 1 {
            format!("Source {}", i + 1)
        } else {
            "Source".to_string()
        };
        field(&mut out, &label, text_or(&source["repoURL"], "-"));
        if let Some(chart) = source["chart"].as_str() {
            field(&mut out, "  Chart", chart);
        } else {
            field(&mut out, "  Path", text_or(&source["path"], "."));
        }
        field(
            &mut out,
            "  Target",
            text_or(&source["targetRevision"], "HEAD"),
        );
        let values: Vec<&str> = source["helm"]["valueFiles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !values.is_empty() {
            field(&mut out, "  Helm Values", &values.join(", "));
        }
    }
    let destination = &app["spec"]["destination"];
    let cluster = text_or(
        &destination["server"],
        text_or(&destination["name"], "in-cluster"),
    );
    field(
        &mut out,
        "Destination",
        &format!("{cluster} (namespace {})", destination_namespace(app)),
    );
    field(&mut out, "Sync Policy", &sync_policy(app));
    let rev = revision(app);
    let target = text_or(&first_source(app)["targetRevision"], "HEAD");
    let sync = if rev.is_empty() {
        sync_status(app).to_string()
    } else {
        let word = if sync_status(app) == "Synced" {
            "to"
        } else {
            "from"
        };
        format!(
            "{} {word} {target} ({})",
            sync_status(app),
            short_revision(rev)
        )
    };
    field(&mut out, "Sync Status", &sync);
    let health = match app["status"]["health"]["message"].as_str() {
        Some(m) if !m.is_empty() => format!("{} ({m})", health_status(app)),
        _ => health_status(app).to_string(),
    };
    field(&mut out, "Health Status", &health);
    describe_operation(&mut out, app);

    let conditions: Vec<Vec<String>> = app["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            vec![
                text_or(&c["type"], "-").to_string(),
                one_line(c["message"].as_str().unwrap_or_default()),
                or_dash(c["lastTransitionTime"].as_str().unwrap_or_default()),
            ]
        })
        .collect();
    if !conditions.is_empty() {
        out.push('\n');
        out.push_str(&output::table(
            &["CONDITION", "MESSAGE", "LAST TRANSITION"],
            &conditions,
        ));
    }
    out.push('\n');
    out.push_str(&output::table(
        &[
            "GROUP",
            "KIND",
            "NAMESPACE",
            "NAME",
            "STATUS",
            "HEALTH",
            "HOOK",
            "MESSAGE",
        ],
        &resource_rows(app),
    ));
    out
}

fn describe_operation(out: &mut String, app: &Value) {
    let state = &app["status"]["operationState"];
    let requested = &app["operation"];
    if state.is_null() && requested.is_null() {
        return;
    }
    out.push('\n');
    if !requested.is_null() && state["phase"] != "Running" {
        field(
            out,
            "Operation",
            &format!(
                "Sync requested by {} (waiting for the controller)",
                initiator(&requested["initiatedBy"])
            ),
        );
        if state.is_null() {
            return;
        }
        field(out, "Last Operation", "");
    }
    let op = &state["operation"];
    let mut what = vec!["Sync".to_string()];
    if op["sync"]["prune"] == Value::Bool(true) {
        what.push("prune".into());
    }
    if op["sync"]["dryRun"] == Value::Bool(true) {
        what.push("dry run".into());
    }
    field(
        out,
        "Operation",
        &format!("{} by {}", what.join(", "), initiator(&op["initiatedBy"])),
    );
    let revision = state["syncResult"]["revision"].as_str().unwrap_or_default();
    field(out, "Sync Revision", &or_dash(revision));
    field(out, "Phase", text_or(&state["phase"], "Unknown"));
    let started = state["startedAt"].as_str().unwrap_or_default();
    field(out, "Start", &or_dash(started));
    if let Some(finished) = state["finishedAt"].as_str() {
        let took = unix_seconds(finished)
            .zip(unix_seconds(started))
            .map(|(f, s)| format!(" ({}s)", f - s))
            .unwrap_or_default();
        field(out, "Finished", &format!("{finished}{took}"));
    }
    field(
        out,
        "Message",
        &one_line(state["message"].as_str().unwrap_or_default()),
    );
}

/// The user who started an operation, or `automated`.
pub fn initiator(initiated_by: &Value) -> String {
    match initiated_by["username"].as_str() {
        Some(user) if !user.is_empty() => user.to_string(),
        _ if initiated_by["automated"] == Value::Bool(true) => "automated".into(),
        _ => "unknown".into(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn same_object(a: &Value, b: &Value) -> bool {
    ["group", "kind", "namespace", "name"]
        .iter()
        .all(|k| a[k].as_str().unwrap_or_default() == b[k].as_str().unwrap_or_default())
}

/// status.resources with the last sync's message for each, then the hooks of the last sync.
fn resource_rows(app: &Value) -> Vec<Vec<String>> {
    let results: Vec<&Value> = app["status"]["operationState"]["syncResult"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut rows = Vec::new();
    for r in app["status"]["resources"].as_array().into_iter().flatten() {
        let health = &r["health"];
        let sync_message = results
            .iter()
            .rev()
            .find(|x| x["hookType"].as_str().unwrap_or_default().is_empty() && same_object(x, r))
            .and_then(|x| x["message"].as_str())
            .unwrap_or_default();
        let message = if sync_message.is_empty() {
            health["message"].as_str().unwrap_or_default()
        } else {
            sync_message
        };
        let mut status = text_or(&r["status"], "Unknown").to_string();
        if r["requiresPruning"] == Value::Bool(true) {
            status.push_str(" (requires pruning)");
        }
        rows.push(vec![
            r["group"].as_str().unwrap_or_default().to_string(),
            text_or(&r["kind"], "-").to_string(),
            r["namespace"].as_str().unwrap_or_default().to_string(),
            text_or(&r["name"], "-").to_string(),
            status,
            health["status"].as_str().unwrap_or_default().to_string(),
            String::new(),
            one_line(message),
        ]);
    }
    for x in results {
        let hook = x["hookType"].as_str().unwrap_or_default();
        if hook.is_empty() {
            continue;
        }
        rows.push(vec![
            x["group"].as_str().unwrap_or_default().to_string(),
            text_or(&x["kind"], "-").to_string(),
            x["namespace"].as_str().unwrap_or_default().to_string(),
            text_or(&x["name"], "-").to_string(),
            text_or(&x["hookPhase"], text_or(&x["status"], "-")).to_string(),
            String::new(),
            hook.to_string(),
            one_line(x["message"].as_str().unwrap_or_default()),
        ]);
    }
    rows
}
