//! The optional `clerk:wrappers-ext/returning` export (wit/ext) against the
//! real components `scripts/build.sh` puts in `target/`: our guest has it
//! and answers the last write's object, decoded with the context's columns;
//! a deletion notice is no row; the probe guests lack it and are never
//! called for it; the exports are found without instantiating. Run after
//! the build: `WASM_HOST_COMPONENT_TESTS=1 cargo test -p wasm-host --test
//! returning_export` (skipped, with a note, without that variable).

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use wasm_host::model::{Cell, Column, RowData, TypeOid, WriteOperation};
use wasm_host::runtime::{self, Extensions, GuestInstance};

const KEY: &str = "sk_test_returningMustNotLeak0123456789";

mod common;
use common::component;

fn instance(bytes: &[u8], api_url: &str) -> GuestInstance {
    common::instance(bytes, api_url, KEY)
}

fn extensions(bytes: &[u8]) -> Extensions {
    let sha256 = hex::encode(Sha256::digest(bytes));
    runtime::extensions("file:///test.wasm", &sha256, bytes, None).unwrap()
}

/// A loopback API answering every request with the body in `answer`; the
/// request lines (and bodies) it saw are kept.
fn api(answer: Arc<Mutex<String>>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        while let Ok((mut stream, _)) = listener.accept() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if h == "\r\n" || h.is_empty() {
                    break;
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            seen2.lock().unwrap().push(format!("{} {}", line.trim(), String::from_utf8_lossy(&body)));
            let answer = answer.lock().unwrap().clone();
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            stream.write_all(resp.as_bytes()).unwrap();
        }
    });
    (format!("http://{addr}/v1"), seen)
}

fn column(name: &str, num: u32, type_oid: TypeOid) -> Column {
    Column { name: name.into(), num, type_oid }
}

const USER: &str = r#"{"id":"user_new","object":"user","first_name":"Bo","banned":false,
  "created_at":1700000000000,"updated_at":1700000000000,"email_addresses":[],"public_metadata":{}}"#;

#[test]
fn the_exports_are_found_without_instantiating() {
    if let Some(bytes) = component("clerk_fdw.wasm") {
        let ext = extensions(&bytes);
        assert!(ext.explain && ext.returning && ext.modify, "{ext:?}");
    }
    if let Some(bytes) = component("probe_v2.wasm") {
        let ext = extensions(&bytes);
        assert!(!ext.explain && !ext.returning && !ext.modify, "{ext:?}");
    }
    if let Some(bytes) = component("probe_v1.wasm") {
        let ext = extensions(&bytes);
        assert!(!ext.explain && !ext.returning && !ext.modify, "{ext:?}");
    }
}

