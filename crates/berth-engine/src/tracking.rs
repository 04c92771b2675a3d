//! Resource identity and the tracking id `<app>:<group>/<kind>:<namespace>/<name>`.

use std::fmt;

use serde_json::Value;

/// An object's identity without its version: group, kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn of(obj: &Value) -> Option<ObjectKey> {
        let api_version = obj["apiVersion"].as_str()?;
        let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        Some(ObjectKey {
            group: group.to_string(),
            kind: obj["kind"].as_str()?.to_string(),
            namespace: obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            name: obj["metadata"]["name"].as_str()?.to_string(),
        })
    }

    /// Same object; the namespace of a cluster-scoped object may be written either way.
    pub fn same_object(&self, other: &ObjectKey) -> bool {
        self == other
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingId {
    pub app: String,
    pub key: ObjectKey,
}

impl TrackingId {
    pub fn new(app: &str, key: &ObjectKey) -> TrackingId {
        TrackingId {
            app: app.to_string(),
            key: key.clone(),
        }
    }

    /// Parses Argo CD's format: `SplitN(":", 3)`, then each of the last two parts on `/`.
    pub fn parse(text: &str) -> Option<TrackingId> {
        let mut parts = text.splitn(3, ':');
        let app = parts.next()?;
        let (group, kind) = parts.next()?.split_once('/')?;
        let (namespace, name) = parts.next()?.split_once('/')?;
        if app.is_empty() || kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(TrackingId {
            app: app.to_string(),
            key: ObjectKey {
                group: group.to_string(),
                kind: kind.to_string(),
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
        })
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}/{}:{}/{}",
            self.app, self.key.group, self.key.kind, self.key.namespace, self.key.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_ids_round_trip_in_argo_cd_format() {
        for text in [
            "my-app:apps/Deployment:default/my-deployment",
            "my-app:/ConfigMap:default/my-cm",
            "my-app:rbac.authorization.k8s.io/ClusterRole:/my-role",
        ] {
            let id = TrackingId::parse(text).unwrap();
            assert_eq!(id.to_string(), text);
        }
        let id = TrackingId::parse("my-app:/ConfigMap:default/my-cm").unwrap();
        assert_eq!(id.key.group, "");
        assert_eq!(id.key.kind, "ConfigMap");
        assert!(TrackingId::parse("garbage").is_none());
        assert!(TrackingId::parse("a:b:c").is_none());
    }
}
