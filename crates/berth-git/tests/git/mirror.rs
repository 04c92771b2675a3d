//! The repository cache over local paths and `file://`: fetch, resolve, snapshots,
//! history and changed paths.

use berth_git::{CommitId, Credentials, EntryType, Error, RepoCache};

use crate::support::{Fixture, git};

fn id(hex: &str) -> CommitId {
    CommitId::from_hex(hex).expect("full commit id")
}

#[test]
fn local_path_and_file_url_are_cloned_then_fetched() {
    let fx = Fixture::new();
    let first = fx.commit(&[("a.txt", Some("one"))], "first");
    let cache = fx.cache();

    for url in [fx.url(), fx.file_url()] {
        let outcome = cache.fetch(&url, &Credentials::none()).expect("clone");
        assert!(outcome.cloned, "{url}");
        assert!(outcome.changed());
        let main = outcome.update_of("main").expect("main reported");
        assert_eq!(main.old, None);
        assert_eq!(main.new.as_deref(), Some(first.as_str()));
        assert_eq!(cache.resolve(&url, "main").expect("resolve"), id(&first));
        assert!(cache.mirror_dir(&url).join("HEAD").is_file());
    }
    assert_ne!(
        cache.mirror_dir(&fx.url()),
        cache.mirror_dir(&fx.file_url())
    );

    let again = cache.fetch(&fx.url(), &Credentials::none()).expect("fetch");
    assert!(!again.cloned);
    assert!(!again.changed(), "{again:?}");
}

#[test]
fn a_second_fetch_reports_what_moved() {
    let fx = Fixture::new();
    let first = fx.commit(&[("a.txt", Some("one"))], "first");
    git(&fx.seed, &["branch", "feature"]);
    git(&fx.seed, &["push", "-q", "origin", "feature"]);
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).expect("clone");
    assert_eq!(cache.resolve(&url, "feature").expect("feature"), id(&first));

    let second = fx.commit(&[("a.txt", Some("two"))], "second");
    fx.tag_light("v2", &second);
    git(&fx.seed, &["push", "-q", "origin", "--delete", "feature"]);

    // Nothing changes for readers until the next fetch.
    assert_eq!(cache.resolve(&url, "main").expect("old main"), id(&first));

    let outcome = cache.fetch(&url, &Credentials::none()).expect("fetch");
    assert!(!outcome.cloned);
    let names: Vec<&str> = outcome.updated.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        names,
        ["refs/heads/feature", "refs/heads/main", "refs/tags/v2"]
    );
    let main = outcome.update_of("main").expect("main");
    assert_eq!(main.old.as_deref(), Some(first.as_str()));
    assert_eq!(main.new.as_deref(), Some(second.as_str()));
    let feature = outcome.update_of("feature").expect("feature");
    assert_eq!(feature.new, None, "deleted branches are pruned");

    assert_eq!(cache.resolve(&url, "main").expect("new main"), id(&second));
    let snap = cache.snapshot(&url, id(&second)).expect("snapshot");
    assert_eq!(snap.read("a.txt").expect("read"), Some(b"two".to_vec()));
    assert!(matches!(
        cache.resolve(&url, "feature"),
        Err(Error::UnknownRevision { .. })
    ));
}

