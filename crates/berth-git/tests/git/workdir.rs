//! Working clones for the CI commands: edit, commit, roll back, rebase.

use berth_git::{Credentials, Error, PushError, Workdir};

use crate::support::{Fixture, WAIT, bot, git};

fn clone(fx: &Fixture, name: &str) -> Workdir {
    Workdir::clone_with_timeout(&fx.url(), "main", fx.path(name), &Credentials::none(), WAIT)
        .unwrap()
}

#[test]
fn commit_is_none_when_nothing_changed() {
    let fx = Fixture::new();
    fx.commit(&[("a.yaml", Some("a: 1\n"))], "c1");
    let wd = clone(&fx, "wd");
    let before = wd.head().unwrap();
    assert_eq!(wd.commit(&bot(), "noop").unwrap(), None);
    wd.write_file("a.yaml", b"a: 1\n").unwrap();
    assert_eq!(wd.commit(&bot(), "same content").unwrap(), None);
    assert_eq!(wd.head().unwrap(), before);

    wd.write_file("new/dir/b.yaml", b"b: 1\n").unwrap();
    assert!(wd.remove_path("a.yaml").unwrap());
    assert!(!wd.remove_path("a.yaml").unwrap());
    let commit = wd
        .commit(&bot(), "add b, drop a\n\nwith a body")
        .unwrap()
        .expect("a change");
    assert_ne!(commit, before);
    let log = git(wd.dir(), &["log", "-1", "--format=%an <%ae>%n%B"]);
    assert_eq!(
        log,
        "Berth Bot <bot@example.com>\nadd b, drop a\n\nwith a body"
    );
    assert_eq!(
        git(wd.dir(), &["ls-files"]),
        "new/dir/b.yaml",
        "deletions are committed too"
    );
}

#[test]
fn paths_outside_the_clone_are_refused() {
    let fx = Fixture::new();
    fx.commit(&[("a.yaml", Some("a\n"))], "c1");
    let wd = clone(&fx, "wd");
    for bad in ["../escape", "/etc/passwd", ".git/config", ""] {
        let err = wd.write_file(bad, b"x").unwrap_err();
        assert!(matches!(err, Error::InvalidPath { .. }), "{bad}: {err:?}");
    }
    std::os::unix::fs::symlink(fx.tmp.path(), wd.dir().join("link")).unwrap();
    assert!(matches!(
        wd.write_file("link/x", b"x"),
        Err(Error::InvalidPath { .. })
    ));
}

#[test]
fn restore_paths_rolls_a_directory_back() {
    let fx = Fixture::new();
    let v1 = fx.commit(
        &[
            ("charts/app/values-prod.yaml", Some("tag: v1\n")),
            ("charts/app/templates/cm.yaml", Some("kind: ConfigMap\n")),
            ("charts/web/values-prod.yaml", Some("tag: w1\n")),
        ],
        "v1",
    );
    fx.commit(
        &[
            ("charts/app/values-prod.yaml", Some("tag: v2\n")),
            ("charts/app/templates/cm.yaml", None),
            ("charts/app/templates/new.yaml", Some("kind: Secret\n")),
            ("charts/web/values-prod.yaml", Some("tag: w2\n")),
        ],
        "v2",
    );
    let wd = clone(&fx, "wd");
    wd.restore_paths_from(&v1[..8], &["charts/app", "charts/missing"])
        .unwrap();
    let rollback = wd
        .commit(&bot(), "rollback app to v1")
        .unwrap()
        .expect("a change");
    wd.push(&Credentials::none()).unwrap();
    assert_eq!(fx.remote_rev("main"), rollback.to_hex());
    assert_eq!(
        git(
            &fx.bare,
            &["ls-tree", "-r", "--name-only", "main", "charts/app"]
        ),
        "charts/app/templates/cm.yaml\ncharts/app/values-prod.yaml"
    );
    assert_eq!(
        fx.remote_file("main", "charts/app/values-prod.yaml"),
        "tag: v1"
    );
    assert_eq!(
        fx.remote_file("main", "charts/web/values-prod.yaml"),
        "tag: w2"
    );
    assert_eq!(
        git(&fx.bare, &["rev-parse", "main:charts/app"]),
        git(&fx.bare, &["rev-parse", &format!("{v1}:charts/app")])
    );

    // Restoring a path that did not exist then removes it.
    wd.restore_paths_from(&v1, &["charts/app/templates/new.yaml"])
        .unwrap();
    assert_eq!(wd.commit(&bot(), "nothing").unwrap(), None);
    let err = wd.restore_paths_from("no-such-rev", &["x"]).unwrap_err();
    assert!(matches!(err, Error::UnknownRevision { .. }), "{err:?}");
}

#[test]
fn revert_commit_undoes_one_commit() {
    let fx = Fixture::new();
    fx.commit(
        &[("a.yaml", Some("a: 1\n")), ("b.yaml", Some("b: 1\n"))],
        "c1",
    );
    let bad = fx.commit(&[("a.yaml", Some("a: 2\n"))], "bad");
    fx.commit(&[("b.yaml", Some("b: 2\n"))], "good");
    let wd = clone(&fx, "wd");
    wd.revert_commit(&bad).unwrap();
    wd.commit(&bot(), "revert bad").unwrap().expect("a change");
    assert_eq!(
        wd.read_file("a.yaml").unwrap().as_deref(),
        Some(&b"a: 1\n"[..])
    );
    assert_eq!(
        wd.read_file("b.yaml").unwrap().as_deref(),
        Some(&b"b: 2\n"[..])
    );
    assert_eq!(wd.read_file("missing").unwrap(), None);
}

