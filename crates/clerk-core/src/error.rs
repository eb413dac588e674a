//! Typed errors of the core, and the one function that renders any of them
//! as the WIT `fdw-error` string.
//!
//! Convention (understood by our host, shown verbatim by Supabase's): the
//! message, lower case with names in double quotes, optionally followed by a
//! line break, `HINT: ` and a hint saying what to do, optionally followed by
//! a line break, `SQLSTATE: ` and the five-character code. No error ever carries
//! the API key or the `authorization` header: the key only travels in a
//! header, never in a URL, and [`redact`] scrubs anything that looks like a
//! Clerk secret from text that came from outside.

use thiserror::Error;

pub type CoreResult<T> = Result<T, CoreError>;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CoreError {
    #[error("object \"{object}\" is not supported")]
    UnsupportedObject { object: String },

    #[error("{kind} option \"{option}\" is required")]
    MissingOption { kind: &'static str, option: String },

    #[error("server option \"api_key\" or \"api_key_id\" is required")]
    MissingApiKey,

    /// The vault has no secret with the id or name given in `api_key_id`
    /// (the id is not secret; the key it resolves to is).
    #[error("vault secret \"{id}\" named by server option \"api_key_id\" was not found")]
    SecretNotFound { id: String },

    #[error("the clerk api key is empty")]
    EmptyApiKey { option: &'static str },

    #[error("server option \"api_url\" is invalid: {reason}")]
    InvalidApiUrl { reason: String },

    #[error("server option \"{option}\" must be {expected}, not \"{value}\"")]
    InvalidOption { option: &'static str, value: String, expected: &'static str },

    /// Clerk answered with its own error body.
    #[error("clerk api returned {status} ({code}): {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        trace_id: Option<String>,
        list_request: bool,
    },

    /// An error status without a Clerk error body (a proxy, a wrong url).
    #[error("clerk api returned {status}: {excerpt}")]
    HttpStatus { status: u16, excerpt: String, list_request: bool },

    /// The host could not complete the request (connection, timeout, ...).
    #[error("request to the clerk api failed: {0}")]
    Transport(String),

    #[error("clerk api returned the same page again at offset {offset} of {path}: the server seems to ignore offset")]
    PagingStuck { path: String, offset: u64 },

    #[error("the list {path} did not end after {pages} pages")]
    PagingRunaway { path: String, pages: u64 },

    #[error("clerk api rate limit still exceeded after {retries} retries and {waited_secs} s of waiting")]
    RateLimited { retries: u32, waited_secs: u64 },

    #[error("clerk api returned a body that is not valid json ({reason}), starting with \"{excerpt}\"")]
    InvalidJson { reason: String, excerpt: String },

    #[error("clerk api returned {got} where {expected} was expected")]
    UnexpectedShape { expected: &'static str, got: &'static str },

    #[error(
        "cannot convert column \"{}\" of {} \"{}\": json {} {} cannot become {}",
        .0.column, .0.object, .0.id, .0.json_type, .0.detail, .0.sql_type
    )]
    Decode(Box<DecodeFailure>),

    #[error("column \"{column}\" has type {type_name}, which the clerk wrapper cannot fill")]
    UnsupportedColumnType { column: String, type_name: String },

    /// Every endpoint of the table needs a value that the query's `where`
    /// does not give.
    #[error("a scan of \"{table}\" needs a condition on {}", quoted_list(columns))]
    MissingQual { table: &'static str, columns: Vec<&'static str>, example: String },

    #[error("{operation} on \"{table}\" is not supported by clerk")]
    NotWritable { table: &'static str, operation: &'static str, allowed: String },

    #[error("column \"{column}\" of \"{table}\" cannot be set by {operation}")]
    ColumnNotWritable { table: &'static str, operation: &'static str, column: String, writable: String },

    #[error("column \"attrs\" of \"{table}\" must be a json object to be sent as the request body, not {got}")]
    BadAttrs { table: &'static str, got: &'static str },

    #[error("the row id of \"{table}\" is null or empty")]
    BadRowId { table: &'static str },

    #[error("row id \"{id}\" does not name the {parts} ids this write needs")]
    BadCompositeId { id: String, parts: usize },

    #[error("an insert into \"{table}\" needs column \"{column}\"")]
    MissingWriteColumn { table: &'static str, column: &'static str },

    #[error("column \"{column}\" of \"{table}\" can only be set to true or false")]
    NullToggle { table: &'static str, column: &'static str },

    /// Clerk refused a write (a 4xx with its error body).
    #[error("clerk refused the {operation} on \"{table}\": {message}{}", column.as_ref().map(|c| format!(" (column \"{c}\")")).unwrap_or_default())]
    WriteRejected {
        table: &'static str,
        operation: &'static str,
        status: u16,
        code: String,
        message: String,
        column: Option<String>,
        /// Rows of the same statement already written before this one.
        written: u64,
    },

    #[error("{operation} on \"{object}\" is not supported yet")]
    NotSupported { operation: &'static str, object: String },

    /// A guest/host contract violation (e.g. `iter-scan` before `begin-scan`).
    #[error("{0}")]
    Internal(String),
}

/// Details of a value that could not become a cell (boxed: rare and big).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure {
    pub column: String,
    /// Singular object name, e.g. `user`.
    pub object: String,
    /// The API object's `id`, or `?`.
    pub id: String,
    pub json_type: &'static str,
    pub sql_type: String,
    pub detail: String,
}

