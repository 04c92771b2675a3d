//! The work queue of app names: each name at most once in the queue, never reconciled by
//! two workers at once (a change while it runs queues it again), and delayed re-queues.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

#[derive(Default)]
struct State {
    queue: VecDeque<String>,
    queued: HashSet<String>,
    running: HashSet<String>,
    dirty: HashSet<String>,
    due: HashMap<String, Instant>,
    closed: bool,
}

#[derive(Clone, Default)]
pub struct WorkQueue {
    state: Arc<Mutex<State>>,
    notify: Arc<Notify>,
}

impl WorkQueue {
    pub fn add(&self, name: &str) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        if s.running.contains(name) {
            s.dirty.insert(name.to_string());
            return;
        }
        if s.queued.insert(name.to_string()) {
            s.queue.push_back(name.to_string());
            drop(s);
            self.notify.notify_one();
        }
    }

    /// Queues the name after `delay`, unless an earlier re-queue is already planned.
    pub fn add_after(&self, name: &str, delay: Duration) {
        let due = Instant::now() + delay;
        {
            let Ok(mut s) = self.state.lock() else {
                return;
            };
            match s.due.get(name) {
                Some(existing) if *existing <= due && *existing > Instant::now() => return,
                _ => {
                    s.due.insert(name.to_string(), due);
                }
            }
        }
        let this = self.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let current = this
                .state
                .lock()
                .ok()
                .and_then(|s| s.due.get(&name).copied());
            if current == Some(due) {
                if let Ok(mut s) = this.state.lock() {
                    s.due.remove(&name);
                }
                this.add(&name);
            }
        });
    }

    /// The next name to work on; None once the queue is closed.
    pub async fn next(&self) -> Option<String> {
        loop {
            let notified = self.notify.notified();
            {
                let Ok(mut s) = self.state.lock() else {
                    return None;
                };
                if s.closed {
                    return None;
                }
                if let Some(name) = s.queue.pop_front() {
                    s.queued.remove(&name);
                    s.running.insert(name.clone());
                    if !s.queue.is_empty() {
                        self.notify.notify_one();
                    }
                    return Some(name);
                }
            }
            notified.await;
        }
    }

    /// Marks the work on `name` finished; a change that arrived meanwhile queues it again.
    pub fn done(&self, name: &str) {
        let again = {
            let Ok(mut s) = self.state.lock() else {
                return;
            };
            s.running.remove(name);
            s.dirty.remove(name)
        };
        if again {
            self.add(name);
        }
    }

    pub fn close(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.closed = true;
        }
        self.notify.notify_waiters();
    }

    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.queue.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_is_queued_once_and_requeued_when_changed_while_running() {
        let q = WorkQueue::default();
        q.add("a");
        q.add("a");
        q.add("b");
        assert_eq!(q.len(), 2);
        let first = q.next().await.unwrap();
        assert_eq!(first, "a");
        q.add("a"); // changed while running
        assert_eq!(q.len(), 1);
        q.done("a");
        assert_eq!(q.next().await.unwrap(), "b");
        assert_eq!(q.next().await.unwrap(), "a");
    }

    #[tokio::test]
    async fn delayed_adds_arrive_after_the_delay() {
        let q = WorkQueue::default();
        q.add_after("x", Duration::from_millis(50));
        assert!(q.is_empty());
        let got = tokio::time::timeout(Duration::from_secs(2), q.next())
            .await
            .unwrap();
        assert_eq!(got.as_deref(), Some("x"));
    }
}
