//! The Rust functions behind the SQL surface. They are internal (EXECUTE is
//! revoked from PUBLIC): users call `vault.create_secret`,
//! `vault.update_secret` and read `vault.decrypted_secrets`, all defined in
//! `sql/vault.sql` on top of these.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use pgrx::pg_sys::panic::ErrorReportable;
use pgrx::prelude::*;

use crate::crypto::random_nonce;
use crate::error::{DecryptFailure, VaultError, VaultResult};
use crate::key::secrets_key;

/// A fresh random 24-byte nonce for a new ciphertext.
#[pg_extern(name = "_crypto_aead_noncegen", volatile, parallel_safe)]
fn crypto_aead_noncegen() -> Vec<u8> {
    random_nonce()
        .map(Vec::from)
        .map_err(|e| VaultError::Nonce(e).into_report())
        .unwrap_or_report()
}

/// Seals `message` for the row `secret_id` under `nonce`; returns base64 text
/// for the `secret` column.
#[pg_extern(name = "_crypto_aead_encrypt", strict, volatile, parallel_safe)]
fn crypto_aead_encrypt(message: &str, secret_id: pgrx::Uuid, nonce: &[u8]) -> String {
    encrypt(message, secret_id, nonce)
        .map_err(VaultError::into_report)
        .unwrap_or_report()
}

/// Opens the `secret` column of the row `secret_id`; ERROR if anything about
/// it was altered. Used by the `vault.decrypted_secrets` view.
#[pg_extern(name = "_crypto_aead_decrypt", strict, stable, parallel_safe)]
fn crypto_aead_decrypt(secret: &str, secret_id: pgrx::Uuid, nonce: &[u8]) -> String {
    decrypt(secret, secret_id, nonce)
        .map_err(VaultError::into_report)
        .unwrap_or_report()
}

fn encrypt(message: &str, secret_id: pgrx::Uuid, nonce: &[u8]) -> VaultResult<String> {
    let key = secrets_key()?;
    let sealed = key
        .seal(message.as_bytes(), secret_id.as_bytes(), nonce)
        .map_err(|reason| VaultError::Encrypt {
            id: secret_id.to_string(),
            reason,
        })?;
    Ok(BASE64.encode(sealed))
}

fn decrypt(secret: &str, secret_id: pgrx::Uuid, nonce: &[u8]) -> VaultResult<String> {
    let key = secrets_key()?;
    let failed = |reason| VaultError::Decrypt {
        id: secret_id.to_string(),
        reason,
    };
    let sealed = BASE64
        .decode(secret.trim())
        .map_err(|_| failed(DecryptFailure::NotBase64))?;
    let plaintext = key
        .open(&sealed, secret_id.as_bytes(), nonce)
        .map_err(|e| failed(DecryptFailure::Crypto(e)))?;
    // The copy handed to Postgres is the one the caller asked for; ours is
    // wiped when `plaintext` drops.
    std::str::from_utf8(&plaintext)
        .map(str::to_owned)
        .map_err(|_| failed(DecryptFailure::NotUtf8))
}
