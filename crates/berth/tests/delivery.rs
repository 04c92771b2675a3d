//! Delivery from CI without cluster credentials, end to end: a clone playing CI runs
//! `berth bump` against a bare repository served by `git daemon` on loopback, the
//! controller (told by a signed webhook) deploys it, `berth rollback` brings the previous
//! tag back, and `berth history` shows both deploys with their authors.

#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "gitops/support.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use berth_sandbox::sim::SimConfig;
use berth_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::{EXAMPLE_URL, Env, git};

const SYNC_TIMEOUT: Duration = Duration::from_secs(180);
const SECRET: &str = "webhook-Secret-4711";
const METRICS_TOKEN: &str = "metrics-Token-0815";
const VALUES_STG: &str = "charts/orders-api/values-stg.yaml";

/// `git daemon` serving the folders under `base`, pushes allowed.
struct Daemon {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for_port(port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl Daemon {
    fn start(base: &Path) -> Daemon {
        use std::os::unix::process::CommandExt;
        let exec_path = git(base, &["--exec-path"]);
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(Path::new(exec_path.trim()).join("git-daemon"))
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args([
                    "--export-all",
                    &format!("--base-path={}", base.display()),
                    "--reuseaddr",
                    "--listen=127.0.0.1",
                    &format!("--port={port}"),
                    "--enable=receive-pack",
                ])
                .arg(base)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("git-daemon must be installed (the git package ships it)");
            if wait_for_port(port) {
                return Daemon { child, port };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git-daemon could not start");
    }

    fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // The daemon and the children it forks per connection share its process group.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .output();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example repository as a bare repository under `base/served`, served by git daemon.
fn serve_example(base: &Path, work: &Path) -> (Daemon, PathBuf, String) {
    let served = base.join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bare = served.join("gitops-config.git");
    git(
        base,
        &[
            "clone",
            "-q",
            "--bare",
            &work.display().to_string(),
            &bare.display().to_string(),
        ],
    );
    let daemon = Daemon::start(&served);
    let url = daemon.url("gitops-config.git");
    (daemon, bare, url)
}

fn example_repo(dir: &Path) -> PathBuf {
    let repo = dir.join("gitops-config");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gitops-config");
    let out = Command::new("cp")
        .arg("-r")
        .arg(&example)
        .arg(&repo)
        .output()
        .unwrap();
    assert!(out.status.success());
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "initial"]);
    repo
}

fn berth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(args)
        .env("BERTH_LOG", "warn")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("BERTH_AUTHOR")
        .output()
        .expect("berth runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "berth failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "berth should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn show(bare: &Path, rev: &str, file: &str) -> String {
    git(bare, &["show", &format!("{rev}:{file}")])
}

fn hmac_hex(body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    ring::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One HTTP/1.1 request; the status and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("webhook server");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn github_push(port: u16, before: &str, after: &str) -> (u16, String) {
    github_push_ref(port, "refs/heads/main", before, after)
}

fn github_push_ref(port: u16, reference: &str, before: &str, after: &str) -> (u16, String) {
    let payload = json!({
        "ref": reference,
        "before": before,
        "after": after,
        "repository": {
            "clone_url": EXAMPLE_URL,
            "ssh_url": "git@git.example.com:platform/gitops-config.git",
            "default_branch": "main",
        },
        "commits": [],
    })
    .to_string();
    http(
        port,
        "POST",
        "/api/webhook",
        &[
            ("X-GitHub-Event", "push".into()),
            ("X-GitHub-Delivery", "d-1".into()),
            ("Content-Type", "application/json".into()),
            (
                "X-Hub-Signature-256",
                format!("sha256={}", hmac_hex(payload.as_bytes())),
            ),
        ],
        payload.as_bytes(),
    )
}

/// `berth_git_fetches_total` of `url`, read from /metrics.
fn fetch_count(port: u16, url: &str) -> u64 {
    let (status, metrics) = http(
        port,
        "GET",
        "/metrics",
        &[("Authorization", format!("Bearer {METRICS_TOKEN}"))],
        b"",
    );
    assert_eq!(status, 200, "{metrics}");
    metrics
        .lines()
        .find(|l| l.starts_with(&format!("berth_git_fetches_total{{repository=\"{url}\"}}")))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no fetch counter for {url}:\n{metrics}"))
}

fn image(env: &Env) -> String {
    env.get(&["deployment", "-n", "orders-api-stg", "orders-api"])
        .and_then(|d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default()
}

fn app_ok(env: &Env, name: &str, revision: &str) -> bool {
    env.app(name).is_some_and(|a| {
        a["status"]["sync"]["status"] == "Synced"
            && a["status"]["health"]["status"] == "Healthy"
            && a["status"]["sync"]["revision"] == revision
            && a["operation"].is_null()
    })
}

/// The deployment is at `tag`, rolled out and available.
fn rolled_out(env: &Env, tag: &str) -> bool {
    let Some(d) = env.get(&["deployment", "-n", "orders-api-stg", "orders-api"]) else {
        return false;
    };
    let image_ok = d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .is_some_and(|i| i.ends_with(&format!(":{tag}")));
    let want = d["spec"]["replicas"].as_i64().unwrap_or(1);
    image_ok
        && d["status"]["observedGeneration"] == d["metadata"]["generation"]
        && d["status"]["updatedReplicas"].as_i64() == Some(want)
        && d["status"]["availableReplicas"].as_i64() == Some(want)
}

/// A sandbox whose simulated delays are multiplied by `time_scale` (1.0: pods ready in about
/// two seconds, as in a real cluster) and the example repository, without a controller.
async fn sandbox_env(time_scale: f64) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let repo = example_repo(dir.path());
    let sandbox = Sandbox::start(SandboxConfig {
        data_dir: Some(dir.path().join("sandbox")),
        simulation: Some(SimConfig {
            time_scale,
            ..SimConfig::default()
        }),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    Env {
        dir,
        sandbox: Some(sandbox),
        controller: None,
        repo,
    }
}

/// `berth controller` fetching through `url` (git daemon), polling every `poll`, with the
/// webhook server on `webhook_port`.
fn start_controller(env: &mut Env, url: &str, poll: &str, webhook_port: u16) {
    let base = env.dir.path().to_path_buf();
    std::fs::write(base.join("webhook-secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(base.join("metrics-token"), METRICS_TOKEN).unwrap();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(base.join("controller.log"))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("controller")
        .arg("--kubeconfig")
        .arg(env.kubeconfig())
        .arg("--cache-dir")
        .arg(base.join("cache-daemon"))
        .args(["--poll-interval", poll, "--resync-interval", "60s"])
        .arg("--repo-insteadof")
        .arg(format!("{EXAMPLE_URL}={url}"))
        .arg("--webhook-listen")
        .arg(format!("127.0.0.1:{webhook_port}"))
        .arg("--webhook-secret-file")
        .arg(base.join("webhook-secret"))
        .arg("--metrics-token-file")
        .arg(base.join("metrics-token"))
        .env("BERTH_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    env.controller = Some(child);
    assert!(wait_for_port(webhook_port), "the webhook server listens");
}

/// The sandbox runs at the tests' time scale (0.05) unless `BERTH_DELIVERY_TIME_SCALE` says
/// otherwise; at 1.0 (real-cluster delays) the printed figures are the issue's measurements:
/// `BERTH_DELIVERY_TIME_SCALE=1 cargo nextest run -p berth --test delivery --no-capture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ci_bumps_controller_deploys_rollback_restores_history_shows_both() {
    let scale = std::env::var("BERTH_DELIVERY_TIME_SCALE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(0.05);
    case_study(scale).await;
}

async fn case_study(time_scale: f64) {
    let mut env = sandbox_env(time_scale).await;
    let base = env.dir.path().to_path_buf();
    let (daemon, bare, url) = serve_example(&base, &env.repo);
    let original = show(&bare, "main", VALUES_STG);

    // The controller fetches from git daemon and hears pushes by webhook; polling is slow
    // enough (5 min) that only the webhook explains a quick deploy.
    let webhook_port = free_port();
    start_controller(&mut env, &url, "300s", webhook_port);
    assert_eq!(http(webhook_port, "GET", "/healthz", &[], b"").0, 200);
    env.wait_until(Duration::from_secs(30), "the CRDs are installed", |e| {
        e.kubectl_ok(&["get", "appprojects.argoproj.io", "-n", "berth", "default"])
    });

    env.bootstrap("stg");
    let took = env.wait_until(SYNC_TIMEOUT, "every stg app is Synced and Healthy", |e| {
        e.automated_apps_synced(4)
    });
    eprintln!("stg synced and healthy after {took:?}");
    assert!(image(&env).ends_with(":1.8.3"), "{}", image(&env));

    // CI: a clone of its own, a bump, a push. No cluster credentials anywhere.
    let ci = base.join("ci");
    git(&base, &["clone", "-q", &url, &ci.display().to_string()]);
    let before = git(&bare, &["rev-parse", "main"]).trim().to_string();
    let out = berth(
        &ci,
        &[
            "bump",
            "--app",
            "orders-api",
            "--env",
            "stg",
            "--tag",
            "1.9.0",
            "--push",
            "--author",
            "CI Bot <ci@example.com>",
        ],
    );
    let said = ok(&out);
    assert!(said.contains("1.8.3 -> 1.9.0"), "{said}");
    let pushed_at = Instant::now();
    let bumped = git(&bare, &["rev-parse", "main"]).trim().to_string();
    assert_ne!(before, bumped);
    let after_bump = show(&bare, "main", VALUES_STG);
    assert_eq!(
        after_bump,
        original.replace("tag: \"1.8.3\"", "tag: \"1.9.0\""),
        "only the tag changed"
    );
    // A push to another branch refreshes nothing; an app whose manifest-generate-paths
    // miss the changed file is left alone.
    let (status, body) = github_push_ref(webhook_port, "refs/heads/feature", &before, &bumped);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["pushes"][0]["refreshed"], json!([]), "{body}");
    assert!(body.contains("OtherRevision"), "{body}");
    env.kubectl(&[
        "annotate",
        "applications.argoproj.io",
        "-n",
        "berth",
        "payments-worker-stg",
        "argocd.argoproj.io/manifest-generate-paths=.",
    ]);
    let (status, body) = github_push(webhook_port, &before, &bumped);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    let refreshed = answer["pushes"][0]["refreshed"].as_array().unwrap();
    assert!(refreshed.contains(&json!("orders-api-stg")), "{body}");
    assert!(!refreshed.contains(&json!("payments-worker-stg")), "{body}");
    assert!(
        answer["pushes"][0]["skipped"]
            .as_array()
            .unwrap()
            .contains(&json!({"app": "payments-worker-stg", "reason": "NoChangedPath"})),
        "{body}"
    );
    let deployed = env.wait_until(Duration::from_secs(60), "the Deployment runs 1.9.0", |e| {
        image(e).ends_with(":1.9.0")
    });
    eprintln!(
        "webhook: Deployment updated {:?} after the push ({:?} after the webhook)",
        pushed_at.elapsed(),
        deployed
    );
    env.wait_until(
        SYNC_TIMEOUT,
        "orders-api-stg is Synced and Healthy on the bump",
        |e| rolled_out(e, "1.9.0") && app_ok(e, "orders-api-stg", &bumped),
    );
    eprintln!(
        "webhook: push of the bump -> new release Healthy: {:?}",
        pushed_at.elapsed()
    );

    // On call: roll back from a fresh clone of the URL.
    let out = berth(
        &base,
        &[
            "rollback",
            "orders-api-stg",
            "--repo",
            &url,
            "--push",
            "--author",
            "On Call <oncall@example.com>",
        ],
    );
    let said = ok(&out);
    assert!(said.contains("rollback orders-api-stg to"), "{said}");
    let reverted_at = Instant::now();
    let reverted = git(&bare, &["rev-parse", "main"]).trim().to_string();
    assert_eq!(show(&bare, "main", VALUES_STG), original, "the tag is back");
    let (status, body) = github_push(webhook_port, &bumped, &reverted);
    assert_eq!(status, 200, "{body}");
    env.wait_until(SYNC_TIMEOUT, "1.8.3 is rolled out and Healthy again", |e| {
        rolled_out(e, "1.8.3") && app_ok(e, "orders-api-stg", &reverted)
    });
    eprintln!(
        "MEASURED: push of the revert -> previous release Healthy: {:?}",
        reverted_at.elapsed()
    );

    // History: both deploys, with their authors, tag changes and sync records.
    let out = berth(
        &base,
        &[
            "history",
            "orders-api-stg",
            "--repo",
            &url,
            "--kubeconfig",
            &env.kubeconfig().display().to_string(),
            "-o",
            "json",
        ],
    );
    let history: Value = serde_json::from_str(&ok(&out)).unwrap();
    let entries = history["entries"].as_array().unwrap();
    let rollback = &entries[0];
    let bump = &entries[1];
    assert_eq!(rollback["revision"], reverted.as_str(), "{history:#}");
    assert_eq!(rollback["author"], "On Call");
    assert_eq!(
        rollback["tagChange"],
        json!({"from": "1.9.0", "to": "1.8.3"})
    );
    assert_eq!(rollback["running"], true);
    assert_eq!(rollback["health"], "Healthy");
    assert!(
        !rollback["syncs"].as_array().unwrap().is_empty(),
        "{history:#}"
    );
    assert_eq!(bump["revision"], bumped.as_str());
    assert_eq!(bump["author"], "CI Bot");
    assert_eq!(bump["email"], "ci@example.com");
    assert_eq!(bump["tagChange"], json!({"from": "1.8.3", "to": "1.9.0"}));
    assert!(!bump["syncs"].as_array().unwrap().is_empty(), "{history:#}");
    assert_eq!(history["running"]["appCommit"], reverted.as_str());
    let table = ok(&berth(
        &base,
        &[
            "history",
            "orders-api-stg",
            "--repo",
            &url,
            "--kubeconfig",
            &env.kubeconfig().display().to_string(),
        ],
    ));
    eprintln!("{table}");
    assert!(table.contains("On Call <oncall@example.com>"), "{table}");
    assert!(table.contains("1.8.3 -> 1.9.0"), "{table}");

    // The HTTP surface: only /healthz is open; bad webhooks are refused and not logged.
    let payload = br#"{"ref":"refs/heads/main","secret-marker":"zzz-body-zzz"}"#;
    let unsigned = http(
        webhook_port,
        "POST",
        "/api/webhook",
        &[("X-GitHub-Event", "push".into())],
        payload,
    );
    assert_eq!(unsigned.0, 401);
    let forged = http(
        webhook_port,
        "POST",
        "/api/webhook",
        &[
            ("X-Gitea-Event", "push".into()),
            ("X-Gitea-Signature", "00".repeat(32)),
        ],
        payload,
    );
    assert_eq!(forged.0, 401);
    let wrong_token = http(
        webhook_port,
        "POST",
        "/api/webhook",
        &[
            ("X-Gitlab-Event", "Push Hook".into()),
            ("X-Gitlab-Token", "guess".into()),
        ],
        payload,
    );
    assert_eq!(wrong_token.0, 401);
    let garbage = b"zzz-body-zzz not json";
    let malformed = http(
        webhook_port,
        "POST",
        "/api/webhook",
        &[
            ("X-GitHub-Event", "push".into()),
            (
                "X-Hub-Signature-256",
                format!("sha256={}", hmac_hex(garbage)),
            ),
        ],
        garbage,
    );
    assert_eq!(malformed.0, 400, "{}", malformed.1);
    assert_eq!(
        http(webhook_port, "POST", "/api/webhook", &[], payload).0,
        400
    );
    // Every provider's signed push refreshes the app.
    let gitlab = json!({
        "object_kind": "push", "ref": "refs/heads/main", "before": bumped, "after": reverted,
        "project": {"git_http_url": EXAMPLE_URL, "default_branch": "main"},
        "commits": [{"added": [], "modified": [VALUES_STG], "removed": []}],
    })
    .to_string();
    let gitea = json!({
        "ref": "refs/heads/main", "before": bumped, "after": reverted,
        "repository": {"clone_url": EXAMPLE_URL, "default_branch": "main"},
        "commits": [],
    })
    .to_string();
    let cloud = json!({
        "repository": {"full_name": "platform/gitops-config",
                       "links": {"html": {"href": "https://git.example.com/platform/gitops-config"}}},
        "push": {"changes": [{"old": {"type": "branch", "name": "main", "target": {"hash": bumped}},
                              "new": {"type": "branch", "name": "main", "target": {"hash": reverted}}}]},
    })
    .to_string();
    let server = json!({
        "repository": {"links": {"clone": [{"href": EXAMPLE_URL, "name": "http"}]}},
        "changes": [{"refId": "refs/heads/main", "fromHash": bumped, "toHash": reverted, "type": "UPDATE"}],
    })
    .to_string();
    let signed = |body: &str| hmac_hex(body.as_bytes());
    let deliveries: [(&str, Vec<(&str, String)>); 4] = [
        (
            gitlab.as_str(),
            vec![
                ("X-Gitlab-Event", "Push Hook".into()),
                ("X-Gitlab-Token", SECRET.into()),
            ],
        ),
        (
            gitea.as_str(),
            vec![
                ("X-Gitea-Event", "push".into()),
                ("X-Gitea-Signature", signed(&gitea)),
            ],
        ),
        (
            cloud.as_str(),
            vec![
                ("X-Event-Key", "repo:push".into()),
                ("X-Hub-Signature", format!("sha256={}", signed(&cloud))),
            ],
        ),
        (
            server.as_str(),
            vec![
                ("X-Event-Key", "repo:refs_changed".into()),
                ("X-Hub-Signature", format!("sha256={}", signed(&server))),
            ],
        ),
    ];
    for (body, headers) in deliveries {
        let (status, answer) = http(
            webhook_port,
            "POST",
            "/api/webhook",
            &headers,
            body.as_bytes(),
        );
        assert_eq!(status, 200, "{headers:?}: {answer}");
        assert!(
            answer.contains("\"orders-api-stg\""),
            "{headers:?}: {answer}"
        );
    }
    assert_eq!(http(webhook_port, "GET", "/metrics", &[], b"").0, 401);
    let (status, metrics) = http(
        webhook_port,
        "GET",
        "/metrics",
        &[("Authorization", format!("Bearer {METRICS_TOKEN}"))],
        b"",
    );
    assert_eq!(status, 200);
    eprintln!("{metrics}");
    let fetches = fetch_count(webhook_port, &url);
    assert!(fetches >= 3, "{metrics}");
    assert!(
        metrics.contains(
            "berth_webhook_requests_total{provider=\"github\",result=\"unauthorized\"} 1"
        )
    );
    let log = env.controller_log();
    for secret in [SECRET, METRICS_TOKEN, "zzz-body-zzz"] {
        assert!(!log.contains(secret), "{secret} in the controller's log");
    }

    // Without a webhook the controller still deploys, within one poll interval.
    env.kill_controller();
    let polls_before = env.controller_log().matches(" polled ").count();
    start_controller(&mut env, &url, "2s", webhook_port);
    // Push once the new controller has read the repository and polls it (a push racing
    // its start-up fetches waits for the resync instead; see the report).
    env.wait_until(Duration::from_secs(60), "the new controller polls", |e| {
        e.controller_log().matches(" polled ").count() > polls_before
    });
    git(&ci, &["pull", "-q", "--ff-only"]);
    ok(&berth(
        &ci,
        &[
            "bump",
            "--app",
            "orders-api",
            "--env",
            "stg",
            "--tag",
            "1.9.1",
            "--push",
            "--author",
            "CI Bot <ci@example.com>",
        ],
    ));
    let polled = env.wait_until(SYNC_TIMEOUT, "the Deployment runs 1.9.1 (polling)", |e| {
        image(e).ends_with(":1.9.1")
    });
    eprintln!("polling every 2s: Deployment updated {polled:?} after the push");

    // One fetch per interval for the repository, however many apps read it.
    let apps = env
        .get(&["applications.argoproj.io", "-n", "berth"])
        .and_then(|l| l["items"].as_array().map(Vec::len))
        .unwrap_or(0);
    let first = fetch_count(webhook_port, &url);
    let window = Instant::now();
    std::thread::sleep(Duration::from_secs(6));
    let fetched = fetch_count(webhook_port, &url) - first;
    let intervals = window.elapsed().as_secs() / 2 + 1;
    eprintln!(
        "polling: {fetched} fetches in {:?} for {apps} apps of one repository",
        window.elapsed()
    );
    assert!(apps >= 4, "{apps} apps");
    assert!(
        fetched <= intervals,
        "{fetched} fetches in {intervals} intervals"
    );

    drop(daemon);
    env.stop().await;
}

/// Four pipelines bump at once against one repository: every change lands.
#[test]
fn racing_bumps_all_land_and_mistakes_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let work = example_repo(tmp.path());
    let (daemon, bare, url) = serve_example(tmp.path(), &work);
    let bumps = [
        ("orders-api", "dev", "2.0.0"),
        ("orders-api", "stg", "2.0.1"),
        ("orders-api", "prod", "2.0.2"),
        ("payments-worker", "stg", "3.0.0"),
    ];
    let children: Vec<Child> = bumps
        .iter()
        .enumerate()
        .map(|(i, (app, env, tag))| {
            let clone = tmp.path().join(format!("ci-{i}"));
            git(
                tmp.path(),
                &["clone", "-q", &url, &clone.display().to_string()],
            );
            Command::new(env!("CARGO_BIN_EXE_berth"))
                .current_dir(&clone)
                .args(["bump", "--app", app, "--env", env, "--tag", tag, "--push"])
                .env("GIT_AUTHOR_NAME", format!("Pipeline {i}"))
                .env("GIT_AUTHOR_EMAIL", format!("p{i}@example.com"))
                .env("BERTH_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut retried = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        ok(&out);
        if String::from_utf8_lossy(&out.stderr).contains("remote branch moved") {
            retried += 1;
        }
    }
    eprintln!("{retried} of 4 bumps lost a race and retried");
    for (app, env, tag) in bumps {
        let text = show(&bare, "main", &format!("charts/{app}/values-{env}.yaml"));
        assert!(
            text.contains(&format!("tag: \"{tag}\"")),
            "{app} {env} lost its bump:\n{text}"
        );
    }
    let log = git(&bare, &["log", "--format=%an|%s", "main"]);
    assert_eq!(
        log.lines().filter(|l| l.contains("|bump ")).count(),
        4,
        "{log}"
    );

    let ci = tmp.path().join("ci-0");
    git(&ci, &["pull", "-q", "--ff-only"]);
    let author = ["--author", "CI <ci@example.com>"];
    // Same tag: nothing to do, exit 0, no commit.
    let head = git(&bare, &["rev-parse", "main"]);
    let mut args = vec![
        "bump",
        "--app",
        "orders-api",
        "--env",
        "stg",
        "--tag",
        "2.0.1",
        "--push",
    ];
    args.extend(author);
    let said = ok(&berth(&ci, &args));
    assert!(said.contains("already at 2.0.1"), "{said}");
    assert_eq!(git(&bare, &["rev-parse", "main"]), head);
    // Mistakes say which.
    let mut args = vec![
        "bump", "--app", "billing", "--env", "stg", "--tag", "1", "--push",
    ];
    args.extend(author);
    let err = failed(&berth(&ci, &args));
    assert!(err.contains("no Application billing-stg"), "{err}");
    let mut args = vec![
        "bump",
        "--file",
        "charts/orders-api/values-stg.yaml",
        "--key",
        "image.digest",
        "--value",
        "x",
    ];
    args.extend(author);
    let err = failed(&berth(&ci, &args));
    assert!(err.contains("has no key image.digest"), "{err}");
    let mut args = vec!["bump", "--file", "nope.yaml", "--key", "a", "--value", "x"];
    args.extend(author);
    let err = failed(&berth(&ci, &args));
    assert!(err.contains("nope.yaml does not exist"), "{err}");
    let err = failed(&berth(
        &ci,
        &[
            "bump",
            "--app",
            "orders-api",
            "--env",
            "stg",
            "--tag",
            "9",
            "--repo",
            "git://127.0.0.1:1/none.git",
            "--push",
        ],
    ));
    assert!(err.contains("cloning git://127.0.0.1:1/none.git"), "{err}");

    let missing_secret = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(&ci)
        .args([
            "bump",
            "--app",
            "orders-api",
            "--env",
            "stg",
            "--tag",
            "9",
            "--push",
        ])
        .args(author)
        .env("BERTH_GIT_TOKEN_FILE", tmp.path().join("no-such-token"))
        .output()
        .unwrap();
    let err = failed(&missing_secret);
    assert!(err.contains("named by BERTH_GIT_TOKEN_FILE"), "{err}");

    // The general form, committed without pushing; then pushed by git.
    let mut args = vec![
        "bump",
        "--file",
        "charts/orders-api/values-stg.yaml",
        "--key",
        "replicaCount",
        "--value",
        "3",
    ];
    args.extend(author);
    ok(&berth(&ci, &args));
    git(&ci, &["push", "-q", "origin", "main"]);
    let text = show(&bare, "main", VALUES_STG);
    assert!(text.contains("\nreplicaCount: 3\n"), "{text}");

    // A rollback that would change files other apps read is refused, naming them.
    git(&ci, &["pull", "-q", "--ff-only"]);
    let ci_template = ci.join("charts/orders-api/templates/deployment.yaml");
    let mut text = std::fs::read_to_string(&ci_template).unwrap();
    text.push_str("# a comment for every environment\n");
    std::fs::write(&ci_template, text).unwrap();
    git(
        &ci,
        &[
            "commit",
            "-q",
            "-am",
            "template change for all environments",
        ],
    );
    let err = failed(&berth(
        &ci,
        &[
            "rollback",
            "orders-api-stg",
            "--author",
            "On Call <oc@example.com>",
        ],
    ));
    assert!(
        err.contains("charts/orders-api/templates/deployment.yaml (also read by orders-api-dev, orders-api-prod)"),
        "{err}"
    );
    // Two steps back from the template change: the replica change and the template are
    // undone together with --include-shared; the tag bump stays.
    let said = ok(&berth(
        &ci,
        &[
            "rollback",
            "orders-api-stg",
            "--steps",
            "2",
            "--include-shared",
            "--author",
            "On Call <oc@example.com>",
        ],
    ));
    assert!(said.contains("rollback orders-api-stg to"), "{said}");
    let text = std::fs::read_to_string(ci.join(VALUES_STG)).unwrap();
    assert!(
        text.contains("\nreplicaCount: 2\n") && text.contains("tag: \"2.0.1\""),
        "{text}"
    );
    // Back to the first revision by name; the history (no cluster) shows the tag moves.
    let initial = git(&ci, &["rev-list", "--max-parents=0", "HEAD"]);
    let said = ok(&berth(
        &ci,
        &[
            "rollback",
            "orders-api",
            "--env",
            "stg",
            "--to",
            initial.trim(),
            "--author",
            "On Call <oc@example.com>",
        ],
    ));
    assert!(said.contains(&format!("to {}", &initial[..7])), "{said}");
    let example = std::fs::read_to_string(work.join(VALUES_STG)).unwrap();
    assert_eq!(
        std::fs::read_to_string(ci.join(VALUES_STG)).unwrap(),
        example
    );
    let said = ok(&berth(
        &ci,
        &[
            "rollback",
            "orders-api-stg",
            "--to",
            initial.trim(),
            "--author",
            "X <x@example.com>",
        ],
    ));
    assert!(said.contains("nothing to commit"), "{said}");
    let table = ok(&berth(&ci, &["history", "orders-api-stg"]));
    assert!(table.contains("2.0.1 -> 1.8.3"), "{table}");
    assert!(table.contains("1.8.3 -> 2.0.1"), "{table}");
    assert!(table.contains("Pipeline 1 <p1@example.com>"), "{table}");
    drop(daemon);
}