#[test]
fn rebase_keeps_local_commits_on_top_of_the_remote() {
    let fx = Fixture::new();
    fx.commit(
        &[("a.yaml", Some("a: 1\n")), ("b.yaml", Some("b: 1\n"))],
        "c1",
    );
    let wd = clone(&fx, "wd");
    let remote = fx.commit(&[("a.yaml", Some("a: 2\n"))], "remote moved");
    wd.write_file("b.yaml", b"b: 2\n").unwrap();
    wd.commit(&bot(), "local").unwrap().expect("a change");
    assert!(matches!(
        wd.push(&Credentials::none()),
        Err(PushError::NonFastForward { .. })
    ));
    let rebased = wd
        .fetch_and_rebase_onto_remote(&Credentials::none(), &bot())
        .unwrap();
    assert_eq!(git(wd.dir(), &["rev-parse", "HEAD~1"]), remote);
    wd.push(&Credentials::none()).unwrap();
    assert_eq!(fx.remote_rev("main"), rebased.to_hex());

    // A conflicting local change is left as it was.
    fx.commit(&[("b.yaml", Some("b: remote\n"))], "remote b");
    wd.write_file("b.yaml", b"b: local\n").unwrap();
    let local = wd.commit(&bot(), "local b").unwrap().expect("a change");
    let err = wd
        .fetch_and_rebase_onto_remote(&Credentials::none(), &bot())
        .unwrap_err();
    assert!(matches!(err, Error::RebaseConflict { .. }), "{err:?}");
    assert_eq!(wd.head().unwrap(), local);
}

#[test]
fn open_finds_branch_and_remote() {
    let fx = Fixture::new();
    fx.commit(&[("a.yaml", Some("a\n"))], "c1");
    let wd = clone(&fx, "wd");
    let reopened = Workdir::open(wd.dir()).unwrap();
    assert_eq!(reopened.branch(), "main");
    assert_eq!(reopened.url(), fx.url());
    assert_eq!(reopened.head().unwrap(), wd.head().unwrap());
    assert!(matches!(
        Workdir::open(fx.path("nothing-here")),
        Err(Error::Open { .. })
    ));
    assert!(matches!(
        Workdir::clone_with_timeout(
            &fx.url(),
            "no-branch",
            fx.path("x"),
            &Credentials::none(),
            WAIT
        ),
        Err(Error::Git { .. })
    ));
}

#[test]
fn edit_commit_push_retries_a_lost_race() {
    let fx = Fixture::new();
    fx.commit(
        &[("a.yaml", Some("a: 1\n")), ("b.yaml", Some("b: 1\n"))],
        "c1",
    );
    let wd = clone(&fx, "wd");
    let creds = Credentials::none();
    let edit = |wd: &Workdir| wd.write_file("b.yaml", b"b: 2\n");

    fx.commit(&[("a.yaml", Some("a: 3\n"))], "remote moved");
    let err = wd
        .edit_commit_push(&creds, &bot(), "b 2", 1, edit)
        .unwrap_err();
    assert!(matches!(err, PushError::NonFastForward { .. }), "{err:?}");

    // The failed attempt left its commit behind; start over from the remote.
    wd.reset_to_remote(&creds).unwrap();
    fx.commit(&[("a.yaml", Some("a: 2\n"))], "remote moved");
    let mut runs = 0;
    let landed = wd
        .edit_commit_push(&creds, &bot(), "b 2", 3, |wd| {
            runs += 1;
            edit(wd)
        })
        .unwrap()
        .expect("a commit");
    assert_eq!(runs, 2, "the edit was reapplied after the reset");
    assert_eq!(fx.remote_rev("main"), landed.to_hex());
    assert_eq!(fx.remote_file("main", "a.yaml"), "a: 2");
    assert_eq!(fx.remote_file("main", "b.yaml"), "b: 2");

    assert_eq!(
        wd.edit_commit_push(&creds, &bot(), "again", 3, edit)
            .unwrap(),
        None
    );
}

#[test]
fn restore_the_whole_tree() {
    let fx = Fixture::new();
    let v1 = fx.commit(
        &[("a.yaml", Some("a: 1\n")), ("d/b.yaml", Some("b: 1\n"))],
        "v1",
    );
    fx.commit(
        &[
            ("a.yaml", Some("a: 2\n")),
            ("d/b.yaml", None),
            ("d/c.yaml", Some("c: 1\n")),
        ],
        "v2",
    );
    let wd = clone(&fx, "wd");
    wd.restore_paths_from(&v1, &[""]).unwrap();
    wd.commit(&bot(), "back to v1").unwrap().expect("a change");
    assert_eq!(
        git(wd.dir(), &["rev-parse", "HEAD^{tree}"]),
        git(wd.dir(), &["rev-parse", &format!("{v1}^{{tree}}")])
    );
    assert_eq!(wd.read_file("d/c.yaml").unwrap(), None);
}
