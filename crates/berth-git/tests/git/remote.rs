//! Real network transports on loopback: `git daemon` (git://) and smart HTTP with
//! basic authentication; credentials never show in errors.

use std::sync::atomic::Ordering;

use berth_git::{Credentials, Error, PushError, Workdir};

use crate::http::HttpGit;
use crate::support::{Fixture, GitDaemon, WAIT, bot};

const USER: &str = "deployer";
const PASSWORD: &str = "pa55-Secret-w0rd";

/// Every way an error can be shown, for leak checks.
fn shown(err: &dyn std::fmt::Debug, display: &dyn std::fmt::Display) -> String {
    format!("{display}\n{err:?}")
}

fn assert_no_secret(text: &str) {
    for secret in [PASSWORD, "wrong-Password-123", "pa55"] {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked in: {text}"
        );
    }
}

#[test]
fn git_daemon_fetch_and_push() {
    let fx = Fixture::new();
    let first = fx.commit(&[("charts/app/values.yaml", Some("tag: v1\n"))], "c1");
    let daemon = GitDaemon::start(fx.tmp.path());
    let url = daemon.url("remote.git");
    let cache = fx.cache();

    let outcome = cache.fetch(&url, &Credentials::none()).unwrap();
    assert!(outcome.cloned);
    assert_eq!(cache.resolve(&url, "main").unwrap().to_hex(), first);

    let wd = Workdir::clone_with_timeout(&url, "main", fx.path("wd"), &Credentials::none(), WAIT)
        .unwrap();
    assert_eq!(wd.branch(), "main");
    wd.write_file("charts/app/values.yaml", b"tag: v2\n")
        .unwrap();
    let pushed = wd
        .commit(&bot(), "bump app to v2")
        .unwrap()
        .expect("a change");
    wd.push(&Credentials::none()).unwrap();
    assert_eq!(fx.remote_rev("main"), pushed.to_hex());

    let outcome = cache.fetch(&url, &Credentials::none()).unwrap();
    assert_eq!(
        outcome.update_of("main").and_then(|u| u.new.clone()),
        Some(pushed.to_hex())
    );
    let snap = cache.snapshot(&url, pushed).unwrap();
    assert_eq!(
        snap.read("charts/app/values.yaml").unwrap().as_deref(),
        Some(&b"tag: v2\n"[..])
    );
    let info = snap.commit_info().unwrap();
    assert_eq!(info.author.name, "Berth Bot");
    assert_eq!(info.message.trim(), "bump app to v2");

    let missing = daemon.url("missing.git");
    let err = cache.fetch(&missing, &Credentials::none()).unwrap_err();
    assert!(matches!(err, Error::Git { .. }), "{err:?}");
}

#[test]
fn http_fetch_needs_the_right_password() {
    let fx = Fixture::new();
    let head = fx.commit(&[("a.yaml", Some("a: 1\n"))], "c1");
    let server = HttpGit::start(fx.tmp.path(), USER, PASSWORD);
    let url = server.url("remote.git");
    let cache = fx.cache();

    let wrong = Credentials::basic(USER, "wrong-Password-123");
    let err = cache.fetch(&url, &wrong).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_no_secret(&shown(&err, &err));
    assert!(server.refused.load(Ordering::Relaxed) > 0);

    let err = cache.fetch(&url, &Credentials::none()).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");

    let outcome = cache
        .fetch(&url, &Credentials::basic(USER, PASSWORD))
        .unwrap();
    assert!(outcome.cloned);
    assert_eq!(cache.resolve(&url, "main").unwrap().to_hex(), head);

    let second = fx.commit(&[("a.yaml", Some("a: 2\n"))], "c2");
    let err = cache.fetch(&url, &wrong).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_no_secret(&shown(&err, &err));
    let outcome = cache
        .fetch(&url, &Credentials::basic(USER, PASSWORD))
        .unwrap();
    assert!(outcome.update_of("main").is_some());
    assert_eq!(cache.resolve(&url, "main").unwrap().to_hex(), second);
    assert_eq!(cache.fetch_count(&url), 5);
}

