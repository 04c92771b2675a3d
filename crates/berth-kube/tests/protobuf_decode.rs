//! Objects encoded with the prost types of `k8s-pb` (as Go's client encodes them: non-pointer
//! fields always present, zero or not), decoded and compared with the JSON the Kubernetes API
//! conventions give for the same object, written out by hand.

use std::collections::BTreeMap;

use berth_kube::{GroupVersionKind, ProtobufError, decode_kubernetes_protobuf, protobuf_decodable};
use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::batch::v1 as batch;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::events::v1 as events;
use k8s_pb::apiextensions_apiserver::pkg::apis::apiextensions::v1 as ext;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{RawExtension, TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use k8s_pb::metrics::pkg::apis::metrics::v1beta1 as metrics;
use prost::Message;
use serde_json::json;

/// 2026-11-26T11:00:00Z.
const T0: i64 = 1_795_690_800;

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

fn map<V>(entries: &[(&str, V)]) -> BTreeMap<String, V>
where
    V: Clone,
{
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn time(seconds: i64, nanos: i32) -> Option<meta::Time> {
    Some(meta::Time {
        seconds: Some(seconds),
        nanos: Some(nanos),
    })
}

/// The envelope Go's protobuf serializer writes: `k8s\0` + runtime.Unknown.
fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s(api_version),
            kind: s(kind),
        }),
        raw: Some(raw),
        content_encoding: s(""),
        content_type: s(""),
    };
    let mut out = b"k8s\0".to_vec();
    out.extend(unknown.encode_to_vec());
    out
}

fn decode(api_version: &str, kind: &str, message: &impl Message) -> serde_json::Value {
    decode_kubernetes_protobuf(&envelope(api_version, kind, message.encode_to_vec()))
        .expect("decodes")
}

/// ObjectMeta as Go writes it for a new object: every non-pointer field present, the zero
/// creationTimestamp as an empty message.
fn go_meta(name: &str, namespace: &str) -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: s(name),
        generate_name: s(""),
        namespace: s(namespace),
        self_link: s(""),
        uid: s(""),
        resource_version: s(""),
        generation: Some(0),
        creation_timestamp: Some(meta::Time::default()),
        ..Default::default()
    }
}

fn quantity(text: &str) -> Quantity {
    Quantity { string: s(text) }
}

fn int(value: i32) -> Option<IntOrString> {
    Some(IntOrString {
        r#type: Some(0),
        int_val: Some(value),
        str_val: s(""),
    })
}

fn string(value: &str) -> Option<IntOrString> {
    Some(IntOrString {
        r#type: Some(1),
        int_val: Some(0),
        str_val: s(value),
    })
}

#[test]
fn protobuf_config_map_with_binary_data() {
    let cm = core::ConfigMap {
        metadata: Some(meta::ObjectMeta {
            labels: map(&[("app", "web".to_string())]),
            ..go_meta("settings", "default")
        }),
        immutable: Some(false),
        data: map(&[("a", "b".to_string()), ("empty", String::new())]),
        binary_data: map(&[("bin", vec![0u8, 1, 2, 255])]),
    };
    assert_eq!(
        decode("v1", "ConfigMap", &cm),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "settings",
                "namespace": "default",
                "creationTimestamp": null,
                "labels": {"app": "web"}
            },
            "immutable": false,
            "data": {"a": "b", "empty": ""},
            "binaryData": {"bin": "AAEC/w=="}
        })
    );
}

#[test]
fn protobuf_helm_release_secret() {
    let secret = core::Secret {
        metadata: Some(meta::ObjectMeta {
            labels: map(&[
                ("owner", "helm".to_string()),
                ("name", "web".to_string()),
                ("status", "deployed".to_string()),
                ("version", "1".to_string()),
            ]),
            ..go_meta("sh.helm.release.v1.web.v1", "apps")
        }),
        immutable: None,
        data: map(&[("release", vec![0x1f, 0x8b, 0x08, 0x00])]),
        string_data: BTreeMap::new(),
        r#type: s("helm.sh/release.v1"),
    };
    assert_eq!(
        decode("v1", "Secret", &secret),
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "sh.helm.release.v1.web.v1",
                "namespace": "apps",
                "creationTimestamp": null,
                "labels": {"owner": "helm", "name": "web", "status": "deployed", "version": "1"}
            },
            "data": {"release": "H4sIAA=="},
            "type": "helm.sh/release.v1"
        })
    );
}

