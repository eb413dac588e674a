use super::*;
use crate::host::HttpResponse;
use clerk_core::{plan_scan, Limit, Qual, ScanInput, SqlType, TargetColumn};
use serde_json::json;
use std::cell::RefCell;

type Responder = dyn Fn(&str) -> Result<HttpResponse, String>;

/// A scripted host: answers GETs from a closure, records every call.
struct FakeHost {
    respond: Box<Responder>,
    calls: RefCell<Vec<String>>,
    sleeps: RefCell<Vec<u64>>,
    bytes_in: RefCell<i64>,
    headers_seen: RefCell<Vec<(String, String)>>,
}

impl FakeHost {
    fn new(respond: impl Fn(&str) -> Result<HttpResponse, String> + 'static) -> Self {
        FakeHost {
            respond: Box::new(respond),
            calls: RefCell::new(Vec::new()),
            sleeps: RefCell::new(Vec::new()),
            bytes_in: RefCell::new(0),
            headers_seen: RefCell::new(Vec::new()),
        }
    }
}

impl Host for FakeHost {
    fn get(&self, url: &str, headers: &[(String, String)]) -> Result<HttpResponse, String> {
        self.calls.borrow_mut().push(url.to_string());
        *self.headers_seen.borrow_mut() = headers.to_vec();
        (self.respond)(url)
    }
    fn epoch_secs(&self) -> i64 {
        0
    }
    fn sleep_ms(&self, ms: u64) {
        self.sleeps.borrow_mut().push(ms);
    }
    fn add_bytes_in(&self, bytes: i64) {
        *self.bytes_in.borrow_mut() += bytes;
    }
}

fn ok(body: String) -> Result<HttpResponse, String> {
    Ok(HttpResponse {
        status: 200,
        headers: vec![],
        body,
    })
}

fn status(code: u16, headers: &[(&str, &str)], body: &str) -> Result<HttpResponse, String> {
    Ok(HttpResponse {
        status: code,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
    })
}

/// `n` users served from a bare array honouring limit/offset, and
/// counted by `/users/count`.
fn users_server(n: usize) -> impl Fn(&str) -> Result<HttpResponse, String> {
    move |url: &str| {
        if url.contains("/users/count") {
            return ok(json!({"object": "total_count", "total_count": n}).to_string());
        }
        let param = |k: &str| -> usize {
            url.split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let (limit, offset) = (param("limit"), param("offset"));
        let items: Vec<_> = (offset..n.min(offset + limit))
            .map(|i| json!({"id": format!("user_{i}"), "created_at": i}))
            .collect();
        ok(serde_json::Value::Array(items).to_string())
    }
}

fn scanner(object: &str, quals: Vec<Qual>, limit: Option<Limit>) -> Scanner {
    let input = ScanInput {
        object: object.into(),
        columns: vec![
            TargetColumn::new("id", SqlType::Text),
            TargetColumn::new("created_at", SqlType::Timestamptz),
        ],
        quals,
        sorts: vec![],
        limit,
        push_params: false,
    };
    let plan = plan_scan(&input).unwrap();
    let base = ApiUrl::parse(Some("http://emulator/v1")).unwrap();
    Scanner::new(plan, base, "sk_test_secret")
}

/// The rows of a plain scan of `object`, one page at a time: what a scan
/// with pages in flight must give too.
fn sequential_rows(
    object: &str,
    server: impl Fn(&str) -> Result<HttpResponse, String> + 'static,
) -> Vec<Vec<Option<Cell>>> {
    drain(&mut scanner(object, vec![], None), &FakeHost::new(server)).unwrap()
}

fn drain(s: &mut Scanner, host: &dyn Host) -> CoreResult<Vec<Vec<Option<Cell>>>> {
    let mut rows = Vec::new();
    while let Some(r) = s.next_row(host)? {
        rows.push(r);
    }
    Ok(rows)
}

#[test]
fn walks_every_page_and_counts_rows() {
    let host = FakeHost::new(users_server(1203));
    let mut s = scanner("users", vec![], None);
    s.prefetch(&host).unwrap();
    assert_eq!(
        host.calls.borrow().len(),
        1,
        "begin-scan fetches the first page only"
    );
    let rows = drain(&mut s, &host).unwrap();
    assert_eq!(rows.len(), 1203);
    assert_eq!(
        rows[0],
        vec![
            Some(Cell::String("user_0".into())),
            Some(Cell::Timestamptz(0))
        ]
    );
    assert_eq!(host.calls.borrow().len(), 3);
    assert_eq!(s.take_counts(), (1203, 1203), "short last page counted too");
    assert!(*host.bytes_in.borrow() > 0);
}

#[test]
fn sends_the_required_headers_in_lower_case() {
    let host = FakeHost::new(users_server(1));
    let mut s = scanner("users", vec![], None);
    drain(&mut s, &host).unwrap();
    let headers = host.headers_seen.borrow().clone();
    let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "authorization",
            "user-agent",
            "clerk-api-version",
            "content-type"
        ]
    );
    assert_eq!(headers[0].1, "Bearer sk_test_secret");
    assert_eq!(headers[2].1, "2026-05-12");
    assert!(headers[1].1.starts_with("clerk-wrapper/"));
}

