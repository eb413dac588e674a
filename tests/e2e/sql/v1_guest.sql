-- Pins running a guest built against supabase:wrappers@0.1.0 (the probe in
-- tests/guests/probe-v1, which echoes what the host hands it): rows and
-- typed cells, quals, sorts and limit, insert/update/delete with the row
-- id, the guest's own errors and report-error, and IMPORT FOREIGN SCHEMA
-- refused with a hint (0.1.0 has no such routine).
\getenv probe_url PROBE_V1_URL
set timezone = 'UTC';
set datestyle = 'ISO, MDY';
create server probe_v1
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v1',
    fdw_package_version '0.1.0'
  );
create foreign table probe_rows (
  id bigint, name text, quals text, sorts text, lim text,
  created_at timestamptz, ok boolean, extra text
) server probe_v1 options (rows '4', rowid_column 'id');
select id, name, created_at, ok, extra from probe_rows order by id;
select id, quals from probe_rows where name = 'row-2' and id >= 2;
select id, sorts, lim from probe_rows order by created_at desc limit 2;
create foreign table probe_types (id integer, created_at date, stamp timestamp)
  server probe_v1 options (rows '2');
select id, created_at from probe_types order by id;
insert into probe_rows (id, name, created_at, ok) values (10, 'new', '2024-05-06 07:08:09+00', true);
update probe_rows set name = 'renamed' where id = 2;
delete from probe_rows where id = 3;
create foreign table probe_fail (id bigint) server probe_v1 options (fail 'probe failed on purpose');
select id from probe_fail;
create foreign table probe_report (id bigint) server probe_v1 options (report_error 'probe reported an error');
select id from probe_report;
create foreign table probe_bad_rows (id bigint) server probe_v1 options (rows 'many');
select id from probe_bad_rows;
create schema probe_import;
import foreign schema anything from server probe_v1 into probe_import;
drop schema probe_import;
drop server probe_v1 cascade;
