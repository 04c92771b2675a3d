//! Running the `git` program: a time limit on every command, output collected
//! without blocking, and messages scrubbed of credentials.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::credentials::Credentials;
use crate::error::{Error, Step};
use crate::url::scrub;

/// How long to wait for output pipes to close once git itself has exited.
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// How much of git's standard error an error message keeps (the end of it).
const MAX_MESSAGE: usize = 4000;

/// One git invocation being prepared.
pub(crate) struct Git {
    cmd: Command,
    step: Step,
    target: String,
    timeout: Duration,
    secrets: Vec<String>,
    stdin: Option<Vec<u8>>,
}

/// What a finished git command printed.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    /// Standard error, scrubbed of credentials and URL userinfo.
    pub(crate) stderr: String,
}

impl Output {
    /// Standard output and error together, for messages.
    pub(crate) fn message(&self) -> String {
        let stderr = self.stderr.trim();
        let stdout = self.stdout.trim();
        let text = match (stderr.is_empty(), stdout.is_empty()) {
            (false, false) => format!("{stderr}\n{stdout}"),
            (false, true) => stderr.to_string(),
            (true, false) => stdout.to_string(),
            (true, true) => format!("git exited with {}", self.status),
        };
        tail(&text, MAX_MESSAGE)
    }
}

impl Git {
    /// A git command for `step` on `target` (a URL without userinfo, or a directory),
    /// authenticated with `creds` when given.
    pub(crate) fn new(
        step: Step,
        target: &str,
        timeout: Duration,
        creds: Option<&Credentials>,
    ) -> Git {
        let mut cmd = Command::new("git");
        // Never prompt: no terminal prompts, no askpass programs (an empty GIT_ASKPASS
        // also hides core.askPass and SSH_ASKPASS from git), no ssh askpass either.
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS_REQUIRE", "never")
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C");
        // Variables a surrounding git (a hook, CI) may have set that would redirect
        // this command to another repository.
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_NAMESPACE",
            "GIT_COMMON_DIR",
        ] {
            cmd.env_remove(var);
        }
        cmd.args([
            "-c",
            "gc.autoDetach=false",
            "-c",
            "maintenance.autoDetach=false",
        ]);
        let mut secrets = Vec::new();
        if let Some(creds) = creds {
            creds.apply(&mut cmd);
            secrets = creds.secrets().into_iter().map(str::to_string).collect();
        }
        Git {
            cmd,
            step,
            target: scrub(target, &[]),
            timeout,
            secrets,
            stdin: None,
        }
    }

    /// Run in `dir`.
    pub(crate) fn dir(mut self, dir: &Path) -> Git {
        self.cmd.current_dir(dir);
        self
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Git {
        self.cmd.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Git
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Git {
        self.cmd.env(key, value);
        self
    }

    /// Feed `bytes` to git's standard input.
    pub(crate) fn stdin(mut self, bytes: Vec<u8>) -> Git {
        self.stdin = Some(bytes);
        self
    }

    /// Run and return what git printed, whatever its exit status. Fails only when git
    /// cannot be started or runs out of time.
    pub(crate) fn output(self) -> Result<Output, Error> {
        let Git {
            mut cmd,
            step,
            target,
            timeout,
            secrets,
            stdin,
        } = self;
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        // Its own process group, so a timeout can stop git's helpers (remote-http, ssh) too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .spawn()
            .map_err(|source| Error::Spawn { step, source })?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            std::thread::spawn(move || {
                // A git that exits early closes the pipe; that shows in its exit status.
                let _ = pipe.write_all(&bytes);
            });
        }
        let status = match wait_until(&mut child, Instant::now() + timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                kill(&mut child);
                tracing::warn!(%step, url = %target, ?timeout, "git timed out and was stopped");
                return Err(Error::Timeout {
                    step,
                    url: target,
                    after: timeout,
                });
            }
            Err(source) => {
                kill(&mut child);
                return Err(Error::Spawn { step, source });
            }
        };
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let stdout = String::from_utf8_lossy(&stdout.recv_timeout(PIPE_GRACE).unwrap_or_default())
            .into_owned();
        let stderr = scrub(
            &String::from_utf8_lossy(&stderr.recv_timeout(PIPE_GRACE).unwrap_or_default()),
            &secrets,
        );
        let stdout = scrub(&stdout, &secrets);
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }

    /// Run and fail unless git exits with success; a failure is classified as an
    /// authentication failure or a plain one.
    pub(crate) fn run(self) -> Result<Output, Error> {
        let step = self.step;
        let target = self.target.clone();
        let output = self.output()?;
        if output.status.success() {
            return Ok(output);
        }
        Err(failure(step, target, &output))
    }
}

/// The error for a git command that exited unsuccessfully.
pub(crate) fn failure(step: Step, url: String, output: &Output) -> Error {
    let message = output.message();
    if is_auth_failure(&message) {
        Error::Auth { step, url, message }
    } else {
        Error::Git { step, url, message }
    }
}

/// Whether git's message says the remote wanted other (or any) credentials.
pub(crate) fn is_auth_failure(message: &str) -> bool {
    const SIGNS: &[&str] = &[
        "authentication failed",
        "could not read username",
        "could not read password",
        "terminal prompts disabled",
        "permission denied (publickey",
        "http basic: access denied",
        "the requested url returned error: 401",
        "the requested url returned error: 403",
        "invalid username or password",
        "invalid credentials",
        "bad credentials",
        "host key verification failed",
    ];
    let lower = message.to_ascii_lowercase();
    SIGNS.iter().any(|sign| lower.contains(sign))
}

fn collect<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
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

fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_millis(2);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Stop git and everything it started (its process group), then reap it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_failures_are_recognised() {
        assert!(is_auth_failure(
            "fatal: Authentication failed for 'http://127.0.0.1:1/r.git/'"
        ));
        assert!(is_auth_failure(
            "fatal: could not read Username for 'https://x': terminal prompts disabled"
        ));
        assert!(!is_auth_failure(
            "fatal: remote error: access denied or repository not exported: /r"
        ));
    }

    #[test]
    fn tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(tail("abc", 10), "abc");
        assert_eq!(tail("aébc", 3), "…bc");
    }

    #[test]
    fn a_slow_command_is_stopped() {
        let started = Instant::now();
        let result = Git::new(Step::Fetch, "x", Duration::from_millis(200), None)
            .args(["-c", "alias.slow=!sleep 30", "slow"])
            .output();
        assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}
