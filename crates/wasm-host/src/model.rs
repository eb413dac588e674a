//! Version-neutral values exchanged between Postgres and a Wasm guest.
//!
//! The WIT packages 0.1.0 and 0.2.0 each generate their own Rust types; the
//! host keeps one model (a superset: 0.2.0 plus nothing) so that the
//! Postgres side is written once and each binding only converts.

/// A data cell as the guest sees it (the WIT `cell` variant of 0.2.0).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Bool(bool),
    I8(i8),
    I16(i16),
    F32(f32),
    I32(i32),
    F64(f64),
    I64(i64),
    Numeric(f64),
    String(String),
    /// seconds since the Unix epoch
    Date(i64),
    /// microseconds since the Unix epoch
    Timestamp(i64),
    /// microseconds since the Unix epoch (UTC)
    Timestamptz(i64),
    Json(String),
    Uuid(String),
    Other(String),
}

impl Cell {
    /// The WIT case name, used in error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Cell::Bool(_) => "bool",
            Cell::I8(_) => "i8",
            Cell::I16(_) => "i16",
            Cell::F32(_) => "f32",
            Cell::I32(_) => "i32",
            Cell::F64(_) => "f64",
            Cell::I64(_) => "i64",
            Cell::Numeric(_) => "numeric",
            Cell::String(_) => "string",
            Cell::Date(_) => "date",
            Cell::Timestamp(_) => "timestamp",
            Cell::Timestamptz(_) => "timestamptz",
            Cell::Json(_) => "json",
            Cell::Uuid(_) => "uuid",
            Cell::Other(_) => "other",
        }
    }
}

/// A column type as the guest sees it (the WIT `type-oid` variant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeOid {
    Bool,
    I8,
    I16,
    F32,
    I32,
    F64,
    I64,
    Numeric,
    String,
    Date,
    Timestamp,
    Timestamptz,
    Json,
    Uuid,
    /// any other Postgres type, by name (0.2.0 guests only)
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Cell(Cell),
    Array(Vec<Cell>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub id: u32,
    pub type_oid: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Qual {
    pub field: String,
    pub operator: String,
    pub value: Value,
    pub use_or: bool,
    pub param: Option<Param>,
}

impl Qual {
    /// `field op value`, as Supabase's host renders it, but total: a
    /// `<> ALL (array)` qual renders as an `and` list instead of panicking.
    pub fn deparse(&self) -> String {
        let one = |cell: &Cell| -> String {
            match (self.operator.as_str(), cell) {
                ("is" | "is not", Cell::String(s)) if s == "null" => {
                    format!("{} {} null", self.field, self.operator)
                }
                ("~~", c) => format!("{} like {}", self.field, cell_literal(c)),
                ("!~~", c) => format!("{} not like {}", self.field, cell_literal(c)),
                (op, c) => format!("{} {} {}", self.field, op, cell_literal(c)),
            }
        };
        match &self.value {
            Value::Cell(c) => one(c),
            Value::Array(cells) => {
                let joiner = if self.use_or { " or " } else { " and " };
                cells.iter().map(one).collect::<Vec<_>>().join(joiner)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// 1-based attribute number
    pub num: u32,
    pub type_oid: TypeOid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub field: String,
    pub field_no: u32,
    pub reversed: bool,
    pub nulls_first: bool,
    pub collate: Option<String>,
}

impl Sort {
    pub fn deparse(&self) -> String {
        format!(
            "{} {} {}",
            self.field,
            if self.reversed { "desc" } else { "asc" },
            if self.nulls_first { "nulls first" } else { "nulls last" }
        )
    }

    pub fn deparse_with_collate(&self) -> String {
        match &self.collate {
            Some(c) => format!("{} collate {c}", self.deparse()),
            None => self.deparse(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub count: i64,
    pub offset: i64,
}

impl Limit {
    pub fn deparse(&self) -> String {
        format!("limit {} offset {}", self.count, self.offset)
    }
}

/// Column names and cells of one row, in step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowData {
    pub cols: Vec<String>,
    pub cells: Vec<Option<Cell>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionsKind {
    Server,
    Table,
    ImportSchema,
}

/// A write statement's operation (the optional `modify` export).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOperation {
    Insert,
    Update,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportListType {
    All,
    LimitTo,
    Except,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportStmt {
    pub server_name: String,
    pub remote_schema: String,
    pub local_schema: String,
    pub list_type: ImportListType,
    pub table_list: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    CreateTimes,
    RowsIn,
    RowsOut,
    BytesIn,
    BytesOut,
}

impl Metric {
    pub fn column(self) -> &'static str {
        match self {
            Metric::CreateTimes => "create_times",
            Metric::RowsIn => "rows_in",
            Metric::RowsOut => "rows_out",
            Metric::BytesIn => "bytes_in",
            Metric::BytesOut => "bytes_out",
        }
    }
}

/// Renders a cell the way `utils.cell-to-string` promises: strings and
/// dates single-quoted, numbers plain.
pub fn cell_literal(cell: &Cell) -> String {
    match cell {
        Cell::Bool(v) => v.to_string(),
        Cell::I8(v) => v.to_string(),
        Cell::I16(v) => v.to_string(),
        Cell::F32(v) => v.to_string(),
        Cell::I32(v) => v.to_string(),
        Cell::F64(v) => v.to_string(),
        Cell::I64(v) => v.to_string(),
        Cell::Numeric(v) => v.to_string(),
        Cell::String(v) | Cell::Uuid(v) | Cell::Other(v) => format!("'{v}'"),
        Cell::Json(v) => v.clone(),
        Cell::Date(secs) => match chrono::DateTime::from_timestamp(*secs, 0) {
            Some(t) => format!("'{}'", t.format("%Y-%m-%d")),
            None => format!("'{secs}'"),
        },
        Cell::Timestamp(us) => match chrono::DateTime::from_timestamp_micros(*us) {
            Some(t) => format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.f")),
            None => format!("'{us}'"),
        },
        Cell::Timestamptz(us) => match chrono::DateTime::from_timestamp_micros(*us) {
            Some(t) => format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.f+00")),
            None => format!("'{us}'"),
        },
    }
}
