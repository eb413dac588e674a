//! What the admin routes (`crate::server::admin`) report about `/v1`
//! traffic: the request counters per route template, the requests being
//! answered and the most at once, and the log of the last requests.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

/// Counter key for `/v1` requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

/// Requests served, per `METHOD /route/template`.
#[derive(Debug, Default)]
pub struct Counters {
    per_route: Mutex<BTreeMap<String, u64>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Counters {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.per_route
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn record(&self, method: &str, route: &str) {
        *self.lock().entry(format!("{method} {route}")).or_insert(0) += 1;
    }

    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }

    pub fn reset(&self) {
        self.lock().clear();
        self.peak
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// (requests being answered now, the most at once)
    pub fn concurrency(&self) -> (usize, usize) {
        (
            self.in_flight.load(Ordering::SeqCst),
            self.peak.load(Ordering::SeqCst),
        )
    }
}

/// One `/v1` request being answered, for [`Counters::concurrency`].
pub struct Answering<'a>(&'a Counters);

impl<'a> Answering<'a> {
    pub fn enter(counters: &'a Counters) -> Self {
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak.fetch_max(now, Ordering::SeqCst);
        Answering(counters)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many requests the log keeps.
pub const LOG_CAPACITY: usize = 10_000;

/// One logged request.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    pub path: String,
    /// The raw query string (`""` when there is none): what a client sent,
    /// so tests can prove which filters were pushed.
    pub query: String,
    pub route: String,
    pub status: u16,
    pub ms: f64,
}

/// The last `LOG_CAPACITY` `/v1` requests.
#[derive(Debug, Default)]
pub struct RequestLog {
    inner: Mutex<(u64, VecDeque<LogEntry>)>,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, VecDeque<LogEntry>)> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn record(&self, method: &str, path: &str, query: &str, route: &str, status: u16, ms: f64) {
        let mut guard = self.lock();
        let (seq, entries) = &mut *guard;
        *seq += 1;
        if entries.len() == LOG_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(LogEntry {
            seq: *seq,
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            route: route.to_owned(),
            status,
            ms,
        });
    }

    pub fn last(&self, n: usize) -> Vec<LogEntry> {
        let guard = self.lock();
        let skip = guard.1.len().saturating_sub(n);
        guard.1.iter().skip(skip).cloned().collect()
    }

    pub fn reset(&self) {
        *self.lock() = (0, VecDeque::new());
    }
}
