//! Enterprise SSO: `/v1/saml_connections` (deprecated by Clerk, still
//! served) and `/v1/enterprise_connections`, both `{data,total_count}`.
//!
//! Every tenth organization (indexes 3, 13, 23, …) has a seeded SAML
//! connection on its own domain, and each seeded SAML connection belongs to
//! the enterprise connection of the same index (their `enterprise_connection_id`
//! / `saml_connection` point at each other). Both are generated from the
//! index on demand, so a million organizations cost nothing until read.
//! An enterprise connection created with a SAML provider creates its SAML
//! connection too; deleting either side deletes the pair. One with an OIDC
//! provider carries an `oauth_config` instead.
//!
//! The SAML list's `order_by` is documented with the membership fields by a
//! copy-paste slip in the spec; the emulator accepts the fields a SAML
//! connection has (`created_at`, `name`), newest first by default.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, deleted, Collection, Ids, Order, Select};
use crate::engine::params::QueryParams;
use crate::resources::organizations::Organizations;
use crate::seed::{mix, pick, Stream, DAY_MS};
use crate::server::body::JsonBody;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const SAML_PROVIDERS: &[&str] = &["saml_custom", "saml_okta", "saml_google", "saml_microsoft"];
const OIDC_PROVIDERS: &[&str] = &["oidc_custom", "oidc_github_enterprise", "oidc_gitlab"];
const IDP_HOSTS: [&str; 4] = [
    "idp.example.net",
    "example.okta.com",
    "accounts.google.com",
    "login.microsoftonline.com",
];
const SP_BASE: &str = "https://clerk.emulator.test/v1/saml";

/// The SAML and enterprise connections of the instance.
#[derive(Debug)]
pub struct SsoConnections {
    seed: u64,
    saml_ids: Ids,
    enterprise_ids: Ids,
    saml: Collection,
    enterprise: Collection,
}

crate::server::state::store_table!(SsoConnections, SsoConnections::seeded(0, 0));

/// The organization seeded connection `k` belongs to.
fn org_of(k: u32) -> u32 {
    k * 10 + 3
}

impl SsoConnections {
    pub fn seeded(seed: u64, organizations: u32) -> Self {
        let n = organizations.saturating_add(6) / 10;
        Self {
            seed,
            saml_ids: Ids::new("samlc_", Stream::SamlId, seed),
            enterprise_ids: Ids::new("ec_", Stream::EnterpriseId, seed),
            saml: Collection::new(n),
            enterprise: Collection::new(n),
        }
    }

    fn created_at(store: &Store, k: u32) -> i64 {
        store.table::<Organizations>().core(org_of(k)).created_at + 20 * DAY_MS
    }

    /// Seeded SAML connection `k`.
    fn seeded_saml(&self, store: &Store, k: u32) -> Value {
        let w = |s: u64| mix(self.seed, Stream::SamlId, u64::from(k), s);
        let org = org_of(k);
        let core = store.table::<Organizations>().core(org);
        let at = Self::created_at(store, k);
        let p = pick(w(1), SAML_PROVIDERS.len());
        let domain = format!("{}.com", Organizations::slug(&core));
        let id = self.saml_ids.id(k, at);
        let mut saml = saml_object(
            &id,
            &Organizations::name(&core),
            SAML_PROVIDERS[p],
            vec![domain],
            at,
        );
        saml["idp_entity_id"] = json!(format!("https://{}/{:x}", IDP_HOSTS[p], w(2)));
        saml["idp_sso_url"] = json!(format!("https://{}/sso/saml/{:x}", IDP_HOSTS[p], w(2)));
        saml["idp_certificate"] = json!(format!("MIIC{:032x}", w(3)));
        saml["idp_certificate_issued_at"] = json!(at - 10 * DAY_MS);
        saml["idp_certificate_expires_at"] = json!(at + 3 * 365 * DAY_MS);
        saml["organization_id"] = json!(store.table::<Organizations>().id_of(org));
        saml["active"] = json!(w(4) % 100 < 85);
        saml["user_count"] = json!(store.table::<Organizations>().members_count(org));
        saml["enterprise_connection_id"] = json!(self.enterprise_ids.id(k, at));
        saml["updated_at"] = json!(at + (w(5) % (5 * DAY_MS as u64)) as i64);
        saml
    }

