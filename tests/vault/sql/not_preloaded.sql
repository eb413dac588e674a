-- Pins (run by selftest.sh on a server WITHOUT supabase_vault in
-- shared_preload_libraries): the extension still installs, but
-- vault.create_secret and reading vault.decrypted_secrets raise "vault root
-- key is not loaded" with a hint to preload it, instead of returning NULL.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

select vault.create_secret('sk_test_never_stored', 'not_preloaded');
select count(*) as stored from vault.secrets;

-- a row written while the key was loaded (simulated: any ciphertext)
insert into vault.secrets (id, name, secret, nonce)
values ('00000000-0000-0000-0000-0000000000b1', 'not_preloaded_row', 'AAAA', decode(repeat('00', 24), 'hex'));
select name, decrypted_secret from vault.decrypted_secrets where name = 'not_preloaded_row';
-- metadata stays readable through the table
select name from vault.secrets where name = 'not_preloaded_row';

delete from vault.secrets where name = 'not_preloaded_row';
