//! Email and SMS templates (deprecated in the spec, still served):
//! `GET /v1/templates/{template_type}` (a bare array of `Template` sorted by
//! `position`; `paginated=true` gives `{data,total_count}`) and `GET
//! /v1/templates/{template_type}/{slug}`.
//!
//! A fixed set of Clerk's standard templates, the same for every seed but
//! their ids: eight email templates and four SMS ones, each type
//! positioned from 0. All are Clerk's system templates except the email
//! `invitation`, which the instance customised (`resource_type: "user"`,
//! `can_revert: true`, a later `updated_at`). Only notification SMS
//! templates (`password_changed`) can be toggled.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, paged, ListOrder, Operation, PagedList, Status::Served};
use crate::engine::collection::{self, Collection, Ids, Order, Select, MATERIALIZED};
use crate::engine::params::QueryParams;
use crate::seed::{instance_id, Stream, DAY_MS, START_MS};
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

const TYPES: &[&str] = &["email", "sms"];
/// When the instance (and its system templates) came to be.
const CREATED_AT: i64 = START_MS - 30 * DAY_MS;
/// When the instance customised its invitation email.
const CUSTOMISED_AT: i64 = START_MS + 200 * DAY_MS;

/// `(type, slug, name, subject, variables, required variables, body)`.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);

const COMMON: &[&str] = &["app.name", "app.url", "app.logo_url"];

const TEMPLATES: &[Row] = &[
    (
        "email",
        "verification_code",
        "Verification code",
        Some("{{otp_code}} is your verification code"),
        &["otp_code", "requested_at", "requested_by", "requested_from"],
        &["otp_code"],
        "<p>Enter {{otp_code}} to verify your email address for {{app.name}}.</p>",
    ),
    (
        "email",
        "magic_link_sign_in",
        "Magic link sign in",
        Some("Sign in to {{app.name}}"),
        &["magic_link", "ttl_minutes", "requested_at", "requested_from"],
        &["magic_link"],
        "<p><a href=\"{{magic_link}}\">Sign in to {{app.name}}</a> within {{ttl_minutes}} minutes.</p>",
    ),
    (
        "email",
        "magic_link_sign_up",
        "Magic link sign up",
        Some("Sign up to {{app.name}}"),
        &["magic_link", "ttl_minutes", "requested_at", "requested_from"],
        &["magic_link"],
        "<p><a href=\"{{magic_link}}\">Finish signing up to {{app.name}}</a>.</p>",
    ),
    (
        "email",
        "reset_password_code",
        "Reset password code",
        Some("{{otp_code}} is your password reset code"),
        &["otp_code", "requested_at", "requested_by", "requested_from"],
        &["otp_code"],
        "<p>Enter {{otp_code}} to reset your {{app.name}} password.</p>",
    ),
    (
        "email",
        "invitation",
        "Invitation",
        Some("You're invited to join {{app.name}}"),
        &["action_url", "inviter_name"],
        &["action_url"],
        "<p>{{inviter_name}} invited you to {{app.name}}. <a href=\"{{action_url}}\">Accept the invitation</a>.</p>",
    ),
    (
        "email",
        "organization_invitation",
        "Organization invitation",
        Some("{{inviter_name}} invited you to {{org.name}}"),
        &["action_url", "inviter_name", "org.name", "org.image_url"],
        &["action_url"],
        "<p>Join {{org.name}} on {{app.name}}: <a href=\"{{action_url}}\">accept</a>.</p>",
    ),
    (
        "email",
        "waitlist_invitation",
        "Waitlist invitation",
        Some("You're off the {{app.name}} waitlist"),
        &["action_url"],
        &["action_url"],
        "<p>Your spot is ready. <a href=\"{{action_url}}\">Create your account</a>.</p>",
    ),
    (
        "email",
        "password_changed",
        "Password changed",
        Some("Your {{app.name}} password was changed"),
        &["primary_email_address", "greeting_name"],
        &[],
        "<p>Hi {{greeting_name}}, the password of {{primary_email_address}} was changed.</p>",
    ),
    (
        "sms",
        "verification_code",
        "Verification code",
        None,
        &["otp_code"],
        &["otp_code"],
        "{{otp_code}} is your verification code for {{app.name}}.",
    ),
    (
        "sms",
        "reset_password_code",
        "Reset password code",
        None,
        &["otp_code"],
        &["otp_code"],
        "{{otp_code}} is your {{app.name}} password reset code.",
    ),
    (
        "sms",
        "invitation",
        "Invitation",
        None,
        &["action_url", "inviter_name"],
        &["action_url"],
        "{{inviter_name}} invited you to {{app.name}}: {{action_url}}",
    ),
    (
        "sms",
        "password_changed",
        "Password changed",
        None,
        &["greeting_name"],
        &[],
        "Your {{app.name}} password was changed.",
    ),
];

