//! The extension's errors, and the one place where they become a Postgres
//! ERROR (SQLSTATE, message, detail, hint).
//!
//! No variant carries key material or plaintext: a secret's id may appear in a
//! message, its value never does.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

use crate::crypto::{CryptoError, RootKeyFormatError};

/// Why the root key is not in memory. Shown as the DETAIL of
/// "vault root key is not loaded"; the startup log has the same text.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyLoadFailure {
    #[error("supabase_vault was not loaded through shared_preload_libraries")]
    NotPreloaded,
    #[error("vault.getkey_script is empty")]
    NoScript,
    #[error("the vault.getkey_script program could not be started: {0}")]
    NotStarted(String),
    #[error("the vault.getkey_script program {0}")]
    Failed(String),
    #[error("the output of the vault.getkey_script program is not a root key: {0}")]
    BadOutput(RootKeyFormatError),
    #[error("the root key could not be used: {0}")]
    Unusable(CryptoError),
}

impl KeyLoadFailure {
    fn hint(&self) -> &'static str {
        match self {
            Self::NotPreloaded => {
                "add supabase_vault to shared_preload_libraries in postgresql.conf and restart the server"
            }
            Self::NoScript | Self::NotStarted(_) => {
                "install the default getkey script as <sharedir>/extension/supabase_vault_getkey \
                 (executable), or set vault.getkey_script to a program that prints the root key, \
                 and restart the server"
            }
            _ => {
                "fix the program named by vault.getkey_script (its first output line must be 64 \
                 hexadecimal characters) and restart the server; the server log has the details"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("vault root key is not loaded")]
    KeyNotLoaded(KeyLoadFailure),
    #[error("could not decrypt secret \"{id}\"")]
    Decrypt { id: String, reason: DecryptFailure },
    #[error("could not encrypt secret \"{id}\"")]
    Encrypt { id: String, reason: CryptoError },
    #[error("could not generate a nonce")]
    Nonce(CryptoError),
}

/// Why a stored secret did not decrypt. Never carries the bytes involved.
#[derive(Debug, thiserror::Error)]
pub enum DecryptFailure {
    #[error("the secret column is not valid base64")]
    NotBase64,
    #[error(transparent)]
    Crypto(CryptoError),
    #[error("the decrypted value is not valid UTF-8")]
    NotUtf8,
}

pub type VaultResult<T> = Result<T, VaultError>;

impl VaultError {
    /// The single mapping from our errors to what a SQL client sees.
    #[track_caller]
    pub fn into_report(self) -> ErrorReport {
        let message = self.to_string();
        match self {
            Self::KeyNotLoaded(failure) => ErrorReport::new(
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                message,
                "supabase_vault",
            )
            .set_detail(failure.to_string())
            .set_hint(failure.hint()),
            Self::Decrypt { reason, .. } => {
                let hint = match reason {
                    DecryptFailure::Crypto(CryptoError::Unauthentic) => {
                        "the row's secret, nonce or id was changed outside vault.create_secret and \
                         vault.update_secret, or it was encrypted under another root key; restore \
                         the row, or set the value again with vault.update_secret"
                    }
                    _ => "set the value again with vault.update_secret",
                };
                ErrorReport::new(
                    PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
                    message,
                    "supabase_vault",
                )
                .set_detail(reason.to_string())
                .set_hint(hint)
            }
            Self::Encrypt { reason, .. } | Self::Nonce(reason) => ErrorReport::new(
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                message,
                "supabase_vault",
            )
            .set_detail(reason.to_string()),
        }
    }
}
