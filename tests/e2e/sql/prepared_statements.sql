-- Pins prepared statements past their sixth execution, when Postgres
-- switches to a cached generic plan (a use-after-free in older frameworks),
-- with the parameter reaching the guest each time: `id = $1` is one GET by
-- id per execution (counted by the emulator). A value computed by a
-- subquery is checked by Postgres whatever reaches the guest.
select id as some_user from clerk.users order by created_at limit 1 offset 7 \gset
prepare user_by_id(text) as select count(*) from clerk.users where id = $1;
\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
execute user_by_id(:'some_user');
execute user_by_id(:'some_user');
execute user_by_id(:'some_user');
execute user_by_id(:'some_user');
execute user_by_id(:'some_user');
execute user_by_id(:'some_user');
execute user_by_id(:'some_user');
\! curl -sf "$EMULATOR_URL/__emulator/requests/total"
execute user_by_id('user_2doesnotexist000000000000');
deallocate user_by_id;
select count(*) from clerk.organizations
 where id = (select id from clerk.organizations order by created_at limit 1 offset 3);
select count(*) from clerk.users u
 where u.id in (select id from clerk.users order by created_at desc limit 4);
prepare newest(int) as select count(*) from (select id from clerk.users order by created_at desc limit $1) n;
execute newest(3);
execute newest(3);
execute newest(3);
execute newest(3);
execute newest(3);
execute newest(3);
execute newest(7);
deallocate newest;
