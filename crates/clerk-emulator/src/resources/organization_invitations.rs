//! Organization invitations: `GET|POST /v1/organizations/{id}/invitations`,
//! `POST …/invitations/bulk`, `GET …/invitations/pending` (deprecated),
//! `GET …/invitations/{invitation_id}`, `POST …/{invitation_id}/revoke`,
//! the instance-wide `GET /v1/organization_invitations` and
//! `GET /v1/users/{id}/organization_invitations` (schemas
//! `OrganizationInvitation` and `…WithPublicOrganizationData`).
//!
//! Each seeded organization has 0-4 invitations, addressed by a dense index
//! (organization `o` owns `start[o]..start[o + 1]`) and derived from
//! `(seed, index)`: accepted ones went to one of the organization's seeded
//! members, three in ten of the others to an existing user (so the per-user
//! list has something to show), the rest to fresh addresses. Pending ones
//! were sent in the last 25 days and expire 30 days after sending; expired
//! ones are older than that. Invitations of a deleted organization vanish.
//! Only a pending invitation can be revoked, and a `requesting_user_id`,
//! when given, must be an admin of the organization (as for an inviter).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::params::{OrderBy, OrderField, Paging, QueryParams};
use crate::engine::table::{self, KeyValue, Selection, SortCache, SortKey, Table, VersionedCache};
use crate::resources::memberships::Memberships;
use crate::resources::memberships::{existing_role, ADMIN_ROLE};
use crate::resources::organizations::Organizations;
use crate::resources::rbac::Rbac;
use crate::resources::users::Users;
use crate::seed::{self, between, ksuid, mix, pick, Stream, DAY_MS, NOW_MS};
use crate::server::body::JsonBody;
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

pub const ID_PREFIX: &str = "orginv_";
pub const STATUSES: &[&str] = &["pending", "accepted", "revoked", "expired"];
const INVITEE_DOMAINS: &[&str] = &["example.com", "mail.example.org", "corp.example.net"];
const ACCEPT_URL: &str = "https://accounts.emulator.test/accept-invitation";
const MAX_BULK: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/organizations/{organization_id}/invitations",
            get(list_for_organization).post(create),
        )
        .route(
            "/v1/organizations/{organization_id}/invitations/bulk",
            post(create_bulk),
        )
        .route(
            "/v1/organizations/{organization_id}/invitations/pending",
            get(list_pending),
        )
        .route(
            "/v1/organizations/{organization_id}/invitations/{invitation_id}",
            get(get_one),
        )
        .route(
            "/v1/organizations/{organization_id}/invitations/{invitation_id}/revoke",
            post(revoke),
        )
        .route("/v1/organization_invitations", get(list_all))
        .route(
            "/v1/users/{user_id}/organization_invitations",
            get(list_for_user),
        )
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/users/{user_id}/organization_invitations", Served),
    op(
        "GET",
        "/organizations/{organization_id}/invitations",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/invitations",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/invitations/bulk",
        Served,
    ),
    op(
        "GET",
        "/organizations/{organization_id}/invitations/pending",
        Served,
    ),
    op(
        "GET",
        "/organizations/{organization_id}/invitations/{invitation_id}",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/invitations/{invitation_id}/revoke",
        Served,
    ),
    op("GET", "/organization_invitations", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] =
    &[paged("/v1/organization_invitations?x=1").order_by(&["created_at", "email_address"])];

/// How the registry seeds this resource's table (after the tables it reads).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &["memberships"]);

fn seed_table(store: &mut Store, config: &Config) {
    let memberships = store.table::<Memberships>();
    let invitations =
        OrgInvitations::seeded(config.seed, config.users, config.organizations, |org| {
            memberships.seeded_members(org)
        });
    store.insert(invitations);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationField {
    CreatedAt,
    EmailAddress,
}

impl OrderField for InvitationField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("created_at", Self::CreatedAt),
        ("email_address", Self::EmailAddress),
    ];
}

pub const DEFAULT_ORDER: OrderBy<InvitationField> = OrderBy {
    field: InvitationField::CreatedAt,
    descending: true,
};

/// Whom a seeded invitation went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Invitee {
    User(u32),
    Fresh,
}

