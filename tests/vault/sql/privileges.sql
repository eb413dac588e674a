-- Pins: PUBLIC (any role without grants) can neither call vault.create_secret,
-- vault.update_secret or the internal crypto functions, nor read
-- vault.secrets, vault.decrypted_secrets or vault.root_key_fingerprint (only
-- vault._name_context, a pure encoding the view calls, is open, and only to
-- roles with USAGE on the schema); a role granted EXECUTE on
-- create_secret can store a secret (SECURITY DEFINER) without being able to
-- read it back; the grants the README gives a reader role (what the wrappers
-- host needs in the querying role) are enough to run the host's statement.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
drop role if exists vault_test_nobody;
drop role if exists vault_test_writer;
drop role if exists vault_test_reader;
reset client_min_messages;

create role vault_test_nobody;
create role vault_test_writer;
create role vault_test_reader;

select p.proname,
       has_function_privilege('vault_test_nobody', p.oid, 'execute') as nobody_can_execute
from pg_proc p where p.pronamespace = 'vault'::regnamespace order by p.proname;
select has_schema_privilege('vault_test_nobody', 'vault', 'usage') as nobody_schema_usage,
       has_table_privilege('vault_test_nobody', 'vault.secrets', 'select') as nobody_reads_secrets,
       has_table_privilege('vault_test_nobody', 'vault.decrypted_secrets', 'select') as nobody_reads_decrypted,
       has_table_privilege('vault_test_nobody', 'vault.root_key_fingerprint', 'select') as nobody_reads_fingerprint;

set role vault_test_nobody;
select vault.create_secret('x');
select * from vault.decrypted_secrets;
reset role;

-- even with the schema visible, the functions stay closed
grant usage on schema vault to vault_test_nobody;
set role vault_test_nobody;
select vault.create_secret('x');
select vault.update_secret('00000000-0000-0000-0000-000000000000', 'x');
select vault._crypto_aead_noncegen();
select vault._crypto_aead_decrypt('AAAA', '00000000-0000-0000-0000-000000000000', '\x00');
select count(*) from vault.secrets;
select count(*) from vault.decrypted_secrets;
reset role;

-- a writer: may create, may not read
grant usage on schema vault to vault_test_writer;
grant execute on function vault.create_secret(text, text, text, uuid) to vault_test_writer;
set role vault_test_writer;
select vault.create_secret('written by writer', 'privileges_writer') is not null as created;
select count(*) from vault.secrets;
reset role;
select decrypted_secret from vault.decrypted_secrets where name = 'privileges_writer';

-- a reader, as the README grants it
grant usage on schema vault to vault_test_reader;
grant select on vault.decrypted_secrets to vault_test_reader;
grant execute on function vault._crypto_aead_decrypt(text, uuid, bytea) to vault_test_reader;
set role vault_test_reader;
select decrypted_secret from vault.decrypted_secrets where name = 'privileges_writer';
select vault.create_secret('x');
select count(*) from vault.secrets;
reset role;

delete from vault.secrets where name = 'privileges_writer';
revoke all on schema vault from vault_test_nobody, vault_test_writer, vault_test_reader;
revoke all on function vault.create_secret(text, text, text, uuid) from vault_test_writer;
revoke all on vault.decrypted_secrets from vault_test_reader;
revoke all on function vault._crypto_aead_decrypt(text, uuid, bytea) from vault_test_reader;
drop role vault_test_nobody;
drop role vault_test_writer;
drop role vault_test_reader;