impl CoreError {
    /// What the user can do about it, if there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            CoreError::UnsupportedObject { .. } => {
                Some(format!("supported objects: {}", crate::catalog::supported_objects()))
            }
            CoreError::MissingOption { option, .. } if option == "object" => Some(format!(
                "add options (object '...') to the foreign table; supported objects: {}",
                crate::catalog::supported_objects()
            )),
            CoreError::MissingOption { .. } => None,
            CoreError::MissingApiKey => Some(
                "set api_key to a clerk secret key, or api_key_id to the id or name of a vault secret holding it"
                    .into(),
            ),
            CoreError::SecretNotFound { .. } => Some(
                "check that the vault secret exists and that the current role can read vault.decrypted_secrets"
                    .into(),
            ),
            CoreError::EmptyApiKey { option } => {
                Some(format!("set server option \"{option}\" to a clerk secret key (sk_...)"))
            }
            CoreError::InvalidOption { option, .. } => {
                Some(format!("alter server ... options (set {option} '...'), or drop it for the default"))
            }
            CoreError::InvalidApiUrl { .. } => {
                Some("use an http(s) url such as https://api.clerk.com/v1".into())
            }
            CoreError::Api { status, list_request, trace_id, .. } => {
                let base = status_hint(*status, *list_request);
                match (base, trace_id) {
                    (Some(h), Some(t)) => Some(format!("{h} (clerk trace id {t})")),
                    (None, Some(t)) => Some(format!("clerk trace id {t}")),
                    (h, None) => h,
                }
            }
            CoreError::HttpStatus { status, list_request, .. } => status_hint(*status, *list_request),
            CoreError::Transport(_) => Some("check the api_url server option and the network".into()),
            CoreError::RateLimited { .. } => Some(
                "clerk allows 1000 requests per 10 s on production instances and 100 on development ones; retry later or narrow the query"
                    .into(),
            ),
            CoreError::PagingStuck { .. } | CoreError::PagingRunaway { .. } => Some(
                "the scan was stopped instead of reading forever; check that api_url points at clerk's backend api".into(),
            ),
            CoreError::InvalidJson { .. } | CoreError::UnexpectedShape { .. } => {
                Some("check that the api_url server option points at clerk's backend api (…/v1)".into())
            }
            CoreError::Decode(_) => {
                Some("declare the column as text or jsonb to receive the raw value".into())
            }
            CoreError::UnsupportedColumnType { .. } => Some(
                "use boolean, smallint, integer, bigint, real, double precision, numeric, text, date, timestamp, timestamptz, jsonb or uuid"
                    .into(),
            ),
            CoreError::MissingQual { table, example, .. } => Some(format!(
                "add it to the query, e.g. select * from {table} where {example}; an in (...) list makes one request per value"
            )),
            CoreError::NotSupported { .. } => {
                Some("the clerk wrapper is read-only for now".into())
            }
            CoreError::NotWritable { allowed, .. } => Some(format!("this table allows: {allowed}")),
            CoreError::ColumnNotWritable { writable, .. } => Some(format!("columns it can set: {writable}")),
            CoreError::BadAttrs { .. } => Some("e.g. attrs = '{\"first_name\": \"Ada\"}'".into()),
            CoreError::BadRowId { .. } | CoreError::NullToggle { .. } => None,
            CoreError::BadCompositeId { .. } => {
                Some("the row id column must hold the value a scan gives it, e.g. org_.../user_...".into())
            }
            CoreError::MissingWriteColumn { column, .. } => {
                Some(format!("it names the parent the row is created in: give {column} a value"))
            }
            CoreError::WriteRejected { written, status, .. } => {
                let done = match written {
                    0 => "no row of this statement was written".to_string(),
                    1 => "1 row of this statement was already written (writes are not rolled back in clerk)".to_string(),
                    n => format!("{n} rows of this statement were already written (writes are not rolled back in clerk)"),
                };
                Some(match status_hint(*status, false) {
                    Some(h) if *status == 401 || *status == 403 || *status >= 500 => format!("{h}; {done}"),
                    _ => done,
                })
            }
            CoreError::Internal(_) => None,
        }
    }

    /// The SQLSTATE our host raises for this error (`HV000`, the generic
    /// FDW error, when `None`).
    pub fn sqlstate(&self) -> Option<&'static str> {
        match self {
            // fdw_table_not_found
            CoreError::UnsupportedObject { .. } => Some("HV00R"),
            // fdw_option_name_not_found
            CoreError::MissingOption { .. } | CoreError::MissingApiKey => Some("HV00J"),
            // fdw_invalid_attribute_value
            CoreError::EmptyApiKey { .. } | CoreError::InvalidApiUrl { .. } | CoreError::InvalidOption { .. } => {
                Some("HV024")
            }
            CoreError::SecretNotFound { .. } => Some("HV024"),
            // fdw_dynamic_parameter_value_needed
            CoreError::MissingQual { .. } => Some("HV002"),
            // fdw_invalid_data_type
            CoreError::Decode(_) | CoreError::UnsupportedColumnType { .. } => Some("HV004"),
            // fdw_unable_to_establish_connection
            CoreError::Transport(_) => Some("HV00N"),
            CoreError::Api { status: 401, .. } | CoreError::HttpStatus { status: 401, .. } => {
                Some("28000")
            }
            CoreError::Api { status: 403, .. } | CoreError::HttpStatus { status: 403, .. } => {
                Some("42501")
            }
            CoreError::RateLimited { .. } => Some("53400"),
            CoreError::NotSupported { .. } | CoreError::NotWritable { .. } => Some("0A000"),
            // insufficient_privilege: the column is not the API's to set
            CoreError::ColumnNotWritable { .. } => Some("42501"),
            CoreError::BadAttrs { .. } => Some("22023"),
            CoreError::BadRowId { .. } | CoreError::NullToggle { .. } => Some("22004"),
            CoreError::BadCompositeId { .. } => Some("22023"),
            CoreError::MissingWriteColumn { .. } => Some("23502"),
            CoreError::WriteRejected { status, code, .. } => Some(write_sqlstate(*status, code)),
            _ => None,
        }
    }
}

