//! Clerk FDW core: everything the guest does that is not I/O.
//!
//! - [`catalog`]: one entry per foreign table, the single source of truth;
//! - [`plan`]: quals, sorts and limit to one request plan;
//! - [`pager`]: offset paging that knows the next request ahead of time;
//! - [`decode`]: response bodies to rows of typed [`Cell`]s;
//! - [`response`]: status handling, Clerk's error body, 429 retries;
//! - [`import`]: IMPORT FOREIGN SCHEMA from the catalog;
//! - [`write`]: INSERT, UPDATE and DELETE as Clerk write requests;
//! - [`error`]: typed errors and the one `fdw-error` rendering.
//!
//! Pure Rust, no I/O, no clock: it builds natively and for
//! `wasm32-unknown-unknown` alike.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod cell;
pub mod count;
pub mod decode;
pub mod docs;
pub mod error;
pub mod explain;
pub mod import;
pub mod pager;
pub mod plan;
pub mod response;
pub mod returning;
pub mod time;
pub mod url;
pub mod write;

pub use catalog::{lookup, ObjectSpec, CATALOG};
pub use cell::{Cell, SqlType};
pub use decode::{Page, Projection};
pub use error::{fdw_error, fdw_error_redacting, CoreError, CoreResult};
pub use import::{import_foreign_schema, ImportListType, ImportStmt};
pub use pager::{PageRequest, Pager};
pub use plan::{
    plan_scan, Action, Fetch, Limit, Plan, Qual, QualValue, ScanInput, Sort, StopAt, TargetColumn,
};
pub use response::{RequestKind, RetryPolicy, RetryState};
pub use url::{ApiUrl, DEFAULT_API_URL};

/// The Clerk API version every request pins (`clerk-api-version` header).
pub const CLERK_API_VERSION: &str = "2026-05-12";