    /// Seeded enterprise connection `k` (over SAML connection `k`).
    pub(crate) fn seeded_enterprise(&self, store: &Store, k: u32) -> Value {
        let saml = self.seeded_saml(store, k);
        let at = Self::created_at(store, k);
        let mut ent = json!({
            "object": "enterprise_connection",
            "id": self.enterprise_ids.id(k, at),
            "name": saml["name"], "provider": saml["provider"], "logo_public_url": null,
            "active": saml["active"], "domains": saml["domains"],
            "organization_id": saml["organization_id"],
            "sync_user_attributes": true, "disable_additional_identifications": false,
            "allow_organization_account_linking": true, "custom_attributes": [],
            "authenticatable": saml["active"], "disable_jit_provisioning": false,
            "oauth_config": null,
            "saml_connection": { "id": saml["id"] },
            "created_at": at, "updated_at": saml["updated_at"],
        });
        ent["saml_connection"] = saml_summary(&saml);
        ent
    }

    fn find_saml(&self, store: &Store, id: &str) -> Option<(u32, Value)> {
        self.saml
            .get_by_id(self.saml_ids.index(id), id, &|i| self.seeded_saml(store, i))
    }

    /// The number of seeded enterprise connections (indexes `0..n`).
    pub fn seeded_enterprise_count(&self) -> u32 {
        self.enterprise.seeded_len()
    }

    /// The live enterprise connection `id` with its index, as `GET` shows it.
    pub(crate) fn find_enterprise(&self, store: &Store, id: &str) -> Option<(u32, Value)> {
        self.enterprise
            .get_by_id(self.enterprise_ids.index(id), id, &|i| {
                self.seeded_enterprise(store, i)
            })
            .map(|(i, e)| (i, self.render_enterprise(store, e)))
    }

    /// A written enterprise connection shows its SAML connection as it is now.
    fn render_enterprise(&self, store: &Store, mut ent: Value) -> Value {
        if let Some(id) = ent["saml_connection"]["id"].as_str().map(str::to_owned) {
            ent["saml_connection"] = self
                .find_saml(store, &id)
                .map_or(Value::Null, |(_, s)| saml_summary(&s));
        }
        ent
    }
}

/// Schema `SAMLConnection` with no IdP configured yet.
fn saml_object(id: &str, name: &str, provider: &str, domains: Vec<String>, at: i64) -> Value {
    json!({
        "object": "saml_connection",
        "id": id,
        "name": name,
        "domain": domains.first().cloned().unwrap_or_default(),
        "domains": domains,
        "idp_entity_id": null, "idp_sso_url": null, "idp_certificate": null,
        "idp_certificate_issued_at": null, "idp_certificate_expires_at": null,
        "idp_metadata_url": null, "idp_metadata": null,
        "acs_url": format!("{SP_BASE}/acs/{id}"),
        "sp_entity_id": format!("{SP_BASE}/{id}"),
        "sp_metadata_url": format!("{SP_BASE}/metadata/{id}"),
        "organization_id": null,
        "attribute_mapping": { "user_id": "", "email_address": "mail", "first_name": "givenName", "last_name": "surname" },
        "active": false,
        "provider": provider,
        "user_count": 0,
        "sync_user_attributes": true,
        "allow_subdomains": false,
        "allow_idp_initiated": false,
        "disable_additional_identifications": false,
        "allow_organization_account_linking": false,
        "authenticatable": false,
        "force_authn": false,
        "login_hint": { "mode": "email_address" },
        "disable_jit_provisioning": false,
        "enterprise_connection_id": null,
        "created_at": at,
        "updated_at": at,
    })
}

