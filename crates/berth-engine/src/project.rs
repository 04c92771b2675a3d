//! AppProject restrictions, with Argo CD's semantics: source repositories and destinations
//! as globs with `!` negation, and which kinds may be deployed (a nil namespaced whitelist
//! allows everything; an empty cluster whitelist allows no cluster-scoped kind).

use serde_json::Value;

use crate::model::{Destination, Source};

/// Go's filepath.Match as Argo CD uses it for project globs.
fn glob(pattern: &str, text: &str) -> bool {
    pattern == "*" || berth_chart::load::ignore::glob_match(pattern, text).unwrap_or(false)
}

/// Matches a list of globs where `!pattern` entries deny: allowed when some positive entry
/// matches and no negated one does.
fn allowed_by(list: &[String], text: &str) -> bool {
    let mut allowed = false;
    for item in list {
        if let Some(neg) = item.strip_prefix('!') {
            if glob(neg, text) {
                return false;
            }
        } else if glob(item, text) {
            allowed = true;
        }
    }
    allowed
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

/// Why an app may not use its project, if it may not.
pub fn check_app(
    project: &Value,
    sources: &[&Source],
    destination: &Destination,
) -> Option<String> {
    let name = project["metadata"]["name"].as_str().unwrap_or("?");
    let spec = &project["spec"];
    let repos = strings(&spec["sourceRepos"]);
    for s in sources {
        if !allowed_by(&repos, &s.repo_url) {
            return Some(format!(
                "application repo {} is not permitted in project '{name}'",
                s.repo_url
            ));
        }
    }
    let server = if destination.server.is_empty() {
        "https://kubernetes.default.svc"
    } else {
        destination.server.as_str()
    };
    let permitted = spec["destinations"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|d| {
            let server_ok = match (d["server"].as_str(), d["name"].as_str()) {
                (Some(s), _) if !s.is_empty() => {
                    glob(s.trim_start_matches('!'), server) != s.starts_with('!')
                }
                (_, Some(n)) if !n.is_empty() => {
                    let dest_name = if destination.name.is_empty() {
                        "in-cluster"
                    } else {
                        destination.name.as_str()
                    };
                    glob(n.trim_start_matches('!'), dest_name) != n.starts_with('!')
                }
                _ => false,
            };
            let ns = d["namespace"].as_str().unwrap_or("");
            let ns_ok =
                glob(ns.trim_start_matches('!'), &destination.namespace) != ns.starts_with('!');
            server_ok && ns_ok
        });
    if !permitted {
        return Some(format!(
            "application destination server '{server}' and namespace '{}' do not match any of the allowed destinations in project '{name}'",
            destination.namespace
        ));
    }
    None
}

fn kind_listed(list: &Value, group: &str, kind: &str, name: Option<&str>) -> bool {
    list.as_array().into_iter().flatten().any(|e| {
        glob(e["group"].as_str().unwrap_or(""), group)
            && glob(e["kind"].as_str().unwrap_or(""), kind)
            && match (e["name"].as_str(), name) {
                (Some(p), Some(n)) if !p.is_empty() => glob(p, n),
                _ => true,
            }
    })
}

/// Whether a resource may be deployed by an app of this project.
pub fn resource_permitted(
    project: &Value,
    group: &str,
    kind: &str,
    name: &str,
    namespaced: bool,
) -> bool {
    let spec = &project["spec"];
    if namespaced {
        let white = &spec["namespaceResourceWhitelist"];
        let white_ok = white.is_null() || kind_listed(white, group, kind, None);
        white_ok && !kind_listed(&spec["namespaceResourceBlacklist"], group, kind, None)
    } else {
        kind_listed(&spec["clusterResourceWhitelist"], group, kind, Some(name))
            && !kind_listed(&spec["clusterResourceBlacklist"], group, kind, Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn src(url: &str) -> Source {
        Source {
            repo_url: url.into(),
            ..Source::default()
        }
    }

    #[test]
    fn the_default_project_allows_everything() {
        let p = json!({"metadata": {"name": "default"}, "spec": {"sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}]}});
        let d = Destination {
            server: "https://kubernetes.default.svc".into(),
            namespace: "x".into(),
            ..Default::default()
        };
        assert_eq!(
            check_app(&p, &[&src("https://git.example.com/a.git")], &d),
            None
        );
        assert!(resource_permitted(&p, "", "Namespace", "x", false));
        assert!(resource_permitted(&p, "apps", "Deployment", "d", true));
    }

    #[test]
    fn repositories_destinations_and_kinds_are_restricted() {
        let p = json!({"metadata": {"name": "team"}, "spec": {
            "sourceRepos": ["https://git.example.com/*", "!https://git.example.com/secret*"],
            "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "team-*"}],
            "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}]}});
        let ok = Destination {
            server: "https://kubernetes.default.svc".into(),
            namespace: "team-a".into(),
            ..Default::default()
        };
        assert_eq!(
            check_app(&p, &[&src("https://git.example.com/a.git")], &ok),
            None
        );
        let denied = check_app(&p, &[&src("https://git.example.com/secret.git")], &ok).unwrap();
        assert!(
            denied.contains("not permitted in project 'team'"),
            "{denied}"
        );
        let elsewhere = Destination {
            namespace: "kube-system".into(),
            ..ok.clone()
        };
        let denied = check_app(&p, &[&src("https://git.example.com/a.git")], &elsewhere).unwrap();
        assert!(
            denied.contains("do not match any of the allowed destinations"),
            "{denied}"
        );
        // No cluster whitelist: no cluster-scoped kinds. Nil namespaced whitelist: all but
        // the blacklisted ones.
        assert!(!resource_permitted(&p, "", "Namespace", "x", false));
        assert!(resource_permitted(&p, "apps", "Deployment", "d", true));
        assert!(!resource_permitted(&p, "", "ResourceQuota", "q", true));
    }
}
