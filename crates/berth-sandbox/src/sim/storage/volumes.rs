//! The volume side of the PersistentVolume controller: a volume reserved for a claim that no
//! longer exists (or was recreated with another uid) is released, and with reclaim policy
//! Delete the provisioner deletes it, as happens when a bound claim is deleted.

use super::super::ctx::{Ctx, PVCS, PVS, Res};
use crate::store::EventType;
use berth_kube::ObjectExt;
use serde_json::Value;
use std::time::Duration;

const COMPONENT: &str = "persistentvolume-controller";

pub struct VolumeController;

/// Writes the volume's `status.phase` when it differs.
pub fn set_phase(ctx: &Ctx, volume: &Value, phase: &str) {
    if volume.pointer("/status/phase").and_then(Value::as_str) == Some(phase) {
        return;
    }
    let written = ctx.update_status(PVS, "", volume.name(), COMPONENT, |mut v| {
        let mut status = v
            .get("status")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        status.insert("phase".into(), Value::String(phase.to_string()));
        v["status"] = Value::Object(status);
        Some(v)
    });
    if let Err(e) = written {
        tracing::debug!("cannot set volume {} {phase}: {e}", volume.name());
    }
}

impl super::super::runtime::Reconciler for VolumeController {
    fn name(&self) -> &'static str {
        "persistentvolume-volumes"
    }

    fn watches(&self) -> &'static [Res] {
        &[PVS, PVCS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == PVS {
            if !matches!(event, EventType::Deleted) {
                out.push((String::new(), obj.name().to_string()));
            }
        } else if let Some(volume) = obj
            .pointer("/spec/volumeName")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            out.push((String::new(), volume.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, _namespace: &str, name: &str) -> Option<Duration> {
        let volume = ctx.get(PVS, "", name)?;
        if volume.deletion_timestamp().is_some() {
            return None;
        }
        let claim_ref = volume.pointer("/spec/claimRef")?;
        let field = |key: &str| claim_ref.get(key).and_then(Value::as_str).unwrap_or("");
        // A claimRef without uid pre-binds the volume to a claim that may come later.
        if field("uid").is_empty() {
            return None;
        }
        let claim = ctx
            .get(PVCS, field("namespace"), field("name"))
            .filter(|c| c.uid() == field("uid"));
        if claim.is_some() {
            return None;
        }
        let policy = volume
            .pointer("/spec/persistentVolumeReclaimPolicy")
            .and_then(Value::as_str)
            .unwrap_or("Retain");
        if policy == "Delete" {
            if let Err(e) = ctx.delete(PVS, "", name, None, None) {
                tracing::debug!("cannot delete released volume {name}: {e}");
            }
        } else {
            set_phase(ctx, &volume, "Released");
        }
        None
    }
}
