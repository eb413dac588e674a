//! `http`: outbound HTTP for guests.
//!
//! One pooled keep-alive client per server definition (built by the caller
//! and shared through an `Arc`), connect and total timeouts from server
//! options, a cap on response size. Unlike Supabase's host it never panics on
//! a bad header and only retries what is safe to retry: idempotent GETs on
//! connection failures and 502/503/504, never writes, never 429 (guests
//! honour `Retry-After` themselves), never a timeout, and never past the
//! request's total timeout (`http_timeout_ms` bounds a GET with all of its
//! retries). A request runs on a helper thread while the backend's thread
//! watches for query cancel; a cancel shuts the request's socket down, so
//! the helper ends at once instead of running out its timeout.
//!
//! A client made for a guest carries its server's [`OutboundPolicy`]
//! (`HostState::new` sets it): every request and every redirect hop is
//! checked against it, and a name resolving to a link-local or metadata
//! address is refused at resolution. Redirects are followed here, not by
//! the library, so that each hop is checked; `authorization`, `cookie` and
//! `proxy-authorization` do not follow a redirect to another origin.

use std::cell::RefCell;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use ureq::http;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, ShutdownHandle, Transport,
};
use ureq::ResponseExt;

pub use super::body::MappedBody;
pub use super::outbound::OutboundPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub url: String,
    pub status_code: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A response as a helper thread read it: the body still in its own
/// mapping ([`MappedBody`]), made into a [`Response`] by the thread that
/// takes the answer ([`RawResponse::into_response`]), so that its text is
/// allocated there and not in the helper's malloc arena.
#[derive(Debug)]
pub struct RawResponse {
    pub url: String,
    pub status_code: u16,
    pub headers: Vec<(String, String)>,
    pub body: MappedBody,
}

impl RawResponse {
    pub fn into_response(self) -> Response {
        Response {
            body: self.body.to_string_lossy(),
            url: self.url,
            status_code: self.status_code,
            headers: self.headers,
        }
    }
}

/// Limits of the client, from server options.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpConfig {
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub max_response_bytes: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout_ms: 10_000,
            request_timeout_ms: 60_000,
            max_response_bytes: 64 * 1024 * 1024,
        }
    }
}

pub struct HttpClient {
    agent: ureq::Agent,
    config: HttpConfig,
    /// `None`: any destination (a client nobody gave a policy yet; guests
    /// only ever get restricted ones, see `HostState::new`).
    policy: Option<Arc<OutboundPolicy>>,
}

const RETRY_BACKOFF_MS: [u64; 2] = [200, 1000];
/// A retry is not started with less than this left of the total timeout.
const MIN_RETRY_BUDGET: Duration = Duration::from_millis(100);
/// How often a waiting request looks at the cancel flags.
const CANCEL_POLL: Duration = Duration::from_millis(50);
/// Redirect hops followed at most (as browsers and ureq do).
const MAX_REDIRECTS: usize = 10;
/// Headers that do not follow a redirect to another origin.
const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