#[test]
fn pushed_limit_fetches_only_what_is_needed() {
    let host = FakeHost::new(users_server(5000));
    let mut s = scanner(
        "users",
        vec![],
        Some(Limit {
            count: 3,
            offset: 2,
        }),
    );
    let rows = drain(&mut s, &host).unwrap();
    assert_eq!(
        rows.len(),
        5,
        "count + offset: Postgres skips the offset itself"
    );
    assert_eq!(
        host.calls.borrow().as_slice(),
        ["http://emulator/v1/users?limit=5&offset=0"]
    );
}

#[test]
fn get_by_id_and_its_404() {
    let host = FakeHost::new(|url| {
        if url.ends_with("/users/user_1") {
            ok(json!({"id": "user_1", "created_at": 5}).to_string())
        } else {
            status(
                404,
                &[],
                r#"{"errors":[{"code":"resource_not_found","message":"not found","long_message":"nope"}]}"#,
            )
        }
    });
    let mut s = scanner(
        "users",
        vec![Qual::cell("id", "=", Cell::String("user_1".into()))],
        None,
    );
    assert_eq!(drain(&mut s, &host).unwrap().len(), 1);
    let mut s = scanner(
        "users",
        vec![Qual::cell("id", "=", Cell::String("user_2".into()))],
        None,
    );
    assert_eq!(drain(&mut s, &host).unwrap().len(), 0);
}

#[test]
fn list_404_is_an_error() {
    let host = FakeHost::new(|_| status(404, &[], "not here"));
    let mut s = scanner("users", vec![], None);
    let e = drain(&mut s, &host).unwrap_err();
    assert!(matches!(e, CoreError::HttpStatus { status: 404, .. }));
}

#[test]
fn empty_plan_makes_no_request() {
    let host = FakeHost::new(|_| Err("must not be called".into()));
    let mut s = scanner("users", vec![Qual::any("id", vec![])], None);
    assert!(drain(&mut s, &host).unwrap().is_empty());
    assert!(host.calls.borrow().is_empty());
}

#[test]
fn rate_limit_is_retried_after_the_advertised_delay() {
    let attempts = RefCell::new(0);
    let host = FakeHost::new(move |_| {
        let mut n = attempts.borrow_mut();
        *n += 1;
        if *n <= 2 {
            status(
                429,
                &[("retry-after", "2")],
                r#"{"errors":[{"code":"too_many_requests","message":"slow down","long_message":"slow down"}]}"#,
            )
        } else {
            ok("[]".into())
        }
    });
    let mut s = scanner("users", vec![], None);
    assert!(drain(&mut s, &host).unwrap().is_empty());
    assert_eq!(host.sleeps.borrow().as_slice(), [2000, 2000]);
}

#[test]
fn endless_rate_limit_gives_up() {
    let host = FakeHost::new(|_| status(429, &[("retry-after", "1")], ""));
    let mut s = scanner("users", vec![], None);
    assert!(matches!(
        drain(&mut s, &host),
        Err(CoreError::RateLimited { retries: 5, .. })
    ));
}

#[test]
fn rescan_replays_a_small_result_without_refetching() {
    let host = FakeHost::new(users_server(3));
    let mut s = scanner("users", vec![], None);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 3);
    let calls = host.calls.borrow().len();
    s.rescan();
    assert_eq!(drain(&mut s, &host).unwrap().len(), 3);
    assert_eq!(host.calls.borrow().len(), calls);
}

