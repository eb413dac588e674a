//! The object catalog: one entry per foreign table, the single source of
//! truth for endpoint paths, columns, pushdown rules, IMPORT FOREIGN SCHEMA
//! and the per-object docs. Adding a Clerk object means adding one
//! [`ObjectSpec`] to [`CATALOG`] and nothing else.

use crate::cell::SqlType;
use crate::error::{CoreError, CoreResult};

/// How a list endpoint wraps its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// A bare JSON array, no total (e.g. `GET /users`).
    BareArray,
    /// `{"data": [...], "total_count": N}` (e.g. `GET /organizations`).
    DataTotalCount,
}

/// Column types the catalog declares (a `Copy` subset of [`SqlType`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Bool,
    I32,
    I64,
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
    /// `col = v` and `col IN (...)`: the parameter repeated once per value.
    /// `signed_ids`: the API reads a leading `+`/`-` as include/exclude, so
    /// such values are never pushed.
    Equals { signed_ids: bool, max_values: usize },
    /// `col = v` pushed as a single fuzzy search parameter (a superset).
    Search,
    /// `col = true|false`, `col IS [NOT] TRUE|FALSE` on a boolean column.
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
#[derive(Debug, Clone, Copy)]
pub struct FilterSpec {
    pub column: &'static str,
    pub param: &'static str,
    pub kind: FilterKind,
    /// The API returns exactly the rows matching the qual (not a superset),
    /// so the qual counts as fully handled (which allows LIMIT pushdown).
    pub exact: bool,
}

/// A field the list endpoint's `order_by` accepts.
#[derive(Debug, Clone, Copy)]
pub struct OrderSpec {
    /// Column of the table sorted by this field.
    pub column: &'static str,
    /// Name the API expects in `order_by`.
    pub field: &'static str,
    /// The API's order equals Postgres' order of the column's values (no
    /// NULLs, no collation question), so a LIMIT under this sort is exact.
    pub total: bool,
}

/// One foreign table backed by one Clerk list endpoint.
#[derive(Debug, Clone, Copy)]
pub struct ObjectSpec {
    /// Foreign table name created by IMPORT FOREIGN SCHEMA.
    pub table: &'static str,
    /// Value of the table option `object`.
    pub object: &'static str,
    /// List endpoint path, relative to `api_url`.
    pub list_path: &'static str,
    /// Get-by-id path with an `{id}` placeholder.
    pub get_path: Option<&'static str>,
    pub envelope: Envelope,
    /// Largest `limit` the endpoint accepts.
    pub page_size_max: u32,
    pub order_by: &'static [OrderSpec],
    /// The endpoint's own default order (what a request without `order_by`
    /// returns), documented for EXPLAIN and docs.
    pub default_order: &'static str,
    pub columns: &'static [ColumnSpec],
    pub filters: &'static [FilterSpec],
    /// Columns whose `= 'literal'` is answered by the get-by-id path (the
    /// endpoint accepts them in `{id}`); Postgres re-checks the row.
    pub lookup_columns: &'static [&'static str],
    pub doc: &'static str,
}

/// The name of the column holding the whole object as jsonb.
pub const ATTRS_COLUMN: &str = "attrs";

/// Every object the wrapper supports, in table-name order.
pub static CATALOG: &[ObjectSpec] = &[ORGANIZATIONS, USERS];

const fn col(name: &'static str, ty: ColType, nullable: bool, doc: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        source: Source::Key(name),
        nullable,
        needs_param: None,
        doc,
    }
}

const fn attrs() -> ColumnSpec {
    ColumnSpec {
        name: ATTRS_COLUMN,
        ty: ColType::Jsonb,
        source: Source::Whole,
        nullable: false,
        needs_param: None,
        doc: "the whole API object",
    }
}

const MAX_FILTER_VALUES: usize = 100;

