//! The Rust functions behind the SQL surface. They are internal (EXECUTE is
//! revoked from PUBLIC): users call `vault.create_secret`,
//! `vault.update_secret` and read `vault.decrypted_secrets`, all defined in
//! `sql/vault.sql` on top of these.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use pgrx::pg_sys::panic::ErrorReportable;
use pgrx::prelude::*;

use crate::crypto::{random_nonce, CryptoError};
use crate::error::{DecryptFailure, KeyLoadFailure, VaultError, VaultResult};
use crate::key::{data_directory, loaded_key};
use crate::{fingerprint_file, record};

/// A fresh random 24-byte nonce for a new ciphertext.
#[pg_extern(name = "_crypto_aead_noncegen", volatile, parallel_safe)]
fn crypto_aead_noncegen() -> Vec<u8> {
    random_nonce()
        .map(Vec::from)
        .map_err(|e| VaultError::Nonce(e).into_report())
        .unwrap_or_report()
}

/// Seals `message` for the row `secret_id`; `name_and_nonce` is the row's
/// name context followed by the nonce (see `crypto::split_name_and_nonce`).
/// Returns base64 text for the `secret` column.
#[pg_extern(name = "_crypto_aead_encrypt", strict, volatile, parallel_safe)]
fn crypto_aead_encrypt(message: &str, secret_id: pgrx::Uuid, name_and_nonce: &[u8]) -> String {
    encrypt(message, secret_id, name_and_nonce)
        .map_err(VaultError::into_report)
        .unwrap_or_report()
}

/// Opens the `secret` column of the row `secret_id`; ERROR if anything about
/// it (value, nonce, id, name) was altered, or if it was encrypted under
/// another root key. Used by the `vault.decrypted_secrets` view.
#[pg_extern(name = "_crypto_aead_decrypt", strict, stable, parallel_safe)]
fn crypto_aead_decrypt(secret: &str, secret_id: pgrx::Uuid, name_and_nonce: &[u8]) -> String {
    decrypt(secret, secret_id, name_and_nonce)
        .map_err(VaultError::into_report)
        .unwrap_or_report()
}

/// Before a value is encrypted: records the server's root key fingerprint in
/// this database (the first time) and refuses a root key other than the one
/// recorded, then makes sure `$PGDATA/supabase_vault_root.fingerprint`
/// records it too. Called by `vault.create_secret` and `vault.update_secret`.
#[pg_extern(name = "_crypto_key_check", volatile, parallel_unsafe)]
fn crypto_key_check() {
    key_check()
        .map_err(VaultError::into_report)
        .unwrap_or_report()
}

fn key_check() -> VaultResult<()> {
    let key = loaded_key()?;
    let recorded = record::record_or_get(key.fingerprint)?;
    if recorded != key.fingerprint {
        return Err(VaultError::KeyChanged {
            loaded: key.fingerprint,
            recorded,
        });
    }
    let Some(dir) = data_directory() else {
        return Ok(());
    };
    let on_file =
        fingerprint_file::ensure(&dir, key.fingerprint).map_err(VaultError::RecordFingerprint)?;
    if on_file != key.fingerprint {
        // The postmaster compared the file at start; another key's
        // fingerprint written since is refused all the same.
        return Err(VaultError::KeyNotLoaded(KeyLoadFailure::KeyChanged {
            loaded: key.fingerprint,
            recorded: on_file,
        }));
    }
    Ok(())
}

fn encrypt(message: &str, secret_id: pgrx::Uuid, name_and_nonce: &[u8]) -> VaultResult<String> {
    let key = loaded_key()?;
    let sealed = key
        .secrets
        .seal_row(message.as_bytes(), secret_id.as_bytes(), name_and_nonce)
        .map_err(|reason| VaultError::Encrypt {
            id: secret_id.to_string(),
            reason,
        })?;
    Ok(BASE64.encode(sealed))
}

fn decrypt(secret: &str, secret_id: pgrx::Uuid, name_and_nonce: &[u8]) -> VaultResult<String> {
    let key = loaded_key()?;
    let failed = |reason| VaultError::Decrypt {
        id: secret_id.to_string(),
        reason,
    };
    let sealed = BASE64
        .decode(secret.trim())
        .map_err(|_| failed(DecryptFailure::NotBase64))?;
    let (plaintext, _format) = key
        .secrets
        .open_row(&sealed, secret_id.as_bytes(), name_and_nonce)
        .map_err(|e| match e {
            // Another root key, or an altered row? The database's record
            // tells: say which.
            CryptoError::Unauthentic => match record::recorded_as_superuser() {
                Some(recorded) if recorded != key.fingerprint => VaultError::KeyChanged {
                    loaded: key.fingerprint,
                    recorded,
                },
                _ => failed(DecryptFailure::Crypto(e)),
            },
            e => failed(DecryptFailure::Crypto(e)),
        })?;
    // The copy handed to Postgres is the one the caller asked for; ours is
    // wiped when `plaintext` drops.
    std::str::from_utf8(&plaintext)
        .map(str::to_owned)
        .map_err(|_| failed(DecryptFailure::NotUtf8))
}
