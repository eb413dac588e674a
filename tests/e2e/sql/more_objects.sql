-- Pins the objects beyond Supabase's wrapper, as IMPORT FOREIGN SCHEMA
-- creates them: each returns its rows once; filters and parent ids route
-- to the right endpoint; api_keys and m2m_tokens need their subject.
set timezone = 'UTC';
set datestyle = 'iso, mdy';
\set log_requests '\\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c ''import json,sys; [print(e["method"], e["path"] + ("?" + e["query"] if e["query"] else ""), e["status"]) for e in json.load(sys.stdin)]'''
\set reset_log '\\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null'
select 'organization_roles' as t, count(*), count(distinct id) as ids, count(key) as typed from clerk.organization_roles
union all select 'organization_permissions', count(*), count(distinct id), count(key) from clerk.organization_permissions
union all select 'role_sets', count(*), count(distinct id), count(key) from clerk.role_sets
union all select 'organization_domains', count(*), count(distinct id), count(organization_id) from clerk.organization_domains
union all select 'enterprise_connections', count(*), count(distinct id), count(active) from clerk.enterprise_connections
union all select 'sessions', count(*), count(distinct id), count(user_id) from clerk.sessions
union all select 'clients', count(*), count(distinct id), count(created_at) from clerk.clients
union all select 'waitlist_entries', count(*), count(distinct id), count(status) from clerk.waitlist_entries
union all select 'machines', count(*), count(distinct id), count(name) from clerk.machines;

-- RBAC: by key through the role set's key-or-id path; roles by name search.
select key, type from clerk.role_sets order by key limit 2;
:reset_log
select key from clerk.role_sets where key = 'role_set:default';
select key from clerk.organization_roles where name = 'Admin';
:log_requests

-- Organization domains: per organization, or instance-wide by name.
select organization_id as some_org, name as some_domain from clerk.organization_domains
  order by name limit 1 \gset
:reset_log
select count(*) > 0 as found, bool_and(organization_id = :'some_org') as that_org
  from clerk.organization_domains where organization_id = :'some_org';
select organization_id = :'some_org' as same_org from clerk.organization_domains where name = :'some_domain';
:log_requests

-- Sessions of one user, by status; the same rows as filtering locally.
select user_id as some_user from clerk.sessions where status = 'active' order by id limit 1 \gset
:reset_log
select count(*) > 0 as found, bool_and(user_id = :'some_user') as that_user
  from clerk.sessions where user_id = :'some_user' and status = 'active';
:log_requests
with everything as materialized (select * from clerk.sessions)
select (select array_agg(id order by id) from clerk.sessions where user_id = :'some_user')
     = (select array_agg(id order by id) from everything where user_id = :'some_user') as same_rows;

-- API keys belong to a subject: users' and organizations' keys, one
-- request per subject of an IN list; without a subject an ERROR says so.
select string_agg(quote_literal(id), ', ') as first_users from (
  select id from clerk.users order by created_at limit 10) u \gset
select count(*) as keys, count(distinct subject) as subjects, count(*) filter (where revoked) as revoked
  from clerk.api_keys where subject in (:first_users);
select show_error('select * from clerk.api_keys');
select show_error('select * from clerk.api_keys where name = ''x''');
-- M2M tokens of the machines (one request per machine).
select string_agg(quote_literal(id), ', ') as machines from clerk.machines \gset
select count(*) as tokens, count(distinct subject) as machines_with_tokens, count(*) filter (where revoked) as revoked
  from clerk.m2m_tokens where subject in (:machines);
select show_error('select count(*) from clerk.m2m_tokens');

-- Child tables un-nested from users: one row per email address, phone
-- number, external account...; with user_id, and is_primary where Clerk
-- marks a primary.
select (select count(*) from clerk.user_email_addresses)
     = (select sum(jsonb_array_length(attrs->'email_addresses')) from clerk.users) as every_address,
       (select count(*) from clerk.user_email_addresses where is_primary)
     = (select count(primary_email_address_id) from clerk.users) as one_primary_each,
       (select count(*) from clerk.user_phone_numbers)
     = (select sum(jsonb_array_length(attrs->'phone_numbers')) from clerk.users) as every_phone,
       (select count(*) from clerk.user_external_accounts)
     = (select sum(jsonb_array_length(attrs->'external_accounts')) from clerk.users) as every_account;
