//! Tests of the strategic merge patch engine: the upstream tables, Kubernetes objects, and
//! random documents that must never panic.

mod kube;
mod no_panic;
mod upstream;
