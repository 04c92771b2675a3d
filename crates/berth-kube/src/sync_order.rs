//! Planning rules of a sync, as Argo CD applies them: which objects are hooks and in which
//! phase they run, their waves, the per-resource and per-application sync options, and the
//! order of the tasks of one sync (phase, wave, kind, name, then dependencies first).
//!
//! Everything here is pure: objects in, decisions out. The engine builds one [`SyncTask`] per
//! object and phase, calls [`plan_prune_waves`] and [`sort_tasks`] (or [`order_tasks`] for
//! both), and runs the tasks wave by wave.

use crate::gvk::GroupVersion;
use crate::object::ObjectExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Argo CD's hook annotation: a comma-separated list of [`HookType`]s.
pub const ANNOTATION_HOOK: &str = "argocd.argoproj.io/hook";
/// Argo CD's hook delete policy annotation: a comma-separated list of [`HookDeletePolicy`]s.
pub const ANNOTATION_HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";
/// The wave of an object: an integer, default 0.
pub const ANNOTATION_SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// Per-resource sync options, comma-separated (see [`SyncOptions`]).
pub const ANNOTATION_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
/// The finalizer put on hooks while their phase runs; a hook being deleted with it is not
/// "pending deletion" for health.
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";
/// Helm's hook annotation (`pre-install`, `post-upgrade`, `test`, ...).
pub const HELM_HOOK: &str = "helm.sh/hook";
/// Helm's hook weight, used as the wave when there is no sync-wave annotation.
pub const HELM_HOOK_WEIGHT: &str = "helm.sh/hook-weight";
/// Helm's hook delete policy annotation.
pub const HELM_HOOK_DELETE_POLICY: &str = "helm.sh/hook-delete-policy";

/// The phase a task runs in. A sync runs PreSync, Sync, PostSync (and SyncFail when it
/// fails); PreDelete and PostDelete hooks run only when the Application is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyncPhase {
    PreSync,
    Sync,
    PostSync,
    SyncFail,
    PreDelete,
    PostDelete,
}

impl SyncPhase {
    /// The phase's rank in a run: PreSync -1, Sync 0, PostSync 1, SyncFail 2 (Argo's values);
    /// PreDelete -2 and PostDelete 3 place the deletion hooks around everything else.
    pub fn order(self) -> i32 {
        match self {
            SyncPhase::PreDelete => -2,
            SyncPhase::PreSync => -1,
            SyncPhase::Sync => 0,
            SyncPhase::PostSync => 1,
            SyncPhase::SyncFail => 2,
            SyncPhase::PostDelete => 3,
        }
    }

    /// The name as Argo CD writes it: `PreSync`, `Sync`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::PreSync => "PreSync",
            SyncPhase::Sync => "Sync",
            SyncPhase::PostSync => "PostSync",
            SyncPhase::SyncFail => "SyncFail",
            SyncPhase::PreDelete => "PreDelete",
            SyncPhase::PostDelete => "PostDelete",
        }
    }
}

impl PartialOrd for SyncPhase {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SyncPhase {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

impl fmt::Display for SyncPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value of the `argocd.argoproj.io/hook` annotation, or a Helm hook mapped onto one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HookType {
    PreSync,
    Sync,
    PostSync,
    SyncFail,
    /// Not applied at all (when it is the only type).
    Skip,
    PreDelete,
    PostDelete,
}

impl HookType {
    /// Parses an annotation value, exactly as spelled (`PreSync`, not `presync`).
    pub fn parse(text: &str) -> Option<HookType> {
        Some(match text {
            "PreSync" => HookType::PreSync,
            "Sync" => HookType::Sync,
            "PostSync" => HookType::PostSync,
            "SyncFail" => HookType::SyncFail,
            "Skip" => HookType::Skip,
            "PreDelete" => HookType::PreDelete,
            "PostDelete" => HookType::PostDelete,
            _ => return None,
        })
    }

