//! Render errors with Helm's text (pkg/engine/engine.go `cleanupParseError` and
//! `reformatExecErrorMsg`, Helm 4.3).

/// Why a render failed. `Display` is Helm's error text; `helm template` prints it as
/// `Error: <text>` on stderr, followed by `\n\nUse --debug flag to render out invalid YAML`
/// for errors raised while rendering (see [`RenderError::cli_message`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template does not parse: `parse error at (<file>:<line>): <msg>`.
    #[error("{0}")]
    Parse(String),
    /// A template failed while executing (including `fail` and `required`).
    #[error("{0}")]
    Exec(String),
    /// A rendered document's head is not valid YAML: `YAML parse error on <file>: ...`.
    #[error("{0}")]
    Yaml(String),
    /// The chart's `kubeVersion` constraint excludes the target Kubernetes version.
    #[error(
        "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {version}"
    )]
    KubeVersion { constraint: String, version: String },
    /// The root chart is not an application chart (`library charts are not installable`).
    #[error("{0} charts are not installable")]
    NotInstallable(String),
    /// The requested kube version does not parse.
    #[error("invalid kube version '{0}': {1}")]
    InvalidKubeVersion(String, String),
    /// A chart file read only when needed could not be read: `error reading <path>: <why>`.
    #[error("{0}")]
    Read(String),
}

impl RenderError {
    /// What `helm template` prints on stderr for this error.
    pub fn cli_message(&self) -> String {
        match self {
            RenderError::Parse(_)
            | RenderError::Exec(_)
            | RenderError::Yaml(_)
            | RenderError::KubeVersion { .. } => {
                format!("Error: {self}\n\nUse --debug flag to render out invalid YAML")
            }
            _ => format!("Error: {self}"),
        }
    }
}

/// Helm's `cleanupParseError`: `parse error at (<location>): <last part of the message>`.
pub(crate) fn parse_error(filename: &str, err: &str) -> RenderError {
    let tokens: Vec<&str> = err.split(": ").collect();
    if tokens.len() == 1 {
        return RenderError::Parse(format!("parse error in ({filename}): {err}"));
    }
    RenderError::Parse(format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    ))
}

/// Helm's `TraceableError`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Traceable {
    location: String,
    message: String,
    executed: String,
}

impl Traceable {
    fn render(&self, out: &mut String) {
        if !self.location.is_empty() {
            out.push_str(&self.location);
            out.push_str("\n  ");
        }
        if !self.executed.is_empty() {
            out.push_str(&self.executed);
            out.push_str("\n    ");
        }
        if !self.message.is_empty() {
            out.push_str(&self.message);
            out.push('\n');
        }
    }
}

