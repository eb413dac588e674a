-- Pins package verification: a checksum that does not match the file is an
-- ERROR naming both sums (masked here, they change with every build); a malformed checksum and a remote URL without one
-- are refused when the server is created.
\getenv wasm_url WASM_URL
\getenv api_key CLERK_SECRET_KEY
create server clerk_bad_checksum
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum '0000000000000000000000000000000000000000000000000000000000000000',
    api_key_id 'clerk'
  );
create foreign table bad_checksum_users (id text)
  server clerk_bad_checksum options (object 'users');
select show_error('select id from bad_checksum_users');
drop server clerk_bad_checksum cascade;
create server clerk_malformed_checksum
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum 'not-a-sha256'
  );
create server clerk_remote_without_checksum
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'https://example.invalid/clerk_fdw.wasm',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0'
  );
