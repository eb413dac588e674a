-- Pins the planner's row estimates for foreign scans (crates/wrappers/src/
-- estimate.rs): a table no scan has counted is taken to hold 1000 rows, a
-- complete unfiltered scan in this session counts it, and the quals'
-- selectivity applies on top. Two foreign tables joined on ids make a hash
-- join, not a nested loop that would rescan one for each row of the other.
create function estimated_rows(q text) returns text language plpgsql as $$
declare line text;
begin
  for line in execute 'explain ' || q loop
    if line like '%Foreign Scan%' then
      return substring(line from 'rows=([0-9]+)');
    end if;
  end loop;
  return null;
end $$;
select estimated_rows('select id from clerk.organizations') as before_any_scan,
       estimated_rows('select id from clerk.organizations where id = ''org_x''') as one_id;
select count(id) as organizations from clerk.organizations;
select estimated_rows('select id from clerk.organizations') as after_a_full_scan;
-- a scan with a condition or a limit counts nothing
select count(id) from clerk.users where banned = false;
select estimated_rows('select id from clerk.users') as users_still_uncounted;
explain (costs off) select u.id from clerk.users u join clerk.organization_memberships m on m.user_id = u.id;
drop function estimated_rows(text);
