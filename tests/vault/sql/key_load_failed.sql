-- Pins (run by selftest.sh on a server whose vault.getkey_script prints
-- something that is not a key): create_secret and the decrypted view raise
-- "vault root key is not loaded" saying why, without echoing the script's
-- output, and hint at the script.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

select vault.create_secret('sk_test_never_stored', 'key_load_failed');

insert into vault.secrets (id, name, secret, nonce)
values ('00000000-0000-0000-0000-0000000000b2', 'key_load_failed_row', 'AAAA', decode(repeat('00', 24), 'hex'));
select name, decrypted_secret from vault.decrypted_secrets where name = 'key_load_failed_row';

delete from vault.secrets where name = 'key_load_failed_row';
