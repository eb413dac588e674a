-- Pins that a user of Supabase's Clerk wrapper keeps their SQL: all 19 of
-- its tables, declared exactly as its docs declare them (a handful of
-- columns, `timestamp` for times, `bigint` for numbers, `attrs jsonb`,
-- `rowid_column 'id'`, path-like `object` values for billing), return rows;
-- the tables that need an id say so with an ERROR naming it.
set timezone = 'UTC';
set datestyle = 'iso, mdy';
create schema supa;
create foreign table supa.allowlist_identifiers (
  id text, invitation_id text, identifier text, identifier_type text,
  instance_id text, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'allowlist_identifiers');
create foreign table supa.blocklist_identifiers (
  id text, identifier text, identifier_type text, instance_id text,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'blocklist_identifiers');
create foreign table supa.domains (
  id text, name text, is_satellite boolean, frontend_api_url text,
  accounts_portal_url text, attrs jsonb
) server clerk_server options (object 'domains');
create foreign table supa.invitations (
  id text, email_address text, url text, revoked boolean, status text,
  expires_at timestamp, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'invitations');
create foreign table supa.jwt_templates (
  id text, name text, lifetime bigint, allowed_clock_skew bigint,
  custom_signing_key boolean, signing_algorithm text,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'jwt_templates', rowid_column 'id');
create foreign table supa.oauth_applications (
  id text, name text, instance_id text, client_id text, public boolean,
  scopes text, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'oauth_applications', rowid_column 'id');
create foreign table supa.organizations (
  id text, name text, slug text, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'organizations', rowid_column 'id');
create foreign table supa.organization_invitations (
  id text, email_address text, role text, role_name text, organization_id text,
  status text, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'organization_invitations');
create foreign table supa.organization_memberships (
  id text, role text, role_name text, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'organization_memberships');
create foreign table supa.redirect_urls (
  id text, url text, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'redirect_urls', rowid_column 'id');
create foreign table supa.saml_connections (
  id text, name text, domain text, active boolean, provider text, user_count bigint,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'saml_connections', rowid_column 'id');
create foreign table supa.users (
  id text, external_id text, username text, first_name text, last_name text,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'users', rowid_column 'id');
create foreign table supa.user_billing_subscriptions (
  user_id text, id text, status text, payer_id text,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'users/billing/subscription');
create foreign table supa.organization_billing_subscriptions (
  organization_id text, id text, status text, payer_id text,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'organizations/billing/subscription');
create foreign table supa.billing_plans (
  id text, name text, description text, slug text, is_default boolean,
  is_recurring boolean, attrs jsonb
) server clerk_server options (object 'billing/plans');
create foreign table supa.billing_subscription_items (
  id text, status text, plan_id text, plan_period text, payer_id text,
  is_free_trial boolean, created_at timestamp, updated_at timestamp, attrs jsonb
) server clerk_server options (object 'billing/subscription_items');
create foreign table supa.billing_statements (
  id text, status text, timestamp timestamp, attrs jsonb
) server clerk_server options (object 'billing/statements');
create foreign table supa.billing_statement (
  statement_id text, id text, status text, timestamp timestamp, attrs jsonb
) server clerk_server options (object 'billing/statement');
create foreign table supa.billing_payment_attempts (
  statement_id text, id text, status text, created_at timestamp,
  updated_at timestamp, attrs jsonb
) server clerk_server options (object 'billing/payment_attempts');

-- Every list table returns every row once (ids are distinct) and the typed
-- columns are filled.
select 'allowlist_identifiers' as t, count(*), count(distinct id) as ids, count(created_at) as typed from supa.allowlist_identifiers
union all select 'blocklist_identifiers', count(*), count(distinct id), count(created_at) from supa.blocklist_identifiers
union all select 'domains', count(*), count(distinct id), count(is_satellite) from supa.domains
union all select 'invitations', count(*), count(distinct id), count(created_at) from supa.invitations
union all select 'jwt_templates', count(*), count(distinct id), count(lifetime) from supa.jwt_templates
union all select 'oauth_applications', count(*), count(distinct id), count(public) from supa.oauth_applications
union all select 'organizations', count(*), count(distinct id), count(created_at) from supa.organizations
union all select 'organization_invitations', count(*), count(distinct id), count(organization_id) from supa.organization_invitations
union all select 'organization_memberships', count(*), count(distinct id), count(role) from supa.organization_memberships
union all select 'redirect_urls', count(*), count(distinct id), count(url) from supa.redirect_urls
union all select 'saml_connections', count(*), count(distinct id), count(user_count) from supa.saml_connections
union all select 'users', count(*), count(distinct id), count(created_at) from supa.users
union all select 'billing_plans', count(*), count(distinct id), count(is_default) from supa.billing_plans
union all select 'billing_subscription_items', count(*), count(distinct id), count(plan_period) from supa.billing_subscription_items
union all select 'billing_statements', count(*), count(distinct id), count(timestamp) from supa.billing_statements;

