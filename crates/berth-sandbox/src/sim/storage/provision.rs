//! What the external provisioner creates for a claim: a PersistentVolume named `pvc-<uid>`,
//! reserved for the claim, with the class's reclaim policy, the capacity the disk really has
//! (EBS hands out whole GiB) and a source of the driver's kind. In-tree class provisioners are
//! served by their CSI driver (CSI migration), and their volumes keep the in-tree source.

use super::super::ctx::{Ctx, NODES};
use super::super::quantity;
use super::super::services::stable_hash;
use berth_kube::ObjectExt;
use serde_json::{Value, json};

const EBS_CSI: &str = "ebs.csi.aws.com";
const EBS_IN_TREE: &str = "kubernetes.io/aws-ebs";
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The CSI driver that serves a class's provisioner.
pub fn csi_driver(provisioner: &str) -> &str {
    match provisioner {
        EBS_IN_TREE => EBS_CSI,
        other => other,
    }
}

/// How the driver's provisioner names itself in events: `<driver>_<pod>_<uuid>`.
pub fn identity(driver: &str) -> String {
    let hash = stable_hash(driver);
    format!(
        "{driver}_csi-controller-{:08x}-{:05x}_{:08x}-0000-4000-8000-{:012x}",
        hash as u32,
        (hash >> 32) & 0xfffff,
        (hash >> 16) as u32,
        hash & 0xffff_ffff_ffff
    )
}

pub fn volume_name(claim: &Value) -> String {
    format!("pvc-{}", claim.uid())
}

/// The capacity the volume gets for the claim's request.
pub fn capacity(request: &str, driver: &str) -> String {
    if driver != EBS_CSI {
        return request.to_string();
    }
    match quantity::parse(request) {
        Some(bytes) if bytes.is_finite() && bytes > 0.0 => {
            format!("{}Gi", (bytes / GIB).ceil().max(1.0) as u64)
        }
        _ => request.to_string(),
    }
}

/// The zone the volume lives in: the selected node's, else one of the cluster's, chosen by the
/// claim's uid so it does not change.
pub fn zone(ctx: &Ctx, node: Option<&str>, seed: &str) -> Option<String> {
    let zone_of = |n: &Value| n.label("topology.kubernetes.io/zone").map(str::to_string);
    if let Some(zone) = node
        .and_then(|n| ctx.get(NODES, "", n))
        .and_then(|n| zone_of(&n))
    {
        return Some(zone);
    }
    let mut zones: Vec<String> = ctx.list(NODES, None).iter().filter_map(zone_of).collect();
    zones.sort();
    zones.dedup();
    let pick = (stable_hash(seed) % (zones.len().max(1) as u64)) as usize;
    zones.get(pick).cloned()
}

/// The PersistentVolume for `claim` of `class`.
pub fn volume(claim: &Value, class: &Value, zone: Option<&str>) -> Value {
    let provisioner = class
        .get("provisioner")
        .and_then(Value::as_str)
        .unwrap_or("");
    let driver = csi_driver(provisioner);
    let request = claim
        .pointer("/spec/resources/requests/storage")
        .and_then(Value::as_str)
        .unwrap_or("1Gi");
    let disk = format!("vol-0{:016x}", stable_hash(claim.uid()));
    let fs_type = class
        .pointer("/parameters/fsType")
        .or_else(|| class.pointer("/parameters/csi.storage.k8s.io~1fstype"))
        .and_then(Value::as_str)
        .unwrap_or("ext4");
    let mut annotations = json!({"pv.kubernetes.io/provisioned-by": provisioner});
    let mut spec = json!({
        "accessModes": claim.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!(["ReadWriteOnce"])),
        "capacity": {"storage": capacity(request, driver)},
        "claimRef": {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "namespace": claim.namespace(),
            "name": claim.name(),
            "uid": claim.uid(),
            "resourceVersion": claim.resource_version(),
        },
        "persistentVolumeReclaimPolicy": class.get("reclaimPolicy").and_then(Value::as_str).unwrap_or("Delete"),
        "storageClassName": class.name(),
        "volumeMode": claim.pointer("/spec/volumeMode").and_then(Value::as_str).unwrap_or("Filesystem"),
    });
    if provisioner == EBS_IN_TREE {
        annotations["pv.kubernetes.io/migrated-to"] = json!(EBS_CSI);
        let volume_id = match zone {
            Some(z) => format!("aws://{z}/{disk}"),
            None => disk,
        };
        spec["awsElasticBlockStore"] = json!({"volumeID": volume_id, "fsType": fs_type});
    } else {
        spec["csi"] = json!({
            "driver": driver,
            "volumeHandle": disk,
            "fsType": fs_type,
            "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": format!("1700000000000-{}-{driver}", stable_hash(driver) % 10_000)},
        });
    }
    if let Some(options) = class.get("mountOptions").filter(|m| m.is_array()) {
        spec["mountOptions"] = options.clone();
    }
    if let Some(zone) = zone {
        spec["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}
        ]}]}});
    }
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": volume_name(claim), "annotations": annotations},
        "spec": spec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ebs_rounds_up_to_whole_gib() {
        assert_eq!(capacity("1500Mi", EBS_CSI), "2Gi");
        assert_eq!(capacity("10Gi", EBS_CSI), "10Gi");
        assert_eq!(capacity("1", EBS_CSI), "1Gi");
        assert_eq!(capacity("1500Mi", "efs.csi.aws.com"), "1500Mi");
        assert_eq!(capacity("junk", EBS_CSI), "junk");
    }

    #[test]
    fn volumes_carry_claim_class_and_source() {
        let claim = json!({"metadata": {"name": "data", "namespace": "db", "uid": "u-1", "resourceVersion": "7"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}});
        let class = json!({"metadata": {"name": "gp2"}, "provisioner": EBS_IN_TREE, "reclaimPolicy": "Retain"});
        let pv = volume(&claim, &class, Some("us-east-1b"));
        assert_eq!(pv["metadata"]["name"], "pvc-u-1");
        assert_eq!(pv["spec"]["capacity"]["storage"], "5Gi");
        assert_eq!(pv["spec"]["claimRef"]["uid"], "u-1");
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(pv["spec"]["storageClassName"], "gp2");
        let id = pv["spec"]["awsElasticBlockStore"]["volumeID"]
            .as_str()
            .unwrap_or("");
        assert!(id.starts_with("aws://us-east-1b/vol-"), "{id}");
        assert_eq!(
            pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"]
                [0],
            "us-east-1b"
        );
        let csi_class = json!({"metadata": {"name": "fast"}, "provisioner": EBS_CSI});
        let pv = volume(&claim, &csi_class, None);
        assert_eq!(pv["spec"]["csi"]["driver"], EBS_CSI);
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Delete");
        assert!(pv["spec"].get("nodeAffinity").is_none());
    }
}
