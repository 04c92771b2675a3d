//! Storage: the default StorageClass an EKS cluster comes with, the PersistentVolume
//! controller's claim side (default class assignment, binding, WaitForFirstConsumer) together
//! with the external provisioner's part (creating a PV for each claim), and the volume side
//! (a PV whose claim is gone is deleted or released by its reclaim policy).
//!
//! Every provisioner except `kubernetes.io/no-provisioner` is served: CSI drivers cannot run
//! in the sandbox, so a chart's own StorageClass works as if its driver were installed.

mod provision;
mod volumes;

pub use volumes::VolumeController;

use super::ctx::{Ctx, PODS, PVCS, PVS, Res, STORAGE_CLASSES};
use super::events::Level;
use crate::store::EventType;
use berth_kube::ObjectExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const COMPONENT: &str = "persistentvolume-controller";
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
const BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";
/// How long the cloud takes to create a volume (nominal seconds).
const PROVISIONING_SECONDS: f64 = 2.0;

/// Creates EKS's `gp2` class, marked default, unless the cluster already has classes (a
/// restart, or a user who chose their own).
pub fn register_default_class(ctx: &Ctx) {
    if !ctx.list(STORAGE_CLASSES, None).is_empty() {
        return;
    }
    let class = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "gp2", "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
        "provisioner": "kubernetes.io/aws-ebs",
        "parameters": {"type": "gp2", "fsType": "ext4"},
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    });
    if let Err(e) = ctx.create(STORAGE_CLASSES, "", class, "eks") {
        tracing::warn!("cannot create the default storage class: {e}");
    }
}

/// The default class: the newest of those marked default, as the admission plugin picks.
fn default_class(ctx: &Ctx) -> Option<Value> {
    ctx.list(STORAGE_CLASSES, None)
        .into_iter()
        .filter(|c| c.annotation(DEFAULT_CLASS_ANNOTATION) == Some("true"))
        .max_by(|a, b| {
            let created = |c: &Value| {
                c.pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            created(a).cmp(&created(b)).then(a.name().cmp(b.name()))
        })
}

fn str_at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Whether a scheduled pod in the claim's namespace mounts it; the node it runs on.
fn consumer_node(ctx: &Ctx, claim: &Value) -> Option<String> {
    ctx.list(PODS, Some(claim.namespace()))
        .into_iter()
        .filter(super::pods::is_active)
        .filter(|p| claim_names(p).any(|n| n == claim.name()))
        .find_map(|p| str_at(&p, "/spec/nodeName").map(str::to_string))
}

/// The claims a pod's volumes name.
fn claim_names(pod: &Value) -> impl Iterator<Item = &str> {
    pod.pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.pointer("/persistentVolumeClaim/claimName")?.as_str())
}

#[derive(Default)]
pub struct ClaimController {
    /// Claims whose volume is being created, by uid: when it is ready.
    provisioning: HashMap<String, Instant>,
}

impl super::runtime::Reconciler for ClaimController {
    fn name(&self) -> &'static str {
        "persistentvolume-claims"
    }

    fn watches(&self) -> &'static [Res] {
        &[PVCS, STORAGE_CLASSES, PODS]
    }

    fn keys_for(
        &mut self,
        ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        let deleted = matches!(event, EventType::Deleted);
        if res == PVCS {
            if deleted {
                self.provisioning.remove(obj.uid());
            } else {
                out.push((obj.namespace().to_string(), obj.name().to_string()));
            }
        } else if res == STORAGE_CLASSES {
            // A class that appears (or becomes default) may unblock pending claims.
            if deleted {
                return;
            }
            for claim in ctx.list(PVCS, None) {
                let class = claim
                    .pointer("/spec/storageClassName")
                    .and_then(Value::as_str);
                let pending = str_at(&claim, "/spec/volumeName").is_none();
                if pending && class.is_none_or(|c| c == obj.name()) {
                    out.push((claim.namespace().to_string(), claim.name().to_string()));
                }
            }
        } else if !deleted && str_at(obj, "/spec/nodeName").is_some() {
            for claim in claim_names(obj) {
                out.push((obj.namespace().to_string(), claim.to_string()));
            }
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let claim = ctx.get(PVCS, namespace, name)?;
        if claim.deletion_timestamp().is_some() {
            return None;
        }
        if let Some(volume) = str_at(&claim, "/spec/volumeName") {
            bind_to_volume(ctx, &claim, volume);
            return None;
        }
        let class = match claim
            .pointer("/spec/storageClassName")
            .and_then(Value::as_str)
        {
            Some(class_name) if !class_name.is_empty() => {
                match ctx.get(STORAGE_CLASSES, "", class_name) {
                    Some(class) => class,
                    None => {
                        let message =
                            format!("storageclass.storage.k8s.io \"{class_name}\" not found");
                        ctx.event(
                            &claim,
                            Level::Warning,
                            "ProvisioningFailed",
                            &message,
                            COMPONENT,
                        );
                        return None;
                    }
                }
            }
            Some(_) => return no_class(ctx, &claim),
            None => match default_class(ctx) {
                // Retroactive default class assignment (GA since 1.28): the PV controller gives
                // a claim created without a class the default one.
                Some(class) => {
                    let assigned = ctx.update(PVCS, namespace, name, COMPONENT, |mut c| {
                        c.get("spec")?
                            .as_object()?
                            .get("storageClassName")
                            .is_none()
                            .then_some(())?;
                        c["spec"]["storageClassName"] = json!(class.name());
                        Some(c)
                    });
                    if let Err(e) = assigned {
                        tracing::debug!("cannot assign default class to {namespace}/{name}: {e}");
                    }
                    // The update is seen as an event and reconciled again.
                    return None;
                }
                None => return no_class(ctx, &claim),
            },
        };
        self.provision(ctx, &claim, &class)
    }
}

