-- supabase_vault: the SQL surface, as upstream Supabase Vault 0.3.x has it
-- (same table, view, function signatures and privileges), on top of the Rust
-- functions vault._crypto_aead_{noncegen,encrypt,decrypt} and
-- vault._crypto_key_check, plus vault.root_key_fingerprint.
--
-- A ciphertext is bound to its row's id and name (AEAD associated data). The
-- name reaches the Rust functions in front of the nonce, in their third
-- argument: vault._name_context(name) || nonce. Passing it this way keeps the
-- view calling _crypto_aead_decrypt(text, uuid, bytea), the function a reader
-- role is granted EXECUTE on. A bare 24-byte nonce (the SQL of earlier
-- builds) means the id alone.
--
-- This file runs inside CREATE EXTENSION, after pgrx has created the Rust
-- functions in the extension's schema (vault, fixed by the control file).

-- Ciphertext only: `secret` is base64 of XChaCha20-Poly1305 ciphertext+tag,
-- sealed with the row's id and name as associated data; `nonce` is its
-- 24-byte nonce.
create table vault.secrets (
    id uuid primary key default gen_random_uuid(),
    name text,
    description text not null default '',
    secret text not null,
    key_id uuid,
    nonce bytea,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table vault.secrets is
    'Table with encrypted `secret` column for storing sensitive information on disk.';

create unique index secrets_name_idx on vault.secrets (name) where name is not null;

-- Keep the rows (ciphertext, and the ids they are bound to) in pg_dump output.
select pg_catalog.pg_extension_config_dump('vault.secrets', '');

-- The fingerprint (HKDF-SHA256 of the root key, not the key) of the root key
-- this database's secrets are encrypted under: recorded by the first
-- vault.create_secret / vault.update_secret that encrypts, then every
-- encryption refuses another root key, and a secret that does not decrypt
-- under another root key says "vault root key changed". Dumped with the
-- secrets.
create table vault.root_key_fingerprint (
    singleton boolean primary key default true check (singleton),
    fingerprint bytea not null check (octet_length(fingerprint) = 16),
    recorded_at timestamptz not null default now()
);

comment on table vault.root_key_fingerprint is
    'Fingerprint (not the key) of the root key the secrets of this database are encrypted under.';

select pg_catalog.pg_extension_config_dump('vault.root_key_fingerprint', '');

-- The name context a ciphertext is bound to: '\x00' for no name, else '\x01',
-- the name's length in bytes (4 bytes, big endian) and the name in UTF-8.
-- decode() rather than '\x..' literals: the body must not depend on
-- standard_conforming_strings. Pure (no table access), so EXECUTE is left to
-- PUBLIC: the view calls it in the role of whoever reads it.
create function vault._name_context(secret_name text) returns bytea
language sql
immutable
parallel safe
as $$
    select case when secret_name is null then pg_catalog.decode('00', 'hex')
        else pg_catalog.decode('01', 'hex')
            operator(pg_catalog.||) pg_catalog.int4send(pg_catalog.octet_length(pg_catalog.convert_to(secret_name, 'UTF8')))
            operator(pg_catalog.||) pg_catalog.convert_to(secret_name, 'UTF8')
    end
$$;

-- `decrypted_secret` sits right after `secret`, as upstream. The decrypt
-- function is STRICT: only a row whose nonce is NULL (never written by
-- create_secret/update_secret) reads as NULL; any altered row (value, nonce,
-- id or name: two names swapped, say) raises ERROR, as a ciphertext that does
-- not verify does with upstream's pgsodium: a reader such as the wrappers
-- host must never get another row's secret, nor mistake an altered row for a
-- missing one.
create view vault.decrypted_secrets as
select
    s.id,
    s.name,
    s.description,
    s.secret,
    vault._crypto_aead_decrypt(s.secret, s.id, vault._name_context(s.name) || s.nonce) as decrypted_secret,
    s.key_id,
    s.nonce,
    s.created_at,
    s.updated_at
from vault.secrets s;

-- The id is chosen before the insert so the row is written once, already
-- encrypted: the plaintext never reaches the table's heap, not even in a dead
-- tuple. `new_key_id` is accepted for compatibility and ignored (as in
-- upstream 0.3.x; `key_id` stays NULL). _crypto_key_check records the root
-- key's fingerprint, or refuses a root key other than the recorded one.
create function vault.create_secret(
    new_secret text,
    new_name text default null,
    new_description text default '',
    new_key_id uuid default null
) returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_id uuid := pg_catalog.gen_random_uuid();
    v_nonce bytea;
begin
    if new_secret is null then
        raise exception 'new_secret must not be null'
            using errcode = 'null_value_not_allowed';
    end if;
    perform vault._crypto_key_check();
    v_nonce := vault._crypto_aead_noncegen();
    insert into vault.secrets (id, name, description, secret, nonce)
    values (
        v_id,
        new_name,
        coalesce(new_description, ''),
        vault._crypto_aead_encrypt(new_secret, v_id, vault._name_context(new_name) || v_nonce),
        v_nonce
    );
    return v_id;
end
$$;

-- NULL arguments leave the column as it is. A new secret is sealed under a
-- fresh nonce. A new name (even the same one) re-seals the value under it
-- (decrypted and encrypted again in this statement, never stored in clear);
-- a row that does not decrypt cannot be renamed, only given a new value.
-- Unlike upstream (which silently does nothing), an unknown id is an error.
create function vault.update_secret(
    secret_id uuid,
    new_secret text default null,
    new_name text default null,
    new_description text default null,
    new_key_id uuid default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_nonce bytea;
begin
    if new_secret is not null or new_name is not null then
        perform vault._crypto_key_check();
        v_nonce := vault._crypto_aead_noncegen();
    end if;
    update vault.secrets s
    set secret = case
            when new_secret is not null then
                vault._crypto_aead_encrypt(new_secret, s.id, vault._name_context(coalesce(new_name, s.name)) || v_nonce)
            when new_name is not null then
                vault._crypto_aead_encrypt(
                    vault._crypto_aead_decrypt(s.secret, s.id, vault._name_context(s.name) || s.nonce),
                    s.id, vault._name_context(new_name) || v_nonce)
            else s.secret
        end,
        nonce = coalesce(v_nonce, s.nonce),
        name = coalesce(new_name, s.name),
        description = coalesce(new_description, s.description),
        updated_at = pg_catalog.now()
    where s.id = secret_id;
    if not found then
        raise exception 'secret "%" does not exist', secret_id
            using errcode = 'no_data_found',
                  hint = 'the id is the value vault.create_secret returned; see vault.secrets';
    end if;
end
$$;

-- Superusers only, unless a superuser grants more (see the README for the
-- grants a role needs to read a secret through the FDW).
revoke all on schema vault from public;
revoke all on table vault.secrets from public;
revoke all on table vault.decrypted_secrets from public;
revoke all on table vault.root_key_fingerprint from public;
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;
revoke all on function vault._crypto_aead_noncegen() from public;
revoke all on function vault._crypto_aead_encrypt(text, uuid, bytea) from public;
revoke all on function vault._crypto_aead_decrypt(text, uuid, bytea) from public;
revoke all on function vault._crypto_key_check() from public;
-- vault._name_context(text) keeps EXECUTE for PUBLIC (see above).