/// Every organization invitation of the instance.
#[derive(Debug)]
pub struct OrgInvitations {
    seed: u64,
    /// Seeded invitations of organization `o`: `start[o]..start[o + 1]`.
    start: Vec<u32>,
    /// Seeded invitations addressed to an existing user's primary email.
    by_user: HashMap<u32, Vec<u32>>,
    /// Written (revoked) and created invitations, as last written.
    overlay: HashMap<u32, OrgInvitation>,
    /// Organization of each created invitation (indexes `seeded_len()..`).
    created_org: Vec<u32>,
    version: u64,
    orders: VersionedCache,
}

crate::server::state::store_table!(
    OrgInvitations,
    OrgInvitations::seeded(0, 0, 0, |_| Vec::new())
);

impl OrgInvitations {
    pub fn seeded(
        seed: u64,
        users: u32,
        organizations: u32,
        store_members: impl Fn(u32) -> Vec<u32>,
    ) -> Self {
        let mut start = Vec::with_capacity(organizations as usize + 1);
        let mut by_user: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut next = 0u32;
        for org in 0..organizations {
            start.push(next);
            let n = pick(mix(seed, Stream::OrgInvitation, u64::from(org), 1000), 5) as u32;
            let members = store_members(org);
            for i in next..next + n {
                if let Invitee::User(u) = invitee(seed, users, &members, i) {
                    by_user.entry(u).or_default().push(i);
                }
            }
            next += n;
        }
        start.push(next);
        Self {
            seed,
            start,
            by_user,
            overlay: HashMap::new(),
            created_org: Vec::new(),
            version: 1,
            orders: VersionedCache::new(InvitationField::FIELDS.len()),
        }
    }

    fn seeded_len(&self) -> u32 {
        self.start.last().copied().unwrap_or(0)
    }

    pub fn len(&self) -> u32 {
        self.seeded_len() + self.created_org.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn organization_of(&self, i: u32) -> u32 {
        if i >= self.seeded_len() {
            return self
                .created_org
                .get((i - self.seeded_len()) as usize)
                .copied()
                .unwrap_or(u32::MAX);
        }
        (self.start.partition_point(|&s| s <= i) as u32).saturating_sub(1)
    }

    /// Invitations of organization `org`.
    pub fn of_organization(&self, org: u32) -> Vec<u32> {
        let seeded = match (
            self.start.get(org as usize),
            self.start.get(org as usize + 1),
        ) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        let base = self.seeded_len();
        let created = self
            .created_org
            .iter()
            .enumerate()
            .filter(|(_, &o)| o == org)
            .map(|(i, _)| base + i as u32);
        seeded.chain(created).collect()
    }

    fn id(&self, i: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::OrgInvitationId,
            u64::from(i),
            created_at,
        )
    }

    /// The index of invitation `id`, if it exists.
    pub fn find(&self, store: &Store, id: &str) -> Option<u32> {
        let i = u32::try_from(seed::ksuid_index(
            ID_PREFIX,
            self.seed,
            Stream::OrgInvitationId,
            id,
        )?)
        .ok()?;
        (i < self.len() && self.is_live(store, i) && self.invitation(store, i).id == id)
            .then_some(i)
    }

    fn is_live(&self, store: &Store, i: u32) -> bool {
        Table::is_live(store.table::<Organizations>(), self.organization_of(i))
    }

    /// Invitation `i` as last written (without public organization data).
    pub fn invitation(&self, store: &Store, i: u32) -> OrgInvitation {
        match self.overlay.get(&i) {
            Some(inv) => inv.clone(),
            None => self.seeded_invitation(store, i),
        }
    }

