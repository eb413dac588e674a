-- Pins RETURNING on INSERT, UPDATE and DELETE: the object Clerk answered
-- with, typed like a scan, through the guest's optional
-- clerk:wrappers-ext/returning export; DELETE returns the row as it was
-- scanned (Clerk answers a deletion notice) or the revoked object; a guest
-- without the export is refused at plan time, as before.
\set log_last '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log?limit=$LOG_LAST" | python3 -c ''import json,sys; [print(e["method"], e["route"], e["status"]) for e in json.load(sys.stdin)]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
:reset_log
set timezone = 'UTC';
set datestyle = 'ISO, MDY';
-- The new user's id and creation time, as Clerk made them (the emulator's
-- clock and ids are deterministic).
insert into clerk.users (email, first_name) values ('b@example.com', 'Bo')
  returning id, created_at;
-- typed like a scan: the same values a read gives
insert into clerk.users (email, first_name, external_id) values ('ret@example.com', 'Ret', 'crm-7')
  returning id as new_user, created_at as new_created \gset
-- one POST per row, nothing read back
\setenv LOG_LAST 1
:log_last
select id = :'new_user' as same_id, created_at = :'new_created' as same_created,
       pg_typeof(created_at) as created_type, email, first_name, external_id
  from clerk.users where email = 'ret@example.com';
-- Columns the statement did not give come from Clerk's answer.
insert into clerk.users (email) values ('plain@example.com')
  returning email, first_name, banned, pg_typeof(banned) as banned_type,
            public_metadata, created_at = updated_at as untouched;
-- Supabase's attrs form, with RETURNING.
insert into clerk.users (attrs) values ('{"email_address": ["attrs@example.com"], "first_name": "Al", "last_name": "Attrs"}')
  returning email, first_name, last_name, attrs->>'object' as object, attrs->>'id' = id as attrs_is_the_row;
-- PostgREST's insert with `Prefer: return=representation` (supabase-js
-- `.insert(...).select()`): every column of the new row, as JSON.
with pgrst_source as (
  insert into clerk.users (email, first_name)
  select pgrst_body.email, pgrst_body.first_name
    from (select '[{"email": "rest@example.com", "first_name": "Rest"}]'::json as json_data) pgrst_payload,
         lateral (select email, first_name from json_to_recordset(pgrst_payload.json_data) as _(email text, first_name text)) pgrst_body
  returning clerk.users.*
)
select count(*) as rows, bool_and(r->>'id' like 'user\_%') as has_id, min(r->>'email') as email,
       min(r->>'first_name') as first_name, min(r->>'created_at') as created_at, min(r->'attrs'->>'object') as object
  from (select to_json(_postgrest_t) as r from pgrst_source _postgrest_t) t;
-- UPDATE returns the changed object (updated_at moved on).
update clerk.users set first_name = 'Ada' where id = :'new_user'
  returning first_name, last_name, email, updated_at > :'new_created' as touched;
-- several requests for one row (PATCH, ban, metadata): the last object wins
update clerk.users set last_name = 'Lovelace', banned = true, public_metadata = '{"plan": "pro"}'
  where id = :'new_user'
  returning first_name, last_name, banned, public_metadata;
\setenv LOG_LAST 4
:log_last
-- an expression over the returned row, and a whole-row reference
update clerk.users as u set banned = false where id = :'new_user'
  returning upper(first_name) as shout, to_jsonb(u)->>'banned' as banned_in_row;
-- RETURNING may read the other relations of the statement too.
update clerk.users u set first_name = v.name from (values (:'new_user', 'Augusta')) v(id, name)
  where u.id = v.id
  returning v.name as given, u.first_name as answered, u.last_name;
-- DELETE: Clerk answers a deletion notice, so the row comes as scanned.
delete from clerk.users as u using (values (:'new_user')) v(id) where u.id = v.id
  returning v.id = :'new_user' as from_other, u.id = :'new_user' as same_id, email, first_name, last_name, external_id,
            to_jsonb(u)->>'email' as email_in_row;
