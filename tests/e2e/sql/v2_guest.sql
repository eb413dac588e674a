-- Pins the host's side of every 0.2.0 import, through the probe guest in
-- tests/guests/probe-v2 (time, jwt, http, stats, utils incl. vault and
-- session settings, every cell type) and what happens when a guest breaks
-- the contract: always an ERROR naming the problem, never a crashed backend.
-- The server allows the probe's requests to loopback (allowed_hosts) and
-- its Vault secret (named by probe_key_name), see outbound.sql.
\getenv probe_url PROBE_V2_URL
\getenv emulator_url EMULATOR_URL
\set unknown_url :emulator_url '/v1/no/such/route'
set timezone = 'UTC';
set datestyle = 'ISO, MDY';
create server probe_v2
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v2',
    fdw_package_version '0.1.0',
    allowed_hosts '127.0.0.1',
    probe_key_name 'probe_secret'
  );
select vault.create_secret('twelve chars', 'probe_secret') is not null as secret_created;
set probe.value = 'from the session';
create foreign table probe (
  epoch_ok boolean, parsed bigint, parsed_fmt bigint, formatted text, setting text,
  vault_len integer, jwt_parts integer, http_status integer, http_error text,
  metadata text, num numeric, uid uuid, doc jsonb, day date, cell_text text
) server probe_v2 options (url :'unknown_url');
\x on
select * from probe;
\x off
-- the probe's stats and metadata reached the stats table
select fdw_name, create_times >= 1 as counted, metadata
  from extensions.wrappers_fdw_stats where fdw_name = 'probe_v2';
-- IMPORT FOREIGN SCHEMA takes the guest's statements
create schema probe_import;
import foreign schema anything from server probe_v2 into probe_import;
select num, uid, doc, day from probe_import.probe;
drop schema probe_import cascade;
-- a guest that breaks the contract
create foreign table probe_extra (epoch_ok boolean) server probe_v2 options (misbehave 'extra_cell');
select * from probe_extra;
create foreign table probe_wrong_type (parsed bigint) server probe_v2 options (misbehave 'wrong_type');
select * from probe_wrong_type;
create foreign table probe_bad_json (doc jsonb) server probe_v2 options (misbehave 'bad_json');
select * from probe_bad_json;
create foreign table probe_bad_column (parsed bigint) server probe_v2 options (misbehave 'bad_column');
select show_error('select * from probe_bad_column');
create foreign table probe_other_options (parsed bigint) server probe_v2 options (misbehave 'other_options');
select show_error('select * from probe_other_options');
-- a guest stuck in a loop is stopped by statement_timeout (and query cancel)
create foreign table probe_spin (parsed bigint) server probe_v2 options (misbehave 'spin');
set statement_timeout = '300ms';
select * from probe_spin;
reset statement_timeout;
-- a guest that wants ever more memory stops at the server's limit
-- (wasm_memory_limit_mb, 512 MiB by default) with an ERROR saying so
create foreign table probe_hog (parsed bigint) server probe_v2 options (misbehave 'hog');
select show_error('select * from probe_hog');
alter server probe_v2 options (add wasm_memory_limit_mb '128');
select show_error('select * from probe_hog');
alter server probe_v2 options (set wasm_memory_limit_mb '5000');
alter server probe_v2 options (drop wasm_memory_limit_mb);
-- a column type the host has no guest type for reaches 0.2.0 guests as `other`
create foreign table probe_interval (parsed interval) server probe_v2;
select * from probe_interval;
-- the backend survived all of the above
select 1 as still_alive;
drop server probe_v2 cascade;
delete from vault.secrets where name = 'probe_secret';