#[test]
fn protobuf_namespace() {
    let ns = core::Namespace {
        metadata: Some(go_meta("team-a", "")),
        spec: Some(core::NamespaceSpec {
            finalizers: vec!["kubernetes".into()],
        }),
        status: Some(core::NamespaceStatus {
            phase: s(""),
            conditions: vec![],
        }),
    };
    assert_eq!(
        decode("v1", "Namespace", &ns),
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "creationTimestamp": null},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {}
        })
    );
}

fn web_container() -> core::Container {
    core::Container {
        name: s("web"),
        image: s("nginx:1.27"),
        working_dir: s(""),
        ports: vec![core::ContainerPort {
            name: s("http"),
            host_port: Some(0),
            container_port: Some(8080),
            protocol: s("TCP"),
            host_ip: s(""),
        }],
        resources: Some(core::ResourceRequirements {
            limits: map(&[("cpu", quantity("500m")), ("memory", quantity("128Mi"))]),
            requests: map(&[("cpu", quantity("250m"))]),
            claims: vec![],
        }),
        readiness_probe: Some(core::Probe {
            handler: Some(core::ProbeHandler {
                http_get: Some(core::HttpGetAction {
                    path: s("/healthz"),
                    port: int(8080),
                    host: s(""),
                    scheme: s("HTTP"),
                    http_headers: vec![],
                }),
                ..Default::default()
            }),
            initial_delay_seconds: Some(0),
            timeout_seconds: Some(1),
            period_seconds: Some(10),
            success_threshold: Some(1),
            failure_threshold: Some(3),
            termination_grace_period_seconds: None,
        }),
        liveness_probe: Some(core::Probe {
            handler: Some(core::ProbeHandler {
                tcp_socket: Some(core::TcpSocketAction {
                    port: string("http"),
                    host: s(""),
                }),
                ..Default::default()
            }),
            initial_delay_seconds: Some(5),
            timeout_seconds: Some(0),
            period_seconds: Some(0),
            success_threshold: Some(0),
            failure_threshold: Some(0),
            termination_grace_period_seconds: None,
        }),
        termination_message_path: s(""),
        image_pull_policy: s("IfNotPresent"),
        stdin: Some(false),
        stdin_once: Some(false),
        tty: Some(false),
        termination_message_policy: s(""),
        ..Default::default()
    }
}

