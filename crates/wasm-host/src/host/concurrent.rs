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
//! and its answer is dropped.
//!
//! A request's body is read only when `wait` claims its answer or the
//! answer before it (the oldest request still in flight then), or
//! [`Hold::AT_MOST`] after its headers came, for a slow consumer: until
//! then it stays in the socket ([`Hold`]). So at most one page in flight
//! is held in the backend's memory, read while the guest reads the page
//! before it; the others overlap the server's work and the network's
//! latency, which come before the headers.
//!
//! At most [`MAX_IN_FLIGHT`] per instance, and no more than keep the guest
//! busy: against a server that answers faster than the guest reads, more
//! requests in flight only load the server. By Little's law the guest never
//! waits with ceil(latency / busy) requests in flight, where latency is the
//! server's (start to headers) and busy the guest's time between two waits;
//! `start` declines past that plus one (at least 2), both measured as moving
//! averages. Against a server 100 ms away that is more than any guest asks
//! for; against one on loopback, 2 or 3.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::http::{strip_query, Hold, Method, RawResponse, Request, Response};
use super::HostState;

/// Requests one guest instance may have in flight.
pub const MAX_IN_FLIGHT: usize = 16;

/// How often a wait looks at the cancel flags (as the `http` interface).
const CANCEL_POLL: Duration = Duration::from_millis(50);

struct Pending {
    /// The answer and when it came.
    answer: mpsc::Receiver<(Instant, Result<RawResponse, String>)>,
    abandoned: Arc<AtomicBool>,
    /// The body stays in the socket until `wait` releases it.
    hold: Arc<Hold>,
    method: Method,
    url: String,
    started: Instant,
}

/// The requests of one guest instance that are in flight.
#[derive(Default)]
pub struct InFlight {
    next: u32,
    pending: HashMap<u32, Pending>,
    /// Moving averages of the server's latency and of the guest's busy
    /// time between waits, and when the guest last went busy (a wait
    /// returned, or the first start).
    latency: Option<Duration>,
    busy: Option<Duration>,
    busy_since: Option<Instant>,
}

/// `avg` moved a quarter of the way to `sample`.
fn average(avg: Option<Duration>, sample: Duration) -> Option<Duration> {
    Some(match avg {
        None => sample,
        Some(a) => (a * 3 + sample) / 4,
    })
}

