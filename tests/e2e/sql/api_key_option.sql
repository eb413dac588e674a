-- Pins the "without Vault" server: the API key as a plain server option.
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\getenv api_key CLERK_SECRET_KEY
create server clerk_server_plain_key
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url',
    api_key :'api_key'
  );
create schema clerk_plain;
import foreign schema clerk limit to (organizations) from server clerk_server_plain_key into clerk_plain;
select count(*) from clerk_plain.organizations;
drop schema clerk_plain cascade;
drop server clerk_server_plain_key;