#[test]
fn protobuf_deployment_with_quantities_probes_and_int_or_string() {
    let deployment = apps::Deployment {
        metadata: Some(go_meta("web", "apps")),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(3),
            selector: Some(meta::LabelSelector {
                match_labels: map(&[("app", "web".to_string())]),
                match_expressions: vec![],
            }),
            template: Some(core::PodTemplateSpec {
                metadata: Some(meta::ObjectMeta {
                    labels: map(&[("app", "web".to_string())]),
                    ..go_meta("", "")
                }),
                spec: Some(core::PodSpec {
                    containers: vec![web_container()],
                    restart_policy: s("Always"),
                    termination_grace_period_seconds: Some(0),
                    dns_policy: s("ClusterFirst"),
                    service_account_name: s(""),
                    automount_service_account_token: Some(false),
                    node_name: s(""),
                    host_network: Some(false),
                    host_pid: Some(false),
                    host_ipc: Some(false),
                    security_context: Some(core::PodSecurityContext {
                        run_as_user: Some(0),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            }),
            strategy: Some(apps::DeploymentStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_unavailable: int(0),
                    max_surge: string("25%"),
                }),
            }),
            min_ready_seconds: Some(0),
            revision_history_limit: Some(0),
            paused: Some(false),
            progress_deadline_seconds: Some(600),
        }),
        status: Some(apps::DeploymentStatus {
            observed_generation: Some(0),
            replicas: Some(0),
            updated_replicas: Some(0),
            ready_replicas: Some(0),
            available_replicas: Some(0),
            unavailable_replicas: Some(0),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode("apps/v1", "Deployment", &deployment),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "apps", "creationTimestamp": null},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                    "spec": {
                        "containers": [{
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            "resources": {
                                "limits": {"cpu": "500m", "memory": "128Mi"},
                                "requests": {"cpu": "250m"}
                            },
                            "readinessProbe": {
                                "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                                "timeoutSeconds": 1,
                                "periodSeconds": 10,
                                "successThreshold": 1,
                                "failureThreshold": 3
                            },
                            "livenessProbe": {
                                "tcpSocket": {"port": "http"},
                                "initialDelaySeconds": 5
                            },
                            "imagePullPolicy": "IfNotPresent"
                        }],
                        "restartPolicy": "Always",
                        "terminationGracePeriodSeconds": 0,
                        "dnsPolicy": "ClusterFirst",
                        "automountServiceAccountToken": false,
                        "securityContext": {"runAsUser": 0}
                    }
                },
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}
                },
                "revisionHistoryLimit": 0,
                "progressDeadlineSeconds": 600
            },
            "status": {}
        })
    );
}

#[test]
fn protobuf_service_with_cluster_ip_and_target_ports() {
    let service = core::Service {
        metadata: Some(go_meta("web", "apps")),
        spec: Some(core::ServiceSpec {
            ports: vec![
                core::ServicePort {
                    name: s("http"),
                    protocol: s("TCP"),
                    port: Some(80),
                    target_port: int(8080),
                    node_port: Some(0),
                    app_protocol: None,
                },
                core::ServicePort {
                    name: s("metrics"),
                    protocol: s("TCP"),
                    port: Some(9090),
                    target_port: string("metrics"),
                    node_port: Some(0),
                    app_protocol: s(""),
                },
            ],
            selector: map(&[("app", "web".to_string())]),
            cluster_ip: s("10.96.0.10"),
            cluster_ips: vec!["10.96.0.10".into()],
            r#type: s("ClusterIP"),
            session_affinity: s("None"),
            load_balancer_ip: s(""),
            external_name: s(""),
            external_traffic_policy: s(""),
            health_check_node_port: Some(0),
            publish_not_ready_addresses: Some(false),
            ip_family_policy: s("SingleStack"),
            ..Default::default()
        }),
        status: Some(core::ServiceStatus {
            load_balancer: Some(core::LoadBalancerStatus { ingress: vec![] }),
            conditions: vec![],
        }),
    };
    assert_eq!(
        decode("v1", "Service", &service),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "apps", "creationTimestamp": null},
            "spec": {
                "ports": [
                    {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                    // appProtocol is a *string: present-and-empty stays.
                    {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": "metrics", "appProtocol": ""}
                ],
                "selector": {"app": "web"},
                "clusterIP": "10.96.0.10",
                "clusterIPs": ["10.96.0.10"],
                "type": "ClusterIP",
                "sessionAffinity": "None",
                "ipFamilyPolicy": "SingleStack"
            },
            "status": {"loadBalancer": {}}
        })
    );
}

