-- Pins: an altered secret column or nonce makes reading the row an ERROR
-- ("could not decrypt secret", SQLSTATE XX001) that names the row's id and
-- never shows the plaintext; it never returns garbage or NULL.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

-- Runs a statement; returns its error with the secret's id masked, so the
-- expected output does not depend on the random id.
create function pg_temp.try(stmt text, id uuid) returns text language plpgsql as $$
declare
    st text; msg text; det text; hnt text;
begin
    execute stmt;
    return 'no error';
exception when others then
    get stacked diagnostics st = returned_sqlstate, msg = message_text,
        det = pg_exception_detail, hnt = pg_exception_hint;
    return format(E'%s: %s\nDETAIL: %s\nHINT: %s', st, replace(msg, id::text, '<id>'), det, hnt);
end $$;

\set plaintext 'sk_test_TAMPER_MARKER'
select vault.create_secret(:'plaintext', 'tampered') as id \gset
select secret as good_secret, nonce as good_nonce from vault.secrets where id = :'id' \gset
\set read 'select decrypted_secret from vault.decrypted_secrets where id = ''' :id ''''

-- first base64 character changed
update vault.secrets
set secret = overlay(secret placing case when left(secret, 1) = 'A' then 'B' else 'A' end from 1 for 1)
where id = :'id';
select pg_temp.try(:'read', :'id') as flipped_ciphertext;

-- tag cut off
update vault.secrets set secret = encode(substr(decode(:'good_secret', 'base64'), 1, 5), 'base64') where id = :'id';
select pg_temp.try(:'read', :'id') as truncated_ciphertext;

-- not base64
update vault.secrets set secret = '!!not base64!!' where id = :'id';
select pg_temp.try(:'read', :'id') as not_base64;

-- ciphertext restored, nonce changed
update vault.secrets set secret = :'good_secret', nonce = set_byte(nonce, 0, (get_byte(nonce, 0) + 1) % 256) where id = :'id';
select pg_temp.try(:'read', :'id') as flipped_nonce;

-- nonce of the wrong length
update vault.secrets set nonce = '\x00'::bytea where id = :'id';
select pg_temp.try(:'read', :'id') as short_nonce;

-- none of the errors shows the plaintext
select position('TAMPER_MARKER' in pg_temp.try(:'read', :'id')) = 0 as error_hides_plaintext;

-- restored row reads again
update vault.secrets set secret = :'good_secret', nonce = :'good_nonce' where id = :'id';
select decrypted_secret from vault.decrypted_secrets where id = :'id';

delete from vault.secrets where id = :'id';
