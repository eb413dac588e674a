-- Pins what a role that is not a superuser sees: without Vault rights the
-- API key cannot be read (Postgres' own permission error); with the grants
-- from crates/supabase_vault/README.md the query works, and the stats table
-- (owner-only) is skipped with a single WARNING rather than an error.
create role clerk_reader;
grant usage on schema clerk to clerk_reader;
grant select on clerk.organizations to clerk_reader;
set role clerk_reader;
select count(*) from clerk.organizations;
reset role;
grant usage on schema vault to clerk_reader;
grant select on vault.decrypted_secrets to clerk_reader;
grant execute on function vault._crypto_aead_decrypt(text, uuid, bytea) to clerk_reader;
set role clerk_reader;
select count(*) from clerk.organizations;
select count(*) from clerk.organizations;
reset role;
select has_table_privilege('clerk_reader', 'extensions.wrappers_fdw_stats', 'select') as reader_sees_stats;
revoke all on function vault._crypto_aead_decrypt(text, uuid, bytea) from clerk_reader;
revoke all on vault.decrypted_secrets from clerk_reader;
revoke all on schema vault from clerk_reader;
revoke all on clerk.organizations from clerk_reader;
revoke all on schema clerk from clerk_reader;
drop role clerk_reader;
