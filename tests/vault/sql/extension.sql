-- Pins: both `create extension supabase_vault` and `create extension if not
-- exists supabase_vault cascade` work; the extension is non-relocatable in
-- schema vault; vault.secrets, vault.decrypted_secrets and the functions have
-- upstream Supabase Vault's shape; vault.secrets is marked for pg_dump.
set client_min_messages = warning;
drop extension if exists supabase_vault;
reset client_min_messages;

create extension supabase_vault;
drop extension supabase_vault;
create extension if not exists supabase_vault cascade;
create extension if not exists supabase_vault cascade;

select e.extname, e.extrelocatable, n.nspname as schema
from pg_extension e join pg_namespace n on n.oid = e.extnamespace
where e.extname = 'supabase_vault';

-- not relocatable
alter extension supabase_vault set schema public;

select column_name, data_type, is_nullable, column_default
from information_schema.columns
where table_schema = 'vault' and table_name = 'secrets'
order by ordinal_position;

select column_name, data_type
from information_schema.columns
where table_schema = 'vault' and table_name = 'decrypted_secrets'
order by ordinal_position;

select indexname, indexdef from pg_indexes where schemaname = 'vault' order by indexname;

select unnest(extconfig)::regclass as dumped_table
from pg_extension where extname = 'supabase_vault';

select p.oid::regprocedure as function,
       pg_get_function_arguments(p.oid) as arguments,
       pg_get_function_result(p.oid) as result,
       p.prosecdef as security_definer,
       p.proisstrict as strict,
       p.proconfig as config
from pg_proc p
where p.pronamespace = 'vault'::regnamespace
order by p.proname;
