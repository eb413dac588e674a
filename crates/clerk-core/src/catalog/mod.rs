//! The object catalog: one entry per foreign table, the single source of
//! truth for endpoint paths, columns, pushdown rules, IMPORT FOREIGN SCHEMA
//! and the per-object docs. Adding a Clerk object means adding one
//! [`ObjectSpec`] to a family file below and to [`CATALOG`], nothing else:
//! the planner, the pager, the decoder and the guest glue hold nothing
//! object-specific.
//!
//! An object is served by one or more [`Endpoint`]s. Each endpoint says
//! which columns fill its path placeholders (or required query parameters),
//! and the planner picks the first endpoint, in declared order, whose
//! bindings the quals satisfy: `organization_memberships where
//! organization_id = 'org_x'` goes to `/organizations/{organization_id}/memberships`,
//! without it to the instance-wide list. An object whose every endpoint
//! needs a binding (e.g. `billing_statement`) refuses a scan without one.

use crate::cell::SqlType;
use crate::error::{CoreError, CoreResult};

mod billing;
mod instance;
mod machines;
mod organizations;
mod rbac;
mod sessions;
mod sso;
mod users;

/// How a list response wraps its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// A bare JSON array, no total (e.g. `GET /users`).
    BareArray,
    /// `{"data": [...], "total_count": N}` (e.g. `GET /organizations`).
    DataTotalCount,
    /// `{"<key>": [...], "total_count": N}` (`GET /m2m_tokens`).
    Keyed(&'static str),
}

/// What one endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A list paged by `limit` (up to `page_size_max`) and `offset`.
    Paged { envelope: Envelope, page_size_max: u32 },
    /// A list without paging parameters: one request returns every row.
    Unpaged { envelope: Envelope },
    /// One object (get-by-id or a singleton); a 404 means no row.
    One,
}

/// Column types the catalog declares (a `Copy` subset of [`SqlType`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Bool,
    I32,
    I64,
    F64,
    Text,
    Timestamptz,
    Jsonb,
}

impl From<ColType> for SqlType {
    fn from(t: ColType) -> SqlType {
        match t {
            ColType::Bool => SqlType::Bool,
            ColType::I32 => SqlType::I32,
            ColType::I64 => SqlType::I64,
            ColType::F64 => SqlType::F64,
            ColType::Text => SqlType::Text,
            ColType::Timestamptz => SqlType::Timestamptz,
            ColType::Jsonb => SqlType::Jsonb,
        }
    }
}

/// Where a column's value comes from in the API object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A top-level key of the object.
    Key(&'static str),
    /// An RFC 6901 JSON pointer into the object.
    Pointer(&'static str),
    /// The whole object (the `attrs` column).
    Whole,
    /// The entry of the array `list` whose `id` equals the object's `id_key`,
    /// and within it `value_key` (e.g. the primary email address).
    PrimaryOf {
        list: &'static str,
        id_key: &'static str,
        value_key: &'static str,
    },
    /// Text values at these JSON pointers joined by `/`: a row id made of
    /// the ids Clerk addresses the row by (`org_.../user_...` for a
    /// membership, whose write paths take both). Clerk ids never hold `/`.
    Composite(&'static [&'static str]),
    /// A child table's row: a top-level key of the parent object (e.g. the
    /// user's `id` as `user_id` of an email address).
    Parent(&'static str),
    /// A child table's row: whether the child's `id` is the parent's
    /// `parent_key` (e.g. `primary_email_address_id`).
    IsPrimary { parent_key: &'static str },
}

/// What one API object of the response is to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Each object is a row.
    Items,
    /// Each object's array `key` holds the rows (a child table un-nested
    /// from its parent, e.g. the email addresses of users). Sorts and
    /// limits are never pushed: they would apply to the parents.
    Nested { key: &'static str },
}

/// One column of a foreign table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColType,
    pub source: Source,
    /// Whether the API may omit the value or send JSON null.
    pub nullable: bool,
    /// A query parameter the list and get requests must carry for the API to
    /// fill this column (e.g. `include_members_count=true`).
    pub needs_param: Option<(&'static str, &'static str)>,
    pub doc: &'static str,
}

/// How a qual on a column turns into query parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// `col = v` and `col IN (...)`: the parameter repeated once per value
    /// (`max_values` 1: the parameter takes a single value, so only `=`).
    /// `signed_ids`: the API reads a leading `+`/`-` as include/exclude, so
    /// such values are never pushed.
    Equals { signed_ids: bool, max_values: usize },
    /// `col = v` pushed as a single fuzzy search parameter (a superset).
    Search,
    /// `col LIKE p` / `col ILIKE p` (and `col = v`) pushed as a
    /// case-insensitive substring parameter (`*_query`): the longest
    /// wildcard-free run of the pattern, which every match contains (a
    /// superset).
    Contains,
    /// `col = true|false`, `col IS [NOT] TRUE|FALSE` on a boolean column
    /// (sent as `true`/`false`, which also suits the endpoints whose spec
    /// types the parameter as a string).
    Boolean,
    /// `col > t`, `col >= t`, `col < t`, `col <= t` on a timestamp column,
    /// pushed as Unix-millisecond bounds widened by 1 ms (a superset whether
    /// the API's bounds are strict or inclusive).
    TimeRange {
        after: &'static str,
        before: &'static str,
    },
}