    fn seeded_invitation(&self, store: &Store, i: u32) -> OrgInvitation {
        let org = self.organization_of(i);
        let w = |k: u64| mix(self.seed, Stream::OrgInvitation, u64::from(i), k);
        let org_created = store.table::<Organizations>().core(org).created_at;
        let status = match w(0) % 100 {
            0..45 => "pending",
            45..75 => "accepted",
            75..88 => "revoked",
            _ => "expired",
        };
        let created_at = match status {
            "pending" => between(
                org_created.max(NOW_MS - 25 * DAY_MS),
                NOW_MS - 3_600_000,
                w(6),
            ),
            "expired" => between(org_created, NOW_MS - 31 * DAY_MS, w(6)),
            _ => between(org_created, NOW_MS - 31 * DAY_MS, w(6)),
        };
        let expires_at = created_at + 30 * DAY_MS;
        let updated_at = match status {
            "accepted" | "revoked" => between(created_at, expires_at.min(NOW_MS), w(7)),
            _ => created_at,
        };
        let members = store.table::<Memberships>().seeded_members(org);
        let email = match invitee(self.seed, store.table::<Users>().count(), &members, i) {
            Invitee::User(u) => Users::emails(&store.table::<Users>().core(u))
                .into_iter()
                .next()
                .unwrap_or_default(),
            Invitee::Fresh => {
                let first = seed::FIRST_NAMES[pick(w(4), seed::FIRST_NAMES.len())];
                let last = seed::LAST_NAMES[pick(w(5), seed::LAST_NAMES.len())];
                let domain = INVITEE_DOMAINS[pick(w(8), INVITEE_DOMAINS.len())];
                format!("{first}.{last}.{i}@{domain}").to_lowercase()
            }
        };
        let role_key = if w(9) % 100 < 15 {
            ADMIN_ROLE
        } else {
            "org:member"
        };
        let id = self.id(i, created_at);
        let inviter = store.table::<Memberships>().first_member(org);
        OrgInvitation {
            object: "organization_invitation",
            url: (status == "pending").then(|| accept_url(&id)),
            email_address: email,
            role: role_key.to_owned(),
            role_name: role_name(store, role_key),
            organization_id: store.table::<Organizations>().id_of(org),
            inviter_id: inviter.map(|u| store.table::<Users>().id_of(u)),
            public_inviter_data: inviter.map(|u| InviterData::of(store, u)),
            status: status.to_owned(),
            public_metadata: if w(10) % 4 == 0 {
                json!({ "source": "admin_dashboard" })
            } else {
                json!({})
            },
            private_metadata: json!({}),
            expires_at: Some(expires_at),
            created_at,
            updated_at,
            public_organization_data: None,
            id,
        }
    }

    /// With `public_organization_data`, as the instance and user lists show it.
    fn with_organization(&self, store: &Store, i: u32) -> OrgInvitation {
        let mut inv = self.invitation(store, i);
        let org = store.table::<Organizations>().organization(
            store,
            self.organization_of(i),
            Default::default(),
        );
        inv.public_organization_data = Some(PublicOrganizationData {
            id: org.id,
            name: org.name,
            slug: org.slug,
            image_url: org.image_url,
            has_image: org.has_image,
        });
        inv
    }

    fn table<'s>(&'s self, store: &'s Store) -> InvitationTable<'s> {
        InvitationTable {
            store,
            cache: self.orders.get(self.version),
        }
    }
}

/// The seeded invitee of invitation `i`: accepted invitations went to a
/// seeded member of the organization, three in ten others to some user.
fn invitee(seed: u64, users: u32, members: &[u32], i: u32) -> Invitee {
    let w = |k: u64| mix(seed, Stream::OrgInvitation, u64::from(i), k);
    let accepted = (45..75).contains(&(w(0) % 100));
    if accepted && !members.is_empty() {
        return Invitee::User(members[pick(w(1), members.len())]);
    }
    if !accepted && users > 0 && w(2) % 100 < 30 {
        return Invitee::User(pick(w(3), users as usize) as u32);
    }
    Invitee::Fresh
}

fn accept_url(id: &str) -> String {
    format!(
        "{ACCEPT_URL}?__clerk_ticket={}",
        id.trim_start_matches(ID_PREFIX)
    )
}

fn role_name(store: &Store, key: &str) -> String {
    store
        .table::<Rbac>()
        .role_info(key)
        .map_or_else(|| key.to_owned(), |r| r.name)
}

struct InvitationTable<'s> {
    store: &'s Store,
    cache: Arc<SortCache>,
}

impl Table for InvitationTable<'_> {
    type Field = InvitationField;

    fn len(&self) -> usize {
        self.store.table::<OrgInvitations>().len() as usize
    }

    fn natural_field(&self) -> InvitationField {
        InvitationField::CreatedAt
    }

    /// Stored organization by organization, not in creation order.
    fn natural_order_holds(&self) -> bool {
        false
    }

    fn sort_key(&self, field: InvitationField, i: u32) -> SortKey {
        let inv = self
            .store
            .table::<OrgInvitations>()
            .invitation(self.store, i);
        let value = match field {
            InvitationField::CreatedAt => KeyValue::Int(inv.created_at),
            InvitationField::EmailAddress => KeyValue::Str(inv.email_address),
        };
        SortKey::written(value, &inv.id, ID_PREFIX)
    }

    fn sort_cache(&self) -> &SortCache {
        &self.cache
    }

    fn is_live(&self, i: u32) -> bool {
        self.store.table::<OrgInvitations>().is_live(self.store, i)
    }

    fn all_live(&self) -> bool {
        Table::all_live(self.store.table::<Organizations>())
    }
}

