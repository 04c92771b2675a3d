//! A small hand-written table of the built-in kinds' list and map types, for the paths that
//! matter most (pod templates, Service ports, ObjectMeta, conditions). A table generated from
//! the OpenAPI merge strategies replaces it behind the same [`TypeInfo`] trait.
//!
//! Paths the table does not name are struct-like: objects granular with declared fields,
//! lists atomic (SMD's default for lists without a type).

use serde_json::{Value, json};

use super::types::{ListKey, ListShape, NodeType, Shape, Step, TypeInfo};

/// The rule of one path.
#[derive(Clone, Copy)]
enum Rule {
    /// A `map` list by these keys.
    Keys(&'static [&'static str]),
    /// A `map` list by these keys, with `protocol` defaulting to `TCP`.
    KeysTcp(&'static [&'static str]),
    Set,
    Atomic,
    AtomicMap,
}

/// `$c` stands for each container list.
const POD_SPEC: &[(&[&str], Rule)] = &[
    (&["containers"], Rule::Keys(&["name"])),
    (&["initContainers"], Rule::Keys(&["name"])),
    (&["ephemeralContainers"], Rule::Keys(&["name"])),
    (
        &["$c", "[]", "ports"],
        Rule::KeysTcp(&["containerPort", "protocol"]),
    ),
    (&["$c", "[]", "env"], Rule::Keys(&["name"])),
    (&["$c", "[]", "volumeMounts"], Rule::Keys(&["mountPath"])),
    (&["$c", "[]", "volumeDevices"], Rule::Keys(&["devicePath"])),
    (&["$c", "[]", "resizePolicy"], Rule::Atomic),
    (&["$c", "[]", "args"], Rule::Atomic),
    (&["$c", "[]", "command"], Rule::Atomic),
    (&["$c", "[]", "envFrom"], Rule::Atomic),
    (&["volumes"], Rule::Keys(&["name"])),
    (&["imagePullSecrets"], Rule::Keys(&["name"])),
    (&["tolerations"], Rule::Atomic),
    (&["hostAliases"], Rule::Keys(&["ip"])),
    (
        &["topologySpreadConstraints"],
        Rule::Keys(&["topologyKey", "whenUnsatisfiable"]),
    ),
    (
        &["topologySpreadConstraints", "[]", "labelSelector"],
        Rule::AtomicMap,
    ),
    (&["readinessGates"], Rule::Atomic),
    (&["schedulingGates"], Rule::Keys(&["name"])),
    (&["resourceClaims"], Rule::Keys(&["name"])),
];

const OBJECT_META: &[(&[&str], Rule)] = &[
    (&["ownerReferences"], Rule::Keys(&["uid"])),
    (&["finalizers"], Rule::Set),
    (&["managedFields"], Rule::Atomic),
];

/// Rules from the root of every kind.
const ANY_KIND: &[(&[&str], Rule)] = &[(&["status", "conditions"], Rule::Keys(&["type"]))];

const SERVICE: &[(&[&str], Rule)] = &[
    (&["spec", "ports"], Rule::KeysTcp(&["port", "protocol"])),
    (&["spec", "selector"], Rule::AtomicMap),
];

const NODE: &[(&[&str], Rule)] = &[(&["status", "addresses"], Rule::Keys(&["type"]))];

/// LabelSelector is `+structType=atomic`, wherever a kind holds one.
const SELECTOR: &[(&[&str], Rule)] = &[(&["spec", "selector"], Rule::AtomicMap)];
const POD_SELECTOR: &[(&[&str], Rule)] = &[(&["spec", "podSelector"], Rule::AtomicMap)];

/// The type information of one built-in kind.
#[derive(Clone, Debug)]
pub struct BuiltinTypes {
    kind: String,
}

impl BuiltinTypes {
    /// The table for a kind; kinds it does not know are struct-like throughout.
    pub fn for_kind(kind: &str) -> Self {
        Self {
            kind: kind.to_string(),
        }
    }

