//! The optional `clerk:wrappers-ext/explain` export (wit/ext) against the
//! real components `scripts/build.sh` puts in `target/`: our guest has it
//! and answers from the context alone; the probe guest lacks it and runs as
//! before; and a host that knows only `supabase:wrappers` runs our guest
//! unchanged. They need the built components: `scripts/test.sh` runs them
//! after the build with `WASM_HOST_COMPONENT_TESTS=1`; without it they are
//! skipped with a note.

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use wasm_host::explain::RequestLog;
use wasm_host::host::http::{HttpClient, HttpConfig};
use wasm_host::host::HostState;
use wasm_host::model::{Column, Qual, TypeOid, Value};
use wasm_host::runtime::GuestInstance;

const KEY: &str = "sk_test_explainMustNotLeak0123456789";

mod common;
use common::component;

fn instance(bytes: &[u8], api_url: &str) -> GuestInstance {
    common::instance(bytes, api_url, KEY)
}

fn text(name: &str, num: u32) -> Column {
    Column { name: name.into(), num, type_oid: TypeOid::String }
}

fn eq(field: &str, value: &str) -> Qual {
    Qual {
        field: field.into(),
        operator: "=".into(),
        value: Value::Cell(wasm_host::model::Cell::String(value.into())),
        use_or: false,
        param: None,
    }
}

fn scan_of(guest: &mut GuestInstance, object: &str, quals: Vec<Qual>) {
    let host = guest.host();
    host.table_opts = [("object".to_string(), object.to_string())].into();
    host.columns = vec![text("id", 1), text("organization_id", 2), text("role", 3)];
    host.quals = quals;
    host.sorts = Vec::new();
    host.limit = None;
}

#[test]
fn our_guest_explains_from_the_context_without_a_request() {
    let Some(bytes) = component("clerk_fdw.wasm") else { return };
    // nothing listens there: a request would fail the call
    let mut guest = instance(&bytes, "http://127.0.0.1:9/v1");
    assert!(guest.has_explain());
    scan_of(
        &mut guest,
        "organization_memberships",
        vec![eq("organization_id", "org_x"), eq("role", "org:admin")],
    );
    let lines = guest.explain().unwrap().unwrap();
    assert_eq!(
        lines,
        [
            "Clerk Request: GET /organizations/org_x/memberships?role=org%3Aadmin&limit=500&offset=0",
            "Clerk Pushdown: exact: organization_id = 'org_x', role = 'org:admin'",
        ]
    );
    // a scan the planner refuses is the same error begin-scan would raise
    scan_of(&mut guest, "billing_statement", vec![]);
    let err = guest.explain().unwrap_err().to_string();
    assert!(err.contains("statement_id"), "{err}");
    // and the instance is still usable
    scan_of(&mut guest, "users", vec![eq("id", "user_1")]);
    assert_eq!(guest.explain().unwrap().unwrap()[0], "Clerk Request: GET /users/user_1");
}

#[test]
fn a_guest_without_the_export_is_never_called_for_it() {
    let Some(bytes) = component("probe_v2.wasm") else { return };
    let mut guest = instance(&bytes, "http://127.0.0.1:9/v1");
    assert!(!guest.has_explain());
    assert_eq!(guest.explain().unwrap(), None);
    // and it scans as before
    let host = guest.host();
    host.table_opts = HashMap::new();
    host.columns = vec![Column { name: "epoch_ok".into(), num: 1, type_oid: TypeOid::Bool }];
    guest.begin_scan().unwrap();
    assert_eq!(guest.iter_scan().unwrap(), Some(0));
    guest.end_scan().unwrap();
}

#[test]
fn a_0_1_guest_never_has_it() {
    let Some(bytes) = component("probe_v1.wasm") else { return };
    let mut guest = instance(&bytes, "http://127.0.0.1:9/v1");
    assert!(!guest.has_explain());
    assert_eq!(guest.explain().unwrap(), None);
}

/// A loopback API answering every request with an empty user list.
fn empty_api() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        while let Ok((mut stream, _)) = listener.accept() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            seen2.lock().unwrap().push(line.trim().to_owned());
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h == "\r\n" || h.is_empty() {
                    break;
                }
            }
            let body = "[]";
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(resp.as_bytes()).unwrap();
        }
    });
    (format!("http://{addr}/v1"), seen)
}

#[test]
fn the_request_log_records_what_was_sent_without_the_key() {
    let Some(bytes) = component("clerk_fdw.wasm") else { return };
    let (api_url, seen) = empty_api();
    let mut guest = instance(&bytes, &api_url);
    scan_of(&mut guest, "users", vec![]);
    let log = Rc::new(RefCell::new(RequestLog::default()));
    guest.host().request_log = Some(log.clone());
    let planned = guest.explain().unwrap().unwrap();
    assert_eq!(planned, ["Clerk Request: GET /users?limit=500&offset=0"]);
    guest.begin_scan().unwrap();
    assert_eq!(guest.iter_scan().unwrap(), None);
    guest.end_scan().unwrap();
    let log = log.borrow();
    assert_eq!(log.count, 1);
    assert_eq!(log.requests[0].method, "GET");
    assert_eq!(log.requests[0].target, "/v1/users?limit=500&offset=0");
    assert_eq!(log.requests[0].status, Some(200));
    assert_eq!(seen.lock().unwrap().as_slice(), ["GET /v1/users?limit=500&offset=0 HTTP/1.1"]);
    assert!(!format!("{log:?}").contains(KEY));
}

#[test]
fn a_host_that_knows_only_the_contract_runs_our_guest() {
    use wasmtime::component::{Component, HasSelf, Linker};
    use wasmtime::{Config, Engine, Store};
    let Some(bytes) = component("clerk_fdw.wasm") else { return };
    let mut config = Config::new();
    config.wasm_component_model(true);
    let engine = Engine::new(&config).unwrap();
    let mut linker: Linker<HostState> = Linker::new(&engine);
    wasm_host::bindings::v2::Wrappers::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
        .unwrap();
    let component = Component::new(&engine, &bytes).unwrap();
    let opts: HashMap<String, String> = [("api_key".to_string(), KEY.to_string())].into();
    let http = Arc::new(HttpClient::new(HttpConfig::default()));
    let mut store = Store::new(&engine, HostState::new(opts, http, Box::new(common::NoDatabase)));
    let guest = wasm_host::bindings::v2::Wrappers::instantiate(&mut store, &component, &linker).unwrap();
    let routines = guest.supabase_wrappers_routines();
    assert_eq!(routines.call_host_version_requirement(&mut store).unwrap(), "^0.1.0");
    let ctx = wasmtime::component::Resource::new_borrow(0);
    routines.call_init(&mut store, ctx).unwrap().unwrap();
}
