-- Pins qual routing and pushdown on the imported tables: the endpoint a
-- query goes to, and the query string sent, read from the emulator's
-- request log; and that the rows are the same as without pushdown.
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["path"] + ("?" + e["query"] if e["query"] else ""), e["status"]) for e in json.load(sys.stdin)]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
select id as some_org from clerk.organizations order by created_at limit 1 offset 3 \gset
select id as other_org from clerk.organizations order by created_at limit 1 offset 5 \gset
select user_id as some_member from clerk.organization_memberships
  where organization_id = :'some_org' order by user_id limit 1 \gset

-- Memberships of one organization: its own endpoint, role pushed.
:reset_log
select count(*) as members, count(*) filter (where organization_id = :'some_org') as of_that_org
  from clerk.organization_memberships where organization_id = :'some_org';
select count(*) as admins from clerk.organization_memberships
  where organization_id = :'some_org' and role = 'org:admin';
:log_requests
-- The same rows as the instance-wide list filtered by Postgres (a
-- materialized CTE keeps the quals out of the scan).
with everything as materialized (select * from clerk.organization_memberships)
select (select array_agg(id order by id) from clerk.organization_memberships
         where organization_id = :'some_org' and role = 'org:admin')
     = (select array_agg(id order by id) from everything
         where organization_id = :'some_org' and role = 'org:admin') as same_rows;
-- A clause Clerk cannot evaluate stays with Postgres, silently (no
-- WARNING with the planner's node tree).
select count(*) as members_whose_role_ends_in_admin from clerk.organization_memberships
  where organization_id = :'some_org' and role || '' like '%admin';

-- Memberships of one user: the user's endpoint.
:reset_log
select count(*) > 0 as has_memberships, bool_and(user_id = :'some_member') as all_that_user
  from clerk.organization_memberships where user_id = :'some_member';
:log_requests

-- IN on a parent id: one request per value.
:reset_log
select count(distinct organization_id) as orgs from clerk.organization_memberships
  where organization_id in (:'some_org', :'other_org');
:log_requests

-- Organization invitations: per organization with status pushed, or
-- instance-wide.
:reset_log
select count(*) as pending_of_that_org from clerk.organization_invitations
  where organization_id = :'some_org' and status = 'pending';
select count(*) as pending from clerk.organization_invitations where status = 'pending';
:log_requests
with everything as materialized (select * from clerk.organization_invitations)
select (select array_agg(id order by id) from clerk.organization_invitations where organization_id = :'some_org')
     = (select array_agg(id order by id) from everything where organization_id = :'some_org') as same_invitations;

-- Instance invitations: status pushed, order and limit too (exact).
:reset_log
select array_agg(id) as newest_three from (
  select id from clerk.invitations where status = 'accepted' order by created_at desc limit 3
) i \gset
:log_requests
with everything as materialized (select * from clerk.invitations)
select array_agg(id)::text = :'newest_three' as same_three from (
  select id from everything where status = 'accepted' order by created_at desc limit 3
) i;

-- The incremental-sync query: `updated_at > $last_sync` reads users newest
-- first and stops at the first older one (one page here, not three).
select updated_at as last_sync from clerk.users order by updated_at desc limit 1 offset 20 \gset
prepare changed_since(timestamptz) as
  select count(*) from clerk.users where updated_at > $1;
:reset_log
execute changed_since(:'last_sync');
:log_requests
with everything as materialized (select * from clerk.users)
select count(*) as same_count_without_pushdown from everything where updated_at > :'last_sync';
deallocate changed_since;

-- The debug server option reports each request Clerk gets as an INFO
-- message (method, path and query, status, milliseconds; never a key).
alter server clerk_server options (add debug 'true');
\! psql -X -q -d clerk_e2e -c "select count(id) from clerk.organizations where id = 'org_doesnotexist'" 2>&1 | sed -E 's/ [0-9]+ ms/ <n> ms/'
alter server clerk_server options (drop debug);