    /// Where the kind's pod template sits: the template's ObjectMeta and PodSpec.
    fn template(&self) -> Option<&'static [&'static str]> {
        Some(match self.kind.as_str() {
            "Pod" => &[],
            "PodTemplate" => &["template"],
            "Deployment"
            | "ReplicaSet"
            | "StatefulSet"
            | "DaemonSet"
            | "Job"
            | "ReplicationController" => &["spec", "template"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template"],
            _ => return None,
        })
    }

    fn kind_rules(&self) -> &'static [(&'static [&'static str], Rule)] {
        match self.kind.as_str() {
            "Service" => SERVICE,
            "Node" => NODE,
            "PersistentVolumeClaim" | "PodDisruptionBudget" => SELECTOR,
            "NetworkPolicy" => POD_SELECTOR,
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => SELECTOR,
            _ => &[],
        }
    }
}

impl TypeInfo for BuiltinTypes {
    fn zero_object(&self) -> Option<Value> {
        Some(zero_object(&self.kind))
    }

    fn node(&self, path: &[Step<'_>]) -> NodeType {
        if let [Step::Field("metadata"), rest @ ..] = path {
            return object_meta_node(rest);
        }
        // The Pod's own spec is the template's spec; its metadata was handled above.
        if let Some(template) = self.template()
            && let Some(rest) = strip(path, template)
        {
            if let [Step::Field("metadata"), meta @ ..] = rest {
                return object_meta_node(meta);
            }
            if let [Step::Field("spec"), spec @ ..] = rest
                && let Some(rule) = find(POD_SPEC, spec)
            {
                return to_node(rule);
            }
        }
        if let Some(rule) = find(self.kind_rules(), path).or_else(|| find(ANY_KIND, path)) {
            return to_node(rule);
        }
        struct_like(path)
    }
}

/// The containers of a kind's Go zero value as the server's converter shows them (from the
/// k8s.io/api struct tags: structs are never omitted, slices without `omitempty` are null).
fn zero_object(kind: &str) -> Value {
    let template = json!({"metadata": {"creationTimestamp": null}, "spec": {"containers": null}});
    let workload = |extra: Value| {
        let mut spec = json!({"selector": null, "template": template.clone()});
        if let (Some(spec), Value::Object(extra)) = (spec.as_object_mut(), extra) {
            spec.extend(extra);
        }
        json!({"spec": spec, "status": {}})
    };
    let mut zero = match kind {
        "Pod" => json!({"spec": {"containers": null}, "status": {}}),
        "PodTemplate" => json!({"template": template.clone()}),
        "Deployment" => workload(json!({"strategy": {}})),
        "StatefulSet" | "DaemonSet" => workload(json!({"updateStrategy": {}})),
        "ReplicaSet" => workload(json!({})),
        "Job" => json!({"spec": {"template": template.clone()}, "status": {}}),
        "CronJob" => json!({"spec": {"jobTemplate": {"metadata": {"creationTimestamp": null},
            "spec": {"template": template.clone()}}}, "status": {}}),
        "Service" => json!({"spec": {}, "status": {"loadBalancer": {}}}),
        "ReplicationController"
        | "Namespace"
        | "Node"
        | "PersistentVolumeClaim"
        | "PersistentVolume" => {
            json!({"spec": {}, "status": {}})
        }
        _ => json!({}),
    };
    zero["metadata"] = json!({"creationTimestamp": null});
    zero
}

/// ObjectMeta below `metadata` (of an object or a pod template).
pub(crate) fn object_meta_node(rest: &[Step<'_>]) -> NodeType {
    if rest.is_empty() {
        // `metadata` is a declared struct field wherever it appears.
        return NodeType::new(Shape::Map { atomic: false }, true);
    }
    match find(OBJECT_META, rest) {
        Some(rule) => to_node(rule),
        None => struct_like(rest),
    }
}

fn struct_like(path: &[Step<'_>]) -> NodeType {
    NodeType::new(Shape::Deduced, matches!(path.last(), Some(Step::Field(_))))
}

fn strip<'p, 'a>(path: &'p [Step<'a>], prefix: &[&str]) -> Option<&'p [Step<'a>]> {
    if path.len() < prefix.len() {
        return None;
    }
    let (head, rest) = path.split_at(prefix.len());
    head.iter()
        .zip(prefix)
        .all(|(step, want)| matches!(step, Step::Field(name) if name == want))
        .then_some(rest)
}

fn find(rules: &[(&[&str], Rule)], path: &[Step<'_>]) -> Option<Rule> {
    rules
        .iter()
        .find(|(pattern, _)| {
            pattern.len() == path.len()
                && pattern
                    .iter()
                    .zip(path)
                    .all(|(want, step)| match (*want, step) {
                        ("[]", Step::Item) => true,
                        ("$c", Step::Field(name)) => {
                            matches!(
                                *name,
                                "containers" | "initContainers" | "ephemeralContainers"
                            )
                        }
                        (want, Step::Field(name)) => want == *name,
                        _ => false,
                    })
        })
        .map(|(_, rule)| *rule)
}

fn to_node(rule: Rule) -> NodeType {
    let keys = |names: &[&str], tcp: bool| {
        names
            .iter()
            .map(|n| ListKey {
                name: n.to_string(),
                default: (tcp && *n == "protocol").then(|| Value::String("TCP".into())),
            })
            .collect()
    };
    let shape = match rule {
        Rule::Keys(names) => Shape::List(ListShape::Map(keys(names, false))),
        Rule::KeysTcp(names) => Shape::List(ListShape::Map(keys(names, true))),
        Rule::Set => Shape::List(ListShape::Set),
        Rule::Atomic => Shape::List(ListShape::Atomic),
        Rule::AtomicMap => Shape::Map { atomic: true },
    };
    NodeType::new(shape, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(path: &[&'static str]) -> Vec<Step<'static>> {
        path.iter()
            .map(|s| {
                if *s == "[]" {
                    Step::Item
                } else {
                    Step::Field(s)
                }
            })
            .collect()
    }

    #[test]
    fn deployment_paths() {
        let t = BuiltinTypes::for_kind("Deployment");
        let shape = |p: &[&'static str]| t.node(&steps(p)).shape;
        let keys = |p: &[&'static str]| match shape(p) {
            Shape::List(ListShape::Map(k)) => k.into_iter().map(|k| k.name).collect::<Vec<_>>(),
            other => panic!("{p:?}: {other:?}"),
        };
        assert_eq!(keys(&["spec", "template", "spec", "containers"]), ["name"]);
        assert_eq!(
            keys(&["spec", "template", "spec", "initContainers", "[]", "ports"]),
            ["containerPort", "protocol"]
        );
        assert_eq!(
            keys(&["spec", "template", "spec", "containers", "[]", "env"]),
            ["name"]
        );
        assert_eq!(
            keys(&[
                "spec",
                "template",
                "spec",
                "containers",
                "[]",
                "volumeMounts"
            ]),
            ["mountPath"]
        );
        assert_eq!(keys(&["metadata", "ownerReferences"]), ["uid"]);
        assert_eq!(keys(&["status", "conditions"]), ["type"]);
        assert_eq!(shape(&["spec", "selector"]), Shape::Map { atomic: true });
        assert_eq!(
            shape(&["spec", "template", "spec", "tolerations"]),
            Shape::List(ListShape::Atomic)
        );
        assert_eq!(
            shape(&["spec", "template", "metadata", "finalizers"]),
            Shape::List(ListShape::Set)
        );
        assert_eq!(shape(&["spec", "replicas"]), Shape::Deduced);
        let cron = BuiltinTypes::for_kind("CronJob");
        assert!(matches!(
            cron.node(&steps(&[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "spec",
                "volumes"
            ]))
            .shape,
            Shape::List(ListShape::Map(_))
        ));
        let svc = BuiltinTypes::for_kind("Service");
        assert!(matches!(
            svc.node(&steps(&["spec", "ports"])).shape,
            Shape::List(ListShape::Map(_))
        ));
        let pod = BuiltinTypes::for_kind("Pod");
        assert!(matches!(
            pod.node(&steps(&["spec", "containers"])).shape,
            Shape::List(ListShape::Map(_))
        ));
    }
}
