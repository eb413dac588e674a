//! Allow-list and block-list identifiers: `GET|POST /v1/allowlist_identifiers`
//! (bare array unless `paginated=true`, paged), `GET|POST
//! /v1/blocklist_identifiers` (always `{data,total_count}`, no parameters at
//! all) and `DELETE …/{identifier_id}` on both, answering `DeletedObject`.
//!
//! Identifiers are email addresses (the block-list also takes a whole email
//! domain as `*@domain`), E.164 phone numbers or `0x` web3 wallets; the type
//! is inferred as Clerk does. A repeated identifier is 400
//! `duplicate_record`. Both lists are newest first.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Ids, Order, Select, MATERIALIZED};
use crate::engine::params::{Paging, QueryParams};
use crate::seed::{instance_id, mix, pick, Stream, DAY_MS, FIRST_NAMES, START_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

/// One of the two lists.
#[derive(Debug)]
pub struct IdentifierList {
    ids: Ids,
    object: &'static str,
    items: Collection,
}

/// The instance's allow-list and block-list.
#[derive(Debug)]
pub struct Identifiers {
    pub allowlist: IdentifierList,
    pub blocklist: IdentifierList,
}

crate::server::state::store_table!(Identifiers, Identifiers::seeded(0));

const ALLOWED_DOMAINS: &[&str] = &["partner.example.com", "example.org", "contoso.test"];
const BLOCKED_DOMAINS: &[&str] = &["mailinator.com", "spam.example", "throwaway.test"];

impl Identifiers {
    pub fn seeded(seed: u64) -> Self {
        let instance = instance_id(seed);
        let make = |ids: Ids, object: &'static str, count: u64, allow: bool| {
            let items = (0..count)
                .map(|i| {
                    let w = |k: u64| mix(seed, ids.stream, i, k);
                    let at = START_MS + (i as i64) * 40 * DAY_MS + (w(0) % DAY_MS as u64) as i64;
                    let first = FIRST_NAMES[pick(w(1), FIRST_NAMES.len())].to_lowercase();
                    let (identifier, kind) = match (i % 4, allow) {
                        (3, _) => (format!("+1555{:07}", w(2) % 10_000_000), "phone_number"),
                        (2, false) => (
                            format!("*@{}", BLOCKED_DOMAINS[pick(w(3), BLOCKED_DOMAINS.len())]),
                            "email_address",
                        ),
                        (2, true) => (
                            format!("0x{:016x}{:016x}{:08x}", w(4), w(5), w(6) as u32),
                            "web3_wallet",
                        ),
                        _ => {
                            let domains = if allow {
                                ALLOWED_DOMAINS
                            } else {
                                BLOCKED_DOMAINS
                            };
                            (
                                format!("{first}.{i}@{}", domains[pick(w(3), domains.len())]),
                                "email_address",
                            )
                        }
                    };
                    json!({
                        "object": object,
                        "id": ids.id(i as u32, at),
                        "identifier": identifier,
                        "identifier_type": kind,
                        "instance_id": instance,
                        "created_at": at,
                        "updated_at": at,
                    })
                })
                .collect();
            IdentifierList {
                ids,
                object,
                items: Collection::materialized(items),
            }
        };
        Self {
            allowlist: make(
                Ids::new("alid_", Stream::AllowlistId, seed),
                "allowlist_identifier",
                6 + mix(seed, Stream::AllowlistId, 0, 99) % 5,
                true,
            ),
            blocklist: make(
                Ids::new("blid_", Stream::BlocklistId, seed),
                "blocklist_identifier",
                4 + mix(seed, Stream::BlocklistId, 0, 99) % 4,
                false,
            ),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/allowlist_identifiers",
            get(list_allowlist).post(create_allowlist),
        )
        .route(
            "/v1/allowlist_identifiers/{identifier_id}",
            delete(delete_allowlist),
        )
        .route(
            "/v1/blocklist_identifiers",
            get(list_blocklist).post(create_blocklist),
        )
        .route(
            "/v1/blocklist_identifiers/{identifier_id}",
            delete(delete_blocklist),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/allowlist_identifiers", Served),
    op("POST", "/allowlist_identifiers", Served),
    op("DELETE", "/allowlist_identifiers/{identifier_id}", Served),
    op("GET", "/blocklist_identifiers", Served),
    op("POST", "/blocklist_identifiers", Served),
    op("DELETE", "/blocklist_identifiers/{identifier_id}", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/allowlist_identifiers?x=1").array(),
    paged("/v1/allowlist_identifiers?paginated=true"),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Identifiers::seeded(config.seed));
}

/// The type of an identifier, or a 422 naming the field.
fn identifier_type(identifier: &str, allow_domains: bool) -> ApiResult<&'static str> {
    let bad = ApiError::ParamFormat {
        param: "identifier",
        expected: "an email address, a phone number in E.164 format or a web3 wallet",
    };
    if let Some(hex) = identifier.strip_prefix("0x") {
        return if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok("web3_wallet")
        } else {
            Err(bad)
        };
    }
    if let Some(digits) = identifier.strip_prefix('+') {
        return if (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok("phone_number")
        } else {
            Err(bad)
        };
    }
    let Some((local, domain)) = identifier.split_once('@') else {
        return Err(bad);
    };
    let local_ok = !local.is_empty()
        && (local != "*" || allow_domains)
        && !local.contains(char::is_whitespace);
    if local_ok && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') {
        Ok("email_address")
    } else {
        Err(bad)
    }
}

