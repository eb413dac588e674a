//! The extension's errors, and the one place where they become a Postgres
//! ERROR (SQLSTATE, message, detail, hint).
//!
//! No variant carries key material or plaintext: a secret's id may appear in a
//! message, its value never does.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

use crate::crypto::{CryptoError, Fingerprint, RootKeyFormatError};
use crate::fingerprint_file::{FileError, FILE_NAME};

/// Where to get the old key back, for the hints.
const RESTORE_KEY: &str = "restore the root key they were encrypted under (the default \
     vault.getkey_script reads $PGDATA/supabase_vault_root.key: put that file back from a \
     backup) and restart the server";

/// Why the root key is not in memory. Shown as the DETAIL of
/// "vault root key is not loaded" (or "vault root key changed"); the startup
/// log has the same text.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyLoadFailure {
    #[error("supabase_vault was not loaded through shared_preload_libraries")]
    NotPreloaded,
    #[error("vault.getkey_script is empty")]
    NoScript,
    #[error("the vault.getkey_script program could not be started: {0}")]
    NotStarted(String),
    #[error("the vault.getkey_script program {status}{}", recorded_note(.recorded))]
    Failed {
        status: String,
        /// What `$PGDATA/supabase_vault_root.fingerprint` records, if anything.
        recorded: Option<Fingerprint>,
    },
    #[error(
        "the vault.getkey_script program did not finish within {0} s (vault.getkey_timeout) \
         and was killed, with every process it started"
    )]
    TimedOut(i32),
    #[error("the output of the vault.getkey_script program is not a root key: {0}")]
    BadOutput(RootKeyFormatError),
    #[error("the root key could not be used: {0}")]
    Unusable(CryptoError),
    #[error(
        "the vault.getkey_script program printed the root key with fingerprint {loaded}, but \
         the secrets on this server were encrypted under the root key with fingerprint \
         {recorded} (recorded in $PGDATA/{FILE_NAME})"
    )]
    KeyChanged {
        loaded: Fingerprint,
        recorded: Fingerprint,
    },
    #[error(transparent)]
    FingerprintFile(FileError),
}

fn recorded_note(recorded: &Option<Fingerprint>) -> String {
    match recorded {
        Some(fp) => format!(
            "; this server's secrets were encrypted under the root key with fingerprint {fp}"
        ),
        None => String::new(),
    }
}

impl KeyLoadFailure {
    /// The message of the ERROR (and of the startup WARNING).
    pub fn headline(&self) -> &'static str {
        match self {
            Self::KeyChanged { .. } => "vault root key changed",
            _ => "vault root key is not loaded",
        }
    }

    fn hint(&self) -> String {
        match self {
            Self::NotPreloaded => {
                "add supabase_vault to shared_preload_libraries in postgresql.conf and restart the server".into()
            }
            Self::NoScript | Self::NotStarted(_) => {
                "install the default getkey script as <sharedir>/extension/supabase_vault_getkey \
                 (executable), or set vault.getkey_script to a program that prints the root key, \
                 and restart the server"
                    .into()
            }
            Self::Failed {
                recorded: Some(_), ..
            } => format!(
                "the server log has the program's message; if the key it reads is missing, \
                 {RESTORE_KEY}: a new root key would not decrypt them"
            ),
            Self::TimedOut(_) => {
                "make the vault.getkey_script program finish sooner, or raise \
                 vault.getkey_timeout, and restart the server; the server log has its messages"
                    .into()
            }
            Self::KeyChanged { .. } => format!(
                "{RESTORE_KEY}. Only to give up every secret encrypted under the old key: delete \
                 them and the row of vault.root_key_fingerprint in every database, remove \
                 $PGDATA/{FILE_NAME} and restart the server"
            ),
            Self::FingerprintFile(_) => format!(
                "restore $PGDATA/{FILE_NAME} from a backup (after its comment lines it holds 32 \
                 hexadecimal characters) and restart the server"
            ),
            _ => "fix the program named by vault.getkey_script (its first output line must be 64 \
                  hexadecimal characters) and restart the server; the server log has the details"
                .into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{}", .0.headline())]
    KeyNotLoaded(KeyLoadFailure),
    /// The database records another root key than the server's.
    #[error("vault root key changed")]
    KeyChanged {
        loaded: Fingerprint,
        recorded: Fingerprint,
    },
    #[error("could not record the vault root key fingerprint")]
    RecordFingerprint(FileError),
    #[error("could not check the vault root key fingerprint")]
    CheckFingerprint(String),
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
            Self::KeyChanged { loaded, recorded } => ErrorReport::new(
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                message,
                "supabase_vault",
            )
            .set_detail(format!(
                "the secrets in this database were encrypted under the root key with \
                 fingerprint {recorded} (vault.root_key_fingerprint); the server's root key \
                 has fingerprint {loaded}"
            ))
            .set_hint(format!(
                "{RESTORE_KEY}; a secret decrypts only under the root key it was encrypted under"
            )),
            Self::RecordFingerprint(reason) => {
                ErrorReport::new(PgSqlErrorCode::ERRCODE_IO_ERROR, message, "supabase_vault")
                    .set_detail(reason.to_string())
                    .set_hint("the server must be able to write its data directory")
            }
            Self::CheckFingerprint(reason) => ErrorReport::new(
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                message,
                "supabase_vault",
            )
            .set_detail(reason),
            Self::Decrypt { reason, .. } => {
                let hint = match reason {
                    DecryptFailure::Crypto(CryptoError::Unauthentic) => {
                        "the row's secret, nonce, id or name was changed outside \
                         vault.create_secret and vault.update_secret, or it was encrypted under \
                         another root key; restore the row, or set the value again with \
                         vault.update_secret"
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