/// A pushdown rule: quals on `column` become `param` query parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterSpec {
    pub column: &'static str,
    pub param: &'static str,
    pub kind: FilterKind,
    /// The API returns exactly the rows matching the qual (not a superset),
    /// so the qual counts as fully handled (which allows LIMIT pushdown).
    pub exact: bool,
}

/// A field the list endpoint's `order_by` accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderSpec {
    /// Column of the table sorted by this field.
    pub column: &'static str,
    /// Name the API expects in `order_by`.
    pub field: &'static str,
    /// The API's order equals Postgres' order of the column's values (no
    /// NULLs, no collation question), so a LIMIT under this sort is exact.
    pub total: bool,
}

/// A lower bound on a timestamp column the API cannot filter by, answered
/// by ordering newest first and stopping at the first older row: `where
/// updated_at > $last_sync` costs the changed rows' pages, not a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortedWindow {
    pub column: &'static str,
    /// The `order_by` field sorting by that column.
    pub field: &'static str,
}

/// Where a bound value goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindTo {
    /// A `{placeholder}` of the endpoint's path.
    Path(&'static str),
    /// A query parameter the endpoint requires (e.g. `subject` of
    /// `GET /api_keys`).
    Query(&'static str),
}

/// A value an endpoint needs, taken from `column = 'v'` (or, with
/// `fan_out`, from `column IN (...)`: one request per value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bind {
    pub column: &'static str,
    pub to: BindTo,
    /// Every row the request returns has `column = v`, so the qual is
    /// answered exactly (false e.g. for a slug accepted in an id path).
    pub exact: bool,
    /// `IN (...)` with up to [`MAX_FAN_OUT`] values makes one request per
    /// value; otherwise only `=` binds.
    pub fan_out: bool,
    /// A sample value for error hints (`'stmt_...'`).
    pub example: &'static str,
    /// Every value the parameter can take, when a request without a qual on
    /// the column should be made once per value (an optional filter whose
    /// default hides rows, e.g. `revoked=false` of `GET /m2m_tokens`);
    /// empty: the bind is required.
    pub all: &'static [&'static str],
}

/// A boolean query parameter Clerk defaults to `false` (hiding the `true`
/// rows): without a qual the table asks for both.
pub(crate) const fn both_booleans(column: &'static str) -> Bind {
    Bind { column, to: BindTo::Query(column), exact: true, fan_out: true, example: "true", all: &["false", "true"] }
}

/// The most requests one `IN (...)` on a bound column may fan out to;
/// longer lists fall through to the next endpoint or are refused.
pub const MAX_FAN_OUT: usize = 100;

/// One HTTP endpoint serving a table's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Endpoint {
    /// Path relative to `api_url`, with `{placeholder}`s for [`BindTo::Path`].
    pub path: &'static str,
    /// The values this endpoint needs; the planner takes the first endpoint
    /// whose binds the quals satisfy.
    pub binds: &'static [Bind],
    pub shape: Shape,
    /// Query parameters sent on every request (e.g. `paginated=true`).
    pub fixed_query: &'static [(&'static str, &'static str)],
    pub filters: &'static [FilterSpec],
    pub order_by: &'static [OrderSpec],
    /// The endpoint's own order without `order_by`, for docs.
    pub default_order: Option<&'static str>,
    /// Lower bounds answered by a descending order and an early stop.
    pub sorted_windows: &'static [SortedWindow],
}

