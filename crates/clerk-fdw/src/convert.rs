//! Conversions between the WIT types and `clerk_core`'s own.

use clerk_core::{Cell, ImportListType, QualValue, SqlType};

use crate::bindings::supabase::wrappers::types as wit;

pub fn cell_to_wit(cell: Cell) -> wit::Cell {
    match cell {
        Cell::Bool(v) => wit::Cell::Bool(v),
        Cell::I8(v) => wit::Cell::I8(v),
        Cell::I16(v) => wit::Cell::I16(v),
        Cell::F32(v) => wit::Cell::F32(v),
        Cell::I32(v) => wit::Cell::I32(v),
        Cell::F64(v) => wit::Cell::F64(v),
        Cell::I64(v) => wit::Cell::I64(v),
        Cell::Numeric(v) => wit::Cell::Numeric(v),
        Cell::String(v) => wit::Cell::String(v),
        Cell::Date(v) => wit::Cell::Date(v),
        Cell::Timestamp(v) => wit::Cell::Timestamp(v),
        Cell::Timestamptz(v) => wit::Cell::Timestamptz(v),
        Cell::Json(v) => wit::Cell::Json(v),
        Cell::Uuid(v) => wit::Cell::Uuid(v),
    }
}

/// `None` for `other(_)`, which no qual of ours can use.
pub fn cell_from_wit(cell: wit::Cell) -> Option<Cell> {
    Some(match cell {
        wit::Cell::Bool(v) => Cell::Bool(v),
        wit::Cell::I8(v) => Cell::I8(v),
        wit::Cell::I16(v) => Cell::I16(v),
        wit::Cell::F32(v) => Cell::F32(v),
        wit::Cell::I32(v) => Cell::I32(v),
        wit::Cell::F64(v) => Cell::F64(v),
        wit::Cell::I64(v) => Cell::I64(v),
        wit::Cell::Numeric(v) => Cell::Numeric(v),
        wit::Cell::String(v) => Cell::String(v),
        wit::Cell::Date(v) => Cell::Date(v),
        wit::Cell::Timestamp(v) => Cell::Timestamp(v),
        wit::Cell::Timestamptz(v) => Cell::Timestamptz(v),
        wit::Cell::Json(v) => Cell::Json(v),
        wit::Cell::Uuid(v) => Cell::Uuid(v),
        wit::Cell::Other(_) => return None,
    })
}

pub fn sql_type_from_wit(t: wit::TypeOid) -> SqlType {
    match t {
        wit::TypeOid::Bool => SqlType::Bool,
        wit::TypeOid::I8 => SqlType::I8,
        wit::TypeOid::I16 => SqlType::I16,
        wit::TypeOid::F32 => SqlType::F32,
        wit::TypeOid::I32 => SqlType::I32,
        wit::TypeOid::F64 => SqlType::F64,
        wit::TypeOid::I64 => SqlType::I64,
        wit::TypeOid::Numeric => SqlType::Numeric,
        wit::TypeOid::String => SqlType::Text,
        wit::TypeOid::Date => SqlType::Date,
        wit::TypeOid::Timestamp => SqlType::Timestamp,
        wit::TypeOid::Timestamptz => SqlType::Timestamptz,
        wit::TypeOid::Json => SqlType::Jsonb,
        wit::TypeOid::Uuid => SqlType::Uuid,
        wit::TypeOid::Other(name) => SqlType::Other(name),
    }
}

/// `None` when a cell cannot be understood (the qual stays with Postgres).
pub fn qual_value_from_wit(v: wit::Value) -> Option<QualValue> {
    match v {
        wit::Value::Cell(c) => cell_from_wit(c).map(QualValue::Cell),
        wit::Value::Array(cs) => cs
            .into_iter()
            .map(cell_from_wit)
            .collect::<Option<Vec<_>>>()
            .map(QualValue::Array),
    }
}

pub fn list_type_from_wit(t: wit::ImportSchemaType) -> ImportListType {
    match t {
        wit::ImportSchemaType::All => ImportListType::All,
        wit::ImportSchemaType::LimitTo => ImportListType::LimitTo,
        wit::ImportSchemaType::Except => ImportListType::Except,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip() {
        let cells = vec![
            Cell::Bool(true),
            Cell::I8(-3),
            Cell::I16(7),
            Cell::F32(1.5),
            Cell::I32(9),
            Cell::F64(2.5),
            Cell::I64(-1),
            Cell::Numeric(3.25),
            Cell::String("s".into()),
            Cell::Date(86_400),
            Cell::Timestamp(1),
            Cell::Timestamptz(2),
            Cell::Json("{}".into()),
            Cell::Uuid("00000000-0000-0000-0000-000000000000".into()),
        ];
        for c in cells {
            assert_eq!(cell_from_wit(cell_to_wit(c.clone())), Some(c));
        }
        assert_eq!(cell_from_wit(wit::Cell::Other("x".into())), None);
    }

    #[test]
    fn arrays_with_unknown_cells_are_not_understood() {
        let v = wit::Value::Array(vec![wit::Cell::String("a".into()), wit::Cell::Other("b".into())]);
        assert_eq!(qual_value_from_wit(v), None);
        assert_eq!(sql_type_from_wit(wit::TypeOid::Json), SqlType::Jsonb);
    }
}