/// The `saml_connection` summary an enterprise connection embeds.
fn saml_summary(saml: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "id",
        "name",
        "idp_entity_id",
        "idp_sso_url",
        "idp_metadata_url",
        "acs_url",
        "sp_entity_id",
        "sp_metadata_url",
        "active",
        "allow_idp_initiated",
        "allow_subdomains",
        "force_authn",
        "login_hint",
    ] {
        out.insert(key.into(), saml[key].clone());
    }
    Value::Object(out)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/saml_connections", get(list_saml).post(create_saml))
        .route(
            "/v1/saml_connections/{saml_connection_id}",
            get(get_saml).patch(update_saml).delete(delete_saml),
        )
        .route(
            "/v1/enterprise_connections",
            get(list_enterprise).post(create_enterprise),
        )
        .route(
            "/v1/enterprise_connections/{enterprise_connection_id}",
            get(get_enterprise)
                .patch(update_enterprise)
                .delete(delete_enterprise),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/saml_connections", Served),
    op("POST", "/saml_connections", Served),
    op("GET", "/saml_connections/{saml_connection_id}", Served),
    op("PATCH", "/saml_connections/{saml_connection_id}", Served),
    op("DELETE", "/saml_connections/{saml_connection_id}", Served),
    op("GET", "/enterprise_connections", Served),
    op("POST", "/enterprise_connections", Served),
    op(
        "GET",
        "/enterprise_connections/{enterprise_connection_id}",
        Served,
    ),
    op(
        "PATCH",
        "/enterprise_connections/{enterprise_connection_id}",
        Served,
    ),
    op(
        "DELETE",
        "/enterprise_connections/{enterprise_connection_id}",
        Served,
    ),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/saml_connections?x=1").order_by(&["created_at", "name"]),
    paged("/v1/enterprise_connections?x=1"),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(SsoConnections::seeded(config.seed, config.organizations));
}

async fn list_saml(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = collection::order(&q, &["created_at", "name"], Order::NEWEST_FIRST)?;
    let orgs = q.id_filter("organization_id")?;
    let query = q.string("query").map(str::to_lowercase);
    let store = state.store();
    let sso = store.table::<SsoConnections>();
    let filter: Option<collection::Filter> = (orgs.is_active() || query.is_some()).then(|| {
        Box::new(move |s: &Value| {
            orgs.matches(s["organization_id"].as_str())
                && query.as_ref().is_none_or(|q| {
                    s["id"] == q.as_str()
                        || collection::contains_any(s, &["name", "domain"], q)
                        || s["domains"].as_array().is_some_and(|d| {
                            d.iter()
                                .any(|d| d.as_str().is_some_and(|d| d.contains(q.as_str())))
                        })
                })
        }) as collection::Filter
    });
    let listed = sso.saml.list(
        &|i| sso.seeded_saml(&store, i),
        order,
        Select {
            filter,
            ..Select::default()
        },
        paging,
    );
    Ok(collection::respond(listed, true))
}

async fn list_enterprise(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let org = q.string("organization_id").map(str::to_owned);
    let active = q.bool("active")?;
    let store = state.store();
    let sso = store.table::<SsoConnections>();
    let filter: Option<collection::Filter> = (org.is_some() || active.is_some()).then(|| {
        Box::new(move |e: &Value| {
            org.as_ref()
                .is_none_or(|o| e["organization_id"] == o.as_str())
                && active.is_none_or(|a| e["active"] == a)
        }) as collection::Filter
    });
    let listed = sso.enterprise.list(
        &|i| sso.seeded_enterprise(&store, i),
        Order::NEWEST_FIRST,
        Select {
            filter,
            ..Select::default()
        },
        paging,
    );
    Ok(collection::respond(
        listed.map(|e| sso.render_enterprise(&store, e)),
        true,
    ))
}

fn saml_not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "SAML connection",
        id,
    }
}

fn enterprise_not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "enterprise connection",
        id,
    }
}

async fn get_saml(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = state.store();
    let found = store.table::<SsoConnections>().find_saml(&store, &id);
    found
        .map(|(_, s)| Json(s))
        .ok_or_else(|| saml_not_found(id))
}

async fn get_enterprise(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let found = store.table::<SsoConnections>().find_enterprise(&store, &id);
    found
        .map(|(_, e)| Json(e))
        .ok_or_else(|| enterprise_not_found(id))
}

