-- Pins paging: a full scan walks every page and returns each object exactly
-- once (the emulator holds 1234 users, 57 organizations, 500 per page).
select count(*) as users, count(distinct id) as distinct_ids from clerk.users;
select count(*) as organizations, count(distinct id) as distinct_ids from clerk.organizations;
-- every row produced and every scan are counted in the stats table
select fdw_name, create_times >= 2 as instances_counted, rows_out >= 1234 + 57 as rows_counted,
       bytes_in > 0 as bytes_counted
  from extensions.wrappers_fdw_stats order by fdw_name;
