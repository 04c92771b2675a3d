//! Sync planning rules. The scenarios restate, in our own fixtures, the facts checked by Argo
//! CD's gitops-engine tests (`pkg/sync/sync_tasks_test.go`, `sync_context_test.go`
//! `TestWaveReorderingOfPruneTasks` and `TestPruneLast`, `hook/*_test.go`,
//! `hook/helm/*_test.go`, `syncwaves/waves_test.go`).

use berth_kube::{
    GroupKind, HookDeletePolicy, HookType, PropagationPolicy, RemovalPolicy, SyncOptions,
    SyncPhase, SyncTask, WaveError, crd_defines, hook_delete_policies, hook_types, is_hook,
    is_ignored_hook, is_post_delete_hook, is_pre_delete_hook, is_skip, kind_order, order_tasks,
    plan_prune_waves, sort_tasks, sync_phases, wave,
};
use serde_json::{Value, json};

/// Annotations of a fixture, as (key, value) pairs.
type Annotations = Vec<(&'static str, &'static str)>;

/// Hook classification case: annotations, is_hook, is_skip, hook types, sync phases, ignored.
type HookCase = (Annotations, bool, bool, Vec<HookType>, Vec<SyncPhase>, bool);

fn annotated(kind: &str, name: &str, annotations: &[(&str, &str)]) -> Value {
    let map: serde_json::Map<String, Value> = annotations
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default", "annotations": map},
    })
}

fn pod(annotations: &[(&str, &str)]) -> Value {
    annotated("Pod", "p", annotations)
}

#[test]
fn hook_classification() {
    use HookType::*;
    // (annotations, is_hook, is_skip, hook types, phases of a sync, ignored)
    let cases: Vec<HookCase> = vec![
        (vec![], false, false, vec![], vec![SyncPhase::Sync], false),
        (
            vec![("argocd.argoproj.io/hook", "PreSync")],
            true,
            false,
            vec![PreSync],
            vec![SyncPhase::PreSync],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "Sync")],
            true,
            false,
            vec![Sync],
            vec![SyncPhase::Sync],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "PostSync")],
            true,
            false,
            vec![PostSync],
            vec![SyncPhase::PostSync],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "SyncFail")],
            true,
            false,
            vec![SyncFail],
            vec![SyncPhase::SyncFail],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "Skip")],
            false,
            true,
            vec![Skip],
            vec![],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "garbage")],
            true,
            false,
            vec![],
            vec![],
            true,
        ),
        (
            vec![("argocd.argoproj.io/hook", "PostSync, PreSync")],
            true,
            false,
            vec![PostSync, PreSync],
            vec![SyncPhase::PreSync, SyncPhase::PostSync],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "Sync,Sync")],
            true,
            false,
            vec![Sync],
            vec![SyncPhase::Sync],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "Skip,PreSync,PostSync")],
            true,
            false,
            vec![Skip, PreSync, PostSync],
            vec![SyncPhase::PreSync, SyncPhase::PostSync],
            false,
        ),
        (
            vec![("argocd.argoproj.io/hook", "Garbage,Sync")],
            true,
            false,
            vec![Sync],
            vec![SyncPhase::Sync],
            false,
        ),
        (
            vec![("helm.sh/hook", "pre-install")],
            true,
            false,
            vec![PreSync],
            vec![SyncPhase::PreSync],
            false,
        ),
        (
            vec![("helm.sh/hook", "pre-install,pre-upgrade")],
            true,
            false,
            vec![PreSync],
            vec![SyncPhase::PreSync],
            false,
        ),
        (
            vec![("helm.sh/hook", "post-install,post-upgrade")],
            true,
            false,
            vec![PostSync],
            vec![SyncPhase::PostSync],
            false,
        ),
        (
            vec![("helm.sh/hook", "garbage")],
            true,
            false,
            vec![],
            vec![],
            true,
        ),
        (
            vec![("helm.sh/hook", "test")],
            true,
            false,
            vec![],
            vec![],
            true,
        ),
        (
            vec![("helm.sh/hook", "pre-rollback")],
            true,
            false,
            vec![],
            vec![],
            true,
        ),
        // Helm marks CRDs with crd-install; they are not hooks.
        (
            vec![("helm.sh/hook", "crd-install")],
            false,
            false,
            vec![],
            vec![SyncPhase::Sync],
            false,
        ),
        // Argo's annotation takes precedence over Helm's.
        (
            vec![
                ("argocd.argoproj.io/hook", "Sync"),
                ("helm.sh/hook", "pre-install"),
            ],
            true,
            false,
            vec![Sync],
            vec![SyncPhase::Sync],
            false,
        ),
        // Deletion hooks are not part of a sync.
        (
            vec![("argocd.argoproj.io/hook", "PreDelete")],
            true,
            false,
            vec![PreDelete],
            vec![],
            true,
        ),
        (
            vec![("helm.sh/hook", "post-delete")],
            true,
            false,
            vec![PostDelete],
            vec![],
            true,
        ),
    ];
    for (annotations, hook, skip, types, phases, ignored) in cases {
        let o = pod(&annotations);
        assert_eq!(is_hook(&o), hook, "is_hook {annotations:?}");
        assert_eq!(is_skip(&o), skip, "is_skip {annotations:?}");
        assert_eq!(hook_types(&o), types, "hook_types {annotations:?}");
        assert_eq!(sync_phases(&o), phases, "sync_phases {annotations:?}");
        assert_eq!(is_ignored_hook(&o), ignored, "ignored {annotations:?}");
    }
}