#[test]
fn protobuf_job_keeps_explicit_zero_pointers() {
    let job = batch::Job {
        metadata: Some(go_meta("migrate", "apps")),
        spec: Some(batch::JobSpec {
            parallelism: Some(1),
            completions: Some(1),
            backoff_limit: Some(0),
            ttl_seconds_after_finished: Some(100),
            suspend: Some(false),
            template: Some(core::PodTemplateSpec {
                metadata: Some(go_meta("", "")),
                spec: Some(core::PodSpec {
                    containers: vec![core::Container {
                        name: s("migrate"),
                        image: s("busybox"),
                        command: vec!["sh".into(), "-c".into()],
                        args: vec!["echo done".into()],
                        resources: Some(core::ResourceRequirements::default()),
                        ..Default::default()
                    }],
                    restart_policy: s("Never"),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }),
        status: Some(batch::JobStatus {
            active: Some(0),
            succeeded: Some(0),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode("batch/v1", "Job", &job),
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "namespace": "apps", "creationTimestamp": null},
            "spec": {
                "parallelism": 1,
                "completions": 1,
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 100,
                "suspend": false,
                "template": {
                    "metadata": {"creationTimestamp": null},
                    "spec": {
                        "containers": [{
                            "name": "migrate",
                            "image": "busybox",
                            "command": ["sh", "-c"],
                            "args": ["echo done"],
                            "resources": {}
                        }],
                        "restartPolicy": "Never"
                    }
                }
            },
            "status": {}
        })
    );
}

#[test]
fn protobuf_pod_with_timestamps_owner_references_and_managed_fields() {
    let pod = core::Pod {
        metadata: Some(meta::ObjectMeta {
            uid: s("6a1c1f6e-2c39-4a8e-9d55-1d0a4b8f7e21"),
            resource_version: s("42"),
            generation: Some(1),
            creation_timestamp: time(T0, 0),
            // Sub-second parts are not part of metav1.Time's JSON.
            deletion_timestamp: time(T0 + 90, 500_000_000),
            deletion_grace_period_seconds: Some(0),
            owner_references: vec![meta::OwnerReference {
                api_version: s("apps/v1"),
                kind: s("ReplicaSet"),
                name: s("web-5d8f"),
                uid: s("11111111-2222-3333-4444-555555555555"),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            finalizers: vec!["example.com/hold".into()],
            managed_fields: vec![meta::ManagedFieldsEntry {
                manager: s("kubectl-create"),
                operation: s("Update"),
                api_version: s("v1"),
                time: time(T0, 0),
                fields_type: s("FieldsV1"),
                fields_v1: Some(meta::FieldsV1 {
                    raw: Some(br#"{"f:metadata":{"f:labels":{".":{}}}}"#.to_vec()),
                }),
                subresource: s(""),
            }],
            ..go_meta("web-5d8f-abcde", "apps")
        }),
        spec: Some(core::PodSpec {
            containers: vec![core::Container {
                name: s("web"),
                image: s("nginx"),
                ..Default::default()
            }],
            node_name: s("node-1"),
            ..Default::default()
        }),
        status: Some(core::PodStatus {
            phase: s("Running"),
            conditions: vec![core::PodCondition {
                r#type: s("Ready"),
                status: s("True"),
                last_probe_time: Some(meta::Time::default()),
                last_transition_time: time(T0 + 5, 0),
                reason: s(""),
                message: s(""),
                observed_generation: Some(0),
            }],
            host_ip: s("10.0.0.5"),
            pod_ip: s("10.244.0.7"),
            start_time: time(T0 + 1, 0),
            container_statuses: vec![core::ContainerStatus {
                name: s("web"),
                state: Some(core::ContainerState {
                    running: Some(core::ContainerStateRunning {
                        started_at: time(T0 + 3, 0),
                    }),
                    ..Default::default()
                }),
                last_state: Some(core::ContainerState::default()),
                ready: Some(true),
                restart_count: Some(0),
                image: s("docker.io/library/nginx:latest"),
                image_id: s(""),
                container_id: s(""),
                started: Some(true),
                ..Default::default()
            }],
            qos_class: s("BestEffort"),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode("v1", "Pod", &pod),
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-5d8f-abcde",
                "namespace": "apps",
                "uid": "6a1c1f6e-2c39-4a8e-9d55-1d0a4b8f7e21",
                "resourceVersion": "42",
                "generation": 1,
                "creationTimestamp": "2026-11-26T11:00:00Z",
                "deletionTimestamp": "2026-11-26T11:01:30Z",
                "deletionGracePeriodSeconds": 0,
                "ownerReferences": [{
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-5d8f",
                    "uid": "11111111-2222-3333-4444-555555555555",
                    "controller": true,
                    "blockOwnerDeletion": true
                }],
                "finalizers": ["example.com/hold"],
                "managedFields": [{
                    "manager": "kubectl-create",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-11-26T11:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}
                }]
            },
            "spec": {
                "containers": [{"name": "web", "image": "nginx"}],
                "nodeName": "node-1"
            },
            "status": {
                "phase": "Running",
                "conditions": [{
                    "type": "Ready",
                    "status": "True",
                    "lastProbeTime": null,
                    "lastTransitionTime": "2026-11-26T11:00:05Z"
                }],
                "hostIP": "10.0.0.5",
                "podIP": "10.244.0.7",
                "startTime": "2026-11-26T11:00:01Z",
                "containerStatuses": [{
                    "name": "web",
                    "state": {"running": {"startedAt": "2026-11-26T11:00:03Z"}},
                    "lastState": {},
                    "ready": true,
                    "restartCount": 0,
                    "image": "docker.io/library/nginx:latest",
                    "imageID": "",
                    "started": true
                }],
                "qosClass": "BestEffort"
            }
        })
    );
}

#[test]
fn protobuf_event_with_micro_time() {
    let event = events::Event {
        metadata: Some(go_meta("web.1", "apps")),
        event_time: Some(meta::MicroTime {
            seconds: Some(T0),
            nanos: Some(123_456_789),
        }),
        series: Some(events::EventSeries {
            count: Some(2),
            last_observed_time: Some(meta::MicroTime {
                seconds: Some(T0 + 5),
                nanos: Some(0),
            }),
        }),
        reporting_controller: s("berth.dev/sandbox"),
        reporting_instance: s("sandbox-1"),
        action: s("Scheduled"),
        reason: s("Scheduled"),
        regarding: Some(core::ObjectReference {
            kind: s("Pod"),
            namespace: s("apps"),
            name: s("web"),
            ..Default::default()
        }),
        note: s("assigned"),
        r#type: s("Normal"),
        deprecated_count: Some(0),
        deprecated_first_timestamp: Some(meta::Time::default()),
        ..Default::default()
    };
    assert_eq!(
        decode("events.k8s.io/v1", "Event", &event),
        json!({
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": "web.1", "namespace": "apps", "creationTimestamp": null},
            "eventTime": "2026-11-26T11:00:00.123456Z",
            "series": {"count": 2, "lastObservedTime": "2026-11-26T11:00:05.000000Z"},
            "reportingController": "berth.dev/sandbox",
            "reportingInstance": "sandbox-1",
            "action": "Scheduled",
            "reason": "Scheduled",
            "regarding": {"kind": "Pod", "namespace": "apps", "name": "web"},
            "note": "assigned",
            "type": "Normal",
            "deprecatedFirstTimestamp": null
        })
    );
}

#[test]
fn protobuf_node_metrics_with_duration() {
    let m = metrics::NodeMetrics {
        metadata: Some(go_meta("node-1", "")),
        timestamp: time(T0, 0),
        window: Some(meta::Duration {
            duration: Some(90_000_000_000),
        }),
        usage: map(&[("cpu", quantity("250m")), ("memory", Quantity::default())]),
    };
    assert_eq!(
        decode("metrics.k8s.io/v1beta1", "NodeMetrics", &m),
        json!({
            "apiVersion": "metrics.k8s.io/v1beta1",
            "kind": "NodeMetrics",
            "metadata": {"name": "node-1", "creationTimestamp": null},
            "timestamp": "2026-11-26T11:00:00Z",
            "window": "1m30s",
            "usage": {"cpu": "250m", "memory": "0"}
        })
    );
}

fn props(ty: &str) -> ext::JsonSchemaProps {
    ext::JsonSchemaProps {
        r#type: s(ty),
        ..Default::default()
    }
}

fn raw_json(text: &str) -> ext::Json {
    ext::Json {
        raw: Some(text.as_bytes().to_vec()),
    }
}

#[test]
fn protobuf_crd_with_json_schema_props() {
    let replicas = ext::JsonSchemaProps {
        minimum: Some(0.0),
        maximum: Some(10.0),
        multiple_of: Some(0.5),
        default: Some(raw_json("1")),
        exclusive_maximum: Some(false),
        ..props("integer")
    };
    let spec_schema = ext::JsonSchemaProps {
        properties: map(&[
            ("replicas", replicas),
            (
                "mode",
                ext::JsonSchemaProps {
                    r#enum: vec![raw_json("\"fast\""), raw_json("\"safe\"")],
                    ..props("string")
                },
            ),
            (
                "tags",
                ext::JsonSchemaProps {
                    items: Some(Box::new(ext::JsonSchemaPropsOrArray {
                        schema: Some(Box::new(props("string"))),
                        j_son_schemas: vec![],
                    })),
                    x_kubernetes_list_type: s("set"),
                    ..props("array")
                },
            ),
            (
                "labels",
                ext::JsonSchemaProps {
                    additional_properties: Some(Box::new(ext::JsonSchemaPropsOrBool {
                        allows: Some(true),
                        schema: Some(Box::new(props("string"))),
                    })),
                    ..props("object")
                },
            ),
            (
                "closed",
                ext::JsonSchemaProps {
                    additional_properties: Some(Box::new(ext::JsonSchemaPropsOrBool {
                        allows: Some(false),
                        schema: None,
                    })),
                    ..props("object")
                },
            ),
        ]),
        required: vec!["replicas".into()],
        ..props("object")
    };
    let root = ext::JsonSchemaProps {
        properties: map(&[
            ("spec", spec_schema),
            (
                "status",
                ext::JsonSchemaProps {
                    x_kubernetes_preserve_unknown_fields: Some(true),
                    ..props("object")
                },
            ),
        ]),
        ..props("object")
    };
    let crd = ext::CustomResourceDefinition {
        metadata: Some(go_meta("widgets.example.com", "")),
        spec: Some(ext::CustomResourceDefinitionSpec {
            group: s("example.com"),
            names: Some(ext::CustomResourceDefinitionNames {
                plural: s("widgets"),
                singular: s("widget"),
                short_names: vec!["wd".into()],
                kind: s("Widget"),
                list_kind: s("WidgetList"),
                categories: vec![],
            }),
            scope: s("Namespaced"),
            versions: vec![ext::CustomResourceDefinitionVersion {
                name: s("v1"),
                served: Some(true),
                storage: Some(true),
                deprecated: Some(false),
                schema: Some(ext::CustomResourceValidation {
                    open_apiv3_schema: Some(root),
                }),
                subresources: Some(ext::CustomResourceSubresources {
                    status: Some(ext::CustomResourceSubresourceStatus {}),
                    scale: None,
                }),
                additional_printer_columns: vec![ext::CustomResourceColumnDefinition {
                    name: s("Replicas"),
                    r#type: s("integer"),
                    format: s(""),
                    description: s(""),
                    priority: Some(0),
                    json_path: s(".spec.replicas"),
                }],
                ..Default::default()
            }],
            conversion: Some(ext::CustomResourceConversion {
                strategy: s("None"),
                webhook: None,
            }),
            preserve_unknown_fields: Some(false),
        }),
        status: None,
    };
    assert_eq!(
        decode("apiextensions.k8s.io/v1", "CustomResourceDefinition", &crd),
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com", "creationTimestamp": null},
            "spec": {
                "group": "example.com",
                "names": {
                    "plural": "widgets",
                    "singular": "widget",
                    "shortNames": ["wd"],
                    "kind": "Widget",
                    "listKind": "WidgetList"
                },
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1",
                    "served": true,
                    "storage": true,
                    "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["replicas"],
                                "properties": {
                                    "replicas": {
                                        "type": "integer",
                                        "minimum": 0,
                                        "maximum": 10,
                                        "multipleOf": 0.5,
                                        "default": 1
                                    },
                                    "mode": {"type": "string", "enum": ["fast", "safe"]},
                                    "tags": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                        "x-kubernetes-list-type": "set"
                                    },
                                    "labels": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"}
                                    },
                                    "closed": {"type": "object", "additionalProperties": false}
                                }
                            },
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": true
                            }
                        }
                    }},
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}
                    ]
                }],
                "conversion": {"strategy": "None"}
            }
        })
    );
}