#[test]
fn http_userinfo_in_the_url_is_used_and_never_shown() {
    let fx = Fixture::new();
    let head = fx.commit(&[("a.yaml", Some("a: 1\n"))], "c1");
    let server = HttpGit::start(fx.tmp.path(), USER, PASSWORD);
    let plain = server.url("remote.git");
    let with_password = plain.replacen("http://", &format!("http://{USER}:{PASSWORD}@"), 1);
    let with_wrong = plain.replacen("http://", &format!("http://{USER}:wrong-Password-123@"), 1);
    let cache = fx.cache();

    let err = cache.fetch(&with_wrong, &Credentials::none()).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_no_secret(&shown(&err, &err));

    cache.fetch(&with_password, &Credentials::none()).unwrap();
    // The same repository, whatever userinfo the URL carries.
    assert_eq!(cache.resolve(&plain, "main").unwrap().to_hex(), head);
    assert_eq!(cache.mirror_dir(&plain), cache.mirror_dir(&with_password));
    let dir = cache.mirror_dir(&with_password);
    assert_no_secret(&dir.to_string_lossy());
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    assert_no_secret(&config);
}

#[test]
fn http_push_with_credentials() {
    let fx = Fixture::new();
    fx.commit(&[("apps/web.yaml", Some("image: web:1\n"))], "c1");
    let server = HttpGit::start(fx.tmp.path(), USER, PASSWORD);
    let url = server.url("remote.git");
    let creds = Credentials::basic(USER, PASSWORD);

    let err = Workdir::clone_with_timeout(
        &url,
        "main",
        fx.path("denied"),
        &Credentials::basic(USER, "wrong-Password-123"),
        WAIT,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_no_secret(&shown(&err, &err));

    let wd = Workdir::clone_with_timeout(&url, "", fx.path("wd"), &creds, WAIT).unwrap();
    assert_eq!(wd.branch(), "main", "the remote's default branch");
    wd.write_file("apps/web.yaml", b"image: web:2\n").unwrap();
    let commit = wd.commit(&bot(), "web 2").unwrap().expect("a change");

    let err = wd
        .push(&Credentials::basic(USER, "wrong-Password-123"))
        .unwrap_err();
    assert!(matches!(err, PushError::Auth { .. }), "{err:?}");
    assert_no_secret(&shown(&err, &err));
    let err = wd.push(&Credentials::none()).unwrap_err();
    assert!(matches!(err, PushError::Auth { .. }), "{err:?}");

    wd.push(&creds).unwrap();
    assert_eq!(fx.remote_rev("main"), commit.to_hex());
    assert_eq!(fx.remote_file("main", "apps/web.yaml"), "image: web:2");
    let config = std::fs::read_to_string(wd.dir().join(".git/config")).unwrap();
    assert_no_secret(&config);
}

#[test]
fn the_losing_pusher_resets_reapplies_and_wins() {
    let fx = Fixture::new();
    fx.commit(
        &[
            ("charts/app/values-prod.yaml", Some("tag: v1\n")),
            ("charts/web/values-prod.yaml", Some("tag: v1\n")),
        ],
        "c1",
    );
    let server = HttpGit::start(fx.tmp.path(), USER, PASSWORD);
    let url = server.url("remote.git");
    let creds = Credentials::basic(USER, PASSWORD);
    let a = Workdir::clone_with_timeout(&url, "main", fx.path("a"), &creds, WAIT).unwrap();
    let b = Workdir::clone_with_timeout(&url, "main", fx.path("b"), &creds, WAIT).unwrap();

    a.write_file("charts/app/values-prod.yaml", b"tag: v2\n")
        .unwrap();
    a.commit(&bot(), "app v2").unwrap().expect("a change");
    b.write_file("charts/web/values-prod.yaml", b"tag: v7\n")
        .unwrap();
    b.commit(&bot(), "web v7").unwrap().expect("a change");

    a.push(&creds).unwrap();
    let err = b.push(&creds).unwrap_err();
    assert!(matches!(err, PushError::NonFastForward { .. }), "{err:?}");
    assert_no_secret(&shown(&err, &err));

    let remote_head = b.reset_to_remote(&creds).unwrap();
    assert_eq!(remote_head.to_hex(), fx.remote_rev("main"));
    assert_eq!(
        b.read_file("charts/app/values-prod.yaml")
            .unwrap()
            .as_deref(),
        Some(&b"tag: v2\n"[..])
    );
    b.write_file("charts/web/values-prod.yaml", b"tag: v7\n")
        .unwrap();
    let retried = b.commit(&bot(), "web v7").unwrap().expect("a change");
    b.push(&creds).unwrap();
    assert_eq!(fx.remote_rev("main"), retried.to_hex());
    assert_eq!(
        fx.remote_file("main", "charts/app/values-prod.yaml"),
        "tag: v2"
    );
    assert_eq!(
        fx.remote_file("main", "charts/web/values-prod.yaml"),
        "tag: v7"
    );
}

#[test]
fn racing_pushers_all_land_by_retrying() {
    let fx = Fixture::new();
    fx.commit(&[("README.md", Some("bumps\n"))], "c1");
    let daemon = GitDaemon::start(fx.tmp.path());
    let url = daemon.url("remote.git");
    let dirs: Vec<_> = (0..3).map(|i| fx.path(&format!("pusher{i}"))).collect();
    std::thread::scope(|s| {
        for (i, dir) in dirs.iter().enumerate() {
            let url = url.clone();
            s.spawn(move || {
                let creds = Credentials::none();
                let wd = Workdir::clone_with_timeout(&url, "main", dir, &creds, WAIT).unwrap();
                let path = format!("charts/app{i}/values.yaml");
                let landed = wd
                    .edit_commit_push(&creds, &bot(), &format!("bump app{i}"), 20, |wd| {
                        wd.write_file(&path, format!("tag: {i}\n").as_bytes())
                    })
                    .unwrap_or_else(|e| panic!("pusher {i}: {e}"));
                assert!(landed.is_some());
            });
        }
    });
    for i in 0..3 {
        assert_eq!(
            fx.remote_file("main", &format!("charts/app{i}/values.yaml")),
            format!("tag: {i}")
        );
    }
}

#[test]
fn a_remote_that_never_answers_times_out() {
    let fx = Fixture::new();
    let silent = crate::support::SilentServer::start();
    let cache = berth_git::RepoCache::open(fx.path("cache"))
        .unwrap()
        .with_fetch_timeout(std::time::Duration::from_secs(2));
    let url = format!("http://127.0.0.1:{}/remote.git", silent.port);
    let started = std::time::Instant::now();
    let err = cache
        .fetch(&url, &Credentials::basic(USER, PASSWORD))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < WAIT);
    assert_no_secret(&shown(&err, &err));
    assert_eq!(cache.fetch_count(&url), 1);
    assert_eq!(cache.fetch_failure_count(&url), 1);
}

#[test]
fn a_token_alone_is_sent_with_the_token_user_name() {
    let fx = Fixture::new();
    let head = fx.commit(&[("a.yaml", Some("a: 1\n"))], "c1");
    let server = HttpGit::start(fx.tmp.path(), berth_git::TOKEN_USERNAME, PASSWORD);
    let url = server.url("remote.git");
    let cache = fx.cache();
    cache.fetch(&url, &Credentials::token(PASSWORD)).unwrap();
    assert_eq!(cache.resolve(&url, "main").unwrap().to_hex(), head);
    let env = |name: &str| match name {
        "REPO_TOKEN" => Some(PASSWORD.to_string()),
        _ => None,
    };
    let from_env = Credentials::from_lookup("REPO", env);
    assert_no_secret(&format!("{from_env:?}"));
    cache.fetch(&url, &from_env).unwrap();
}
