//! `berth app history`.

use serde_json::Value;

use super::get::initiator;
use super::output::{self, DocFormat, short_revision, text_or};
use super::{Ctx, Outcome};

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The Application's name.
    name: String,
    /// Print `status.history` as JSON or YAML instead of a table.
    #[arg(short = 'o', long, value_enum)]
    output: Option<DocFormat>,
}

pub async fn run(ctx: &Ctx, args: HistoryArgs) -> anyhow::Result<Outcome> {
    let app = ctx.app(&args.name).await?;
    let history: Vec<Value> = app["status"]["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(format) = args.output {
        output::print_doc(&Value::Array(history), format)?;
        return Ok(Outcome::Success);
    }
    if history.is_empty() {
        eprintln!(
            "{} has no deployments yet: sync it with `berth app sync {}`.",
            args.name, args.name
        );
        return Ok(Outcome::Success);
    }
    let rows: Vec<Vec<String>> = history
        .iter()
        .map(|h| {
            let sha = short_revision(h["revision"].as_str().unwrap_or_default());
            let target = h["source"]["targetRevision"].as_str().unwrap_or_default();
            let revision = match (target.is_empty(), sha.is_empty()) {
                (_, true) => text_or(&h["source"]["targetRevision"], "-").to_string(),
                (true, false) => sha.to_string(),
                (false, false) => format!("{target} ({sha})"),
            };
            vec![
                h["id"].as_i64().map(|i| i.to_string()).unwrap_or_default(),
                text_or(&h["deployedAt"], "-").to_string(),
                revision,
                initiator(&h["initiatedBy"]),
            ]
        })
        .collect();
    super::print(&output::table(
        &["ID", "DATE", "REVISION", "INITIATED BY"],
        &rows,
    ));
    Ok(Outcome::Success)
}