#[test]
fn protobuf_controller_revision_embeds_raw_json_and_protobuf() {
    let inner = envelope(
        "v1",
        "ConfigMap",
        core::ConfigMap {
            metadata: Some(go_meta("inner", "")),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    for (raw, expected) in [
        (
            br#"{"spec":{"replicas":2}}"#.to_vec(),
            json!({"spec": {"replicas": 2}}),
        ),
        (
            inner,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inner", "creationTimestamp": null}}),
        ),
    ] {
        let revision = apps::ControllerRevision {
            metadata: Some(go_meta("web-1", "apps")),
            data: Some(RawExtension { raw: Some(raw) }),
            revision: Some(1),
        };
        assert_eq!(
            decode("apps/v1", "ControllerRevision", &revision)["data"],
            expected
        );
    }
}

#[test]
fn protobuf_unknown_fields_are_skipped() {
    let cm = core::ConfigMap {
        metadata: Some(go_meta("x", "")),
        ..Default::default()
    };
    let mut raw = cm.encode_to_vec();
    // field 99 varint 1, field 100 bytes "hi", field 101 fixed64, field 102 fixed32
    raw.extend([0x98, 0x06, 0x01, 0xa2, 0x06, 0x02, b'h', b'i']);
    raw.extend([0xa9, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0xb5, 0x06, 1, 2, 3, 4]);
    let decoded = decode_kubernetes_protobuf(&envelope("v1", "ConfigMap", raw)).expect("decodes");
    assert_eq!(
        decoded,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "creationTimestamp": null}})
    );
}

