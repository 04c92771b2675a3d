//! What a new cluster has before anyone writes: the system namespaces and the `kubernetes`
//! Service, as a fresh EKS or kubeadm cluster does.

use crate::cluster::{Cluster, WriteOptions};
use serde_json::json;

pub fn ensure_defaults(cluster: &Cluster) {
    let opts = WriteOptions::default();
    if let Some(namespaces) = cluster.served("", "v1", "namespaces") {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            if cluster.get_stored(&namespaces, "", ns).is_none() {
                let obj =
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
                if let Err(e) = cluster.create(&namespaces, "", obj, &opts) {
                    tracing::warn!("cannot create namespace {ns}: {e}");
                }
            }
        }
    }
    if let Some(services) = cluster.served("", "v1", "services")
        && cluster
            .get_stored(&services, "default", "kubernetes")
            .is_none()
    {
        let svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], "sessionAffinity": "None"}
        });
        if let Err(e) = cluster.create(&services, "default", svc, &opts) {
            tracing::warn!("cannot create the kubernetes service: {e}");
        }
    }
}
