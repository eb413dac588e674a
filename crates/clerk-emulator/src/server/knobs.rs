//! Operational knobs for tests and benchmarks, set by flags at startup and
//! changed at run time through `PATCH /__emulator/knobs`:
//!
//! - **rate limit**: Clerk's per-instance limit (one instance = one secret
//!   key, so one emulator): `N` requests per fixed window, then 429 with
//!   `Retry-After` (whole seconds until the window ends) and a `ClerkErrors`
//!   body, until the window ends. Presets `100/10s` (development instances)
//!   and `1000/10s` (production), or any `N/<duration>`; off by default.
//! - **latency**: a fixed delay plus a uniform jitter before each answer.
//! - **faults**: at a given rate, one of `500`, `502`, `503`, `reset` (the
//!   connection is dropped before a response), `truncate` (the body stops
//!   halfway through its declared length), `malformed` (a complete response
//!   whose JSON is cut in half) and `slow` (the body trickles out over
//!   `slow_body_ms`). Draws are deterministic from the seed.
//!
//! Everything applies only to matched, authenticated `/v1` routes, after the
//! request is counted.

use std::fmt;
use std::future::Future as _;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::seed::splitmix;
use crate::server::error::ApiError;

/// `N` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

impl RateLimit {
    pub const DEVELOPMENT: Self = Self {
        requests: 100,
        window: Duration::from_secs(10),
    };
    pub const PRODUCTION: Self = Self {
        requests: 1000,
        window: Duration::from_secs(10),
    };
}

impl FromStr for RateLimit {
    type Err = String;

    /// `100/10s`, `1000/10s`, `5/1s`, `20/500ms`, `60/1m`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hint = "use N/<duration> such as 100/10s, 1000/10s or 20/500ms, or off";
        let (n, window) = s
            .split_once('/')
            .ok_or_else(|| format!("rate limit \"{s}\" is not valid ({hint})"))?;
        let requests: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("rate limit \"{s}\" is not valid ({hint})"))?;
        let window = parse_duration(window)
            .ok_or_else(|| format!("rate limit \"{s}\" is not valid ({hint})"))?;
        if requests == 0 || window.is_zero() {
            return Err(format!(
                "rate limit \"{s}\" must allow at least one request per non-empty window"
            ));
        }
        Ok(Self { requests, window })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.window.as_millis();
        if ms.is_multiple_of(60_000) {
            write!(f, "{}/{}m", self.requests, ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}/{}s", self.requests, ms / 1000)
        } else {
            write!(f, "{}/{}ms", self.requests, ms)
        }
    }
}

/// `250ms`, `10s`, `1m`, or a bare number of milliseconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (digits, unit_ms) = if let Some(d) = s.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = s.strip_suffix('s') {
        (d, 1000)
    } else if let Some(d) = s.strip_suffix('m') {
        (d, 60_000)
    } else {
        (s, 1)
    };
    let n: u64 = digits.trim().parse().ok()?;
    Some(Duration::from_millis(n.checked_mul(unit_ms)?))
}

/// The optional `--rate-limit` flag value: `off` or a `RateLimit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimitSetting(pub Option<RateLimit>);

impl FromStr for RateLimitSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" | "none" => Ok(Self(None)),
            "development" | "dev" => Ok(Self(Some(RateLimit::DEVELOPMENT))),
            "production" | "prod" => Ok(Self(Some(RateLimit::PRODUCTION))),
            other => other.parse().map(|r| Self(Some(r))),
        }
    }
}

impl fmt::Display for RateLimitSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(r) => r.fmt(f),
        }
    }
}

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    #[serde(rename = "500")]
    InternalError,
    #[serde(rename = "502")]
    BadGateway,
    #[serde(rename = "503")]
    Unavailable,
    #[serde(rename = "reset")]
    Reset,
    #[serde(rename = "truncate")]
    Truncate,
    #[serde(rename = "malformed")]
    Malformed,
    #[serde(rename = "slow")]
    SlowBody,
}

impl Fault {
    pub const ALL: &'static [Fault] = &[
        Self::InternalError,
        Self::BadGateway,
        Self::Unavailable,
        Self::Reset,
        Self::Truncate,
        Self::Malformed,
        Self::SlowBody,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::InternalError => "500",
            Self::BadGateway => "502",
            Self::Unavailable => "503",
            Self::Reset => "reset",
            Self::Truncate => "truncate",
            Self::Malformed => "malformed",
            Self::SlowBody => "slow",
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "fault \"{s}\" is not supported (use any of: {})",
                    names.join(", ")
                )
            })
    }
}

/// A comma-separated fault list flag value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultList(pub Vec<Fault>);

impl FromStr for FaultList {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim() == "all" {
            return Ok(Self(Fault::ALL.to_vec()));
        }
        let faults = s
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if faults.is_empty() {
            return Err("the fault list is empty (use all, or some of: 500,502,503,reset,truncate,malformed,slow)".into());
        }
        Ok(Self(faults))
    }
}

