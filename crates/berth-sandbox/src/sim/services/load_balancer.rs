//! Cloud load balancers for `type: LoadBalancer` Services, as on EKS. Which controller answers
//! depends on `spec.loadBalancerClass`, as on a real cluster:
//!
//! - no class: the cloud provider's service controller (`wantsLoadBalancer` requires the class
//!   to be unset), which records `EnsuringLoadBalancer`, then `EnsuredLoadBalancer`, and
//!   publishes the hostname of a classic ELB (`a<uid>-<n>.<region>.elb.amazonaws.com`);
//! - `service.k8s.aws/nlb`: the AWS Load Balancer Controller, which publishes an NLB hostname
//!   (`k8s-<ns>-<name>-<hash>-<hash>.elb.<region>.amazonaws.com`);
//! - any other class: nobody here implements it, so the Service stays pending, which Argo CD
//!   shows as Progressing, exactly as a cluster without that implementation would.
//!
//! AWS publishes hostnames only, never IPs, so `ipMode` is not set. A Service that stops being
//! a LoadBalancer loses its ingress status.

use super::{aws_lbc_name, set_load_balancer, stable_hash};
use crate::sim::ctx::{Ctx, Res, SERVICES};
use crate::sim::events::Level;
use crate::store::EventType;
use berth_kube::ObjectExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const COMPONENT: &str = "service-controller";
const AWS_LBC_COMPONENT: &str = "service";
const AWS_LBC_CLASS: &str = "service.k8s.aws/nlb";
/// How long AWS takes to hand out the load balancer's DNS name (nominal seconds).
const PROVISIONING_SECONDS: f64 = 2.0;

/// Who provisions a Service's load balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    CloudProvider,
    AwsLoadBalancerController,
}

pub fn provider(svc: &Value) -> Option<Provider> {
    if svc.pointer("/spec/type").and_then(Value::as_str) != Some("LoadBalancer") {
        return None;
    }
    match svc
        .pointer("/spec/loadBalancerClass")
        .and_then(Value::as_str)
    {
        None => Some(Provider::CloudProvider),
        Some(AWS_LBC_CLASS) => Some(Provider::AwsLoadBalancerController),
        Some(_) => None,
    }
}

/// The DNS name AWS gives the Service's load balancer.
pub fn hostname(svc: &Value, provider: Provider) -> String {
    let seed = format!("{}/{}/{}", svc.namespace(), svc.name(), svc.uid());
    match provider {
        Provider::CloudProvider => {
            // The in-tree provider names the ELB "a" + the uid without dashes, 32 characters.
            let uid: String = svc.uid().chars().filter(|c| *c != '-').take(31).collect();
            let uid = if uid.is_empty() {
                format!("{:016x}", stable_hash(&seed))
            } else {
                uid
            };
            let number = stable_hash(&seed) % 10_000_000_000;
            format!("a{uid}-{number}.us-east-1.elb.amazonaws.com")
        }
        Provider::AwsLoadBalancerController => {
            let name = aws_lbc_name(&[svc.namespace(), svc.name()], &seed);
            let suffix = format!("{:016x}", stable_hash(&format!("{seed}/dns")));
            format!("{name}-{suffix}.elb.us-east-1.amazonaws.com")
        }
    }
}

fn has_ingress(svc: &Value) -> bool {
    svc.pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|i| !i.is_empty())
}

#[derive(Default)]
pub struct LoadBalancerController {
    /// Services whose load balancer is being created, by uid: when it is ready.
    provisioning: HashMap<String, Instant>,
}