\setenv LOG_LAST 2
:log_last
select count(*) as gone from clerk.users where id = :'new_user';
-- A revoke answers the revoked object: its status.
insert into clerk.invitations (email_address) values ('invited@returning.example')
  returning email_address, status;
delete from clerk.invitations where email_address = 'invited@returning.example'
  returning email_address, status;
-- RETURNING is planned (no request made for a plain EXPLAIN).
explain (costs off) insert into clerk.users (email) values ('never@example.com') returning id, created_at;
-- Several rows: one returned row each, in a CTE too.
insert into clerk.allowlist_identifiers (identifier)
  values ('one@returning.example'), ('two@returning.example'), ('+15555550123')
  returning identifier, identifier_type, id is not null as has_id;
with gone as (
  delete from clerk.allowlist_identifiers where identifier in ('one@returning.example', 'two@returning.example', '+15555550123')
  returning identifier, identifier_type
)
select * from gone order by identifier;
-- A membership created in the organization its row names.
select id as member_org from clerk.organizations order by created_at limit 1 offset 3 \gset
select u.id as new_member from clerk.users u
 where not exists (select 1 from clerk.organization_memberships m
                    where m.organization_id = :'member_org' and m.user_id = u.id)
 order by u.created_at limit 1 \gset
insert into clerk.organization_memberships (organization_id, user_id, role)
  values (:'member_org', :'new_member', 'org:member')
  returning organization_id = :'member_org' as in_org, user_id = :'new_member' as is_member, role, id like 'orgmem\_%' as has_id;
-- and updated and deleted by its composite row id
update clerk.organization_memberships set role = 'org:admin'
  where organization_id = :'member_org' and user_id = :'new_member'
  returning role, membership_key = :'member_org' || '/' || :'new_member' as same_key;
delete from clerk.organization_memberships
  where organization_id = :'member_org' and user_id = :'new_member'
  returning role, user_id = :'new_member' as was_member;
-- A prepared statement with a generic plan.
set plan_cache_mode = force_generic_plan;
prepare add_redirect(text) as insert into clerk.redirect_urls (url) values ($1) returning url;
execute add_redirect('https://one.returning.example/cb');
execute add_redirect('https://two.returning.example/cb');
deallocate add_redirect;
reset plan_cache_mode;
with gone as (delete from clerk.redirect_urls where url like 'https://%.returning.example/cb' returning url)
select url from gone order by url;
-- A column declared with a type the answer does not fit: the same ERROR a
-- scan gives (the user was created before the answer was decoded).
create foreign table clerk.users_mistyped (id text, email text, created_at boolean)
  server clerk_server options (object 'users', rowid_column 'id');
select show_error('insert into clerk.users_mistyped (email) values (''typed@example.com'') returning created_at');
select show_error('select created_at from clerk.users_mistyped where email = ''typed@example.com''');
-- a RETURNING that reads no column of the answer needs no decoding
insert into clerk.users_mistyped (email) values ('typed2@example.com') returning 'created' as done;
delete from clerk.users where email = 'typed2@example.com' returning email;
delete from clerk.users where email = 'typed@example.com' returning email;
drop foreign table clerk.users_mistyped;
-- A guest without the export (the probe) refuses RETURNING when the
-- statement is planned, and writes as before without it.
\getenv probe_url PROBE_V2_URL
create server probe_returning
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v2',
    fdw_package_version '0.1.0'
  );
create foreign table probe_rows (id text, epoch_ok boolean)
  server probe_returning options (rowid_column 'id');
select show_error('insert into probe_rows (id) values (''x'') returning id');
select show_error('update probe_rows set epoch_ok = true where id = ''x'' returning id');
select show_error('delete from probe_rows where id = ''x'' returning epoch_ok');
select show_error('explain insert into probe_rows (id) values (''x'') returning id');
select show_error('insert into probe_rows (id) values (''x'')');
drop server probe_returning cascade;
-- Back to the seeded data for the suites that follow.
\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
