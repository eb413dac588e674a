-- Pins: vault.update_secret re-encrypts a new value under a fresh nonce and
-- bumps updated_at; NULL arguments keep the stored value, name and
-- description; a new name re-seals the value (it is bound to the name); an
-- unknown id is an error.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

select vault.create_secret('first value', 'update_me', 'before') as id \gset
select secret as old_secret, nonce as old_nonce from vault.secrets where id = :'id' \gset

select vault.update_secret(:'id', 'second value');
select decrypted_secret, name, description,
       secret <> :'old_secret' as new_ciphertext,
       nonce <> :'old_nonce'::bytea as new_nonce,
       length(nonce) as nonce_bytes,
       updated_at > created_at as updated_at_bumped
from vault.decrypted_secrets where id = :'id';

-- description only: the ciphertext and nonce stay as they are
select secret as ct2, nonce as nonce2 from vault.secrets where id = :'id' \gset
select vault.update_secret(:'id', new_description => 'after');
select decrypted_secret, name, description,
       secret = :'ct2' as same_ciphertext, nonce = :'nonce2'::bytea as same_nonce
from vault.decrypted_secrets where id = :'id';

-- a new name: the value is bound to the name, so it is sealed again (same
-- value, fresh nonce) and reads under the new name
select vault.update_secret(:'id', new_name => 'update_me_renamed');
select decrypted_secret, name, description,
       secret = :'ct2' as same_ciphertext, nonce = :'nonce2'::bytea as same_nonce
from vault.decrypted_secrets where id = :'id';
select nonce as nonce2 from vault.secrets where id = :'id' \gset

-- setting the same value again still draws a fresh nonce
select vault.update_secret(:'id', 'second value');
select decrypted_secret, nonce <> :'nonce2'::bytea as new_nonce
from vault.decrypted_secrets where id = :'id';

-- new_key_id is accepted and ignored, as upstream 0.3
select vault.update_secret(:'id', new_key_id => '11111111-1111-1111-1111-111111111111');
select key_id is null as key_id_null from vault.secrets where id = :'id';

-- unknown id
select vault.update_secret('00000000-0000-0000-0000-000000000000', 'x');

delete from vault.secrets where id = :'id';