#[test]
fn rescan_replays_by_bytes_not_rows() {
    // 3,000 small users are replayed...
    let host = FakeHost::new(users_server(3_000));
    let mut s = scanner("users", vec![], None);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 3_000);
    let calls = host.calls.borrow().len();
    s.rescan();
    assert_eq!(drain(&mut s, &host).unwrap().len(), 3_000);
    assert_eq!(host.calls.borrow().len(), calls);
    // ...while 600 users of 10 kB each (fewer rows) are fetched again
    let big = "x".repeat(10_000);
    let host = FakeHost::new(move |url: &str| {
        let items: Vec<_> = if url.contains("offset=0") {
            (0..500)
                .map(|i| json!({"id": format!("user_{i}"), "created_at": i, "first_name": big}))
                .collect()
        } else if url.contains("offset=500") {
            (500..600)
                .map(|i| json!({"id": format!("user_{i}"), "created_at": i, "first_name": big}))
                .collect()
        } else {
            Vec::new()
        };
        ok(serde_json::Value::Array(items).to_string())
    });
    let mut s = scanner_with(
        "users",
        &[("id", SqlType::Text), ("first_name", SqlType::Text)],
        vec![],
    );
    assert_eq!(drain(&mut s, &host).unwrap().len(), 600);
    let calls = host.calls.borrow().len();
    s.rescan();
    assert_eq!(drain(&mut s, &host).unwrap().len(), 600);
    assert!(
        host.calls.borrow().len() > calls,
        "a result of 6 MB is fetched again"
    );
}

#[test]
fn rescan_midway_refetches_from_the_start() {
    let host = FakeHost::new(users_server(1200));
    let mut s = scanner("users", vec![], None);
    s.next_row(&host).unwrap();
    s.rescan();
    assert_eq!(drain(&mut s, &host).unwrap().len(), 1200);
}

#[test]
fn transport_errors_are_reported() {
    let host = FakeHost::new(|_| Err("connection refused".into()));
    let mut s = scanner("organizations", vec![], None);
    let e = s.prefetch(&host).unwrap_err();
    assert_eq!(
        clerk_core::fdw_error_redacting(&e, Some("sk_test_secret")),
        "request to the clerk api failed: connection refused\nHINT: check the api_url server option and the network\nSQLSTATE: HV00N"
    );
}

#[test]
fn organizations_total_count_stops_paging() {
    let host = FakeHost::new(|url| {
        if url.contains("offset=0") {
            let data: Vec<_> = (0..500)
                .map(|i| json!({"id": format!("org_{i}"), "created_at": i}))
                .collect();
            ok(json!({"data": data, "total_count": 500}).to_string())
        } else {
            Err("no second page expected".into())
        }
    });
    let mut s = scanner("organizations", vec![], None);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 500);
    assert_eq!(host.calls.borrow().len(), 1);
}

#[test]
fn the_api_key_never_appears_in_errors() {
    let host = FakeHost::new(|_| {
        status(
            401,
            &[],
            r#"{"errors":[{"code":"authentication_invalid","message":"bad key sk_test_secret","long_message":"key sk_test_secret is invalid"}]}"#,
        )
    });
    let mut s = scanner("users", vec![], None);
    let e = drain(&mut s, &host).unwrap_err();
    let text = clerk_core::fdw_error_redacting(&e, Some("sk_test_secret"));
    assert!(!text.contains("sk_test_secret"), "{text}");
    assert!(text.contains("HINT: check the api_key or api_key_id server option"));
}

fn scanner_with(object: &str, columns: &[(&str, SqlType)], quals: Vec<Qual>) -> Scanner {
    let input = ScanInput {
        object: object.into(),
        columns: columns
            .iter()
            .map(|(n, t)| TargetColumn::new(*n, t.clone()))
            .collect(),
        quals,
        sorts: vec![],
        limit: None,
        push_params: false,
    };
    let plan = plan_scan(&input).unwrap();
    Scanner::new(
        plan,
        ApiUrl::parse(Some("http://emulator/v1")).unwrap(),
        "sk_test_secret",
    )
}