/// A claim with no class and no default: only a pre-existing PV could bind it.
fn no_class(ctx: &Ctx, claim: &Value) -> Option<Duration> {
    let message = "no persistent volumes available for this claim and no storage class is set";
    ctx.event(claim, Level::Normal, "FailedBinding", message, COMPONENT);
    None
}

impl ClaimController {
    fn provision(&mut self, ctx: &Ctx, claim: &Value, class: &Value) -> Option<Duration> {
        let (namespace, name) = (claim.namespace(), claim.name());
        let provisioner = class
            .get("provisioner")
            .and_then(Value::as_str)
            .unwrap_or("");
        let wait_for_consumer =
            class.get("volumeBindingMode").and_then(Value::as_str) == Some("WaitForFirstConsumer");
        let mut node = claim.annotation(SELECTED_NODE).map(str::to_string);
        if wait_for_consumer && node.is_none() {
            let Some(consumer) = consumer_node(ctx, claim) else {
                let message = "waiting for first consumer to be created before binding";
                ctx.event(
                    claim,
                    Level::Normal,
                    "WaitForFirstConsumer",
                    message,
                    COMPONENT,
                );
                return None;
            };
            // The scheduler's volume binder records the node; provisioning follows it.
            let selected = ctx.update(PVCS, namespace, name, "default-scheduler", |mut c| {
                c.set_meta_annotation(SELECTED_NODE, &consumer);
                Some(c)
            });
            if let Err(e) = selected {
                tracing::debug!("cannot select node for {namespace}/{name}: {e}");
                return None;
            }
            node = Some(consumer);
        }
        if provisioner == NO_PROVISIONER {
            return None;
        }
        let driver = provision::csi_driver(provisioner);
        if claim.annotation(STORAGE_PROVISIONER) != Some(driver) {
            let annotated = ctx.update(PVCS, namespace, name, COMPONENT, |mut c| {
                c.set_meta_annotation(STORAGE_PROVISIONER, driver);
                c.set_meta_annotation(BETA_STORAGE_PROVISIONER, driver);
                Some(c)
            });
            if let Err(e) = annotated {
                tracing::debug!("cannot annotate {namespace}/{name}: {e}");
                return None;
            }
            let message = format!(
                "Waiting for a volume to be created either by the external provisioner '{driver}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
            );
            ctx.event(
                claim,
                Level::Normal,
                "ExternalProvisioning",
                &message,
                COMPONENT,
            );
        }
        let now = Instant::now();
        let ready_at = match self.provisioning.get(claim.uid()) {
            Some(at) => *at,
            None => {
                let message = format!(
                    "External provisioner is provisioning volume for claim \"{namespace}/{name}\""
                );
                ctx.event(
                    claim,
                    Level::Normal,
                    "Provisioning",
                    &message,
                    &provision::identity(driver),
                );
                let at = now + ctx.config.delay(PROVISIONING_SECONDS);
                self.provisioning.insert(claim.uid().to_string(), at);
                at
            }
        };
        if ready_at > now {
            return Some(ready_at - now);
        }
        self.provisioning.remove(claim.uid());
        let volume_name = provision::volume_name(claim);
        if ctx.get(PVS, "", &volume_name).is_none() {
            let zone = provision::zone(ctx, node.as_deref(), claim.uid());
            let volume = provision::volume(claim, class, zone.as_deref());
            if let Err(e) = ctx.create(PVS, "", volume, "csi-provisioner") {
                let message = format!(
                    "failed to provision volume with StorageClass \"{}\": {}",
                    class.name(),
                    e.message
                );
                ctx.event(
                    claim,
                    Level::Warning,
                    "ProvisioningFailed",
                    &message,
                    &provision::identity(driver),
                );
                return Some(ctx.config.delay(10.0));
            }
            let message = format!("Successfully provisioned volume {volume_name}");
            ctx.event(
                claim,
                Level::Normal,
                "ProvisioningSucceeded",
                &message,
                &provision::identity(driver),
            );
        }
        let named = ctx.update(PVCS, namespace, name, COMPONENT, |mut c| {
            c.get("spec")?.as_object()?;
            c["spec"]["volumeName"] = json!(volume_name);
            Some(c)
        });
        if let Err(e) = named {
            tracing::debug!("cannot bind {namespace}/{name}: {e}");
        }
        // The volumeName update comes back as an event and finishes the binding.
        None
    }
}

