-- Pins loading the package over http://: downloaded once, verified against
-- the mandatory checksum, cached by that checksum in the data directory
-- (so a second URL with the same sum needs no download), and errors that
-- name the cause: a wrong checksum, a missing file.
\getenv package_http_url PACKAGE_HTTP_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\set package_url :package_http_url '/clerk_fdw.wasm'
\set gone_url :package_http_url '/gone.wasm'
create server clerk_over_http
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'package_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url',
    api_key_id 'clerk'
  );
create foreign table http_orgs (id text) server clerk_over_http options (object 'organizations');
select count(*) from http_orgs;
select count(*) as cached_copies
  from pg_ls_dir('wasm_fdw_cache') f
 where f = :'wasm_checksum' || '.wasm';
-- the same checksum at a URL that does not exist: served from the cache
alter server clerk_over_http options (set fdw_package_url :'gone_url');
select count(*) from http_orgs;
-- a checksum that no cached copy has: downloaded, and a 404 is an error
alter server clerk_over_http
  options (set fdw_package_checksum 'abababababababababababababababababababababababababababababababab');
select show_error('select id from http_orgs');
-- the file exists but is not the one the checksum names
alter server clerk_over_http options (set fdw_package_url :'package_url');
select show_error('select id from http_orgs');
drop server clerk_over_http cascade;
