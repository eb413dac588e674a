-- Pins: vault.secrets holds only ciphertext: the secret column neither equals
-- nor contains the plaintext (nor its base64 or hex), the same value stored
-- twice gives unrelated ciphertexts, and a pg_dump of vault.secrets shows the
-- row but not the value.
set client_min_messages = warning;
create extension if not exists supabase_vault cascade;
reset client_min_messages;

\set plaintext 'sk_live_PLAINTEXT_MARKER_0123456789'
select vault.create_secret(:'plaintext', 'ciphertext_only_a') as a_id \gset
select vault.create_secret(:'plaintext', 'ciphertext_only_b') as b_id \gset

select name,
       secret = :'plaintext' as equals_plaintext,
       position(:'plaintext' in secret) > 0 as contains_plaintext,
       position(encode(convert_to(:'plaintext', 'utf8'), 'base64') in secret) > 0 as contains_base64,
       position(encode(convert_to(:'plaintext', 'utf8'), 'hex') in secret) > 0 as contains_hex,
       position(convert_to(:'plaintext', 'utf8') in nonce) > 0 as nonce_contains_plaintext,
       -- 16-byte Poly1305 tag after the ciphertext
       length(decode(secret, 'base64')) - length(convert_to(:'plaintext', 'utf8')) as overhead_bytes
from vault.secrets where id in (:'a_id', :'b_id') order by name;

-- random nonce per secret: same value, different nonce and ciphertext
select count(distinct secret) as distinct_ciphertexts, count(distinct nonce) as distinct_nonces
from vault.secrets where id in (:'a_id', :'b_id');

-- nothing in the whole table's text form mentions the value
select count(*) as rows_mentioning_plaintext
from vault.secrets s where position(:'plaintext' in s::text) > 0;

-- pg_dump of the table: the rows are there, the value is not
select current_database() as dbname \gset
\setenv VAULT_DUMP_DB :dbname
\! pg_dump --data-only --table vault.secrets "$VAULT_DUMP_DB" | grep -c 'ciphertext_only_' || true
\! pg_dump --data-only --table vault.secrets "$VAULT_DUMP_DB" | grep -c 'PLAINTEXT_MARKER' || true
\! pg_dump "$VAULT_DUMP_DB" | grep -c 'PLAINTEXT_MARKER' || true

delete from vault.secrets where id in (:'a_id', :'b_id');