impl HttpClient {
    /// A client without an outbound policy.
    pub fn new(config: HttpConfig) -> Self {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_millis(config.connect_timeout_ms)))
            .timeout_global(Some(Duration::from_millis(config.request_timeout_ms)))
            // followed by `send_once`, which checks every hop
            .max_redirects(0)
            .max_idle_connections_per_host(8)
            .user_agent("supabase-wrappers-host")
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            CancellableConnector(DefaultConnector::new()),
            CheckingResolver(DefaultResolver::default()),
        );
        HttpClient {
            agent,
            config,
            policy: None,
        }
    }

    /// The same client (same connection pool and limits), restricted to
    /// what `policy` allows.
    pub fn restricted(&self, policy: OutboundPolicy) -> HttpClient {
        HttpClient {
            agent: self.agent.clone(),
            config: self.config.clone(),
            policy: Some(Arc::new(policy)),
        }
    }

    pub fn policy(&self) -> Option<&OutboundPolicy> {
        self.policy.as_deref()
    }

    /// Sends `req`, retrying what is safe to retry within the request's
    /// total timeout; gives up as soon as `cancelled` says so (the caller
    /// then raises the cancel). A destination the policy refuses is an
    /// error before anything is sent.
    pub fn send(&self, req: &Request, cancelled: &dyn Fn() -> bool) -> Result<Response, String> {
        self.send_raw(req, cancelled)
            .map(RawResponse::into_response)
    }

    /// [`HttpClient::send`], the body left in its mapping: for a caller on a
    /// helper thread that hands the answer to another thread.
    pub fn send_raw(
        &self,
        req: &Request,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<RawResponse, String> {
        self.send_held(req, cancelled, None)
    }

    /// [`HttpClient::send_raw`], the body of each attempt read only once
    /// `hold` is released (or [`Hold::AT_MOST`] after its headers came).
    pub fn send_held(
        &self,
        req: &Request,
        cancelled: &dyn Fn() -> bool,
        hold: Option<Arc<Hold>>,
    ) -> Result<RawResponse, String> {
        if let Some(policy) = &self.policy {
            policy.check(&req.url)?;
        }
        let deadline =
            Instant::now().checked_add(Duration::from_millis(self.config.request_timeout_ms));
        let mut attempt = 0;
        loop {
            let result = self.send_watched(req, deadline, cancelled, hold.clone());
            let retryable = req.method == Method::Get
                && match &result {
                    Err(SendError::Transport(_)) => true,
                    Ok(resp) => matches!(resp.status_code, 502..=504),
                    Err(SendError::Invalid(_) | SendError::Timeout(_)) => false,
                };
            if let (true, Some(delay)) = (retryable, RETRY_BACKOFF_MS.get(attempt)) {
                let delay_d = Duration::from_millis(*delay);
                let fits = deadline.is_none_or(|d| {
                    d.saturating_duration_since(Instant::now()) > delay_d + MIN_RETRY_BUDGET
                });
                if fits {
                    crate::host::time::sleep(*delay, cancelled);
                    if !cancelled() {
                        attempt += 1;
                        continue;
                    }
                }
            }
            return result.map_err(SendError::into_message);
        }
    }

    /// One attempt on a helper thread, polled every [`CANCEL_POLL`]; if the
    /// thread cannot be started the request runs on this one.
    fn send_watched(
        &self,
        req: &Request,
        deadline: Option<Instant>,
        cancelled: &dyn Fn() -> bool,
        hold: Option<Arc<Hold>>,
    ) -> Result<RawResponse, SendError> {
        let (tx, rx) = mpsc::channel();
        let attempt = Arc::new(Attempt {
            policy: self.policy.clone(),
            cancel: CancelSlot::default(),
            refused: Mutex::new(None),
            hold,
        });
        let client = HttpClient {
            agent: self.agent.clone(),
            config: self.config.clone(),
            policy: self.policy.clone(),
        };
        let request = req.clone();
        let theirs = Arc::clone(&attempt);
        let spawned = crate::threads::spawn_quiet("wasm-http", move || {
            let _ = tx.send(client.send_once(&request, &theirs, deadline));
        });
        if spawned.is_err() {
            return self.send_once(req, &attempt, deadline);
        }
        loop {
            match rx.recv_timeout(CANCEL_POLL) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Timeout) if cancelled() => {
                    // shuts the socket down: the helper's read or write
                    // fails now, and the helper ends
                    attempt.cancel.cancel();
                    if let Some(hold) = &attempt.hold {
                        hold.release();
                    }
                    return Err(SendError::Invalid(format!(
                        "request to {} canceled",
                        strip_query(&req.url)
                    )));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(SendError::Transport(format!(
                        "request to {} failed: the http worker stopped",
                        strip_query(&req.url)
                    )))
                }
            }
        }
    }

    /// The request and the redirects it leads to, each hop checked
    /// against the policy, all within `deadline`.
    fn send_once(
        &self,
        req: &Request,
        attempt: &Arc<Attempt>,
        deadline: Option<Instant>,
    ) -> Result<RawResponse, SendError> {
        let _current = CurrentAttempt::enter(attempt);
        let mut method = req.method;
        let mut url = req.url.clone();
        let mut headers = req.headers.clone();
        let mut body = req.body.clone();
        for hop in 0..=MAX_REDIRECTS {
            if hop > 0 {
                if let Some(policy) = &self.policy {
                    policy.check(&url).map_err(SendError::Invalid)?;
                }
            }
            let mut resp = self.exchange(method, &url, &headers, &body, attempt, deadline)?;
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let Some(next) = location.filter(|_| matches!(status, 301 | 302 | 303 | 307 | 308))
            else {
                if let Some(hold) = &attempt.hold {
                    hold.wait_for_release();
                }
                return self.read_response(&url, &mut resp);
            };
            if hop == MAX_REDIRECTS {
                return Err(SendError::Invalid(format!(
                    "request to {} was redirected more than {MAX_REDIRECTS} times",
                    strip_query(&req.url)
                )));
            }
            let next = join_url(&url, &next);
            if origin(&next) != origin(&url) {
                headers.retain(|(name, _)| {
                    !CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                });
            }
            // as browsers do: 303, and 301/302 after a POST, continue as GET
            if status == 303 || (matches!(status, 301 | 302) && method == Method::Post) {
                method = Method::Get;
                body.clear();
                headers.retain(|(name, _)| {
                    let n = name.to_ascii_lowercase();
                    n != "content-type" && n != "content-length"
                });
            }
            url = next;
        }
        Err(SendError::Invalid(format!(
            "request to {} was redirected too often",
            strip_query(&req.url)
        )))
    }

    /// One HTTP exchange, without following a redirect.
    fn exchange(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: &str,
        attempt: &Attempt,
        deadline: Option<Instant>,
    ) -> Result<http::Response<ureq::Body>, SendError> {
        let http_method = match method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
            Method::Patch => http::Method::PATCH,
            Method::Delete => http::Method::DELETE,
        };
        let mut builder = http::Request::builder().method(http_method).uri(url);
        for (name, value) in headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| SendError::Invalid(format!("invalid http header name \"{name}\"")))?;
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                SendError::Invalid(format!("invalid value for http header \"{name}\""))
            })?;
            builder = builder.header(name, value);
        }
        let request = builder
            .body(body.to_owned())
            .map_err(|e| SendError::Invalid(format!("invalid http request: {e}")))?;
        let remaining = match deadline {
            None => None,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(SendError::Timeout(format!(
                        "request to {} timed out",
                        strip_query(url)
                    )));
                }
                Some(left)
            }
        };
        let request = match remaining {
            Some(left) => self
                .agent
                .configure_request(request)
                .timeout_global(Some(left))
                .build(),
            None => request,
        };
        self.agent.run(request).map_err(|e| {
            if let Some(refusal) = lock(&attempt.refused).take() {
                return SendError::Invalid(refusal);
            }
            classify(&e, url)
        })
    }

    fn read_response(
        &self,
        url: &str,
        resp: &mut http::Response<ureq::Body>,
    ) -> Result<RawResponse, SendError> {
        let final_url = resp.get_uri().to_string();
        let status_code = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                let v = v.to_str().map(str::to_owned).unwrap_or_default();
                (k.as_str().to_owned(), v)
            })
            .collect();
        let limit = self.config.max_response_bytes;
        // mapped at its announced size (up to the cap) at once: no regrowth
        let size_hint = resp
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|n| n.min(limit.saturating_add(1)))
            .and_then(|n| usize::try_from(n).ok());
        let mut reader = resp
            .body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader()
            .take(limit.saturating_add(1));
        let bytes = MappedBody::read_from(&mut reader, size_hint).map_err(|e| {
            let msg = format!(
                "reading the response body of {} failed: {e}",
                strip_query(url)
            );
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                SendError::Timeout(msg)
            } else {
                SendError::Transport(msg)
            }
        })?;
        if bytes.len() as u64 > limit {
            return Err(SendError::Invalid(format!(
                "response body of {} exceeds max_response_bytes ({limit} bytes)",
                strip_query(url)
            )));
        }
        Ok(RawResponse {
            url: final_url,
            status_code,
            headers,
            body: bytes,
        })
    }
}

