-- Pins: a secret name is unique when set (create and rename both refuse a
-- duplicate); any number of secrets may have no name.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

select vault.create_secret('a', 'unique_name_taken') as a_id \gset
select vault.create_secret('b', 'unique_name_taken');
select vault.create_secret('c', 'unique_name_other') as c_id \gset
select vault.update_secret(:'c_id', new_name => 'unique_name_taken');

select vault.create_secret('no name 1') as n1 \gset
select vault.create_secret('no name 2') as n2 \gset
select count(*) as unnamed from vault.secrets where id in (:'n1', :'n2') and name is null;

select name, decrypted_secret from vault.decrypted_secrets
where name like 'unique_name%' order by name;

delete from vault.secrets where id in (:'a_id', :'c_id', :'n1', :'n2');
