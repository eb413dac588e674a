//! `vault.root_key_fingerprint`: the fingerprint of the root key the secrets
//! of this database are encrypted under. One row, written by the first
//! encryption in the database (trust on first use), kept by `pg_dump` with
//! the secrets, so a dump restored on a server with another root key says so.

use std::ffi::c_int;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiError};

use crate::crypto::Fingerprint;
use crate::error::{VaultError, VaultResult};

const SELECT: &str = "select fingerprint from vault.root_key_fingerprint";
const INSERT: &str =
    "insert into vault.root_key_fingerprint (fingerprint) values ($1) on conflict do nothing";

/// The fingerprint recorded in this database; records `loaded` first if
/// none is. Runs as the current user: `vault.create_secret` and
/// `vault.update_secret` are SECURITY DEFINER.
pub fn record_or_get(loaded: Fingerprint) -> VaultResult<Fingerprint> {
    let checked = Spi::connect_mut(|client| -> Result<Option<Vec<u8>>, SpiError> {
        if let Some(recorded) = select(client)? {
            return Ok(Some(recorded));
        }
        // A concurrent first write wins; both then read its row.
        client.update(INSERT, None, &[loaded.0.to_vec().into()])?;
        select(client)
    });
    match checked {
        Ok(Some(bytes)) => Fingerprint::from_slice(&bytes).ok_or_else(|| {
            VaultError::CheckFingerprint(format!(
                "vault.root_key_fingerprint holds {} bytes, not a fingerprint",
                bytes.len()
            ))
        }),
        Ok(None) => Err(VaultError::CheckFingerprint(
            "vault.root_key_fingerprint is empty after recording the fingerprint".into(),
        )),
        Err(e) => Err(VaultError::CheckFingerprint(e.to_string())),
    }
}

fn select(client: &SpiClient<'_>) -> Result<Option<Vec<u8>>, SpiError> {
    let rows = client.select(SELECT, Some(1), &[])?;
    if rows.is_empty() {
        return Ok(None);
    }
    rows.first().get_one::<Vec<u8>>()
}

/// The fingerprint recorded in this database, read as the bootstrap
/// superuser: the role reading `vault.decrypted_secrets` may not read the
/// table (a reader role gets SELECT on the view only). `None` when there is
/// none, or no such table (the SQL objects of an earlier build).
pub fn recorded_as_superuser() -> Option<Fingerprint> {
    let _superuser = AsBootstrapSuperuser::enter();
    Spi::connect(|client| -> Result<Option<Vec<u8>>, SpiError> {
        let exists = client
            .select(
                "select pg_catalog.to_regclass('vault.root_key_fingerprint') is not null",
                Some(1),
                &[],
            )?
            .first()
            .get_one::<bool>()?;
        if exists != Some(true) {
            return Ok(None);
        }
        select(client)
    })
    .ok()
    .flatten()
    .and_then(|bytes| Fingerprint::from_slice(&bytes))
}

/// Switches the current user to the bootstrap superuser, as a SECURITY
/// DEFINER function does (restricted: no SET ROLE, no temp objects), until
/// dropped; also on an ERROR, which unwinds through here (and the
/// transaction's abort restores the user anyway).
struct AsBootstrapSuperuser {
    user: pg_sys::Oid,
    context: c_int,
}

impl AsBootstrapSuperuser {
    fn enter() -> Self {
        let mut user = pg_sys::Oid::INVALID;
        let mut context: c_int = 0;
        let restricted =
            (pg_sys::SECURITY_LOCAL_USERID_CHANGE | pg_sys::SECURITY_RESTRICTED_OPERATION) as c_int;
        // SAFETY: plain reads and writes of the backend's current-user
        // globals, in a backend with a transaction open (we are inside a
        // SQL function call).
        unsafe {
            pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
            pg_sys::SetUserIdAndSecContext(
                pg_sys::Oid::from(pg_sys::BOOTSTRAP_SUPERUSERID),
                context | restricted,
            );
        }
        Self { user, context }
    }
}

impl Drop for AsBootstrapSuperuser {
    fn drop(&mut self) {
        // SAFETY: restores what `enter` read.
        unsafe { pg_sys::SetUserIdAndSecContext(self.user, self.context) }
    }
}