const USERS: ObjectSpec = ObjectSpec {
    table: "users",
    object: "users",
    list_path: "/users",
    get_path: Some("/users/{id}"),
    envelope: Envelope::BareArray,
    page_size_max: 500,
    order_by: &[
        OrderSpec { column: "created_at", field: "created_at", total: true },
        OrderSpec { column: "updated_at", field: "updated_at", total: true },
        OrderSpec { column: "email", field: "email_address", total: false },
        OrderSpec { column: "first_name", field: "first_name", total: false },
        OrderSpec { column: "last_name", field: "last_name", total: false },
        OrderSpec { column: "phone", field: "phone_number", total: false },
        OrderSpec { column: "username", field: "username", total: false },
        OrderSpec { column: "last_active_at", field: "last_active_at", total: false },
        OrderSpec { column: "last_sign_in_at", field: "last_sign_in_at", total: false },
    ],
    default_order: "-created_at",
    columns: &[
        col("id", ColType::Text, false, "user id (`user_...`)"),
        col("external_id", ColType::Text, true, "id of the user in an external system"),
        col("username", ColType::Text, true, "username"),
        col("first_name", ColType::Text, true, "first name"),
        col("last_name", ColType::Text, true, "last name"),
        ColumnSpec {
            name: "email",
            ty: ColType::Text,
            source: Source::PrimaryOf {
                list: "email_addresses",
                id_key: "primary_email_address_id",
                value_key: "email_address",
            },
            nullable: true,
            needs_param: None,
            doc: "primary email address",
        },
        col("primary_email_address_id", ColType::Text, true, "id of the primary email address"),
        ColumnSpec {
            name: "phone",
            ty: ColType::Text,
            source: Source::PrimaryOf {
                list: "phone_numbers",
                id_key: "primary_phone_number_id",
                value_key: "phone_number",
            },
            nullable: true,
            needs_param: None,
            doc: "primary phone number",
        },
        col("primary_phone_number_id", ColType::Text, true, "id of the primary phone number"),
        col("image_url", ColType::Text, true, "profile image url"),
        col("has_image", ColType::Bool, false, "whether the user uploaded a profile image"),
        col("banned", ColType::Bool, false, "whether the user is banned"),
        col("locked", ColType::Bool, false, "whether the user is locked out"),
        col("last_sign_in_at", ColType::Timestamptz, true, "last sign-in time"),
        col("last_active_at", ColType::Timestamptz, true, "last activity (day precision)"),
        col("public_metadata", ColType::Jsonb, true, "public metadata"),
        col("private_metadata", ColType::Jsonb, true, "private metadata"),
        col("unsafe_metadata", ColType::Jsonb, true, "unsafe metadata"),
        col("email_addresses", ColType::Jsonb, true, "every email address of the user"),
        col("created_at", ColType::Timestamptz, false, "creation time"),
        col("updated_at", ColType::Timestamptz, false, "last update time"),
        attrs(),
    ],
    filters: &[
        FilterSpec {
            column: "id",
            param: "user_id",
            kind: FilterKind::Equals { signed_ids: true, max_values: MAX_FILTER_VALUES },
            exact: true,
        },
        FilterSpec {
            column: "external_id",
            param: "external_id",
            kind: FilterKind::Equals { signed_ids: true, max_values: MAX_FILTER_VALUES },
            exact: true,
        },
        // Clerk normalises usernames, phone numbers and emails before
        // matching, so these return a superset that Postgres narrows.
        FilterSpec {
            column: "username",
            param: "username",
            kind: FilterKind::Equals { signed_ids: false, max_values: MAX_FILTER_VALUES },
            exact: false,
        },
        // `email_address` matches any of the user's addresses, not only the
        // primary one the `email` column shows.
        FilterSpec {
            column: "email",
            param: "email_address",
            kind: FilterKind::Equals { signed_ids: false, max_values: MAX_FILTER_VALUES },
            exact: false,
        },
        FilterSpec {
            column: "phone",
            param: "phone_number",
            kind: FilterKind::Equals { signed_ids: false, max_values: MAX_FILTER_VALUES },
            exact: false,
        },
        FilterSpec { column: "banned", param: "banned", kind: FilterKind::Boolean, exact: true },
        FilterSpec {
            column: "created_at",
            param: "created_at",
            kind: FilterKind::TimeRange { after: "created_at_after", before: "created_at_before" },
            exact: false,
        },
        FilterSpec {
            column: "last_active_at",
            param: "last_active_at",
            kind: FilterKind::TimeRange {
                after: "last_active_at_after",
                before: "last_active_at_before",
            },
            exact: false,
        },
        FilterSpec {
            column: "last_sign_in_at",
            param: "last_sign_in_at",
            kind: FilterKind::TimeRange {
                after: "last_sign_in_at_after",
                before: "last_sign_in_at_before",
            },
            exact: false,
        },
    ],
    lookup_columns: &["id"],
    doc: "Users of the Clerk instance (`GET /users`, `GET /users/{id}`).",
};