#[test]
fn deletion_hooks() {
    assert!(is_pre_delete_hook(&pod(&[(
        "argocd.argoproj.io/hook",
        "PreDelete"
    )])));
    assert!(is_pre_delete_hook(&pod(&[("helm.sh/hook", "pre-delete")])));
    assert!(is_post_delete_hook(&pod(&[(
        "argocd.argoproj.io/hook",
        "PostSync, PostDelete"
    )])));
    assert!(is_post_delete_hook(&pod(&[(
        "helm.sh/hook",
        "post-delete"
    )])));
    assert!(!is_pre_delete_hook(&pod(&[(
        "argocd.argoproj.io/hook",
        "PreSync"
    )])));
    assert!(!is_post_delete_hook(&pod(&[])));
}

#[test]
fn hook_delete_policy() {
    use HookDeletePolicy::*;
    let cases: Vec<(Annotations, Vec<HookDeletePolicy>)> = vec![
        (vec![], vec![BeforeHookCreation]),
        (
            vec![("argocd.argoproj.io/hook-delete-policy", "garbage")],
            vec![BeforeHookCreation],
        ),
        (
            vec![("argocd.argoproj.io/hook-delete-policy", "HookSucceeded")],
            vec![HookSucceeded],
        ),
        (
            vec![(
                "argocd.argoproj.io/hook-delete-policy",
                "HookFailed,HookSucceeded",
            )],
            vec![HookFailed, HookSucceeded],
        ),
        (
            vec![("helm.sh/hook-delete-policy", "hook-succeeded")],
            vec![HookSucceeded],
        ),
        (
            vec![("helm.sh/hook-delete-policy", "hook-failed")],
            vec![HookFailed],
        ),
        (
            vec![("helm.sh/hook-delete-policy", "before-hook-creation")],
            vec![BeforeHookCreation],
        ),
        (
            vec![
                ("argocd.argoproj.io/hook-delete-policy", "HookFailed"),
                ("helm.sh/hook-delete-policy", "hook-succeeded,hook-failed"),
            ],
            vec![HookFailed, HookSucceeded],
        ),
    ];
    for (annotations, want) in cases {
        assert_eq!(
            hook_delete_policies(&pod(&annotations)),
            want,
            "{annotations:?}"
        );
    }
}

