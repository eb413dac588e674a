-- supabase_vault: the SQL surface, as upstream Supabase Vault 0.3.x has it
-- (same table, view, function signatures and privileges), on top of the Rust
-- functions vault._crypto_aead_{noncegen,encrypt,decrypt}.
--
-- This file runs inside CREATE EXTENSION, after pgrx has created the Rust
-- functions in the extension's schema (vault, fixed by the control file).

-- Ciphertext only: `secret` is base64 of XChaCha20-Poly1305 ciphertext+tag,
-- sealed with the row's id as associated data; `nonce` is its 24-byte nonce.
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

-- `decrypted_secret` sits right after `secret`, as upstream. The decrypt
-- function is STRICT: only a row whose nonce is NULL (never written by
-- create_secret/update_secret) reads as NULL; any altered row raises ERROR.
create view vault.decrypted_secrets as
select
    s.id,
    s.name,
    s.description,
    s.secret,
    vault._crypto_aead_decrypt(s.secret, s.id, s.nonce) as decrypted_secret,
    s.key_id,
    s.nonce,
    s.created_at,
    s.updated_at
from vault.secrets s;

-- The id is chosen before the insert so the row is written once, already
-- encrypted: the plaintext never reaches the table's heap, not even in a dead
-- tuple. `new_key_id` is accepted for compatibility and ignored (as in
-- upstream 0.3.x; `key_id` stays NULL).
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
    v_nonce := vault._crypto_aead_noncegen();
    insert into vault.secrets (id, name, description, secret, nonce)
    values (
        v_id,
        new_name,
        coalesce(new_description, ''),
        vault._crypto_aead_encrypt(new_secret, v_id, v_nonce),
        v_nonce
    );
    return v_id;
end
$$;

-- NULL arguments leave the column as it is. A new secret is sealed under a
-- fresh nonce. Unlike upstream (which silently does nothing), an unknown id
-- is an error.
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
    if new_secret is not null then
        v_nonce := vault._crypto_aead_noncegen();
    end if;
    update vault.secrets s
    set secret = case
            when new_secret is null then s.secret
            else vault._crypto_aead_encrypt(new_secret, s.id, v_nonce)
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
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;
revoke all on function vault._crypto_aead_noncegen() from public;
revoke all on function vault._crypto_aead_encrypt(text, uuid, bytea) from public;
revoke all on function vault._crypto_aead_decrypt(text, uuid, bytea) from public;