/// `status`: one of the four, validated.
fn status_filter(q: &QueryParams) -> ApiResult<Option<String>> {
    match q.string("status") {
        None => Ok(None),
        Some(s) if STATUSES.contains(&s) => Ok(Some(s.to_owned())),
        Some(_) => Err(ApiError::ParamValue {
            param: "status",
            reason: format!("must be one of {}", STATUSES.join(", ")),
        }),
    }
}

#[derive(Default)]
struct InvitationFilter {
    status: Option<String>,
    email_address: Option<String>,
    query: Option<String>,
}

impl InvitationFilter {
    fn matches(&self, store: &Store, i: u32) -> bool {
        if self.status.is_none() && self.email_address.is_none() && self.query.is_none() {
            return true;
        }
        let inv = store.table::<OrgInvitations>().invitation(store, i);
        self.status.as_ref().is_none_or(|s| *s == inv.status)
            && self
                .email_address
                .as_ref()
                .is_none_or(|e| e.eq_ignore_ascii_case(&inv.email_address))
            && self
                .query
                .as_ref()
                .is_none_or(|q| inv.email_address.to_lowercase().contains(q))
    }
}

fn page(
    store: &Store,
    candidates: Option<Vec<u32>>,
    filter: InvitationFilter,
    order: OrderBy<InvitationField>,
    paging: Paging,
    with_organization: bool,
) -> Json<Value> {
    let invitations = store.table::<OrgInvitations>();
    let table = invitations.table(store);
    let selection = Selection {
        candidates,
        filter: Some(Box::new(move |i| filter.matches(store, i))),
        start: 0,
    };
    let page = table::select(&table, order, selection, paging);
    let items: Vec<OrgInvitation> = page
        .indexes
        .iter()
        .map(|&i| {
            if with_organization {
                invitations.with_organization(store, i)
            } else {
                invitations.invitation(store, i)
            }
        })
        .collect();
    envelope::data_total(items, page.total)
}

async fn list_for_organization(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let filter = InvitationFilter {
        status: status_filter(&q)?,
        email_address: q.string("email_address").map(str::to_owned),
        query: None,
    };
    let store = state.store();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let candidates = Some(store.table::<OrgInvitations>().of_organization(org));
    Ok(page(&store, candidates, filter, order, paging, false))
}

async fn list_pending(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let filter = InvitationFilter {
        status: Some("pending".into()),
        ..InvitationFilter::default()
    };
    let store = state.store();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let candidates = Some(store.table::<OrgInvitations>().of_organization(org));
    Ok(page(
        &store,
        candidates,
        filter,
        DEFAULT_ORDER,
        paging,
        false,
    ))
}

async fn list_all(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let filter = InvitationFilter {
        status: status_filter(&q)?,
        email_address: None,
        query: q.string("query").map(str::to_lowercase),
    };
    let store = state.store();
    Ok(page(&store, None, filter, order, paging, true))
}

async fn list_for_user(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let status = status_filter(&q)?;
    let store = state.store();
    let user = store.table::<Users>().existing(user_id)?;
    let emails: Vec<String> = store
        .table::<Users>()
        .user(user)
        .email_addresses
        .iter()
        .map(|e| e.email_address.to_lowercase())
        .collect();
    let invitations = store.table::<OrgInvitations>();
    let base = invitations.seeded_len();
    let mut candidates: Vec<u32> = invitations.by_user.get(&user).cloned().unwrap_or_default();
    candidates.extend((base..invitations.len()).filter(|&i| invitations.overlay.contains_key(&i)));
    let candidates: Vec<u32> = candidates
        .into_iter()
        .filter(|&i| {
            emails.contains(
                &invitations
                    .invitation(&store, i)
                    .email_address
                    .to_lowercase(),
            )
        })
        .collect();
    let filter = InvitationFilter {
        status,
        ..InvitationFilter::default()
    };
    Ok(page(
        &store,
        Some(candidates),
        filter,
        DEFAULT_ORDER,
        paging,
        true,
    ))
}

async fn get_one(
    State(state): State<AppState>,
    Path((organization_id, invitation_id)): Path<(String, String)>,
) -> ApiResult<Json<OrgInvitation>> {
    let store = state.store();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let i = find_in(&store, org, invitation_id)?;
    Ok(Json(store.table::<OrgInvitations>().invitation(&store, i)))
}