#[test]
fn waves() {
    let ok: Vec<(Vec<(&str, &str)>, i32)> = vec![
        (vec![], 0),
        (vec![("argocd.argoproj.io/sync-wave", "1")], 1),
        (vec![("argocd.argoproj.io/sync-wave", "-5")], -5),
        (vec![("argocd.argoproj.io/sync-wave", "+3")], 3),
        (vec![("helm.sh/hook-weight", "2")], 2),
        (
            vec![
                ("argocd.argoproj.io/sync-wave", "-1"),
                ("helm.sh/hook-weight", "7"),
            ],
            -1,
        ),
    ];
    for (annotations, want) in ok {
        assert_eq!(wave(&pod(&annotations)), Ok(want), "{annotations:?}");
    }
    for (key, text) in [
        ("argocd.argoproj.io/sync-wave", "one"),
        ("argocd.argoproj.io/sync-wave", ""),
        ("argocd.argoproj.io/sync-wave", " 1"),
        ("argocd.argoproj.io/sync-wave", "1.5"),
        ("argocd.argoproj.io/sync-wave", "99999999999"),
        ("helm.sh/hook-weight", "heavy"),
    ] {
        let o = annotated("ConfigMap", "settings", &[(key, text)]);
        let err = match wave(&o) {
            Err(e) => e,
            Ok(w) => panic!("{key}={text:?} gave wave {w}"),
        };
        assert_eq!(
            err,
            WaveError {
                annotation: if key == "helm.sh/hook-weight" {
                    "helm.sh/hook-weight"
                } else {
                    "argocd.argoproj.io/sync-wave"
                },
                value: text.to_string(),
                kind: "ConfigMap".into(),
                object: "default/settings".into(),
            }
        );
        let message = err.to_string();
        assert!(message.contains(key), "{message}");
        assert!(message.contains("ConfigMap default/settings"), "{message}");
    }
}

#[test]
fn kind_order_table() {
    assert_eq!(kind_order("Namespace"), -35);
    assert_eq!(kind_order("NetworkPolicy"), -34);
    assert_eq!(kind_order("CustomResourceDefinition"), -22);
    assert_eq!(kind_order("Deployment"), -8);
    assert_eq!(kind_order("APIService"), -1);
    assert_eq!(kind_order("MyCRD"), 0);
    assert_eq!(kind_order(""), 0);
}

#[test]
fn sync_options() {
    let app = SyncOptions::from_application(&json!({
        "spec": {"syncPolicy": {"syncOptions": [
            "CreateNamespace=true", "PruneLast=true", "ServerSideApply=true",
            "PrunePropagationPolicy=background", "ApplyOutOfSyncOnly=true",
            "RespectIgnoreDifferences=true", "FailOnSharedResource=true", "Prune=confirm",
            "Validate=false", "NoSuchOption=true", "Replace=maybe"
        ]}}
    }));
    assert!(app.create_namespace());
    assert!(app.prune_last());
    assert!(app.server_side_apply());
    assert_eq!(
        app.prune_propagation_policy(),
        PropagationPolicy::Background
    );
    assert!(app.apply_out_of_sync_only());
    assert!(app.respect_ignore_differences());
    assert!(app.fail_on_shared_resource());
    assert_eq!(app.prune_policy(), RemovalPolicy::Confirm);
    assert!(!app.validate());
    assert!(!app.replace());
    assert_eq!(app.unrecognized, vec!["NoSuchOption=true", "Replace=maybe"]);

    let resource = SyncOptions::from_annotation(&pod(&[(
        "argocd.argoproj.io/sync-options",
        "Prune=false, ServerSideApply=false,Delete=confirm,Validate=true,SkipDryRunOnMissingResource=true",
    )]));
    let effective = app.overlay(&resource);
    assert_eq!(effective.prune_policy(), RemovalPolicy::Disabled);
    assert!(!effective.server_side_apply());
    assert_eq!(effective.delete_policy(), RemovalPolicy::Confirm);
    assert!(effective.validate());
    assert!(effective.skip_dry_run_on_missing_resource());
    assert!(
        effective.create_namespace(),
        "unset on the resource: the app's"
    );
    assert!(effective.prune_last());

    let defaults = SyncOptions::default();
    assert_eq!(defaults.prune_policy(), RemovalPolicy::Allow);
    assert_eq!(defaults.delete_policy(), RemovalPolicy::Allow);
    assert_eq!(
        defaults.prune_propagation_policy(),
        PropagationPolicy::Foreground
    );
    assert!(defaults.validate());
    assert!(defaults.client_side_apply_migration());
    assert!(!defaults.server_side_apply());
    assert!(!defaults.replace() && !defaults.force() && !defaults.create_namespace());

    let replace = SyncOptions::parse("ServerSideApply=true,Replace=true,Force=true");
    assert!(replace.replace() && replace.force());
    assert!(!replace.server_side_apply(), "Replace takes precedence");

    let first = SyncOptions::parse("Prune=false,Prune=confirm,PrunePropagationPolicy=orphan");
    assert_eq!(first.prune_policy(), RemovalPolicy::Disabled);
    assert_eq!(first.prune_propagation_policy(), PropagationPolicy::Orphan);
    assert_eq!(SyncOptions::parse(" , ,"), SyncOptions::default());
    assert_eq!(
        SyncOptions::parse("prune=false").unrecognized,
        vec!["prune=false"]
    );
    assert_eq!(
        SyncOptions::from_application(&json!({"spec": {"syncPolicy": {"syncOptions": "x"}}})),
        SyncOptions::default()
    );
}