/// Lowercased, validated domain names (at least one when `required`).
fn domains(body: &JsonBody, required: bool) -> ApiResult<Option<Vec<String>>> {
    let mut list = body.strings("domains")?;
    if body.has("domain") {
        if let Some(d) = body.string("domain")? {
            list.insert(0, d);
        }
    }
    if list.is_empty() {
        return if required {
            Err(ApiError::ParamMissing { param: "domains" })
        } else {
            Ok(None)
        };
    }
    let mut out: Vec<String> = Vec::new();
    for d in list {
        let d = d.trim().to_lowercase();
        let ok = d.contains('.')
            && d.split('.').all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !ok {
            return Err(ApiError::ParamFormat {
                param: "domains",
                expected: "fully qualified domain names",
            });
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(Some(out))
}

/// 409 when another live connection of the same kind already claims one of
/// `domains`.
fn domains_free(
    collection: &Collection,
    seeded: &dyn Fn(u32) -> Value,
    domains: &[String],
    except: Option<u32>,
) -> ApiResult<()> {
    let taken = collection.find(seeded, |c| {
        c["domains"]
            .as_array()
            .is_some_and(|ds| ds.iter().any(|d| domains.iter().any(|x| d == x.as_str())))
    });
    match taken {
        Some((i, _)) if Some(i) != except => Err(ApiError::Exists {
            code: "connection_domain_exists",
            param: "domains",
            status: StatusCode::CONFLICT,
        }),
        _ => Ok(()),
    }
}

fn organization(store: &Store, body: &JsonBody) -> ApiResult<Option<String>> {
    match body.string("organization_id")? {
        None => Ok(None),
        Some(id) => store
            .table::<Organizations>()
            .find(&id)
            .map(|_| Some(id.clone()))
            .ok_or(ApiError::NotFound {
                kind: "organization",
                id,
            }),
    }
}

/// Apply the SAML settings of a body (top level for `/saml_connections`,
/// the `saml` object for enterprise connections).
fn apply_saml(saml: &mut Value, body: &JsonBody) -> ApiResult<()> {
    for field in [
        "idp_entity_id",
        "idp_sso_url",
        "idp_certificate",
        "idp_metadata_url",
        "idp_metadata",
    ] {
        let value = match field {
            "idp_entity_id" => body.nullable_string("idp_entity_id")?,
            "idp_sso_url" => body.nullable_string("idp_sso_url")?,
            "idp_certificate" => body.nullable_string("idp_certificate")?,
            "idp_metadata_url" => body.nullable_string("idp_metadata_url")?,
            _ => body.nullable_string("idp_metadata")?,
        };
        if let Some(v) = value {
            saml[field] = json!(v);
        }
    }
    if saml["idp_certificate"].is_string() && saml["idp_certificate_issued_at"].is_null() {
        let at = saml["updated_at"].as_i64().unwrap_or_default();
        saml["idp_certificate_issued_at"] = json!(at);
        saml["idp_certificate_expires_at"] = json!(at + 3 * 365 * DAY_MS);
    }
    for field in [
        "active",
        "sync_user_attributes",
        "allow_subdomains",
        "allow_idp_initiated",
        "disable_additional_identifications",
        "allow_organization_account_linking",
        "force_authn",
    ] {
        let value = match field {
            "active" => body.bool("active")?,
            "sync_user_attributes" => body.bool("sync_user_attributes")?,
            "allow_subdomains" => body.bool("allow_subdomains")?,
            "allow_idp_initiated" => body.bool("allow_idp_initiated")?,
            "disable_additional_identifications" => {
                body.bool("disable_additional_identifications")?
            }
            "allow_organization_account_linking" => {
                body.bool("allow_organization_account_linking")?
            }
            _ => body.bool("force_authn")?,
        };
        if let Some(v) = value {
            saml[field] = json!(v);
        }
    }
    if let Some(mapping) = body.object("attribute_mapping")? {
        for (k, v) in mapping {
            if let (Some(slot), Value::String(s)) = (saml["attribute_mapping"].get_mut(&k), v) {
                *slot = json!(s);
            }
        }
    }
    if let Some(hint) = body.object("login_hint")? {
        let mode = hint
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("email_address");
        if !["email_address", "custom_attribute", "off"].contains(&mode) {
            return Err(ApiError::ParamValue {
                param: "login_hint",
                reason: "mode must be one of email_address, custom_attribute, off".into(),
            });
        }
        saml["login_hint"] = Value::Object(hint);
    }
    let configured = saml["idp_metadata"].is_string()
        || saml["idp_metadata_url"].is_string()
        || (saml["idp_entity_id"].is_string()
            && saml["idp_sso_url"].is_string()
            && saml["idp_certificate"].is_string());
    if saml["active"] == true && !configured {
        return Err(ApiError::ParamValue {
            param: "active",
            reason: "needs the IdP configured first (metadata, metadata URL, or entity id, SSO URL and certificate)".into(),
        });
    }
    saml["authenticatable"] = json!(saml["active"] == true && configured);
    Ok(())
}

const SAML_CREATE: &[&str] = &[
    "name",
    "domain",
    "domains",
    "provider",
    "idp_entity_id",
    "idp_sso_url",
    "idp_certificate",
    "idp_metadata_url",
    "idp_metadata",
    "organization_id",
    "attribute_mapping",
    "force_authn",
    "login_hint",
];
const SAML_UPDATE: &[&str] = &[
    "name",
    "domain",
    "domains",
    "idp_entity_id",
    "idp_sso_url",
    "idp_certificate",
    "idp_metadata_url",
    "idp_metadata",
    "organization_id",
    "attribute_mapping",
    "active",
    "sync_user_attributes",
    "allow_subdomains",
    "allow_idp_initiated",
    "disable_additional_identifications",
    "allow_organization_account_linking",
    "force_authn",
    "login_hint",
    "consent_verified_domains_deletion",
];

fn provider(body: &JsonBody, allowed: &[&str]) -> ApiResult<String> {
    let provider = body.required_string("provider")?;
    if allowed.contains(&provider.as_str()) {
        Ok(provider)
    } else {
        Err(ApiError::ParamValue {
            param: "provider",
            reason: format!("must be one of {}", allowed.join(", ")),
        })
    }
}

/// Insert a new SAML connection; returns its index.
fn insert_saml(
    store: &mut Store,
    name: &str,
    provider: &str,
    domains: Vec<String>,
    body: &JsonBody,
) -> ApiResult<(u32, Value)> {
    let org = organization(store, body)?;
    {
        let sso = store.table::<SsoConnections>();
        domains_free(&sso.saml, &|i| sso.seeded_saml(store, i), &domains, None)?;
    }
    let now = store.tick();
    let i = store.table::<SsoConnections>().saml.next_index();
    let id = store.table::<SsoConnections>().saml_ids.id(i, now);
    let mut saml = saml_object(&id, name, provider, domains, now);
    saml["organization_id"] = json!(org);
    apply_saml(&mut saml, body)?;
    store.table_mut::<SsoConnections>().saml.push(saml.clone());
    Ok((i, saml))
}

async fn create_saml(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, SAML_CREATE)?;
    let name = body.required_string("name")?;
    let provider = provider(&body, SAML_PROVIDERS)?;
    let domains = domains(&body, false)?.unwrap_or_default();
    let mut store = state.store_mut();
    insert_saml(&mut store, &name, &provider, domains, &body).map(|(_, s)| Json(s))
}

async fn update_saml(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, SAML_UPDATE)?;
    body.bool("consent_verified_domains_deletion")?;
    let mut store = state.store_mut();
    let (i, mut saml) = store
        .table::<SsoConnections>()
        .find_saml(&store, &id)
        .ok_or_else(|| saml_not_found(id))?;
    if let Some(name) = body.string("name")? {
        saml["name"] = json!(name);
    }
    if let Some(domains) = domains(&body, false)? {
        let sso = store.table::<SsoConnections>();
        domains_free(
            &sso.saml,
            &|k| sso.seeded_saml(&store, k),
            &domains,
            Some(i),
        )?;
        saml["domain"] = json!(domains.first());
        saml["domains"] = json!(domains);
    }
    if body.has("organization_id") {
        saml["organization_id"] = json!(organization(&store, &body)?);
    }
    saml["updated_at"] = json!(store.tick());
    apply_saml(&mut saml, &body)?;
    store
        .table_mut::<SsoConnections>()
        .saml
        .set(i, saml.clone());
    Ok(Json(saml))
}