-- Typed values as their users declare them: bigint and timestamp.
select name, lifetime, allowed_clock_skew, custom_signing_key, created_at
  from supa.jwt_templates order by created_at, name limit 3;
select id like 'dmn_%' as dmn_id, name, is_satellite from supa.domains order by name limit 3;

-- `where id = ...` is one GET by id (Supabase's own pushdown), for each
-- table that has one.
select id as some_template from supa.jwt_templates order by id limit 1 \gset
select id as some_app from supa.oauth_applications order by id limit 1 \gset
select id as some_saml from supa.saml_connections order by id limit 1 \gset
select id as some_redirect from supa.redirect_urls order by id limit 1 \gset
\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
select count(*) from supa.jwt_templates where id = :'some_template';
select count(*) from supa.oauth_applications where id = :'some_app';
select count(*) from supa.saml_connections where id = :'some_saml';
select count(*) from supa.redirect_urls where id = :'some_redirect';
\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | python3 -c 'import json,sys; [print(e["method"], e["route"], e["status"]) for e in json.load(sys.stdin)]'

-- Billing: the tables that need an id, fed from the lists.
select id as some_statement from supa.billing_statements order by id limit 1 \gset
select attrs->'payer'->>'user_id' as payer_user from supa.billing_subscription_items
  where attrs->'payer'->>'user_id' is not null order by id limit 1 \gset
select attrs->'payer'->>'organization_id' as payer_org from supa.billing_subscription_items
  where attrs->'payer'->>'organization_id' is not null order by id limit 1 \gset
select statement_id = :'some_statement' as same_statement, id = :'some_statement' as same_id,
       status is not null as has_status, timestamp is not null as has_timestamp
  from supa.billing_statement where statement_id = :'some_statement';
select count(*) > 0 as has_attempts, bool_and(statement_id = :'some_statement') as all_of_it
  from supa.billing_payment_attempts where statement_id = :'some_statement';
-- `user_id = 'x'` fills the user_id column from the qual.
select user_id = :'payer_user' as same_user, id like 'csub_%' as sub_id, status is not null as has_status
  from supa.user_billing_subscriptions where user_id = :'payer_user';
select organization_id = :'payer_org' as same_org, id like 'csub_%' as sub_id
  from supa.organization_billing_subscriptions where organization_id = :'payer_org';
-- An id that does not exist is no row, not an error.
select count(*) from supa.billing_statement where statement_id = 'stmt_doesnotexist';
select count(*) from supa.user_billing_subscriptions where user_id = 'user_doesnotexist';
-- One request per value of an IN list.
\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
select count(*) from supa.user_billing_subscriptions where user_id in (:'payer_user', 'user_doesnotexist');
\! curl -sf "$EMULATOR_URL/__emulator/requests/total"

-- Without the id they need: an ERROR naming it, with an example, never an
-- empty result or a scan.
select show_error('select * from supa.billing_statement');
select show_error('select count(*) from supa.billing_payment_attempts where status = ''paid''');
select show_error('select * from supa.user_billing_subscriptions');
select show_error('select * from supa.organization_billing_subscriptions where organization_id <> ''x''');

-- The table name works as the object value too.
create foreign table supa.plans_by_table_name (id text, slug text)
  server clerk_server options (object 'billing_plans');
select (select count(*) from supa.plans_by_table_name) = (select count(*) from supa.billing_plans) as same_rows;

set client_min_messages = warning;
drop schema supa cascade;
