//! The `berth` command line.

mod app_cmd;
mod bump_cmd;
mod controller_cmd;
mod history_cmd;
mod rollback_cmd;
mod sandbox_cmd;
mod template_cmd;
mod up_cmd;
mod webhook;

use clap::{Parser, Subcommand, ValueEnum};

// The API server allocates many small JSON values per request; glibc's allocator spent a third
// of the write path in malloc/free and consolidation (measured with perf on the sandbox bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Berth: pull-based GitOps for Kubernetes in one binary.
#[derive(Parser, Debug)]
#[command(name = "berth", version, about)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the sandbox cluster: an embedded Kubernetes API server for kubectl, kube-rs and Helm.
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Start a sandbox cluster and the controller with the example GitOps repository.
    Up(up_cmd::UpArgs),
    /// Run the GitOps controller against a cluster.
    Controller(controller_cmd::ControllerArgs),
    /// Render a Helm chart locally and print the manifests, exactly as `helm template` does.
    Template(template_cmd::TemplateArgs),
    /// Inspect, diff, sync, wait for and delete Applications (like `argocd app`).
    App(app_cmd::AppArgs),
    /// Commit a new image tag (or any one value) to the GitOps repository, as CI does.
    Bump(bump_cmd::BumpArgs),
    /// Restore an application's inputs to an earlier revision in one revert commit.
    Rollback(rollback_cmd::RollbackArgs),
    /// An application's deploys: the commits of its inputs joined with its sync records.
    History(history_cmd::HistoryArgs),
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BERTH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    // Rendering is synchronous and short: no async runtime to start.
    let command = match cli.command {
        Command::Template(args) => {
            return match template_cmd::run(args) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Command::Bump(args) => return exit(bump_cmd::run(args)),
        Command::Rollback(args) => return exit(rollback_cmd::run(args)),
        other => other,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Sandbox(args) => sandbox_cmd::run(args).await,
            Command::Up(args) => up_cmd::run(args).await,
            Command::Controller(args) => controller_cmd::run(args).await,
            Command::App(args) => app_cmd::run(args).await,
            Command::History(args) => history_cmd::run(args).await,
            Command::Template(_) | Command::Bump(_) | Command::Rollback(_) => Ok(()),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn exit(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