async fn delete_saml(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, saml) = store
        .table::<SsoConnections>()
        .find_saml(&store, &id)
        .ok_or_else(|| saml_not_found(id.clone()))?;
    if let Some(ent) = saml["enterprise_connection_id"].as_str() {
        if let Some((e, _)) = store.table::<SsoConnections>().find_enterprise(&store, ent) {
            store.table_mut::<SsoConnections>().enterprise.delete(e);
        }
    }
    store.table_mut::<SsoConnections>().saml.delete(i);
    Ok(Json(deleted("saml_connection", &id)))
}

const ENTERPRISE_CREATE: &[&str] = &[
    "name",
    "provider",
    "domains",
    "organization_id",
    "allow_organization_account_linking",
    "active",
    "saml",
    "oidc",
    "custom_attributes",
];
const ENTERPRISE_UPDATE: &[&str] = &[
    "name",
    "domains",
    "active",
    "sync_user_attributes",
    "disable_additional_identifications",
    "allow_organization_account_linking",
    "organization_id",
    "saml",
    "oidc",
    "custom_attributes",
];
const SAML_FIELDS: &[&str] = &[
    "idp_entity_id",
    "idp_sso_url",
    "idp_certificate",
    "idp_metadata_url",
    "idp_metadata",
    "attribute_mapping",
    "allow_subdomains",
    "allow_idp_initiated",
    "force_authn",
    "login_hint",
];
const OIDC_FIELDS: &[&str] = &[
    "client_id",
    "client_secret",
    "discovery_url",
    "auth_url",
    "token_url",
    "user_info_url",
    "requires_pkce",
];

