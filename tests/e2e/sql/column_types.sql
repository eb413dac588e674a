-- Pins typed columns: Clerk's millisecond timestamps as timestamptz or,
-- when declared so, timestamp; booleans, integers and jsonb; a key the API
-- does not return is NULL; attrs is the whole object.
create foreign table typed_users (
  id text,
  created_at timestamptz,
  updated_at timestamp,
  banned boolean,
  public_metadata jsonb,
  not_a_clerk_field text,
  attrs jsonb
) server clerk_server options (object 'users');
select id as first_user from clerk.users order by created_at limit 1 \gset
select u.created_at = c.created_at as same_instant,
       u.updated_at = (c.updated_at at time zone 'UTC') as timestamp_is_utc,
       pg_typeof(u.banned) as banned_type,
       jsonb_typeof(u.public_metadata) as metadata_type,
       u.not_a_clerk_field is null as unknown_key_is_null,
       u.attrs->>'id' = u.id as attrs_is_object,
       u.attrs->>'object' as object
  from typed_users u join clerk.users c using (id)
 where u.id = :'first_user';
select pg_typeof(members_count) as members_count_type, count(*)
  from clerk.organizations group by 1;
drop foreign table typed_users;