fn list_of(list: &IdentifierList, paging: Paging) -> collection::Listed {
    list.items
        .list(MATERIALIZED, Order::NEWEST_FIRST, Select::default(), paging)
}

async fn list_allowlist(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let store = state.store();
    Ok(collection::respond(
        list_of(&store.table::<Identifiers>().allowlist, paging),
        paginated,
    ))
}

/// Every block-list identifier: the endpoint takes no parameters.
async fn list_blocklist(State(state): State<AppState>) -> ApiResult<Response> {
    let store = state.store();
    let everything = Paging {
        limit: usize::MAX,
        offset: 0,
    };
    Ok(collection::respond(
        list_of(&store.table::<Identifiers>().blocklist, everything),
        true,
    ))
}

fn create(
    store: &mut Store,
    pick_list: fn(&mut Store) -> &mut IdentifierList,
    body: &JsonBody,
    allow_domains: bool,
) -> ApiResult<Value> {
    let identifier = body.required_string("identifier")?.trim().to_owned();
    let kind = identifier_type(&identifier, allow_domains)?;
    let identifier = if kind == "email_address" {
        identifier.to_lowercase()
    } else {
        identifier
    };
    let now = store.tick();
    let instance = instance_id(store.seed());
    let list = pick_list(store);
    if list
        .items
        .find(MATERIALIZED, |o| o["identifier"] == identifier.as_str())
        .is_some()
    {
        return Err(ApiError::Exists {
            code: "duplicate_record",
            param: "identifier",
            status: StatusCode::BAD_REQUEST,
        });
    }
    let i = list.items.next_index();
    let object = json!({
        "object": list.object,
        "id": list.ids.id(i, now),
        "identifier": identifier,
        "identifier_type": kind,
        "instance_id": instance,
        "created_at": now,
        "updated_at": now,
    });
    list.items.push(object.clone());
    Ok(object)
}

async fn create_allowlist(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["identifier", "notify"])?;
    body.bool("notify")?;
    let mut store = state.store_mut();
    create(
        &mut store,
        |s| &mut s.table_mut::<Identifiers>().allowlist,
        &body,
        false,
    )
    .map(Json)
}

async fn create_blocklist(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, &["identifier"])?;
    let mut store = state.store_mut();
    create(
        &mut store,
        |s| &mut s.table_mut::<Identifiers>().blocklist,
        &body,
        true,
    )
    .map(Json)
}

fn remove(list: &mut IdentifierList, id: String) -> ApiResult<Json<Value>> {
    let (i, _) = list
        .items
        .get_by_id(list.ids.index(&id), &id, MATERIALIZED)
        .ok_or_else(|| ApiError::NotFound {
            kind: "identifier",
            id: id.clone(),
        })?;
    list.items.delete(i);
    Ok(Json(deleted(list.object, &id)))
}

async fn delete_allowlist(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    remove(
        &mut state.store_mut().table_mut::<Identifiers>().allowlist,
        id,
    )
}

async fn delete_blocklist(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    remove(
        &mut state.store_mut().table_mut::<Identifiers>().blocklist,
        id,
    )
}

#[cfg(test)]
mod identifiers_tests {
    use super::*;

    #[test]
    fn identifier_types_are_inferred() {
        assert_eq!(identifier_type("a@b.co", false), Ok("email_address"));
        assert_eq!(identifier_type("*@b.co", true), Ok("email_address"));
        assert!(identifier_type("*@b.co", false).is_err());
        assert_eq!(identifier_type("+15551234567", false), Ok("phone_number"));
        assert_eq!(
            identifier_type("0x52908400098527886E0F7030069857D2E4169EE7", false),
            Ok("web3_wallet")
        );
        assert!(identifier_type("0x1234", false).is_err());
        assert!(identifier_type("nobody", false).is_err());
        assert!(identifier_type("a@b", false).is_err());
    }
}