fn find_in(store: &Store, org: u32, invitation_id: String) -> ApiResult<u32> {
    store
        .table::<OrgInvitations>()
        .find(store, &invitation_id)
        .filter(|&i| store.table::<OrgInvitations>().organization_of(i) == org)
        .ok_or(ApiError::NotFound {
            kind: "organization invitation",
            id: invitation_id,
        })
}

const CREATE_FIELDS: &[&str] = &[
    "email_address",
    "inviter_user_id",
    "role",
    "public_metadata",
    "private_metadata",
    "redirect_url",
    "expires_in_days",
    "notify",
];

/// A validated create request.
struct NewInvitation {
    email_address: String,
    role: String,
    inviter: Option<u32>,
    public_metadata: Value,
    private_metadata: Value,
    expires_in_days: i64,
}

fn parse_new(store: &Store, org: u32, body: &JsonBody) -> ApiResult<NewInvitation> {
    let email_address = body.required_string("email_address")?.trim().to_lowercase();
    if !valid_email(&email_address) {
        return Err(ApiError::ParamFormat {
            param: "email_address",
            expected: "a valid email address",
        });
    }
    let role = existing_role(store, body.required_string("role")?)?;
    body.string("redirect_url")?;
    body.bool("notify")?;
    let expires_in_days = expires_in_days(body)?;
    let inviter = match body.string("inviter_user_id")? {
        None => None,
        Some(id) => Some(admin_of(store, org, id, "inviter")?),
    };
    let invitations = store.table::<OrgInvitations>();
    let pending_exists = invitations.of_organization(org).into_iter().any(|i| {
        let inv = invitations.invitation(store, i);
        inv.status == "pending" && inv.email_address.eq_ignore_ascii_case(&email_address)
    });
    if pending_exists {
        return Err(ApiError::Rejected {
            code: "duplicate_record",
            long_message: format!("There is already a pending invitation for {email_address}."),
        });
    }
    let holder = crate::resources::users::holder_of(
        store,
        crate::resources::users::Identifier::EmailAddress,
        &email_address,
    );
    if holder.is_some_and(|u| store.table::<Memberships>().find(org, u).is_some()) {
        return Err(ApiError::Rejected {
            code: "already_a_member_in_organization",
            long_message: format!("{email_address} is already a member of the organization."),
        });
    }
    Ok(NewInvitation {
        email_address,
        role,
        inviter,
        public_metadata: Value::Object(body.object("public_metadata")?.unwrap_or_default()),
        private_metadata: Value::Object(body.object("private_metadata")?.unwrap_or_default()),
        expires_in_days,
    })
}

/// The user `id`, who must exist (else 404) and be an admin of `org`
/// (else 403): the spec's rule for an inviter and for the user revoking.
fn admin_of(store: &Store, org: u32, id: String, who: &str) -> ApiResult<u32> {
    let user = store.table::<Users>().existing(id)?;
    let is_admin = store
        .table::<Memberships>()
        .find(org, user)
        .is_some_and(|m| store.table::<Memberships>().state(store, m).role == ADMIN_ROLE);
    if !is_admin {
        return Err(ApiError::Forbidden {
            code: "not_an_admin_in_organization",
            long_message: format!("The {who} must be an admin of the organization."),
        });
    }
    Ok(user)
}

/// Clerk's shape check, not RFC 5322: something, `@`, a dotted domain.
pub fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// `expires_in_days`: 1 to 365, 30 when absent.
pub fn expires_in_days(body: &JsonBody) -> ApiResult<i64> {
    match body.int("expires_in_days")? {
        None => Ok(30),
        Some(d) if (1..=365).contains(&d) => Ok(d),
        Some(_) => Err(ApiError::ParamValue {
            param: "expires_in_days",
            reason: "must be between 1 and 365".into(),
        }),
    }
}