/// A task built from a fixture object (so the constructors are exercised too).
fn task(id: usize, phase: SyncPhase, o: Value) -> SyncTask {
    SyncTask::apply(id, phase, &o).unwrap_or_else(|e| panic!("{e}"))
}

fn ids(tasks: &[SyncTask]) -> Vec<usize> {
    tasks.iter().map(|t| t.id).collect()
}

#[test]
fn sort_by_phase_wave_kind_name() {
    let w = |n: &str| json!({"metadata": {"annotations": {"argocd.argoproj.io/sync-wave": n}}});
    let kind = |k: &str| json!({"apiVersion": "v1", "kind": k});
    let named = |n: &str| json!({"metadata": {"name": n}});
    let mut tasks = vec![
        task(1, SyncPhase::Sync, kind("Pod")),
        task(2, SyncPhase::Sync, kind("Service")),
        task(3, SyncPhase::Sync, kind("PersistentVolume")),
        task(4, SyncPhase::SyncFail, json!({})),
        task(5, SyncPhase::Sync, w("1")),
        task(6, SyncPhase::Sync, named("b")),
        task(7, SyncPhase::Sync, named("a")),
        task(8, SyncPhase::Sync, w("-1")),
        task(9, SyncPhase::Sync, json!({"apiVersion": "v1"})),
        task(10, SyncPhase::PreSync, json!({})),
        task(11, SyncPhase::PostSync, json!({})),
        task(12, SyncPhase::Sync, kind("ConfigMap")),
    ];
    sort_tasks(&mut tasks);
    assert_eq!(ids(&tasks), vec![10, 8, 12, 3, 2, 1, 9, 7, 6, 5, 11, 4]);
}

#[test]
fn namespace_sorts_before_custom_resources() {
    let mut tasks = vec![
        task(1, SyncPhase::Sync, json!({"kind": "Workflow"})),
        task(2, SyncPhase::Sync, json!({"kind": "Namespace"})),
    ];
    sort_tasks(&mut tasks);
    assert_eq!(ids(&tasks), vec![2, 1]);
}

#[test]
fn namespaces_move_before_their_first_user() {
    let job = |ns: &str, name: &str| json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"namespace": ns, "name": name}});
    let ns = |name: &str, wave: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "annotations": {"argocd.argoproj.io/sync-wave": wave}}});
    let mut tasks = vec![
        task(1, SyncPhase::PreSync, job("ns1", "hook1")),
        task(2, SyncPhase::PreSync, job("ns2", "hook2")),
        task(3, SyncPhase::Sync, ns("ns1", "1")),
        task(4, SyncPhase::Sync, ns("ns2", "2")),
    ];
    sort_tasks(&mut tasks);
    assert_eq!(ids(&tasks), vec![3, 1, 4, 2]);
    for t in &tasks {
        assert_eq!((t.phase, t.wave), (SyncPhase::PreSync, 0), "task {}", t.id);
    }
}