/// A nested object of a body, itself checked like a body.
fn nested(body: &JsonBody, name: &'static str, allowed: &[&str]) -> ApiResult<Option<JsonBody>> {
    match body.object(name)? {
        None => Ok(None),
        Some(map) => {
            let bytes = serde_json::to_vec(&Value::Object(map)).map_err(|_| ApiError::Internal)?;
            JsonBody::parse(&bytes, allowed).map(Some)
        }
    }
}

fn custom_attributes(body: &JsonBody) -> ApiResult<Option<Value>> {
    match body.raw("custom_attributes") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items))
            if items
                .iter()
                .all(|a| a["name"].is_string() && a["key"].is_string()) =>
        {
            Ok(Some(Value::Array(items.clone())))
        }
        Some(_) => Err(ApiError::ParamFormat {
            param: "custom_attributes",
            expected: "an array of objects with name and key",
        }),
    }
}

fn oauth_config(id: String, provider: &str, oidc: Option<&JsonBody>, at: i64) -> ApiResult<Value> {
    let get =
        |f: &'static str| -> ApiResult<Option<String>> { oidc.map_or(Ok(None), |o| o.string(f)) };
    Ok(json!({
        "id": id, "name": provider, "provider_key": provider,
        "client_id": get("client_id")?, "discovery_url": get("discovery_url")?,
        "auth_url": get("auth_url")?, "token_url": get("token_url")?, "user_info_url": get("user_info_url")?,
        "requires_pkce": oidc.map_or(Ok(None), |o| o.bool("requires_pkce"))?.unwrap_or(false),
        "logo_public_url": null, "created_at": at, "updated_at": at,
    }))
}