fn insert(store: &mut Store, org: u32, new: NewInvitation) -> u32 {
    let now = store.tick();
    let invitations = store.table::<OrgInvitations>();
    let i = invitations.len();
    let id = invitations.id(i, now);
    let inv = OrgInvitation {
        object: "organization_invitation",
        url: Some(accept_url(&id)),
        id,
        email_address: new.email_address,
        role_name: role_name(store, &new.role),
        role: new.role,
        organization_id: store.table::<Organizations>().id_of(org),
        inviter_id: new.inviter.map(|u| store.table::<Users>().id_of(u)),
        public_inviter_data: new.inviter.map(|u| InviterData::of(store, u)),
        status: "pending".into(),
        public_metadata: new.public_metadata,
        private_metadata: new.private_metadata,
        expires_at: Some(now + new.expires_in_days * DAY_MS),
        created_at: now,
        updated_at: now,
        public_organization_data: None,
    };
    let invitations = store.table_mut::<OrgInvitations>();
    invitations.created_org.push(org);
    invitations.overlay.insert(i, inv);
    invitations.version += 1;
    i
}

async fn create(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<OrgInvitation>> {
    let body = JsonBody::parse(&body, CREATE_FIELDS)?;
    let mut store = state.store_mut();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let new = parse_new(&store, org, &body)?;
    let i = insert(&mut store, org, new);
    Ok(Json(store.table::<OrgInvitations>().invitation(&store, i)))
}

async fn create_bulk(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let bodies = JsonBody::parse_array(&body, CREATE_FIELDS, MAX_BULK)?;
    let mut store = state.store_mut();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let mut batch = Vec::with_capacity(bodies.len());
    for body in &bodies {
        let new = parse_new(&store, org, body)?;
        if batch
            .iter()
            .any(|b: &NewInvitation| b.email_address == new.email_address)
        {
            return Err(ApiError::Rejected {
                code: "duplicate_record",
                long_message: format!("{} appears twice in the request.", new.email_address),
            });
        }
        batch.push(new);
    }
    let created: Vec<OrgInvitation> = batch
        .into_iter()
        .map(|new| {
            let i = insert(&mut store, org, new);
            store.table::<OrgInvitations>().invitation(&store, i)
        })
        .collect();
    let total = created.len();
    Ok(envelope::data_total(created, total))
}

async fn revoke(
    State(state): State<AppState>,
    Path((organization_id, invitation_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<OrgInvitation>> {
    let body = JsonBody::parse(&body, &["requesting_user_id"])?;
    let mut store = state.store_mut();
    let org = store.table::<Organizations>().existing(organization_id)?;
    let i = find_in(&store, org, invitation_id)?;
    // Optional (and nullable); when given, "must be an administrator in the
    // organization".
    if let Some(id) = body.string("requesting_user_id")? {
        admin_of(&store, org, id, "requesting user")?;
    }
    let mut inv = store.table::<OrgInvitations>().invitation(&store, i);
    if inv.status != "pending" {
        return Err(ApiError::Rejected {
            code: "organization_invitation_not_pending",
            long_message: format!(
                "The invitation is {}, only pending invitations can be revoked.",
                inv.status
            ),
        });
    }
    inv.status = "revoked".into();
    inv.url = None;
    inv.updated_at = store.tick();
    let invitations = store.table_mut::<OrgInvitations>();
    invitations.overlay.insert(i, inv.clone());
    invitations.version += 1;
    Ok(Json(inv))
}

/// Schemas `OrganizationInvitation` and (with `public_organization_data`)
/// `OrganizationInvitationWithPublicOrganizationData`.
#[derive(Debug, Clone, Serialize)]
pub struct OrgInvitation {
    pub object: &'static str,
    pub id: String,
    pub email_address: String,
    pub role: String,
    pub role_name: String,
    pub organization_id: String,
    pub inviter_id: Option<String>,
    pub public_inviter_data: Option<InviterData>,
    pub status: String,
    pub public_metadata: Value,
    pub private_metadata: Value,
    pub url: Option<String>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_organization_data: Option<PublicOrganizationData>,
}

/// Schema `OrganizationInvitationPublicUserData`.
#[derive(Debug, Clone, Serialize)]
pub struct InviterData {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    pub identifier: String,
}

impl InviterData {
    fn of(store: &Store, user: u32) -> Self {
        let u = store.table::<Users>().user(user);
        let identifier = u
            .primary_email()
            .map(str::to_owned)
            .or_else(|| u.username.clone())
            .unwrap_or_else(|| u.id.clone());
        Self {
            user_id: u.id,
            first_name: u.first_name,
            last_name: u.last_name,
            image_url: u.image_url,
            has_image: u.has_image,
            identifier,
        }
    }
}

/// Schema `OrganizationInvitationPublicOrganizationData`.
#[derive(Debug, Clone, Serialize)]
pub struct PublicOrganizationData {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub has_image: bool,
}