    /// The phase a hook of this type runs in; `None` for `Skip`.
    pub fn phase(self) -> Option<SyncPhase> {
        Some(match self {
            HookType::PreSync => SyncPhase::PreSync,
            HookType::Sync => SyncPhase::Sync,
            HookType::PostSync => SyncPhase::PostSync,
            HookType::SyncFail => SyncPhase::SyncFail,
            HookType::PreDelete => SyncPhase::PreDelete,
            HookType::PostDelete => SyncPhase::PostDelete,
            HookType::Skip => return None,
        })
    }

    fn is_sync_type(self) -> bool {
        !matches!(self, HookType::PreDelete | HookType::PostDelete)
    }

    /// The hook type a Helm hook maps to; `None` for Helm hooks Argo CD does not run
    /// (`test`, `pre-rollback`, `crd-install`, ...).
    pub fn from_helm(text: &str) -> Option<HookType> {
        Some(match text {
            "pre-install" | "pre-upgrade" => HookType::PreSync,
            "post-install" | "post-upgrade" => HookType::PostSync,
            "pre-delete" => HookType::PreDelete,
            "post-delete" => HookType::PostDelete,
            _ => return None,
        })
    }
}

/// When a hook object is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HookDeletePolicy {
    /// Deleted after it succeeded.
    HookSucceeded,
    /// Deleted after it failed.
    HookFailed,
    /// The previous one is deleted before a new one is created (the default).
    BeforeHookCreation,
}

impl HookDeletePolicy {
    /// Parses an Argo CD value (`HookSucceeded`, ...).
    pub fn parse(text: &str) -> Option<HookDeletePolicy> {
        Some(match text {
            "HookSucceeded" => HookDeletePolicy::HookSucceeded,
            "HookFailed" => HookDeletePolicy::HookFailed,
            "BeforeHookCreation" => HookDeletePolicy::BeforeHookCreation,
            _ => return None,
        })
    }

