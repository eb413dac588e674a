//! Instance (application) invitations: `GET|POST /v1/invitations`,
//! `POST /v1/invitations/bulk` and `POST /v1/invitations/{id}/revoke`
//! (schema `Invitation`). The list is a bare array unless `paginated=true`,
//! which switches it to `{data,total_count}` as the Go SDK expects.
//!
//! One seeded invitation per eight users, spread over the same years as the
//! users (index order is creation order). Accepted ones went to a seeded
//! user's primary email; pending ones predate invitation expiry and have
//! `expires_at: null`; the others expired or were revoked 30 days in.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::params::{OrderBy, OrderField, QueryParams};
use crate::engine::table::{self, KeyValue, Selection, SortCache, SortKey, Table};
use crate::resources::organization_invitations::{expires_in_days, valid_email, STATUSES};
use crate::resources::users::{holder_of, Identifier, Users};
use crate::seed::{
    self, between, ksuid, ksuid_bytes, mix, pick, Stream, Timeline, DAY_MS, START_MS,
};
use crate::server::body::JsonBody;
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

pub const ID_PREFIX: &str = "inv_";
const ACCEPT_URL: &str = "https://accounts.emulator.test/sign-up";
const MAX_BULK: usize = 10;
const CREATE_FIELDS: &[&str] = &[
    "email_address",
    "public_metadata",
    "redirect_url",
    "notify",
    "ignore_existing",
    "expires_in_days",
    "template_slug",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/invitations", get(list).post(create))
        .route("/v1/invitations/bulk", post(create_bulk))
        .route("/v1/invitations/{invitation_id}/revoke", post(revoke))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/invitations", Served),
    op("POST", "/invitations", Served),
    op("POST", "/invitations/bulk", Served),
    op("POST", "/invitations/{invitation_id}/revoke", Served),
];

/// The fields `order_by` takes.
const ORDER_FIELDS: &[&str] = &["created_at", "email_address", "expires_at"];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/invitations?x=1").array().order_by(ORDER_FIELDS),
    paged("/v1/invitations?paginated=true").order_by(ORDER_FIELDS),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Invitations::seeded(config.seed, config.users));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationField {
    CreatedAt,
    EmailAddress,
    ExpiresAt,
}

impl OrderField for InvitationField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("created_at", Self::CreatedAt),
        ("email_address", Self::EmailAddress),
        ("expires_at", Self::ExpiresAt),
    ];
}

pub const DEFAULT_ORDER: OrderBy<InvitationField> = OrderBy {
    field: InvitationField::CreatedAt,
    descending: true,
};

/// The instance's invitations.
#[derive(Debug)]
pub struct Invitations {
    seed: u64,
    users: u32,
    count: u32,
    timeline: Timeline,
    sort_cache: SortCache,
    /// Revoked and created invitations (created at `count..`), as written.
    overlay: HashMap<u32, Invitation>,
    created: u32,
}

crate::server::state::store_table!(Invitations, Invitations::seeded(0, 0));

impl Invitations {
    pub fn seeded(seed: u64, users: u32) -> Self {
        let count = users / 8;
        Self {
            seed,
            users,
            count,
            timeline: Timeline::new(START_MS, u64::from(count)),
            sort_cache: SortCache::new(InvitationField::FIELDS.len()),
            overlay: HashMap::new(),
            created: 0,
        }
    }

    fn total(&self) -> u32 {
        self.count + self.created
    }

    fn id(&self, i: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::InvitationId,
            u64::from(i),
            created_at,
        )
    }

    pub fn find(&self, store: &Store, id: &str) -> Option<u32> {
        let i = u32::try_from(seed::ksuid_index(
            ID_PREFIX,
            self.seed,
            Stream::InvitationId,
            id,
        )?)
        .ok()?;
        (i < self.total() && self.invitation(store, i).id == id).then_some(i)
    }

    pub fn invitation(&self, store: &Store, i: u32) -> Invitation {
        match self.overlay.get(&i) {
            Some(inv) => inv.clone(),
            None => self.seeded_invitation(store, i),
        }
    }

    fn created_at(&self, i: u32) -> i64 {
        self.timeline.at(
            u64::from(i),
            mix(self.seed, Stream::Invitation, u64::from(i), 0),
        )
    }

    fn status(&self, i: u32) -> &'static str {
        match mix(self.seed, Stream::Invitation, u64::from(i), 1) % 100 {
            0..30 => "pending",
            30..80 => "accepted",
            80..90 => "revoked",
            _ => "expired",
        }
    }

    fn seeded_invitation(&self, store: &Store, i: u32) -> Invitation {
        let w = |k: u64| mix(self.seed, Stream::Invitation, u64::from(i), k);
        let created_at = self.created_at(i);
        let status = self.status(i);
        let expires_at = (status != "pending").then_some(created_at + 30 * DAY_MS);
        let updated_at = match status {
            "accepted" | "revoked" => between(created_at, created_at + 30 * DAY_MS, w(2)),
            _ => created_at,
        };
        let id = self.id(i, created_at);
        Invitation {
            object: "invitation",
            email_address: self.email(store, i),
            public_metadata: match w(5) % 3 {
                0 => json!({}),
                1 => json!({ "plan": "trial" }),
                _ => json!({ "referrer": "partner-program" }),
            },
            revoked: status == "revoked",
            status: status.to_owned(),
            url: (status == "pending").then(|| accept_url(&id)),
            expires_at,
            created_at,
            updated_at,
            id,
        }
    }

    fn email(&self, store: &Store, i: u32) -> String {
        let w = |k: u64| mix(self.seed, Stream::Invitation, u64::from(i), k);
        if self.status(i) == "accepted" && self.users > 0 {
            let user = pick(w(3), self.users as usize) as u32;
            if let Some(email) = Users::emails(&store.table::<Users>().core(user))
                .into_iter()
                .next()
            {
                return email;
            }
        }
        let first = seed::FIRST_NAMES[pick(w(4), seed::FIRST_NAMES.len())];
        format!("{}.guest{i}@example.org", first.to_lowercase())
    }
}