#[derive(Debug)]
pub struct Templates {
    items: Collection,
}

crate::server::state::store_table!(Templates, Templates::seeded(0));

impl Templates {
    pub fn seeded(seed: u64) -> Self {
        let ids = Ids::new("tmpl_", Stream::TemplateId, seed);
        let instance = instance_id(seed);
        let mut positions = [0i64; 2];
        let items = TEMPLATES
            .iter()
            .enumerate()
            .map(|(i, (kind, slug, name, subject, vars, required, body))| {
                let email = *kind == "email";
                let position = &mut positions[usize::from(!email)];
                let at = *position;
                *position += 1;
                let customised = email && *slug == "invitation";
                let mut available: Vec<&str> = COMMON.to_vec();
                available.extend_from_slice(vars);
                json!({
                    "id": ids.id(i as u32, CREATED_AT),
                    "object": "template",
                    "instance_id": instance,
                    "resource_type": if customised { "user" } else { "system" },
                    "template_type": kind,
                    "name": name,
                    "slug": slug,
                    "position": at,
                    "can_revert": customised,
                    "can_delete": false,
                    "can_edit_body": true,
                    "can_toggle": !email && *slug == "password_changed",
                    "subject": subject,
                    "markup": if email { *body } else { "" },
                    "body": body,
                    "available_variables": available,
                    "required_variables": required,
                    "from_email_name": if email { "notifications" } else { "" },
                    "reply_to_email_name": if customised { "support" } else { "" },
                    "delivered_by_clerk": true,
                    "enabled": true,
                    "flagged_as_suspicious": false,
                    "updated_at": if customised { CUSTOMISED_AT } else { CREATED_AT },
                    "created_at": CREATED_AT,
                })
            })
            .collect();
        Self {
            items: Collection::materialized(items),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/templates/{template_type}", get(list))
        .route("/v1/templates/{template_type}/{slug}", get(get_one))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/templates/{template_type}", Served),
    op("GET", "/templates/{template_type}/{slug}", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[
    paged("/v1/templates/email?x=1")
        .array()
        .order(ListOrder::Position),
    paged("/v1/templates/sms?paginated=true").order(ListOrder::Position),
];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Templates::seeded(config.seed));
}

fn template_type(kind: &str) -> ApiResult<&str> {
    if TYPES.contains(&kind) {
        Ok(kind)
    } else {
        Err(ApiError::ParamValue {
            param: "template_type",
            reason: "must be email or sms".into(),
        })
    }
}

async fn list(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let paginated = q.bool("paginated")?.unwrap_or(false);
    let kind = template_type(&kind)?.to_owned();
    let store = state.store();
    let listed = store.table::<Templates>().items.list(
        MATERIALIZED,
        Order {
            field: "position",
            descending: false,
        },
        Select {
            filter: Some(Box::new(move |t: &Value| {
                t["template_type"] == kind.as_str()
            })),
            ..Select::default()
        },
        paging,
    );
    Ok(collection::respond(listed, paginated))
}

async fn get_one(
    State(state): State<AppState>,
    Path((kind, slug)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    // An unknown type has no templates: a 404 like an unknown slug.
    store
        .table::<Templates>()
        .items
        .find(MATERIALIZED, |t| {
            t["template_type"] == kind.as_str() && t["slug"] == slug.as_str()
        })
        .map(|(_, t)| Json(t))
        .ok_or(ApiError::NotFound {
            kind: "template",
            id: format!("{kind}/{slug}"),
        })
}
