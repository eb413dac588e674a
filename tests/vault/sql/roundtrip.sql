-- Pins: vault.create_secret returns the new row's id and
-- vault.decrypted_secrets gives the value back, through exactly the two
-- statements the wrappers host runs (by id or key_id, and by name); defaults
-- of name and description; empty, multi-byte and long values.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

select vault.create_secret('sk_test_roundtrip_1', 'roundtrip_clerk', 'Clerk API key for Wrappers') as id \gset
select vault.create_secret('') as empty_id \gset
select vault.create_secret('clé secrète ✓ 🔑', 'roundtrip_utf8') as utf8_id \gset
select vault.create_secret(repeat('0123456789', 10000), 'roundtrip_long') as long_id \gset

-- The host's statement for a UUID api_key_id.
prepare by_id(uuid) as
    select decrypted_secret from vault.decrypted_secrets where id = $1 or key_id = $1;
execute by_id(:'id');
-- The host's statement for a name.
prepare by_name(text) as
    select decrypted_secret from vault.decrypted_secrets where name = $1;
execute by_name('roundtrip_clerk');
-- An unknown id finds nothing (the host then reports a missing secret).
execute by_id('00000000-0000-0000-0000-000000000000');

select name, description, decrypted_secret, key_id is null as key_id_null,
       length(nonce) as nonce_bytes, created_at = updated_at as fresh
from vault.decrypted_secrets where id = :'id';

-- defaults: no name, empty description; an empty value roundtrips
select name is null as no_name, description, decrypted_secret = '' as empty_value
from vault.decrypted_secrets where id = :'empty_id';

select decrypted_secret from vault.decrypted_secrets where id = :'utf8_id';
select length(decrypted_secret), decrypted_secret = repeat('0123456789', 10000) as same
from vault.decrypted_secrets where id = :'long_id';

-- a NULL value is refused
select vault.create_secret(null, 'roundtrip_null');

deallocate by_id;
deallocate by_name;
delete from vault.secrets where id in (:'id', :'empty_id', :'utf8_id', :'long_id');
select count(*) as left_behind from vault.secrets where name like 'roundtrip%';