async fn create_enterprise(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let body = JsonBody::parse(&body, ENTERPRISE_CREATE)?;
    let name = body.required_string("name")?;
    let all: Vec<&str> = SAML_PROVIDERS
        .iter()
        .chain(OIDC_PROVIDERS)
        .copied()
        .collect();
    let provider = provider(&body, &all)?;
    let domains = domains(&body, true)?.unwrap_or_default();
    let saml_body = nested(&body, "saml", SAML_FIELDS)?;
    let oidc_body = nested(&body, "oidc", OIDC_FIELDS)?;
    let attributes = custom_attributes(&body)?.unwrap_or_else(|| json!([]));
    let active = body.bool("active")?.unwrap_or(false);
    let linking = body
        .bool("allow_organization_account_linking")?
        .unwrap_or(false);
    let mut store = state.store_mut();
    let org = organization(&store, &body)?;
    {
        let sso = store.table::<SsoConnections>();
        domains_free(
            &sso.enterprise,
            &|i| sso.seeded_enterprise(&store, i),
            &domains,
            None,
        )?;
    }
    let is_saml = SAML_PROVIDERS.contains(&provider.as_str());
    let (saml, oauth) = if is_saml {
        let mut inner = saml_body.unwrap_or_default();
        // The SAML side takes the connection's activation and organization.
        let mut merged = serde_json::Map::new();
        if let Some(o) = &org {
            merged.insert("organization_id".into(), json!(o));
        }
        merged.insert("active".into(), json!(active));
        for f in SAML_FIELDS {
            if let Some(v) = inner.raw(f) {
                merged.insert((*f).into(), v.clone());
            }
        }
        let bytes = serde_json::to_vec(&Value::Object(merged)).map_err(|_| ApiError::Internal)?;
        inner = JsonBody::parse(
            &bytes,
            &[SAML_FIELDS, &["organization_id", "active"]].concat(),
        )?;
        let (_, saml) = insert_saml(&mut store, &name, &provider, domains.clone(), &inner)?;
        (Some(saml), None)
    } else {
        let now = store.tick();
        let oac = format!(
            "oac_{}",
            &store
                .table::<SsoConnections>()
                .enterprise_ids
                .id(store.table::<SsoConnections>().enterprise.next_index(), now)[3..]
        );
        (
            None,
            Some(oauth_config(oac, &provider, oidc_body.as_ref(), now)?),
        )
    };
    let now = store.tick();
    let i = store.table::<SsoConnections>().enterprise.next_index();
    let id = store.table::<SsoConnections>().enterprise_ids.id(i, now);
    if let Some(saml) = &saml {
        if let Some(s) = saml["id"]
            .as_str()
            .and_then(|sid| store.table::<SsoConnections>().find_saml(&store, sid))
        {
            let (k, mut linked) = s;
            linked["enterprise_connection_id"] = json!(id);
            store.table_mut::<SsoConnections>().saml.set(k, linked);
        }
    }
    let ent = json!({
        "object": "enterprise_connection", "id": id, "name": name, "provider": provider,
        "logo_public_url": null, "active": active, "domains": domains, "organization_id": org,
        "sync_user_attributes": true, "disable_additional_identifications": false,
        "allow_organization_account_linking": linking, "custom_attributes": attributes,
        "authenticatable": saml.as_ref().map_or(active, |s| s["authenticatable"] == true),
        "disable_jit_provisioning": false,
        "saml_connection": saml.as_ref().map(|s| json!({ "id": s["id"] })),
        "oauth_config": oauth,
        "created_at": now, "updated_at": now,
    });
    store
        .table_mut::<SsoConnections>()
        .enterprise
        .push(ent.clone());
    let rendered = store
        .table::<SsoConnections>()
        .render_enterprise(&store, ent);
    Ok((StatusCode::CREATED, Json(rendered)).into_response())
}

