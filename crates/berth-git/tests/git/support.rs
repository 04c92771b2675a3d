//! Setup helpers: repositories made with the git command in temporary directories,
//! a `git daemon` and a smart-HTTP server on loopback. Every wait has a time limit.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use berth_git::{RepoCache, Signature};

/// The longest any helper waits for a process or a port.
pub const WAIT: Duration = Duration::from_secs(60);

/// Run a command with no input, failing the test if it runs longer than [`WAIT`].
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + WAIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} did not finish within {WAIT:?}");
            }
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
    };
    Output {
        status,
        stdout: stdout.recv_timeout(WAIT).unwrap_or_default(),
        stderr: stderr.recv_timeout(WAIT).unwrap_or_default(),
    }
}

pub fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

/// A git command isolated from the machine's configuration, with a fixed identity.
pub fn git_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .env("LC_ALL", "C");
    cmd
}

/// Run git in `dir` and return its trimmed standard output; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = run(git_cmd(dir).args(args));
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A remote: a bare repository `remote.git` under a temporary directory, fed by the
/// working repository `seed`.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub bare: PathBuf,
    pub seed: PathBuf,
    clock: std::cell::Cell<i64>,
}

impl Fixture {
    pub fn new() -> Fixture {
        let tmp = tempfile::tempdir().expect("tempdir");
        let bare = tmp.path().join("remote.git");
        let seed = tmp.path().join("seed");
        git(
            tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        git(tmp.path(), &["init", "-q", "-b", "main", "seed"]);
        git(&seed, &["remote", "add", "origin", "../remote.git"]);
        Fixture {
            tmp,
            bare,
            seed,
            clock: std::cell::Cell::new(1_700_000_000),
        }
    }

    /// The bare repository's path, as a URL.
    pub fn url(&self) -> String {
        self.bare.to_string_lossy().into_owned()
    }

    pub fn file_url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// A fresh directory under the fixture's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// A cache under the fixture's temporary directory.
    pub fn cache(&self) -> RepoCache {
        RepoCache::open(self.path("cache"))
            .expect("cache")
            .with_fetch_timeout(WAIT)
    }

    /// Write (`Some`) or delete (`None`) files in the seed, commit them on the seed's
    /// current branch and push that branch. Returns the commit id.
    pub fn commit(&self, files: &[(&str, Option<&str>)], message: &str) -> String {
        for (path, content) in files {
            let full = self.seed.join(path);
            match content {
                Some(text) => {
                    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
                    std::fs::write(&full, text).expect("write");
                }
                None => {
                    let _ = std::fs::remove_file(&full);
                }
            }
        }
        self.commit_staged_all(message)
    }

    /// Commit whatever is in the seed's working tree and push the current branch.
    pub fn commit_staged_all(&self, message: &str) -> String {
        git(&self.seed, &["add", "-A"]);
        self.commit_index(message)
    }

    /// Commit the seed's index as it is and push the current branch.
    pub fn commit_index(&self, message: &str) -> String {
        let t = self.clock.get() + 60;
        self.clock.set(t);
        let date = format!("{t} +0000");
        let out = run(git_cmd(&self.seed)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args(["commit", "-q", "--allow-empty", "-m", message]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let branch = git(&self.seed, &["symbolic-ref", "--short", "HEAD"]);
        git(
            &self.seed,
            &[
                "push",
                "-q",
                "-f",
                "origin",
                &format!("HEAD:refs/heads/{branch}"),
            ],
        );
        git(&self.seed, &["rev-parse", "HEAD"])
    }

    pub fn tag_light(&self, name: &str, rev: &str) {
        git(&self.seed, &["tag", name, rev]);
        git(
            &self.seed,
            &["push", "-q", "origin", &format!("refs/tags/{name}")],
        );
    }

    pub fn tag_annotated(&self, name: &str, rev: &str) -> String {
        git(&self.seed, &["tag", "-a", "-m", "release", name, rev]);
        git(
            &self.seed,
            &["push", "-q", "origin", &format!("refs/tags/{name}")],
        );
        git(&self.seed, &["rev-parse", &format!("refs/tags/{name}")])
    }

    /// What `rev` is in the bare remote.
    pub fn remote_rev(&self, rev: &str) -> String {
        git(&self.bare, &["rev-parse", rev])
    }

    /// A file's content at `rev` of the bare remote.
    pub fn remote_file(&self, rev: &str, path: &str) -> String {
        git(&self.bare, &["show", &format!("{rev}:{path}")])
    }
}

pub fn bot() -> Signature {
    Signature::new("Berth Bot", "bot@example.com")
}

/// A port on loopback that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Wait until something accepts connections on `port`. False if the server exited
/// first (the port was taken meanwhile); panics when nothing listens in time.
pub fn wait_for_port(port: u16, child: &mut Child) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on port {port} after {WAIT:?}");
}

/// `git daemon` serving every repository under a directory, with push enabled;
/// stopped when dropped.
pub struct GitDaemon {
    child: Child,
    pub port: u16,
}

impl GitDaemon {
    pub fn start(base: &Path) -> GitDaemon {
        use std::os::unix::process::CommandExt;
        // The daemon program itself, not the `git` wrapper: killing the wrapper would
        // leave the daemon running.
        let exec_path = git(base, &["--exec-path"]);
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(Path::new(&exec_path).join("git-daemon"))
                .current_dir(base)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args([
                    "--export-all",
                    &format!("--base-path={}", base.display()),
                    "--reuseaddr",
                    "--listen=127.0.0.1",
                    &format!("--port={port}"),
                    "--enable=receive-pack",
                    "--informative-errors",
                ])
                .arg(base)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("git-daemon must be installed (the git package ships it)");
            if wait_for_port(port, &mut child) {
                return GitDaemon { child, port };
            }
            let _ = child.wait();
        }
        panic!("git-daemon could not start on a free port in 5 tries");
    }

    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        // The daemon and the children it forked for connections share its group.
        let _ = run(Command::new("kill").args(["-TERM", "--", &format!("-{}", self.child.id())]));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 of `input`, for the Authorization header.
pub fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_known_values() {
    assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    assert_eq!(base64(b"a"), "YQ==");
    assert_eq!(base64(b"ab"), "YWI=");
}

/// A TCP server on loopback that accepts connections and never answers; stopped
/// (and its connections closed) when dropped.
pub struct SilentServer {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentServer {
    pub fn start() -> SilentServer {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            let deadline = Instant::now() + WAIT;
            while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
                if let Ok((stream, _)) = listener.accept() {
                    held.push(stream);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        SilentServer {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
