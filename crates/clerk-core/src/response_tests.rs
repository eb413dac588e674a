use super::*;

const CLERK_401: &str = r#"{"errors":[{"code":"authentication_invalid","message":"Unauthorized request","long_message":"You are not authorized to perform this request","meta":{}}],"clerk_trace_id":"trace_1"}"#;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn success_statuses_have_a_body() {
    assert_eq!(classify(RequestKind::List, 200, &[], "[]"), Ok(Outcome::Body));
}

#[test]
fn clerk_error_body_becomes_a_typed_error() {
    let e = classify(RequestKind::List, 401, &[], CLERK_401).unwrap_err();
    assert_eq!(
        e,
        CoreError::Api {
            status: 401,
            code: "authentication_invalid".into(),
            message: "You are not authorized to perform this request".into(),
            trace_id: Some("trace_1".into()),
            list_request: true,
        }
    );
    let text = crate::error::fdw_error(&e);
    assert_eq!(
        text,
        "clerk api returned 401 (authentication_invalid): You are not authorized to perform this request\nHINT: check the api_key or api_key_id server option (clerk trace id trace_1)\nSQLSTATE: 28000"
    );
}

#[test]
fn not_found_means_no_row_only_for_get_by_id() {
    let body = r#"{"errors":[{"code":"resource_not_found","message":"not found","long_message":"No user was found"}]}"#;
    assert_eq!(classify(RequestKind::GetById, 404, &[], body), Ok(Outcome::NoRow));
    let e = classify(RequestKind::List, 404, &[], "404 page not found").unwrap_err();
    assert_eq!(
        crate::error::fdw_error(&e),
        "clerk api returned 404: 404 page not found\nHINT: check the api_url server option and the table's object option"
    );
}

#[test]
fn rate_limit_carries_retry_after() {
    let out = classify(RequestKind::List, 429, &h(&[("Retry-After", "3")]), "{}").unwrap();
    assert_eq!(out, Outcome::RateLimited { retry_after: Some("3".into()) });
    let out = classify(RequestKind::List, 429, &[], "").unwrap();
    assert_eq!(out, Outcome::RateLimited { retry_after: None });
}

#[test]
fn retry_after_seconds_or_http_date() {
    assert_eq!(parse_retry_after_ms("2", 0), Some(2000));
    assert_eq!(parse_retry_after_ms(" 0 ", 0), Some(0));
    assert_eq!(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_770), Some(7000));
    assert_eq!(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800), Some(0), "past date");
    assert_eq!(parse_retry_after_ms("soon", 0), None);
}

#[test]
fn retries_are_capped_in_count() {
    let mut r = RetryState::new(RetryPolicy { max_retries: 2, max_total_wait_ms: 1_000_000, default_wait_ms: 10 });
    assert_eq!(r.next_wait(Some("1"), 0), Ok(1000));
    assert_eq!(r.next_wait(None, 0), Ok(20), "default backoff doubles");
    assert_eq!(r.next_wait(Some("1"), 0), Err(CoreError::RateLimited { retries: 2, waited_secs: 1 }));
}

#[test]
fn retries_are_capped_in_total_wait() {
    let mut r = RetryState::new(RetryPolicy::default());
    assert_eq!(r.next_wait(Some("30"), 0), Ok(30_000));
    assert_eq!(r.next_wait(Some("30"), 0), Ok(30_000));
    assert!(matches!(r.next_wait(Some("1"), 0), Err(CoreError::RateLimited { .. })));
    let mut r = RetryState::new(RetryPolicy::default());
    assert!(r.next_wait(Some("3600"), 0).is_err(), "one wait over the cap gives up at once");
}

#[test]
fn non_clerk_error_bodies_are_excerpted() {
    let e = status_error(RequestKind::List, 502, "<html>bad gateway</html>");
    assert_eq!(e, CoreError::HttpStatus { status: 502, excerpt: "<html>bad gateway</html>".into(), list_request: true });
}