    /// Maps a Helm value (`hook-succeeded`, `hook-failed`, `before-hook-creation`).
    pub fn from_helm(text: &str) -> Option<HookDeletePolicy> {
        Some(match text {
            "hook-succeeded" => HookDeletePolicy::HookSucceeded,
            "hook-failed" => HookDeletePolicy::HookFailed,
            "before-hook-creation" => HookDeletePolicy::BeforeHookCreation,
            _ => return None,
        })
    }
}

/// The trimmed, non-empty, de-duplicated items of a comma-separated annotation, in order.
pub fn annotation_csv(obj: &Value, key: &str) -> Vec<String> {
    csv_items(obj.annotation(key).unwrap_or(""))
}

fn csv_items(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split(',').map(str::trim) {
        if !item.is_empty() && !out.iter().any(|seen| seen == item) {
            out.push(item.to_string());
        }
    }
    out
}

fn push_unique<T: PartialEq>(out: &mut Vec<T>, item: T) {
    if !out.contains(&item) {
        out.push(item);
    }
}

/// The hook types Argo CD's sync engine knows (no deletion hooks): the recognised values of
/// `argocd.argoproj.io/hook`, or when there are none, the mapped Helm hooks.
fn engine_hook_types(obj: &Value) -> Vec<HookType> {
    let mut types = Vec::new();
    for text in annotation_csv(obj, ANNOTATION_HOOK) {
        if let Some(t) = HookType::parse(&text).filter(|t| t.is_sync_type()) {
            push_unique(&mut types, t);
        }
    }
    if types.is_empty() {
        for text in annotation_csv(obj, HELM_HOOK) {
            if let Some(t) = HookType::from_helm(&text).filter(|t| t.is_sync_type()) {
                push_unique(&mut types, t);
            }
        }
    }
    types
}

/// All hook types of an object, deletion hooks included. `argocd.argoproj.io/hook` takes
/// precedence: Helm's annotation is read only when Argo's names no known type.
pub fn hook_types(obj: &Value) -> Vec<HookType> {
    let mut types = Vec::new();
    for text in annotation_csv(obj, ANNOTATION_HOOK) {
        if let Some(t) = HookType::parse(&text) {
            push_unique(&mut types, t);
        }
    }
    if types.is_empty() {
        for text in annotation_csv(obj, HELM_HOOK) {
            if let Some(t) = HookType::from_helm(&text) {
                push_unique(&mut types, t);
            }
        }
    }
    types
}

/// Whether the object is marked `Skip` and nothing else: it is never applied.
pub fn is_skip(obj: &Value) -> bool {
    let types = engine_hook_types(obj);
    types.contains(&HookType::Skip) && types.len() == 1
}

/// Whether the object is a hook: it carries `argocd.argoproj.io/hook` (and is not a lone
/// `Skip`), or Helm's `helm.sh/hook` with any value but `crd-install`.
pub fn is_hook(obj: &Value) -> bool {
    if obj.annotation(ANNOTATION_HOOK).is_some() {
        return !is_skip(obj);
    }
    obj.annotation(HELM_HOOK)
        .is_some_and(|value| value != "crd-install")
}

/// Whether the object is a hook with no type the sync runs (a Helm `test` hook, a
/// misspelled type, a deletion hook): the sync neither applies nor prunes it, and health
/// ignores it.
pub fn is_ignored_hook(obj: &Value) -> bool {
    is_hook(obj) && engine_hook_types(obj).is_empty()
}

/// The phases of a sync the object takes part in: `[Sync]` for a plain resource, the hook
/// phases for a hook (each once, in PreSync, Sync, PostSync, SyncFail order), none for a
/// skipped object or an ignored hook.
pub fn sync_phases(obj: &Value) -> Vec<SyncPhase> {
    if is_skip(obj) {
        return Vec::new();
    }
    if !is_hook(obj) {
        return vec![SyncPhase::Sync];
    }
    let mut phases: Vec<SyncPhase> = engine_hook_types(obj)
        .into_iter()
        .filter_map(HookType::phase)
        .collect();
    phases.sort();
    phases.dedup();
    phases
}

/// Whether the object is a PreDelete hook (Argo's `PreDelete` or Helm's `pre-delete`).
pub fn is_pre_delete_hook(obj: &Value) -> bool {
    is_delete_hook_of(obj, "PreDelete", "pre-delete")
}

/// Whether the object is a PostDelete hook (Argo's `PostDelete` or Helm's `post-delete`).
pub fn is_post_delete_hook(obj: &Value) -> bool {
    is_delete_hook_of(obj, "PostDelete", "post-delete")
}

fn is_delete_hook_of(obj: &Value, argo: &str, helm: &str) -> bool {
    annotation_csv(obj, ANNOTATION_HOOK)
        .iter()
        .any(|t| t == argo)
        || annotation_csv(obj, HELM_HOOK).iter().any(|t| t == helm)
}

/// The delete policies of a hook: Argo's values, then Helm's mapped ones, without
/// repeats; `[BeforeHookCreation]` when neither annotation names a known policy.
pub fn hook_delete_policies(obj: &Value) -> Vec<HookDeletePolicy> {
    let mut policies = Vec::new();
    for text in annotation_csv(obj, ANNOTATION_HOOK_DELETE_POLICY) {
        if let Some(p) = HookDeletePolicy::parse(&text) {
            push_unique(&mut policies, p);
        }
    }
    for text in annotation_csv(obj, HELM_HOOK_DELETE_POLICY) {
        if let Some(p) = HookDeletePolicy::from_helm(&text) {
            push_unique(&mut policies, p);
        }
    }
    if policies.is_empty() {
        policies.push(HookDeletePolicy::BeforeHookCreation);
    }
    policies
}

/// Whether the object carries [`HOOK_FINALIZER`].
pub fn has_hook_finalizer(obj: &Value) -> bool {
    obj.finalizers().iter().any(|f| f == HOOK_FINALIZER)
}

/// A wave annotation that is not an integer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "annotation {annotation} of {kind} {object}: {value:?} is not an integer wave; use a whole number such as \"-1\" or \"5\""
)]
pub struct WaveError {
    /// The annotation that failed to parse.
    pub annotation: &'static str,
    /// Its text.
    pub value: String,
    pub kind: String,
    /// `namespace/name`, or `name` for a cluster-scoped object.
    pub object: String,
}

fn object_ref(obj: &Value) -> String {
    match obj.namespace() {
        "" => obj.name().to_string(),
        ns => format!("{ns}/{}", obj.name()),
    }
}

