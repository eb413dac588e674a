-- Pins the qual forms the framework's extraction misreads or leaves out
-- (crates/wrappers/src/quals.rs): a column on the right of its operator,
-- a stable expression, a `$n` inside an expression or an array, and a
-- LIMIT over a clause Clerk never sees. Each is compared with the same
-- query over a local copy of the users, which Postgres filters alone, and
-- the emulator's request log shows what was sent.
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["path"] + ("?" + e["query"] if e["query"] else ""), e["status"]) for e in json.load(sys.stdin)]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
create temporary table all_users as select * from clerk.users;

-- The column on the right: the window is created_at > t, not < t.
:reset_log
select count(*) as after_june_2025 from clerk.users where '2025-06-01' < created_at;
:log_requests
select (select count(*) from clerk.users where '2025-06-01' < created_at)
     = (select count(*) from all_users where created_at > '2025-06-01') as same_count,
       (select count(*) from clerk.users where '2025-06-01' >= created_at)
     = (select count(*) from all_users where created_at <= '2025-06-01') as same_count_before,
       (select count(*) from clerk.users where 'false' = banned)
     = (select count(*) from all_users where not banned) as same_banned;

-- A stable expression is evaluated when the scan begins and pushed like a
-- constant (timestamptz minus an interval depends on the time zone, so
-- Postgres does not fold it at plan time).
:reset_log
select count(*) as in_window from clerk.users
  where created_at > '2026-12-01'::timestamptz - interval '400 days';
:log_requests
select (select count(*) from clerk.users where created_at > '2026-12-01'::timestamptz - interval '400 days')
     = (select count(*) from all_users where created_at > '2026-12-01'::timestamptz - interval '400 days')
  as same_window;
-- now() the same way; EXPLAIN shows the window sent (its value masked).
create function masked_plan(q text) returns setof text language plpgsql as $$
declare line text;
begin
  for line in execute 'explain (verbose, costs off) ' || q loop
    return next regexp_replace(regexp_replace(line, '[0-9]{13}', '<ms>', 'g'),
                               '''[0-9]{4}-[^'']*''', '<time>', 'g');
  end loop;
end $$;
select masked_plan($$select id from clerk.users where created_at > now() - interval '30 days'$$);
select (select count(*) from clerk.users where created_at > now() - interval '400 days')
     = (select count(*) from all_users where created_at > now() - interval '400 days') as same_now_window;
-- A volatile expression is never evaluated ahead: Postgres alone checks it.
select masked_plan($$select id from clerk.users where created_at > clock_timestamp() - interval '30 days'$$);

-- A prepared statement's $n inside an expression, and a $n array with
-- any(): pushed under a generic plan too, one request per execution.
set plan_cache_mode = force_generic_plan;
prepare day_before(timestamptz) as
  select count(*) from clerk.users where created_at > $1 - interval '1 day' and created_at <= $1;
prepare some_ids(text[]) as select id from clerk.users where id = any($1) order by id;
select id as first_id from all_users order by created_at limit 1 \gset
select id as second_id from all_users order by created_at limit 1 offset 1 \gset
:reset_log
execute day_before('2025-01-01');
execute some_ids(array[:'first_id', :'second_id', 'user_missing']);
execute some_ids('{}');
:log_requests
select (select count(*) from all_users where created_at > '2024-12-31' and created_at <= '2025-01-01')
  as day_before_by_postgres;
reset plan_cache_mode;
deallocate day_before;
deallocate some_ids;

-- A LIMIT over a clause Clerk never sees is not sent: the scan reads on
-- until Postgres has its rows.
select masked_plan($$select id from clerk.users where upper(first_name) like 'B%' limit 3$$);
select count(*) as three from (select id from clerk.users where upper(first_name) like 'B%' limit 3) s;
-- With every clause seen and exact, the limit is still sent.
select masked_plan($$select id from clerk.users where banned = false limit 3$$);

drop function masked_plan(text);
drop table all_users;
