//! The target cluster through kube-rs: resource discovery (cached), server-side apply
//! (real and dry-run), reads and deletes of unstructured objects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams,
    PostParams, PropagationPolicy,
};
use kube::discovery::{Scope, pinned_kind};
use serde_json::Value;

/// Berth's field manager for everything it applies.
pub const FIELD_MANAGER: &str = "berth-controller";

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    /// The API server answered with a Status.
    #[error("{message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// No resource type serves this kind (yet): a CRD that the sync has not created.
    #[error("the server has no resource type for {gvk}")]
    UnknownKind { gvk: String },
    #[error("{0}")]
    Transport(String),
}

impl ClusterError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClusterError::Api { code: 404, .. })
    }
    pub fn is_conflict(&self) -> bool {
        matches!(self, ClusterError::Api { code: 409, .. })
    }
}

impl From<kube::Error> for ClusterError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(status) => ClusterError::Api {
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            },
            other => ClusterError::Transport(other.to_string()),
        }
    }
}

/// Identity of a resource type as the API serves it.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// group, version, kind of an object's apiVersion/kind.
pub fn gvk_of(obj: &Value) -> GroupVersionKind {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    GroupVersionKind::gvk(group, version, obj["kind"].as_str().unwrap_or_default())
}

/// Discovery results by (group, version, kind).
type TypeCache = Arc<Mutex<HashMap<(String, String, String), ResourceType>>>;

#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    types: TypeCache,
}

impl Cluster {
    pub fn new(client: kube::Client) -> Cluster {
        Cluster {
            client,
            types: Arc::default(),
        }
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The resource type of a kind; discovery is cached, a miss asks the server again.
    pub async fn resource_type(
        &self,
        gvk: &GroupVersionKind,
    ) -> Result<ResourceType, ClusterError> {
        let key = (gvk.group.clone(), gvk.version.clone(), gvk.kind.clone());
        if let Some(found) = self.types.lock().ok().and_then(|t| t.get(&key).cloned()) {
            return Ok(found);
        }
        let (resource, caps) = pinned_kind(&self.client, gvk).await.map_err(|e| match e {
            kube::Error::Api(s) if s.code == 404 => ClusterError::UnknownKind {
                gvk: format_gvk(gvk),
            },
            kube::Error::Discovery(_) => ClusterError::UnknownKind {
                gvk: format_gvk(gvk),
            },
            other => ClusterError::from(other),
        })?;
        let found = ResourceType {
            resource,
            namespaced: caps.scope == Scope::Namespaced,
        };
        if let Ok(mut types) = self.types.lock() {
            types.insert(key, found.clone());
        }
        Ok(found)
    }

    /// Forgets discovery results, after a CRD was created or removed.
    pub fn forget_types(&self) {
        if let Ok(mut t) = self.types.lock() {
            t.clear();
        }
    }

    fn api(&self, rt: &ResourceType, namespace: &str) -> Api<DynamicObject> {
        if rt.namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &rt.resource)
        } else {
            Api::all_with(self.client.clone(), &rt.resource)
        }
    }

    pub async fn get(
        &self,
        gvk: &GroupVersionKind,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        let rt = self.resource_type(gvk).await?;
        match self.api(&rt, namespace).get_opt(name).await? {
            Some(obj) => Ok(Some(to_value(&obj))),
            None => Ok(None),
        }
    }

    /// Server-side apply of a whole object under Berth's field manager, taking over fields
    /// other managers changed (that is what self-heal means). `dry_run` predicts the result.
    pub async fn apply(&self, obj: &Value, dry_run: bool) -> Result<Value, ClusterError> {
        self.apply_with(obj, dry_run, true).await
    }

    /// [`Cluster::apply`]; `validate: false` (`Validate=false`) lets unknown fields through.
    pub async fn apply_with(
        &self,
        obj: &Value,
        dry_run: bool,
        validate: bool,
    ) -> Result<Value, ClusterError> {
        let gvk = gvk_of(obj);
        let rt = self.resource_type(&gvk).await?;
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        let namespace = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        params.dry_run = dry_run;
        if !validate {
            params.field_validation = Some(kube::api::ValidationDirective::Ignore);
        }
        let result = self
            .api(&rt, namespace)
            .patch(name, &params, &Patch::Apply(obj))
            .await?;
        Ok(to_value(&result))
    }

    /// `Replace=true`: update the object as a whole (create when absent).
    pub async fn replace(&self, obj: &Value, dry_run: bool) -> Result<Value, ClusterError> {
        let gvk = gvk_of(obj);
        let rt = self.resource_type(&gvk).await?;
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        let namespace = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        let api = self.api(&rt, namespace);
        let params = PostParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.into()),
        };
        let typed: DynamicObject = serde_json::from_value(obj.clone())
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
        let result = match api.get_opt(name).await? {
            Some(live) => {
                let mut typed = typed;
                typed.metadata.resource_version = live.metadata.resource_version;
                api.replace(name, &params, &typed).await?
            }
            None => api.create(&params, &typed).await?,
        };
        Ok(to_value(&result))
    }

    pub async fn delete(
        &self,
        gvk: &GroupVersionKind,
        namespace: &str,
        name: &str,
        propagation: &str,
    ) -> Result<(), ClusterError> {
        let rt = self.resource_type(gvk).await?;
        let policy = match propagation.to_ascii_lowercase().as_str() {
            "background" => PropagationPolicy::Background,
            "orphan" => PropagationPolicy::Orphan,
            _ => PropagationPolicy::Foreground,
        };
        let params = DeleteParams {
            propagation_policy: Some(policy),
            ..DeleteParams::default()
        };
        match self.api(&rt, namespace).delete(name, &params).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A merge patch (status writes on Applications, finalizer edits).
    pub async fn merge_patch(
        &self,
        gvk: &GroupVersionKind,
        namespace: &str,
        name: &str,
        patch: &Value,
    ) -> Result<Value, ClusterError> {
        let rt = self.resource_type(gvk).await?;
        let result = self
            .api(&rt, namespace)
            .patch(name, &PatchParams::default(), &Patch::Merge(patch))
            .await?;
        Ok(to_value(&result))
    }

    pub async fn list(
        &self,
        gvk: &GroupVersionKind,
        namespace: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let rt = self.resource_type(gvk).await?;
        let api: Api<DynamicObject> = match namespace {
            Some(ns) if rt.namespaced => {
                Api::namespaced_with(self.client.clone(), ns, &rt.resource)
            }
            _ => Api::all_with(self.client.clone(), &rt.resource),
        };
        let list = api.list(&Default::default()).await?;
        Ok(list.items.iter().map(to_value).collect())
    }
}

pub fn format_gvk(gvk: &GroupVersionKind) -> String {
    if gvk.group.is_empty() {
        format!("{}/{}", gvk.version, gvk.kind)
    } else {
        format!("{}/{}/{}", gvk.group, gvk.version, gvk.kind)
    }
}

pub fn to_value(obj: &DynamicObject) -> Value {
    serde_json::to_value(obj).unwrap_or(Value::Null)
}