/// The wave of an object: `argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight`, else
/// 0. A value that is not an integer (Go's `strconv.Atoi` syntax: optional sign, decimal
/// digits) is an error naming the annotation and the object.
pub fn wave(obj: &Value) -> Result<i32, WaveError> {
    for annotation in [ANNOTATION_SYNC_WAVE, HELM_HOOK_WEIGHT] {
        if let Some(text) = obj.annotation(annotation) {
            return parse_wave(text).ok_or_else(|| WaveError {
                annotation,
                value: text.to_string(),
                kind: obj.kind().to_string(),
                object: object_ref(obj),
            });
        }
    }
    Ok(0)
}

fn parse_wave(text: &str) -> Option<i32> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Helm's install order of kinds as Argo CD copied it (gitops-engine `sync_tasks.go`), used
/// inside a wave. It is an older list than Helm 4's (`berth_chart::manifest::INSTALL_ORDER`
/// adds PriorityClass and the webhook configurations), so the two are kept apart on purpose.
const KIND_ORDER: [&str; 35] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// The rank of a kind inside a wave: listed kinds are negative (Namespace -35 ... APIService
/// -1), every other kind (custom resources) is 0 and comes last.
pub fn kind_order(kind: &str) -> i32 {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i32 - KIND_ORDER.len() as i32)
}

/// A group and kind, such as the custom resources a CRD defines.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}

/// The group and kind of the custom resources a CustomResourceDefinition object defines
/// (`spec.group`, `spec.names.kind`); `None` for other objects.
pub fn crd_defines(obj: &Value) -> Option<GroupKind> {
    let gv = GroupVersion::parse_api_version(obj.api_version());
    if gv.group != "apiextensions.k8s.io" || obj.kind() != "CustomResourceDefinition" {
        return None;
    }
    Some(GroupKind {
        group: obj.path("spec.group")?.as_str()?.to_string(),
        kind: obj.path("spec.names.kind")?.as_str()?.to_string(),
    })
}

/// The key of one task of a sync: what [`sort_tasks`] and [`plan_prune_waves`] need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncTask {
    /// The engine's handle for the task (an index into its own list); never read here.
    pub id: usize,
    pub phase: SyncPhase,
    pub wave: i32,
    /// Empty for the core group.
    pub group: String,
    pub kind: String,
    /// The namespace the object is applied to; empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    /// For a CustomResourceDefinition, the group and kind it defines.
    pub defines: Option<GroupKind>,
    /// The task deletes a live object that is no longer wanted.
    pub prune: bool,
    /// The live object asks to be pruned last (`PruneLast=true` in its sync options).
    pub prune_last: bool,
}

impl SyncTask {
    /// A task that applies `target` in `phase`, with the wave from its annotations.
    pub fn apply(id: usize, phase: SyncPhase, target: &Value) -> Result<SyncTask, WaveError> {
        Self::from_object(id, phase, target, false)
    }

    /// A task that prunes `live` (in the Sync phase), with the wave from its annotations and
    /// `prune_last` from its sync options.
    pub fn prune(id: usize, live: &Value) -> Result<SyncTask, WaveError> {
        Self::from_object(id, SyncPhase::Sync, live, true)
    }

    fn from_object(
        id: usize,
        phase: SyncPhase,
        obj: &Value,
        prune: bool,
    ) -> Result<SyncTask, WaveError> {
        let prune_last = prune
            && annotation_csv(obj, ANNOTATION_SYNC_OPTIONS)
                .iter()
                .any(|o| o == "PruneLast=true");
        Ok(SyncTask {
            id,
            phase,
            wave: wave(obj)?,
            group: GroupVersion::parse_api_version(obj.api_version()).group,
            kind: obj.kind().to_string(),
            namespace: obj.namespace().to_string(),
            name: obj.name().to_string(),
            defines: crd_defines(obj),
            prune,
            prune_last,
        })
    }
}