#[test]
fn namespace_already_first_keeps_its_wave() {
    let mut tasks = vec![
        task(
            1,
            SyncPhase::Sync,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "apps", "name": "c", "annotations": {"argocd.argoproj.io/sync-wave": "3"}}}),
        ),
        task(
            2,
            SyncPhase::Sync,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "annotations": {"argocd.argoproj.io/sync-wave": "-2"}}}),
        ),
    ];
    sort_tasks(&mut tasks);
    assert_eq!(ids(&tasks), vec![2, 1]);
    assert_eq!(tasks[0].wave, -2);
}

#[test]
fn crd_moves_before_its_first_custom_resource() {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "workflows.argoproj.io"},
        "spec": {"group": "argoproj.io", "names": {"kind": "Workflow", "plural": "workflows"}},
    });
    assert_eq!(
        crd_defines(&crd),
        Some(GroupKind {
            group: "argoproj.io".into(),
            kind: "Workflow".into()
        })
    );
    let cr = json!({"apiVersion": "argoproj.io/v1", "kind": "Workflow", "metadata": {"name": "w"}});
    let other =
        json!({"apiVersion": "example.com/v1", "kind": "Workflow", "metadata": {"name": "x"}});
    let mut tasks = vec![
        task(1, SyncPhase::PreSync, cr),
        task(2, SyncPhase::Sync, crd),
        task(3, SyncPhase::PreSync, other),
    ];
    sort_tasks(&mut tasks);
    assert_eq!(ids(&tasks), vec![2, 1, 3]);
    assert_eq!(tasks[0].phase, SyncPhase::PreSync);
    assert_eq!(tasks[0].wave, 0);
}

#[test]
fn prune_tasks_are_not_moved_as_dependencies() {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "annotations": {"argocd.argoproj.io/sync-wave": "5"}}});
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "apps", "name": "c"}});
    let pruned = SyncTask::prune(2, &ns).unwrap_or_else(|e| panic!("{e}"));
    let mut tasks = vec![task(1, SyncPhase::Sync, cm), pruned];
    sort_tasks(&mut tasks);
    assert_eq!(ids(&tasks), vec![1, 2]);
    assert_eq!(tasks[1].wave, 5);
}

