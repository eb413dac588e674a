//! `clerk:wrappers-ext/http-concurrent` (`wit/ext/http-concurrent.wit`): an
//! optional host import for requests answered in the background, used by
//! our guest's fast flavour to keep the next pages of a list in flight while
//! the current one is consumed.
//!
//! `start` hands the request to a thread that sends it exactly as the
//! contract's `http` functions do ([`HttpClient::send`]: same client, limits
//! and retries); `wait` blocks on the backend's thread, watching the query's
//! cancel flags as every host wait does, and records the request (EXPLAIN
//! ANALYZE, `debug`) when its answer is taken. An abandoned request, one
//! whose wait was cancelled and every request still in flight when the
//! guest instance goes away are flagged, so that the thread stops retrying
//! and its answer is dropped. At most [`MAX_IN_FLIGHT`] per instance.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::http::{strip_query, Method, RawResponse, Request, Response};
use super::HostState;

/// Requests one guest instance may have in flight.
pub const MAX_IN_FLIGHT: usize = 16;

/// How often a wait looks at the cancel flags (as the `http` interface).
const CANCEL_POLL: Duration = Duration::from_millis(50);

struct Pending {
    answer: mpsc::Receiver<Result<RawResponse, String>>,
    abandoned: Arc<AtomicBool>,
    method: Method,
    url: String,
    started: Instant,
}

/// The requests of one guest instance that are in flight.
#[derive(Default)]
pub struct InFlight {
    next: u32,
    pending: HashMap<u32, Pending>,
}

impl InFlight {
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        for p in self.pending.values() {
            p.abandoned.store(true, Ordering::Relaxed);
        }
    }
}

/// `start`: the request's handle, or `None` when this instance has
/// [`MAX_IN_FLIGHT`] requests in flight or no thread can be started.
pub fn start(state: &mut HostState, req: Request) -> Option<u32> {
    if state.in_flight.pending.len() >= MAX_IN_FLIGHT {
        return None;
    }
    let (tx, answer) = mpsc::channel();
    let abandoned = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&abandoned);
    let http = Arc::clone(&state.http);
    let (method, url) = (req.method, req.url.clone());
    crate::threads::spawn_quiet("wasm-http-bg", move || {
        // the body stays in its mapping until `wait` takes it on the
        // backend's thread (see `super::body`)
        let result = http.send_raw(&req, &|| flag.load(Ordering::Relaxed));
        let _ = tx.send(result);
    })
    .ok()?;
    let flight = &mut state.in_flight;
    let handle = flight.next;
    flight.next = flight.next.wrapping_add(1);
    flight.pending.insert(
        handle,
        Pending {
            answer,
            abandoned,
            method,
            url,
            started: Instant::now(),
        },
    );
    Some(handle)
}

/// `wait`: the answer of `handle`, as the `http` interface would have
/// returned it (errors masked).
pub fn wait(state: &mut HostState, handle: u32) -> Result<Response, String> {
    let Some(p) = state.in_flight.pending.remove(&handle) else {
        return Err(format!("no request in flight has handle {handle}"));
    };
    loop {
        match p.answer.recv_timeout(CANCEL_POLL) {
            Ok(result) => {
                let status = result.as_ref().ok().map(|r| r.status_code);
                state.record_request(p.method.as_str(), &p.url, status, p.started.elapsed());
                return result
                    .map(RawResponse::into_response)
                    .map_err(|e| state.mask(&e));
            }
            Err(mpsc::RecvTimeoutError::Timeout) if state.services.cancel_pending() => {
                p.abandoned.store(true, Ordering::Relaxed);
                return Err(format!("request to {} canceled", strip_query(&p.url)));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!(
                    "request to {} failed: the http worker stopped",
                    strip_query(&p.url)
                ));
            }
        }
    }
}

/// `abandon`: the answer of `handle` is dropped when it comes.
pub fn abandon(state: &mut HostState, handle: u32) {
    if let Some(p) = state.in_flight.pending.remove(&handle) {
        p.abandoned.store(true, Ordering::Relaxed);
    }
}