/// Sorts the tasks of a sync: phase, then wave, then [`kind_order`], then name (a stable
/// sort, so ties keep their order). Then dependencies move forward: a core Namespace goes
/// just before the first task in that namespace, and a CRD just before the first resource of
/// the group and kind it defines; each moved task takes the phase and wave of the task it
/// now precedes. Prune tasks neither move nor count as dependents.
pub fn sort_tasks(tasks: &mut [SyncTask]) {
    tasks.sort_by(|a, b| {
        a.phase
            .cmp(&b.phase)
            .then(a.wave.cmp(&b.wave))
            .then(kind_order(&a.kind).cmp(&kind_order(&b.kind)))
            .then_with(|| a.name.cmp(&b.name))
    });
    bubble_dependencies(
        tasks,
        |t| (t.kind == "Namespace" && t.group.is_empty()).then(|| t.name.clone()),
        |t| (!t.namespace.is_empty()).then(|| t.namespace.clone()),
    );
    bubble_dependencies(
        tasks,
        |t| {
            t.defines
                .as_ref()
                .map(|gk| format!("{}/{}", gk.group, gk.kind))
        },
        |t| Some(format!("{}/{}", t.group, t.kind)),
    );
}

fn bubble_dependencies(
    tasks: &mut [SyncTask],
    provides: impl Fn(&SyncTask) -> Option<String>,
    needs: impl Fn(&SyncTask) -> Option<String>,
) {
    // Key of a dependency -> index of the first task that needs it.
    let mut first_user: HashMap<String, usize> = HashMap::new();
    for i in 0..tasks.len() {
        if tasks[i].prune {
            continue;
        }
        if let Some(key) = provides(&tasks[i]) {
            if let Some(&at) = first_user.get(&key) {
                let (phase, wave) = (tasks[at].phase, tasks[at].wave);
                tasks[i].phase = phase;
                tasks[i].wave = wave;
                tasks[at..=i].rotate_right(1);
                for index in first_user.values_mut() {
                    if *index >= at {
                        *index += 1;
                    }
                }
            }
        } else if let Some(key) = needs(&tasks[i]) {
            first_user.entry(key).or_insert(i);
        }
    }
}

/// Re-waves the prune tasks of a sync, before [`sort_tasks`]: their waves are mirrored
/// (the distinct prune waves in ascending order are swapped end for end, so what was
/// created last is deleted first), then prune tasks with `prune_last`, or all of them when
/// the application sets `PruneLast=true`, move to one final wave: one past the highest
/// Sync-phase wave (prune tasks included, at least 0).
pub fn plan_prune_waves(tasks: &mut [SyncTask], app_prune_last: bool) {
    let mut prune_waves: Vec<i32> = tasks.iter().filter(|t| t.prune).map(|t| t.wave).collect();
    prune_waves.sort_unstable();
    prune_waves.dedup();
    let mirrored: BTreeMap<i32, i32> = prune_waves
        .iter()
        .zip(prune_waves.iter().rev())
        .map(|(from, to)| (*from, *to))
        .collect();
    for task in tasks.iter_mut().filter(|t| t.prune) {
        if let Some(to) = mirrored.get(&task.wave) {
            task.wave = *to;
        }
    }
    let last_sync_wave = tasks
        .iter()
        .filter(|t| t.phase == SyncPhase::Sync)
        .map(|t| t.wave)
        .fold(0, i32::max)
        .saturating_add(1);
    for task in tasks
        .iter_mut()
        .filter(|t| t.prune && (app_prune_last || t.prune_last))
    {
        task.wave = last_sync_wave;
    }
}

/// [`plan_prune_waves`] then [`sort_tasks`]: the order a sync runs its tasks in.
pub fn order_tasks(tasks: &mut [SyncTask], app_prune_last: bool) {
    plan_prune_waves(tasks, app_prune_last);
    sort_tasks(tasks);
}

/// Whether and how a resource may be pruned or deleted (`Prune=` / `Delete=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum RemovalPolicy {
    /// Removed as usual.
    #[default]
    Allow,
    /// Never removed (`=false`).
    Disabled,
    /// Removed only after a person confirms (`=confirm`).
    Confirm,
}

/// How dependents are treated when a pruned object is deleted (`PrunePropagationPolicy=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PropagationPolicy {
    #[default]
    Foreground,
    Background,
    Orphan,
}

impl PropagationPolicy {
    /// The `propagationPolicy` value of a DeleteOptions body.
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Foreground => "Foreground",
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Orphan => "Orphan",
        }
    }
}

