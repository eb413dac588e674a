//! A test guest for the 0.2.0 interfaces (`wit/v2`) that calls every host
//! import and misbehaves on request, so that the SQL tests can pin what
//! the host does with a guest built by someone else. No network unless the
//! table option `url` is given. Each row is the same; columns by name:
//!
//! - `epoch_ok` (bool): `time.epoch-secs` is after 2024;
//! - `parsed` (bigint): `time.parse-from-rfc3339("2024-01-02T03:04:05Z")`;
//! - `parsed_fmt` (bigint): `time.parse-from-str("2024-01-02 03:04:05", "%Y-%m-%d %H:%M:%S")`;
//! - `formatted` (text): `time.epoch-ms-to-rfc3339(parsed)`;
//! - `setting` (text): `utils.query-setting("probe.value")`;
//! - `vault_len` (int): length of the vault secret named `probe_secret`;
//! - `jwt_parts` (int): dot-separated parts of an RS256 `jwt.encode`;
//! - `http_status` (int) / `http_error` (text): `http.get(url)` and
//!   `http.error-for-status`;
//! - `metadata` (text): `stats.set-metadata` then `stats.get-metadata`;
//! - `num` (numeric), `uid` (uuid), `doc` (jsonb), `day` (date);
//! - `cell_text` (text): `utils.cell-to-string` of a timestamptz cell.
//!
//! Table option `misbehave` makes `iter-scan` break the contract:
//! `extra_cell` pushes one cell too many, `wrong_type` pushes a string into
//! every column, `bad_column` constructs column 999, `bad_json` sends
//! invalid JSON for jsonb, `other_options` asks for options of type
//! `other`, `spin` loops forever, `hog` allocates (and touches) 64 MiB at a
//! time until the host stops it. `import-foreign-schema` returns one table,
//! `probe`.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/v2",
        world: "wrappers",
    });
}

use std::cell::RefCell;

use bindings::exports::supabase::wrappers::routines::Guest;
use bindings::supabase::wrappers::types::{
    Cell, Column, Context, FdwError, FdwResult, ImportForeignSchemaStmt, OptionsType, Row,
};
use bindings::supabase::wrappers::{http, jwt, stats, time, utils};

const TEST_KEY: &str = include_str!("test_rsa_key.pem");
const FDW_NAME: &str = "probe_v2";

thread_local! {
    static DONE: RefCell<bool> = const { RefCell::new(false) };
}

struct Probe;

#[cfg(target_arch = "wasm32")]
bindings::export!(Probe with_types_in bindings);