fn accept_url(id: &str) -> String {
    format!(
        "{ACCEPT_URL}?__clerk_ticket={}",
        id.trim_start_matches(ID_PREFIX)
    )
}

/// The invitations over the store (seeded emails come from seeded users).
struct InvitationTable<'s> {
    store: &'s Store,
}

impl Table for InvitationTable<'_> {
    type Field = InvitationField;

    fn len(&self) -> usize {
        self.store.table::<Invitations>().total() as usize
    }

    fn natural_field(&self) -> InvitationField {
        InvitationField::CreatedAt
    }

    fn sort_key(&self, field: InvitationField, i: u32) -> SortKey {
        let invitations = &self.store.table::<Invitations>();
        if let Some(inv) = invitations.overlay.get(&i) {
            let value = match field {
                InvitationField::CreatedAt => KeyValue::Int(inv.created_at),
                InvitationField::EmailAddress => KeyValue::Str(inv.email_address.clone()),
                InvitationField::ExpiresAt => inv.expires_at.into(),
            };
            return SortKey::written(value, &inv.id, ID_PREFIX);
        }
        let created_at = invitations.created_at(i);
        let value = match field {
            InvitationField::CreatedAt => KeyValue::Int(created_at),
            InvitationField::EmailAddress => KeyValue::Str(invitations.email(self.store, i)),
            InvitationField::ExpiresAt => (invitations.status(i) != "pending")
                .then_some(created_at + 30 * DAY_MS)
                .into(),
        };
        SortKey {
            value,
            id: ksuid_bytes(
                invitations.seed,
                Stream::InvitationId,
                u64::from(i),
                created_at,
            ),
        }
    }

    fn sort_cache(&self) -> &SortCache {
        &self.store.table::<Invitations>().sort_cache
    }
}

/// `status` (repeatable: the Go SDK sends it several times) and `query`
/// (a substring of the email address, or the exact id).
struct InvitationFilter {
    statuses: Vec<String>,
    query: Option<String>,
}

impl InvitationFilter {
    fn parse(q: &QueryParams) -> ApiResult<Self> {
        let statuses = q.strings("status")?;
        if let Some(bad) = statuses.iter().find(|s| !STATUSES.contains(&s.as_str())) {
            return Err(ApiError::ParamValue {
                param: "status",
                reason: format!("must be one of {} (got {bad})", STATUSES.join(", ")),
            });
        }
        Ok(Self {
            statuses,
            query: q.string("query").map(str::to_owned),
        })
    }

    fn matches(&self, store: &Store, i: u32) -> bool {
        let inv = store.table::<Invitations>().invitation(store, i);
        (self.statuses.is_empty() || self.statuses.contains(&inv.status))
            && self.query.as_ref().is_none_or(|q| {
                inv.id == *q || inv.email_address.to_lowercase().contains(&q.to_lowercase())
            })
    }
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let filter = InvitationFilter::parse(&q)?;
    let store = state.store();
    let store = &*store;
    let selection = if filter.statuses.is_empty() && filter.query.is_none() {
        Selection::default()
    } else {
        Selection {
            filter: Some(Box::new(move |i| filter.matches(store, i))),
            ..Selection::default()
        }
    };
    let page = table::select(&InvitationTable { store }, order, selection, paging);
    let items: Vec<Invitation> = page
        .indexes
        .iter()
        .map(|&i| store.table::<Invitations>().invitation(store, i))
        .collect();
    Ok(if paginated {
        envelope::data_total(items, page.total).into_response()
    } else {
        envelope::bare_array(items).into_response()
    })
}

struct NewInvitation {
    email_address: String,
    public_metadata: Value,
    expires_in_days: i64,
}

