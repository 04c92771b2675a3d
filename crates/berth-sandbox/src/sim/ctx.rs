//! What every simulated controller works with: typed handles to the resources it reads and
//! writes, and helpers that write through [`Cluster`] under the real component's field manager
//! so every change is an ordinary API write that watches, managedFields and events show.

use super::config::SimConfig;
use super::events::Recorder;
use crate::cluster::{Cluster, DeleteOptions, DeleteOutcome, Part, Propagation, WriteOptions};
use crate::registry::Served;
use berth_kube::{ObjectExt, StatusError};
use serde_json::Value;
use std::sync::Arc;

/// A built-in resource the simulation touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Res {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
}

impl Res {
    const fn new(
        group: &'static str,
        version: &'static str,
        plural: &'static str,
        kind: &'static str,
    ) -> Self {
        Self {
            group,
            version,
            plural,
            kind,
        }
    }

    /// The store's key for the resource (`apps/deployments`, `/pods`).
    pub fn storage(&self) -> String {
        format!("{}/{}", self.group, self.plural)
    }

    /// Whether a store key belongs to this resource.
    pub fn is(&self, resource: &str) -> bool {
        resource
            .split_once('/')
            .is_some_and(|(g, p)| g == self.group && p == self.plural)
    }
}

pub const NODES: Res = Res::new("", "v1", "nodes", "Node");
pub const PODS: Res = Res::new("", "v1", "pods", "Pod");
pub const EVENTS: Res = Res::new("", "v1", "events", "Event");
pub const SERVICES: Res = Res::new("", "v1", "services", "Service");
pub const ENDPOINTS: Res = Res::new("", "v1", "endpoints", "Endpoints");
pub const PVCS: Res = Res::new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim");
pub const PVS: Res = Res::new("", "v1", "persistentvolumes", "PersistentVolume");
pub const DEPLOYMENTS: Res = Res::new("apps", "v1", "deployments", "Deployment");
pub const REPLICASETS: Res = Res::new("apps", "v1", "replicasets", "ReplicaSet");
pub const STATEFULSETS: Res = Res::new("apps", "v1", "statefulsets", "StatefulSet");
pub const DAEMONSETS: Res = Res::new("apps", "v1", "daemonsets", "DaemonSet");
pub const CONTROLLER_REVISIONS: Res =
    Res::new("apps", "v1", "controllerrevisions", "ControllerRevision");
pub const JOBS: Res = Res::new("batch", "v1", "jobs", "Job");
pub const CRONJOBS: Res = Res::new("batch", "v1", "cronjobs", "CronJob");
pub const ENDPOINT_SLICES: Res =
    Res::new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");
pub const INGRESSES: Res = Res::new("networking.k8s.io", "v1", "ingresses", "Ingress");
pub const STORAGE_CLASSES: Res = Res::new("storage.k8s.io", "v1", "storageclasses", "StorageClass");
pub const HPAS: Res = Res::new(
    "autoscaling",
    "v2",
    "horizontalpodautoscalers",
    "HorizontalPodAutoscaler",
);

/// The simulation's view of the cluster.
#[derive(Clone)]
pub struct Ctx {
    pub cluster: Cluster,
    pub config: Arc<SimConfig>,
    pub events: Recorder,
}

impl Ctx {
    pub fn new(cluster: Cluster, config: SimConfig) -> Self {
        Self {
            cluster,
            config: Arc::new(config),
            events: Recorder::default(),
        }
    }

    pub fn served(&self, res: Res) -> Result<Served, StatusError> {
        self.cluster
            .served(res.group, res.version, res.plural)
            .ok_or_else(|| StatusError::internal(format!("{} is not served", res.storage())))
    }

    /// The current object, or `None` when it does not exist.
    pub fn get(&self, res: Res, namespace: &str, name: &str) -> Option<Value> {
        let served = self.served(res).ok()?;
        self.cluster
            .get_stored(&served, namespace, name)
            .map(|s| self.cluster.present(&served, s.value()))
    }

    /// Every object of `res`, in one namespace or (with `None`) all.
    pub fn list(&self, res: Res, namespace: Option<&str>) -> Vec<Value> {
        let Ok(served) = self.served(res) else {
            return Vec::new();
        };
        self.cluster
            .store
            .list(&served.storage, namespace)
            .0
            .into_iter()
            .map(|(_, _, s)| self.cluster.present(&served, s.value()))
            .collect()
    }

    /// The objects of `res` whose ownerReferences name `owner_uid` as their controller.
    pub fn controlled_by(&self, owner_uid: &str, res: Res) -> Vec<Value> {
        let storage = res.storage();
        self.cluster
            .store
            .dependents_of(owner_uid)
            .into_iter()
            .filter(|k| *k.resource == *storage)
            .filter_map(|k| self.cluster.store.get(&k))
            .map(|s| s.value())
            .filter(|o| controller_uid(o) == Some(owner_uid))
            .collect()
    }