impl Endpoint {
    pub fn filter_for(&self, column: &str) -> Option<&'static FilterSpec> {
        let filters: &'static [FilterSpec] = self.filters;
        filters.iter().find(|f| f.column == column)
    }

    pub fn order_for(&self, column: &str) -> Option<&'static OrderSpec> {
        let orders: &'static [OrderSpec] = self.order_by;
        orders.iter().find(|o| o.column == column)
    }

    /// The endpoint needs no value from the quals (a scan of everything).
    pub fn is_unbound(&self) -> bool {
        self.binds.is_empty()
    }
}

/// The HTTP method of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Patch,
    Put,
    Delete,
}

/// How a column's value goes into a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `"field": value`.
    Value,
    /// `"field": [value]` (e.g. a user's `email` as `email_address: [...]`).
    OneItemArray,
}

/// A typed column a write accepts, and the body field it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyField {
    pub column: &'static str,
    pub field: &'static str,
    pub form: Form,
}

/// A column written to the body field of the same name.
pub(crate) const fn same(column: &'static str) -> BodyField {
    BodyField { column, field: column, form: Form::Value }
}

/// One write endpoint. Update and delete fill the path's one placeholder
/// with the row id (`rowid_column`); an insert fills it from `path_column`
/// of the new row (e.g. the organization a membership is created in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOp {
    pub method: Method,
    pub path: &'static str,
    /// The typed columns it accepts (besides `attrs`, whose JSON object is
    /// the body as is; a typed column wins over the same key in it).
    pub fields: &'static [BodyField],
    pub path_column: Option<&'static str>,
}

/// Columns an UPDATE sends to an endpoint of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// A boolean column set by one of two bodiless POSTs (`banned` by
    /// `/ban` and `/unban`).
    Toggle { column: &'static str, on: &'static str, off: &'static str },
    /// Columns sent together to another endpoint (the metadata PATCH).
    Fields { method: Method, path: &'static str, fields: &'static [BodyField] },
}

/// What INSERT, UPDATE and DELETE do on a table (`None`: refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writes {
    pub insert: Option<WriteOp>,
    pub update: Option<WriteOp>,
    pub delete: Option<WriteOp>,
    /// UPDATE columns with endpoints of their own (sent after `update`).
    pub update_extra: &'static [Extra],
}

/// A read-only table.
pub const READ_ONLY: Writes = Writes { insert: None, update: None, delete: None, update_extra: &[] };

pub(crate) const fn post(path: &'static str, fields: &'static [BodyField]) -> Option<WriteOp> {
    Some(WriteOp { method: Method::Post, path, fields, path_column: None })
}

/// A POST into a parent named by a column of the new row.
pub(crate) const fn post_into(
    path: &'static str,
    path_column: &'static str,
    fields: &'static [BodyField],
) -> Option<WriteOp> {
    Some(WriteOp { method: Method::Post, path, fields, path_column: Some(path_column) })
}

pub(crate) const fn patch(path: &'static str, fields: &'static [BodyField]) -> Option<WriteOp> {
    Some(WriteOp { method: Method::Patch, path, fields, path_column: None })
}

pub(crate) const fn delete(path: &'static str) -> Option<WriteOp> {
    Some(WriteOp { method: Method::Delete, path, fields: &[], path_column: None })
}

/// A DELETE that revokes instead (`POST .../revoke`): the row stays,
/// marked revoked.
pub(crate) const fn revoke(path: &'static str) -> Option<WriteOp> {
    Some(WriteOp { method: Method::Post, path, fields: &[], path_column: None })
}

