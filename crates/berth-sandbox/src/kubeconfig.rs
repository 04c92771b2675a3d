//! The kubeconfig the sandbox writes for kubectl, kube-rs and Helm.

use base64::Engine;
use std::path::Path;

pub const CONTEXT: &str = "berth-sandbox";

/// A kubeconfig with one cluster, one token user and the `berth-sandbox` context.
pub fn render(url: &str, token: &str, ca_pem: Option<&str>) -> String {
    let ca = match ca_pem {
        Some(pem) => format!(
            "    certificate-authority-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(pem)
        ),
        None => String::new(),
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {CONTEXT}\n  cluster:\n    server: {url}\n{ca}users:\n- name: {CONTEXT}\n  user:\n    token: {token}\ncontexts:\n- name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {CONTEXT}\n    namespace: default\ncurrent-context: {CONTEXT}\npreferences: {{}}\n"
    )
}

/// Writes a file readable by its owner only: kubeconfigs, tokens and keys are secrets.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
