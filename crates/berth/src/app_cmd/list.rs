//! `berth app list`.

use serde_json::Value;

use super::output::{self, DocFormat, ago, short_revision, text_or};
use super::{Ctx, Outcome, name_of};

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Output format: a wider table, or the Applications as JSON or YAML.
    #[arg(short = 'o', long, value_enum)]
    output: Option<ListFormat>,
    /// Only Applications whose labels match (`key=value,other!=x`, as kubectl).
    #[arg(short = 'l', long)]
    selector: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Wide,
    Json,
    Yaml,
}

pub async fn run(ctx: &Ctx, args: ListArgs) -> anyhow::Result<Outcome> {
    let apps = ctx.list_apps(args.selector.as_deref()).await?;
    let doc = |format| {
        let items: Vec<Value> = apps.iter().map(output::for_output).collect();
        output::print_doc(&Value::Array(items), format)
    };
    match args.output {
        Some(ListFormat::Json) => doc(DocFormat::Json)?,
        Some(ListFormat::Yaml) => doc(DocFormat::Yaml)?,
        Some(ListFormat::Wide) => print_table(ctx, &apps, true),
        None => print_table(ctx, &apps, false),
    }
    Ok(Outcome::Success)
}

fn print_table(ctx: &Ctx, apps: &[Value], wide: bool) {
    if apps.is_empty() {
        eprintln!("No applications found in namespace {}.", ctx.namespace);
        return;
    }
    let mut headers = vec![
        "NAME",
        "SYNC",
        "HEALTH",
        "REVISION",
        "PROJECT",
        "DESTINATION",
        "LAST SYNC",
    ];
    if wide {
        headers.extend(["OPERATION", "SYNC POLICY", "REPO", "PATH", "TARGET"]);
    }
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|app| {
            let mut row = vec![
                name_of(app).to_string(),
                sync_status(app).to_string(),
                health_status(app).to_string(),
                or_dash(short_revision(revision(app))),
                text_or(&app["spec"]["project"], "default").to_string(),
                destination_namespace(app).to_string(),
                last_sync(app),
            ];
            if wide {
                let source = first_source(app);
                row.extend([
                    operation_summary(app),
                    sync_policy(app),
                    text_or(&source["repoURL"], "-").to_string(),
                    text_or(&source["path"], text_or(&source["chart"], "-")).to_string(),
                    text_or(&source["targetRevision"], "HEAD").to_string(),
                ]);
            }
            row
        })
        .collect();
    super::print(&output::table(&headers, &rows));
}

pub fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.into()
    }
}

pub fn sync_status(app: &Value) -> &str {
    text_or(&app["status"]["sync"]["status"], "Unknown")
}

pub fn health_status(app: &Value) -> &str {
    text_or(&app["status"]["health"]["status"], "Unknown")
}

pub fn revision(app: &Value) -> &str {
    app["status"]["sync"]["revision"]
        .as_str()
        .or_else(|| app["status"]["sync"]["revisions"][0].as_str())
        .unwrap_or_default()
}

pub fn destination_namespace(app: &Value) -> &str {
    text_or(&app["spec"]["destination"]["namespace"], "-")
}

/// `spec.sources[0]`, else `spec.source`.
pub fn first_source(app: &Value) -> &Value {
    match app["spec"]["sources"].get(0) {
        Some(first) => first,
        None => &app["spec"]["source"],
    }
}

/// When the last operation finished (and how, unless it succeeded).
pub fn last_sync(app: &Value) -> String {
    let state = &app["status"]["operationState"];
    let phase = state["phase"].as_str().unwrap_or_default();
    match state["finishedAt"].as_str() {
        Some(finished) if phase == "Succeeded" => ago(finished),
        Some(finished) => format!("{} ({})", ago(finished), text_or(&state["phase"], "?")),
        None if phase == "Running" => "running".into(),
        None => match app["status"]["history"].as_array().and_then(|h| h.last()) {
            Some(last) => ago(last["deployedAt"].as_str().unwrap_or_default()),
            None => "never".into(),
        },
    }
}

/// `Running`, `Requested` (not picked up yet), or `-`.
pub fn operation_summary(app: &Value) -> String {
    let phase = app["status"]["operationState"]["phase"]
        .as_str()
        .unwrap_or_default();
    if is_operation_running(app) && phase == "Running" {
        "Running".into()
    } else if is_operation_running(app) {
        "Requested".into()
    } else {
        "-".into()
    }
}

/// An operation is requested or running: `.operation` stays set until the controller has
/// finished it (a `Running` phase without it is a leftover nothing will advance).
pub fn is_operation_running(app: &Value) -> bool {
    !app["operation"].is_null()
}

/// `Manual` or `Automated (Prune, SelfHeal)`, plus sync options.
pub fn sync_policy(app: &Value) -> String {
    let policy = &app["spec"]["syncPolicy"];
    let automated = &policy["automated"];
    let mut text = if automated.is_object() && automated["enabled"] != Value::Bool(false) {
        let mut flags = Vec::new();
        if automated["prune"] == Value::Bool(true) {
            flags.push("Prune");
        }
        if automated["selfHeal"] == Value::Bool(true) {
            flags.push("SelfHeal");
        }
        if flags.is_empty() {
            "Automated".to_string()
        } else {
            format!("Automated ({})", flags.join(", "))
        }
    } else {
        "Manual".to_string()
    };
    let options: Vec<&str> = policy["syncOptions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !options.is_empty() {
        text.push_str(&format!(" [{}]", options.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describes_sync_policies() {
        assert_eq!(sync_policy(&json!({"spec": {}})), "Manual");
        let auto = json!({"spec": {"syncPolicy": {
            "automated": {"prune": true, "selfHeal": true},
            "syncOptions": ["CreateNamespace=true"],
        }}});
        assert_eq!(
            sync_policy(&auto),
            "Automated (Prune, SelfHeal) [CreateNamespace=true]"
        );
        let disabled = json!({"spec": {"syncPolicy": {"automated": {"enabled": false}}}});
        assert_eq!(sync_policy(&disabled), "Manual");
    }

    #[test]
    fn an_operation_runs_until_it_is_cleared() {
        let requested = json!({"operation": {"sync": {}}});
        assert!(is_operation_running(&requested));
        assert_eq!(operation_summary(&requested), "Requested");
        let done = json!({"status": {"operationState": {"phase": "Succeeded"}}});
        assert!(!is_operation_running(&done));
        let running =
            json!({"operation": {"sync": {}}, "status": {"operationState": {"phase": "Running"}}});
        assert_eq!(operation_summary(&running), "Running");
        assert_eq!(last_sync(&json!({})), "never");
    }
}