#[test]
fn child_tables_yield_one_row_per_child_with_the_parent_id_and_primary_flag() {
    // 3 users with 0, 1 and 2 addresses; the second address of user_2 is
    // its primary.
    let host = FakeHost::new(|_url: &str| {
        ok(json!([
            {"id": "user_0", "primary_email_address_id": null, "email_addresses": []},
            {"id": "user_1", "primary_email_address_id": "e_10",
             "email_addresses": [{"id": "e_10", "email_address": "a@x.test"}]},
            {"id": "user_2", "primary_email_address_id": "e_21",
             "email_addresses": [{"id": "e_20", "email_address": "b@x.test"}, {"id": "e_21", "email_address": "c@x.test"}]},
        ])
        .to_string())
    });
    let mut s = scanner_with(
        "user_email_addresses",
        &[
            ("user_id", SqlType::Text),
            ("email_address", SqlType::Text),
            ("is_primary", SqlType::Bool),
        ],
        vec![],
    );
    let rows = drain(&mut s, &host).unwrap();
    let text = |v: &str| Some(Cell::String(v.into()));
    assert_eq!(
        rows,
        vec![
            vec![text("user_1"), text("a@x.test"), Some(Cell::Bool(true))],
            vec![text("user_2"), text("b@x.test"), Some(Cell::Bool(false))],
            vec![text("user_2"), text("c@x.test"), Some(Cell::Bool(true))],
        ]
    );
    assert_eq!(s.take_counts(), (3, 3));
    // A rescan replays the same children.
    s.rescan();
    assert_eq!(drain(&mut s, &host).unwrap().len(), 3);
    assert_eq!(host.calls.borrow().len(), 1);
}

#[test]
fn a_user_id_reads_one_user_and_a_missing_user_is_no_row() {
    let host = FakeHost::new(|url: &str| {
        if url.ends_with("/users/user_1") {
            ok(json!({"id": "user_1", "phone_numbers": [{"id": "p_1", "phone_number": "+15550001"}]}).to_string())
        } else {
            status(
                404,
                &[],
                r#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#,
            )
        }
    });
    let cols = [("id", SqlType::Text), ("user_id", SqlType::Text)];
    let mut s = scanner_with(
        "user_phone_numbers",
        &cols,
        vec![Qual::cell("user_id", "=", Cell::String("user_1".into()))],
    );
    let rows = drain(&mut s, &host).unwrap();
    assert_eq!(
        rows,
        vec![vec![
            Some(Cell::String("p_1".into())),
            Some(Cell::String("user_1".into()))
        ]]
    );
    let mut s = scanner_with(
        "user_phone_numbers",
        &cols,
        vec![Qual::cell("user_id", "=", Cell::String("user_9".into()))],
    );
    assert!(drain(&mut s, &host).unwrap().is_empty());
    assert_eq!(
        *host.calls.borrow(),
        vec![
            "http://emulator/v1/users/user_1",
            "http://emulator/v1/users/user_9"
        ]
    );
}

#[test]
fn fan_out_rows_read_their_bound_column_from_the_request() {
    let host = FakeHost::new(|url: &str| {
        if url.contains("user_1") {
            ok(json!({"id": "csub_1", "status": "active"}).to_string())
        } else {
            status(
                404,
                &[],
                r#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#,
            )
        }
    });
    let users = vec![Cell::String("user_1".into()), Cell::String("user_2".into())];
    let mut s = scanner_with(
        "users/billing/subscription",
        &[("user_id", SqlType::Text), ("id", SqlType::Text)],
        vec![Qual::any("user_id", users)],
    );
    let rows = drain(&mut s, &host).unwrap();
    assert_eq!(
        rows,
        vec![vec![
            Some(Cell::String("user_1".into())),
            Some(Cell::String("csub_1".into()))
        ]]
    );
    assert_eq!(host.calls.borrow().len(), 2, "one request per value");
}

