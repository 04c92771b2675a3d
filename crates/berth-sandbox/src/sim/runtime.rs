//! The loop that drives the simulated controllers: store events become work items, each item is
//! reconciled against the current state, and a reconciler asks to be called again after a
//! (scaled) delay when it waits on time, as the kubelet does between image pull and start.

use super::ctx::{Ctx, Res};
use crate::store::EventType;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// One simulated controller.
pub trait Reconciler: Send {
    fn name(&self) -> &'static str;
    /// The resources whose events concern this controller.
    fn watches(&self) -> &'static [Res];
    /// The objects (namespace, name of this controller's own resource) to reconcile because
    /// `obj` of `res` changed. For a deletion `obj` is the last state.
    fn keys_for(
        &mut self,
        ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    );
    /// Moves one object towards its desired state; `Some(delay)` asks to be called again.
    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration>;
}

type Item = (usize, String, String);

/// Work items by due time, each item at most once (at its earliest due time).
#[derive(Default)]
struct Queue {
    by_time: BTreeMap<(Instant, u64), Item>,
    due: HashMap<Item, (Instant, u64)>,
    seq: u64,
}

impl Queue {
    fn schedule(&mut self, item: Item, at: Instant) {
        if let Some(existing) = self.due.get(&item) {
            if existing.0 <= at {
                return;
            }
            self.by_time.remove(existing);
        }
        self.seq += 1;
        let slot = (at, self.seq);
        self.by_time.insert(slot, item.clone());
        self.due.insert(item, slot);
    }

    fn pop_due(&mut self, now: Instant) -> Option<Item> {
        let (&slot, _) = self.by_time.iter().next().filter(|(s, _)| s.0 <= now)?;
        let item = self.by_time.remove(&slot)?;
        self.due.remove(&item);
        Some(item)
    }

    fn next_due(&self) -> Option<Instant> {
        self.by_time.keys().next().map(|s| s.0)
    }
}

pub struct Runtime {
    ctx: Ctx,
    reconcilers: Vec<Box<dyn Reconciler>>,
    queue: Queue,
}

impl Runtime {
    pub fn new(ctx: Ctx, reconcilers: Vec<Box<dyn Reconciler>>) -> Self {
        Self {
            ctx,
            reconcilers,
            queue: Queue::default(),
        }
    }

    pub async fn run(mut self, stop: Arc<AtomicBool>) {
        let (_, _, mut rx) = self.ctx.cluster.store.watch_snapshot("", None);
        self.resync();
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            loop {
                match rx.try_recv() {
                    Ok(event) => self.route(&event.key.resource, event.kind, &event.object),
                    Err(TryRecvError::Lagged(_)) => self.resync(),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => return,
                }
            }
            // A bounded batch, so a flood of due work never starves event intake.
            let mut worked = 0;
            while worked < 256 {
                let Some((index, namespace, name)) = self.queue.pop_due(Instant::now()) else {
                    break;
                };
                worked += 1;
                let reconciler = &mut self.reconcilers[index];
                tracing::trace!(controller = reconciler.name(), %namespace, %name, "reconcile");
                // A controller bug on one odd object must not stop the whole simulation.
                let ctx = &self.ctx;
                let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    reconciler.reconcile(ctx, &namespace, &name)
                }))
                .unwrap_or_else(|_| {
                    tracing::error!(controller = reconciler.name(), %namespace, %name, "reconcile panicked; retrying later");
                    Some(Duration::from_secs(30))
                });
                if let Some(delay) = again {
                    self.queue
                        .schedule((index, namespace, name), Instant::now() + delay);
                }
            }
            if worked > 0 {
                continue;
            }
            let wait = self
                .queue
                .next_due()
                .map(|at| at.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_millis(200))
                .min(Duration::from_millis(200));
            match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Ok(event)) => self.route(&event.key.resource, event.kind, &event.object),
                Ok(Err(RecvError::Lagged(_))) => self.resync(),
                Ok(Err(RecvError::Closed)) => return,
                Err(_) => {}
            }
        }
    }

    fn route(&mut self, resource: &str, kind: EventType, stored: &crate::store::Stored) {
        let mut parsed: Option<Value> = None;
        let mut keys = Vec::new();
        let now = Instant::now();
        for (index, reconciler) in self.reconcilers.iter_mut().enumerate() {
            for res in reconciler.watches() {
                if !res.is(resource) {
                    continue;
                }
                let obj = parsed.get_or_insert_with(|| stored.value());
                reconciler.keys_for(&self.ctx, *res, kind, obj, &mut keys);
                for (namespace, name) in keys.drain(..) {
                    self.queue.schedule((index, namespace, name), now);
                }
            }
        }
    }

    /// Looks at every watched object again: at start, and when events were missed.
    fn resync(&mut self) {
        let mut resources: Vec<Res> = Vec::new();
        for reconciler in &self.reconcilers {
            for res in reconciler.watches() {
                if !resources.contains(res) {
                    resources.push(*res);
                }
            }
        }
        for res in resources {
            let storage = res.storage();
            for (_, _, stored) in self.ctx.cluster.store.list(&storage, None).0 {
                self.route(&storage, EventType::Added, &stored);
            }
        }
    }
}
