-- Pins api_key_id naming no Vault secret: an ERROR that says so (never an
-- empty key sent to Clerk), by id and by name.
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
create server clerk_missing_secret
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url',
    api_key_id '6f1d2c3b-0000-4000-8000-000000000000'
  );
create foreign table missing_secret_users (id text)
  server clerk_missing_secret options (object 'users');
select id from missing_secret_users;
alter server clerk_missing_secret options (set api_key_id 'no_such_secret_name');
select id from missing_secret_users;
-- the secret's name works as well as its id
alter server clerk_missing_secret options (set api_key_id 'clerk');
select count(*) from missing_secret_users;
drop server clerk_missing_secret cascade;
