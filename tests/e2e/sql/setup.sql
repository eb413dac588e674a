-- Pins the product page's setup, verbatim: the wrappers extension in schema
-- extensions, the wasm_wrapper FDW, the API key in Vault, a server that
-- names the key by its Vault id, and IMPORT FOREIGN SCHEMA. Only the package
-- URL, its checksum and the API URL point at this run's build and emulator.
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\getenv api_key CLERK_SECRET_KEY
create extension if not exists supabase_vault;
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
create schema clerk;
import foreign schema clerk from server clerk_server into clerk;
select foreign_table_name
  from information_schema.foreign_tables
 where foreign_table_schema = 'clerk'
 order by 1;