#[test]
fn protobuf_errors_are_typed() {
    assert_eq!(
        decode_kubernetes_protobuf(br#"{"kind":"ConfigMap"}"#),
        Err(ProtobufError::NotProtobuf)
    );
    let widget = envelope("example.com/v1", "Widget", vec![]);
    assert!(matches!(
        decode_kubernetes_protobuf(&widget),
        Err(ProtobufError::UnknownKind { .. })
    ));
    let no_meta = envelope("", "", vec![]);
    assert_eq!(
        decode_kubernetes_protobuf(&no_meta),
        Err(ProtobufError::MissingTypeMeta)
    );
    let cm = envelope(
        "v1",
        "ConfigMap",
        core::ConfigMap::default().encode_to_vec(),
    );
    assert!(decode_kubernetes_protobuf(&cm[..cm.len() - 1]).is_err() || cm.len() < 20);
    // name (field 1 of ObjectMeta) as a varint instead of a string
    let bad = envelope("v1", "ConfigMap", vec![0x0a, 0x02, 0x08, 0x01]);
    assert!(matches!(
        decode_kubernetes_protobuf(&bad),
        Err(ProtobufError::WrongWireType { .. })
    ));
    let bad_json = apps::ControllerRevision {
        data: Some(RawExtension {
            raw: Some(b"{not json".to_vec()),
        }),
        ..Default::default()
    };
    let bad_json = envelope("apps/v1", "ControllerRevision", bad_json.encode_to_vec());
    assert!(matches!(
        decode_kubernetes_protobuf(&bad_json),
        Err(ProtobufError::InvalidJson(_))
    ));
}

#[test]
fn protobuf_decodable_gvks() {
    let gvk = |g: &str, v: &str, k: &str| GroupVersionKind::new(g, v, k);
    assert!(protobuf_decodable(&gvk("", "v1", "ConfigMap")));
    assert!(protobuf_decodable(&gvk("", "v1", "Secret")));
    assert!(protobuf_decodable(&gvk("apps", "v1", "Deployment")));
    assert!(protobuf_decodable(&gvk(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding"
    )));
    assert!(protobuf_decodable(&gvk(
        "networking.k8s.io",
        "v1",
        "Ingress"
    )));
    assert!(protobuf_decodable(&gvk(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition"
    )));
    assert!(protobuf_decodable(&gvk(
        "apiregistration.k8s.io",
        "v1",
        "APIService"
    )));
    assert!(protobuf_decodable(&gvk("policy", "v1", "Eviction")));
    assert!(protobuf_decodable(&gvk("", "v1", "DeleteOptions")));
    assert!(!protobuf_decodable(&gvk("example.com", "v1", "Widget")));
    assert!(!protobuf_decodable(&gvk("apps", "v9", "Deployment")));
}

/// Helm 4.3's release records (`helm-sdkpy` 0.1.32 installing a one-ConfigMap chart against a
/// local mock): the Secret POSTed as `pending-install`, then PUT as `deployed`. The expectation
/// is built from prost's own decoding of the same bytes, with Go's JSON rules applied by hand.
#[test]
fn protobuf_helm_release_secret_bodies() {
    use base64::Engine as _;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/protobuf/");
    for (name, status) in [
        ("helm-install-release-create", "pending-install"),
        ("helm-install-release-update", "deployed"),
    ] {
        let body = std::fs::read(format!("{dir}{name}.pb")).expect("fixture");
        let unknown = Unknown::decode(&body[4..]).expect("prost decodes the envelope");
        let secret = core::Secret::decode(unknown.raw.as_deref().unwrap_or_default())
            .expect("prost decodes the Secret");
        let meta = secret.metadata.clone().unwrap_or_default();
        // Go wrote every non-pointer field; the empty ones must not reach the JSON.
        assert_eq!(meta.namespace.as_deref(), Some(""));
        assert_eq!(meta.uid.as_deref(), Some(""));
        assert_eq!(meta.generation, Some(0));
        assert_eq!(meta.labels.get("owner").map(String::as_str), Some("helm"));
        assert_eq!(meta.labels.get("status").map(String::as_str), Some(status));
        assert_eq!(secret.immutable, None);
        let data: serde_json::Map<String, serde_json::Value> = secret
            .data
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    base64::engine::general_purpose::STANDARD.encode(v).into(),
                )
            })
            .collect();
        assert_eq!(data.len(), 1);
        let expected = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": meta.name,
                "creationTimestamp": null,
                "labels": meta.labels,
            },
            "data": data,
            "type": "helm.sh/release.v1"
        });
        assert_eq!(
            decode_kubernetes_protobuf(&body).expect("decodes"),
            expected,
            "{name}"
        );
    }
}

