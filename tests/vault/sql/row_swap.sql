-- Pins: a ciphertext is bound to its row's id (AEAD associated data): copied
-- (with its nonce) into another row, or left in place while the id changes,
-- it does not decrypt; the source row is unaffected.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

create function pg_temp.try(stmt text, id uuid) returns text language plpgsql as $$
declare
    st text; msg text; det text;
begin
    execute stmt;
    return 'no error';
exception when others then
    get stacked diagnostics st = returned_sqlstate, msg = message_text, det = pg_exception_detail;
    return format('%s: %s (%s)', st, replace(msg, id::text, '<id>'), det);
end $$;

select vault.create_secret('sk_test_SOURCE_SECRET', 'row_swap_source') as src \gset
select vault.create_secret('sk_test_TARGET_SECRET', 'row_swap_target') as dst \gset

-- copy the source's ciphertext and nonce into the target row
update vault.secrets t
set secret = s.secret, nonce = s.nonce
from vault.secrets s
where s.id = :'src' and t.id = :'dst';

select pg_temp.try(format('select decrypted_secret from vault.decrypted_secrets where id = %L', :'dst'), :'dst') as copied_row;
select name, decrypted_secret from vault.decrypted_secrets where id = :'src';

-- give the source row another id
update vault.secrets set id = '00000000-0000-0000-0000-0000000000aa' where id = :'src';
select pg_temp.try('select decrypted_secret from vault.decrypted_secrets where id = ''00000000-0000-0000-0000-0000000000aa''', '00000000-0000-0000-0000-0000000000aa') as changed_id;

-- the host's lookup of the moved row fails loudly instead of returning another secret
select pg_temp.try('select decrypted_secret from vault.decrypted_secrets where name = ''row_swap_target''', :'dst') as host_lookup;

delete from vault.secrets where id in ('00000000-0000-0000-0000-0000000000aa', :'dst');