#[test]
fn an_updated_at_window_stops_at_the_first_older_row() {
    // 1200 users, updated_at = 1_000_000 - i ms, served newest first.
    let host = FakeHost::new(|url: &str| {
        assert!(url.contains("order_by=-updated_at"), "{url}");
        let param = |k: &str| -> usize {
            url.split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let (limit, offset) = (param("limit"), param("offset"));
        let items: Vec<_> = (offset..1200.min(offset + limit))
            .map(|i| json!({"id": format!("user_{i}"), "updated_at": 1_000_000 - i as i64}))
            .collect();
        ok(serde_json::Value::Array(items).to_string())
    });
    // updated_at > 999_400 ms: the 599 newest users match (i < 600).
    let bound_us = 999_400_000;
    let mut s = scanner_with(
        "users",
        &[("id", SqlType::Text)],
        vec![Qual::cell("updated_at", ">", Cell::Timestamptz(bound_us))],
    );
    let rows = drain(&mut s, &host).unwrap();
    // A superset by one millisecond: Postgres drops the row at the bound.
    assert_eq!(rows.len(), 602, "rows down to 999_399 ms");
    assert_eq!(host.calls.borrow().len(), 2, "two pages of 500, not three");
}

#[test]
fn a_server_that_ignores_offset_is_an_error_not_an_endless_scan() {
    // Always the same full page, whatever the offset.
    let host = FakeHost::new(|_url: &str| {
        let page: Vec<_> = (0..500)
            .map(|i| json!({"id": format!("user_{i}"), "created_at": i}))
            .collect();
        ok(serde_json::Value::Array(page).to_string())
    });
    let mut s = scanner("users", vec![], None);
    let e = drain(&mut s, &host).unwrap_err();
    assert_eq!(
        e,
        CoreError::PagingStuck {
            path: "/users".into(),
            offset: 500
        }
    );
    assert_eq!(host.calls.borrow().len(), 2, "stopped at the second page");
}

#[test]
fn a_list_that_never_ends_is_stopped() {
    // Every page full and new: a server that pages forever.
    let host = FakeHost::new(|url: &str| {
        let offset: usize = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("offset="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let page: Vec<_> = (offset..offset + 500)
            .map(|i| json!({"id": format!("user_{i}")}))
            .collect();
        ok(serde_json::Value::Array(page).to_string())
    });
    // The real cap (20,000 pages) behaves the same, only slower.
    let mut s = scanner("users", vec![], None).with_max_pages(40);
    let mut rows = 0u64;
    let e = loop {
        match s.next_row(&host) {
            Ok(Some(_)) => rows += 1,
            Ok(None) => panic!("ended after {rows} rows"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(e, CoreError::PagingRunaway { pages: 40, .. }),
        "{e:?}"
    );
    assert_eq!(rows, 40 * 500);
    assert_eq!(host.calls.borrow().len(), 41);
}

/// A host with background requests (as our host's `http-concurrent`):
/// `start_get` records the request and answers it at `wait`; what is
/// started, waited for and abandoned is recorded.
struct ConcurrentHost {
    inner: FakeHost,
    /// URLs sent with `get` (not started).
    sent: RefCell<Vec<String>>,
    started: RefCell<Vec<(u32, String)>>,
    waited: RefCell<Vec<u32>>,
    /// `start <offset>` / `wait <offset>` (or `count`), in order.
    events: RefCell<Vec<String>>,
    abandoned: RefCell<Vec<u32>>,
    /// Most requests started and not yet waited for or abandoned.
    peak: RefCell<usize>,
    max_in_flight: usize,
}

impl ConcurrentHost {
    fn new(respond: impl Fn(&str) -> Result<HttpResponse, String> + 'static) -> Self {
        ConcurrentHost {
            inner: FakeHost::new(respond),
            sent: RefCell::new(Vec::new()),
            started: RefCell::new(Vec::new()),
            waited: RefCell::new(Vec::new()),
            events: RefCell::new(Vec::new()),
            abandoned: RefCell::new(Vec::new()),
            peak: RefCell::new(0),
            max_in_flight: 16,
        }
    }

    fn in_flight(&self) -> usize {
        let (w, a) = (self.waited.borrow(), self.abandoned.borrow());
        self.started
            .borrow()
            .iter()
            .filter(|(h, _)| !w.contains(h) && !a.contains(h))
            .count()
    }

    /// Offsets of every page requested, sent or started.
    fn offsets(&self) -> Vec<u64> {
        let (sent, started) = (self.sent.borrow(), self.started.borrow());
        let urls = sent.iter().chain(started.iter().map(|(_, u)| u));
        let mut v: Vec<u64> = urls
            .filter_map(|u| u.split("offset=").nth(1)?.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }
}

/// A request's offset, or `count`.
fn event_of(url: &str) -> String {
    url.split("offset=")
        .nth(1)
        .map_or_else(|| "count".to_string(), str::to_string)
}

impl Host for ConcurrentHost {
    fn get(&self, url: &str, headers: &[(String, String)]) -> Result<HttpResponse, String> {
        self.sent.borrow_mut().push(url.to_string());
        self.inner.get(url, headers)
    }
    fn start_get(&self, url: &str, _headers: &[(String, String)]) -> Option<u32> {
        if self.in_flight() >= self.max_in_flight {
            return None;
        }
        let handle = u32::try_from(self.started.borrow().len()).unwrap() + 100;
        self.started.borrow_mut().push((handle, url.to_string()));
        self.events
            .borrow_mut()
            .push(format!("start {}", event_of(url)));
        let now = self.in_flight();
        let mut peak = self.peak.borrow_mut();
        *peak = (*peak).max(now);
        Some(handle)
    }
    fn wait(&self, handle: u32) -> Result<HttpResponse, String> {
        assert!(
            !self.waited.borrow().contains(&handle),
            "handle {handle} waited for twice"
        );
        assert!(
            !self.abandoned.borrow().contains(&handle),
            "handle {handle} waited for after abandon"
        );
        let url = self
            .started
            .borrow()
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, u)| u.clone());
        self.waited.borrow_mut().push(handle);
        let url = url.ok_or_else(|| format!("unknown handle {handle}"))?;
        self.events
            .borrow_mut()
            .push(format!("wait {}", event_of(&url)));
        self.inner.get(&url, &[])
    }
    fn abandon(&self, handle: u32) {
        self.abandoned.borrow_mut().push(handle);
    }
    fn epoch_secs(&self) -> i64 {
        self.inner.epoch_secs()
    }
    fn sleep_ms(&self, ms: u64) {
        self.inner.sleep_ms(ms);
    }
    fn add_bytes_in(&self, bytes: i64) {
        self.inner.add_bytes_in(bytes);
    }
}

/// `n` rows of a bare list without a count endpoint (`/invitations`),
/// honouring limit/offset.
fn invitations_server(n: usize) -> impl Fn(&str) -> Result<HttpResponse, String> {
    let users = users_server(n);
    move |url: &str| {
        assert!(url.contains("/invitations?"), "{url}");
        users(url)
    }
}

#[test]
fn a_counted_list_sends_no_page_past_its_end() {
    // issue 9: 1234 users at 4 in flight used to cost 3 pages sent ahead
    // past the end (1500, 2000, 2500), abandoned
    let sequential = sequential_rows("users", users_server(1234));
    let host = ConcurrentHost::new(users_server(1234));
    let mut s = scanner("users", vec![], None).with_concurrency(4);
    s.prefetch(&host).unwrap();
    let started: Vec<String> = host
        .started
        .borrow()
        .iter()
        .map(|(_, u)| u.clone())
        .collect();
    assert_eq!(
        started,
        [
            "http://emulator/v1/users/count",
            "http://emulator/v1/users?limit=500&offset=500"
        ],
        "after a full first page: the count and the second page, nothing more"
    );
    let rows = drain(&mut s, &host).unwrap();
    assert_eq!(rows, sequential, "same rows, same order");
    assert_eq!(host.offsets(), [0, 500, 1000], "no page past the end");
    assert!(
        host.abandoned.borrow().is_empty(),
        "{:?}",
        host.abandoned.borrow()
    );
    assert_eq!(host.in_flight(), 0);
    assert_eq!(s.take_counts(), (1234, 1234));
}

#[test]
fn the_count_is_asked_with_the_lists_filters_and_without_paging_or_order() {
    let host = ConcurrentHost::new(users_server(5000));
    let input = ScanInput {
        object: "users".into(),
        columns: vec![TargetColumn::new("id", SqlType::Text)],
        quals: vec![Qual::cell("banned", "=", Cell::Bool(false))],
        sorts: vec![clerk_core::Sort {
            field: "created_at".into(),
            reversed: true,
            nulls_first: true,
        }],
        limit: None,
        push_params: false,
    };
    let plan = plan_scan(&input).unwrap();
    let mut s = Scanner::new(
        plan,
        ApiUrl::parse(Some("http://emulator/v1")).unwrap(),
        "sk_live_x",
    )
    .with_concurrency(6);
    s.prefetch(&host).unwrap();
    let count = host.started.borrow().first().map(|(_, u)| u.clone());
    assert_eq!(
        count.as_deref(),
        Some("http://emulator/v1/users/count?banned=false")
    );
    assert!(
        host.sent.borrow()[0].contains("order_by="),
        "{:?}",
        host.sent.borrow()
    );
}

#[test]
fn a_large_counted_list_costs_its_pages_and_one_count() {
    // 100,000 users: 200 full pages; a sequential scan needs a 201st,
    // empty page to see the end, the count replaces it
    let host = ConcurrentHost::new(users_server(100_000));
    let mut s = scanner("users", vec![], None).with_concurrency(6);
    s.budget_per_10s = 900;
    assert_eq!(drain(&mut s, &host).unwrap().len(), 100_000);
    assert_eq!(
        host.offsets(),
        (0..200).map(|p| p * 500).collect::<Vec<u64>>()
    );
    assert_eq!(
        host.sent.borrow().len() + host.started.borrow().len(),
        201,
        "200 pages and the count"
    );
    assert!(host.abandoned.borrow().is_empty());
    assert_eq!(*host.peak.borrow(), 6);
}

#[test]
fn once_the_size_is_known_a_page_answered_frees_its_slot_before_it_is_decoded() {
    let host = ConcurrentHost::new(users_server(5000));
    let mut s = scanner("users", vec![], None).with_concurrency(3);
    drain(&mut s, &host).unwrap();
    let events = host.events.borrow().clone();
    let at = |e: &str| {
        events
            .iter()
            .position(|x| x == e)
            .unwrap_or_else(|| panic!("{e} in {events:?}"))
    };
    // the count answered while the second page is awaited: the third and
    // fourth go out before that wait
    assert!(
        at("start 1000") < at("wait 500") && at("start 1500") < at("wait 500"),
        "{events:?}"
    );
    // and each later page is replaced as soon as it is answered
    assert_eq!(events[at("wait 1000") + 1], "start 2500", "{events:?}");
    assert_eq!(*host.peak.borrow(), 3);
    assert_eq!(
        host.offsets(),
        (0..10).map(|p| p * 500).collect::<Vec<u64>>()
    );
}

#[test]
fn a_failed_count_is_ignored() {
    for answer in [
        status(500, &[], "oops"),
        ok("{}".into()),
        Err("connection reset".into()),
    ] {
        let host = ConcurrentHost::new(move |url: &str| {
            if url.contains("/users/count") {
                return answer.clone();
            }
            users_server(1234)(url)
        });
        let mut s = scanner("users", vec![], None).with_concurrency(4);
        assert_eq!(drain(&mut s, &host).unwrap().len(), 1234);
        // without a size: the ramp, one page more ahead per full page
        assert_eq!(host.offsets(), [0, 500, 1000, 1500]);
        assert_eq!(host.in_flight(), 0);
    }
}

#[test]
fn a_small_list_of_unknown_size_wastes_few_requests() {
    // issue 9: a bare list without a count used to get `n` pages ahead
    // after its first full page, all past the end of a two-page list
    let sequential = sequential_rows("invitations", invitations_server(700));
    let host = ConcurrentHost::new(invitations_server(700));
    let mut s = scanner("invitations", vec![], None).with_concurrency(6);
    assert_eq!(drain(&mut s, &host).unwrap(), sequential);
    assert_eq!(
        host.offsets(),
        [0, 500],
        "one page ahead after one full page"
    );
    assert!(host.abandoned.borrow().is_empty());
    // ahead 1, 2, 3, ... pages after each full page: a three-page list
    // wastes one (it was five)
    let host = ConcurrentHost::new(invitations_server(1200));
    let mut s = scanner("invitations", vec![], None).with_concurrency(6);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 1200);
    assert_eq!(host.offsets(), [0, 500, 1000, 1500]);
    assert_eq!(host.abandoned.borrow().len(), 1);
    assert_eq!(host.in_flight(), 0);
}

#[test]
fn a_pushed_limit_within_the_next_page_asks_no_count() {
    let host = ConcurrentHost::new(users_server(5000));
    let mut s = scanner(
        "users",
        vec![],
        Some(Limit {
            count: 800,
            offset: 0,
        }),
    )
    .with_concurrency(6);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 800);
    assert!(
        !host
            .started
            .borrow()
            .iter()
            .any(|(_, u)| u.contains("/count")),
        "{:?}",
        host.started.borrow()
    );
    assert_eq!(host.offsets(), [0, 500]);
}

#[test]
fn one_request_at_a_time_sends_nothing_ahead() {
    let host = ConcurrentHost::new(users_server(1234));
    let mut s = scanner("users", vec![], None).with_concurrency(1);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 1234);
    assert!(host.started.borrow().is_empty());
    assert_eq!(host.offsets(), [0, 500, 1000]);
}

