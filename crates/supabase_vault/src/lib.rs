//! `supabase_vault`: a Supabase-Vault-compatible secret store.
//!
//! SQL surface (schema `vault`): the table `vault.secrets` (ciphertext only),
//! the view `vault.decrypted_secrets`, and `vault.create_secret` /
//! `vault.update_secret`, defined in `sql/vault.sql`. The Rust side is the
//! cryptography ([`crypto`]), loading the root key at postmaster start
//! ([`key`], running the getkey program with a deadline: [`script`]), the
//! root key fingerprint kept in the data directory ([`fingerprint_file`]) and
//! in each database ([`record`]), the internal `vault._crypto_*` functions
//! ([`functions`]) and the mapping of errors to SQL ([`error`]).

use pgrx::prelude::*;

pub mod crypto;
mod error;
pub mod fingerprint_file;
mod functions;
mod key;
mod record;
pub mod script;

::pgrx::pg_module_magic!(name, version);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    key::init();
}

extension_sql_file!(
    "../sql/vault.sql",
    name = "vault_schema",
    requires = [
        functions::crypto_aead_noncegen,
        functions::crypto_aead_encrypt,
        functions::crypto_aead_decrypt,
        functions::crypto_key_check,
    ],
    finalize
);
