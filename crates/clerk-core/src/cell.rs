//! Typed cells and declared SQL types, owned by the core so that it needs no
//! WIT bindings. They mirror the WIT `cell` and `type-oid` variants case for
//! case; the guest converts with a plain `match`.

/// One typed value for a Postgres column, as the guest pushes it to the host.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Bool(bool),
    /// Postgres `"char"`.
    I8(i8),
    I16(i16),
    F32(f32),
    I32(i32),
    F64(f64),
    I64(i64),
    /// `numeric`, carried as a double by the contract (lossy).
    Numeric(f64),
    String(String),
    /// Seconds since the Unix epoch (midnight UTC of the day).
    Date(i64),
    /// Microseconds since the Unix epoch.
    Timestamp(i64),
    /// Microseconds since the Unix epoch, UTC.
    Timestamptz(i64),
    /// JSON text (the host stores `jsonb`).
    Json(String),
    /// Canonical text form of a UUID.
    Uuid(String),
}

/// The declared SQL type of a target column, as the host reports it through
/// `column.type-oid()`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SqlType {
    Bool,
    I8,
    I16,
    F32,
    I32,
    F64,
    I64,
    Numeric,
    Text,
    Date,
    Timestamp,
    Timestamptz,
    Jsonb,
    Uuid,
    /// A type the contract has no cell for; carries the host's name for it.
    Other(String),
}

impl SqlType {
    /// The SQL spelling used in generated DDL.
    pub fn sql_name(&self) -> &str {
        match self {
            SqlType::Bool => "boolean",
            SqlType::I8 => "\"char\"",
            SqlType::I16 => "smallint",
            SqlType::F32 => "real",
            SqlType::I32 => "integer",
            SqlType::F64 => "double precision",
            SqlType::I64 => "bigint",
            SqlType::Numeric => "numeric",
            SqlType::Text => "text",
            SqlType::Date => "date",
            SqlType::Timestamp => "timestamp",
            SqlType::Timestamptz => "timestamptz",
            SqlType::Jsonb => "jsonb",
            SqlType::Uuid => "uuid",
            SqlType::Other(name) => name,
        }
    }
}

impl Cell {
    /// The cell as a string value, if it is one (text, uuid). Used where a
    /// qual value must become a query parameter or a path segment.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::String(s) | Cell::Uuid(s) => Some(s),
            _ => None,
        }
    }
}