select id as some_user, email as some_email from clerk.users where email is not null
  order by created_at limit 1 offset 7 \gset
:reset_log
select email_address = :'some_email' as primary_matches, is_primary
  from clerk.user_email_addresses where user_id = :'some_user' order by is_primary desc limit 1;
select count(*) as owners from clerk.user_email_addresses where email_address = :'some_email';
:log_requests
-- Joined the way people join: addresses of the first users.
select u.id = :'some_user' as that_user, count(*) > 0 as has_addresses
  from clerk.users u join clerk.user_email_addresses e on e.user_id = u.id
 where u.id = :'some_user' group by u.id;

-- Billing prices, credits, templates, the instance and OAuth access tokens.
select count(*) as prices, count(distinct plan_id) as plans, count(*) filter (where is_default) as defaults
  from clerk.billing_prices;
select id as some_plan from clerk.billing_plans order by slug limit 1 \gset
select count(*) > 0 as found, bool_and(plan_id = :'some_plan') as that_plan
  from clerk.billing_prices where plan_id = :'some_plan';
select id as first_user from clerk.users order by created_at limit 1 \gset
select user_id = :'first_user' as that_user, balance is not null as has_balance
  from clerk.user_billing_credits where user_id = :'first_user';
select id as first_org from clerk.organizations order by created_at limit 1 \gset
select organization_id = :'first_org' as that_org from clerk.organization_billing_credits
  where organization_id = :'first_org';
select template_type, count(*) from clerk.templates where template_type in ('email', 'sms')
  group by 1 order by 1;
select slug, template_type from clerk.templates where template_type = 'email' and slug = 'invitation';
select show_error('select * from clerk.templates');
select id like 'ins_%' as ins_id, environment_type from clerk.instance;
select user_id as some_user, provider as some_provider from clerk.user_external_accounts
  order by user_id, provider limit 1 \gset
select count(*) as tokens, bool_and(user_id = :'some_user') as that_user, bool_and(provider = :'some_provider') as that_provider
  from clerk.oauth_access_tokens where user_id = :'some_user' and provider = :'some_provider';
select show_error('select * from clerk.oauth_access_tokens where user_id = ''user_x''');

-- The instance's settings (one row each), its JWKS, SCIM directories
-- (under both names; the SCIM api_key is a credential, in no column and
-- not in attrs), trusted devices, test runs and sign-ups.
select (select count(*) from clerk.instance_protect) as protect,
       (select count(*) from clerk.instance_communication) as communication,
       (select count(*) from clerk.instance_oauth_application_settings) as oauth_settings,
       (select initial_role_set_key from clerk.instance_organization_settings) as role_set,
       (select jsonb_array_length(keys) from clerk.jwks) as keys;
select count(*) as directories, count(*) filter (where attrs ? 'api_key') as with_api_key,
       (select count(*) from clerk.scim_directories) as scim_directories
  from clerk.directories;
select id as some_directory from clerk.directories order by id limit 1 \gset
select count(*) = (select count(*) from clerk.scim_group_role_mappings where scim_directory_id = :'some_directory') as same_mappings
  from clerk.directory_group_role_mappings where directory_id = :'some_directory';
select id as first_user from clerk.users order by created_at limit 1 \gset
select count(*) > 0 as has_devices, bool_and(user_id = :'first_user') as that_user
  from clerk.user_trusted_devices where user_id = :'first_user';
select id as some_connection from clerk.enterprise_connections order by created_at limit 1 \gset
select count(*) > 0 as has_runs, bool_and(enterprise_connection_id = :'some_connection') as that_connection
  from clerk.enterprise_connection_test_runs where enterprise_connection_id = :'some_connection';
select created_user_id = :'first_user' as created_that_user, status
  from clerk.sign_ups where id = 'sua_' || substr(:'first_user', 6);
select show_error('select * from clerk.sign_ups');