impl crate::sim::runtime::Reconciler for LoadBalancerController {
    fn name(&self) -> &'static str {
        "service-load-balancer"
    }

    fn watches(&self) -> &'static [Res] {
        &[SERVICES]
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
        let svc = ctx.get(SERVICES, namespace, name)?;
        if svc.deletion_timestamp().is_some() {
            return None;
        }
        let Some(provider) = provider(&svc) else {
            self.provisioning.remove(svc.uid());
            let not_load_balancer =
                svc.pointer("/spec/type").and_then(Value::as_str) != Some("LoadBalancer");
            if not_load_balancer && has_ingress(&svc) {
                remove_load_balancer(ctx, &svc);
            }
            return None;
        };
        if has_ingress(&svc) {
            return None;
        }
        let now = Instant::now();
        let Some(&ready_at) = self.provisioning.get(svc.uid()) else {
            if provider == Provider::CloudProvider {
                ctx.event(
                    &svc,
                    Level::Normal,
                    "EnsuringLoadBalancer",
                    "Ensuring load balancer",
                    COMPONENT,
                );
            }
            let delay = ctx.config.delay(PROVISIONING_SECONDS);
            self.provisioning.insert(svc.uid().to_string(), now + delay);
            return Some(delay);
        };
        if ready_at > now {
            return Some(ready_at - now);
        }
        self.provisioning.remove(svc.uid());
        let host = hostname(&svc, provider);
        let written = ctx.update_status(SERVICES, namespace, name, COMPONENT, |mut current| {
            set_load_balancer(&mut current, json!({"ingress": [{"hostname": host}]}));
            Some(current)
        });
        match (written, provider) {
            (Ok(_), Provider::CloudProvider) => ctx.event(
                &svc,
                Level::Normal,
                "EnsuredLoadBalancer",
                "Ensured load balancer",
                COMPONENT,
            ),
            (Ok(_), Provider::AwsLoadBalancerController) => ctx.event(
                &svc,
                Level::Normal,
                "SuccessfullyReconciled",
                "Successfully reconciled",
                AWS_LBC_COMPONENT,
            ),
            (Err(e), _) => {
                tracing::debug!("cannot publish load balancer of {namespace}/{name}: {e}")
            }
        }
        None
    }
}

fn remove_load_balancer(ctx: &Ctx, svc: &Value) {
    ctx.event(
        svc,
        Level::Normal,
        "DeletingLoadBalancer",
        "Deleting load balancer",
        COMPONENT,
    );
    let written = ctx.update_status(
        SERVICES,
        svc.namespace(),
        svc.name(),
        COMPONENT,
        |mut current| {
            set_load_balancer(&mut current, json!({}));
            Some(current)
        },
    );
    match written {
        Ok(_) => ctx.event(
            svc,
            Level::Normal,
            "DeletedLoadBalancer",
            "Deleted load balancer",
            COMPONENT,
        ),
        Err(e) => tracing::debug!("cannot clear load balancer of {}: {e}", svc.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(spec: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "shop", "uid": "0b5e1c2a-1111-2222-3333-444455556666"}, "spec": spec})
    }

    #[test]
    fn the_class_decides_who_provisions() {
        assert_eq!(provider(&svc(json!({"type": "ClusterIP"}))), None);
        assert_eq!(
            provider(&svc(json!({"type": "LoadBalancer"}))),
            Some(Provider::CloudProvider)
        );
        assert_eq!(
            provider(&svc(
                json!({"type": "LoadBalancer", "loadBalancerClass": "service.k8s.aws/nlb"})
            )),
            Some(Provider::AwsLoadBalancerController)
        );
        assert_eq!(
            provider(&svc(
                json!({"type": "LoadBalancer", "loadBalancerClass": "example.com/lb"})
            )),
            None
        );
    }

    #[test]
    fn hostnames_look_like_aws() {
        let s = svc(json!({"type": "LoadBalancer"}));
        let classic = hostname(&s, Provider::CloudProvider);
        assert!(
            classic.starts_with("a0b5e1c2a11112222333344445555666-"),
            "{classic}"
        );
        assert!(
            classic.ends_with(".us-east-1.elb.amazonaws.com"),
            "{classic}"
        );
        let nlb = hostname(&s, Provider::AwsLoadBalancerController);
        assert!(nlb.starts_with("k8s-shop-web-"), "{nlb}");
        assert!(nlb.ends_with(".elb.us-east-1.amazonaws.com"), "{nlb}");
        assert_eq!(nlb, hostname(&s, Provider::AwsLoadBalancerController));
    }
}
