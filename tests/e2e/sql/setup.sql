-- Pins the product page's setup, verbatim: the wrappers extension in schema
-- extensions, the wasm_wrapper FDW, the API key in Vault, a server that
-- names the key by its Vault id, and IMPORT FOREIGN SCHEMA. Only the package
-- URL, its checksum and the API URL point at this run's build and emulator.
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\getenv api_key CLERK_SECRET_KEY
-- What every Supabase database already has: a schema for extensions (on
-- the search_path, see scripts/env.sh) and Vault.
create schema if not exists extensions;
create extension if not exists supabase_vault;
-- The product page, from here on.
create extension if not exists wrappers with schema extensions;
create foreign data wrapper wasm_wrapper
  handler wasm_fdw_handler
  validator wasm_fdw_validator;
select vault.create_secret(
  :'api_key',
  'clerk',
  'Clerk API key for Wrappers'
) as key_id \gset
create server clerk_server
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url',
    api_key_id :'key_id'
  );
-- show_error(sql) runs sql and returns its error as 'SQLSTATE: message' and
-- 'hint: ...' lines, with per-run values (trace ids, package sums, paths,
-- ports) masked so
-- that expected output stays stable.
create function show_error(sql text) returns setof text language plpgsql as $$
declare msg text; hint text; state text;
begin
  execute sql;
  return next 'no error';
exception when others then
  get stacked diagnostics msg = message_text, hint = pg_exception_hint, state = returned_sqlstate;
  msg := regexp_replace(msg, '[0-9a-f]{64}', '<sha256>', 'g');
  msg := regexp_replace(msg, 'file://[^:]+', 'file://<package>', 'g');
  msg := regexp_replace(msg, '127\.0\.0\.1:[0-9]+', '127.0.0.1:<port>', 'g');
  return next state || ': ' || msg;
  if hint <> '' then
    return next 'hint: ' || regexp_replace(hint, 'trace id [0-9a-f]+', 'trace id <id>', 'g');
  end if;
end $$;
create schema clerk;
import foreign schema clerk from server clerk_server into clerk;
select foreign_table_name
  from information_schema.foreign_tables
 where foreign_table_schema = 'clerk'
 order by 1;