const ORGANIZATIONS: ObjectSpec = ObjectSpec {
    table: "organizations",
    object: "organizations",
    list_path: "/organizations",
    get_path: Some("/organizations/{id}"),
    envelope: Envelope::DataTotalCount,
    page_size_max: 500,
    order_by: &[
        OrderSpec { column: "created_at", field: "created_at", total: true },
        OrderSpec { column: "name", field: "name", total: false },
        OrderSpec { column: "members_count", field: "members_count", total: true },
    ],
    default_order: "-created_at",
    columns: &[
        col("id", ColType::Text, false, "organization id (`org_...`)"),
        col("name", ColType::Text, false, "name"),
        col("slug", ColType::Text, false, "unique slug"),
        col("image_url", ColType::Text, true, "logo url"),
        col("has_image", ColType::Bool, false, "whether a logo was uploaded"),
        ColumnSpec {
            name: "members_count",
            ty: ColType::I32,
            source: Source::Key("members_count"),
            nullable: false,
            needs_param: Some(("include_members_count", "true")),
            doc: "number of members",
        },
        col("max_allowed_memberships", ColType::I32, false, "membership limit (0 = unlimited)"),
        col("admin_delete_enabled", ColType::Bool, false, "whether admins may delete it"),
        col("created_by", ColType::Text, true, "id of the user who created it"),
        col("public_metadata", ColType::Jsonb, true, "public metadata"),
        col("private_metadata", ColType::Jsonb, true, "private metadata"),
        col("created_at", ColType::Timestamptz, false, "creation time"),
        col("updated_at", ColType::Timestamptz, false, "last update time"),
        attrs(),
    ],
    filters: &[
        FilterSpec {
            column: "id",
            param: "organization_id",
            kind: FilterKind::Equals { signed_ids: true, max_values: MAX_FILTER_VALUES },
            exact: true,
        },
        // `query` matches the id exactly and name/slug partially: a superset.
        FilterSpec { column: "slug", param: "query", kind: FilterKind::Search, exact: false },
        FilterSpec { column: "name", param: "query", kind: FilterKind::Search, exact: false },
    ],
    // `GET /organizations/{id}` accepts an id or a slug.
    lookup_columns: &["id", "slug"],
    doc: "Organizations of the Clerk instance (`GET /organizations`, `GET /organizations/{id}`).",
};

/// Names of every supported `object`, sorted, comma separated (for hints).
pub fn supported_objects() -> String {
    let mut names: Vec<&str> = CATALOG.iter().map(|o| o.object).collect();
    names.sort_unstable();
    names.join(", ")
}

/// Looks up the catalog entry for a table's `object` option.
pub fn lookup(object: &str) -> CoreResult<&'static ObjectSpec> {
    CATALOG
        .iter()
        .find(|o| o.object == object)
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

    pub fn filter_for(&self, column: &str) -> Option<&FilterSpec> {
        self.filters.iter().find(|f| f.column == column)
    }

    pub fn order_for(&self, column: &str) -> Option<&OrderSpec> {
        self.order_by.iter().find(|o| o.column == column)
    }
}

/// A resolved column source: catalog-declared or a user-declared extra key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    Catalog(Source),
    ExtraKey(String),
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;

/// Objects are identified by their `object` option value.
impl PartialEq for ObjectSpec {
    fn eq(&self, other: &Self) -> bool {
        self.object == other.object
    }
}