/// One foreign table.
#[derive(Debug, Clone, Copy)]
pub struct ObjectSpec {
    /// Foreign table name created by IMPORT FOREIGN SCHEMA (also accepted
    /// as the `object` option).
    pub table: &'static str,
    /// The `object` option value IMPORT FOREIGN SCHEMA writes; Supabase's
    /// spelling where their wrapper has the object.
    pub object: &'static str,
    /// The API object's name in messages (`user`, `billing statement`).
    pub noun: &'static str,
    /// Candidate endpoints, most specific first.
    pub endpoints: &'static [Endpoint],
    /// Whether the endpoints' objects are the rows or hold them.
    pub rows: Rows,
    pub columns: &'static [ColumnSpec],
    /// The column identifying a row (`rowid_column` of the imported table).
    pub rowid: Option<&'static str>,
    /// Keys of the API object that are credentials: never a column, and
    /// removed from `attrs` (e.g. a SCIM directory's `api_key`).
    pub hidden: &'static [&'static str],
    pub writes: Writes,
    pub doc: &'static str,
}

/// The tables of Supabase's own Clerk wrapper (0.2.x), for the README's
/// side-by-side table; ours keeps each with the same name and `object`.
pub const SUPABASE_TABLES: &[&str] = &[
    "allowlist_identifiers",
    "billing_payment_attempts",
    "billing_plans",
    "billing_statement",
    "billing_statements",
    "billing_subscription_items",
    "blocklist_identifiers",
    "domains",
    "invitations",
    "jwt_templates",
    "oauth_applications",
    "organization_billing_subscriptions",
    "organization_invitations",
    "organization_memberships",
    "organizations",
    "redirect_urls",
    "saml_connections",
    "user_billing_subscriptions",
    "users",
];

/// Tables of [`SUPABASE_TABLES`] whose `id = '...'` Supabase's wrapper
/// answers with a get by id (its only pushdown).
pub const SUPABASE_ID_LOOKUPS: &[&str] =
    &["jwt_templates", "oauth_applications", "organizations", "redirect_urls", "saml_connections", "users"];

/// What Supabase's wrapper writes, per table (insert, update, delete as
/// `i`, `u`, `d`), only through the `attrs` body.
pub const SUPABASE_WRITES: &[(&str, &str)] = &[
    ("allowlist_identifiers", "id"),
    ("blocklist_identifiers", "id"),
    ("domains", "ud"),
    ("invitations", "i"),
    ("jwt_templates", "iud"),
    ("oauth_applications", "iud"),
    ("organizations", "iud"),
    ("redirect_urls", "id"),
    ("saml_connections", "iud"),
    ("users", "iud"),
];

/// The name of the column holding the whole object as jsonb.
pub const ATTRS_COLUMN: &str = "attrs";

/// Every object the wrapper supports, in table-name order.
pub static CATALOG: &[ObjectSpec] = &[
    instance::ALLOWLIST_IDENTIFIERS,
    machines::API_KEYS,
    billing::BILLING_PAYMENT_ATTEMPTS,
    billing::BILLING_PLANS,
    billing::BILLING_PRICES,
    billing::BILLING_STATEMENT,
    billing::BILLING_STATEMENTS,
    billing::BILLING_SUBSCRIPTION_ITEMS,
    instance::BLOCKLIST_IDENTIFIERS,
    sessions::CLIENTS,
    sso::DIRECTORIES,
    sso::DIRECTORY_GROUP_ROLE_MAPPINGS,
    instance::DOMAINS,
    sso::ENTERPRISE_CONNECTION_TEST_RUNS,
    sso::ENTERPRISE_CONNECTIONS,
    instance::INSTANCE,
    instance::INSTANCE_COMMUNICATION,
    instance::INSTANCE_OAUTH_APPLICATION_SETTINGS,
    instance::INSTANCE_ORGANIZATION_SETTINGS,
    instance::INSTANCE_PROTECT,
    instance::INVITATIONS,
    instance::JWKS,
    instance::JWT_TEMPLATES,
    machines::M2M_TOKENS,
    machines::MACHINES,
    users::OAUTH_ACCESS_TOKENS,
    instance::OAUTH_APPLICATIONS,
    billing::ORGANIZATION_BILLING_CREDITS,
    billing::ORGANIZATION_BILLING_SUBSCRIPTIONS,
    organizations::ORGANIZATION_DOMAINS,
    organizations::ORGANIZATION_INVITATIONS,
    organizations::ORGANIZATION_MEMBERSHIPS,
    rbac::ORGANIZATION_PERMISSIONS,
    rbac::ORGANIZATION_ROLES,
    organizations::ORGANIZATIONS,
    instance::REDIRECT_URLS,
    rbac::ROLE_SETS,
    sso::SAML_CONNECTIONS,
    sso::SCIM_DIRECTORIES,
    sso::SCIM_GROUP_ROLE_MAPPINGS,
    sessions::SESSIONS,
    instance::SIGN_UPS,
    instance::TEMPLATES,
    billing::USER_BILLING_CREDITS,
    billing::USER_BILLING_SUBSCRIPTIONS,
    users::USER_EMAIL_ADDRESSES,
    users::USER_ENTERPRISE_ACCOUNTS,
    users::USER_EXTERNAL_ACCOUNTS,
    users::USER_PASSKEYS,
    users::USER_PHONE_NUMBERS,
    users::USER_TRUSTED_DEVICES,
    users::USER_WEB3_WALLETS,
    users::USERS,
    sessions::WAITLIST_ENTRIES,
];

