-- Pins join keys read from a small local table (crates/wrappers/src/keys.rs):
-- a local table of ids joined to clerk.users on id costs one request per
-- 100 distinct ids (GET /users?user_id=...), not a scan of every user; the
-- rows are those of the full scan.
\set reset '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
\set requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/total"'
create function join_keys_lines(q text) returns setof text language plpgsql as $$
declare line text;
begin
  for line in execute 'explain (analyze, costs off, timing off, summary off) ' || q loop
    if line like '%Join Keys%' then
      return next trim(line);
    end if;
  end loop;
end $$;
-- the full scan's rows, for comparison (a materialized CTE is not joined
-- on the foreign table's column: no keys)
create table all_user_ids as
  with x as materialized (select id from clerk.users) select id from x;
create table join_ids (user_id varchar);
insert into join_ids select id from all_user_ids order by id limit 50;
-- a repeated id and a NULL change nothing
insert into join_ids values (null), ((select min(user_id) from join_ids));
analyze join_ids;
explain (costs off) select u.id from join_ids b join clerk.users u on u.id = b.user_id;
-- one request for 50 ids
:reset
select count(*) as rows, count(distinct u.id) as users
  from join_ids b join clerk.users u on u.id = b.user_id;
:requests
select array(select u.id from join_ids b join clerk.users u on u.id = b.user_id order by 1)
     = array(select a.id from join_ids b join all_user_ids a on a.id = b.user_id order by 1) as same_rows;
select * from join_keys_lines('select u.id from join_ids b join clerk.users u on u.id = b.user_id');
-- where ... = ... and in (select ...) are the same join
:reset
select count(*) from clerk.users u, join_ids b where b.user_id = u.id;
select count(*) from clerk.users u where u.id in (select user_id from join_ids);
:requests
-- 250 distinct ids: three requests of at most 100
insert into join_ids select id from all_user_ids order by id offset 50 limit 200;
analyze join_ids;
:reset
select count(distinct u.id) as users from join_ids b join clerk.users u on u.id = b.user_id;
:requests
select array(select u.id from join_ids b join clerk.users u on u.id = b.user_id order by 1)
     = array(select a.id from join_ids b join all_user_ids a on a.id = b.user_id order by 1) as same_rows;
-- the join's LIMIT is not the scan's: every joined row counts
select count(*) from (
  select u.id from clerk.users u join (select user_id from join_ids offset 0) b on b.user_id = u.id limit 40
) s;
select count(*) from (
  select u.id from join_ids b join clerk.users u on u.id = b.user_id order by u.id limit 5
) s;
-- clerk.users kept whole by an outer join: all its rows, no keys
select count(*) as users from clerk.users u left join join_ids b on b.user_id = u.id;
select count(u.id) as matched from join_ids b left join clerk.users u on u.id = b.user_id;
-- through a view the local table is read with the view owner's rights:
-- not read for keys (no Join Keys line), the same rows
create view join_ids_view as select user_id from join_ids;
select count(*) as lines from join_keys_lines('select u.id from join_ids_view b join clerk.users u on u.id = b.user_id');
select count(distinct u.id) as users from join_ids_view b join clerk.users u on u.id = b.user_id;
drop view join_ids_view;
-- a collation that is not deterministic matches ids Clerk would not:
-- not used, the same rows
create collation join_keys_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
create table join_ids_ci (user_id text collate join_keys_ci);
insert into join_ids_ci select upper(user_id) from join_ids where user_id is not null;
select count(*) as lines from join_keys_lines('select u.id from join_ids_ci b join clerk.users u on u.id = b.user_id');
select count(distinct u.id) as users from join_ids_ci b join clerk.users u on u.id = b.user_id;
drop table join_ids_ci;
drop collation join_keys_ci;
-- more than 1000 distinct values: not used, the same rows
insert into join_ids select 'user_none_' || g from generate_series(1, 1000) g;
analyze join_ids;
select * from join_keys_lines('select u.id from join_ids b join clerk.users u on u.id = b.user_id');
select count(distinct u.id) as users from join_ids b join clerk.users u on u.id = b.user_id;
drop table join_ids, all_user_ids;
drop function join_keys_lines(text);