async fn update_enterprise(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = JsonBody::parse(&body, ENTERPRISE_UPDATE)?;
    let saml_body = nested(&body, "saml", SAML_FIELDS)?;
    let oidc_body = nested(&body, "oidc", OIDC_FIELDS)?;
    let mut store = state.store_mut();
    let (i, mut ent) = store
        .table::<SsoConnections>()
        .find_enterprise(&store, &id)
        .ok_or_else(|| enterprise_not_found(id))?;
    if let Some(name) = body.string("name")? {
        ent["name"] = json!(name);
    }
    // An empty array means "no change", as the spec says.
    if let Some(domains) = domains(&body, false)? {
        let sso = store.table::<SsoConnections>();
        domains_free(
            &sso.enterprise,
            &|k| sso.seeded_enterprise(&store, k),
            &domains,
            Some(i),
        )?;
        ent["domains"] = json!(domains);
    }
    if body.has("organization_id") && body.raw("organization_id") != Some(&Value::Null) {
        ent["organization_id"] = json!(organization(&store, &body)?);
    }
    for field in [
        "active",
        "sync_user_attributes",
        "disable_additional_identifications",
        "allow_organization_account_linking",
    ] {
        let value = match field {
            "active" => body.bool("active")?,
            "sync_user_attributes" => body.bool("sync_user_attributes")?,
            "disable_additional_identifications" => {
                body.bool("disable_additional_identifications")?
            }
            _ => body.bool("allow_organization_account_linking")?,
        };
        if let Some(v) = value {
            ent[field] = json!(v);
        }
    }
    if let Some(attributes) = custom_attributes(&body)? {
        ent["custom_attributes"] = attributes;
    }
    let now = store.tick();
    if let Some(saml_id) = ent["saml_connection"]["id"].as_str().map(str::to_owned) {
        if let Some((k, mut saml)) = store.table::<SsoConnections>().find_saml(&store, &saml_id) {
            saml["name"] = ent["name"].clone();
            saml["domains"] = ent["domains"].clone();
            saml["domain"] = ent["domains"][0].clone();
            saml["organization_id"] = ent["organization_id"].clone();
            saml["active"] = ent["active"].clone();
            saml["updated_at"] = json!(now);
            apply_saml(&mut saml, &saml_body.unwrap_or_default())?;
            ent["authenticatable"] = saml["authenticatable"].clone();
            store.table_mut::<SsoConnections>().saml.set(k, saml);
        }
    } else if let Some(oidc) = &oidc_body {
        let provider = ent["provider"].as_str().unwrap_or_default().to_owned();
        let oac = ent["oauth_config"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let created = ent["oauth_config"]["created_at"].as_i64().unwrap_or(now);
        let mut config = oauth_config(oac, &provider, Some(oidc), now)?;
        config["created_at"] = json!(created);
        ent["oauth_config"] = config;
    }
    ent["updated_at"] = json!(now);
    store
        .table_mut::<SsoConnections>()
        .enterprise
        .set(i, ent.clone());
    Ok(Json(
        store
            .table::<SsoConnections>()
            .render_enterprise(&store, ent),
    ))
}

async fn delete_enterprise(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut store = state.store_mut();
    let (i, ent) = store
        .table::<SsoConnections>()
        .find_enterprise(&store, &id)
        .ok_or_else(|| enterprise_not_found(id.clone()))?;
    if let Some(saml_id) = ent["saml_connection"]["id"].as_str() {
        if let Some((k, _)) = store.table::<SsoConnections>().find_saml(&store, saml_id) {
            store.table_mut::<SsoConnections>().saml.delete(k);
        }
    }
    store.table_mut::<SsoConnections>().enterprise.delete(i);
    Ok(Json(deleted("enterprise_connection", &id)))
}

/// Delete the connections of organization `org` (being deleted).
pub fn remove_organization(store: &mut Store, org: u32, org_id: &str) {
    let sso = store.table::<SsoConnections>();
    let linked = |c: &Collection, seeded: &dyn Fn(u32) -> Value| -> Vec<u32> {
        let mut candidates: Vec<u32> = (c.seeded_len()..c.len()).collect();
        if org % 10 == 3 && org / 10 < c.seeded_len() {
            candidates.push(org / 10);
        }
        candidates
            .into_iter()
            .filter(|&k| {
                c.get(k, seeded)
                    .is_some_and(|o| o["organization_id"] == org_id)
            })
            .collect()
    };
    let saml = linked(&sso.saml, &|k| sso.seeded_saml(store, k));
    let enterprise = linked(&sso.enterprise, &|k| sso.seeded_enterprise(store, k));
    for k in saml {
        store.table_mut::<SsoConnections>().saml.delete(k);
    }
    for k in enterprise {
        store.table_mut::<SsoConnections>().enterprise.delete(k);
    }
}