#[test]
fn revisions_resolve_to_commits() {
    let fx = Fixture::new();
    let first = fx.commit(&[("a.txt", Some("one"))], "first");
    let second = fx.commit(&[("a.txt", Some("two"))], "second");
    fx.tag_light("light", &first);
    let tag_object = fx.tag_annotated("v1.0.0", &first);
    assert_ne!(tag_object, first);
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).expect("clone");

    assert_eq!(cache.resolve(&url, "main").unwrap(), id(&second));
    assert_eq!(cache.resolve(&url, "refs/heads/main").unwrap(), id(&second));
    assert_eq!(cache.resolve(&url, "light").unwrap(), id(&first));
    assert_eq!(cache.resolve(&url, "v1.0.0").unwrap(), id(&first));
    assert_eq!(cache.resolve(&url, "refs/tags/v1.0.0").unwrap(), id(&first));
    assert_eq!(cache.resolve(&url, &first).unwrap(), id(&first));
    assert_eq!(cache.resolve(&url, &first[..7]).unwrap(), id(&first));
    assert_eq!(
        cache.resolve(&url, &first[..10].to_uppercase()).unwrap(),
        id(&first)
    );
    assert_eq!(cache.resolve(&url, "HEAD").unwrap(), id(&second));
    assert_eq!(cache.resolve(&url, "").unwrap(), id(&second));
    assert_eq!(cache.default_branch(&url).unwrap().as_deref(), Some("main"));
    let refs: Vec<(String, String)> = cache
        .references(&url)
        .unwrap()
        .into_iter()
        .map(|(name, commit)| (name, commit.to_hex()))
        .collect();
    assert_eq!(
        refs,
        [
            ("refs/heads/main".to_string(), second.clone()),
            ("refs/tags/light".to_string(), first.clone()),
            ("refs/tags/v1.0.0".to_string(), first.clone()),
        ]
    );

    let err = cache.resolve(&url, "no-such-branch").unwrap_err();
    assert!(matches!(err, Error::UnknownRevision { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no-such-branch") && text.contains(&url),
        "{text}"
    );
    assert!(matches!(
        cache.resolve(&url, "0000000000000000000000000000000000000000"),
        Err(Error::UnknownRevision { .. })
    ));
    assert!(matches!(
        cache.resolve(&url, "not a ref..name"),
        Err(Error::UnknownRevision { .. })
    ));

    let tree = git(&fx.seed, &["rev-parse", "HEAD^{tree}"]);
    assert!(matches!(
        cache.resolve(&url, &tree),
        Err(Error::NotACommit { .. })
    ));

    let other = fx.path("never-fetched");
    assert!(matches!(
        cache.resolve(&other.to_string_lossy(), "main"),
        Err(Error::NotFetched { .. })
    ));
}

#[test]
fn tree_ids_change_only_with_their_path() {
    let fx = Fixture::new();
    let c1 = fx.commit(
        &[
            ("charts/app/values.yaml", Some("replicas: 1\n")),
            ("charts/other/values.yaml", Some("x: 1\n")),
        ],
        "c1",
    );
    let c2 = fx.commit(&[("charts/other/values.yaml", Some("x: 2\n"))], "c2");
    let c3 = fx.commit(&[("charts/app/values.yaml", Some("replicas: 2\n"))], "c3");
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();

    let tree = |commit: &str, path: &str| {
        cache
            .snapshot(&url, id(commit))
            .unwrap()
            .tree_id(path)
            .unwrap()
    };
    assert!(tree(&c1, "charts/app").is_some());
    assert_eq!(tree(&c1, "charts/app"), tree(&c2, "charts/app"));
    assert_eq!(tree(&c1, "./charts/app/"), tree(&c1, "charts/app"));
    assert_ne!(tree(&c1, "charts/other"), tree(&c2, "charts/other"));
    assert_ne!(tree(&c1, ""), tree(&c2, ""));
    assert_ne!(tree(&c2, "charts/app"), tree(&c3, "charts/app"));
    assert_eq!(tree(&c2, "charts/other"), tree(&c3, "charts/other"));
    assert_eq!(tree(&c3, "charts/missing"), None);
    assert_eq!(
        tree(&c3, "charts/app/values.yaml"),
        None,
        "a file is no tree"
    );
    assert_eq!(
        tree(&c3, "").map(|t| t.to_hex()),
        Some(git(&fx.seed, &["rev-parse", &format!("{c3}^{{tree}}")]))
    );
    assert_eq!(tree(&c3, "."), tree(&c3, ""));
}

#[test]
fn snapshot_reads_a_chart_directory() {
    let fx = Fixture::new();
    let files = [
        ("charts/app/Chart.yaml", "apiVersion: v2\nname: app\n"),
        ("charts/app/values.yaml", "image: nginx\n"),
        ("charts/app/values-prod.yaml", "replicas: 3\n"),
        ("charts/app/templates/deployment.yaml", "kind: Deployment\n"),
        (
            "charts/app/templates/_helpers.tpl",
            "{{- define \"x\" }}{{ end }}\n",
        ),
        ("applications/prod/app.yaml", "kind: Application\n"),
    ];
    for (path, text) in files {
        let full = fx.seed.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    std::os::unix::fs::symlink(
        "values-prod.yaml",
        fx.seed.join("charts/app/values-live.yaml"),
    )
    .unwrap();
    std::fs::write(fx.seed.join("charts/app/run.sh"), "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        fx.seed.join("charts/app/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    git(&fx.seed, &["add", "-A"]);
    // A submodule entry (a gitlink); its content lives elsewhere and is skipped.
    git(
        &fx.seed,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            "160000,1111111111111111111111111111111111111111,charts/app/vendor",
        ],
    );
    let head = fx.commit_index("chart");
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();
    let snap = cache.snapshot(&url, id(&head)).unwrap();

    let listed = snap
        .files_under("charts/app")
        .unwrap()
        .expect("a directory");
    let names: Vec<&str> = listed.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "Chart.yaml",
            "run.sh",
            "templates/_helpers.tpl",
            "templates/deployment.yaml",
            "values-live.yaml",
            "values-prod.yaml",
            "values.yaml",
        ]
    );
    assert_eq!(listed[0].1, b"apiVersion: v2\nname: app\n");
    let link = listed
        .iter()
        .find(|(p, _)| p == "values-live.yaml")
        .unwrap();
    assert_eq!(link.1, b"values-prod.yaml", "a symlink reads as its target");

    let all = snap.files_under("").unwrap().unwrap();
    assert_eq!(all.len(), 8);
    assert!(snap.files_under("charts/nope").unwrap().is_none());
    assert!(snap.files_under("charts/app/Chart.yaml").unwrap().is_none());

    assert_eq!(
        snap.read("charts/app/values.yaml").unwrap().as_deref(),
        Some(&b"image: nginx\n"[..])
    );
    assert_eq!(snap.read("charts/app").unwrap(), None);
    assert_eq!(snap.read("charts/app/vendor").unwrap(), None);
    assert_eq!(snap.read("missing.yaml").unwrap(), None);
    assert_eq!(snap.read("").unwrap(), None);

    let dir = snap.list_dir("charts/app").unwrap().unwrap();
    let kind = |name: &str| dir.iter().find(|e| e.name == name).map(|e| e.kind);
    assert_eq!(kind("Chart.yaml"), Some(EntryType::File));
    assert_eq!(kind("run.sh"), Some(EntryType::Executable));
    assert_eq!(kind("values-live.yaml"), Some(EntryType::Symlink));
    assert_eq!(kind("templates"), Some(EntryType::Dir));
    assert_eq!(kind("vendor"), Some(EntryType::Submodule));
    assert!(snap.list_dir("nope").unwrap().is_none());

    let info = snap.commit_info().unwrap();
    assert_eq!(info.id, id(&head));
    assert_eq!(snap.commit_id(), id(&head));
    assert_eq!(info.author.name, "Fixture");
    assert_eq!(info.author.email, "fixture@example.com");
    assert_eq!(info.summary(), "chart");
    assert_eq!(info.message, "chart\n");
    assert!(info.author.time > 1_700_000_000);
    assert!(info.parents.is_empty());
}

