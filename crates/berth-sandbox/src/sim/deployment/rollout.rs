//! The RollingUpdate arithmetic of the upstream controller (`rolling.go`): how far the new
//! ReplicaSet may grow (maxSurge) and how far the old ones may shrink (maxUnavailable).

use super::Rs;
use serde_json::Value;

/// The Deployment's size and its rolling-update bounds, resolved to counts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub desired: i64,
    pub max_surge: i64,
    pub max_unavailable: i64,
}

impl Limits {
    pub fn of(d: &Value, desired: i64) -> Self {
        let rolling = d.pointer("/spec/strategy/rollingUpdate");
        let recreate = d.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate");
        if recreate {
            return Self {
                desired,
                max_surge: 0,
                max_unavailable: 0,
            };
        }
        let surge = resolve(rolling.and_then(|r| r.get("maxSurge")), desired, true);
        let mut unavailable = resolve(
            rolling.and_then(|r| r.get("maxUnavailable")),
            desired,
            false,
        );
        if surge == 0 && unavailable == 0 {
            // Both zero would block the rollout forever; the controller allows one.
            unavailable = 1;
        }
        Self {
            desired,
            max_surge: surge,
            max_unavailable: unavailable.min(desired),
        }
    }
}

/// An int-or-percent against `total` (percentages round up for surge, down for unavailable);
/// absent means the default 25%.
fn resolve(value: Option<&Value>, total: i64, round_up: bool) -> i64 {
    let percent = |p: f64| {
        let exact = p * total as f64 / 100.0;
        if round_up {
            exact.ceil() as i64
        } else {
            exact.floor() as i64
        }
    };
    match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0).max(0),
        Some(Value::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<f64>().ok()) {
            Some(p) => percent(p).max(0),
            None => s.parse().unwrap_or(0),
        },
        _ => percent(25.0),
    }
}

/// The new ReplicaSet's size this step: up to `desired`, keeping every ReplicaSet's total
/// within desired + maxSurge.
pub fn new_replicas(desired: i64, all_current: i64, new_current: i64, limits: &Limits) -> i64 {
    if new_current >= desired {
        return desired;
    }
    let max_total = desired + limits.max_surge;
    if all_current >= max_total {
        return new_current;
    }
    let room = max_total - all_current;
    new_current + room.min(desired - new_current)
}

/// Old ReplicaSets to shrink this step, as (index, new size): first those whose pods are not
/// available, then as many available ones as keep desired − maxUnavailable available.
pub fn scale_down_old(desired: i64, new: &Rs, old: &[Rs], limits: &Limits) -> Vec<(usize, i64)> {
    let old_count: i64 = old.iter().map(|r| r.replicas).sum();
    if old_count == 0 {
        return Vec::new();
    }
    let all_count = old_count + new.replicas;
    let min_available = desired - limits.max_unavailable;
    let new_unavailable = new.replicas - new.available;
    let max_scaled_down = all_count - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Vec::new();
    }
    let mut sizes: Vec<i64> = old.iter().map(|r| r.replicas).collect();
    let mut order: Vec<usize> = (0..old.len()).collect();
    order.sort_by_key(|&i| (old[i].created, old[i].name.clone()));

    // Unhealthy replicas go first: they do not count towards availability anyway.
    let mut cleaned = 0;
    for &i in &order {
        if cleaned >= max_scaled_down {
            break;
        }
        if sizes[i] == 0 {
            continue;
        }
        let unhealthy = sizes[i] - old[i].available.min(sizes[i]);
        if unhealthy <= 0 {
            continue;
        }
        let down = unhealthy.min(max_scaled_down - cleaned);
        sizes[i] -= down;
        cleaned += down;
    }

    let available: i64 = new.available
        + old
            .iter()
            .enumerate()
            .map(|(i, r)| r.available.min(sizes[i]))
            .sum::<i64>();
    if available > min_available {
        let mut budget = (available - min_available).min(max_scaled_down - cleaned);
        for &i in &order {
            if budget <= 0 {
                break;
            }
            if sizes[i] == 0 {
                continue;
            }
            let down = sizes[i].min(budget);
            sizes[i] -= down;
            budget -= down;
        }
    }
    old.iter()
        .enumerate()
        .filter(|(i, r)| sizes[*i] != r.replicas)
        .map(|(i, _)| (i, sizes[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rs(name: &str, created: i64, replicas: i64, available: i64) -> Rs {
        Rs {
            obj: json!({}),
            name: name.into(),
            replicas,
            available,
            created,
            revision: 1,
        }
    }

    #[test]
    fn defaults_are_25_percent_surge_up_unavailable_down() {
        let d = json!({"spec": {}});
        let l = Limits::of(&d, 10);
        assert_eq!((l.max_surge, l.max_unavailable), (3, 2));
        let l = Limits::of(&d, 1);
        assert_eq!((l.max_surge, l.max_unavailable), (1, 0));
        let zero = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}});
        assert_eq!(Limits::of(&zero, 3).max_unavailable, 1);
    }

    #[test]
    fn rolling_update_steps_like_upstream() {
        // 3 replicas, surge 1, unavailable 0: new grows to 1, old stays at 3 until new is available.
        let d =
            json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}});
        let l = Limits::of(&d, 3);
        assert_eq!(new_replicas(3, 3, 0, &l), 1);
        let old = vec![rs("old", 0, 3, 3)];
        assert!(scale_down_old(3, &rs("new", 1, 1, 0), &old, &l).is_empty());
        assert_eq!(
            scale_down_old(3, &rs("new", 1, 1, 1), &old, &l),
            vec![(0, 2)]
        );
        assert_eq!(new_replicas(3, 3, 1, &l), 2);
    }

    #[test]
    fn unavailable_old_replicas_are_removed_first() {
        let d =
            json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}}});
        let l = Limits::of(&d, 4);
        let old = vec![rs("a", 0, 2, 0), rs("b", 1, 2, 2)];
        // all=4+1 new; min available 3; new unavailable 1 → may scale down 1; a's are unhealthy.
        assert_eq!(
            scale_down_old(4, &rs("new", 2, 1, 0), &old, &l),
            vec![(0, 1)]
        );
    }
}
