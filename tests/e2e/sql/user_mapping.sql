-- Pins API keys in user mappings (issue 8): api_key or api_key_id in the
-- current role's USER MAPPING (else PUBLIC's) is laid over the server's
-- options, the mapping winning; each role's key stays hidden from the
-- others as Postgres hides mapping options; a mapping cannot change the
-- package or where it connects. Keys never show up in output.
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\getenv api_key CLERK_SECRET_KEY
\getenv wrong_key CLERK_WRONG_KEY
create server clerk_mapped
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url'
  );
create foreign table mapped_orgs (id text)
  server clerk_mapped options (object 'organizations');
-- no key on the server and no mapping
select show_error('select id from mapped_orgs');
-- the current role's mapping, the key in Vault (setup's secret, by name)
create user mapping for current_user server clerk_mapped options (api_key_id 'clerk');
select count(*) > 0 as rows_seen from mapped_orgs;
-- the mapping wins over the server's key
alter server clerk_mapped options (add api_key :'wrong_key');
select count(*) > 0 as rows_seen from mapped_orgs;
-- without it the server's (here wrong) key is sent
drop user mapping for current_user server clerk_mapped;
select show_error('select id from mapped_orgs');
-- PUBLIC's mapping stands in for roles without one of their own
create user mapping for public server clerk_mapped options (api_key :'api_key');
select count(*) > 0 as rows_seen from mapped_orgs;
-- a role with its own mapping uses its own key, and sees no other
-- role's mapping options
create role mapped_reader;
grant usage on foreign server clerk_mapped to mapped_reader;
grant select on mapped_orgs to mapped_reader;
create user mapping for mapped_reader server clerk_mapped options (api_key :'wrong_key');
set role mapped_reader;
select show_error('select id from mapped_orgs');
select usename, umoptions is not null as options_visible
  from pg_user_mappings where srvname = 'clerk_mapped' order by usename;
reset role;
alter user mapping for mapped_reader server clerk_mapped options (set api_key :'api_key');
set role mapped_reader;
select count(*) > 0 as rows_seen from mapped_orgs;
reset role;
-- what only the server's owner decides cannot be set in a mapping
select show_error($$alter user mapping for public server clerk_mapped options (add allowed_hosts 'evil.example')$$);
select show_error($$alter user mapping for public server clerk_mapped options (add fdw_package_url 'file:///tmp/other.wasm')$$);
set client_min_messages = warning;
drop server clerk_mapped cascade;
reset client_min_messages;
drop role mapped_reader;
