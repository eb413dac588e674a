-- Pins EXPLAIN of wasm foreign scans. Our guest has the optional export
-- clerk:wrappers-ext/explain (wit/ext): EXPLAIN shows the Clerk requests
-- the scan will make and what was pushed down, instead of the framework's
-- debug dump, without making any request; EXPLAIN ANALYZE adds the HTTP
-- requests made. The API key appears nowhere. A guest without the export
-- (the probe) keeps the framework's output.
\getenv probe_url PROBE_V2_URL
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["path"] + ("?" + e["query"] if e["query"] else ""), e["status"]) for e in json.load(sys.stdin)]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
select id as some_user from clerk.users order by created_at limit 1 \gset
select id as some_org from clerk.organizations order by created_at limit 1 offset 3 \gset
select id as other_org from clerk.organizations order by created_at limit 1 offset 5 \gset
:reset_log
-- A user by id: one GET.
explain (costs off) select id, username from clerk.users where id = :'some_user';
-- The same in VERBOSE: the same lines.
explain (verbose, costs off) select id, username from clerk.users where id = :'some_user';
-- Memberships routed by organization_id, role sent along.
explain (costs off) select user_id from clerk.organization_memberships
  where organization_id = :'some_org' and role = 'org:admin';
-- IN on the parent id: one request per organization.
explain (costs off) select user_id from clerk.organization_memberships
  where organization_id in (:'some_org', :'other_org');
-- A larger fan-out lists the first five.
explain (costs off) select user_id from clerk.organization_memberships
  where organization_id in ('org_a', 'org_b', 'org_c', 'org_d', 'org_e', 'org_f', 'org_g');
-- A qual Clerk cannot answer is checked by Postgres, and then the limit
-- cannot be sent; an expression never reaches the guest (only in Filter).
explain (costs off) select id from clerk.users
  where image_url = 'https://img.example/x.png' and username || '' = 'x' limit 3;
-- A superset filter (LIKE as Clerk's substring search) is in the query
-- string and checked by Postgres.
explain (costs off) select id from clerk.users where username like 'ann%';
-- ORDER BY and LIMIT sent: the first page asks for just enough rows.
explain (costs off) select id from clerk.users order by created_at desc limit 5 offset 2;
-- No row can match: no request.
explain (costs off) select id from clerk.users where id = any ('{}'::text[]);
-- A prepared statement's generic plan: the parameter's value is known
-- when the scan begins, so the request is the one execution makes.
set plan_cache_mode = force_generic_plan;
prepare user_by_id(text) as select id from clerk.users where id = $1;
explain (costs off) execute user_by_id('user_prepared');
deallocate user_by_id;
reset plan_cache_mode;
-- Other formats: one list per label.
explain (costs off, format json) select id from clerk.users where id = 'user_json';
explain (costs off, format yaml) select id from clerk.organization_memberships
  where organization_id in ('org_a', 'org_b');
-- A scan that would fail explains with the same error.
explain (costs off) select id from clerk.billing_statement;
-- None of the above made a request.
:log_requests
-- EXPLAIN ANALYZE: the planned requests, then the ones made.
explain (analyze, costs off, timing off, summary off)
  select id from clerk.users where id = :'some_user';
explain (analyze, verbose, costs off, timing off, summary off)
  select user_id from clerk.organization_memberships
  where organization_id in (:'some_org', :'other_org') and role = 'org:admin';
-- With timing, the time they took (masked here).
create function explain_lines(q text) returns setof text language plpgsql as $$
declare line text;
begin
  for line in execute q loop
    return next regexp_replace(line, '[0-9]+\.[0-9]{3} ms', '<n> ms');
  end loop;
end $$;
select line from explain_lines('explain (analyze, costs off, summary off)
  select id from clerk.users where id = ''' || :'some_user' || '''') line
 where line like '%HTTP%';
:log_requests
-- The API key is in no line, in any format, with or without ANALYZE (the
-- test runner also greps all output and the server log). The key is read
-- from Vault here, so that it is not in this statement's text either.
select count(*) filter (where strpos(line, (select decrypted_secret from vault.decrypted_secrets
                                             where name = 'clerk')) > 0) as lines_with_the_key,
       count(*) filter (where line like '%Clerk Request%') > 0 as described
  from (
    select explain_lines('explain (analyze, verbose, costs off) select * from clerk.users where id = '''
                         || :'some_user' || '''') as line
    union all
    select explain_lines('explain (verbose, format json) select * from clerk.organization_memberships
                          where organization_id = ''' || :'some_org' || '''')
  ) lines;
drop function explain_lines(text);
-- A guest without the export: the framework's output, as before, with and
-- without ANALYZE; the guest is not asked for anything more.
create server probe_explain
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v2',
    fdw_package_version '0.1.0'
  );
create foreign table probe_explain (epoch_ok boolean, parsed bigint) server probe_explain;
explain (costs off) select * from probe_explain where parsed > 0;
explain (analyze, costs off, timing off, summary off) select epoch_ok from probe_explain;
drop server probe_explain cascade;
