//! A guest reaches only what its server allows (issue 8), against real
//! loopback sockets: the outbound policy a `HostState` puts on its client
//! (hosts of URL options and `allowed_hosts`, redirects checked per hop),
//! vault secrets scoped to the options that name them, user-mapping
//! options laid over the server's, and requests that stop when they time
//! out or are cancelled instead of being retried or left running.

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use wasm_host::host::http::{HttpClient, HttpConfig, Method, Request};
use wasm_host::host::{utils, HostState, ReportLevel, Services};

/// Reads one request's head and body; returns its request line and headers.
fn read_request(stream: &TcpStream) -> (String, Vec<String>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        if h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        headers.push(h.trim().to_ascii_lowercase());
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    (line.trim().to_owned(), headers)
}

/// Request line and headers of each request a [`Server`] saw.
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// A server answering each connection with the next of `responses`
/// and records what it saw.
struct Server {
    base: String,
    seen: Seen,
}

fn serve(responses: Vec<String>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for resp in responses {
            let Ok((mut stream, _)) = listener.accept() else { return };
            let request = read_request(&stream);
            seen2.lock().unwrap().push(request);
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    Server { base, seen }
}

fn response(status: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn redirect(to: &str) -> String {
    response("302 Found", &format!("location: {to}\r\n"), "")
}

fn get(url: &str) -> Request {
    Request {
        method: Method::Get,
        url: url.to_owned(),
        headers: vec![("authorization".into(), "Bearer sk_test_outbound".into())],
        body: String::new(),
    }
}

/// Answers every vault lookup with a secret derived from what was asked.
struct AnyVault(Arc<Mutex<Vec<String>>>);

impl Services for AnyVault {
    fn vault_secret(&mut self, id: &str) -> Option<String> {
        self.0.lock().unwrap().push(id.to_owned());
        Some(format!("secret of {id}"))
    }
    fn vault_secret_by_name(&mut self, name: &str) -> Option<String> {
        self.0.lock().unwrap().push(name.to_owned());
        Some(format!("secret of {name}"))
    }
    fn query_setting(&mut self, _: &str) -> Option<String> {
        None
    }
    fn inc_stats(&mut self, _: &str, _: wasm_host::model::Metric, _: i64) {}
    fn get_metadata(&mut self, _: &str) -> Option<String> {
        None
    }
    fn set_metadata(&mut self, _: &str, _: Option<String>) {}
    fn report(&mut self, _: ReportLevel, _: &str) {}
    fn check_for_interrupts(&mut self) {}
    fn cancel_pending(&self) -> bool {
        false
    }
}

fn opts(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn host_state(pairs: &[(&str, &str)]) -> (HostState, Arc<Mutex<Vec<String>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let http = Arc::new(HttpClient::new(HttpConfig::default()));
    (HostState::new(opts(pairs), http, Box::new(AnyVault(asked.clone()))), asked)
}

#[test]
fn a_guest_reaches_the_host_of_its_api_url_and_nothing_else() {
    let api = serve(vec![response("200 OK", "", "[1]")]);
    let other = serve(vec![response("200 OK", "", "leak")]);
    let (state, _) = host_state(&[("api_url", &format!("{}/v1", api.base))]);
    let resp = state.http.send(&get(&format!("{}/v1/users", api.base)), &|| false).unwrap();
    assert_eq!(resp.body, "[1]");
    // same address, another port: another service
    let err = state.http.send(&get(&format!("{}/steal", other.base)), &|| false).unwrap_err();
    let authority = other.base.trim_start_matches("http://");
    assert!(err.contains(&format!("\"{authority}\"")) && err.contains("allowed_hosts"), "{err}");
    assert!(!err.contains("sk_test_outbound"), "{err}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(other.seen.lock().unwrap().is_empty(), "the refused host was contacted");
}

#[test]
fn a_server_without_url_options_reaches_only_its_allowed_hosts() {
    let api = serve(vec![response("200 OK", "", "ok"), response("200 OK", "", "ok")]);
    let (state, _) = host_state(&[("fdw_package_name", "acme:thing")]);
    let err = state.http.send(&get(&format!("{}/x", api.base)), &|| false).unwrap_err();
    assert!(err.contains("allows no host") && err.contains("allowed_hosts"), "{err}");
    let (state, _) = host_state(&[("allowed_hosts", "127.0.0.1")]);
    assert_eq!(state.http.send(&get(&format!("{}/x", api.base)), &|| false).unwrap().body, "ok");
    let (state, _) = host_state(&[("allowed_hosts", "localhost, 127.0.0.1:1")]);
    assert!(state.http.send(&get(&format!("{}/x", api.base)), &|| false).is_err());
}

#[test]
fn a_redirect_may_not_leave_the_allowed_hosts() {
    let other = serve(vec![response("200 OK", "", "leak")]);
    let api = serve(vec![redirect(&format!("{}/collect?k=1", other.base))]);
    let (state, _) = host_state(&[("api_url", &api.base)]);
    let err = state.http.send(&get(&format!("{}/v1/users", api.base)), &|| false).unwrap_err();
    assert!(err.contains(other.base.trim_start_matches("http://")) && err.contains("allowed_hosts"), "{err}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(other.seen.lock().unwrap().is_empty(), "the redirect was followed");
    assert_eq!(api.seen.lock().unwrap().len(), 1);
}

#[test]
fn a_redirect_within_the_allowed_hosts_is_followed_with_credentials_only_to_the_same_origin() {
    let second = serve(vec![response("200 OK", "", "there")]);
    let first = serve(vec![redirect("/v1/moved"), redirect(&format!("{}/v1/final", second.base))]);
    let (state, _) = host_state(&[("api_url", &first.base), ("allowed_hosts", "127.0.0.1")]);
    // two connections to `first` (connection: close), then one to `second`
    let resp = state.http.send(&get(&format!("{}/v1/users", first.base)), &|| false).unwrap();
    assert_eq!(resp.body, "there");
    assert_eq!(resp.status_code, 200);
    assert!(resp.url.ends_with("/v1/final"), "{}", resp.url);
    let first_seen = first.seen.lock().unwrap();
    assert_eq!(first_seen[1].0, "GET /v1/moved HTTP/1.1");
    assert!(first_seen[1].1.iter().any(|h| h.starts_with("authorization:")), "same origin keeps it");
    let second_seen = second.seen.lock().unwrap();
    assert!(!second_seen[0].1.iter().any(|h| h.starts_with("authorization:")), "another origin does not");
}

#[test]
fn metadata_addresses_and_plain_http_elsewhere_are_refused_before_any_connection() {
    // even where a URL option names them, metadata addresses need an entry
    // of their own in allowed_hosts
    let (state, _) = host_state(&[
        ("api_url", "http://169.254.169.254/latest"),
        ("token_url", "http://metadata.google.internal/computeMetadata/v1/"),
        ("allow_insecure_http", "true"),
    ]);
    for url in ["http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/"] {
        let err = state.http.send(&get(url), &|| false).unwrap_err();
        assert!(err.contains("metadata") && err.contains("allowed_hosts"), "{url}: {err}");
    }
    let (state, _) = host_state(&[("allowed_hosts", "api.example.com")]);
    let err = state.http.send(&get("http://api.example.com/v1/users"), &|| false).unwrap_err();
    assert!(err.contains("allow_insecure_http"), "{err}");
}

#[test]
fn vault_secrets_are_read_only_when_the_options_name_them() {
    let (mut state, asked) = host_state(&[
        ("api_url", "https://api.example.com"),
        ("api_key_id", " 6F1D2C3B-0000-4000-8000-000000000001 "),
        ("signing_key_name", "signing"),
    ]);
    assert!(utils::get_vault_secret(&mut state, "6f1d2c3b-0000-4000-8000-000000000001").is_some());
    assert!(utils::get_vault_secret_by_name(&mut state, "signing").is_some());
    assert!(utils::get_vault_secret(&mut state, "signing").is_some());
    assert_eq!(utils::get_vault_secret(&mut state, "someone_elses_key"), None);
    assert_eq!(utils::get_vault_secret_by_name(&mut state, "https://api.example.com"), None);
    // the vault was not even asked for those
    assert_eq!(asked.lock().unwrap().len(), 3);
}

#[test]
fn a_user_mapping_is_laid_over_the_server_options_but_not_over_its_policy() {
    let api = serve(vec![response("200 OK", "", "{}")]);
    let (mut state, _) = host_state(&[
        ("api_url", &api.base),
        ("api_key", "sk_test_server_key_1234"),
        ("debug", "false"),
    ]);
    state.add_user_mapping_options(opts(&[
        ("api_key_id", "role_key"),
        ("debug", "true"),
        ("allowed_hosts", "evil.example"),
        ("fdw_package_url", "file:///elsewhere.wasm"),
    ]));
    let seen = &state.server_opts;
    assert_eq!(seen.get("api_key_id").map(String::as_str), Some("role_key"));
    assert_eq!(seen.get("api_key"), None, "the mapping's key replaces the server's");
    assert_eq!(seen.get("debug").map(String::as_str), Some("true"));
    assert_eq!(seen.get("allowed_hosts"), None);
    assert_eq!(seen.get("fdw_package_url"), None);
    assert!(utils::get_vault_secret(&mut state, "role_key").is_some());
    let err = state.http.send(&get("https://evil.example/"), &|| false).unwrap_err();
    assert!(err.contains("refused"), "{err}");
    // a mapping's plain key is masked like a server's
    state.add_user_mapping_options(opts(&[("api_key", "sk_test_mapping_key_5678")]));
    assert_eq!(state.server_opts.get("api_key_id"), None);
    assert_eq!(state.mask("failed with sk_test_mapping_key_5678"), "failed with <redacted>");
    assert_eq!(state.mask("failed with sk_test_server_key_1234"), "failed with <redacted>");
}

/// Accepts connections and never answers; counts them.
fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            c.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (base, count)
}

#[test]
fn a_timed_out_get_is_not_retried() {
    let (base, connections) = silent_server();
    let client = HttpClient::new(HttpConfig {
        request_timeout_ms: 400,
        ..HttpConfig::default()
    });
    let started = Instant::now();
    let err = client.send(&get(&format!("{base}/v1/users")), &|| false).unwrap_err();
    let took = started.elapsed();
    assert!(err.contains("timed out"), "{err}");
    assert!(took < Duration::from_millis(1200), "took {took:?}: retried after a timeout");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[test]
fn retries_stay_within_the_total_timeout() {
    // 503 at once, three times: the retries' backoffs (200 + 1000 ms) do
    // not fit in a 700 ms total, so only the first backoff is taken
    let api = serve(vec![
        response("503 Service Unavailable", "", "{}"),
        response("503 Service Unavailable", "", "{}"),
        response("503 Service Unavailable", "", "{}"),
    ]);
    let client = HttpClient::new(HttpConfig {
        request_timeout_ms: 700,
        ..HttpConfig::default()
    });
    let started = Instant::now();
    let resp = client.send(&get(&format!("{}/v1/users", api.base)), &|| false).unwrap();
    assert_eq!(resp.status_code, 503);
    assert!(started.elapsed() < Duration::from_millis(700), "{:?}", started.elapsed());
    assert_eq!(api.seen.lock().unwrap().len(), 2);
}

#[test]
fn a_cancelled_request_closes_its_connection_at_once() {
    // the server reads the request, then waits for the client to go away
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (closed_tx, closed_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else { return };
        read_request(&stream);
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 16];
        let closed = match stream.read(&mut buf) {
            Ok(n) => n == 0,
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        };
        let _ = closed_tx.send((closed, Instant::now()));
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, Ordering::SeqCst);
    });
    // a long total timeout: without the shutdown the helper thread would
    // hold the connection for all of it
    let client = HttpClient::new(HttpConfig {
        request_timeout_ms: 30_000,
        ..HttpConfig::default()
    });
    let err = client
        .send(&get(&format!("{base}/v1/users")), &|| cancel.load(Ordering::SeqCst))
        .unwrap_err();
    let cancelled_at = Instant::now();
    assert!(err.contains("canceled"), "{err}");
    let (closed, at) = closed_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(closed);
    let lag = at.saturating_duration_since(cancelled_at);
    assert!(lag < Duration::from_secs(1), "the connection stayed open {lag:?} after the cancel");
}