/// Pods named `pod-N` (and a namespace `ns`) with waves; each is either applied
/// (`target`) or pruned (`live` only).
fn prune_scenario(items: &[(&str, &str, bool, bool)], app_prune_last: bool) -> Vec<(String, i32)> {
    let mut tasks: Vec<SyncTask> = items
        .iter()
        .enumerate()
        .map(|(id, (name, wave, prune, prune_last))| {
            let kind = if *name == "ns" { "Namespace" } else { "Pod" };
            let mut annotations = vec![("argocd.argoproj.io/sync-wave", *wave)];
            if *prune_last {
                annotations.push(("argocd.argoproj.io/sync-options", "PruneLast=true"));
            }
            let o = annotated(kind, name, &annotations);
            let t = if *prune {
                SyncTask::prune(id, &o)
            } else {
                SyncTask::apply(id, SyncPhase::Sync, &o)
            };
            t.unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    plan_prune_waves(&mut tasks, app_prune_last);
    let mut out: Vec<(String, i32)> = tasks.into_iter().map(|t| (t.name, t.wave)).collect();
    out.sort();
    out
}

fn waves_of(pairs: &[(&str, i32)]) -> Vec<(String, i32)> {
    let mut out: Vec<(String, i32)> = pairs.iter().map(|(n, w)| (n.to_string(), *w)).collect();
    out.sort();
    out
}

#[test]
fn prune_waves_same_wave() {
    let all = ["ns", "pod-1", "pod-2", "pod-3", "pod-4"];
    let zero: Vec<(&str, i32)> = all.iter().map(|n| (*n, 0)).collect();
    for prune in [
        [false, false, false, false, false],
        [true, true, true, true, true],
        [false, true, false, true, true],
    ] {
        let items: Vec<(&str, &str, bool, bool)> = all
            .iter()
            .zip(prune)
            .map(|(n, p)| (*n, "0", p, false))
            .collect();
        assert_eq!(prune_scenario(&items, false), waves_of(&zero), "{prune:?}");
    }
}

#[test]
fn prune_waves_mirrored() {
    let items = |prune: [bool; 5]| -> Vec<(&'static str, &'static str, bool, bool)> {
        [
            ("ns", "0"),
            ("pod-1", "1"),
            ("pod-2", "2"),
            ("pod-3", "3"),
            ("pod-4", "4"),
        ]
        .iter()
        .zip(prune)
        .map(|((n, w), p)| (*n, *w, p, false))
        .collect()
    };
    assert_eq!(
        prune_scenario(&items([false; 5]), false),
        waves_of(&[
            ("ns", 0),
            ("pod-1", 1),
            ("pod-2", 2),
            ("pod-3", 3),
            ("pod-4", 4)
        ])
    );
    assert_eq!(
        prune_scenario(&items([true; 5]), false),
        waves_of(&[
            ("ns", 4),
            ("pod-1", 3),
            ("pod-2", 2),
            ("pod-3", 1),
            ("pod-4", 0)
        ])
    );
    assert_eq!(
        prune_scenario(&items([false, true, false, true, true]), false),
        waves_of(&[
            ("ns", 0),
            ("pod-1", 4),
            ("pod-2", 2),
            ("pod-3", 3),
            ("pod-4", 1)
        ])
    );
}

#[test]
fn prune_last() {
    let base = [
        ("ns", "0", false, false),
        ("pod-1", "1", true, false),
        ("pod-2", "2", true, true),
        ("pod-3", "3", true, false),
        ("pod-4", "4", true, false),
    ];
    // The application asks for PruneLast: every prune task goes to max(Sync wave)+1.
    assert_eq!(
        prune_scenario(&base, true),
        waves_of(&[
            ("ns", 0),
            ("pod-1", 5),
            ("pod-2", 5),
            ("pod-3", 5),
            ("pod-4", 5)
        ])
    );
    // Only pod-2 asks: the others are mirrored, pod-2 goes after the highest wave.
    assert_eq!(
        prune_scenario(&base, false),
        waves_of(&[
            ("ns", 0),
            ("pod-1", 4),
            ("pod-2", 5),
            ("pod-3", 2),
            ("pod-4", 1)
        ])
    );
    // Same waves everywhere: the final wave is 1.
    assert_eq!(
        prune_scenario(
            &[
                ("pod-1", "0", false, false),
                ("pod-2", "0", true, false),
                ("pod-3", "0", true, false)
            ],
            true
        ),
        waves_of(&[("pod-1", 0), ("pod-2", 1), ("pod-3", 1)])
    );
    // The final wave counts prune tasks' (mirrored) waves as well.
    assert_eq!(
        prune_scenario(
            &[
                ("pod-1", "2", false, false),
                ("pod-2", "1", true, false),
                ("pod-3", "7", true, false)
            ],
            true
        ),
        waves_of(&[("pod-1", 2), ("pod-2", 8), ("pod-3", 8)])
    );
    assert_eq!(
        prune_scenario(
            &[
                ("pod-1", "2", false, false),
                ("pod-2", "1", true, true),
                ("pod-3", "7", true, true)
            ],
            false
        ),
        waves_of(&[("pod-1", 2), ("pod-2", 8), ("pod-3", 8)])
    );
    // Negative waves only: the final wave is still at least 1.
    assert_eq!(
        prune_scenario(
            &[("pod-1", "-3", false, false), ("pod-2", "-5", true, false)],
            true
        ),
        waves_of(&[("pod-1", -3), ("pod-2", 1)])
    );
}

#[test]
fn prune_waves_mixed() {
    let items = [
        ("ns", "-1", false, false),
        ("pod-1", "1", true, false),
        ("pod-2", "3", false, false),
        ("pod-3", "3", true, false),
        ("pod-4", "3", true, false),
        ("pod-5", "4", true, false),
        ("pod-6", "5", false, false),
        ("pod-7", "5", true, false),
    ];
    assert_eq!(
        prune_scenario(&items, false),
        waves_of(&[
            ("ns", -1),
            ("pod-1", 5),
            ("pod-2", 3),
            ("pod-3", 4),
            ("pod-4", 4),
            ("pod-5", 3),
            ("pod-6", 5),
            ("pod-7", 1),
        ])
    );
}

#[test]
fn order_tasks_plans_then_sorts() {
    let o = |kind: &str, name: &str, w: &str| {
        annotated(kind, name, &[("argocd.argoproj.io/sync-wave", w)])
    };
    let ok = |t: Result<SyncTask, WaveError>| t.unwrap_or_else(|e| panic!("{e}"));
    let mut tasks = vec![
        ok(SyncTask::prune(1, &o("ConfigMap", "old-config", "0"))),
        ok(SyncTask::prune(2, &o("Deployment", "old-app", "2"))),
        ok(SyncTask::apply(
            3,
            SyncPhase::Sync,
            &o("Deployment", "app", "1"),
        )),
        ok(SyncTask::apply(
            4,
            SyncPhase::PreSync,
            &o("Job", "migrate", "0"),
        )),
        ok(SyncTask::apply(
            5,
            SyncPhase::PostSync,
            &o("Job", "smoke", "0"),
        )),
    ];
    order_tasks(&mut tasks, false);
    // The old Deployment (wave 2) is pruned first (wave 0), the old ConfigMap last (wave 2).
    assert_eq!(ids(&tasks), vec![4, 2, 3, 1, 5]);
    assert_eq!(
        tasks.iter().map(|t| t.wave).collect::<Vec<_>>(),
        vec![0, 0, 1, 2, 0]
    );
    assert!(tasks[1].prune && !tasks[2].prune);
}

#[test]
fn phases_order() {
    let mut phases = vec![
        SyncPhase::PostDelete,
        SyncPhase::SyncFail,
        SyncPhase::PostSync,
        SyncPhase::Sync,
        SyncPhase::PreSync,
        SyncPhase::PreDelete,
    ];
    phases.sort();
    assert_eq!(
        phases,
        vec![
            SyncPhase::PreDelete,
            SyncPhase::PreSync,
            SyncPhase::Sync,
            SyncPhase::PostSync,
            SyncPhase::SyncFail,
            SyncPhase::PostDelete,
        ]
    );
    assert_eq!(SyncPhase::PreSync.to_string(), "PreSync");
    assert_eq!(
        serde_json::to_value(SyncPhase::SyncFail).ok(),
        Some(Value::from("SyncFail"))
    );
    assert_eq!(HookType::PreSync.phase(), Some(SyncPhase::PreSync));
    assert_eq!(HookType::Skip.phase(), None);
}

#[test]
fn nothing_panics_on_odd_objects() {
    for o in [
        Value::Null,
        json!([]),
        json!("x"),
        json!({"metadata": "x"}),
        json!({"metadata": {"annotations": {"argocd.argoproj.io/hook": 3, "argocd.argoproj.io/sync-wave": null}}}),
        json!({"kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1", "spec": {"group": 1}}),
        json!({"metadata": {"annotations": {"argocd.argoproj.io/sync-wave": "2147483647", "argocd.argoproj.io/sync-options": "PruneLast=true"}}}),
    ] {
        let _ = (is_hook(&o), is_skip(&o), hook_types(&o), sync_phases(&o));
        let _ = (hook_delete_policies(&o), wave(&o), crd_defines(&o));
        let _ = SyncOptions::from_annotation(&o);
        let _ = SyncOptions::from_application(&o);
        if let Ok(t) = SyncTask::prune(0, &o) {
            let mut tasks = vec![t.clone(), t];
            order_tasks(&mut tasks, true);
        }
    }
}
