//! `http`: outbound HTTP for guests.
//!
//! One pooled keep-alive client per server definition (built by the caller
//! and shared through an `Arc`), connect and total timeouts from server
//! options, a cap on response size. Unlike Supabase's host it never panics on
//! a bad header and only retries what is safe to retry: idempotent GETs on
//! transport failures and 502/503/504, never writes, never 429 (guests
//! honour `Retry-After` themselves). A request runs on a helper thread while
//! the backend's thread watches for query cancel, so a slow API never holds
//! a cancelled query for the rest of its timeout.

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use ureq::http;
use ureq::ResponseExt;

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
}

const RETRY_BACKOFF_MS: [u64; 2] = [200, 1000];
/// How often a waiting request looks at the cancel flags.
const CANCEL_POLL: Duration = Duration::from_millis(50);

impl HttpClient {
    pub fn new(config: HttpConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_millis(config.connect_timeout_ms)))
            .timeout_global(Some(Duration::from_millis(config.request_timeout_ms)))
            .max_idle_connections_per_host(8)
            .user_agent("supabase-wrappers-host")
            .build()
            .new_agent();
        HttpClient { agent, config }
    }


    /// Sends `req`, retrying what is safe to retry; gives up as soon as
    /// `cancelled` says so (the caller then raises the cancel).
    pub fn send(&self, req: &Request, cancelled: &dyn Fn() -> bool) -> Result<Response, String> {
        let mut attempt = 0;
        loop {
            let result = self.send_watched(req, cancelled);
            let retryable = req.method == Method::Get
                && match &result {
                    Err(SendError::Transport(_)) => true,
                    Ok(resp) => matches!(resp.status_code, 502..=504),
                    Err(SendError::Invalid(_)) => false,
                };
            if let (true, Some(delay)) = (retryable, RETRY_BACKOFF_MS.get(attempt)) {
                crate::host::time::sleep(*delay, cancelled);
                if !cancelled() {
                    attempt += 1;
                    continue;
                }
            }
            return result.map_err(|e| match e {
                SendError::Invalid(m) | SendError::Transport(m) => m,
            });
        }
    }

    /// One attempt on a helper thread, polled every [`CANCEL_POLL`]; if the
    /// thread cannot be started the request runs on this one.
    fn send_watched(&self, req: &Request, cancelled: &dyn Fn() -> bool) -> Result<Response, SendError> {
        let (tx, rx) = mpsc::channel();
        let client = HttpClient {
            agent: self.agent.clone(),
            config: self.config.clone(),
        };
        let request = req.clone();
        let spawned = crate::threads::spawn_quiet("wasm-http", move || {
            let _ = tx.send(client.send_once(&request));
        });
        if spawned.is_err() {
            return self.send_once(req);
        }
        loop {
            match rx.recv_timeout(CANCEL_POLL) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Timeout) if cancelled() => {
                    // the helper finishes (or times out) on its own
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

    fn send_once(&self, req: &Request) -> Result<Response, SendError> {
        let method = match req.method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
            Method::Patch => http::Method::PATCH,
            Method::Delete => http::Method::DELETE,
        };
        let mut builder = http::Request::builder().method(method).uri(req.url.as_str());
        for (name, value) in &req.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| SendError::Invalid(format!("invalid http header name \"{name}\"")))?;
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                SendError::Invalid(format!("invalid value for http header \"{name}\""))
            })?;
            builder = builder.header(name, value);
        }
        let request = builder
            .body(req.body.clone())
            .map_err(|e| SendError::Invalid(format!("invalid http request: {e}")))?;
        let mut resp = self
            .agent
            .run(request)
            .map_err(|e| SendError::Transport(describe_transport_error(&e, &req.url)))?;

        let url = resp.get_uri().to_string();
        let status_code = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                let v = v
                    .to_str()
                    .map(str::to_owned)
                    .unwrap_or_default();
                (k.as_str().to_owned(), v)
            })
            .collect();
        let limit = self.config.max_response_bytes;
        let mut bytes = Vec::new();
        resp.body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| SendError::Transport(format!("reading the response body of {} failed: {e}", strip_query(&req.url))))?;
        if bytes.len() as u64 > limit {
            return Err(SendError::Invalid(format!(
                "response body of {} exceeds max_response_bytes ({limit} bytes)",
                strip_query(&req.url)
            )));
        }
        let body = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Response {
            url,
            status_code,
            headers,
            body,
        })
    }
}

enum SendError {
    /// the request itself is malformed: retrying cannot help
    Invalid(String),
    Transport(String),
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