/// The SQLSTATE of a refused write, from Clerk's status and error code.
fn write_sqlstate(status: u16, code: &str) -> &'static str {
    match (status, code) {
        (401, _) => "28000",
        (403, _) => "42501",
        // The row is gone (no_data_found).
        (404, _) => "P0002",
        (_, c) if c.ends_with("_exists") || c.contains("taken") || c.contains("duplicate") || c.starts_with("already_") => {
            "23505"
        }
        // A body key Clerk does not know (from attrs): undefined_column.
        (_, "form_param_unknown") => "42703",
        (_, c) if c.contains("missing") || c.contains("required") => "23502",
        (_, c) if c.contains("invalid") || c.contains("format") => "22023",
        (429, _) => "53400",
        (400..=499, _) => "23514",
        _ => "HV000",
    }
}

fn quoted_list(columns: &[&str]) -> String {
    columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(" and ")
}

fn status_hint(status: u16, list_request: bool) -> Option<String> {
    let h = match status {
        401 => "check the api_key or api_key_id server option",
        402 => "the clerk plan of this instance does not include this feature",
        403 => "the api key is not allowed to do this, or the instance lacks the feature",
        404 if list_request => "check the api_url server option and the table's object option",
        422 | 400 => "the request was rejected by clerk; please report this query to the wrapper's maintainers",
        429 => "retry later",
        500..=599 => "clerk may be unavailable; retry later",
        _ => return None,
    };
    Some(h.to_string())
}

/// Renders an error as the WIT `fdw-error` string: message, then optionally
/// `\nHINT: ` and the hint. Text that came from outside is redacted.
pub fn fdw_error(err: &CoreError) -> String {
    let mut text = redact(&err.to_string());
    if let Some(h) = err.hint() {
        text.push_str("\nHINT: ");
        text.push_str(&redact(&h));
    }
    if let Some(code) = err.sqlstate() {
        text.push_str(SQLSTATE_LINE);
        text.push_str(code);
    }
    text
}

/// Marks the SQLSTATE at the end of an `fdw-error` string (after the
/// optional hint). Our host raises the ERROR with that code and strips the
/// line; another host shows it as part of the message.
pub const SQLSTATE_LINE: &str = "\nSQLSTATE: ";

/// Like [`fdw_error`], also scrubbing every occurrence of `secret` (the API
/// key in use), however it got there.
pub fn fdw_error_redacting(err: &CoreError, secret: Option<&str>) -> String {
    let text = fdw_error(err);
    match secret {
        Some(s) if s.len() >= 4 => text.replace(s, "[redacted]"),
        _ => text,
    }
}

/// Replaces anything shaped like a Clerk secret key (`sk_live_...`,
/// `sk_test_...`) and bearer tokens with `[redacted]`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["sk_live_", "sk_test_", "Bearer ", "bearer "]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min_by_key(|(i, _)| *i);
        let Some((i, plen)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        let after = &rest[i + plen..];
        let token_len = after
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=')))
            .map_or(after.len(), |(j, _)| j);
        out.push_str("[redacted]");
        rest = &after[token_len..];
    }
}

/// A short, single-line, redacted excerpt of a response body for messages.
pub fn excerpt(body: &str) -> String {
    const MAX_CHARS: usize = 120;
    let mut s: String = body
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.chars().nth(MAX_CHARS).is_some() {
        s.push('…');
    }
    redact(s.trim())
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