fn column_cell(ctx: &Context, name: &str) -> Result<Option<Cell>, FdwError> {
    let table = ctx.get_options(&OptionsType::Table);
    Ok(match name {
        "epoch_ok" => Some(Cell::Bool(time::epoch_secs() > 1_704_067_200)),
        "parsed" => Some(Cell::I64(time::parse_from_rfc3339("2024-01-02T03:04:05Z")?)),
        "parsed_fmt" => Some(Cell::I64(time::parse_from_str(
            "2024-01-02 03:04:05",
            "%Y-%m-%d %H:%M:%S",
        )?)),
        "formatted" => Some(Cell::String(time::epoch_ms_to_rfc3339(
            time::parse_from_rfc3339("2024-01-02T03:04:05Z")?,
        )?)),
        "setting" => utils::query_setting("probe.value").map(Cell::String),
        "vault_len" => utils::get_vault_secret_by_name("probe_secret").map(|s| Cell::I32(s.len() as i32)),
        "jwt_parts" => {
            let payload = vec![("iss".to_string(), "probe".to_string()), ("sub".to_string(), "test".to_string())];
            let token = jwt::encode(&payload, "RS256", TEST_KEY, 1)?;
            Some(Cell::I32(token.split('.').count() as i32))
        }
        "http_status" | "http_error" => match table.get("url") {
            None => None,
            Some(url) => {
                let resp = http::get(&http::Request {
                    method: http::Method::Get,
                    url,
                    headers: vec![("user-agent".into(), "probe".into())],
                    body: String::new(),
                })?;
                if name == "http_status" {
                    Some(Cell::I32(i32::from(resp.status_code)))
                } else {
                    // without the url, which names a per-run port
                    http::error_for_status(&resp)
                        .err()
                        .map(|e| Cell::String(e.split(" for url").next().unwrap_or_default().to_string()))
                }
            }
        },
        "metadata" => {
            stats::set_metadata(FDW_NAME, &Some(r#"{"probe": true}"#.to_string()));
            stats::get_metadata(FDW_NAME).map(Cell::String)
        }
        "num" => Some(Cell::Numeric(12.5)),
        "uid" => Some(Cell::Uuid("0f2f7a5e-3b7c-4d2a-9f1e-6a5b4c3d2e1f".into())),
        "doc" => Some(Cell::Json(r#"{"a": [1, 2]}"#.into())),
        "day" => Some(Cell::Date(1_704_153_600)),
        "cell_text" => Some(Cell::String(utils::cell_to_string(Some(&Cell::Timestamptz(
            1_704_164_645_000_000,
        ))))),
        _ => None,
    })
}

impl Guest for Probe {
    fn host_version_requirement() -> String {
        "^0.1.0".to_string()
    }

    fn init(_ctx: &Context) -> FdwResult {
        stats::inc_stats(FDW_NAME, stats::Metric::CreateTimes, 1);
        Ok(())
    }

    fn begin_scan(_ctx: &Context) -> FdwResult {
        DONE.with(|d| *d.borrow_mut() = false);
        Ok(())
    }

    fn iter_scan(ctx: &Context, row: &Row) -> Result<Option<u32>, FdwError> {
        if DONE.with(|d| d.replace(true)) {
            return Ok(None);
        }
        let misbehave = ctx.get_options(&OptionsType::Table).get("misbehave");
        match misbehave.as_deref() {
            Some("bad_column") => {
                let _ = Column::new(999).name();
            }
            Some("spin") => {
                // a guest stuck in a loop: only the host can stop it
                let mut i = 0u64;
                loop {
                    i = std::hint::black_box(i.wrapping_add(1));
                }
            }
            Some("hog") => {
                // a guest that wants ever more memory: only the host's
                // limit stops it
                let mut kept: Vec<Vec<u8>> = Vec::new();
                loop {
                    kept.push(std::hint::black_box(vec![1u8; 64 << 20]));
                }
            }
            Some("other_options") => {
                let _ = ctx.get_options(&OptionsType::Other("probe".into())).get("x");
            }
            _ => {}
        }
        for col in ctx.get_columns() {
            let cell = match misbehave.as_deref() {
                Some("wrong_type") => Some(Cell::String("not what you declared".into())),
                Some("bad_json") => Some(Cell::Json("{not json".into())),
                _ => column_cell(ctx, &col.name())?,
            };
            row.push(cell.as_ref());
        }
        if misbehave.as_deref() == Some("extra_cell") {
            row.push(Some(&Cell::Bool(true)));
        }
        stats::inc_stats(FDW_NAME, stats::Metric::RowsOut, 1);
        Ok(Some(0))
    }

    fn re_scan(_ctx: &Context) -> FdwResult {
        DONE.with(|d| *d.borrow_mut() = false);
        Ok(())
    }

    fn end_scan(_ctx: &Context) -> FdwResult {
        Ok(())
    }

    fn begin_modify(_ctx: &Context) -> FdwResult {
        Err("probe_v2 is read-only".into())
    }

    fn insert(_ctx: &Context, _row: &Row) -> FdwResult {
        Ok(())
    }

    fn update(_ctx: &Context, _rowid: Cell, _new_row: &Row) -> FdwResult {
        Ok(())
    }

    fn delete(_ctx: &Context, _rowid: Cell) -> FdwResult {
        Ok(())
    }

    fn end_modify(_ctx: &Context) -> FdwResult {
        Ok(())
    }

    fn import_foreign_schema(
        _ctx: &Context,
        stmt: ImportForeignSchemaStmt,
    ) -> Result<Vec<String>, FdwError> {
        Ok(vec![format!(
            "create foreign table if not exists probe (epoch_ok boolean, parsed bigint, num numeric, uid uuid, doc jsonb, day date) server \"{}\"",
            stmt.server_name.replace('"', "\"\"")
        )])
    }
}
