-- Pins the compiled-component cache: the first backend that loads a package
-- leaves its compiled code in wasm_fdw_cache/, named by the package's
-- sha256; a damaged cache file is never trusted (it is dropped and the
-- package recompiled).
\getenv wasm_checksum WASM_CHECKSUM
select count(*) from clerk.organizations where id = 'org_none';
select count(*) as compiled_copies
  from pg_ls_dir('wasm_fdw_cache') f
 where f like :'wasm_checksum' || '-%.cwasm';
select setting as data_dir from pg_settings where name = 'data_directory' \gset
\setenv DATA_DIR :data_dir
\! for f in "$DATA_DIR"/wasm_fdw_cache/*.cwasm; do echo 'not machine code' > "$f"; done
select count(*) as damaged_copies
  from pg_ls_dir('wasm_fdw_cache') f
 where f like :'wasm_checksum' || '-%.cwasm'
   and (pg_stat_file('wasm_fdw_cache/' || f)).size < 100;
\c
select count(*) from clerk.organizations;
select count(*) as compiled_copies
  from pg_ls_dir('wasm_fdw_cache') f
 where f like :'wasm_checksum' || '-%.cwasm'
   and (pg_stat_file('wasm_fdw_cache/' || f)).size > 1000;