impl InFlight {
    /// Requests in flight that keep the guest from waiting, plus one; no
    /// bound before both averages are known.
    fn enough(&self) -> usize {
        let (Some(latency), Some(busy)) = (self.latency, self.busy) else {
            return MAX_IN_FLIGHT;
        };
        let busy = busy.as_micros().max(1);
        let needed = latency.as_micros().div_ceil(busy);
        usize::try_from(needed)
            .unwrap_or(MAX_IN_FLIGHT)
            .saturating_add(1)
            .clamp(2, MAX_IN_FLIGHT)
    }

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
    let flight = &mut state.in_flight;
    if flight.pending.len() >= MAX_IN_FLIGHT.min(flight.enough()) {
        return None;
    }
    flight.busy_since.get_or_insert_with(Instant::now);
    let (tx, answer) = mpsc::channel();
    let abandoned = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&abandoned);
    let hold = Arc::new(Hold::default());
    let theirs = Arc::clone(&hold);
    let http = Arc::clone(&state.http);
    let (method, url) = (req.method, req.url.clone());
    crate::threads::spawn_quiet("wasm-http-bg", move || {
        // the body is read once `wait` releases the hold, into a mapping
        // that `wait` makes text of on the backend's thread (`super::body`)
        let result = http.send_held(&req, &|| flag.load(Ordering::Relaxed), Some(theirs));
        let _ = tx.send((Instant::now(), result));
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
            hold,
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
    p.hold.release();
    // the next page's body is read while the guest reads this one
    if let Some(next) = state.in_flight.pending.values().min_by_key(|q| q.started) {
        next.hold.release();
    }
    let flight = &mut state.in_flight;
    if let Some(since) = flight.busy_since.take() {
        flight.busy = average(flight.busy, since.elapsed());
    }
    loop {
        match p.answer.recv_timeout(CANCEL_POLL) {
            Ok((came, result)) => {
                // the server's latency: until its headers came (the body
                // waited for this wait)
                let came = p.hold.headers_came().unwrap_or(came);
                let flight = &mut state.in_flight;
                flight.latency = average(flight.latency, came.saturating_duration_since(p.started));
                flight.busy_since = Some(Instant::now());
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::host::http::{HttpClient, HttpConfig};
    use crate::host::NoDatabase;

    /// A loopback server answering every request with `size` bytes after
    /// `delay`; the counter tells how many body bytes it has written.
    fn counting_server(size: usize, delay: Duration) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let written = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&written);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    std::thread::sleep(delay);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let chunk = vec![b'x'; 64 * 1024];
                    let mut left = size;
                    while left > 0 {
                        let n = left.min(chunk.len());
                        if stream.write_all(&chunk[..n]).is_err() {
                            return;
                        }
                        counter.fetch_add(n, Ordering::SeqCst);
                        left -= n;
                    }
                });
            }
        });
        (format!("http://{addr}/v1"), written)
    }

    fn server(size: usize, delay: Duration) -> String {
        counting_server(size, delay).0
    }

    fn get(url: &str) -> Request {
        Request {
            method: Method::Get,
            url: format!("{url}/users"),
            headers: vec![],
            body: String::new(),
        }
    }

    fn state(url: &str) -> HostState {
        let opts: HashMap<String, String> = [("api_url".to_string(), url.to_string())].into();
        HostState::new(
            opts,
            Arc::new(HttpClient::new(HttpConfig::default())),
            Box::new(NoDatabase),
        )
    }

    #[test]
    fn against_a_server_faster_than_the_guest_two_requests_are_enough() {
        let url = server(100_000, Duration::ZERO);
        let mut state = state(&url);
        let a = start(&mut state, get(&url)).unwrap();
        let b = start(&mut state, get(&url)).unwrap();
        // the guest is busy longer than the server takes to answer
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(wait(&mut state, a).unwrap().body.len(), 100_000);
        let c = start(&mut state, get(&url)).expect("one answer taken: two in flight");
        assert_eq!(
            start(&mut state, get(&url)),
            None,
            "a third would only hold its answer"
        );
        for h in [b, c] {
            assert_eq!(wait(&mut state, h).unwrap().status_code, 200);
        }
        assert!(state.in_flight.is_empty());
    }

    #[test]
    fn against_a_slow_server_the_guest_keeps_what_it_asks_for_in_flight() {
        let url = server(100, Duration::from_millis(300));
        let mut state = state(&url);
        let first = start(&mut state, get(&url)).unwrap();
        assert_eq!(wait(&mut state, first).unwrap().status_code, 200);
        let handles: Vec<u32> = (0..6)
            .map(|_| start(&mut state, get(&url)).unwrap())
            .collect();
        for h in handles {
            assert_eq!(wait(&mut state, h).unwrap().status_code, 200);
        }
    }

    /// A body larger than the socket buffers can hold.
    const LARGE: usize = 48 * 1024 * 1024;

    /// A request for a [`LARGE`] body started: the state, its handle and
    /// the server's count of body bytes written.
    fn start_large() -> (HostState, u32, Arc<AtomicUsize>) {
        let (url, written) = counting_server(LARGE, Duration::ZERO);
        let mut state = state(&url);
        let handle = start(&mut state, get(&url)).unwrap();
        (state, handle, written)
    }

    /// While its answer is not claimed the server is held back (the body
    /// is not read into the backend's memory); `wait` reads it whole.
    #[test]
    fn a_body_stays_in_the_socket_until_its_answer_is_claimed() {
        let (mut state, handle, written) = start_large();
        std::thread::sleep(Duration::from_millis(500));
        let before = written.load(Ordering::SeqCst);
        assert!(
            before < LARGE / 2,
            "{before} of {LARGE} bytes written before the answer was claimed"
        );
        let answer = wait(&mut state, handle).unwrap();
        assert_eq!(answer.body.len(), LARGE);
        assert_eq!(written.load(Ordering::SeqCst), LARGE);
    }

    /// A consumer slower than `Hold::AT_MOST` gets its body read ahead.
    #[test]
    fn an_unclaimed_body_is_read_after_the_hold() {
        let (mut state, handle, written) = start_large();
        let until = Instant::now() + Hold::AT_MOST + Duration::from_secs(20);
        while written.load(Ordering::SeqCst) < LARGE && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            written.load(Ordering::SeqCst),
            LARGE,
            "not read after the hold"
        );
        assert_eq!(wait(&mut state, handle).unwrap().body.len(), LARGE);
    }
}