/// Binds a claim that names its volume: the volume must be free or already reserved for this
/// claim; then both are marked Bound. A Bound claim whose volume vanished is Lost.
fn bind_to_volume(ctx: &Ctx, claim: &Value, volume_name: &str) {
    let (namespace, name) = (claim.namespace(), claim.name());
    let phase = claim.pointer("/status/phase").and_then(Value::as_str);
    let Some(volume) = ctx.get(PVS, "", volume_name) else {
        if phase == Some("Bound") {
            set_claim_status(ctx, claim, json!({"phase": "Lost"}));
            let message = "Bound claim has lost its PersistentVolume. Data on the volume is lost!";
            ctx.event(claim, Level::Warning, "ClaimLost", message, COMPONENT);
        }
        return;
    };
    let claim_ref = volume.pointer("/spec/claimRef");
    let ref_str = |key: &str| claim_ref.and_then(|r| r.get(key)).and_then(Value::as_str);
    let reserved_here = ref_str("namespace") == Some(namespace) && ref_str("name") == Some(name);
    let uid_matches = ref_str("uid").is_none_or(|u| u.is_empty() || u == claim.uid());
    if claim_ref.is_some() && !(reserved_here && uid_matches) {
        let message = format!("volume \"{volume_name}\" already bound to a different claim.");
        ctx.event(claim, Level::Warning, "FailedBinding", &message, COMPONENT);
        return;
    }
    if ref_str("uid") != Some(claim.uid()) {
        // A statically provisioned volume: the controller writes the claimRef.
        let reference = json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "namespace": namespace, "name": name, "uid": claim.uid(),
            "resourceVersion": claim.resource_version(),
        });
        let claimed = ctx.update(PVS, "", volume_name, COMPONENT, |mut v| {
            v.get("spec")?.as_object()?;
            v["spec"]["claimRef"] = reference.clone();
            v.set_meta_annotation(BOUND_BY_CONTROLLER, "yes");
            Some(v)
        });
        if let Err(e) = claimed {
            tracing::debug!("cannot claim volume {volume_name}: {e}");
            return;
        }
    }
    if claim.annotation(BIND_COMPLETED) != Some("yes") {
        let marked = ctx.update(PVCS, namespace, name, COMPONENT, |mut c| {
            c.set_meta_annotation(BIND_COMPLETED, "yes");
            c.set_meta_annotation(BOUND_BY_CONTROLLER, "yes");
            Some(c)
        });
        if let Err(e) = marked {
            tracing::debug!("cannot mark {namespace}/{name} bound: {e}");
            return;
        }
    }
    volumes::set_phase(ctx, &volume, "Bound");
    let status = json!({
        "phase": "Bound",
        "accessModes": volume.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!([])),
        "capacity": volume.pointer("/spec/capacity").cloned().unwrap_or_else(|| json!({})),
    });
    set_claim_status(ctx, claim, status);
}

fn set_claim_status(ctx: &Ctx, claim: &Value, status: Value) {
    let written = ctx.update_status(PVCS, claim.namespace(), claim.name(), COMPONENT, |mut c| {
        if c.get("status") == Some(&status) {
            return None;
        }
        c["status"] = status.clone();
        Some(c)
    });
    if let Err(e) = written {
        tracing::debug!("cannot write status of claim {}: {e}", claim.name());
    }
}

/// Setting one annotation on an object, creating the map when needed.
trait SetAnnotation {
    fn set_meta_annotation(&mut self, key: &str, value: &str);
}

impl SetAnnotation for Value {
    fn set_meta_annotation(&mut self, key: &str, value: &str) {
        let annotations = self
            .metadata_mut()
            .entry("annotations")
            .or_insert_with(|| json!({}));
        if !annotations.is_object() {
            *annotations = json!({});
        }
        if let Some(a) = annotations.as_object_mut() {
            a.insert(key.to_string(), json!(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_names_come_from_pvc_volumes_only() {
        let pod = json!({"spec": {"volumes": [
            {"name": "data", "persistentVolumeClaim": {"claimName": "data-0"}},
            {"name": "cfg", "configMap": {"name": "x"}},
        ]}});
        assert_eq!(claim_names(&pod).collect::<Vec<_>>(), vec!["data-0"]);
        assert_eq!(claim_names(&json!({})).count(), 0);
    }

    #[test]
    fn annotations_are_added_without_losing_others() {
        let mut obj = json!({"metadata": {"annotations": {"a": "1"}}});
        obj.set_meta_annotation("b", "2");
        assert_eq!(obj["metadata"]["annotations"], json!({"a": "1", "b": "2"}));
        let mut bare = json!({"metadata": {}});
        bare.set_meta_annotation("b", "2");
        assert_eq!(bare["metadata"]["annotations"], json!({"b": "2"}));
    }
}