/// The knob settings, as the admin route shows and takes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Knobs {
    /// `null` when off, else `N/<duration>`.
    pub rate_limit: Option<String>,
    pub latency_ms: u64,
    pub latency_jitter_ms: u64,
    /// Probability in `[0, 1]` that a request gets a fault.
    pub fault_rate: f64,
    pub faults: Vec<Fault>,
    /// How long a `slow` body takes to arrive in full.
    pub slow_body_ms: u64,
    #[serde(skip)]
    pub limit: Option<RateLimit>,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            rate_limit: None,
            latency_ms: 0,
            latency_jitter_ms: 0,
            fault_rate: 0.0,
            faults: Fault::ALL.to_vec(),
            slow_body_ms: 2000,
            limit: None,
        }
    }
}

impl Knobs {
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.limit = limit;
        self.rate_limit = limit.map(|l| l.to_string());
        self
    }
}

/// A partial update: fields left out keep their value; `rate_limit: null`
/// or `"off"` turns the limit off.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnobsPatch {
    #[serde(default, deserialize_with = "present")]
    pub rate_limit: Option<Option<String>>,
    pub latency_ms: Option<u64>,
    pub latency_jitter_ms: Option<u64>,
    pub fault_rate: Option<f64>,
    pub faults: Option<Vec<Fault>>,
    pub slow_body_ms: Option<u64>,
}

/// Distinguishes a field sent as `null` from a field left out.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl KnobsPatch {
    pub fn apply(self, knobs: &Knobs) -> Result<Knobs, String> {
        let mut next = knobs.clone();
        if let Some(rate_limit) = self.rate_limit {
            let setting: RateLimitSetting = rate_limit.as_deref().unwrap_or("off").parse()?;
            next = next.with_rate_limit(setting.0);
        }
        if let Some(rate) = self.fault_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("fault_rate {rate} is not in [0, 1]"));
            }
            next.fault_rate = rate;
        }
        if let Some(faults) = self.faults {
            if faults.is_empty() {
                return Err("faults is empty (leave it out to keep the current list)".into());
            }
            next.faults = faults;
        }
        next.latency_ms = self.latency_ms.unwrap_or(next.latency_ms);
        next.latency_jitter_ms = self.latency_jitter_ms.unwrap_or(next.latency_jitter_ms);
        next.slow_body_ms = self.slow_body_ms.unwrap_or(next.slow_body_ms);
        Ok(next)
    }
}

/// The run-time state behind the knobs: the rate-limit window and the
/// deterministic draw counter.
#[derive(Debug)]
pub struct KnobState {
    window: std::sync::Mutex<Option<(Instant, u32)>>,
    draws: AtomicU64,
    seed: u64,
}

impl KnobState {
    pub fn new(seed: u64) -> Self {
        Self {
            window: std::sync::Mutex::new(None),
            draws: AtomicU64::new(0),
            seed,
        }
    }

    pub fn reset(&self) {
        *self.window.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.draws.store(0, Ordering::Relaxed);
    }

    /// A uniform word, deterministic in the order requests arrive.
    fn draw(&self) -> u64 {
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        splitmix(self.seed ^ splitmix(n ^ 0x5EED_FA17))
    }

    /// Admit one request under `limit`, or say how long until the window ends.
    fn admit(&self, limit: RateLimit, now: Instant) -> Result<(), Duration> {
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *window {
            Some((start, used)) if now.duration_since(*start) < limit.window => {
                if *used >= limit.requests {
                    return Err(limit.window - now.duration_since(*start));
                }
                *used += 1;
            }
            _ => *window = Some((now, 1)),
        }
        Ok(())
    }
}

/// The knobs in force and their run-time state, shared by the `/v1`
/// layer (`apply`) and the admin routes that read and change them.
#[derive(Debug)]
pub struct LiveKnobs {
    knobs: RwLock<Knobs>,
    runtime: KnobState,
}

impl LiveKnobs {
    pub fn new(knobs: Knobs, seed: u64) -> Self {
        Self {
            knobs: RwLock::new(knobs),
            runtime: KnobState::new(seed),
        }
    }

