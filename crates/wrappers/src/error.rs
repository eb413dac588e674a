//! The one place where host errors become a Postgres ERROR: SQLSTATE,
//! message and hint.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;
use wasm_host::error::Sqlstate;
use wasm_host::{ErrorKind, HostError};

/// [`HostError`] as the framework's error type (a local type, so that it can
/// convert into pgrx's `ErrorReport`).
#[derive(Debug)]
pub struct FdwError(pub HostError);

pub type FdwResult<T> = Result<T, FdwError>;

impl From<HostError> for FdwError {
    fn from(e: HostError) -> Self {
        FdwError(e)
    }
}

/// The Postgres error code of a guest's SQLSTATE: `MAKE_SQLSTATE` as in
/// `utils/elog.h`; a code Postgres does not know becomes HV000.
fn pg_error_code(code: Sqlstate) -> PgSqlErrorCode {
    let packed = code
        .as_bytes()
        .iter()
        .enumerate()
        .fold(0i32, |acc, (i, b)| acc + ((i32::from(*b).wrapping_sub(i32::from(b'0')) & 0x3F) << (6 * i)));
    match PgSqlErrorCode::from(packed) {
        PgSqlErrorCode::ERRCODE_INTERNAL_ERROR if code.as_bytes() != *b"XX000" => {
            PgSqlErrorCode::ERRCODE_FDW_ERROR
        }
        known => known,
    }
}

impl From<FdwError> for ErrorReport {
    fn from(FdwError(e): FdwError) -> Self {
        if matches!(e, HostError::Cancelled { .. }) {
            // Postgres' own error for the pending cancel: "canceling
            // statement due to user request" or "... statement timeout"
            pgrx::check_for_interrupts!();
        }
        let code = match e.kind() {
            ErrorKind::OptionNameNotFound => PgSqlErrorCode::ERRCODE_FDW_OPTION_NAME_NOT_FOUND,
            ErrorKind::InvalidOption => PgSqlErrorCode::ERRCODE_FDW_INVALID_OPTION_NAME,
            ErrorKind::InvalidDataType => PgSqlErrorCode::ERRCODE_FDW_INVALID_DATA_TYPE,
            ErrorKind::FdwError => PgSqlErrorCode::ERRCODE_FDW_ERROR,
            ErrorKind::Code(code) => pg_error_code(code),
        };
        let hint = e.hint();
        let report = ErrorReport::new(code, e.to_string(), "wasm_fdw");
        match hint {
            Some(h) => report.set_hint(h),
            None => report,
        }
    }
}
