//! Type information server-side apply consults for each node: whether a map is granular or
//! atomic, how a list is merged and owned, and which fields are declared (SMD schema/elements.go).
//!
//! Implemented for a CRD's structural schema, for "no schema" (deduced, as SMD's
//! `DeducedParseableType`), and for the built-in kinds (`BuiltinTypes`).

use serde_json::Value;

use crate::schema::{ListType, MapType, SchemaNode, StructuralSchema};

use super::builtin_types::object_meta_node;

/// One step of a type lookup: a field or map key, or any item of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Field(&'a str),
    Item,
}

/// A key field of a `map` list and the default SMD assumes when an item omits it.
#[derive(Clone, Debug, PartialEq)]
pub struct ListKey {
    pub name: String,
    pub default: Option<Value>,
}

impl ListKey {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            default: None,
        }
    }
}

/// How a list is merged and owned.
#[derive(Clone, Debug, PartialEq)]
pub enum ListShape {
    /// Replaced and owned as a whole.
    Atomic,
    /// Scalars owned by value (`v:`).
    Set,
    /// Objects owned by their key fields (`k:`).
    Map(Vec<ListKey>),
}

/// The shape of one node.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Scalar,
    /// A struct or a map; an atomic one is replaced and owned as a whole.
    Map {
        atomic: bool,
    },
    List(ListShape),
    /// Unknown: decided by the value (objects are granular maps, lists atomic, the rest
    /// scalars), as SMD deduces for `x-kubernetes-preserve-unknown-fields` and untyped data.
    Deduced,
}

/// The type of a node: its shape, and whether it is a declared field of its parent struct
/// (SMD tracks map entries, unlike struct fields, even when they have children).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeType {
    pub shape: Shape,
    pub named: bool,
}

impl NodeType {
    pub fn new(shape: Shape, named: bool) -> Self {
        Self { shape, named }
    }

    pub fn deduced() -> Self {
        Self::new(Shape::Deduced, false)
    }
}