fn cut_chained(msg: &str) -> &str {
    match msg.find(" template:") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Helm's `parseTemplateExecErrorString`.
fn parse_traceable(s: &str) -> Option<Traceable> {
    let remainder = s.strip_prefix("template: ")?;
    if remainder.starts_with("no template ") {
        return Some(Traceable {
            location: String::new(),
            message: s.to_string(),
            executed: String::new(),
        });
    }
    if let Some((name, after)) = remainder.split_once(": executing ") {
        let after_q = after.strip_prefix('"')?;
        let end = after_q.find('"')?;
        let function = &after_q[..end];
        let after_func = &after_q[end + 1..];
        let after_at = after_func.strip_prefix(" at <")?;
        let (loc, msg) = after_at.split_once(">: ")?;
        return Some(Traceable {
            location: name.to_string(),
            message: cut_chained(msg).to_string(),
            executed: format!("executing \"{function}\" at <{loc}>:"),
        });
    }
    let sep = remainder.rfind(": ")?;
    Some(Traceable {
        location: remainder[..sep].to_string(),
        message: cut_chained(&remainder[sep + 2..]).to_string(),
        executed: String::new(),
    })
}

/// The error Go's text/template wraps inside this one, if any: only a function call's
/// error is wrapped (`error calling NAME: %w`); other messages end the chain.
fn unwrap(s: &str) -> Option<&str> {
    // Only the executing form carries a call error after `>: `.
    let rest = s.strip_prefix("template: ")?;
    let (_, after) = rest.split_once(": executing \"")?;
    let (_, msg) = after.split_once(">: ")?;
    let inner = msg.strip_prefix("error calling ")?;
    let colon = inner.find(": ")?;
    let name = &inner[..colon];
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(&inner[colon + 2..])
}

/// The message of a `fail` or `required` call anywhere in the chain: Helm wraps those
/// in `HELM_ERR_START…HELM_ERR_END` and reports them as
/// `execution error at (<outer location>): <message>`.
fn helm_message(s: &str) -> Option<&str> {
    let a = s.find("error calling fail: ");
    let b = s.find("error calling required: ");
    let (at, len) = match (a, b) {
        (Some(x), Some(y)) if y < x => (y, "error calling required: ".len()),
        (Some(x), _) => (x, "error calling fail: ".len()),
        (None, Some(y)) => (y, "error calling required: ".len()),
        (None, None) => return None,
    };
    Some(&s[at + len..])
}

/// Helm's `reformatExecErrorMsg` over berth-template's flat (Go-formatted) message.
pub(crate) fn exec_error(filename: &str, err: &str) -> RenderError {
    let tokens: Vec<&str> = err.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return RenderError::Exec(format!("execution error in ({filename}): {err}"));
    }
    if let Some(msg) = helm_message(tokens[2]) {
        return RenderError::Exec(format!("execution error at ({}): {msg}", tokens[1]));
    }
    // Go walks errors.Unwrap: every link must be a template error, else the original
    // error is returned as it is.
    let mut chain: Vec<Traceable> = Vec::new();
    let mut cur = Some(err);
    while let Some(c) = cur {
        let Some(t) = parse_traceable(c) else {
            return RenderError::Exec(err.to_string());
        };
        if chain.last() != Some(&t) {
            chain.push(t);
        }
        cur = unwrap(c);
    }
    let mut out = String::new();
    for t in &chain {
        t.render(&mut out);
    }
    RenderError::Exec(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors() {
        assert_eq!(
            parse_error(
                "c/templates/a.yaml",
                "template: c/templates/a.yaml:3: function \"nope\" not defined"
            )
            .to_string(),
            "parse error at (c/templates/a.yaml:3): function \"nope\" not defined"
        );
    }

    #[test]
    fn fail_and_required() {
        let e = "template: c/templates/a.yaml:5:3: executing \"c/templates/a.yaml\" at <include \"x\" .>: error calling include: template: c/templates/_h.tpl:2:3: executing \"x\" at <fail \"boom: now\">: error calling fail: boom: now";
        assert_eq!(
            exec_error("c/templates/a.yaml", e).to_string(),
            "execution error at (c/templates/a.yaml:5:3): boom: now"
        );
    }

    #[test]
    fn traceable_chain() {
        let e = "template: c/templates/a.yaml:5:3: executing \"c/templates/a.yaml\" at <include \"x\" .>: error calling include: template: c/templates/_h.tpl:2:5: executing \"x\" at <.a.b>: nil pointer evaluating interface {}.b";
        assert_eq!(
            exec_error("c/templates/a.yaml", e).to_string(),
            "c/templates/a.yaml:5:3\n  executing \"c/templates/a.yaml\" at <include \"x\" .>:\n    error calling include:\nc/templates/_h.tpl:2:5\n  executing \"x\" at <.a.b>:\n    nil pointer evaluating interface {}.b"
        );
    }

    #[test]
    fn function_errors_stay_raw() {
        let e = "template: c/templates/a.yaml:1:3: executing \"c/templates/a.yaml\" at <index .a 5>: error calling index: index out of range: 5";
        assert_eq!(exec_error("c/templates/a.yaml", e).to_string(), e);
    }
}