    /// Writes are recorded under the process's field manager, as on a real cluster: every
    /// controller is `kube-controller-manager`, the scheduler `kube-scheduler`.
    fn write_options(component: &str) -> WriteOptions {
        let manager = if component.ends_with("-controller") {
            "kube-controller-manager"
        } else if component == "default-scheduler" {
            "kube-scheduler"
        } else {
            component
        };
        WriteOptions {
            field_manager: manager.into(),
            ..Default::default()
        }
    }

    /// Creates an object as `manager` (the component: `kubelet`, `deployment-controller`).
    pub fn create(
        &self,
        res: Res,
        namespace: &str,
        obj: Value,
        manager: &str,
    ) -> Result<Value, StatusError> {
        let served = self.served(res)?;
        self.cluster
            .create(&served, namespace, obj, &Self::write_options(manager))
            .map(|w| w.object)
    }

    /// Read-modify-write of the main resource; `change` returns `None` to leave it alone.
    pub fn update(
        &self,
        res: Res,
        namespace: &str,
        name: &str,
        manager: &str,
        change: impl FnMut(Value) -> Option<Value>,
    ) -> Result<Option<Value>, StatusError> {
        self.write(res, namespace, name, Part::Main, manager, change)
    }

    /// Read-modify-write of the status subresource; `change` returns `None` to leave it alone.
    pub fn update_status(
        &self,
        res: Res,
        namespace: &str,
        name: &str,
        manager: &str,
        change: impl FnMut(Value) -> Option<Value>,
    ) -> Result<Option<Value>, StatusError> {
        self.write(res, namespace, name, Part::Status, manager, change)
    }

    fn write(
        &self,
        res: Res,
        namespace: &str,
        name: &str,
        part: Part,
        manager: &str,
        mut change: impl FnMut(Value) -> Option<Value>,
    ) -> Result<Option<Value>, StatusError> {
        let served = self.served(res)?;
        let mut changed = false;
        let written = self.cluster.update_with(
            &served,
            namespace,
            name,
            part,
            &Self::write_options(manager),
            |current| {
                let mut new = change(current.clone());
                changed = new.is_some();
                if let Some(obj) = new.as_mut() {
                    // A controller's read-modify-write never carries a stale precondition.
                    obj.set_meta("resourceVersion", Value::String(String::new()));
                }
                Ok(new.unwrap_or(current))
            },
        )?;
        Ok(changed.then_some(written.object))
    }

    /// Deletes an object; a missing object is not an error.
    pub fn delete(
        &self,
        res: Res,
        namespace: &str,
        name: &str,
        propagation: Option<Propagation>,
        grace_period_seconds: Option<i64>,
    ) -> Result<(), StatusError> {
        let served = self.served(res)?;
        let opts = DeleteOptions {
            propagation,
            grace_period_seconds,
            ..Default::default()
        };
        match self.cluster.delete(&served, namespace, name, &opts) {
            Ok(DeleteOutcome::Deleted(_) | DeleteOutcome::Terminating(_)) => Ok(()),
            Err(e) if e.code == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Ctx {
    /// Deletes a pod on behalf of its controller and records `SuccessfulDelete` or
    /// `FailedDelete` on the controller, as upstream's shared PodControl does for the
    /// ReplicaSet, DaemonSet and Job controllers.
    pub fn delete_controlled_pod(&self, owner: &Value, pod: &Value, component: &str) {
        use super::events::Level;
        match self.delete(PODS, pod.namespace(), pod.name(), None, None) {
            Ok(()) => self.event(
                owner,
                Level::Normal,
                "SuccessfulDelete",
                &format!("Deleted pod: {}", pod.name()),
                component,
            ),
            Err(e) => self.event(
                owner,
                Level::Warning,
                "FailedDelete",
                &format!("Error deleting: {}", e.message),
                component,
            ),
        }
    }
}

/// The uid of the object's controller (the ownerReference with `controller: true`).
pub fn controller_uid(obj: &Value) -> Option<&str> {
    controller_ref(obj)?.get("uid")?.as_str()
}

/// The ownerReference with `controller: true`.
pub fn controller_ref(obj: &Value) -> Option<&Value> {
    obj.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

/// The name of the object's controller when it is of `kind`.
pub fn controller_named<'a>(obj: &'a Value, kind: &str) -> Option<&'a str> {
    let owner = controller_ref(obj)?;
    (owner.get("kind")?.as_str()? == kind)
        .then(|| owner.get("name")?.as_str())
        .flatten()
}

/// The ownerReference a controller puts on what it creates.
pub fn owner_reference(owner: &Value) -> Value {
    serde_json::json!({
        "apiVersion": owner.api_version(),
        "kind": owner.kind(),
        "name": owner.name(),
        "uid": owner.uid(),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}
