-- Pins a rejected API key: an ERROR carrying Clerk's own message, with a
-- hint, and the key itself nowhere (not in the error, not in EXPLAIN; the
-- test runner also greps the server log).
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\getenv wrong_key CLERK_WRONG_KEY
create server clerk_wrong_key
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url',
    api_key :'wrong_key'
  );
create foreign table wrong_key_users (id text)
  server clerk_wrong_key options (object 'users');
select show_error('select id from wrong_key_users');
explain (verbose, costs off) select id from wrong_key_users where id = 'user_x';
drop server clerk_wrong_key cascade;
