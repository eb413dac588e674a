-- Pins: a ciphertext is bound to its row's name as well as its id (AEAD
-- associated data). Two names swapped directly in vault.secrets (as a
-- superuser can) are detected: reading either row is an ERROR, never the
-- other row's value, so the wrappers host's lookup by name fails loudly.
-- Likewise a name set, changed or cleared behind the vault's back; NULL and
-- '' are different names. vault.update_secret renames properly (re-seals),
-- and refuses to rename a row that does not decrypt. A row sealed the old way
-- (id only, by the SQL of earlier builds) still decrypts, and is bound to its
-- name once renamed through update_secret.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

-- Runs a statement; returns its value or its error (SQLSTATE, message with
-- the ids masked, detail).
create function pg_temp.try(stmt text) returns text language plpgsql as $$
declare
    st text; msg text; det text; v text;
begin
    execute stmt into v;
    return coalesce(v, '<null>');
exception when others then
    get stacked diagnostics st = returned_sqlstate, msg = message_text, det = pg_exception_detail;
    return format('%s: %s (%s)', st,
        regexp_replace(msg, '[0-9a-f]{8}-[0-9a-f-]{27}', '<id>', 'g'), det);
end $$;
create function pg_temp.by_name(n text) returns text language sql as $$
    select pg_temp.try(format('select decrypted_secret from vault.decrypted_secrets where name = %L', n))
$$;

select vault.create_secret('sk_test_ALPHA_SECRET', 'name_swap_alpha') as alpha \gset
select vault.create_secret('sk_test_BETA_SECRET', 'name_swap_beta') as beta \gset
select pg_temp.by_name('name_swap_alpha') as alpha_before, pg_temp.by_name('name_swap_beta') as beta_before;

-- swap the two names in place (through a third name: the name is unique)
update vault.secrets set name = 'name_swap_tmp' where id = :'alpha';
update vault.secrets set name = 'name_swap_alpha' where id = :'beta';
update vault.secrets set name = 'name_swap_beta' where id = :'alpha';
select id = :'beta' as alpha_now_names_beta_row from vault.secrets where name = 'name_swap_alpha';
-- the host's lookup by name: an error, not the other secret
select pg_temp.by_name('name_swap_alpha') as alpha_swapped;
select pg_temp.by_name('name_swap_beta') as beta_swapped;
-- by id too, and a scan of the view stops at the first such row
select pg_temp.try(format('select decrypted_secret from vault.decrypted_secrets where id = %L', :'alpha')) as alpha_by_id;
select pg_temp.try('select count(decrypted_secret)::text from vault.decrypted_secrets where name like ''name_swap_%''') as scan;
-- nothing reads the other row's value
select count(*) as leaked from vault.secrets
where name like 'name_swap_%' and position('SECRET' in pg_temp.by_name(name)) > 0;

-- renaming a swapped row through update_secret is refused (it does not decrypt)
select pg_temp.try(format('select vault.update_secret(%L, new_name => ''name_swap_gamma'')::text', :'alpha')) as rename_swapped;
select name from vault.secrets where id = :'alpha';

-- swapped back: both read again
update vault.secrets set name = 'name_swap_tmp' where id = :'alpha';
update vault.secrets set name = 'name_swap_beta' where id = :'beta';
update vault.secrets set name = 'name_swap_alpha' where id = :'alpha';
select pg_temp.by_name('name_swap_alpha') as alpha_restored, pg_temp.by_name('name_swap_beta') as beta_restored;

-- a name changed, cleared, or set behind the vault's back
update vault.secrets set name = 'name_swap_other' where id = :'alpha';
select pg_temp.by_name('name_swap_other') as renamed_directly;
update vault.secrets set name = null where id = :'alpha';
select pg_temp.try(format('select decrypted_secret from vault.decrypted_secrets where id = %L', :'alpha')) as cleared_directly;
update vault.secrets set name = 'name_swap_alpha' where id = :'alpha';
select vault.create_secret('sk_test_UNNAMED') as unnamed \gset
update vault.secrets set name = '' where id = :'unnamed';
select pg_temp.by_name('') as empty_name_set_directly;
update vault.secrets set name = null where id = :'unnamed';
select pg_temp.try(format('select decrypted_secret from vault.decrypted_secrets where id = %L', :'unnamed')) as unnamed_restored;

-- update_secret renames properly: the value follows the new name
select vault.update_secret(:'alpha', new_name => 'name_swap_gamma');
select pg_temp.by_name('name_swap_gamma') as renamed, pg_temp.by_name('name_swap_alpha') as old_name;

-- a row sealed the old way (associated data = id only; the nonce alone as the
-- third argument, as the SQL of earlier builds calls it) still decrypts
select gen_random_uuid() as legacy \gset
select vault._crypto_aead_noncegen() as legacy_nonce \gset
insert into vault.secrets (id, name, secret, nonce)
values (:'legacy', 'name_swap_legacy',
        vault._crypto_aead_encrypt('sk_test_LEGACY', :'legacy', :'legacy_nonce'), :'legacy_nonce');
select pg_temp.by_name('name_swap_legacy') as legacy_row;
-- its name is not bound yet (the limit of such rows): a direct rename is not noticed
update vault.secrets set name = 'name_swap_legacy_moved' where id = :'legacy';
select pg_temp.by_name('name_swap_legacy_moved') as legacy_unbound;
update vault.secrets set name = 'name_swap_legacy' where id = :'legacy';
-- update_secret with its own name binds it
select vault.update_secret(:'legacy', new_name => 'name_swap_legacy');
select pg_temp.by_name('name_swap_legacy') as legacy_resealed;
update vault.secrets set name = 'name_swap_legacy_moved' where id = :'legacy';
select pg_temp.by_name('name_swap_legacy_moved') as legacy_now_bound;

delete from vault.secrets where id in (:'alpha', :'beta', :'unnamed', :'legacy');
