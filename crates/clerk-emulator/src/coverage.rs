//! The coverage list's vocabulary: a Backend API operation (the spec's
//! method and path template, relative to `/v1`) and whether the emulator
//! serves it yet. Each resource module lists its own (`OPERATIONS` next to
//! its `routes()`); `crate::resources::OPERATIONS` gathers them.
//!
//! The conformance test (`tests/conformance.rs`) holds this list to the
//! vendored spec: every entry must be an operation of the spec with the same
//! method and path, every `Served` entry must be routed by `app()`, and every
//! `Pending` entry must not be (so the list cannot claim more or less than
//! the router does). Path parameter names are the spec's own.
//!
//! The lists among those operations that page by `limit`/`offset` are
//! described too (`PagedList`, each resource's `PAGED_LISTS`, gathered by
//! `crate::resources::paged_lists`), for the paging property
//! (`tests/paging_prop.rs`), which walks every one of them.

/// Whether the emulator answers an operation yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Served,
    Pending,
}

/// One operation: method, spec path template, status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub status: Status,
}

pub const fn op(method: &'static str, path: &'static str, status: Status) -> Operation {
    Operation {
        method,
        path,
        status,
    }
}

/// A list endpoint that pages by `limit` and `offset`, as the paging
/// property (`tests/paging_prop.rs`) walks it. Each resource module lists
/// its own (`PAGED_LISTS` next to its `OPERATIONS`);
/// `crate::resources::paged_lists` gathers them. The property's test holds
/// the list to the spec: every served `GET` the spec gives an `offset` is
/// here, unless its path names a parent (those it lists apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagedList {
    /// The path (with `/v1`) and a query of at least one parameter (`?x=1`
    /// when none is needed), to which the property appends its own.
    pub path: &'static str,
    /// How a page is wrapped.
    pub envelope: Envelope,
    /// The order the objects come in.
    pub order: ListOrder,
    /// The largest `limit` the endpoint accepts.
    pub max_limit: usize,
    /// For a list scoped to one owner, what its `subject` parameter names.
    pub scope: Option<Scope>,
    /// Which property walks it.
    pub property: Property,
}

/// How a list page is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// A bare array.
    Array,
    /// `{<key>: [...], total_count}`, with the items under this key.
    Counted(&'static str),
}

/// The order of a paged list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// `order_by` takes these fields of the object (`+`/`-` prefixed).
    Fields(&'static [&'static str]),
    /// `order_by` takes these fields, each but `created_at` read from the
    /// membership's user (`public_user_data.user_id`).
    UserFields(&'static [&'static str]),
    /// One fixed order: newest first by this field, then id.
    Newest(&'static str),
    /// One fixed order: by `amount`, then newest first, then id (billing
    /// prices).
    AmountThenNewest,
    /// One fixed order: by `position`, then id (templates).
    Position,
}

/// What a scoped list's `subject` parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A user or an organization (API keys).
    UserOrOrganization,
    /// A machine (M2M tokens).
    Machine,
}

/// Which paging property walks a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    /// The generic property every list goes through.
    Generic,
    /// A property of its own (users and organizations: filters, cursor).
    Own,
}

/// A paged list with the common defaults: counted under `data`, newest
/// first by `created_at`, `limit` up to 500, unscoped, generic property.
pub const fn paged(path: &'static str) -> PagedList {
    PagedList {
        path,
        envelope: Envelope::Counted("data"),
        order: ListOrder::Newest("created_at"),
        max_limit: 500,
        scope: None,
        property: Property::Generic,
    }
}

impl PagedList {
    pub const fn array(self) -> Self {
        Self {
            envelope: Envelope::Array,
            ..self
        }
    }

    pub const fn items(self, key: &'static str) -> Self {
        Self {
            envelope: Envelope::Counted(key),
            ..self
        }
    }

    pub const fn order(self, order: ListOrder) -> Self {
        Self { order, ..self }
    }

    pub const fn order_by(self, fields: &'static [&'static str]) -> Self {
        self.order(ListOrder::Fields(fields))
    }

    pub const fn max_limit(self, max_limit: usize) -> Self {
        Self { max_limit, ..self }
    }

    pub const fn scoped(self, scope: Scope) -> Self {
        Self {
            scope: Some(scope),
            ..self
        }
    }

    pub const fn own_property(self) -> Self {
        Self {
            property: Property::Own,
            ..self
        }
    }
}
