-- Pins: the first encryption in a database records the root key's
-- fingerprint (16 bytes, not the key) in vault.root_key_fingerprint, and the
-- server's data directory records it in supabase_vault_root.fingerprint.
-- When the database records another root key (simulated here by changing the
-- record; selftest.sh does it with a real second key across restarts): no new
-- value is encrypted (create, new value, rename refused with "vault root key
-- changed"); changing only a description still works; a row that does not
-- decrypt reports "vault root key changed" instead of "could not decrypt"
-- (for a reader role too, which cannot read the record itself). A row that
-- does decrypt is returned: its tag proves the server's key is the one it was
-- sealed with, the record only explains failures. Restoring the record
-- restores the usual answers. An empty record is filled again by the next
-- encryption (trust on first use).
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
drop role if exists vault_test_fp_reader;
reset client_min_messages;

-- Runs a statement; returns its value or its error, the server's fingerprint
-- and ids masked.
create function pg_temp.try(stmt text, fp text) returns text language plpgsql as $$
declare
    st text; msg text; det text; hnt text; v text;
begin
    execute stmt into v;
    return coalesce(v, '<null>');
exception when others then
    get stacked diagnostics st = returned_sqlstate, msg = message_text,
        det = pg_exception_detail, hnt = pg_exception_hint;
    return regexp_replace(replace(format(E'%s: %s\nDETAIL: %s\nHINT: %s', st, msg, det, hnt),
        fp, '<server fingerprint>'), '[0-9a-f]{8}-[0-9a-f-]{27}', '<id>', 'g');
end $$;

select vault.create_secret('sk_test_FP_ONE', 'fp_one') as one \gset
select vault.create_secret('sk_test_FP_TWO', 'fp_two') as two \gset
select count(*) as records, octet_length(fingerprint) as fingerprint_bytes
from vault.root_key_fingerprint group by fingerprint;
select encode(fingerprint, 'hex') as fp from vault.root_key_fingerprint \gset
-- the data directory's file records the same fingerprint
select position(:'fp' in pg_read_file('supabase_vault_root.fingerprint')) > 0 as file_matches;

\set read_one 'select decrypted_secret from vault.decrypted_secrets where name = ''fp_one'''

-- this database's secrets now claim another root key
update vault.root_key_fingerprint set fingerprint = decode('00112233445566778899aabbccddeeff', 'hex');
select pg_temp.try('select vault.create_secret(''sk_test_FP_THREE'', ''fp_three'')::text', :'fp') as create_refused;
select pg_temp.try(format('select vault.update_secret(%L, ''sk_test_FP_NEW'')::text', :'one'), :'fp') as new_value_refused;
select pg_temp.try(format('select vault.update_secret(%L, new_name => ''fp_renamed'')::text', :'one'), :'fp') as rename_refused;
select pg_temp.try(format('select vault.update_secret(%L, new_description => ''still fine'')::text', :'one'), :'fp') as description_ok;
select name, description from vault.secrets where name like 'fp_%' order by name;
-- a row that verifies under the server's key still reads
select pg_temp.try(:'read_one', :'fp') as verifying_row;
-- a row that does not verify: the record says why
select secret as two_secret from vault.secrets where id = :'two' \gset
update vault.secrets set secret = overlay(secret placing case when left(secret, 1) = 'A' then 'B' else 'A' end from 1 for 1)
where id = :'two';
\set read_two 'select decrypted_secret from vault.decrypted_secrets where name = ''fp_two'''
select pg_temp.try(:'read_two', :'fp') as under_another_key;

-- a reader role (the README's grants) gets the same answer, though it cannot
-- read the record itself
create role vault_test_fp_reader;
grant usage on schema vault to vault_test_fp_reader;
grant select on vault.decrypted_secrets to vault_test_fp_reader;
grant execute on function vault._crypto_aead_decrypt(text, uuid, bytea) to vault_test_fp_reader;
set role vault_test_fp_reader;
select pg_temp.try(:'read_two', :'fp') as reader_under_another_key;
select pg_temp.try(:'read_one', :'fp') as reader_verifying_row;
select pg_temp.try('select count(*)::text from vault.root_key_fingerprint', :'fp') as reader_reads_record;
select current_user;
reset role;

-- the record restored: the altered row is reported as altered; writes work
update vault.root_key_fingerprint set fingerprint = decode(:'fp', 'hex');
select pg_temp.try(:'read_two', :'fp') as altered_row;
update vault.secrets set secret = :'two_secret' where id = :'two';
select pg_temp.try(:'read_two', :'fp') as row_restored;
select vault.update_secret(:'one', 'sk_test_FP_NEW');
select pg_temp.try(:'read_one', :'fp') as new_value;

-- no record (deleted): the next encryption records the server's key again
delete from vault.root_key_fingerprint;
select vault.create_secret('sk_test_FP_THREE', 'fp_three') as three \gset
select encode(fingerprint, 'hex') = :'fp' as recorded_again from vault.root_key_fingerprint;

delete from vault.secrets where id in (:'one', :'two', :'three');
revoke all on schema vault from vault_test_fp_reader;
revoke all on vault.decrypted_secrets from vault_test_fp_reader;
revoke all on function vault._crypto_aead_decrypt(text, uuid, bytea) from vault_test_fp_reader;
drop role vault_test_fp_reader;
