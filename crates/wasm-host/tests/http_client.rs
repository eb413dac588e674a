//! The guest-facing HTTP client against a real socket: a loopback server
//! that answers a scripted list of raw HTTP responses, one per connection.

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use wasm_host::host::http::{HttpClient, HttpConfig, Method, Request};

/// Serves `responses` in order (one per request) and records request lines.
fn serve(responses: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for resp in responses {
            let Ok((mut stream, _)) = listener.accept() else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            seen2.lock().unwrap().push(line.trim().to_owned());
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
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            stream.write_all(resp.as_bytes()).unwrap();
        }
    });
    (format!("http://{addr}"), seen)
}

fn response(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn get(url: &str) -> Request {
    Request {
        method: Method::Get,
        url: url.to_owned(),
        headers: vec![("authorization".into(), "Bearer sk_test_x".into())],
        body: String::new(),
    }
}

#[test]
fn a_get_is_retried_on_503_and_answers_the_final_status() {
    let (base, seen) = serve(vec![response("503 Service Unavailable", "{}"), response("200 OK", "[1]")]);
    let client = HttpClient::new(HttpConfig::default());
    let resp = client.send(&get(&format!("{base}/v1/users")), &|| false).unwrap();
    assert_eq!(resp.status_code, 200);
    assert_eq!(resp.body, "[1]");
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[test]
fn a_post_is_never_retried() {
    let (base, seen) = serve(vec![response("503 Service Unavailable", "{}"), response("200 OK", "{}")]);
    let client = HttpClient::new(HttpConfig::default());
    let mut req = get(&format!("{base}/v1/users"));
    req.method = Method::Post;
    req.body = "{}".into();
    let resp = client.send(&req, &|| false).unwrap();
    assert_eq!(resp.status_code, 503);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn an_invalid_header_is_an_error_not_a_panic() {
    let client = HttpClient::new(HttpConfig::default());
    let mut req = get("http://127.0.0.1:9/x");
    req.headers.push(("Bad Header".into(), "v".into()));
    let err = client.send(&req, &|| false).unwrap_err();
    assert!(err.contains("invalid http header name"), "{err}");
    let mut req = get("http://127.0.0.1:9/x");
    req.headers.push(("x-ok".into(), "line\nbreak".into()));
    assert!(client.send(&req, &|| false).is_err());
}

#[test]
fn a_response_over_the_size_cap_is_refused() {
    let big = "x".repeat(4096);
    let (base, _) = serve(vec![response("200 OK", &big)]);
    let client = HttpClient::new(HttpConfig {
        max_response_bytes: 1024,
        ..HttpConfig::default()
    });
    let err = client.send(&get(&format!("{base}/big")), &|| false).unwrap_err();
    assert!(err.contains("1024"), "{err}");
}

#[test]
fn transport_errors_do_not_repeat_the_query_string() {
    // nothing listens on port 9 of loopback
    let client = HttpClient::new(HttpConfig {
        connect_timeout_ms: 500,
        ..HttpConfig::default()
    });
    let err = client
        .send(&get("http://127.0.0.1:9/v1/users?api_key=sk_test_secret123"), &|| false)
        .unwrap_err();
    assert!(!err.contains("sk_test_secret123"), "{err}");
    assert!(err.contains("127.0.0.1:9/v1/users"), "{err}");
}

#[test]
fn a_cancel_ends_the_wait_for_a_server_that_never_answers() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // accept and hold the connection without answering
        let held: Vec<_> = listener.incoming().take(3).collect();
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(held);
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        flag.store(true, Ordering::SeqCst);
    });
    let client = HttpClient::new(HttpConfig::default());
    let err = client
        .send(&get(&format!("http://{addr}/v1/users")), &|| cancel.load(Ordering::SeqCst))
        .unwrap_err();
    assert!(err.contains("canceled"), "{err}");
}
