//! The Kubernetes object model every Berth crate shares, with no IO.
//!
//! Objects are unstructured JSON (`serde_json::Value`) as they travel on the wire; this crate
//! gives them identity ([`GroupVersionKind`], [`ResourceInfo`]), the built-in resource table
//! ([`builtin_resources`]), selectors, name validation, the server's defaulting rules,
//! structural schemas of custom resources, OpenAPI documents and table columns. The sandbox
//! serves these rules; the engine uses the same ones to predict what the server will do.
//!
//! It also holds the GitOps rules that need no cluster: Argo CD's health assessment
//! ([`resource_health`], [`app_health`]) and sync planning ([`sync_phases`], [`wave`],
//! [`SyncOptions`], [`order_tasks`]).

mod builtin;
mod defaults;
mod duplicates;
mod gvk;
mod health;
mod managed;
mod object;
mod openapi;
mod patch;
mod protobuf;
mod resource;
mod schema;
mod selector;
mod status;
mod sync_order;
mod table;
mod validation;

pub use crate::protobuf::{
    PROTOBUF_CONTENT_TYPE, ProtobufError, decode_kubernetes_protobuf, is_kubernetes_protobuf,
    protobuf_decodable, prune_unknown_builtin_fields,
};
pub use crate::{
    builtin::{
        builtin_by_gvk, builtin_groups, builtin_lookup, builtin_resource, builtin_resources,
        is_builtin,
    },
    defaults::{
        add_serialization_artifacts, apply_defaults, apply_job_selector_defaults,
        apply_pod_admission, canonical_quantity, image_pull_policy, prepare_for_create,
    },
    duplicates::duplicate_json_fields,
    gvk::{GroupVersion, GroupVersionKind},
    health::{
        ANNOTATION_HPA_CONDITIONS, ANNOTATION_IGNORE_HEALTHCHECK, ANNOTATION_IGNORE_RESTART_POLICY,
        AppHealth, Health, HealthStatus, ResourceHealthInput, UnknownHealthStatus, app_health,
        app_health_report, resource_health,
    },
    managed::{
        ApplyError, BEFORE_FIRST_APPLY, BuiltinTypes, Comparison as FieldComparison,
        Conflict as ApplyConflict, Deduced as DeducedTypes, FieldFilter, FieldSet, KUBECTL_MANAGER,
        LAST_APPLIED_ANNOTATION, ListKey, ListShape, MAX_UPDATE_MANAGERS, ManagedFields,
        ManagedFieldsEntry, NodeType, Operation as ManagedFieldsOperation, Path as FieldPath,
        PathElement, Shape as FieldShape, Step as TypeStep, TypeInfo, WriteScope,
        apply as server_side_apply, compare as compare_fields, ensure_named_fields_are_members,
        from_fields_v1, managed_fields_for_apply, merge as merge_applied,
        path_to_string as field_path_string, remove_items, to_field_set, to_fields_v1,
        to_fields_v1_string, update as update_managed_fields,
    },
    object::{ObjectExt, now_rfc3339, rfc3339_from_unix, unix_from_rfc3339},
    openapi::{OpenApiIndex, content_hash, document_path, openapi_document},
    patch::{
        JsonPatchError, StrategicPatchError, apply_json_patch, apply_merge_patch,
        apply_strategic_merge_patch, create_three_way_merge_patch, create_two_way_merge_patch,
        supports_strategic_merge_patch,
    },
    resource::{ResourceInfo, Scope, Subresource},
    schema::{ListType, MapType, PruneReport, SchemaNode, StructuralSchema},
    selector::{
        FieldOperator, FieldRequirement, FieldSelector, LabelSelector, Operator, Requirement,
        SelectorError,
    },
    status::{Cause, StatusError},
    sync_order::{
        ANNOTATION_HOOK, ANNOTATION_HOOK_DELETE_POLICY, ANNOTATION_SYNC_OPTIONS,
        ANNOTATION_SYNC_WAVE, GroupKind, HELM_HOOK, HELM_HOOK_DELETE_POLICY, HELM_HOOK_WEIGHT,
        HOOK_FINALIZER, HookDeletePolicy, HookType, PropagationPolicy, RemovalPolicy, SyncOptions,
        SyncPhase, SyncTask, WaveError, annotation_csv, crd_defines, has_hook_finalizer,
        hook_delete_policies, hook_types, is_hook, is_ignored_hook, is_post_delete_hook,
        is_pre_delete_hook, is_skip, kind_order, order_tasks, plan_prune_waves, sort_tasks,
        sync_phases, wave,
    },
    table::{
        IncludeObject, PrinterColumn, TableColumn, TableOptions, human_duration,
        short_human_duration, table_columns, table_for,
    },
    validation::{
        BadValue, NameRule, decode_error, generate_name, name_rule, validate_annotations,
        validate_config_map_key, validate_dns1035_label, validate_dns1123_label,
        validate_dns1123_subdomain, validate_label_selector, validate_label_value, validate_labels,
        validate_metadata, validate_metadata_update, validate_object, validate_path_segment_name,
        validate_pod_spec, validate_qualified_name, validate_update, warnings_on_create,
    },
};
