//! End-to-end: `berth app …` against a sandbox with the prod environment bootstrapped (no
//! automated sync), the real controller binary running the operations the CLI requests.

#[path = "gitops/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{EXAMPLE_URL, Env};

const SETTLE: Duration = Duration::from_secs(120);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `berth app ARGS --kubeconfig …` as user alice, with a cache folder inside the test's.
fn berth(env: &Env, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("app")
        .args(args)
        .arg("--kubeconfig")
        .arg(env.kubeconfig())
        .env_remove("KUBECONFIG")
        .env("USER", "alice")
        .env("XDG_CACHE_HOME", env.dir.path().join("cli-cache"))
        .env_remove("BERTH_LOG")
        .output()
        .expect("the berth binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!("=== berth app {}\n{run}", args.join(" "));
    run
}

/// The line of a table that starts with `name`.
fn row<'a>(table: &'a str, name: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{table}"))
}

/// The prod environment with its Applications compared; the repository rewrite stored in
/// the cluster as `berth up` stores it, so the CLI's diff finds the repository.
fn prod(env: &Env) {
    let rewrite = format!(
        "repositories.insteadOf={EXAMPLE_URL}=file://{}",
        env.repo.display()
    );
    env.kubectl(&[
        "create",
        "configmap",
        "berth-config",
        "-n",
        "berth",
        "--from-literal",
        &rewrite,
    ]);
    env.bootstrap("prod");
    env.wait_until(SETTLE, "the prod services are compared", |e| {
        ["orders-api-prod", "payments-worker-prod"]
            .iter()
            .all(|name| {
                e.app(name)
                    .is_some_and(|a| a["status"]["sync"]["status"] == "OutOfSync")
            })
    });
}

fn parse(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run}"))
}

/// list, diff, sync, history, get, wait, diff again: a manual prod deploy of orders-api.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_prod_deploy_through_the_cli() {
    let env = Env::start().await;
    prod(&env);

    let list = berth(&env, &["list"]);
    assert_eq!(list.code, 0, "{list}");
    assert!(list.stdout.starts_with("NAME "), "{list}");
    for name in ["orders-api-prod", "payments-worker-prod"] {
        let line = row(&list.stdout, name);
        assert!(line.contains("OutOfSync"), "{line}");
        assert!(line.contains("never"), "never synced: {line}");
    }
    let json = parse(&berth(&env, &["list", "-o", "json"]));
    let names: Vec<&str> = json
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|a| a["metadata"]["name"].as_str())
        .collect();
    assert!(names.contains(&"orders-api-prod"), "{names:?}");
    let selected = berth(
        &env,
        &[
            "list",
            "-l",
            "shop.example.com/service=orders-api",
            "-o",
            "wide",
        ],
    );
    assert_eq!(selected.code, 0, "{selected}");
    assert_eq!(selected.stdout.lines().count(), 2, "{selected}");
    assert!(
        row(&selected.stdout, "orders-api-prod").contains("Manual"),
        "{selected}"
    );

    let diff = berth(&env, &["diff", "orders-api-prod"]);
    assert_eq!(diff.code, 1, "differences exit 1: {diff}");
    assert!(
        diff.stdout
            .contains("===== apps/Deployment orders-api-prod/orders-api ======"),
        "{diff}"
    );
    assert!(diff.stdout.contains("+kind: Deployment"), "{diff}");
    let quiet = berth(&env, &["diff", "orders-api-prod", "--exit-code=false"]);
    assert_eq!(quiet.code, 0, "{quiet}");

    let sync = berth(
        &env,
        &["sync", "orders-api-prod", "--prune", "--timeout", "2m"],
    );
    assert_eq!(sync.code, 0, "{sync}");
    assert!(sync.stdout.contains("requested by alice"), "{sync}");
    let created = sync
        .stdout
        .lines()
        .find(|l| l.starts_with("Sync ") && l.contains(" Deployment "))
        .unwrap_or_else(|| panic!("no line for the Deployment: {sync}"));
    assert!(created.contains("orders-api-prod/orders-api"), "{created}");
    assert!(created.contains("Synced"), "{created}");
    assert!(sync.stdout.contains("Operation Succeeded"), "{sync}");
    assert!(
        env.get(&["deployment", "-n", "orders-api-prod", "orders-api"])
            .is_some(),
        "the Deployment exists"
    );

    let history = berth(&env, &["history", "orders-api-prod"]);
    assert_eq!(history.code, 0, "{history}");
    assert_eq!(history.stdout.lines().count(), 2, "one deploy: {history}");
    let entry = row(&history.stdout, "0");
    assert!(entry.contains("alice"), "{entry}");
    assert!(entry.contains("main ("), "{entry}");
    let json = parse(&berth(&env, &["history", "orders-api-prod", "-o", "json"]));
    assert_eq!(json[0]["initiatedBy"]["username"], "alice", "{json}");

    let wait = berth(
        &env,
        &["wait", "orders-api-prod", "--health", "--timeout", "2m"],
    );
    assert_eq!(wait.code, 0, "{wait}");
    assert!(wait.stdout.contains("health Healthy"), "{wait}");

    let get = berth(&env, &["get", "orders-api-prod"]);
    assert_eq!(get.code, 0, "{get}");
    assert!(
        get.stdout.contains("Sync Status:      Synced to main"),
        "{get}"
    );
    assert!(get.stdout.contains("Phase:            Succeeded"), "{get}");
    assert!(
        get.stdout
            .contains("Operation:        Sync, prune by alice"),
        "{get}"
    );
    let deployment = get
        .stdout
        .lines()
        .find(|l| l.starts_with("apps ") && l.contains(" Deployment "))
        .unwrap_or_else(|| panic!("no Deployment row: {get}"));
    assert!(deployment.contains("Synced"), "{deployment}");
    assert!(deployment.contains("Healthy"), "{deployment}");
    let json = parse(&berth(&env, &["get", "orders-api-prod", "-o", "json"]));
    assert_eq!(json["metadata"]["name"], "orders-api-prod");
    assert_eq!(json["status"]["sync"]["status"], "Synced");
    assert!(json["metadata"]["managedFields"].is_null(), "{json}");
    let yaml = berth(&env, &["get", "orders-api-prod", "-o", "yaml"]);
    assert!(yaml.stdout.contains("name: orders-api-prod"), "{yaml}");

    let diff = berth(&env, &["diff", "orders-api-prod"]);
    assert_eq!(diff.code, 0, "no differences after the sync: {diff}");
    assert!(diff.stdout.is_empty(), "{diff}");

    let list = berth(&env, &["list"]);
    let line = row(&list.stdout, "orders-api-prod");
    assert!(line.contains("Synced") && line.contains("ago"), "{line}");

    // An unknown app: a message naming it, exit 1 (2 for diff, whose 1 means differences).
    for (cmd, code) in [
        ("get", 1),
        ("sync", 1),
        ("history", 1),
        ("wait", 1),
        ("delete", 1),
        ("diff", 2),
    ] {
        let run = berth(&env, &[cmd, "no-such-app"]);
        assert_eq!(run.code, code, "{cmd}: {run}");
        assert!(
            run.stderr
                .contains("application no-such-app not found in namespace berth"),
            "{cmd}: {run}"
        );
    }
    env.stop().await;
}