fn parse_new(store: &Store, body: &JsonBody, batch: &[NewInvitation]) -> ApiResult<NewInvitation> {
    let email_address = body.required_string("email_address")?.trim().to_lowercase();
    if !valid_email(&email_address) {
        return Err(ApiError::ParamFormat {
            param: "email_address",
            expected: "a valid email address",
        });
    }
    body.string("redirect_url")?;
    body.bool("notify")?;
    let ignore_existing = body.bool("ignore_existing")?.unwrap_or(false);
    if let Some(slug) = body.string("template_slug")? {
        if slug != "invitation" && slug != "waitlist_invitation" {
            return Err(ApiError::ParamValue {
                param: "template_slug",
                reason: "must be one of invitation, waitlist_invitation".into(),
            });
        }
    }
    let expires_in_days = expires_in_days(body)?;
    if !ignore_existing {
        if holder_of(store, Identifier::EmailAddress, &email_address).is_some() {
            return Err(ApiError::Exists {
                code: "form_identifier_exists",
                param: "email_address",
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            });
        }
        let invitations = store.table::<Invitations>();
        let pending = (0..invitations.total()).any(|i| {
            let inv = invitations.invitation(store, i);
            inv.status == "pending" && inv.email_address == email_address
        });
        if pending || batch.iter().any(|b| b.email_address == email_address) {
            return Err(ApiError::Rejected {
                code: "duplicate_record",
                long_message: format!("There is already a pending invitation for {email_address}."),
            });
        }
    }
    Ok(NewInvitation {
        email_address,
        public_metadata: Value::Object(body.object("public_metadata")?.unwrap_or_default()),
        expires_in_days,
    })
}

fn insert(store: &mut Store, new: NewInvitation) -> Invitation {
    let now = store.tick();
    let invitations = store.table_mut::<Invitations>();
    let i = invitations.total();
    let id = invitations.id(i, now);
    let inv = Invitation {
        object: "invitation",
        url: Some(accept_url(&id)),
        id,
        email_address: new.email_address,
        public_metadata: new.public_metadata,
        revoked: false,
        status: "pending".into(),
        expires_at: Some(now + new.expires_in_days * DAY_MS),
        created_at: now,
        updated_at: now,
    };
    invitations.created += 1;
    invitations.overlay.insert(i, inv.clone());
    invitations.sort_cache = SortCache::new(InvitationField::FIELDS.len());
    inv
}

/// Invite `email_address` on behalf of another resource (a waitlist
/// entry): the same checks as `POST /invitations`, default expiry.
pub(crate) fn invite(
    store: &mut Store,
    email_address: &str,
    ignore_existing: bool,
) -> ApiResult<Invitation> {
    let body = JsonBody::parse(
        &serde_json::to_vec(&json!({
            "email_address": email_address,
            "ignore_existing": ignore_existing,
        }))
        .map_err(|_| ApiError::Internal)?,
        CREATE_FIELDS,
    )?;
    let new = parse_new(store, &body, &[])?;
    Ok(insert(store, new))
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Invitation>> {
    let body = JsonBody::parse(&body, CREATE_FIELDS)?;
    let mut store = state.store_mut();
    let new = parse_new(&store, &body, &[])?;
    Ok(Json(insert(&mut store, new)))
}

async fn create_bulk(
    State(state): State<AppState>,
    body: Bytes,
) -> ApiResult<Json<Vec<Invitation>>> {
    let bodies = JsonBody::parse_array(&body, CREATE_FIELDS, MAX_BULK)?;
    let mut store = state.store_mut();
    let mut batch = Vec::with_capacity(bodies.len());
    for body in &bodies {
        let new = parse_new(&store, body, &batch)?;
        batch.push(new);
    }
    Ok(Json(
        batch
            .into_iter()
            .map(|new| insert(&mut store, new))
            .collect(),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    Path(invitation_id): Path<String>,
) -> ApiResult<Json<Invitation>> {
    let mut store = state.store_mut();
    let i = store
        .table::<Invitations>()
        .find(&store, &invitation_id)
        .ok_or(ApiError::NotFound {
            kind: "invitation",
            id: invitation_id,
        })?;
    let mut inv = store.table::<Invitations>().invitation(&store, i);
    if inv.status != "pending" {
        return Err(ApiError::Rejected {
            code: "invitation_not_pending",
            long_message: format!(
                "The invitation is {}, only pending invitations can be revoked.",
                inv.status
            ),
        });
    }
    inv.status = "revoked".into();
    inv.revoked = true;
    inv.url = None;
    inv.updated_at = store.tick();
    store
        .table_mut::<Invitations>()
        .overlay
        .insert(i, inv.clone());
    store.table_mut::<Invitations>().sort_cache = SortCache::new(InvitationField::FIELDS.len());
    Ok(Json(inv))
}

/// Schema `Invitation` (`url` only while the invitation can be accepted).
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub object: &'static str,
    pub id: String,
    pub email_address: String,
    pub public_metadata: Value,
    pub revoked: bool,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}
