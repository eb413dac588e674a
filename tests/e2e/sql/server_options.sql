-- Pins the validator: missing package options and unsupported URL schemes
-- are refused at CREATE SERVER with a hint, not at the first query.
create server clerk_no_name
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'file:///nowhere/clerk_fdw.wasm',
    fdw_package_version '0.1.0'
  );
create server clerk_bad_scheme
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'ftp://example.invalid/clerk_fdw.wasm',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum '0000000000000000000000000000000000000000000000000000000000000000'
  );
create server clerk_bad_timeout
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'file:///nowhere/clerk_fdw.wasm',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    http_timeout_ms 'soon'
  );
-- every size and time has an upper bound (a response is held in memory)
create server clerk_huge_response
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'file:///nowhere/clerk_fdw.wasm',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    http_max_response_bytes '17179869184'
  );
-- a file that is not a WebAssembly component fails at first use
\getenv wasm_url WASM_URL
create server clerk_not_a_component
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'file:///etc/passwd',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0'
  );
create foreign table not_a_component_users (id text)
  server clerk_not_a_component options (object 'users');
select id from not_a_component_users;
drop server clerk_not_a_component cascade;
-- a package that does not exist fails at first use, naming the file
create server clerk_missing_file
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url 'file:///nowhere/clerk_fdw.wasm',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0'
  );
create foreign table missing_file_users (id text)
  server clerk_missing_file options (object 'users');
select id from missing_file_users;
drop server clerk_missing_file cascade;