/// A column read from the top-level key of the same name.
pub(crate) const fn col(name: &'static str, ty: ColType, nullable: bool, doc: &'static str) -> ColumnSpec {
    ColumnSpec { name, ty, source: Source::Key(name), nullable, needs_param: None, doc }
}

/// A column read through a JSON pointer (e.g. `/organization/id`).
pub(crate) const fn ptr(
    name: &'static str,
    pointer: &'static str,
    ty: ColType,
    nullable: bool,
    doc: &'static str,
) -> ColumnSpec {
    ColumnSpec { name, ty, source: Source::Pointer(pointer), nullable, needs_param: None, doc }
}

pub(crate) const fn attrs() -> ColumnSpec {
    ColumnSpec {
        name: ATTRS_COLUMN,
        ty: ColType::Jsonb,
        source: Source::Whole,
        nullable: false,
        needs_param: None,
        doc: "the whole API object",
    }
}

/// Most list filters take up to 100 repeated values.
pub(crate) const MAX_FILTER_VALUES: usize = 100;

/// The most requests one `= any(...)` on a list filter is split over when
/// it has more values than a request takes (`id = any(...)` of up to 1000
/// ids: 10 requests of 100); longer lists are left to Postgres.
pub const MAX_SPLIT: usize = 10;

/// `column = v` / `column IN (...)` as a repeated, exact parameter.
pub(crate) const fn eq(column: &'static str, param: &'static str) -> FilterSpec {
    FilterSpec {
        column,
        param,
        kind: FilterKind::Equals { signed_ids: false, max_values: MAX_FILTER_VALUES },
        exact: true,
    }
}

/// Like [`eq`] for id filters where `+`/`-` prefixes mean include/exclude.
pub(crate) const fn ids(column: &'static str, param: &'static str) -> FilterSpec {
    FilterSpec {
        column,
        param,
        kind: FilterKind::Equals { signed_ids: true, max_values: MAX_FILTER_VALUES },
        exact: true,
    }
}

/// `column = v` as a single-valued, exact parameter.
pub(crate) const fn eq1(column: &'static str, param: &'static str) -> FilterSpec {
    FilterSpec { column, param, kind: FilterKind::Equals { signed_ids: false, max_values: 1 }, exact: true }
}

/// A boolean parameter.
pub(crate) const fn boolean(column: &'static str, param: &'static str) -> FilterSpec {
    FilterSpec { column, param, kind: FilterKind::Boolean, exact: true }
}

/// A fuzzy search parameter fed by `column = v` (a superset).
pub(crate) const fn search(column: &'static str, param: &'static str) -> FilterSpec {
    FilterSpec { column, param, kind: FilterKind::Search, exact: false }
}

/// A case-insensitive substring parameter fed by `LIKE`/`ILIKE` (a superset).
pub(crate) const fn contains(column: &'static str, param: &'static str) -> FilterSpec {
    FilterSpec { column, param, kind: FilterKind::Contains, exact: false }
}