#[test]
fn a_host_without_background_requests_scans_sequentially_whatever_the_concurrency() {
    let host = FakeHost::new(users_server(1234));
    let mut s = scanner("users", vec![], None).with_concurrency(8);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 1234);
    assert_eq!(host.calls.borrow().len(), 3);
}

#[test]
fn a_pushed_limit_is_never_exceeded_by_pages_sent_ahead() {
    let host = ConcurrentHost::new(users_server(5000));
    let mut s = scanner(
        "users",
        vec![],
        Some(Limit {
            count: 1200,
            offset: 0,
        }),
    )
    .with_concurrency(8);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 1200);
    assert_eq!(host.offsets(), [0, 500, 1000], "no page past the limit");
    assert!(host.abandoned.borrow().is_empty());
}

#[test]
fn a_429_on_a_page_sent_ahead_is_waited_out_and_halves_the_concurrency() {
    let limited = RefCell::new(0);
    let host = ConcurrentHost::new(move |url: &str| {
        if url.contains("offset=1000") && *limited.borrow() < 1 {
            *limited.borrow_mut() += 1;
            return status(
                429,
                &[("retry-after", "3")],
                r#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#,
            );
        }
        users_server(3000)(url)
    });
    let sequential = sequential_rows("users", users_server(3000));
    let mut s = scanner("users", vec![], None).with_concurrency(4);
    let rows = drain(&mut s, &host).unwrap();
    assert_eq!(rows, sequential);
    assert_eq!(host.inner.sleeps.borrow().as_slice(), [3000]);
    assert_eq!(s.concurrency, 2);
}

