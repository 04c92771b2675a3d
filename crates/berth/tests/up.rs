//! `berth up`, the README's main command, as a user runs it: a sandbox, the controller and
//! the example repository; every stg app Synced and Healthy; a commit to the seeded
//! repository deployed within 5 seconds.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn kubectl(kubeconfig: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .args(args)
        .output()
        .expect("kubectl 1.32 must be installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=dev", "-c", "user.email=dev@example.com"])
        .args(args)
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

struct Up(std::process::Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn berth_up_syncs_stg_and_deploys_a_commit_within_seconds() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["up", "--env", "stg", "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("berth up starts");
    let stdout = child.stdout.take().expect("stdout");
    let up = Up(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut output = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("berth up did not report in time:\n{}", output.join("\n")));
        let done = line.starts_with("Berth is running");
        output.push(line);
        if done {
            break;
        }
    }
    let text = output.join("\n");
    assert!(
        text.contains("all automated apps are Synced and Healthy"),
        "{text}"
    );
    for app in [
        "root-stg",
        "platform-stg",
        "orders-api-stg",
        "payments-worker-stg",
    ] {
        assert!(text.contains(app), "{app} in the progress display:\n{text}");
    }

    let kubeconfig = data.path().join("kubeconfig");
    let repo = data.path().join("gitops-config");
    let replicas = || {
        kubectl(
            &kubeconfig,
            &[
                "get",
                "deployment",
                "-n",
                "payments-worker-stg",
                "payments-worker",
                "-o",
                "jsonpath={.spec.replicas}",
            ],
        )
        .and_then(|r| r.trim().parse::<i64>().ok())
    };
    let before = replicas().expect("payments-worker is deployed");
    let values = repo.join("charts/payments-worker/values-stg.yaml");
    let text = std::fs::read_to_string(&values).expect("values");
    let changed: String = text
        .lines()
        .map(|l| {
            if l.starts_with("replicaCount:") {
                format!("replicaCount: {}", before + 2)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(text, changed, "values-stg.yaml sets replicaCount");
    std::fs::write(&values, changed).expect("write");
    git(
        &repo,
        &[
            "commit",
            "-qam",
            "payments-worker: two more replicas in stg",
        ],
    );
    let committed = Instant::now();
    while replicas() != Some(before + 2) {
        assert!(
            committed.elapsed() < Duration::from_secs(5),
            "the commit was not deployed within 5 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("commit deployed after {:?}", committed.elapsed());
    drop(up);
}
