-- Pins list scans with pages in flight (server option
-- max_concurrent_requests): the fast guest keeps the next pages of a list
-- in flight through our host's http-concurrent import, the portable guest
-- fetches one page at a time whatever the option says; the rows are the
-- same either way. test.sh runs this file with both (WASM_FLAVOUR).
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_url CLERK_API_URL
\set knobs '\\! curl -sf -X PATCH -H ''content-type: application/json'' "$EMULATOR_URL/__emulator/knobs" -o /dev/null -d '
\set reset_emulator '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
-- waits until the emulator answers no request (pages sent ahead and
-- abandoned still reach it), so that the next log starts clean
\set settle '\\! for i in $(seq 100); do curl -sf "$EMULATOR_URL/__emulator/requests/concurrency" | grep -q ''"in_flight":0'' && break; sleep 0.1; done'
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["path"] + ("?" + e["query"] if e["query"] else ""), e["status"]) for e in json.load(sys.stdin)]'''
\set in_flight_as_expected '\\! curl -sf "$EMULATOR_URL/__emulator/requests/concurrency" | python3 -c ''import json,os,sys; peak=json.load(sys.stdin)["peak"]; fast=os.environ["WASM_FLAVOUR"]=="fast"; print("several requests at once exactly when the guest is the fast one:", (peak > 1) == fast)'''
create server clerk_concurrent foreign data wrapper wasm_wrapper options (
  fdw_package_url :'wasm_url',
  fdw_package_name 'supabase:clerk-fdw',
  fdw_package_version '0.1.0',
  fdw_package_checksum :'wasm_checksum',
  api_url :'api_url',
  api_key_id 'clerk',
  max_concurrent_requests '4'
);
create foreign table concurrent_users (id text, email text, created_at timestamptz)
  server clerk_concurrent options (object 'users');

-- Every user once, in the sequential scan's order; with 150 ms per answer
-- the fast guest has pages in flight together.
select array_agg(id) as sequential from (select id from clerk.users) u \gset
:reset_emulator
:knobs '{"latency_ms": 150}'
select array_agg(id) = :'sequential' as same_rows_same_order, count(*) as users,
       count(distinct id) as distinct_users
  from (select id from concurrent_users) u;
:in_flight_as_expected
:settle
:reset_emulator

-- A pushed limit bounds the pages sent ahead: the same requests as one at
-- a time.
select count(*) as seven_hundred from (select id from concurrent_users limit 700) u;
:log_requests
-- EXPLAIN ANALYZE counts the requests whose answers were read (a page
-- sent ahead and not needed is not one): the 3 pages, and for the fast
-- guest the GET /users/count it sends alongside the second page once the
-- first came back full, so that no page goes past the end.
\getenv flavour WASM_FLAVOUR
create function analyzed(q text) returns setof text language plpgsql as $$
declare line text;
begin
  for line in execute 'explain (analyze, costs off, timing off, summary off) ' || q loop
    if line not like '%HTTP Time%' and line not like '%HTTP Requests%' then
      return next line;
    end if;
  end loop;
end $$;
create function http_requests(q text) returns int language plpgsql as $$
declare line text;
begin
  for line in execute 'explain (analyze, costs off, timing off, summary off) ' || q loop
    if line like '%HTTP Requests:%' then
      return substring(line from 'HTTP Requests: ([0-9]+)')::int;
    end if;
  end loop;
  return null;
end $$;
select analyzed('select id from concurrent_users');
select http_requests('select id from concurrent_users') = 3 + (:'flavour' = 'fast')::int
  as three_pages_and_the_fast_guests_count;
drop function analyzed(text), http_requests(text);

-- The option's value is checked.
alter server clerk_concurrent options (set max_concurrent_requests '0');
select show_error('select count(id) from concurrent_users');
alter server clerk_concurrent options (set max_concurrent_requests 'lots');
select show_error('select count(id) from concurrent_users');
drop server clerk_concurrent cascade;
:reset_emulator