#[test]
fn protobuf_subject_access_review_extra_is_a_map_of_lists() {
    use k8s_pb::api::authorization::v1 as authz;
    let review = authz::SubjectAccessReview {
        metadata: Some(go_meta("", "")),
        spec: Some(authz::SubjectAccessReviewSpec {
            resource_attributes: Some(authz::ResourceAttributes {
                verb: s("get"),
                resource: s("pods"),
                namespace: s(""),
                ..Default::default()
            }),
            user: s("alice"),
            groups: vec!["devs".into()],
            extra: map(&[
                (
                    "scopes",
                    authz::ExtraValue {
                        items: vec!["a".into(), "b".into()],
                    },
                ),
                ("empty", authz::ExtraValue { items: vec![] }),
            ]),
            uid: s(""),
            ..Default::default()
        }),
        status: Some(authz::SubjectAccessReviewStatus {
            allowed: Some(false),
            denied: Some(false),
            reason: s(""),
            evaluation_error: s(""),
        }),
    };
    assert_eq!(
        decode("authorization.k8s.io/v1", "SubjectAccessReview", &review),
        json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "metadata": {"creationTimestamp": null},
            "spec": {
                "resourceAttributes": {"verb": "get", "resource": "pods"},
                "user": "alice",
                "groups": ["devs"],
                "extra": {"scopes": ["a", "b"], "empty": []}
            },
            "status": {"allowed": false}
        })
    );
}