enum SendError {
    /// the request itself is malformed or refused: retrying cannot help
    Invalid(String),
    /// the total timeout ran out: a retry would start over with none left
    Timeout(String),
    Transport(String),
}

impl SendError {
    fn into_message(self) -> String {
        match self {
            SendError::Invalid(m) | SendError::Timeout(m) | SendError::Transport(m) => m,
        }
    }
}

fn classify(e: &ureq::Error, url: &str) -> SendError {
    let msg = describe_transport_error(e, url);
    match e {
        ureq::Error::Timeout(_) => SendError::Timeout(msg),
        ureq::Error::Io(io) if matches!(io.kind(), std::io::ErrorKind::TimedOut) => {
            SendError::Timeout(msg)
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => SendError::Invalid(msg),
        _ => SendError::Transport(msg),
    }
}

/// Transport errors name the host and path but not the query string, which
/// some APIs use for credentials.
fn describe_transport_error(e: &ureq::Error, url: &str) -> String {
    let url = strip_query(url);
    match e {
        ureq::Error::Timeout(t) => format!("request to {url} timed out ({t})"),
        ureq::Error::ConnectionFailed => format!("could not connect to {url}"),
        ureq::Error::HostNotFound => format!("host not found for {url}"),
        other => format!("request to {url} failed: {other}"),
    }
}

pub fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// `scheme://authority` of an absolute URL (lower case), for comparing
/// origins; `None` if it has none.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// The URL a `Location` header points at, relative to `base`.
fn join_url(base: &str, location: &str) -> String {
    let location = location.trim();
    if location.contains("://") {
        return location.to_owned();
    }
    let Some((scheme, rest)) = base.split_once("://") else {
        return location.to_owned();
    };
    if let Some(net) = location.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = strip_query(&rest[authority.len()..]);
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    if location.starts_with('?') {
        return format!("{scheme}://{authority}{path}{location}");
    }
    format!("{scheme}://{authority}{dir}{location}")
}

/// `error-for-status`.
pub fn error_for_status(resp: &Response) -> Result<(), String> {
    if (400..600).contains(&resp.status_code) {
        let reason = http::StatusCode::from_u16(resp.status_code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        Err(format!(
            "HTTP status error ({} {reason}) for url ({})",
            resp.status_code,
            strip_query(&resp.url)
        ))
    } else {
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What one attempt shares between the backend's thread (which may cancel
/// it) and the thread running it (whose connector, transport and resolver
/// find it through [`CURRENT`]).
struct Attempt {
    policy: Option<Arc<OutboundPolicy>>,
    cancel: CancelSlot,
    /// Set by the resolver when the policy refuses the resolved address.
    refused: Mutex<Option<String>>,
    /// When the body may be read (`None`: as soon as the headers came).
    hold: Option<Arc<Hold>>,
}

/// A request in flight whose body stays in its socket until it is released
/// (`http-concurrent`'s `wait` releases the answer it claims and the next
/// one), or [`Hold::AT_MOST`] after the headers came, whichever is first.
/// Until then the body lies in the kernel's socket buffers and, past those,
/// at the server, which TCP's flow control holds back: a page held costs
/// the backend no memory (a page of 500 users is about 1.3 MB), and the
/// server's work and the network's latency still overlap the guest's. A consumer slower than
/// `AT_MOST` gets its bodies read ahead into memory, as without a hold, so
/// that a server never waits long on a reader that does not come.
#[derive(Debug, Default)]
pub struct Hold {
    state: Mutex<HoldState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct HoldState {
    released: bool,
    headers_came: Option<Instant>,
}

impl Hold {
    /// How long a body waits in its socket at most.
    pub const AT_MOST: Duration = Duration::from_secs(2);

    /// The body may be read now (and the reader is woken if it waits).
    pub fn release(&self) {
        lock(&self.state).released = true;
        self.changed.notify_all();
    }

    /// When the answer's headers came, if they have.
    pub fn headers_came(&self) -> Option<Instant> {
        lock(&self.state).headers_came
    }

    /// On the reading thread, the headers read: returns once released or
    /// after [`Hold::AT_MOST`].
    fn wait_for_release(&self) {
        let mut state = lock(&self.state);
        state.headers_came.get_or_insert_with(Instant::now);
        let _ = self
            .changed
            .wait_timeout_while(state, Self::AT_MOST, |s| !s.released);
    }
}

/// The socket of the attempt's current connection, to shut down on cancel.
#[derive(Default)]
struct CancelSlot {
    cancelled: AtomicBool,
    socket: Mutex<Option<Weak<dyn ShutdownHandle>>>,
}

impl CancelSlot {
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(socket) = lock(&self.socket).take().and_then(|w| w.upgrade()) {
            socket.shutdown();
        }
    }

    /// Makes `socket` the one a cancel shuts down; `false` (and the socket
    /// shut down) when the attempt was cancelled already.
    fn attach(&self, socket: &Weak<dyn ShutdownHandle>) -> bool {
        let mut slot = lock(&self.socket);
        if self.cancelled.load(Ordering::SeqCst) {
            if let Some(s) = socket.upgrade() {
                s.shutdown();
            }
            return false;
        }
        *slot = Some(socket.clone());
        true
    }
}

thread_local! {
    /// The attempt this thread is running, if any.
    static CURRENT: RefCell<Option<Arc<Attempt>>> = const { RefCell::new(None) };
}

fn current_attempt() -> Option<Arc<Attempt>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Sets [`CURRENT`] for the scope of one attempt.
struct CurrentAttempt;

impl CurrentAttempt {
    fn enter(attempt: &Arc<Attempt>) -> CurrentAttempt {
        CURRENT.with(|c| *c.borrow_mut() = Some(Arc::clone(attempt)));
        CurrentAttempt
    }
}

impl Drop for CurrentAttempt {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

fn canceled() -> ureq::Error {
    ureq::Error::Io(std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "request canceled",
    ))
}

/// The default connector chain, keeping the socket's shutdown handle with
/// each connection so that a cancel can interrupt it, pooled or new.
#[derive(Debug)]
struct CancellableConnector(DefaultConnector);

impl Connector<()> for CancellableConnector {
    type Out = CancellableTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let captured: Arc<Mutex<Option<Weak<dyn ShutdownHandle>>>> = Arc::default();
        let register_shutdown = {
            let captured = Arc::clone(&captured);
            let agents = Arc::clone(&details.register_shutdown);
            Arc::new(move |socket: Weak<dyn ShutdownHandle>| {
                // attached right away: a cancel during the TLS handshake
                // interrupts it too
                if let Some(attempt) = current_attempt() {
                    attempt.cancel.attach(&socket);
                }
                *lock(&captured) = Some(socket.clone());
                agents(socket)
            })
        };
        let ours = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: Arc::clone(&details.current_time),
            run_connector: Arc::clone(&details.run_connector),
            register_shutdown,
        };
        let transport = self.0.connect(&ours, chained)?;
        let socket = lock(&captured).take();
        Ok(transport.map(|inner| CancellableTransport { inner, socket }))
    }
}

/// A connection that, before each read and write, registers its socket
/// with the attempt using it and fails once that attempt is cancelled.
struct CancellableTransport {
    inner: Box<dyn Transport>,
    socket: Option<Weak<dyn ShutdownHandle>>,
}

impl std::fmt::Debug for CancellableTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancellableTransport")
            .field("inner", &self.inner)
            .finish()
    }
}

