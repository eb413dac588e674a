//! Fuzz targets (issue 8): each function takes arbitrary bytes and feeds
//! them to code that reads untrusted input; none may panic, whatever the
//! bytes. Two drivers run them:
//!
//! - `tests/smoke.rs` (stable, part of `cargo test`): every target over
//!   its seed corpus and a bounded number of seeded random mutations;
//! - `fuzz/libfuzzer` (cargo-fuzz on nightly, `scripts/fuzz.sh`):
//!   coverage-guided, as long as one likes.
//!
//! Targets: [`decode`] (a Clerk response body to pages, objects and typed
//! cells, for every catalog object and column type), [`options`] (server
//! options: `api_url`; with the `host` feature also package URLs and
//! checksums and the outbound policy), `host_strings` (feature `host`: what
//! a guest hands the host: error strings with `HINT:`/`SQLSTATE:` lines,
//! EXPLAIN lines, request URLs), and `query_string` (feature `emulator`:
//! the emulator's query-string parser and typed accessors).

use std::collections::HashMap;

use clerk_core::catalog::{Envelope, CATALOG};
use clerk_core::decode::{decode_object, decode_page, decode_page_keeping};
use clerk_core::{ApiUrl, Projection, TargetColumn};

/// Splits `data` at its first NUL into (selector, rest), for targets that
/// pick a variant from the input.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[], data),
    }
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// A response body, decoded as every envelope, its objects projected onto
/// every catalog object's columns (each column's declared type, and as
/// text and jsonb).
pub fn decode(data: &[u8]) {
    let (selector, body) = split(data);
    let body = text(body);
    let pick = selector.first().copied().unwrap_or(0) as usize;
    for envelope in [Envelope::BareArray, Envelope::DataTotalCount, Envelope::Keyed("m2m_tokens")] {
        let whole = decode_page(envelope, &body);
        let keep = vec!["id".to_string(), "email_addresses".to_string(), text(selector)];
        let fast = decode_page_keeping(envelope, &body, Some(&keep));
        // what the whole decode reads, the fast path reads the same (it may
        // also read a body whose only fault lies in a field it skips, such
        // as a lone surrogate escape in a string no column reads)
        let Ok(page) = whole else { continue };
        let fast = match fast {
            Ok(fast) => fast,
            Err(e) => panic!("the fast decode failed ({e}) where the whole one did not: {body:?}"),
        };
        assert_eq!(fast.total_count, page.total_count, "{body:?}");
        let kept = |v: &serde_json::Value| -> serde_json::Value {
            match v.as_object() {
                Some(map) => serde_json::Value::Object(
                    map.iter().filter(|(k, _)| keep.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
                ),
                None => v.clone(),
            }
        };
        // (a body the fast path leaves to the whole decode keeps every key)
        let (fast_kept, whole_kept): (Vec<_>, Vec<_>) = (fast.items.iter().map(kept).collect(), page.items.iter().map(kept).collect());
        assert_eq!(fast_kept, whole_kept, "{body:?}");
        let spec = &CATALOG[pick % CATALOG.len()];
        let columns: Vec<TargetColumn> =
            spec.columns.iter().map(|c| TargetColumn::new(c.name, c.ty.into())).collect();
        let projection = Projection::new(spec, &columns);
        let as_text: Vec<TargetColumn> =
            spec.columns.iter().map(|c| TargetColumn::new(c.name, clerk_core::SqlType::Text)).collect();
        let text_projection = Projection::new(spec, &as_text);
        for item in page.items.iter().take(50) {
            let _ = projection.row(item, Some(item), &[("id", "x".to_string())]);
            let _ = text_projection.row(item, None, &[]);
        }
    }
    let _ = decode_object(&body);
}

/// Server options as `key=value` lines.
pub fn options(data: &[u8]) {
    let raw = text(data);
    let opts: HashMap<String, String> = raw
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    for value in opts.values().chain(std::iter::once(&raw)) {
        let _ = ApiUrl::parse(Some(value));
        #[cfg(feature = "host")]
        {
            let _ = wasm_host::package::Source::parse(value);
            let _ = wasm_host::package::normalize_checksum(value);
            let _ = wasm_host::host::outbound::Target::parse(value);
        }
    }
    #[cfg(feature = "host")]
    if let Ok(policy) = wasm_host::host::outbound::OutboundPolicy::from_server_options(&opts) {
        let _ = policy.check_server_urls(&opts);
        for value in opts.values() {
            let _ = policy.check(value);
        }
    }
}

/// Strings a guest hands the host.
#[cfg(feature = "host")]
pub fn host_strings(data: &[u8]) {
    let s = text(data);
    let e = wasm_host::HostError::guest(&s);
    let _ = (e.to_string(), e.hint(), e.kind());
    let lines: Vec<String> = s.split('\n').map(str::to_string).collect();
    for line in wasm_host::explain::clean_lines(lines, |l| l.replace("secret", "<redacted>")) {
        let _ = wasm_host::explain::split_label(&line);
    }
    let _ = wasm_host::explain::url_target(&s);
    let _ = wasm_host::host::http::strip_query(&s);
}

/// A request's query string, read the ways the emulator's routes read it.
#[cfg(feature = "emulator")]
pub fn query_string(data: &[u8]) {
    use clerk_emulator::params::QueryParams;
    let raw = text(data);
    let q = QueryParams::parse(Some(&raw));
    for name in ["limit", "offset", "order_by", "query", "email_address", "user_id", "banned", "created_at_after"] {
        let _ = q.first(name);
        let _ = q.all(name).count();
        let _ = q.string(name);
    }
    let _ = q.paging();
    let _ = q.paging_up_to(500);
    let _ = q.bool("banned");
    let _ = q.int("created_at_after");
    let _ = q.strings("user_id");
    let _ = q.id_filter("user_id");
}
