-- Pins INSERT, UPDATE and DELETE: Supabase's attrs form unchanged, typed
-- columns mapped to Clerk's body fields, the row read back after each
-- write, and Clerk's refusals as ERRORs with their SQLSTATE and column.
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["route"], e["status"]) for e in json.load(sys.stdin)]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
:reset_log
-- Supabase's form, verbatim from their docs: the body is the attrs JSON.
insert into clerk.users (attrs) values ('{"email_address": ["user@example.com"], "password": "secure123"}');
select count(*) as created, min(first_name) is null as no_first_name from clerk.users where email = 'user@example.com';
select id as attrs_user from clerk.users where email = 'user@example.com' \gset
update clerk.users set attrs = '{"first_name": "John", "last_name": "Doe"}' where id = :'attrs_user';
select first_name, last_name from clerk.users where id = :'attrs_user';
delete from clerk.users where id = :'attrs_user';
select count(*) as after_delete from clerk.users where id = :'attrs_user';

-- Typed columns, as people write SQL.
insert into clerk.users (email, first_name, external_id) values ('b@example.com', 'Bo', 'crm-42');
select email, first_name, external_id from clerk.users where external_id = 'crm-42';
-- UPDATE ... WHERE anything: Postgres scans, then updates each row by id,
-- sending only the columns the SET names.
update clerk.users set first_name = 'Ada', last_name = 'Lovelace' where external_id = 'crm-42';
select first_name, last_name, email from clerk.users where external_id = 'crm-42';
:log_requests
delete from clerk.users where external_id = 'crm-42';
select count(*) as gone from clerk.users where external_id = 'crm-42';

-- Organizations, as in Supabase's docs.
insert into clerk.organizations (attrs) values ('{"name": "My Organization", "slug": "my-org"}');
select name, slug from clerk.organizations where slug = 'my-org';
update clerk.organizations set name = 'Updated Name' where slug = 'my-org';
select name from clerk.organizations where slug = 'my-org';
delete from clerk.organizations where slug = 'my-org';
select count(*) from clerk.organizations where slug = 'my-org';

