//! `supabase:wrappers@0.1.0`: bindings and conversions to the host model.
//!
//! 0.1.0 has no `uuid` and no `other` cells or types and no import-schema
//! options: uuids travel as strings, anything else is an error (never a
//! panic, as in Supabase's host).

use crate::host::HostTrap;
use crate::model;

wasmtime::component::bindgen!({
    path: "../../wit/v1",
    world: "wrappers",
    imports: { default: trappable },
    with: {
        "supabase:wrappers/types.row": crate::host::RowRes,
        "supabase:wrappers/types.column": crate::host::ColumnRes,
        "supabase:wrappers/types.qual": crate::host::QualRes,
        "supabase:wrappers/types.sort": crate::host::SortRes,
        "supabase:wrappers/types.limit": crate::host::LimitRes,
        "supabase:wrappers/types.options": crate::host::OptionsRes,
        "supabase:wrappers/types.context": crate::host::ContextRes,
    },
});

crate::bindings::impl_hosts!(self::supabase::wrappers);

use wit::types::{Cell as WCell, TypeOid as WTypeOid};

pub(crate) fn cell_to_wit(c: &model::Cell) -> Result<WCell, HostTrap> {
    use model::Cell as C;
    Ok(match c.clone() {
        C::Bool(v) => WCell::Bool(v),
        C::I8(v) => WCell::I8(v),
        C::I16(v) => WCell::I16(v),
        C::F32(v) => WCell::F32(v),
        C::I32(v) => WCell::I32(v),
        C::F64(v) => WCell::F64(v),
        C::I64(v) => WCell::I64(v),
        C::Numeric(v) => WCell::Numeric(v),
        C::String(v) | C::Uuid(v) => WCell::String(v),
        C::Date(v) => WCell::Date(v),
        C::Timestamp(v) => WCell::Timestamp(v),
        C::Timestamptz(v) => WCell::Timestamptz(v),
        C::Json(v) => WCell::Json(v),
        C::Other(_) => {
            return Err(HostTrap(
                "this value has no representation in supabase:wrappers@0.1.0".to_owned(),
            ))
        }
    })
}

pub(crate) fn cell_from_wit(c: WCell) -> model::Cell {
    use model::Cell as C;
    match c {
        WCell::Bool(v) => C::Bool(v),
        WCell::I8(v) => C::I8(v),
        WCell::I16(v) => C::I16(v),
        WCell::F32(v) => C::F32(v),
        WCell::I32(v) => C::I32(v),
        WCell::F64(v) => C::F64(v),
        WCell::I64(v) => C::I64(v),
        WCell::Numeric(v) => C::Numeric(v),
        WCell::String(v) => C::String(v),
        WCell::Date(v) => C::Date(v),
        WCell::Timestamp(v) => C::Timestamp(v),
        WCell::Timestamptz(v) => C::Timestamptz(v),
        WCell::Json(v) => C::Json(v),
    }
}

fn type_oid_to_wit(t: &model::TypeOid) -> Result<WTypeOid, HostTrap> {
    use model::TypeOid as T;
    Ok(match t {
        T::Bool => WTypeOid::Bool,
        T::I8 => WTypeOid::I8,
        T::I16 => WTypeOid::I16,
        T::F32 => WTypeOid::F32,
        T::I32 => WTypeOid::I32,
        T::F64 => WTypeOid::F64,
        T::I64 => WTypeOid::I64,
        T::Numeric => WTypeOid::Numeric,
        T::String | T::Uuid => WTypeOid::String,
        T::Date => WTypeOid::Date,
        T::Timestamp => WTypeOid::Timestamp,
        T::Timestamptz => WTypeOid::Timestamptz,
        T::Json => WTypeOid::Json,
        T::Other(name) => {
            return Err(HostTrap(format!(
                "column type \"{name}\" is not supported by supabase:wrappers@0.1.0 guests"
            )))
        }
    })
}

fn value_to_wit(v: &model::Value) -> Result<wit::types::Value, HostTrap> {
    Ok(match v {
        model::Value::Cell(c) => wit::types::Value::Cell(cell_to_wit(c)?),
        model::Value::Array(cells) => wit::types::Value::Array(
            cells.iter().map(cell_to_wit).collect::<Result<Vec<_>, _>>()?,
        ),
    })
}

fn options_kind(t: wit::types::OptionsType) -> Result<OptionsKind, HostTrap> {
    match t {
        wit::types::OptionsType::Server => Ok(OptionsKind::Server),
        wit::types::OptionsType::Table => Ok(OptionsKind::Table),
    }
}