#[test]
fn pages_sent_ahead_of_a_rescan_are_abandoned() {
    let host = ConcurrentHost::new(users_server(5000));
    let mut s = scanner("users", vec![], None).with_concurrency(3);
    s.next_row(&host).unwrap();
    assert_eq!(host.in_flight(), 2, "the count and the second page");
    s.rescan();
    assert_eq!(drain(&mut s, &host).unwrap().len(), 5000);
    s.close(&host);
    assert_eq!(
        host.in_flight(),
        0,
        "every page sent ahead was read or abandoned"
    );
    assert!(host.abandoned.borrow().len() >= 2);
}

#[test]
fn pages_sent_ahead_stay_within_the_rate_budget() {
    // a development key: at most 90 requests in any 10 s (the fake clock
    // stands still), however many pages the list has
    let host = ConcurrentHost::new(users_server(100_000));
    let mut s = scanner("users", vec![], None).with_concurrency(16);
    assert_eq!(drain(&mut s, &host).unwrap().len(), 100_000);
    let ahead = host.started.borrow().len();
    assert!(ahead <= 90, "{ahead} pages sent ahead");
    assert!(ahead >= 80, "the budget is used, {ahead}");
    assert_eq!(
        host.offsets().len(),
        200,
        "every page once (the count says where the list ends)"
    );
}

#[test]
fn a_sorted_window_asks_no_count() {
    // updated_at > t reads newest first and stops at the first older row:
    // the list's size says nothing about where that is
    let host = ConcurrentHost::new(users_server(5000));
    let mut s = scanner_with(
        "users",
        &[("id", SqlType::Text)],
        vec![Qual::cell("updated_at", ">", Cell::Timestamptz(0))],
    )
    .with_concurrency(4);
    drain(&mut s, &host).unwrap();
    assert!(
        !host
            .started
            .borrow()
            .iter()
            .any(|(_, u)| u.contains("/count")),
        "{:?}",
        host.started.borrow()
    );
}
