//! Columns and cells of built-in kinds, as kubernetes pkg/printers/internalversion/printers.go
//! prints them in their wide form. Objects are the stored v1 JSON; where the Go printer reads
//! a field the v1→internal conversion fills in (`podIPs` from `podIP`, `clusterIPs` from
//! `clusterIP`), the same fallback is applied here.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{CREATED_DOC, TableColumn, at, human_duration, since, str_at};
use crate::object::unix_from_rfc3339;

type Row = (Vec<Value>, Option<Value>);

fn col(name: &str, column_type: &str, priority: i64, description: &str) -> TableColumn {
    TableColumn::new(name, column_type, priority, description)
}

fn name_col() -> TableColumn {
    TableColumn::name_column(0)
}

fn age_col() -> TableColumn {
    col("Age", "string", 0, CREATED_DOC)
}

fn containers_cols() -> [TableColumn; 2] {
    [
        col(
            "Containers",
            "string",
            1,
            "Names of each container in the template.",
        ),
        col(
            "Images",
            "string",
            1,
            "Images referenced by each container in the template.",
        ),
    ]
}

fn selector_col(description: &str) -> TableColumn {
    col("Selector", "string", 1, description)
}

/// The column definitions of a built-in kind with a printer.
pub(super) fn columns(group: &str, kind: &str) -> Option<Vec<TableColumn>> {
    let mut cols = vec![name_col()];
    match (group, kind) {
        ("", "Pod") => cols.extend([
            col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
            col("Status", "string", 0, "The aggregate status of the containers in this pod."),
            col("Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            age_col(),
            col("IP", "string", 1, "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
            col("Node", "string", 1, "NodeName indicates in which node this pod is scheduled."),
            col("Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
            col("Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness."),
        ]),
        ("", "PodTemplate") => cols.extend([
            col("Containers", "string", 0, "Names of each container in the template."),
            col("Images", "string", 0, "Images referenced by each container in the template."),
            col("Pod Labels", "string", 0, "The labels for the pod template."),
        ]),
        ("policy", "PodDisruptionBudget") => cols.extend([
            col("Min Available", "string", 0, "The minimum number of pods that must be available."),
            col("Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable."),
            col("Allowed Disruptions", "integer", 0, "Calculated number of pods that may be disrupted at this time."),
            age_col(),
        ]),
        ("", "ReplicationController") | ("apps", "ReplicaSet") => {
            cols.extend([
                col("Desired", "integer", 0, "Replicas is the number of desired replicas."),
                col("Current", "integer", 0, "Replicas is the most recently observed number of replicas."),
                col("Ready", "integer", 0, "The number of ready replicas for this replica set."),
                age_col(),
            ]);
            cols.extend(containers_cols());
            cols.push(selector_col("Selector is a label query over pods that should match the replica count."));
        }
        ("apps", "DaemonSet") => {
            cols.extend([
                col("Desired", "integer", 0, "The total number of nodes that should be running the daemon pod."),
                col("Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                col("Ready", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
                col("Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod"),
                col("Available", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
                col("Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node."),
                age_col(),
            ]);
            cols.extend(containers_cols());
            cols.push(selector_col("A label query over pods that are managed by the daemon set."));
        }
        ("batch", "Job") => {
            cols.extend([
                col("Status", "string", 0, "Status of the job."),
                col("Completions", "string", 0, "The number of pods which reached phase Succeeded."),
                col("Duration", "string", 0, "Time required to complete the job."),
                age_col(),
            ]);
            cols.extend(containers_cols());
            cols.push(selector_col("A label query over pods that should match the pod count."));
        }
        ("batch", "CronJob") => {
            cols.extend([
                col("Schedule", "string", 0, "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
                col("Timezone", "string", 0, "The time zone name for the given schedule."),
                col("Suspend", "boolean", 0, "This flag tells the controller to suspend subsequent executions."),
                col("Active", "integer", 0, "A list of pointers to currently running jobs."),
                col("Last Schedule", "string", 0, "Information when was the last time the job was successfully scheduled."),
                age_col(),
            ]);
            cols.extend(containers_cols());
            cols.push(selector_col("A label query over pods that should match the pod count."));
        }
        ("", "Service") => cols.extend([
            col("Type", "string", 0, "type determines how the Service is exposed."),
            col("Cluster-IP", "string", 0, "clusterIP is the IP address of the service and is usually assigned randomly."),
            col("External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
            col("Port(s)", "string", 0, "The list of ports that are exposed by this service."),
            age_col(),
            selector_col("Route service traffic to pods with label keys and values matching this selector."),
        ]),
        ("networking.k8s.io", "Ingress") => cols.extend([
            col("Class", "string", 0, "The name of the IngressClass resource that should be used for additional configuration"),
            col("Hosts", "string", 0, "Hosts that incoming requests are matched against before the ingress rule"),
            col("Address", "string", 0, "Address is a list containing ingress points for the load-balancer"),
            col("Ports", "string", 0, "Ports of TLS configurations that open"),
            age_col(),
        ]),
        ("networking.k8s.io", "IngressClass") => cols.extend([
            col("Controller", "string", 0, "Controller that is responsible for handling this class"),
            col("Parameters", "string", 0, "A reference to a resource with additional parameters"),
            age_col(),
        ]),
        ("apps", "StatefulSet") => {
            cols.extend([col("Ready", "string", 0, "Number of the pod with ready state"), age_col()]);
            cols.extend(containers_cols());
        }
        ("", "Endpoints") => cols.extend([
            col("Endpoints", "string", 0, "The set of all endpoints is the union of all subsets."),
            age_col(),
        ]),
        ("", "Node") => cols.extend([
            col("Status", "string", 0, "The status of the node"),
            col("Roles", "string", 0, "The roles of the node"),
            age_col(),
            col("Version", "string", 0, "Kubelet Version reported by the node."),
            col("Internal-IP", "string", 1, "List of addresses reachable to the node."),
            col("External-IP", "string", 1, "List of addresses reachable to the node."),
            col("OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
            col("Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
            col("Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
        ]),
        ("", "Event") | ("events.k8s.io", "Event") => {
            // Events lead with Last Seen; Name is a wide column at the end.
            cols = vec![
                col("Last Seen", "string", 0, "The time at which the most recent occurrence of this event was recorded."),
                col("Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future"),
                col("Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                col("Object", "string", 0, "The object that this event is about."),
                col("Subobject", "string", 1, "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."),
                col("Source", "string", 1, "The component reporting this event. Should be a short machine understandable string."),
                col("Message", "string", 0, "A human-readable description of the status of this operation."),
                col("First Seen", "string", 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
                col("Count", "string", 1, "The number of times this event has occurred."),
                TableColumn::name_column(1),
            ];
        }
        ("", "Namespace") => {
            cols.extend([col("Status", "string", 0, "The status of the namespace"), age_col()])
        }
        ("", "Secret") => cols.extend([
            col("Type", "string", 0, "Used to facilitate programmatic handling of secret data."),
            col("Data", "string", 0, "Data contains the secret data."),
            age_col(),
        ]),
        ("", "ServiceAccount") => cols.extend([
            col("Secrets", "string", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
            age_col(),
        ]),
        ("", "PersistentVolume") => cols.extend([
            col("Capacity", "string", 0, "capacity is the description of the persistent volume's resources and capacity."),
            col("Access Modes", "string", 0, "accessModes contains all ways the volume can be mounted."),
            col("Reclaim Policy", "string", 0, "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
            col("Status", "string", 0, "phase indicates if a volume is available, bound to a claim, or released by a claim."),
            col("Claim", "string", 0, "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
            col("StorageClass", "string", 0, "StorageClass of the pv"),
            col("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pv"),
            col("Reason", "string", 0, "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
            age_col(),
            col("VolumeMode", "string", 1, "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."),
        ]),
        ("", "PersistentVolumeClaim") => cols.extend([
            col("Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim."),
            col("Volume", "string", 0, "volumeName is the binding reference to the PersistentVolume backing this claim."),
            col("Capacity", "string", 0, "capacity represents the actual resources of the underlying volume."),
            col("Access Modes", "string", 0, "accessModes contains the actual access modes the volume backing the PVC has."),
            col("StorageClass", "string", 0, "StorageClass of the pvc"),
            col("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pvc"),
            age_col(),
            col("VolumeMode", "string", 1, "volumeMode defines what type of volume is required by the claim."),
        ]),
        ("apps", "Deployment") => {
            cols.extend([
                col("Ready", "string", 0, "Number of the pod with ready state"),
                col("Up-to-date", "string", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                col("Available", "string", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                age_col(),
            ]);
            cols.extend(containers_cols());
            cols.push(selector_col("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."));
        }
        ("autoscaling", "HorizontalPodAutoscaler") => cols.extend([
            col("Reference", "string", 0, "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."),
            col("Targets", "string", 0, "metrics contains the specifications for which to use to calculate the desired replica count."),
            col("MinPods", "string", 0, "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
            col("MaxPods", "string", 0, "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
            col("Replicas", "string", 0, "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
            age_col(),
        ]),
        ("", "ConfigMap") => cols.extend([
            col("Data", "string", 0, "Data contains the configuration data."),
            age_col(),
        ]),
        ("networking.k8s.io", "NetworkPolicy") => cols.extend([
            col("Pod-Selector", "string", 0, "Selects the pods to which this NetworkPolicy object applies."),
            age_col(),
        ]),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            let what = if kind == "RoleBinding" { "roleBinding" } else { "clusterRoleBinding" };
            cols.extend([
                col("Role", "string", 0, "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
                age_col(),
                col("Users", "string", 1, &format!("Users in the {what}")),
                col("Groups", "string", 1, &format!("Groups in the {what}")),
                col("ServiceAccounts", "string", 1, &format!("ServiceAccounts in the {what}")),
            ]);
        }
        ("coordination.k8s.io", "Lease") => cols.extend([
            col("Holder", "string", 0, "holderIdentity contains the identity of the holder of a current lease."),
            age_col(),
        ]),
        ("storage.k8s.io", "StorageClass") => cols.extend([
            col("Provisioner", "string", 0, "provisioner indicates the type of the provisioner."),
            col("ReclaimPolicy", "string", 0, "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
            col("VolumeBindingMode", "string", 0, "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
            col("AllowVolumeExpansion", "string", 0, "allowVolumeExpansion shows whether the storage class allow volume expand."),
            age_col(),
        ]),
        ("apps", "ControllerRevision") => cols.extend([
            col("Controller", "string", 0, "Controller of the object"),
            col("Revision", "string", 0, "Revision indicates the revision of the state represented by Data."),
            age_col(),
        ]),
        ("", "ResourceQuota") => cols.extend([
            col("Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume."),
            col("Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
            age_col(),
        ]),
        ("scheduling.k8s.io", "PriorityClass") => cols.extend([
            col("Value", "integer", 0, "value represents the integer value of this priority class."),
            col("Global-Default", "boolean", 0, "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."),
            age_col(),
            col("PreemptionPolicy", "string", 0, "preemptionPolicy is the Policy for preempting pods with lower priority."),
        ]),
        ("node.k8s.io", "RuntimeClass") => cols.extend([
            col("Handler", "string", 0, "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class."),
            age_col(),
        ]),
        ("discovery.k8s.io", "EndpointSlice") => cols.extend([
            col("AddressType", "string", 0, "addressType specifies the type of address carried by this EndpointSlice."),
            col("Ports", "string", 0, "ports specifies the list of network ports exposed by each endpoint in this slice."),
            col("Endpoints", "string", 0, "endpoints is a list of unique endpoints in this slice."),
            age_col(),
        ]),
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => cols.extend([
            col("Webhooks", "integer", 0, "Webhooks indicates the number of webhooks registered in this configuration"),
            age_col(),
        ]),
        _ => return None,
    }
    Some(cols)
}

/// The cells (and row conditions) of an object of a built-in kind with a printer.
pub(super) fn row(group: &str, kind: &str, o: &Value, now: i64) -> Option<Row> {
    let name = json!(str_at(o, &["metadata", "name"]));
    let age = json!(since(str_at(o, &["metadata", "creationTimestamp"]), now));
    let cells = match (group, kind) {
        ("", "Pod") => return Some(pod(o, now)),
        ("", "PodTemplate") => {
            let (names, images) = containers(at(o, &["template", "spec", "containers"]));
            vec![
                name,
                json!(names),
                json!(images),
                json!(format_labels(at(o, &["template", "metadata", "labels"]))),
            ]
        }
        ("policy", "PodDisruptionBudget") => {
            let bound = |k: &str| {
                at(o, &["spec", k])
                    .map(int_or_string)
                    .unwrap_or_else(|| "N/A".into())
            };
            vec![
                name,
                json!(bound("minAvailable")),
                json!(bound("maxUnavailable")),
                json!(int(o, &["status", "disruptionsAllowed"])),
                age,
            ]
        }
        ("", "ReplicationController") | ("apps", "ReplicaSet") => {
            let (names, images) = containers(at(o, &["spec", "template", "spec", "containers"]));
            let selector = if group.is_empty() {
                format_labels(at(o, &["spec", "selector"]))
            } else {
                format_label_selector(at(o, &["spec", "selector"]))
            };
            vec![
                name,
                json!(int(o, &["spec", "replicas"])),
                json!(int(o, &["status", "replicas"])),
                json!(int(o, &["status", "readyReplicas"])),
                age,
                json!(names),
                json!(images),
                json!(selector),
            ]
        }
        ("apps", "DaemonSet") => {
            let (names, images) = containers(at(o, &["spec", "template", "spec", "containers"]));
            vec![
                name,
                json!(int(o, &["status", "desiredNumberScheduled"])),
                json!(int(o, &["status", "currentNumberScheduled"])),
                json!(int(o, &["status", "numberReady"])),
                json!(int(o, &["status", "updatedNumberScheduled"])),
                json!(int(o, &["status", "numberAvailable"])),
                json!(format_labels(at(
                    o,
                    &["spec", "template", "spec", "nodeSelector"]
                ))),
                age,
                json!(names),
                json!(images),
                json!(format_label_selector(at(o, &["spec", "selector"]))),
            ]
        }
        ("batch", "Job") => job(o, name, age, now),
        ("batch", "CronJob") => {
            let last = match at(o, &["status", "lastScheduleTime"]).and_then(Value::as_str) {
                Some(t) => since(t, now),
                None => "<none>".into(),
            };
            let template = [
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "spec",
                "containers",
            ];
            let (names, images) = containers(at(o, &template));
            vec![
                name,
                json!(str_at(o, &["spec", "schedule"])),
                json!(
                    at(o, &["spec", "timeZone"])
                        .and_then(Value::as_str)
                        .unwrap_or("<none>")
                ),
                json!(bool_ptr(at(o, &["spec", "suspend"]))),
                json!(arr(o, &["status", "active"]).len()),
                json!(last),
                age,
                json!(names),
                json!(images),
                json!(format_label_selector(at(
                    o,
                    &["spec", "jobTemplate", "spec", "selector"]
                ))),
            ]
        }
        ("", "Service") => service(o, name, age),
        ("networking.k8s.io", "Ingress") => {
            let class = at(o, &["spec", "ingressClassName"])
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            let ports = if arr(o, &["spec", "tls"]).is_empty() {
                "80"
            } else {
                "80, 443"
            };
            vec![
                name,
                json!(class),
                json!(format_hosts(arr(o, &["spec", "rules"]))),
                json!(load_balancer(arr(
                    o,
                    &["status", "loadBalancer", "ingress"]
                ))),
                json!(ports),
                age,
            ]
        }
        ("networking.k8s.io", "IngressClass") => {
            let parameters = match at(o, &["spec", "parameters"]) {
                Some(p) if p.is_object() => {
                    let mut s = str_at(p, &["kind"]).to_string();
                    if let Some(g) = p.get("apiGroup").and_then(Value::as_str) {
                        s = format!("{s}.{g}");
                    }
                    format!("{s}/{}", str_at(p, &["name"]))
                }
                _ => "<none>".into(),
            };
            vec![
                name,
                json!(str_at(o, &["spec", "controller"])),
                json!(parameters),
                age,
            ]
        }
        ("apps", "StatefulSet") => {
            let (names, images) = containers(at(o, &["spec", "template", "spec", "containers"]));
            let ready = format!(
                "{}/{}",
                int(o, &["status", "readyReplicas"]),
                int(o, &["spec", "replicas"])
            );
            vec![name, json!(ready), age, json!(names), json!(images)]
        }
        ("", "Endpoints") => vec![name, json!(format_endpoints(arr(o, &["subsets"]))), age],
        ("", "Node") => node(o, name, age),
        ("", "Event") => return Some((event(o, now, false), None)),
        ("events.k8s.io", "Event") => return Some((event(o, now, true), None)),
        ("", "Namespace") => vec![name, json!(str_at(o, &["status", "phase"])), age],
        ("", "Secret") => vec![
            name,
            json!(str_at(o, &["type"])),
            json!(len_of(o, "data")),
            age,
        ],
        ("", "ServiceAccount") => vec![name, json!(arr(o, &["secrets"]).len()), age],
        ("", "PersistentVolume") => persistent_volume(o, name, age),
        ("", "PersistentVolumeClaim") => persistent_volume_claim(o, name, age),
        ("apps", "Deployment") => {
            let (names, images) = containers(at(o, &["spec", "template", "spec", "containers"]));
            let ready = format!(
                "{}/{}",
                int(o, &["status", "readyReplicas"]),
                int(o, &["spec", "replicas"])
            );
            let selector =
                selector_string(at(o, &["spec", "selector"])).unwrap_or_else(|| "<invalid>".into());
            vec![
                name,
                json!(ready),
                json!(int(o, &["status", "updatedReplicas"])),
                json!(int(o, &["status", "availableReplicas"])),
                age,
                json!(names),
                json!(images),
                json!(selector),
            ]
        }
        ("autoscaling", "HorizontalPodAutoscaler") => {
            let reference = format!(
                "{}/{}",
                str_at(o, &["spec", "scaleTargetRef", "kind"]),
                str_at(o, &["spec", "scaleTargetRef", "name"])
            );
            let min_pods = at(o, &["spec", "minReplicas"])
                .and_then(Value::as_i64)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "<unset>".into());
            vec![
                name,
                json!(reference),
                json!(hpa_metrics(o)),
                json!(min_pods),
                json!(int(o, &["spec", "maxReplicas"])),
                json!(int(o, &["status", "currentReplicas"])),
                age,
            ]
        }
        ("", "ConfigMap") => vec![
            name,
            json!(len_of(o, "data") + len_of(o, "binaryData")),
            age,
        ],
        ("networking.k8s.io", "NetworkPolicy") => {
            // The pod selector is a struct, never nil: an absent one formats as everything.
            let selector = at(o, &["spec", "podSelector"])
                .cloned()
                .unwrap_or_else(|| json!({}));
            vec![name, json!(format_label_selector(Some(&selector))), age]
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            let role = format!(
                "{}/{}",
                str_at(o, &["roleRef", "kind"]),
                str_at(o, &["roleRef", "name"])
            );
            let (users, groups, sas) = subjects(arr(o, &["subjects"]));
            vec![
                name,
                json!(role),
                age,
                json!(users),
                json!(groups),
                json!(sas),
            ]
        }
        ("coordination.k8s.io", "Lease") => {
            vec![name, json!(str_at(o, &["spec", "holderIdentity"])), age]
        }
        ("storage.k8s.io", "StorageClass") => {
            let default_annotation =
                |key: &str| str_at(o, &["metadata", "annotations", key]) == "true";
            let mut shown = str_at(o, &["metadata", "name"]).to_string();
            if default_annotation("storageclass.kubernetes.io/is-default-class")
                || default_annotation("storageclass.beta.kubernetes.io/is-default-class")
            {
                shown.push_str(" (default)");
            }
            let or = |key: &str, dflt: &str| {
                at(o, &[key])
                    .and_then(Value::as_str)
                    .unwrap_or(dflt)
                    .to_string()
            };
            vec![
                json!(shown),
                json!(str_at(o, &["provisioner"])),
                json!(or("reclaimPolicy", "Delete")),
                json!(or("volumeBindingMode", "Immediate")),
                json!(
                    at(o, &["allowVolumeExpansion"])
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                ),
                age,
            ]
        }
        ("apps", "ControllerRevision") => {
            let controller = arr(o, &["metadata", "ownerReferences"])
                .iter()
                .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                .map(|r| {
                    let api_version = str_at(r, &["apiVersion"]);
                    let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
                    let kind = str_at(r, &["kind"]);
                    let group_kind = if group.is_empty() {
                        kind.to_string()
                    } else {
                        format!("{kind}.{group}")
                    };
                    format!("{}/{}", group_kind.to_lowercase(), str_at(r, &["name"]))
                })
                .unwrap_or_else(|| "<none>".into());
            vec![name, json!(controller), json!(int(o, &["revision"])), age]
        }
        ("", "ResourceQuota") => {
            let (requests, limits) = resource_quota(o);
            vec![name, json!(requests), json!(limits), age]
        }
        ("scheduling.k8s.io", "PriorityClass") => vec![
            name,
            json!(int(o, &["value"])),
            json!(
                at(o, &["globalDefault"])
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            ),
            age,
            json!(str_at(o, &["preemptionPolicy"])),
        ],
        ("node.k8s.io", "RuntimeClass") => vec![name, json!(str_at(o, &["handler"])), age],
        ("discovery.k8s.io", "EndpointSlice") => vec![
            name,
            json!(str_at(o, &["addressType"])),
            json!(discovery_ports(arr(o, &["ports"]))),
            json!(discovery_endpoints(arr(o, &["endpoints"]))),
            age,
        ],
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => vec![name, json!(arr(o, &["webhooks"]).len()), age],
        _ => return None,
    };
    Some((cells, None))
}

fn int(v: &Value, path: &[&str]) -> i64 {
    at(v, path).and_then(Value::as_i64).unwrap_or(0)
}

fn arr<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn len_of(v: &Value, key: &str) -> usize {
    v.get(key)
        .and_then(Value::as_object)
        .map(|m| m.len())
        .unwrap_or(0)
}

/// IntOrString.String(): the number in decimal or the string as is.
fn int_or_string(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// printBoolPtr: True/False, `<unset>` for nil.
fn bool_ptr(v: Option<&Value>) -> &'static str {
    match v.and_then(Value::as_bool) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    }
}

/// labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty.
fn format_labels(labels: Option<&Value>) -> String {
    let Some(map) = labels.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "<none>".into();
    };
    let mut pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    pairs.join(",")
}

/// metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, `k=v`,
/// `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; empty for a nil or empty selector, `None` for an
/// invalid one.
fn selector_string(selector: Option<&Value>) -> Option<String> {
    let Some(sel) = selector.filter(|s| !s.is_null()) else {
        return Some(String::new());
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", v.as_str()?)));
        }
    }
    for expr in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let key = expr.get("key")?.as_str()?;
        let values: BTreeSet<&str> = expr
            .get("values")
            .and_then(Value::as_array)
            .map(|vs| vs.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let joined = values.into_iter().collect::<Vec<_>>().join(",");
        let text = match expr.get("operator")?.as_str()? {
            "In" => format!("{key} in ({joined})"),
            "NotIn" => format!("{key} notin ({joined})"),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        };
        reqs.push((key.to_string(), text));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Some(
        reqs.into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` for an invalid one.
fn format_label_selector(selector: Option<&Value>) -> String {
    match selector_string(selector) {
        None => "<error>".into(),
        Some(s) if s.is_empty() => "<none>".into(),
        Some(s) => s,
    }
}

/// layoutContainerCells: names and images, comma-separated.
fn containers(list: Option<&Value>) -> (String, String) {
    let list = list
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let names: Vec<&str> = list.iter().map(|c| str_at(c, &["name"])).collect();
    let images: Vec<&str> = list.iter().map(|c| str_at(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

fn condition_true(conditions: &[Value], condition_type: &str) -> bool {
    conditions
        .iter()
        .any(|c| str_at(c, &["type"]) == condition_type && str_at(c, &["status"]) == "True")
}

/// printPod: the STATUS column as kubectl shows it (init progress, waiting and terminated
/// reasons, Completed with a running sidecar, Terminating), restarts with the time of the last
/// one, and the wide columns.
fn pod(o: &Value, now: i64) -> Row {
    let status = o.get("status").unwrap_or(&Value::Null);
    let spec = o.get("spec").unwrap_or(&Value::Null);
    let phase = str_at(status, &["phase"]);
    let conditions = arr(status, &["conditions"]);
    let init_specs = arr(spec, &["initContainers"]);
    // Restartable init containers are sidecars; they count as containers.
    let restartable = |name: &str| {
        init_specs
            .iter()
            .any(|c| str_at(c, &["name"]) == name && str_at(c, &["restartPolicy"]) == "Always")
    };
    let total = arr(spec, &["containers"]).len()
        + init_specs
            .iter()
            .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
            .count();
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut last_restart: Option<i64> = None;
    let mut last_sidecar_restart: Option<i64> = None;
    let finished = |cs: &Value| {
        at(cs, &["lastState", "terminated", "finishedAt"])
            .and_then(Value::as_str)
            .and_then(unix_from_rfc3339)
    };
    let later = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };

    let status_reason = str_at(status, &["reason"]);
    let mut reason = if status_reason.is_empty() {
        phase
    } else {
        status_reason
    }
    .to_string();
    if conditions.iter().any(|c| {
        str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated"
    }) {
        reason = "SchedulingGated".into();
    }
    let row_conditions = match phase {
        "Succeeded" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]),
        ),
        "Failed" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]),
        ),
        _ => None,
    };

    let mut initializing = false;
    for (i, cs) in arr(status, &["initContainerStatuses"]).iter().enumerate() {
        let count = int(cs, &["restartCount"]);
        restarts += count;
        last_restart = later(last_restart, finished(cs));
        let sidecar = restartable(str_at(cs, &["name"]));
        if sidecar {
            sidecar_restarts += count;
            last_sidecar_restart = later(last_sidecar_restart, finished(cs));
        }
        let terminated = at(cs, &["state", "terminated"]).filter(|t| t.is_object());
        let waiting_reason = str_at(cs, &["state", "waiting", "reason"]);
        if terminated.is_some_and(|t| int(t, &["exitCode"]) == 0) {
            continue;
        }
        if sidecar && at(cs, &["started"]).and_then(Value::as_bool) == Some(true) {
            if at(cs, &["ready"]).and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        reason = if let Some(t) = terminated {
            match str_at(t, &["reason"]) {
                "" if int(t, &["signal"]) != 0 => format!("Init:Signal:{}", int(t, &["signal"])),
                "" => format!("Init:ExitCode:{}", int(t, &["exitCode"])),
                r => format!("Init:{r}"),
            }
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            format!("Init:{waiting_reason}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for cs in arr(status, &["containerStatuses"]).iter().rev() {
            restarts += int(cs, &["restartCount"]);
            last_restart = later(last_restart, finished(cs));
            let waiting = str_at(cs, &["state", "waiting", "reason"]);
            let terminated = at(cs, &["state", "terminated"]).filter(|t| t.is_object());
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(t) = terminated {
                reason = match str_at(t, &["reason"]) {
                    "" if int(t, &["signal"]) != 0 => format!("Signal:{}", int(t, &["signal"])),
                    "" => format!("ExitCode:{}", int(t, &["exitCode"])),
                    r => r.to_string(),
                };
            } else if at(cs, &["ready"]).and_then(Value::as_bool) == Some(true)
                && at(cs, &["state", "running"]).is_some_and(Value::is_object)
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    let deleting = at(o, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_null());
    if deleting && str_at(status, &["reason"]) == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let pod_ip = arr(status, &["podIPs"])
        .first()
        .map(|ip| str_at(ip, &["ip"]))
        .unwrap_or_else(|| str_at(status, &["podIP"]));
    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let gates = arr(spec, &["readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let passed = gates
            .iter()
            .filter(|g| {
                let wanted = str_at(g, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| str_at(c, &["type"]) == wanted)
                    .is_some_and(|c| str_at(c, &["status"]) == "True")
            })
            .count();
        format!("{passed}/{}", gates.len())
    };
    let cells = vec![
        json!(str_at(o, &["metadata", "name"])),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_text),
        json!(since(str_at(o, &["metadata", "creationTimestamp"]), now)),
        json!(or_none(pod_ip)),
        json!(or_none(str_at(spec, &["nodeName"]))),
        json!(or_none(str_at(status, &["nominatedNodeName"]))),
        json!(readiness_gates),
    ];
    (cells, row_conditions)
}

/// hasJobCondition: the first condition of the type decides.
fn job_condition(conditions: &[Value], condition_type: &str) -> bool {
    conditions
        .iter()
        .find(|c| str_at(c, &["type"]) == condition_type)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

fn job(o: &Value, name: Value, age: Value, now: i64) -> Vec<Value> {
    let succeeded = int(o, &["status", "succeeded"]);
    let completions = match at(o, &["spec", "completions"]).and_then(Value::as_i64) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match int(o, &["spec", "parallelism"]) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let time = |k: &str| {
        at(o, &["status", k])
            .and_then(Value::as_str)
            .and_then(unix_from_rfc3339)
    };
    let duration = match (time("startTime"), time("completionTime")) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now - start),
        (Some(start), Some(end)) => human_duration(end - start),
    };
    let conditions = arr(o, &["status", "conditions"]);
    let status = if job_condition(conditions, "Complete") {
        "Complete"
    } else if job_condition(conditions, "Failed") {
        "Failed"
    } else if at(o, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_null()) {
        "Terminating"
    } else if job_condition(conditions, "Suspended") {
        "Suspended"
    } else if job_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = containers(at(o, &["spec", "template", "spec", "containers"]));
    vec![
        name,
        json!(status),
        json!(completions),
        json!(duration),
        age,
        json!(names),
        json!(images),
        json!(format_label_selector(at(o, &["spec", "selector"]))),
    ]
}

/// loadBalancerStatusStringer in wide form: the sorted, distinct IPs (else hostnames).
fn load_balancer(ingress: &[Value]) -> String {
    let set: BTreeSet<&str> = ingress
        .iter()
        .filter_map(|i| {
            let ip = str_at(i, &["ip"]);
            let host = str_at(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

fn service(o: &Value, name: Value, age: Value) -> Vec<Value> {
    let spec = o.get("spec").unwrap_or(&Value::Null);
    let svc_type = str_at(spec, &["type"]);
    let cluster_ip = arr(spec, &["clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .or_else(|| {
            spec.get("clusterIP")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or("<none>");
    let external: Vec<&str> = arr(spec, &["externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let external_ip = match svc_type {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".into(),
        "LoadBalancer" => {
            let lb = load_balancer(arr(o, &["status", "loadBalancer", "ingress"]));
            if !external.is_empty() {
                let mut all: Vec<&str> = if lb.is_empty() {
                    Vec::new()
                } else {
                    lb.split(',').collect()
                };
                all.extend(external.iter().copied());
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".into()
            }
        }
        "ExternalName" => str_at(spec, &["externalName"]).to_string(),
        _ => "<unknown>".into(),
    };
    let ports: Vec<String> = arr(spec, &["ports"])
        .iter()
        .map(|p| {
            let (port, protocol) = (int(p, &["port"]), str_at(p, &["protocol"]));
            match int(p, &["nodePort"]) {
                n if n > 0 => format!("{port}:{n}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        name,
        json!(svc_type),
        json!(cluster_ip),
        json!(external_ip),
        json!(ports),
        age,
        json!(format_labels(spec.get("selector"))),
    ]
}

/// formatHosts: up to three hosts, `*` when no rule names one.
fn format_hosts(rules: &[Value]) -> String {
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == 3 {
            more = true;
        }
        let host = str_at(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".into();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - 3)
    } else {
        joined
    }
}

/// formatEndpoints: up to three `ip:port` pairs (bare IPs for port-less subsets).
fn format_endpoints(subsets: &[Value]) -> String {
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addresses = arr(ss, &["addresses"]);
        let ports = arr(ss, &["ports"]);
        if ports.is_empty() {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(str_at(a, &["ip"]).to_string());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(str_at(a, &["ip"]), int(port, &["port"])));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// net.JoinHostPort: IPv6 addresses get brackets.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn list_with_more(list: Vec<String>, more: bool, count: usize) -> String {
    let joined = list.join(",");
    if more {
        return format!("{joined} + {} more...", count.saturating_sub(3));
    }
    if joined.is_empty() {
        "<unset>".into()
    } else {
        joined
    }
}

fn discovery_ports(ports: &[Value]) -> String {
    let mut list = Vec::new();
    let mut more = false;
    for port in ports {
        if list.len() < 3 {
            let text = match (
                port.get("port").and_then(Value::as_i64),
                port.get("name").and_then(Value::as_str),
            ) {
                (Some(p), _) => p.to_string(),
                (None, Some(n)) => n.to_string(),
                (None, None) => "*".to_string(),
            };
            list.push(text);
        } else if list.len() == 3 {
            more = true;
        }
    }
    list_with_more(list, more, ports.len())
}

fn discovery_endpoints(endpoints: &[Value]) -> String {
    let mut list = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ep in endpoints {
        for address in arr(ep, &["addresses"]).iter().filter_map(Value::as_str) {
            if list.len() < 3 {
                list.push(address.to_string());
            } else if list.len() == 3 {
                more = true;
            }
            count += 1;
        }
    }
    list_with_more(list, more, count)
}

fn node(o: &Value, name: Value, age: Value) -> Vec<Value> {
    let conditions = arr(o, &["status", "conditions"]);
    // Only the Ready condition shows; the last of that type wins, as in a Go map.
    let ready = conditions
        .iter()
        .rev()
        .find(|c| str_at(c, &["type"]) == "Ready");
    let mut status = vec![match ready {
        Some(c) if str_at(c, &["status"]) == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    }];
    if at(o, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".into());
    }
    let mut roles = BTreeSet::new();
    if let Some(labels) = at(o, &["metadata", "labels"]).and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(role) = k
                .strip_prefix("node-role.kubernetes.io/")
                .filter(|r| !r.is_empty())
            {
                roles.insert(role.to_string());
            } else if k == "kubernetes.io/role" && v.as_str().is_some_and(|v| !v.is_empty()) {
                roles.insert(v.as_str().unwrap_or_default().to_string());
            }
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };
    let address = |t: &str| {
        arr(o, &["status", "addresses"])
            .iter()
            .find(|a| str_at(a, &["type"]) == t)
            .map(|a| str_at(a, &["address"]).to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = |k: &str| match str_at(o, &["status", "nodeInfo", k]) {
        "" => "<unknown>".to_string(),
        v => v.to_string(),
    };
    vec![
        name,
        json!(status.join(",")),
        json!(roles),
        age,
        json!(str_at(o, &["status", "nodeInfo", "kubeletVersion"])),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

/// printEvent; `events.k8s.io` events are read through their v1 field names the internal
/// conversion maps (regarding → involvedObject, note → message, deprecated* → the core ones).
fn event(o: &Value, now: i64, events_group: bool) -> Vec<Value> {
    let field = |core: &str, new: &str| {
        if events_group {
            new.to_string()
        } else {
            core.to_string()
        }
    };
    let text = |core: &str, new: &str| str_at(o, &[&field(core, new)]).to_string();
    let micro_since = |t: &str| since(t, now);
    let first = text("firstTimestamp", "deprecatedFirstTimestamp");
    let first_seen = if first.is_empty() {
        micro_since(str_at(o, &["eventTime"]))
    } else {
        since(&first, now)
    };
    let last = text("lastTimestamp", "deprecatedLastTimestamp");
    let mut last_seen = if last.is_empty() {
        first_seen.clone()
    } else {
        since(&last, now)
    };
    let mut count = int(o, &[&field("count", "deprecatedCount")]);
    if let Some(series) = o.get("series").filter(|s| s.is_object()) {
        last_seen = micro_since(str_at(series, &["lastObservedTime"]));
        count = int(series, &["count"]);
    } else if count == 0 {
        count = 1;
    }
    let involved = o
        .get(field("involvedObject", "regarding").as_str())
        .unwrap_or(&Value::Null);
    let kind = str_at(involved, &["kind"]).to_lowercase();
    let target = match str_at(involved, &["name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let source = o
        .get(field("source", "deprecatedSource").as_str())
        .unwrap_or(&Value::Null);
    let first_non_empty = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else {
            a.to_string()
        }
    };
    let component = first_non_empty(
        str_at(source, &["component"]),
        str_at(o, &["reportingController"]),
    );
    let host = first_non_empty(str_at(source, &["host"]), str_at(o, &["reportingInstance"]));
    let source_text = if host.is_empty() {
        component
    } else {
        format!("{component}, {host}")
    };
    vec![
        json!(last_seen),
        json!(str_at(o, &["type"])),
        json!(str_at(o, &["reason"])),
        json!(target),
        json!(str_at(involved, &["fieldPath"])),
        json!(source_text),
        json!(text("message", "note").trim()),
        json!(first_seen),
        json!(count),
        json!(str_at(o, &["metadata", "name"])),
    ]
}

/// helper.GetAccessModesAsString: the abbreviations in a fixed order.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v == m);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .into_iter()
    .filter(|(mode, _)| has(mode))
    .map(|(_, short)| short)
    .collect::<Vec<_>>()
    .join(",")
}

/// GetPersistentVolume(Claim)Class: the beta annotation wins over the field.
fn storage_class(o: &Value) -> String {
    let annotation = at(
        o,
        &[
            "metadata",
            "annotations",
            "volume.beta.kubernetes.io/storage-class",
        ],
    );
    annotation
        .and_then(Value::as_str)
        .unwrap_or_else(|| str_at(o, &["spec", "storageClassName"]))
        .to_string()
}

fn quantity(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "0".into(),
    }
}

fn persistent_volume(o: &Value, name: Value, age: Value) -> Vec<Value> {
    let claim = match at(o, &["spec", "claimRef"]).filter(|c| c.is_object()) {
        Some(c) => format!("{}/{}", str_at(c, &["namespace"]), str_at(c, &["name"])),
        None => String::new(),
    };
    let deleting = at(o, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_null());
    let phase = if deleting {
        "Terminating"
    } else {
        str_at(o, &["status", "phase"])
    };
    let or_unset = |k: &str| {
        at(o, &["spec", k])
            .and_then(Value::as_str)
            .unwrap_or("<unset>")
            .to_string()
    };
    vec![
        name,
        json!(quantity(at(o, &["spec", "capacity", "storage"]))),
        json!(access_modes(arr(o, &["spec", "accessModes"]))),
        json!(str_at(o, &["spec", "persistentVolumeReclaimPolicy"])),
        json!(phase),
        json!(claim),
        json!(storage_class(o)),
        json!(or_unset("volumeAttributesClassName")),
        json!(str_at(o, &["status", "reason"])),
        age,
        json!(or_unset("volumeMode")),
    ]
}

fn persistent_volume_claim(o: &Value, name: Value, age: Value) -> Vec<Value> {
    let deleting = at(o, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_null());
    let phase = if deleting {
        "Terminating"
    } else {
        str_at(o, &["status", "phase"])
    };
    let volume = str_at(o, &["spec", "volumeName"]);
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity(at(o, &["status", "capacity", "storage"])),
            access_modes(arr(o, &["status", "accessModes"])),
        )
    };
    let or_unset = |k: &str| {
        at(o, &["spec", k])
            .and_then(Value::as_str)
            .unwrap_or("<unset>")
            .to_string()
    };
    vec![
        name,
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(storage_class(o)),
        json!(or_unset("volumeAttributesClassName")),
        age,
        json!(or_unset("volumeMode")),
    ]
}

/// rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, `, `-joined.
fn subjects(list: &[Value]) -> (String, String, String) {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for s in list {
        let name = str_at(s, &["name"]).to_string();
        match str_at(s, &["kind"]) {
            "User" => users.push(name),
            "Group" => groups.push(name),
            "ServiceAccount" => sas.push(format!("{}/{name}", str_at(s, &["namespace"]))),
            _ => {}
        }
    }
    (users.join(", "), groups.join(", "), sas.join(", "))
}

/// printResourceQuota: `resource: used/hard` for each hard limit, sorted, split into the
/// request and `limits.*` columns.
fn resource_quota(o: &Value) -> (String, String) {
    let hard = at(o, &["status", "hard"]).and_then(Value::as_object);
    let mut names: Vec<&String> = hard.map(|h| h.keys().collect()).unwrap_or_default();
    names.sort();
    let (mut requests, mut limits) = (Vec::new(), Vec::new());
    for name in names {
        let used = quantity(at(o, &["status", "used", name]));
        let limit = quantity(hard.and_then(|h| h.get(name)));
        let text = format!("{name}: {used}/{limit}");
        if name.split('.').next() == Some("limits") && name.contains('.') {
            limits.push(text);
        } else {
            requests.push(text);
        }
    }
    (requests.join(", "), limits.join(", "))
}

/// formatHPAMetrics for autoscaling/v2 objects; autoscaling/v1 ones are read through the CPU
/// utilization fields their conversion turns into a Resource metric.
fn hpa_metrics(o: &Value) -> String {
    let mut specs: Vec<Value> = arr(o, &["spec", "metrics"]).to_vec();
    let mut statuses: Vec<Value> = arr(o, &["status", "currentMetrics"]).to_vec();
    if let Some(target) = at(o, &["spec", "targetCPUUtilizationPercentage"]).and_then(Value::as_i64)
    {
        specs = vec![
            json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}),
        ];
        if let Some(current) =
            at(o, &["status", "currentCPUUtilizationPercentage"]).and_then(Value::as_i64)
        {
            statuses = vec![
                json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}),
            ];
        }
    }
    if specs.is_empty() {
        return "<none>".into();
    }
    let unknown = || "<unknown>".to_string();
    let mut list = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let status = statuses.get(i);
        let q = |v: Option<&Value>| v.map(|v| quantity(Some(v)));
        let text = match str_at(spec, &["type"]) {
            kind @ ("External" | "Object") => {
                let key = if kind == "External" {
                    "external"
                } else {
                    "object"
                };
                let target = at(spec, &[key, "target"]).unwrap_or(&Value::Null);
                let current = status
                    .and_then(|s| s.get(key))
                    .and_then(|m| m.get("current"));
                if let Some(avg) = target.get("averageValue") {
                    let cur =
                        q(current.and_then(|c| c.get("averageValue"))).unwrap_or_else(unknown);
                    format!("{cur}/{} (avg)", quantity(Some(avg)))
                } else {
                    let cur = current
                        .map(|c| quantity(c.get("value")))
                        .unwrap_or_else(unknown);
                    format!("{cur}/{}", quantity(target.get("value")))
                }
            }
            "Pods" => {
                let cur = status
                    .and_then(|s| s.get("pods"))
                    .map(|p| quantity(at(p, &["current", "averageValue"])))
                    .unwrap_or_else(unknown);
                format!(
                    "{cur}/{}",
                    quantity(at(spec, &["pods", "target", "averageValue"]))
                )
            }
            kind @ ("Resource" | "ContainerResource") => {
                let key = if kind == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let metric = spec.get(key).unwrap_or(&Value::Null);
                let current = status.and_then(|s| s.get(key));
                let target = metric.get("target").unwrap_or(&Value::Null);
                let name = str_at(metric, &["name"]);
                if let Some(avg) = target.get("averageValue") {
                    let cur = current
                        .map(|c| quantity(at(c, &["current", "averageValue"])))
                        .unwrap_or_else(unknown);
                    format!("{name}: {cur}/{}", quantity(Some(avg)))
                } else {
                    let cur = current
                        .and_then(|c| at(c, &["current", "averageUtilization"]))
                        .and_then(Value::as_i64)
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(unknown);
                    let target = target
                        .get("averageUtilization")
                        .and_then(Value::as_i64)
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<auto>".into());
                    format!("{name}: {cur}/{target}")
                }
            }
            _ => "<unknown type>".into(),
        };
        list.push(text);
    }
    let count = list.len();
    if count > 2 {
        list.truncate(2);
        return format!("{} + {} more...", list.join(", "), count - 2);
    }
    list.join(", ")
}