#[test]
fn history_of_paths_and_changed_paths() {
    let fx = Fixture::new();
    let c1 = fx.commit(
        &[
            ("charts/app/values.yaml", Some("v: 1\n")),
            ("charts/web/values.yaml", Some("v: 1\n")),
            ("README.md", Some("hi\n")),
        ],
        "c1: everything",
    );
    let c2 = fx.commit(&[("charts/web/values.yaml", Some("v: 2\n"))], "c2: web");
    let c3 = fx.commit(
        &[
            ("charts/app/values-prod.yaml", Some("r: 3\n")),
            ("README.md", Some("hello\n")),
        ],
        "c3: app prod",
    );
    let c4 = fx.commit(&[("README.md", None)], "c4: no readme");
    let c5 = fx.commit(&[("charts/app/values.yaml", None)], "c5: app values gone");
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();

    let log = cache.log_paths(&url, "main", &["charts/app"], 100).unwrap();
    let ids: Vec<String> = log.iter().map(|e| e.commit.id.to_hex()).collect();
    assert_eq!(ids, [c5.clone(), c3.clone(), c1.clone()]);
    assert_eq!(log[0].changed, ["charts/app/values.yaml"]);
    assert_eq!(log[1].changed, ["charts/app/values-prod.yaml"]);
    assert_eq!(log[2].changed, ["charts/app/values.yaml"]);
    assert_eq!(log[1].commit.summary(), "c3: app prod");

    let limited = cache.log_paths(&url, "main", &["charts/app"], 2).unwrap();
    assert_eq!(limited.len(), 2);

    let files = cache
        .log_paths(&url, "main", &["README.md", "charts/web/"], 100)
        .unwrap();
    let ids: Vec<String> = files.iter().map(|e| e.commit.id.to_hex()).collect();
    assert_eq!(ids, [c4.clone(), c3.clone(), c2.clone(), c1.clone()]);
    assert_eq!(files[1].changed, ["README.md"]);

    let everything = cache.log_paths(&url, &c3, &[], 100).unwrap();
    assert_eq!(everything.len(), 3);
    assert_eq!(
        everything[0].changed,
        ["README.md", "charts/app/values-prod.yaml"]
    );
    assert_eq!(cache.log_paths(&url, "main", &["."], 100).unwrap().len(), 5);
    assert!(
        cache
            .log_paths(&url, "main", &["nowhere"], 100)
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        cache.changed_paths(&url, &c1, &c3).unwrap(),
        [
            "README.md",
            "charts/app/values-prod.yaml",
            "charts/web/values.yaml"
        ]
    );
    assert_eq!(
        cache.changed_paths(&url, &c3, &c5).unwrap(),
        ["README.md", "charts/app/values.yaml"]
    );
    assert!(cache.changed_paths(&url, &c2, &c2).unwrap().is_empty());
    assert_eq!(
        cache
            .changed_paths(&url, "0000000000000000000000000000000000000000", &c1)
            .unwrap(),
        [
            "README.md",
            "charts/app/values.yaml",
            "charts/web/values.yaml"
        ]
    );
}

