//! End-to-end: the controller binary against a sandbox and a real git repository, driven
//! the way a platform team drives it (commits, kubectl edits, Application files).

mod support;

use std::time::Duration;

use serde_json::Value;
use support::Env;

const SYNC_TIMEOUT: Duration = Duration::from_secs(120);

fn replicas(env: &Env, ns: &str, name: &str) -> Option<i64> {
    env.get(&["deployment", "-n", ns, name])?["spec"]["replicas"].as_i64()
}

fn set_line(text: &str, prefix: &str, new_line: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with(prefix) {
                new_line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn condition_messages(app: &Value) -> String {
    app["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{}: {}",
                c["type"].as_str().unwrap_or(""),
                c["message"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The stg environment through a day of changes: bootstrap, a hand edit, a values commit,
/// a broken chart, and an Application file deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stg_environment_lifecycle() {
    let env = Env::start().await;
    env.bootstrap("stg");
    let took = env.wait_until(SYNC_TIMEOUT, "every stg app is Synced and Healthy", |e| {
        e.automated_apps_synced(4)
    });
    eprintln!("stg synced and healthy after {took:?}");

    // The migration hook finished before the Deployment that needs the new schema existed.
    let job = env
        .get(&["job", "-n", "orders-api-stg", "orders-api-migrate"])
        .expect("migration job");
    let deployment = env
        .get(&["deployment", "-n", "orders-api-stg", "orders-api"])
        .expect("deployment");
    let completed = job["status"]["completionTime"]
        .as_str()
        .expect("job completed");
    let created = deployment["metadata"]["creationTimestamp"]
        .as_str()
        .expect("created");
    assert!(
        completed <= created,
        "job completed {completed}, deployment created {created}"
    );
    assert!(
        job["metadata"]["annotations"]["berth.dev/tracking-id"]
            .as_str()
            .is_some_and(|t| t.starts_with("orders-api-stg:batch/Job:orders-api-stg/")),
        "{job}"
    );

    // A hand edit is reverted by self-heal within 5 s.
    let before = replicas(&env, "payments-worker-stg", "payments-worker").expect("replicas");
    env.kubectl(&[
        "scale",
        "deployment/payments-worker",
        "-n",
        "payments-worker-stg",
        "--replicas=7",
    ]);
    let healed = env.wait_until(Duration::from_secs(5), "kubectl scale is reverted", |e| {
        replicas(e, "payments-worker-stg", "payments-worker") == Some(before)
    });
    eprintln!("kubectl scale reverted after {healed:?}");
    let queue = |e: &Env| {
        e.get(&["configmap", "-n", "payments-worker-stg", "payments-worker"])
            .and_then(|c| c["data"]["QUEUE"].as_str().map(String::from))
    };
    let original_queue = queue(&env).expect("QUEUE is set");
    env.kubectl(&[
        "patch",
        "configmap",
        "payments-worker",
        "-n",
        "payments-worker-stg",
        "--type",
        "merge",
        "-p",
        r#"{"data":{"QUEUE":"edited-by-hand"}}"#,
    ]);
    env.wait_until(
        Duration::from_secs(5),
        "a ConfigMap edit is reverted",
        |e| queue(e).as_deref() == Some(original_queue.as_str()),
    );

    // A values commit reaches the cluster within the poll interval (1 s here).
    let values = env.read("charts/payments-worker/values-stg.yaml");
    let target = before + 1;
    env.write(
        "charts/payments-worker/values-stg.yaml",
        &set_line(&values, "replicaCount:", &format!("replicaCount: {target}")),
    );
    env.commit("payments-worker stg: one more replica");
    let took = env.wait_until(
        Duration::from_secs(15),
        "the values commit is deployed",
        |e| replicas(e, "payments-worker-stg", "payments-worker") == Some(target),
    );
    eprintln!("values commit deployed after {took:?}");

    // A template error in one chart: a condition with file and line on that app, nothing
    // pruned, and the other apps keep syncing.
    let template = "charts/orders-api/templates/configmap.yaml";
    let original = env.read(template);
    env.write(
        template,
        &format!("{original}\n{{{{ .Values.missing.deeper }}}}\n"),
    );
    let values = env.read("charts/payments-worker/values-stg.yaml");
    env.write(
        "charts/payments-worker/values-stg.yaml",
        &set_line(
            &values,
            "replicaCount:",
            &format!("replicaCount: {}", target + 1),
        ),
    );
    env.commit("broken orders-api template, and a payments-worker change");
    env.wait_until(
        Duration::from_secs(15),
        "the template error shows on orders-api-stg",
        |e| {
            e.app("orders-api-stg").is_some_and(|a| {
                condition_messages(&a).contains("ComparisonError")
                    && condition_messages(&a).contains("templates/configmap.yaml:")
            })
        },
    );
    let app = env.app("orders-api-stg").expect("app");
    eprintln!("condition: {}", condition_messages(&app));
    env.wait_until(
        Duration::from_secs(15),
        "payments-worker still syncs",
        |e| replicas(e, "payments-worker-stg", "payments-worker") == Some(target + 1),
    );
    assert!(
        env.get(&["deployment", "-n", "orders-api-stg", "orders-api"])
            .is_some(),
        "nothing pruned"
    );
    assert!(
        env.get(&["configmap", "-n", "orders-api-stg", "orders-api"])
            .is_some(),
        "nothing pruned"
    );
    env.write(template, &original);
    env.commit("fix the orders-api template");
    env.wait_until(Duration::from_secs(15), "the condition clears", |e| {
        e.app("orders-api-stg")
            .is_some_and(|a| !condition_messages(&a).contains("ComparisonError"))
    });

    // Deleting an Application file prunes that app and only its objects.
    std::fs::remove_file(env.repo.join("applications/stg/payments-worker.yaml")).expect("rm");
    env.commit("retire payments-worker in stg");
    env.wait_until(
        Duration::from_secs(30),
        "payments-worker-stg and its Deployment are gone",
        |e| {
            e.app("payments-worker-stg").is_none()
                && e.get(&["deployment", "-n", "payments-worker-stg", "payments-worker"])
                    .is_none()
        },
    );
    assert!(
        env.get(&["deployment", "-n", "orders-api-stg", "orders-api"])
            .is_some()
    );
    assert!(env.app("orders-api-stg").is_some());
    let root = env.app("root-stg").expect("root");
    assert_eq!(
        root["status"]["sync"]["status"], "Synced",
        "{}",
        root["status"]
    );
    env.stop().await;
}

/// Prod apps have no automated sync: nothing is deployed until someone asks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn prod_waits_for_a_manual_sync() {
    let env = Env::start().await;
    env.bootstrap("prod");
    env.wait_until(
        SYNC_TIMEOUT,
        "the prod Applications exist and are compared",
        |e| {
            e.app("orders-api-prod")
                .is_some_and(|a| a["status"]["sync"]["status"] == "OutOfSync")
        },
    );
    std::thread::sleep(Duration::from_secs(3));
    let app = env.app("orders-api-prod").expect("app");
    assert_eq!(app["status"]["sync"]["status"], "OutOfSync");
    assert!(
        app["status"]["operationState"].is_null(),
        "{}",
        app["status"]
    );
    assert!(
        env.get(&["deployment", "-n", "orders-api-prod", "orders-api"])
            .is_none()
    );

    env.kubectl(&[
        "patch",
        "applications.argoproj.io",
        "orders-api-prod",
        "-n",
        "berth",
        "--type",
        "merge",
        "-p",
        r#"{"operation":{"initiatedBy":{"username":"alice"},"sync":{"prune":true}}}"#,
    ]);
    env.wait_until(
        SYNC_TIMEOUT,
        "orders-api-prod is Synced after the manual sync",
        |e| {
            e.app("orders-api-prod").is_some_and(|a| {
                a["status"]["sync"]["status"] == "Synced"
                    && a["status"]["operationState"]["phase"] == "Succeeded"
            })
        },
    );
    let app = env.app("orders-api-prod").expect("app");
    let history = app["status"]["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["initiatedBy"]["username"], "alice");
    assert!(
        app["operation"].is_null(),
        "the operation is cleared when done"
    );
    env.stop().await;
}

/// SIGKILL in the middle of a sync: a new controller finishes it, without running the
/// migration twice or losing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_controller_resumes_the_sync() {
    let mut env = Env::start().await;
    // A slow migration keeps the sync running long enough to kill the controller in it.
    let job = "charts/orders-api/templates/migration-job.yaml";
    let text = env.read(job);
    // 200 simulated seconds are 10 s at the tests' time scale.
    let slowed = text.replacen(
        "  template:\n    metadata:\n",
        "  template:\n    metadata:\n      annotations:\n        sandbox.berth.dev/run-seconds: \"200\"\n",
        1,
    );
    assert_ne!(text, slowed, "the migration job has a pod template");
    env.write(job, &slowed);
    env.commit("slow migration");
    env.bootstrap("stg");
    env.wait_until(SYNC_TIMEOUT, "the migration hook is running", |e| {
        e.get(&["job", "-n", "orders-api-stg", "orders-api-migrate"])
            .is_some()
    });
    let uid = env
        .get(&["job", "-n", "orders-api-stg", "orders-api-migrate"])
        .expect("job")["metadata"]["uid"]
        .clone();
    env.kill_controller();
    std::thread::sleep(Duration::from_millis(500));
    env.start_controller();
    env.wait_until(
        SYNC_TIMEOUT,
        "every stg app is Synced and Healthy after the restart",
        |e| e.automated_apps_synced(4),
    );
    let job = env
        .get(&["job", "-n", "orders-api-stg", "orders-api-migrate"])
        .expect("job");
    assert_eq!(
        job["metadata"]["uid"], uid,
        "the migration ran once: the same Job finished"
    );
    let app = env.app("orders-api-stg").expect("app");
    let history = app["status"]["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(history.len(), 1, "one deploy recorded: {history:?}");
    let pods = env
        .get(&[
            "pods",
            "-n",
            "orders-api-stg",
            "-l",
            "job-name=orders-api-migrate",
        ])
        .expect("pods");
    assert_eq!(
        pods["items"].as_array().map(Vec::len),
        Some(1),
        "one migration pod"
    );
    env.stop().await;
}

/// An AppProject that does not allow the repository: the app says why and never syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_project_restriction_stops_the_app() {
    let env = Env::start().await;
    let project = env.dir.path().join("project.yaml");
    std::fs::write(
        &project,
        "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: locked\n  namespace: berth\nspec:\n  sourceRepos: ['https://git.other.example/*']\n  destinations: [{server: '*', namespace: '*'}]\n",
    )
    .expect("write");
    env.kubectl(&["apply", "-f", &project.display().to_string()]);
    let app = env.dir.path().join("app.yaml");
    let manifest = env
        .read("applications/stg/payments-worker.yaml")
        .replace("project: default", "project: locked");
    assert!(manifest.contains("project: locked"));
    std::fs::write(&app, manifest).expect("write");
    env.kubectl(&["apply", "-f", &app.display().to_string()]);
    env.wait_until(
        Duration::from_secs(30),
        "the project violation is reported",
        |e| {
            e.app("payments-worker-stg").is_some_and(|a| {
                condition_messages(&a).contains("is not permitted in project 'locked'")
                    && a["status"]["sync"]["status"] == "Unknown"
            })
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    let app = env.app("payments-worker-stg").expect("app");
    assert!(
        app["status"]["operationState"].is_null(),
        "no sync started: {}",
        app["status"]
    );
    assert!(
        env.get(&["deployment", "-n", "payments-worker-stg", "payments-worker"])
            .is_none()
    );
    env.stop().await;
}

/// Automated sync without prune: an object removed from git stays, marked for pruning, and
/// self-heal does not loop on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_prune_removed_objects_stay_and_do_not_loop() {
    let env = Env::start().await;
    let extra = "charts/payments-worker/templates/extra.yaml";
    env.write(
        extra,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: payments-worker-extra\ndata:\n  a: b\n",
    );
    env.commit("payments-worker: an extra ConfigMap");
    let app = env.dir.path().join("app.yaml");
    let manifest = env
        .read("applications/stg/payments-worker.yaml")
        .replace("prune: true", "prune: false");
    assert!(manifest.contains("prune: false"));
    std::fs::write(&app, manifest).expect("write");
    env.kubectl(&["apply", "-f", &app.display().to_string()]);
    env.wait_until(
        SYNC_TIMEOUT,
        "payments-worker-stg is Synced and Healthy",
        |e| {
            e.app("payments-worker-stg").is_some_and(|a| {
                a["status"]["sync"]["status"] == "Synced"
                    && a["status"]["health"]["status"] == "Healthy"
            })
        },
    );
    std::fs::remove_file(env.repo.join(extra)).expect("rm");
    env.commit("payments-worker: no extra ConfigMap any more");
    env.wait_until(
        Duration::from_secs(30),
        "the ConfigMap is marked for pruning",
        |e| {
            e.app("payments-worker-stg").is_some_and(|a| {
                a["status"]["resources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|r| r["kind"] == "ConfigMap" && r["requiresPruning"] == true)
                    && a["operation"].is_null()
                    && a["status"]["operationState"]["phase"] == "Succeeded"
            })
        },
    );
    let history = |e: &Env| {
        e.app("payments-worker-stg")
            .and_then(|a| a["status"]["history"].as_array().map(Vec::len))
            .unwrap_or(0)
    };
    let before = history(&env);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        history(&env),
        before,
        "no sync loop on an object that only needs pruning"
    );
    assert!(
        env.get(&[
            "configmap",
            "-n",
            "payments-worker-stg",
            "payments-worker-extra"
        ])
        .is_some()
    );
    let app = env.app("payments-worker-stg").expect("app");
    assert_eq!(app["status"]["sync"]["status"], "OutOfSync");
    env.stop().await;
}
