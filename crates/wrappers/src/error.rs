//! The one place where host errors become a Postgres ERROR: SQLSTATE,
//! message and hint.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;
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

impl From<FdwError> for ErrorReport {
    fn from(FdwError(e): FdwError) -> Self {
        let code = match e.kind() {
            ErrorKind::OptionNameNotFound => PgSqlErrorCode::ERRCODE_FDW_OPTION_NAME_NOT_FOUND,
            ErrorKind::InvalidOption => PgSqlErrorCode::ERRCODE_FDW_INVALID_OPTION_NAME,
            ErrorKind::InvalidDataType => PgSqlErrorCode::ERRCODE_FDW_INVALID_DATA_TYPE,
            ErrorKind::FdwError => PgSqlErrorCode::ERRCODE_FDW_ERROR,
        };
        let hint = e.hint();
        let report = ErrorReport::new(code, e.to_string(), "wasm_fdw");
        match hint {
            Some(h) => report.set_hint(h),
            None => report,
        }
    }
}