impl CancellableTransport {
    fn watch(&self) -> Result<(), ureq::Error> {
        let Some(attempt) = current_attempt() else {
            return Ok(());
        };
        let live = match &self.socket {
            Some(socket) => attempt.cancel.attach(socket),
            None => !attempt.cancel.cancelled.load(Ordering::SeqCst),
        };
        if live {
            Ok(())
        } else {
            Err(canceled())
        }
    }
}

impl Transport for CancellableTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.watch()?;
        self.inner.transmit_output(amount, timeout)
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.watch()?;
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.watch()?;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// The default resolver, then the attempt's policy on the addresses found
/// (a name that resolves to a metadata address).
#[derive(Debug)]
struct CheckingResolver(DefaultResolver);

impl Resolver for CheckingResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.0.resolve(uri, config, timeout)?;
        let Some(attempt) = current_attempt() else {
            return Ok(addrs);
        };
        let Some(policy) = &attempt.policy else {
            return Ok(addrs);
        };
        let host = uri.host().unwrap_or_default();
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("http") {
                80
            } else {
                443
            });
        match policy.check_resolved(host, port, &addrs) {
            Ok(()) => Ok(addrs),
            Err(refusal) => {
                *lock(&attempt.refused) = Some(refusal);
                Err(ureq::Error::HostNotFound)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_joined_like_a_browser_does() {
        let base = "https://a.example:8443/v1/users?limit=1";
        assert_eq!(join_url(base, "https://b.example/x"), "https://b.example/x");
        assert_eq!(join_url(base, "//c.example/y"), "https://c.example/y");
        assert_eq!(join_url(base, "/v2/z"), "https://a.example:8443/v2/z");
        assert_eq!(join_url(base, "orgs"), "https://a.example:8443/v1/orgs");
        assert_eq!(
            join_url(base, "?page=2"),
            "https://a.example:8443/v1/users?page=2"
        );
        assert_eq!(join_url("http://h", "x"), "http://h/x");
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin("https://A.example/x"),
            origin("https://a.example/y?q")
        );
        assert_ne!(origin("https://a.example/"), origin("http://a.example/"));
        assert_ne!(
            origin("https://a.example/"),
            origin("https://a.example:8443/")
        );
    }
}
