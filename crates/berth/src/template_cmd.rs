//! `berth template`: render a chart as `helm template` does and print it the same way.

use anyhow::Context;
use berth_chart::manifest::write_output_dir;
use berth_chart::{
    CapabilityOptions, ParseAhead, PrepareOptions, PrintOptions, ReleaseOptions, RenderInput,
    ValueOptions, load, prepare_with, print, render_parsed, template_sources,
};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct TemplateArgs {
    /// `[NAME] CHART`: the release name (default `release-name`) and the chart directory or
    /// `.tgz` archive.
    #[arg(num_args = 1..=2, required = true, value_name = "[NAME] CHART")]
    args: Vec<String>,
    /// Values files, later ones win (repeatable, or comma-separated).
    #[arg(short = 'f', long = "values", value_delimiter = ',')]
    values: Vec<PathBuf>,
    /// `key=value` pairs, typed as Helm types them (repeatable).
    #[arg(long)]
    set: Vec<String>,
    /// `key=value` pairs, always strings.
    #[arg(long)]
    set_string: Vec<String>,
    /// `key=JSON` pairs.
    #[arg(long)]
    set_json: Vec<String>,
    /// `key=path`: the value is the file's contents.
    #[arg(long)]
    set_file: Vec<String>,
    /// `key=value` pairs taken literally (no escapes, no lists).
    #[arg(long)]
    set_literal: Vec<String>,
    /// The release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// The Kubernetes version `.Capabilities` reports.
    #[arg(long)]
    kube_version: Option<String>,
    /// Extra API versions for `.Capabilities.APIVersions` (repeatable, or comma-separated).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// Print the CRDs of `crds/` before the manifests.
    #[arg(long)]
    include_crds: bool,
    /// Accepted for Helm compatibility: a client-side render never installs CRDs.
    #[arg(long)]
    skip_crds: bool,
    /// Leave hooks out.
    #[arg(long)]
    no_hooks: bool,
    /// Leave test hooks out.
    #[arg(long)]
    skip_tests: bool,
    /// Do not check the values against the charts' `values.schema.json`.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Render as an upgrade (`.Release.IsUpgrade`).
    #[arg(long)]
    is_upgrade: bool,
    /// Only print the manifests from these templates (repeatable, globs allowed).
    #[arg(short = 's', long)]
    show_only: Vec<String>,
    /// Write each template's manifests into this folder instead of printing them.
    #[arg(long)]
    output_dir: Option<PathBuf>,
    /// With --output-dir: write under a folder named after the release.
    #[arg(long)]
    release_name: bool,
}

/// Errors print as Helm prints them: `Error: ...`.
fn helm_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("Error: {e}")
}

/// Renders and prints; a failure is reported as Helm reports it.
pub fn run(args: TemplateArgs) -> anyhow::Result<()> {
    let (name, chart_path) = match args.args.as_slice() {
        [chart] => ("release-name".to_string(), chart.clone()),
        [name, chart] => (name.clone(), chart.clone()),
        _ => anyhow::bail!("berth template takes [NAME] CHART"),
    };
    let chart = load(&chart_path).map_err(helm_error)?;
    let values = ValueOptions {
        values_files: args.values,
        set: args.set,
        set_string: args.set_string,
        set_json: args.set_json,
        set_file: args.set_file,
        set_literal: args.set_literal,
    };
    let prepare_options = PrepareOptions {
        skip_schema_validation: args.skip_schema_validation,
    };
    // Parsing the templates needs only the chart: another core starts on it while the
    // values are merged and the dependencies processed, then this thread joins in.
    let sources = template_sources(&chart);
    let files: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (n.as_str(), &**t)).collect();
    let ahead = ParseAhead::new(&files);
    let prepared = std::thread::scope(|scope| {
        scope.spawn(|| ahead.help());
        let prepared = values
            .merge_user_values()
            .map_err(helm_error)
            .and_then(|user| prepare_with(&chart, &user, &prepare_options).map_err(helm_error));
        match prepared {
            Ok(_) => ahead.help(),
            Err(_) => ahead.stop(),
        }
        prepared
    })?;
    for warning in &prepared.warnings {
        eprintln!("{warning}");
    }
    let rendered = render_parsed(
        &RenderInput {
            chart: &prepared.chart,
            values: prepared.values,
            release: ReleaseOptions {
                name: name.clone(),
                namespace: args.namespace,
                is_upgrade: args.is_upgrade,
                ..ReleaseOptions::default()
            },
            capabilities: CapabilityOptions {
                kube_version: args.kube_version,
                extra_api_versions: args.api_versions,
                ..CapabilityOptions::default()
            },
        },
        ahead.finish(),
    )
    .map_err(|e| anyhow::anyhow!("{}", e.cli_message()))?;
    let options = PrintOptions {
        include_crds: args.include_crds,
        no_hooks: args.no_hooks,
        skip_tests: args.skip_tests,
        show_only: args.show_only,
        use_release_name: args.release_name,
        release_name: name,
        ..PrintOptions::default()
    };
    let text = match &args.output_dir {
        Some(dir) => write_output_dir(&rendered, &options, &dir.display().to_string()),
        None => print(&rendered, &options),
    }
    .map_err(helm_error)?;
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the manifests")?;
    // The process ends here: the kernel reclaims the chart, the render and the output at
    // once, faster than freeing their many small allocations one by one.
    std::mem::forget((chart, prepared.chart, rendered, text));
    Ok(())
}
