//! `berth sandbox` as a process: it prints where it serves, survives `kill -9` without losing
//! acknowledged writes, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Running {
    child: Child,
    kubeconfig: PathBuf,
}

fn start(data: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("berth sandbox starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut url = None;
    let mut kubeconfig = None;
    while url.is_none() || kubeconfig.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("berth sandbox prints its URL and kubeconfig");
        if let Some(u) = line.strip_prefix("sandbox cluster serving at ") {
            url = Some(u.to_string());
        }
        if let Some(k) = line.strip_prefix("kubeconfig: ") {
            kubeconfig = Some(PathBuf::from(k));
        }
    }
    assert!(url.is_some_and(|u| u.starts_with("https://127.0.0.1:")));
    Running {
        child,
        kubeconfig: kubeconfig.expect("kubeconfig path"),
    }
}

fn kubectl(kubeconfig: &Path, home: &Path, args: &[&str]) -> String {
    let out = Command::new(std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into()))
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .output()
        .expect("kubectl is installed (these tests need kubectl 1.32)");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn kill_nine_loses_nothing_acknowledged() {
    let data = tempfile::tempdir().expect("data dir");
    let home = tempfile::tempdir().expect("home");
    let mut first = start(data.path());
    kubectl(
        &first.kubeconfig,
        home.path(),
        &["create", "namespace", "keep"],
    );
    for i in 0..20 {
        kubectl(
            &first.kubeconfig,
            home.path(),
            &[
                "create",
                "configmap",
                &format!("cm-{i}"),
                "-n",
                "keep",
                &format!("--from-literal=i={i}"),
            ],
        );
    }
    kubectl(
        &first.kubeconfig,
        home.path(),
        &["label", "configmap", "cm-3", "-n", "keep", "changed=yes"],
    );
    kubectl(
        &first.kubeconfig,
        home.path(),
        &["delete", "configmap", "cm-4", "-n", "keep"],
    );
    let before = kubectl(
        &first.kubeconfig,
        home.path(),
        &[
            "get",
            "cm",
            "-n",
            "keep",
            "-o",
            "custom-columns=NAME:.metadata.name,RV:.metadata.resourceVersion,UID:.metadata.uid,LABEL:.metadata.labels.changed",
            "--no-headers",
        ],
    );
    first.child.kill().expect("SIGKILL");
    let _ = first.child.wait();

    let mut second = start(data.path());
    let after = kubectl(
        &second.kubeconfig,
        home.path(),
        &[
            "get",
            "cm",
            "-n",
            "keep",
            "-o",
            "custom-columns=NAME:.metadata.name,RV:.metadata.resourceVersion,UID:.metadata.uid,LABEL:.metadata.labels.changed",
            "--no-headers",
        ],
    );
    assert_eq!(
        before, after,
        "every acknowledged write survives kill -9 with the same resourceVersions"
    );
    assert_eq!(after.lines().count(), 19, "twenty created, one deleted");
    assert!(!after.contains("cm-4 "));
    // New writes continue the same resourceVersion sequence.
    let max_before: u64 = before
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .max()
        .unwrap_or(0);
    kubectl(
        &second.kubeconfig,
        home.path(),
        &["create", "configmap", "new", "-n", "keep"],
    );
    let rv: u64 = kubectl(
        &second.kubeconfig,
        home.path(),
        &[
            "get",
            "cm",
            "new",
            "-n",
            "keep",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ],
    )
    .parse()
    .expect("rv");
    assert!(rv > max_before, "{rv} > {max_before}");
    second.child.kill().expect("SIGKILL");
    let _ = second.child.wait();
}

#[test]
fn sigterm_stops_cleanly() {
    let data = tempfile::tempdir().expect("data dir");
    let mut running = start(data.path());
    let pid = running.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = running.child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sandbox did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