    /// A snapshot of the current knobs.
    pub fn get(&self) -> Knobs {
        self.knobs.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// New knobs, with a fresh rate-limit window and draw counter.
    pub fn set(&self, knobs: Knobs) {
        *self.knobs.write().unwrap_or_else(|p| p.into_inner()) = knobs;
        self.runtime.reset();
    }
}

/// Route layer for `/v1`: rate limit, then latency, then faults.
pub async fn apply(State(live): State<Arc<LiveKnobs>>, req: Request, next: Next) -> Response {
    let knobs = live.get();
    let runtime = &live.runtime;
    if let Some(limit) = knobs.limit {
        if let Err(wait) = runtime.admit(limit, Instant::now()) {
            return too_many_requests(wait);
        }
    }
    let jitter = if knobs.latency_jitter_ms > 0 {
        runtime.draw() % (knobs.latency_jitter_ms + 1)
    } else {
        0
    };
    let delay = knobs.latency_ms.saturating_add(jitter);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let fault = (knobs.fault_rate > 0.0 && !knobs.faults.is_empty())
        .then(|| {
            let hit = (runtime.draw() >> 11) as f64 / (1u64 << 53) as f64;
            (hit < knobs.fault_rate)
                .then(|| knobs.faults[crate::seed::pick(runtime.draw(), knobs.faults.len())])
        })
        .flatten();
    match fault {
        None => next.run(req).await,
        Some(fault) => inject(fault, knobs.slow_body_ms, req, next).await,
    }
}

fn too_many_requests(wait: Duration) -> Response {
    let seconds = wait.as_millis().div_ceil(1000).max(1);
    let mut response = ApiError::TooManyRequests.into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

async fn inject(fault: Fault, slow_body_ms: u64, req: Request, next: Next) -> Response {
    match fault {
        Fault::InternalError => ApiError::Internal.into_response(),
        // A gateway in front of Clerk answers these, not Clerk: HTML bodies.
        Fault::BadGateway => gateway_page(StatusCode::BAD_GATEWAY),
        Fault::Unavailable => gateway_page(StatusCode::SERVICE_UNAVAILABLE),
        Fault::Reset => {
            // A body that fails before its first byte makes the server drop
            // the connection without writing the response head.
            let mut response =
                Response::new(Body::new(Chunked::new(Vec::new(), Duration::ZERO, true)));
            *response.status_mut() = StatusCode::OK;
            response
        }
        Fault::Truncate | Fault::Malformed | Fault::SlowBody => {
            let response = next.run(req).await;
            let (mut parts, body) = response.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return ApiError::Internal.into_response();
            };
            let half = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            let body = match fault {
                Fault::Truncate => {
                    // Promise the whole body, deliver half, then fail.
                    if let Ok(v) = HeaderValue::from_str(&bytes.len().to_string()) {
                        parts.headers.insert(header::CONTENT_LENGTH, v);
                    }
                    Body::new(Chunked::new(vec![half], Duration::ZERO, true))
                }
                Fault::Malformed => Body::from(half),
                _ => {
                    let pieces = 8usize;
                    let step = bytes.len().div_ceil(pieces).max(1);
                    let chunks: Vec<Bytes> = (0..bytes.len())
                        .step_by(step)
                        .map(|i| bytes.slice(i..(i + step).min(bytes.len())))
                        .collect();
                    let gap = Duration::from_millis(slow_body_ms / chunks.len().max(1) as u64);
                    Body::new(Chunked::new(chunks, gap, false))
                }
            };
            Response::from_parts(parts, body)
        }
    }
}

fn gateway_page(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("error");
    let html = format!("<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>\n", code = status.as_u16());
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// A body delivered as `chunks`, each after `gap`, optionally failing at
/// the end (which aborts the connection mid-response).
struct Chunked {
    chunks: std::collections::VecDeque<Bytes>,
    gap: Duration,
    fail_at_end: bool,
    /// Data was sent: pause before the failure (see `poll_frame`).
    flushed_before_failing: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Chunked {
    fn new(chunks: Vec<Bytes>, gap: Duration, fail_at_end: bool) -> Self {
        let flushed_before_failing = fail_at_end && !chunks.is_empty();
        Self {
            chunks: chunks.into(),
            gap,
            fail_at_end,
            flushed_before_failing,
            sleep: None,
        }
    }
}

/// The error a faulty body ends with.
#[derive(Debug)]
struct InjectedFault;

impl fmt::Display for InjectedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("injected fault: connection aborted")
    }
}

impl std::error::Error for InjectedFault {}

impl http_body::Body for Chunked {
    type Data = Bytes;
    type Error = InjectedFault;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, InjectedFault>>> {
        if self.chunks.is_empty() && !(self.fail_at_end && self.flushed_before_failing) {
            return Poll::Ready(self.fail_at_end.then_some(Err(InjectedFault)));
        }
        if !self.gap.is_zero() || self.chunks.is_empty() {
            // Before failing after data, wait a little so the server
            // flushes what was sent: the client sees a short body, not an
            // empty reply.
            let gap = if self.chunks.is_empty() {
                Duration::from_millis(50)
            } else {
                self.gap
            };
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(gap)));
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
            if self.chunks.is_empty() {
                self.flushed_before_failing = false;
                return Poll::Ready(Some(Err(InjectedFault)));
            }
        }
        Poll::Ready(
            self.chunks
                .pop_front()
                .map(|c| Ok(http_body::Frame::data(c))),
        )
    }
}
