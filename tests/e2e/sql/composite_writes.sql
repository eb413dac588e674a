-- Pins the writes addressed by a composite row id besides memberships':
-- DELETE revokes an organization invitation, UPDATE and DELETE change and
-- remove an organization domain, each by organization_id/id (the key
-- column IMPORT FOREIGN SCHEMA makes the rowid_column, since Clerk's paths
-- take both ids), whatever the WHERE; the requests they make (the
-- emulator's log), the row read back after each write, and Clerk's
-- refusals as ERRORs. The emulator is reset at the end.
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["route"], e["status"]) for e in json.load(sys.stdin)]'''
\set log_writes '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["route"], e["status"]) for e in json.load(sys.stdin) if e["method"] != "GET"]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
:reset_log
select ftoptions from pg_foreign_table
 where ftrelid in ('clerk.organization_invitations'::regclass, 'clerk.organization_domains'::regclass)
 order by ftrelid::regclass::text;

-- Organization invitations: created in the organization the row names,
-- the key is organization_id/id.
select id as inv_org from clerk.organizations order by created_at limit 1 offset 1 \gset
insert into clerk.organization_invitations (organization_id, email_address, role)
  values (:'inv_org', 'composite@wrapper-test.example', 'org:member');
select status, invitation_key = organization_id || '/' || id as keyed, url is not null as has_url
  from clerk.organization_invitations
 where organization_id = :'inv_org' and email_address = 'composite@wrapper-test.example';
-- DELETE revokes it: the row stays, revoked (as Clerk answers).
delete from clerk.organization_invitations
 where organization_id = :'inv_org' and email_address = 'composite@wrapper-test.example';
select status, url is null as no_url
  from clerk.organization_invitations
 where organization_id = :'inv_org' and email_address = 'composite@wrapper-test.example';
:log_requests
-- Only a pending invitation can be revoked.
select show_error(format('delete from clerk.organization_invitations where organization_id = %L and email_address = %L',
                         :'inv_org', 'composite@wrapper-test.example'));
-- Through the instance-wide list (no organization_id in the WHERE), the
-- key still names the organization; RETURNING gives the revoked row.
insert into clerk.organization_invitations (organization_id, email_address, role)
  values (:'inv_org', 'composite.two@wrapper-test.example', 'org:admin');
delete from clerk.organization_invitations where email_address = 'composite.two@wrapper-test.example'
  returning status, role, invitation_key = :'inv_org' || '/' || id as keyed;
-- Several rows at once: every pending invitation of the organization.
select count(*) > 0 as some_pending from clerk.organization_invitations
 where organization_id = :'inv_org' and status = 'pending';
delete from clerk.organization_invitations where organization_id = :'inv_org' and status = 'pending';
select status, count(*) > 0 as some from clerk.organization_invitations
 where organization_id = :'inv_org' group by status order by status;
select count(*) as pending_left from clerk.organization_invitations
 where organization_id = :'inv_org' and status = 'pending';
-- A table declaring the bare id as its row id cannot address an
-- invitation: the ERROR says what the row id must hold.
create foreign table bare_id_invitations (id text, organization_id text, email_address text)
  server clerk_server options (object 'organization_invitations', rowid_column 'id');
insert into clerk.organization_invitations (organization_id, email_address, role)
  values (:'inv_org', 'composite.three@wrapper-test.example', 'org:member');
select regexp_replace(e, 'orginv_[0-9A-Za-z]+', 'orginv_<id>') as show_error
  from show_error('delete from bare_id_invitations where email_address = ''composite.three@wrapper-test.example''') e;
select status from clerk.organization_invitations where email_address = 'composite.three@wrapper-test.example';
drop foreign table bare_id_invitations;
:reset_log

-- Organization domains: created, updated and deleted by organization_id/id,
-- in an organization with a seeded domain.
select organization_id as dom_org from clerk.organization_domains order by name limit 1 \gset
insert into clerk.organization_domains (organization_id, name, enrollment_mode)
  values (:'dom_org', 'composite.wrapper-test.example', 'manual_invitation');
select enrollment_mode, domain_key = organization_id || '/' || id as keyed, verification->>'status' as verification
  from clerk.organization_domains where name = 'composite.wrapper-test.example';
-- A typed column Clerk's PATCH takes; the WHERE names no organization.
update clerk.organization_domains set enrollment_mode = 'automatic_invitation'
 where name = 'composite.wrapper-test.example';
select enrollment_mode from clerk.organization_domains where name = 'composite.wrapper-test.example';
-- `verified` has no column (the verification objects tell it): attrs
-- carries it, a typed column beside it.
update clerk.organization_domains set attrs = '{"verified": false}', enrollment_mode = 'manual_invitation'
 where organization_id = :'dom_org' and name = 'composite.wrapper-test.example';
select enrollment_mode, verification->>'status' as verification
  from clerk.organization_domains where name = 'composite.wrapper-test.example';
:log_requests
-- Clerk's refusal: an unverified domain enrolls by invitation only.
select show_error(format('update clerk.organization_domains set enrollment_mode = %L where name = %L',
                         'automatic_suggestion', 'composite.wrapper-test.example'));
-- A column the PATCH does not take (a domain is never renamed).
select show_error(format('update clerk.organization_domains set name = %L where name = %L',
                         'renamed.wrapper-test.example', 'composite.wrapper-test.example'));
delete from clerk.organization_domains where name = 'composite.wrapper-test.example';
select count(*) as after_delete from clerk.organization_domains where name = 'composite.wrapper-test.example';
-- Every domain of one organization, its seeded one included, by its
-- organization's list.
select count(*) > 0 as has_domains from clerk.organization_domains where organization_id = :'dom_org';
delete from clerk.organization_domains where organization_id = :'dom_org';
select count(*) as left_in_org from clerk.organization_domains where organization_id = :'dom_org';
-- Every write request since the reset, the refused ones included.
:log_writes
-- Back to the seeded data for the suites that follow.
:reset_log