#[test]
fn directory_and_file_swapping_places_is_a_change() {
    let fx = Fixture::new();
    let c1 = fx.commit(&[("conf", Some("file\n"))], "file");
    let c2 = fx.commit(&[("conf", None), ("conf/a.yaml", Some("a\n"))], "dir");
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();
    assert_eq!(
        cache.changed_paths(&url, &c1, &c2).unwrap(),
        ["conf", "conf/a.yaml"]
    );
}

#[test]
fn reads_do_not_fetch() {
    let fx = Fixture::new();
    let head = fx.commit(&[("charts/app/values.yaml", Some("v: 1\n"))], "c1");
    let cache = fx.cache();
    let url = fx.url();
    assert_eq!(cache.fetch_count(&url), 0);
    cache.fetch(&url, &Credentials::none()).unwrap();
    for _ in 0..10 {
        let commit = cache.resolve(&url, "main").unwrap();
        let snap = cache.snapshot(&url, commit).unwrap();
        assert!(snap.tree_id("charts/app").unwrap().is_some());
        assert_eq!(commit.to_hex(), head);
    }
    cache.log_paths(&url, "main", &["charts"], 10).unwrap();
    cache.changed_paths(&url, &head, &head).unwrap();
    assert_eq!(cache.fetch_count(&url), 1);
    assert_eq!(cache.fetch_count(&format!("{url}/")), 1, "same URL");
}

#[test]
fn concurrent_fetches_of_one_url_do_not_collide() {
    let fx = Fixture::new();
    let head = fx.commit(&[("a", Some("1"))], "c1");
    let cache = fx.cache();
    let url = fx.url();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| cache.fetch(&url, &Credentials::none())))
            .collect();
        let outcomes: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("fetch"))
            .collect();
        assert_eq!(outcomes.iter().filter(|o| o.cloned).count(), 1);
    });
    assert_eq!(cache.fetch_count(&url), 4);
    assert_eq!(cache.resolve(&url, "main").unwrap().to_hex(), head);
}