/// `<column>_after` / `<column>_before` millisecond bounds.
pub(crate) const fn window(column: &'static str, after: &'static str, before: &'static str) -> FilterSpec {
    FilterSpec { column, param: column, kind: FilterKind::TimeRange { after, before }, exact: false }
}

/// An order field whose order is total (non-null integers): LIMIT-safe.
pub(crate) const fn total_order(column: &'static str, field: &'static str) -> OrderSpec {
    OrderSpec { column, field, total: true }
}

/// An order field Postgres may order differently (text, nullable).
pub(crate) const fn partial_order(column: &'static str, field: &'static str) -> OrderSpec {
    OrderSpec { column, field, total: false }
}

/// A path placeholder bound exactly by `column = v`, fanning out on `IN`.
pub(crate) const fn path_bind(column: &'static str, placeholder: &'static str, example: &'static str) -> Bind {
    Bind { column, to: BindTo::Path(placeholder), exact: true, fan_out: true, example, all: &[] }
}

/// A get-by-id path placeholder: `id = v` only (an `IN` list goes to the
/// list endpoint's repeated filter instead, one request).
pub(crate) const fn id_bind(column: &'static str, placeholder: &'static str, example: &'static str) -> Bind {
    Bind { column, to: BindTo::Path(placeholder), exact: true, fan_out: false, example, all: &[] }
}

/// A paged list endpoint without binds, filters or orders.
pub(crate) const fn list(path: &'static str, envelope: Envelope) -> Endpoint {
    Endpoint {
        path,
        binds: &[],
        shape: Shape::Paged { envelope, page_size_max: 500 },
        fixed_query: &[],
        filters: &[],
        order_by: &[],
        default_order: None,
        sorted_windows: &[],
    }
}

/// A one-object endpoint with the given binds.
pub(crate) const fn one(path: &'static str, binds: &'static [Bind]) -> Endpoint {
    Endpoint {
        path,
        binds,
        shape: Shape::One,
        fixed_query: &[],
        filters: &[],
        order_by: &[],
        default_order: None,
        sorted_windows: &[],
    }
}

/// Names of every supported `object`, sorted, comma separated (for hints).
pub fn supported_objects() -> String {
    let mut names: Vec<&str> = CATALOG.iter().map(|o| o.table).collect();
    names.sort_unstable();
    names.join(", ")
}

/// Looks up the catalog entry for a table's `object` option: the object's
/// own spelling (`billing/plans`, as Supabase's wrapper has it) or its table
/// name (`billing_plans`).
pub fn lookup(object: &str) -> CoreResult<&'static ObjectSpec> {
    CATALOG
        .iter()
        .find(|o| o.object == object || o.table == object)
        .ok_or_else(|| CoreError::UnsupportedObject { object: object.to_string() })
}

impl ObjectSpec {
    /// The catalog column of that name, if any.
    pub fn column(&self, name: &str) -> Option<&'static ColumnSpec> {
        let columns: &'static [ColumnSpec] = self.columns;
        columns.iter().find(|c| c.name == name)
    }

    /// Where a target column's value comes from: the catalog's source for a
    /// known column, else the top-level JSON key of the same name, so users
    /// can declare extra columns.
    pub fn source_of(&self, column: &str) -> SourceRef {
        match self.columns.iter().find(|c| c.name == column) {
            Some(c) => SourceRef::Catalog(c.source),
            None => SourceRef::ExtraKey(column.to_string()),
        }
    }

    /// The endpoint scanning everything, if the object has one.
    pub fn unbound_endpoint(&self) -> Option<&'static Endpoint> {
        let endpoints: &'static [Endpoint] = self.endpoints;
        endpoints.iter().find(|e| e.is_unbound())
    }

    /// Columns some endpoint binds, in declaration order, deduplicated.
    pub fn bound_columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for b in self.endpoints.iter().flat_map(|e| e.binds) {
            if !out.contains(&b.column) {
                out.push(b.column);
            }
        }
        out
    }
}

/// A resolved column source: catalog-declared or a user-declared extra key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    Catalog(Source),
    ExtraKey(String),
}

#[cfg(test)]
mod tests;

/// Objects are identified by their `object` option value.
impl PartialEq for ObjectSpec {
    fn eq(&self, other: &Self) -> bool {
        self.object == other.object
    }
}
