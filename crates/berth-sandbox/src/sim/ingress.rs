//! Ingress addresses, as the AWS Load Balancer Controller publishes them: after the ALB is up
//! (nominal 2 s) `status.loadBalancer.ingress: [{hostname}]`, and a `SuccessfullyReconciled`
//! event. Ingresses that share an `alb.ingress.kubernetes.io/group.name` share one ALB and so
//! one hostname.
//!
//! Every Ingress gets an address, whatever its class: the sandbox stands in for whichever
//! ingress controller the cluster would run, since one installed into the sandbox only gets
//! simulated pods and could never publish an address itself.

use super::ctx::{Ctx, INGRESSES, Res};
use super::events::Level;
use super::services::{aws_lbc_name, stable_hash};
use crate::store::EventType;
use berth_kube::ObjectExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const COMPONENT: &str = "ingress";
const GROUP_ANNOTATION: &str = "alb.ingress.kubernetes.io/group.name";
const PROVISIONING_SECONDS: f64 = 2.0;

/// The ALB's DNS name: per Ingress, or per group for grouped Ingresses.
pub fn hostname(ingress: &Value) -> String {
    let (name, seed) = match ingress
        .annotation(GROUP_ANNOTATION)
        .filter(|g| !g.is_empty())
    {
        Some(group) => (aws_lbc_name(&[group], group), format!("group/{group}")),
        None => {
            let seed = format!(
                "{}/{}/{}",
                ingress.namespace(),
                ingress.name(),
                ingress.uid()
            );
            (
                aws_lbc_name(&[ingress.namespace(), ingress.name()], &seed),
                seed,
            )
        }
    };
    let number = stable_hash(&format!("{seed}/dns")) % 10_000_000_000;
    format!("{name}-{number}.us-east-1.elb.amazonaws.com")
}

fn published(ingress: &Value) -> Option<&str> {
    ingress
        .pointer("/status/loadBalancer/ingress/0/hostname")
        .and_then(Value::as_str)
}

#[derive(Default)]
pub struct IngressController {
    /// Ingresses whose ALB is being created, by uid: when it is ready.
    provisioning: HashMap<String, Instant>,
}

impl super::runtime::Reconciler for IngressController {
    fn name(&self) -> &'static str {
        "ingress"
    }

    fn watches(&self) -> &'static [Res] {
        &[INGRESSES]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        _res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if matches!(event, EventType::Deleted) {
            self.provisioning.remove(obj.uid());
            return;
        }
        out.push((obj.namespace().to_string(), obj.name().to_string()));
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let ingress = ctx.get(INGRESSES, namespace, name)?;
        if ingress.deletion_timestamp().is_some() {
            return None;
        }
        let host = hostname(&ingress);
        if published(&ingress) == Some(host.as_str()) {
            return None;
        }
        let now = Instant::now();
        // Joining or leaving a group moves the Ingress to another ALB at once; a first
        // address waits for the ALB to come up.
        let already_served = published(&ingress).is_some();
        if !already_served {
            let ready_at = *self
                .provisioning
                .entry(ingress.uid().to_string())
                .or_insert_with(|| now + ctx.config.delay(PROVISIONING_SECONDS));
            if ready_at > now {
                return Some(ready_at - now);
            }
        }
        self.provisioning.remove(ingress.uid());
        let written = ctx.update_status(INGRESSES, namespace, name, COMPONENT, |mut current| {
            super::services::set_load_balancer(
                &mut current,
                json!({"ingress": [{"hostname": host}]}),
            );
            Some(current)
        });
        match written {
            Ok(_) => ctx.event(
                &ingress,
                Level::Normal,
                "SuccessfullyReconciled",
                "Successfully reconciled",
                COMPONENT,
            ),
            Err(e) => tracing::debug!("cannot publish address of ingress {namespace}/{name}: {e}"),
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_ingresses_share_one_hostname() {
        let a = json!({"metadata": {"name": "a", "namespace": "shop", "uid": "1", "annotations": {GROUP_ANNOTATION: "public"}}});
        let b = json!({"metadata": {"name": "b", "namespace": "blog", "uid": "2", "annotations": {GROUP_ANNOTATION: "public"}}});
        assert_eq!(hostname(&a), hostname(&b));
        assert!(hostname(&a).starts_with("k8s-public-"), "{}", hostname(&a));
    }

    #[test]
    fn lone_ingresses_get_their_own_alb() {
        let a = json!({"metadata": {"name": "web", "namespace": "shop", "uid": "1"}});
        let b = json!({"metadata": {"name": "web", "namespace": "blog", "uid": "2"}});
        assert_ne!(hostname(&a), hostname(&b));
        assert!(
            hostname(&a).starts_with("k8s-shop-web-"),
            "{}",
            hostname(&a)
        );
        assert!(hostname(&a).ends_with(".us-east-1.elb.amazonaws.com"));
    }
}
