-- Pins `where id = '...'`: served by GET /users/{id}, exactly one request
-- (read from the emulator's counter), and an unknown id is no row, not an
-- error.
select id as some_user from clerk.users order by created_at limit 1 offset 100 \gset
\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
select id = :'some_user' as same_id, username is not null as has_username
  from clerk.users where id = :'some_user';
\! curl -sf "$EMULATOR_URL/__emulator/requests/total"
select count(*) from clerk.users where id = 'user_2doesnotexist000000000000';