/// Sync options, from an application's `syncPolicy.syncOptions` or a resource's
/// `argocd.argoproj.io/sync-options` annotation. A field is `None` when the list does not
/// set it; [`SyncOptions::overlay`] lets a resource's settings override the application's,
/// and the accessor methods give the value in effect (Argo CD's default when unset).
/// Values are matched exactly as Argo CD spells them (`Prune=false`, not `prune=False`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOptions {
    pub prune: Option<RemovalPolicy>,
    pub prune_last: Option<bool>,
    pub replace: Option<bool>,
    pub force: Option<bool>,
    pub validate: Option<bool>,
    pub skip_dry_run_on_missing_resource: Option<bool>,
    pub server_side_apply: Option<bool>,
    pub client_side_apply_migration: Option<bool>,
    pub delete: Option<RemovalPolicy>,
    pub create_namespace: Option<bool>,
    pub apply_out_of_sync_only: Option<bool>,
    pub prune_propagation_policy: Option<PropagationPolicy>,
    pub respect_ignore_differences: Option<bool>,
    pub fail_on_shared_resource: Option<bool>,
    /// Items that are not a known option with a known value, as written, for a warning.
    pub unrecognized: Vec<String>,
}

impl SyncOptions {
    /// Parses a list of options (the entries of `syncPolicy.syncOptions`); each entry may
    /// itself be comma-separated. When an option appears twice, the first one counts.
    pub fn from_list<'a>(items: impl IntoIterator<Item = &'a str>) -> SyncOptions {
        let mut options = SyncOptions::default();
        for entry in items {
            for item in csv_items(entry) {
                if !options.set(&item) {
                    options.unrecognized.push(item);
                }
            }
        }
        options
    }

    /// Parses one comma-separated list: `Prune=false,ServerSideApply=true`.
    pub fn parse(text: &str) -> SyncOptions {
        Self::from_list([text])
    }

    /// The options of an Application object (`spec.syncPolicy.syncOptions`).
    pub fn from_application(app: &Value) -> SyncOptions {
        let items = app
            .path("spec.syncPolicy.syncOptions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        Self::from_list(items)
    }

    /// The options of a resource (its `argocd.argoproj.io/sync-options` annotation).
    pub fn from_annotation(obj: &Value) -> SyncOptions {
        Self::parse(obj.annotation(ANNOTATION_SYNC_OPTIONS).unwrap_or(""))
    }

    /// These options (an application's) with `resource`'s settings taking precedence.
    pub fn overlay(&self, resource: &SyncOptions) -> SyncOptions {
        SyncOptions {
            prune: resource.prune.or(self.prune),
            prune_last: resource.prune_last.or(self.prune_last),
            replace: resource.replace.or(self.replace),
            force: resource.force.or(self.force),
            validate: resource.validate.or(self.validate),
            skip_dry_run_on_missing_resource: resource
                .skip_dry_run_on_missing_resource
                .or(self.skip_dry_run_on_missing_resource),
            server_side_apply: resource.server_side_apply.or(self.server_side_apply),
            client_side_apply_migration: resource
                .client_side_apply_migration
                .or(self.client_side_apply_migration),
            delete: resource.delete.or(self.delete),
            create_namespace: resource.create_namespace.or(self.create_namespace),
            apply_out_of_sync_only: resource
                .apply_out_of_sync_only
                .or(self.apply_out_of_sync_only),
            prune_propagation_policy: resource
                .prune_propagation_policy
                .or(self.prune_propagation_policy),
            respect_ignore_differences: resource
                .respect_ignore_differences
                .or(self.respect_ignore_differences),
            fail_on_shared_resource: resource
                .fail_on_shared_resource
                .or(self.fail_on_shared_resource),
            unrecognized: self
                .unrecognized
                .iter()
                .chain(&resource.unrecognized)
                .cloned()
                .collect(),
        }
    }

    fn set(&mut self, item: &str) -> bool {
        let Some((key, value)) = item.split_once('=') else {
            return false;
        };
        let flag = match value {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        let removal = match value {
            "true" => Some(RemovalPolicy::Allow),
            "false" => Some(RemovalPolicy::Disabled),
            "confirm" => Some(RemovalPolicy::Confirm),
            _ => None,
        };
        fn first<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
            match value {
                Some(v) => {
                    if slot.is_none() {
                        *slot = Some(v);
                    }
                    true
                }
                None => false,
            }
        }
        match key {
            "Prune" => first(&mut self.prune, removal),
            "Delete" => first(&mut self.delete, removal),
            "PruneLast" => first(&mut self.prune_last, flag),
            "Replace" => first(&mut self.replace, flag),
            "Force" => first(&mut self.force, flag),
            "Validate" => first(&mut self.validate, flag),
            "SkipDryRunOnMissingResource" => {
                first(&mut self.skip_dry_run_on_missing_resource, flag)
            }
            "ServerSideApply" => first(&mut self.server_side_apply, flag),
            "ClientSideApplyMigration" => first(&mut self.client_side_apply_migration, flag),
            "CreateNamespace" => first(&mut self.create_namespace, flag),
            "ApplyOutOfSyncOnly" => first(&mut self.apply_out_of_sync_only, flag),
            "RespectIgnoreDifferences" => first(&mut self.respect_ignore_differences, flag),
            "FailOnSharedResource" => first(&mut self.fail_on_shared_resource, flag),
            "PrunePropagationPolicy" => {
                let policy = match value {
                    "foreground" => Some(PropagationPolicy::Foreground),
                    "background" => Some(PropagationPolicy::Background),
                    "orphan" => Some(PropagationPolicy::Orphan),
                    _ => None,
                };
                first(&mut self.prune_propagation_policy, policy)
            }
            _ => false,
        }
    }

    /// `Prune=`: default [`RemovalPolicy::Allow`].
    pub fn prune_policy(&self) -> RemovalPolicy {
        self.prune.unwrap_or_default()
    }
    /// `Delete=`: default [`RemovalPolicy::Allow`].
    pub fn delete_policy(&self) -> RemovalPolicy {
        self.delete.unwrap_or_default()
    }
    /// `PruneLast=true`: default false.
    pub fn prune_last(&self) -> bool {
        self.prune_last.unwrap_or(false)
    }
    /// `Replace=true`: default false.
    pub fn replace(&self) -> bool {
        self.replace.unwrap_or(false)
    }
    /// `Force=true`: default false.
    pub fn force(&self) -> bool {
        self.force.unwrap_or(false)
    }
    /// `Validate=false` turns validation off: default true.
    pub fn validate(&self) -> bool {
        self.validate.unwrap_or(true)
    }
    /// `SkipDryRunOnMissingResource=true`: default false.
    pub fn skip_dry_run_on_missing_resource(&self) -> bool {
        self.skip_dry_run_on_missing_resource.unwrap_or(false)
    }
    /// `ServerSideApply=true`: default false; `Replace=true` wins over it.
    pub fn server_side_apply(&self) -> bool {
        self.server_side_apply.unwrap_or(false) && !self.replace()
    }
    /// `ClientSideApplyMigration=false` turns the migration off: default true.
    pub fn client_side_apply_migration(&self) -> bool {
        self.client_side_apply_migration.unwrap_or(true)
    }
    /// `CreateNamespace=true`: default false.
    pub fn create_namespace(&self) -> bool {
        self.create_namespace.unwrap_or(false)
    }
    /// `ApplyOutOfSyncOnly=true`: default false.
    pub fn apply_out_of_sync_only(&self) -> bool {
        self.apply_out_of_sync_only.unwrap_or(false)
    }
    /// `PrunePropagationPolicy=`: default foreground.
    pub fn prune_propagation_policy(&self) -> PropagationPolicy {
        self.prune_propagation_policy.unwrap_or_default()
    }
    /// `RespectIgnoreDifferences=true`: default false.
    pub fn respect_ignore_differences(&self) -> bool {
        self.respect_ignore_differences.unwrap_or(false)
    }
    /// `FailOnSharedResource=true`: default false.
    pub fn fail_on_shared_resource(&self) -> bool {
        self.fail_on_shared_resource.unwrap_or(false)
    }
}