-- Small config tables: allow-list (an email, phone number or web3 wallet,
-- as Clerk's spec says), redirect URLs.
insert into clerk.allowlist_identifiers (identifier) values ('allowed@wrapper-test.example');
select identifier, identifier_type from clerk.allowlist_identifiers where identifier = 'allowed@wrapper-test.example';
delete from clerk.allowlist_identifiers where identifier = 'allowed@wrapper-test.example';
select count(*) from clerk.allowlist_identifiers where identifier = 'allowed@wrapper-test.example';
insert into clerk.redirect_urls (url) values ('https://wrapper-test.example/callback');
select count(*) from clerk.redirect_urls where url = 'https://wrapper-test.example/callback';
delete from clerk.redirect_urls where url = 'https://wrapper-test.example/callback';

-- Refusals: Clerk's message, the column it names, a fitting SQLSTATE;
-- nothing is retried.
insert into clerk.users (email) values ('dup@example.com');
select show_error('insert into clerk.users (email) values (''dup@example.com'')');
delete from clerk.users where email = 'dup@example.com';
select show_error('insert into clerk.organizations (slug) values (''no-name'')');
-- A column or table that cannot be written: the ERROR lists what can,
-- raised while the statement is planned (the guest's `modify` export):
-- also when no row matches, and before a multi-row statement has written
-- anything or even scanned (the request log stays empty).
select id as some_user from clerk.users order by created_at limit 1 \gset
:reset_log
select show_error(format('update clerk.users set email = %L where id = %L', 'x@example.com', :'some_user'));
select show_error('update clerk.users set updated_at = now() where id = ''user_nobody''');
select show_error('update clerk.users set first_name = ''Ann'', updated_at = now()');
select show_error('insert into clerk.users (id, email) values (''user_mine'', ''a@wrapper-test.example'')');
select show_error('insert into clerk.billing_plans (id) values (''x'')');
select show_error('delete from clerk.billing_plans where id = ''nothing''');
select show_error('delete from clerk.role_sets where id = ''nothing''');
:log_requests
select id as some_redirect from clerk.redirect_urls order by id limit 1 \gset
select show_error(format('update clerk.redirect_urls set url = %L where id = %L', 'https://x.example', :'some_redirect'));
select show_error('insert into clerk.users (attrs) values (''[1, 2]'')');
-- A role that may read but not write, by Postgres privileges.
create role clerk_reader;
grant usage on schema clerk to clerk_reader;
grant select on clerk.redirect_urls to clerk_reader;
set role clerk_reader;
select show_error('insert into clerk.redirect_urls (url) values (''https://reader.example'')');
reset role;
drop owned by clerk_reader;
drop role clerk_reader;
-- Back to the seeded data for the suites that follow.
:reset_log

-- Beyond Supabase's writes: a membership created in the organization its
-- row names, a ban and metadata through their own endpoints, an API key
-- revoked by DELETE, RBAC and machines.
select id as member_org from clerk.organizations order by created_at limit 1 offset 2 \gset
select u.id as new_member from clerk.users u
 where not exists (select 1 from clerk.organization_memberships m
                    where m.organization_id = :'member_org' and m.user_id = u.id)
 order by u.created_at limit 1 \gset
insert into clerk.organization_memberships (organization_id, user_id, role)
  values (:'member_org', :'new_member', 'org:member');
select role from clerk.organization_memberships where organization_id = :'member_org' and user_id = :'new_member';
select show_error(format('insert into clerk.organization_memberships (organization_id, user_id, role) values (%L, %L, %L)',
                         :'member_org', :'new_member', 'org:member'));
-- A membership's row id is organization_id/user_id (Clerk addresses it by
-- both): update and delete with any where.
update clerk.organization_memberships set role = 'org:admin'
 where organization_id = :'member_org' and user_id = :'new_member';
select role, membership_key = :'member_org' || '/' || :'new_member' as keyed
  from clerk.organization_memberships where organization_id = :'member_org' and user_id = :'new_member';
delete from clerk.organization_memberships where organization_id = :'member_org' and user_id = :'new_member';
select count(*) from clerk.organization_memberships where organization_id = :'member_org' and user_id = :'new_member';
:reset_log
update clerk.users set banned = true, public_metadata = '{"plan": "pro"}' where id = :'new_member';
select banned, public_metadata from clerk.users where id = :'new_member';
update clerk.users set banned = false where id = :'new_member';
select banned from clerk.users where id = :'new_member';
:log_requests
insert into clerk.api_keys (subject, name) values (:'new_member', 'ci key');
select name, revoked from clerk.api_keys where subject = :'new_member' and name = 'ci key';
delete from clerk.api_keys where subject = :'new_member' and name = 'ci key';
select name, revoked from clerk.api_keys where subject = :'new_member' and name = 'ci key';
insert into clerk.organization_permissions (name, key, description)
  values ('Export reports', 'org:reports:export', 'Download CSV exports');
update clerk.organization_permissions set description = 'Download exports' where key = 'org:reports:export';
select name, description from clerk.organization_permissions where key = 'org:reports:export';
delete from clerk.organization_permissions where key = 'org:reports:export';
select count(*) from clerk.organization_permissions where key = 'org:reports:export';
insert into clerk.machines (name) values ('ci-machine');
select count(*) from clerk.machines where name = 'ci-machine';
delete from clerk.machines where name = 'ci-machine';
select count(*) from clerk.machines where name = 'ci-machine';
insert into clerk.invitations (email_address) values ('invited@wrapper-test.example');
select status from clerk.invitations where email_address = 'invited@wrapper-test.example';
delete from clerk.invitations where email_address = 'invited@wrapper-test.example';
select status from clerk.invitations where email_address = 'invited@wrapper-test.example';
:reset_log
