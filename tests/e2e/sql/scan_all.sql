-- Pins paging: a full scan walks every page and returns each object exactly
-- once (the emulator holds 1234 users, 57 organizations, 500 per page).
select count(*) as users, count(distinct id) as distinct_ids from clerk.users;
select count(*) as organizations, count(distinct id) as distinct_ids from clerk.organizations;
