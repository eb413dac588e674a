//! Postgres values <-> the guest model, checked both ways.
//!
//! A guest is untrusted input: the cell it pushes is checked against the
//! declared column type before it becomes a datum (a mismatched datum would
//! be misread by Postgres), and every failure is an ERROR naming the column,
//! never a panic.

use pgrx::prelude::*;
use pgrx::{AnyNumeric, JsonB};
use supabase_wrappers::prelude::Cell as PgCell;

use wasm_host::{HostError, HostResult};
use wasm_host::model::{Cell, TypeOid};

/// Microseconds between the Unix epoch and Postgres' epoch (2000-01-01).
const PG_EPOCH_OFFSET_US: i64 = 946_684_800_000_000;
/// Days between the two epochs.
const PG_EPOCH_OFFSET_DAYS: i64 = 10_957;

/// The guest-facing type of a Postgres column type.
pub fn type_oid_of(oid: pg_sys::Oid) -> TypeOid {
    match oid {
        pg_sys::BOOLOID => TypeOid::Bool,
        pg_sys::CHAROID => TypeOid::I8,
        pg_sys::INT2OID => TypeOid::I16,
        pg_sys::FLOAT4OID => TypeOid::F32,
        pg_sys::INT4OID => TypeOid::I32,
        pg_sys::FLOAT8OID => TypeOid::F64,
        pg_sys::INT8OID => TypeOid::I64,
        pg_sys::NUMERICOID => TypeOid::Numeric,
        pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID | pg_sys::NAMEOID => {
            TypeOid::String
        }
        pg_sys::DATEOID => TypeOid::Date,
        pg_sys::TIMESTAMPOID => TypeOid::Timestamp,
        pg_sys::TIMESTAMPTZOID => TypeOid::Timestamptz,
        pg_sys::JSONBOID | pg_sys::JSONOID => TypeOid::Json,
        pg_sys::UUIDOID => TypeOid::Uuid,
        other => TypeOid::Other(type_name(other)),
    }
}

