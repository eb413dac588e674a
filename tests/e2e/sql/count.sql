-- Pins count(*) pushdown (the guest's optional count export,
-- wit/ext/aggregate.wit): one request where Clerk counts exactly what the
-- scan would return (GET /users/count with the same filters, total_count
-- of a one-row page), Postgres counting the scanned rows otherwise; the
-- result is the same either way.
\set reset '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
\set requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/total"'
-- every user: GET /users/count, one request
:reset
select count(*) from clerk.users;
:requests
-- a pushable filter: one request, the same as counting the scanned rows
:reset
select count(*) from clerk.users where banned = true;
:requests
with x as materialized (select * from clerk.users) select count(*) from x where banned;
select (select count(*) from clerk.users where banned)
     + (select count(*) from clerk.users where not banned)
     = (select count(*) from clerk.users) as adds_up;
-- several count(*) of the same scan: still one request
:reset
select count(*) as a, count(*) as b from clerk.users where banned;
:requests
-- id in (...): one count with both ids; an empty list needs no request
select array_agg(id order by id) as two_ids from (select id from clerk.users order by created_at limit 2) u \gset
:reset
select count(*) from clerk.users where id = any(:'two_ids'::text[]);
select count(*) from clerk.users where id = any('{}'::text[]);
:requests
-- organizations: the total_count of a one-row page
:reset
select count(*) from clerk.organizations;
:requests
with x as materialized (select * from clerk.organizations) select count(*) from x;
-- the memberships of one organization: one request
select organization_id as some_org from clerk.organization_memberships
  group by organization_id order by count(*) desc, organization_id limit 1 \gset
:reset
select count(*) from clerk.organization_memberships where organization_id = :'some_org';
:requests
with x as materialized (
  select * from clerk.organization_memberships where organization_id = :'some_org'
) select count(*) from x;
-- an organization that does not exist has none
select count(*) from clerk.organization_memberships where organization_id = 'org_doesnotexist';
-- an inexact qual (Clerk matches any of a user's addresses): Postgres
-- counts the rows it checked
select email as some_email from clerk.users where email is not null order by created_at limit 1 offset 7 \gset
explain (costs off) select count(*) from clerk.users where email = :'some_email';
select count(*) from clerk.users where email = :'some_email';
-- not count(*) alone: not pushed, still exact
explain (costs off) select count(id) from clerk.users;
select count(id), count(*) from clerk.users;
explain (costs off) select banned, count(*) from clerk.users group by banned;
select banned, count(*) from clerk.users group by banned order by banned;
select count(*) + 1 as plus_one from clerk.users where banned;
select count(*) from clerk.users where banned having count(*) > 0;
-- a parameter (a generic plan, a correlated subquery) is unknown at plan
-- time: not pushed
prepare banned_count(boolean) as select count(*) from clerk.users where banned = $1;
set plan_cache_mode = force_generic_plan;
explain (costs off) execute banned_count(true);
execute banned_count(true);
set plan_cache_mode = force_custom_plan;
explain (costs off) execute banned_count(true);
execute banned_count(true);
reset plan_cache_mode;
deallocate banned_count;
select o.id = :'some_org' as is_some_org,
       (select count(*) from clerk.organization_memberships m where m.organization_id = o.id)
         = (select count(*) from (select * from clerk.organization_memberships m2
                                   where m2.organization_id = o.id offset 0) s) as same_count
  from clerk.organizations o where o.id = :'some_org';
-- EXPLAIN of a pushed count: the framework's aggregate scan, the request
explain (costs off) select count(*) from clerk.users;
explain (verbose, costs off) select count(*) from clerk.users where banned = true;
explain (costs off) select count(*) from clerk.organization_memberships where organization_id = 'org_x';
explain (costs off) select count(*) from clerk.users where id = any('{}'::text[]);
:reset
explain (analyze, costs off, timing off, summary off) select count(*) from clerk.organizations;
:requests
-- a guest without the export (the probe) counts by scanning, as before
\getenv probe_url PROBE_V2_URL
\getenv emulator_url EMULATOR_URL
\set unknown_url :emulator_url '/v1/no/such/route'
create server probe_count
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v2',
    fdw_package_version '0.1.0'
  );
create foreign table probe_count_t (epoch_ok boolean) server probe_count options (url :'unknown_url');
explain (costs off) select count(*) from probe_count_t;
select count(*) from probe_count_t;
drop server probe_count cascade;