/// An operation already requested blocks a second one; wait gives up with the state; a
/// sync then delete with and without cascade.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operations_in_flight_and_deletes() {
    let mut env = Env::start().await;
    prod(&env);

    // With the controller stopped, a requested operation stays pending.
    env.kill_controller();
    env.kubectl(&[
        "patch",
        "applications.argoproj.io",
        "payments-worker-prod",
        "-n",
        "berth",
        "--type",
        "merge",
        "-p",
        r#"{"operation":{"initiatedBy":{"username":"bob"},"sync":{"prune":true}}}"#,
    ]);
    let refused = berth(&env, &["sync", "payments-worker-prod", "--async"]);
    assert_eq!(refused.code, 1, "{refused}");
    assert!(
        refused
            .stderr
            .contains("another operation is already running")
            && refused.stderr.contains("requested by bob"),
        "{refused}"
    );
    let waited = berth(
        &env,
        &[
            "wait",
            "payments-worker-prod",
            "--operation",
            "--timeout",
            "1s",
        ],
    );
    assert_eq!(waited.code, 1, "{waited}");
    assert!(
        waited.stderr.contains("timed out after 1s")
            && waited.stderr.contains("operation Requested"),
        "{waited}"
    );
    let get = berth(&env, &["get", "payments-worker-prod"]);
    assert!(
        get.stdout
            .contains("Sync requested by bob (waiting for the controller)"),
        "{get}"
    );

    // The controller comes back and runs bob's sync.
    env.start_controller();
    let waited = berth(&env, &["wait", "payments-worker-prod", "--timeout", "2m"]);
    assert_eq!(waited.code, 0, "{waited}");
    assert!(
        env.get(&[
            "deployment",
            "-n",
            "payments-worker-prod",
            "payments-worker"
        ])
        .is_some()
    );
    let history = berth(&env, &["history", "payments-worker-prod"]);
    assert!(row(&history.stdout, "0").contains("bob"), "{history}");

    // A revision git does not have: the operation fails, and so does the command.
    let failed = berth(
        &env,
        &[
            "sync",
            "payments-worker-prod",
            "--revision",
            "no-such-branch",
            "--timeout",
            "1m",
        ],
    );
    assert_eq!(failed.code, 1, "{failed}");
    assert!(failed.stdout.contains("Operation Failed"), "{failed}");
    assert!(
        failed
            .stderr
            .contains("the sync of payments-worker-prod ended Failed"),
        "{failed}"
    );

    // --async returns once the sync is requested; wait follows it to the end.
    let sync = berth(&env, &["sync", "orders-api-prod", "--async"]);
    assert_eq!(sync.code, 0, "{sync}");
    assert!(sync.stdout.contains("--async"), "{sync}");
    let waited = berth(&env, &["wait", "orders-api-prod", "--timeout", "2m"]);
    assert_eq!(waited.code, 0, "{waited}");

    // --cascade (the default) deletes the resources before the Application goes.
    let delete = berth(
        &env,
        &["delete", "payments-worker-prod", "--cascade", "--wait"],
    );
    assert_eq!(delete.code, 0, "{delete}");
    assert!(delete.stdout.contains("is gone"), "{delete}");
    assert!(
        env.get(&[
            "deployment",
            "-n",
            "payments-worker-prod",
            "payments-worker"
        ])
        .is_none(),
        "the Deployment was deleted with the app"
    );

    // --cascade=false leaves them (root-prod may recreate the Application from git).
    let delete = berth(
        &env,
        &["delete", "orders-api-prod", "--cascade=false", "--wait"],
    );
    assert_eq!(delete.code, 0, "{delete}");
    assert!(delete.stdout.contains("stay in the cluster"), "{delete}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        env.get(&["deployment", "-n", "orders-api-prod", "orders-api"])
            .is_some(),
        "the Deployment stays without cascade"
    );
    env.stop().await;
}