#[test]
fn mirrors_survive_a_new_cache_on_the_same_directory() {
    let fx = Fixture::new();
    let head = fx.commit(&[("a", Some("1"))], "c1");
    let url = fx.url();
    fx.cache().fetch(&url, &Credentials::none()).unwrap();
    let reopened = RepoCache::open(fx.path("cache")).unwrap();
    assert_eq!(reopened.resolve(&url, "main").unwrap().to_hex(), head);
    let outcome = reopened.fetch(&url, &Credentials::none()).unwrap();
    assert!(!outcome.cloned);
}

#[test]
fn a_missing_repository_fails_to_fetch_with_its_name() {
    let fx = Fixture::new();
    let cache = fx.cache();
    let missing = fx.path("nope.git").to_string_lossy().into_owned();
    let err = cache.fetch(&missing, &Credentials::none()).unwrap_err();
    assert!(matches!(err, Error::Git { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.git"), "{err}");
    assert_eq!(cache.fetch_count(&missing), 1);
    assert!(matches!(
        cache.resolve(&missing, "main"),
        Err(Error::NotFetched { .. })
    ));
}

#[test]
fn a_new_default_branch_is_followed_when_the_old_one_goes() {
    let fx = Fixture::new();
    let first = fx.commit(&[("a", Some("1"))], "c1");
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();
    assert_eq!(cache.resolve(&url, "HEAD").unwrap().to_hex(), first);

    git(&fx.seed, &["checkout", "-q", "-b", "trunk"]);
    let trunk = fx.commit(&[("a", Some("2"))], "on trunk");
    git(&fx.bare, &["symbolic-ref", "HEAD", "refs/heads/trunk"]);
    git(&fx.bare, &["branch", "-D", "main"]);

    cache.fetch(&url, &Credentials::none()).unwrap();
    assert_eq!(
        cache.default_branch(&url).unwrap().as_deref(),
        Some("trunk")
    );
    assert_eq!(cache.resolve(&url, "").unwrap().to_hex(), trunk);
}

#[test]
fn locks_left_by_a_killed_fetch_are_cleared() {
    let fx = Fixture::new();
    fx.commit(&[("a", Some("1"))], "c1");
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();
    let second = fx.commit(&[("a", Some("2"))], "c2");

    let mirror = cache.mirror_dir(&url);
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for lock in ["refs/heads/main.lock", "packed-refs.lock"] {
        let file = std::fs::File::create(mirror.join(lock)).unwrap();
        file.set_modified(an_hour_ago).unwrap();
    }
    // A fresh lock may belong to a fetch still running elsewhere: it stays.
    std::fs::write(mirror.join("refs/heads/fresh.lock"), "").unwrap();

    let outcome = cache.fetch(&url, &Credentials::none()).unwrap();
    assert!(outcome.update_of("main").is_some());
    assert_eq!(cache.resolve(&url, "main").unwrap().to_hex(), second);
    assert!(!mirror.join("refs/heads/main.lock").exists());
    assert!(mirror.join("refs/heads/fresh.lock").exists());
}

#[test]
fn a_branch_wins_over_a_tag_of_the_same_name() {
    let fx = Fixture::new();
    let first = fx.commit(&[("a", Some("1"))], "c1");
    let second = fx.commit(&[("a", Some("2"))], "c2");
    fx.tag_light("release", &first);
    git(
        &fx.seed,
        &["push", "-q", "origin", "HEAD:refs/heads/release"],
    );
    let cache = fx.cache();
    let url = fx.url();
    cache.fetch(&url, &Credentials::none()).unwrap();
    assert_eq!(cache.resolve(&url, "release").unwrap().to_hex(), second);
    assert_eq!(
        cache.resolve(&url, "refs/tags/release").unwrap().to_hex(),
        first
    );
}
