use super::*;

#[test]
fn message_then_hint_on_its_own_line() {
    let e = CoreError::Api {
        status: 401,
        code: "authentication_invalid".into(),
        message: "Unauthorized request".into(),
        trace_id: None,
        list_request: true,
    };
    assert_eq!(
        fdw_error(&e),
        "clerk api returned 401 (authentication_invalid): Unauthorized request\nHINT: check the api_key or api_key_id server option\nSQLSTATE: 28000"
    );
}

#[test]
fn missing_qual_names_the_column_shows_a_where_and_has_its_sqlstate() {
    let e = CoreError::MissingQual {
        table: "billing_statement",
        columns: vec!["statement_id"],
        example: "statement_id = 'stmt_...'".into(),
    };
    assert_eq!(
        fdw_error(&e),
        "a scan of \"billing_statement\" needs a condition on \"statement_id\"\n\
         HINT: add it to the query, e.g. select * from billing_statement where statement_id = 'stmt_...'; \
         an in (...) list makes one request per value\nSQLSTATE: HV002"
    );
}

#[test]
fn trace_id_goes_into_the_hint() {
    let e = CoreError::Api {
        status: 500,
        code: "internal_clerk_error".into(),
        message: "oops".into(),
        trace_id: Some("abc123".into()),
        list_request: false,
    };
    assert!(fdw_error(&e).ends_with("HINT: clerk may be unavailable; retry later (clerk trace id abc123)"));
}

#[test]
fn no_hint_means_no_hint_line() {
    let e = CoreError::Internal("boom".into());
    assert_eq!(fdw_error(&e), "boom");
}

#[test]
fn secrets_are_redacted_everywhere() {
    let e = CoreError::HttpStatus {
        status: 400,
        excerpt: "bad key sk_test_AbC123xyz given, header Bearer sk_live_zzz".into(),
        list_request: true,
    };
    let text = fdw_error(&e);
    assert!(!text.contains("AbC123xyz") && !text.contains("zzz"), "{text}");
    assert!(text.contains("[redacted]"));
    let e = CoreError::Transport("connect to https://x/v1 failed: mysecretkey123".into());
    let text = fdw_error_redacting(&e, Some("mysecretkey123"));
    assert!(!text.contains("mysecretkey123"), "{text}");
}

#[test]
fn excerpt_is_short_single_line() {
    let body = format!("<html>\n<body>{}</body>", "x".repeat(500));
    let ex = excerpt(&body);
    assert!(!ex.contains('\n'));
    assert!(ex.chars().count() <= 121);
    assert!(ex.ends_with('…'));
}

#[test]
fn every_variant_renders_lower_case_without_trailing_period() {
    let samples = vec![
        CoreError::UnsupportedObject { object: "x".into() },
        CoreError::MissingOption { kind: "table", option: "object".into() },
        CoreError::MissingApiKey,
        CoreError::SecretNotFound { id: "clerk".into() },
        CoreError::EmptyApiKey { option: "api_key" },
        CoreError::InvalidApiUrl { reason: "it has no host".into() },
        CoreError::Transport("x".into()),
        CoreError::RateLimited { retries: 5, waited_secs: 60 },
        CoreError::InvalidJson { reason: "expected value".into(), excerpt: "<html>".into() },
        CoreError::UnexpectedShape { expected: "a json array", got: "object" },
        CoreError::UnsupportedColumnType { column: "c".into(), type_name: "varchar".into() },
        CoreError::NotSupported { operation: "insert", object: "users".into() },
    ];
    for e in samples {
        let text = fdw_error(&e);
        let first = text.lines().next().unwrap_or_default();
        assert!(first.starts_with(|c: char| c.is_lowercase()), "{first}");
        assert!(!first.ends_with('.'), "{first}");
    }
}

proptest::proptest! {
    #[test]
    fn redact_never_leaks_a_key(prefix in "[ -~]{0,20}", secret in "[A-Za-z0-9]{8,30}", suffix in "[ -~]{0,20}") {
        let text = format!("{prefix}sk_live_{secret} {suffix}");
        let out = redact(&text);
        let leaked = format!("sk_live_{secret}");
        proptest::prop_assert!(!out.contains(&leaked));
    }
}