pub fn type_name(oid: pg_sys::Oid) -> String {
    // SAFETY: format_type_be accepts any OID (unknown ones render as "???")
    // and returns a palloc'd C string in the current memory context.
    unsafe {
        let p = pg_sys::format_type_be(oid);
        if p.is_null() {
            return format!("oid {}", oid.to_u32());
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// A Postgres value (qual constant, inserted value, row id) for the guest.
pub fn to_guest(cell: &PgCell) -> HostResult<Cell> {
    Ok(match cell {
        PgCell::Bool(v) => Cell::Bool(*v),
        PgCell::I8(v) => Cell::I8(*v),
        PgCell::I16(v) => Cell::I16(*v),
        PgCell::F32(v) => Cell::F32(*v),
        PgCell::I32(v) => Cell::I32(*v),
        PgCell::F64(v) => Cell::F64(*v),
        PgCell::I64(v) => Cell::I64(*v),
        PgCell::Numeric(v) => Cell::Numeric(f64::try_from(v.clone()).map_err(|_| {
            HostError::conversion(format!("numeric value {v} cannot be passed to the wasm guest"))
        })?),
        PgCell::String(v) => Cell::String(v.clone()),
        PgCell::Date(d) => Cell::Date((i64::from(d.to_pg_epoch_days()) + PG_EPOCH_OFFSET_DAYS) * 86_400),
        PgCell::Timestamp(t) => {
            Cell::Timestamp(i64::from(*t).saturating_add(PG_EPOCH_OFFSET_US))
        }
        PgCell::Timestamptz(t) => {
            Cell::Timestamptz(i64::from(*t).saturating_add(PG_EPOCH_OFFSET_US))
        }
        PgCell::Json(j) => Cell::Json(j.0.to_string()),
        PgCell::Uuid(u) => Cell::Uuid(format_uuid(u.as_bytes())),
        other => {
            return Err(HostError::Conversion {
                message: format!("a value of this type cannot be passed to the wasm guest: {other}"),
                hint: Some("compare with text, numbers, booleans, dates, timestamps, jsonb or uuid".into()),
            })
        }
    })
}

fn format_uuid(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A guest cell for column `col` declared as `oid`.
pub fn from_guest(cell: Cell, col: &str, oid: pg_sys::Oid) -> HostResult<PgCell> {
    let mismatch = |cell: &Cell| HostError::Conversion {
        message: format!(
            "column \"{col}\" is declared as {} but the wasm guest returned a value of type {}",
            type_name(oid),
            cell.kind()
        ),
        hint: Some("declare the column with a type matching the API field, or as text or jsonb".into()),
    };
    let out_of_range = |what: &str| {
        HostError::conversion(format!(
            "value for column \"{col}\" is out of range for type {}: {what}",
            type_name(oid)
        ))
    };
    Ok(match (type_oid_of(oid), cell) {
        (TypeOid::Bool, Cell::Bool(v)) => PgCell::Bool(v),
        (TypeOid::I8, Cell::I8(v)) => PgCell::I8(v),
        (TypeOid::I16, Cell::I16(v)) => PgCell::I16(v),
        (TypeOid::I16, Cell::I32(v)) => {
            PgCell::I16(i16::try_from(v).map_err(|_| out_of_range(&v.to_string()))?)
        }
        (TypeOid::I16, Cell::I64(v)) => {
            PgCell::I16(i16::try_from(v).map_err(|_| out_of_range(&v.to_string()))?)
        }
        (TypeOid::I32, Cell::I16(v)) => PgCell::I32(i32::from(v)),
        (TypeOid::I32, Cell::I32(v)) => PgCell::I32(v),
        (TypeOid::I32, Cell::I64(v)) => {
            PgCell::I32(i32::try_from(v).map_err(|_| out_of_range(&v.to_string()))?)
        }
        (TypeOid::I64, Cell::I16(v)) => PgCell::I64(i64::from(v)),
        (TypeOid::I64, Cell::I32(v)) => PgCell::I64(i64::from(v)),
        (TypeOid::I64, Cell::I64(v)) => PgCell::I64(v),
        (TypeOid::F32, Cell::F32(v)) => PgCell::F32(v),
        (TypeOid::F64, Cell::F32(v)) => PgCell::F64(f64::from(v)),
        (TypeOid::F64, Cell::F64(v)) => PgCell::F64(v),
        (TypeOid::F64, Cell::I64(v)) => PgCell::F64(v as f64),
        (TypeOid::Numeric, Cell::Numeric(v) | Cell::F64(v)) => PgCell::Numeric(
            AnyNumeric::try_from(v).map_err(|_| out_of_range(&v.to_string()))?,
        ),
        (TypeOid::Numeric, Cell::I64(v)) => PgCell::Numeric(AnyNumeric::from(v)),
        (TypeOid::Numeric, Cell::I32(v)) => PgCell::Numeric(AnyNumeric::from(v)),
        (TypeOid::Numeric, Cell::String(v)) => PgCell::Numeric(
            AnyNumeric::try_from(v.as_str()).map_err(|_| out_of_range(&v))?,
        ),
        (TypeOid::String, Cell::String(v) | Cell::Uuid(v) | Cell::Other(v)) => PgCell::String(v),
        (TypeOid::String, Cell::Json(v)) => PgCell::String(v),
        (TypeOid::Date, Cell::Date(secs)) => {
            let days = secs.div_euclid(86_400) - PG_EPOCH_OFFSET_DAYS;
            let days = i32::try_from(days).map_err(|_| out_of_range(&secs.to_string()))?;
            PgCell::Date(pgrx::datum::Date::try_from(days).map_err(|_| out_of_range(&secs.to_string()))?)
        }
        (TypeOid::Timestamp, Cell::Timestamp(us) | Cell::Timestamptz(us)) => PgCell::Timestamp(
            pgrx::datum::Timestamp::try_from(
                us.checked_sub(PG_EPOCH_OFFSET_US).ok_or_else(|| out_of_range(&us.to_string()))?,
            )
            .map_err(|_| out_of_range(&us.to_string()))?,
        ),
        (TypeOid::Timestamptz, Cell::Timestamptz(us) | Cell::Timestamp(us)) => PgCell::Timestamptz(
            pgrx::datum::TimestampWithTimeZone::try_from(
                us.checked_sub(PG_EPOCH_OFFSET_US).ok_or_else(|| out_of_range(&us.to_string()))?,
            )
            .map_err(|_| out_of_range(&us.to_string()))?,
        ),
        (TypeOid::Json, Cell::Json(text)) => {
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                HostError::conversion(format!(
                    "value for column \"{col}\" is not valid JSON: {e}"
                ))
            })?;
            if oid == pg_sys::JSONOID {
                // json is stored as its text
                PgCell::String(value.to_string())
            } else {
                PgCell::Json(JsonB(value))
            }
        }
        (TypeOid::Uuid, Cell::Uuid(text) | Cell::String(text)) => {
            let u = uuid_bytes(&text).ok_or_else(|| {
                HostError::conversion(format!("value for column \"{col}\" is not a valid uuid: \"{text}\""))
            })?;
            PgCell::Uuid(pgrx::datum::Uuid::from_bytes(u))
        }
        (_, cell) => return Err(mismatch(&cell)),
    })
}

fn uuid_bytes(text: &str) -> Option<[u8; 16]> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let v = hex::decode(hex).ok()?;
    v.try_into().ok()
}