/// What the apply engine asks about a path from the object's root.
pub trait TypeInfo {
    fn node(&self, path: &[Step<'_>]) -> NodeType;

    /// The containers a new, empty object of the type already has (Go serializes structs
    /// without `omitempty`, `spec: {containers: null}` for a Pod). A create is compared
    /// against it, so these nodes are not reported as added and carry no `.`. Leaves are
    /// irrelevant here: added and modified fields are owned alike.
    fn zero_object(&self) -> Option<serde_json::Value> {
        None
    }
}

/// No schema: every node is deduced from its value.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deduced;

impl TypeInfo for Deduced {
    fn node(&self, _path: &[Step<'_>]) -> NodeType {
        NodeType::deduced()
    }
}

/// A CRD schema; `metadata` is typed as ObjectMeta, as the server's type converter does.
impl TypeInfo for StructuralSchema {
    fn node(&self, path: &[Step<'_>]) -> NodeType {
        if let [Step::Field("metadata"), rest @ ..] = path {
            return object_meta_node(rest);
        }
        schema_node(self.root(), path)
    }
}

/// A bare schema node taken as the root.
impl TypeInfo for SchemaNode {
    fn node(&self, path: &[Step<'_>]) -> NodeType {
        schema_node(self, path)
    }
}

fn schema_node(root: &SchemaNode, path: &[Step<'_>]) -> NodeType {
    let mut node = root;
    let mut named = false;
    for step in path {
        let next = match step {
            Step::Field(name) => match node.property(name) {
                Some(n) => {
                    named = true;
                    Some(n)
                }
                None => {
                    named = false;
                    node.field(name)
                }
            },
            Step::Item => {
                named = false;
                node.items()
            }
        };
        // Beyond the schema (preserved unknown fields, `additionalProperties: true`): deduced.
        match next {
            Some(n) => node = n,
            None => return NodeType::deduced(),
        }
    }
    NodeType::new(schema_shape(node), named)
}

fn schema_shape(node: &SchemaNode) -> Shape {
    match node.type_name() {
        "object" => Shape::Map {
            atomic: node.map_type() == MapType::Atomic,
        },
        "array" => Shape::List(match node.list_type() {
            ListType::Atomic => ListShape::Atomic,
            ListType::Set => ListShape::Set,
            ListType::Map if node.list_map_keys().is_empty() => ListShape::Atomic,
            ListType::Map => ListShape::Map(
                node.list_map_keys()
                    .iter()
                    .map(|k| ListKey {
                        name: k.clone(),
                        default: node
                            .items()
                            .and_then(|i| i.property(k))
                            .and_then(|p| p.default_value())
                            .cloned(),
                    })
                    .collect(),
            ),
        }),
        "" if node.is_int_or_string() => Shape::Scalar,
        "" => Shape::Deduced,
        _ => Shape::Scalar,
    }
}

/// How a node is handled once its value is known.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    /// Compared, merged and owned as a whole: scalars, atomic maps and lists, nulls, and
    /// values whose JSON type contradicts the schema.
    Leaf,
    Map,
    Set,
    KeyedList(Vec<ListKey>),
}

/// The handling of `value` at a node of shape `shape` (SMD deduceAtom).
pub(crate) fn resolve(shape: &Shape, value: &Value) -> Resolved {
    match (shape, value) {
        (Shape::Map { atomic: false } | Shape::Deduced, Value::Object(_)) => Resolved::Map,
        (Shape::List(ListShape::Set), Value::Array(_)) => Resolved::Set,
        (Shape::List(ListShape::Map(keys)), Value::Array(_)) => Resolved::KeyedList(keys.clone()),
        _ => Resolved::Leaf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crd_schema_shapes() {
        let schema = StructuralSchema::new(json!({
            "type": "object",
            "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                "ports": {"type": "array", "x-kubernetes-list-type": "map",
                          "x-kubernetes-list-map-keys": ["port", "protocol"],
                          "items": {"type": "object", "properties": {
                              "port": {"type": "integer"},
                              "protocol": {"type": "string", "default": "TCP"}}}},
                "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "selector": {"type": "object", "x-kubernetes-map-type": "atomic"}
            }}}
        }));
        let at = |p: &[Step<'_>]| schema.node(p);
        assert_eq!(
            at(&[Step::Field("spec"), Step::Field("ports")]).shape,
            Shape::List(ListShape::Map(vec![
                ListKey::new("port"),
                ListKey {
                    name: "protocol".into(),
                    default: Some(json!("TCP"))
                }
            ]))
        );
        assert_eq!(
            at(&[Step::Field("spec"), Step::Field("tags")]).shape,
            Shape::List(ListShape::Set)
        );
        let label = at(&[
            Step::Field("spec"),
            Step::Field("labels"),
            Step::Field("app"),
        ]);
        assert_eq!(label, NodeType::new(Shape::Scalar, false));
        assert_eq!(
            at(&[Step::Field("spec"), Step::Field("selector")]).shape,
            Shape::Map { atomic: true }
        );
        assert_eq!(
            at(&[Step::Field("spec"), Step::Field("unknown")]),
            NodeType::deduced()
        );
        assert_eq!(
            at(&[Step::Field("spec")]),
            NodeType::new(Shape::Map { atomic: false }, true)
        );
        // metadata is ObjectMeta even when the CRD does not declare it.
        assert_eq!(
            at(&[Step::Field("metadata"), Step::Field("finalizers")]).shape,
            Shape::List(ListShape::Set)
        );
    }

    #[test]
    fn deduced_maps_are_granular_and_lists_atomic() {
        assert_eq!(resolve(&Shape::Deduced, &json!({"a": 1})), Resolved::Map);
        assert_eq!(resolve(&Shape::Deduced, &json!([1])), Resolved::Leaf);
        assert_eq!(
            resolve(&Shape::Map { atomic: false }, &json!("x")),
            Resolved::Leaf
        );
        assert_eq!(
            resolve(&Shape::List(ListShape::Set), &json!(null)),
            Resolved::Leaf
        );
    }
}