#[test]
fn our_guest_returns_the_object_the_write_was_answered_with() {
    let Some(bytes) = component("clerk_fdw.wasm") else { return };
    let answer = Arc::new(Mutex::new(USER.to_string()));
    let (api_url, seen) = api(answer.clone());
    let mut guest = instance(&bytes, &api_url);
    assert!(guest.has_returning());
    guest.host().table_opts = [("object".to_string(), "users".to_string())].into();
    guest.begin_modify().unwrap();
    // no write yet: no row
    guest.host().columns = vec![column("id", 1, TypeOid::String)];
    assert_eq!(guest.last_row().unwrap(), Some(None));

    guest.host().row = RowData {
        cols: vec!["email".into(), "first_name".into()],
        cells: vec![Some(Cell::String("b@example.com".into())), Some(Cell::String("Bo".into()))],
    };
    guest.insert().unwrap();
    guest.host().columns = vec![
        column("id", 1, TypeOid::String),
        column("created_at", 7, TypeOid::Timestamptz),
        column("banned", 9, TypeOid::Bool),
        column("last_name", 3, TypeOid::String),
    ];
    let row = guest.last_row().unwrap().unwrap().unwrap();
    assert_eq!(row.cols, ["id", "created_at", "banned", "last_name"]);
    assert_eq!(
        row.cells,
        [
            Some(Cell::String("user_new".into())),
            Some(Cell::Timestamptz(1_700_000_000_000_000)),
            Some(Cell::Bool(false)),
            None,
        ]
    );
    // the same answer, asked again with other columns: no request is made
    guest.host().columns = vec![column("first_name", 2, TypeOid::String)];
    assert_eq!(guest.last_row().unwrap().unwrap().unwrap().cells, [Some(Cell::String("Bo".into()))]);
    assert_eq!(seen.lock().unwrap().len(), 1, "{:?}", seen.lock().unwrap());
    assert!(seen.lock().unwrap()[0].starts_with("POST /v1/users HTTP/1.1"));

    // a delete answered with a deletion notice has no row to return
    *answer.lock().unwrap() = r#"{"id":"user_new","object":"user","deleted":true}"#.to_string();
    guest.delete(&Cell::String("user_new".into())).unwrap();
    guest.host().columns = vec![column("id", 1, TypeOid::String)];
    assert_eq!(guest.last_row().unwrap(), Some(None));

    // a value the column's type cannot hold is the scan's decode error
    *answer.lock().unwrap() = USER.to_string();
    guest.host().row = RowData { cols: vec!["first_name".into()], cells: vec![Some(Cell::String("Bo".into()))] };
    guest.update(&Cell::String("user_new".into())).unwrap();
    guest.host().columns = vec![column("first_name", 2, TypeOid::Bool)];
    let err = guest.last_row().unwrap_err().to_string();
    assert!(err.contains("first_name") && !err.contains(KEY), "{err}");
    guest.end_modify().unwrap();
}

#[test]
fn a_guest_without_the_export_is_never_called_for_it() {
    for name in ["probe_v2.wasm", "probe_v1.wasm"] {
        let Some(bytes) = component(name) else { continue };
        let mut guest = instance(&bytes, "http://127.0.0.1:9/v1");
        assert!(!guest.has_returning(), "{name}");
        guest.host().columns = vec![column("id", 1, TypeOid::String)];
        assert_eq!(guest.last_row().unwrap(), None, "{name}");
        // nor for `modify`: every write may be attempted
        assert!(!guest.has_modify(), "{name}");
        guest.plan_modify(WriteOperation::Insert, &["anything".to_string()]).unwrap();
    }
}

/// `modify`: our guest refuses, while planning, a write its table lacks or
/// a column no write takes, with the SQLSTATE of the refusal, and lets
/// through what a row's write would take. No request is made.
#[test]
fn our_guest_refuses_at_plan_time_what_no_row_could_do() {
    let Some(bytes) = component("clerk_fdw.wasm") else { return };
    let mut guest = instance(&bytes, "http://127.0.0.1:9/v1");
    assert!(guest.has_modify());
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    guest.host().table_opts = [("object".to_string(), "users".to_string())].into();
    guest.plan_modify(WriteOperation::Insert, &cols(&["email", "first_name", "attrs"])).unwrap();
    guest.plan_modify(WriteOperation::Update, &cols(&["banned", "public_metadata"])).unwrap();
    guest.plan_modify(WriteOperation::Delete, &[]).unwrap();
    let err = guest.plan_modify(WriteOperation::Update, &cols(&["updated_at"])).unwrap_err();
    assert!(err.to_string().contains("\"updated_at\""), "{err}");
    assert_eq!(err.kind(), wasm_host::ErrorKind::Code(wasm_host::error::Sqlstate::parse("42501").unwrap()), "{err:?}");
    guest.host().table_opts = [("object".to_string(), "billing/plans".to_string())].into();
    let err = guest.plan_modify(WriteOperation::Insert, &cols(&["attrs"])).unwrap_err();
    assert!(err.to_string().contains("billing_plans"), "{err}");
    assert!(err.hint().unwrap_or_default().contains("read-only"), "{err:?}");
}
