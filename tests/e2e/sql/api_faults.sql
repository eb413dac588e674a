-- Pins what a query does when Clerk misbehaves (the emulator's knobs): a
-- rate limit is waited out (Retry-After) and the scan still returns every
-- row; a 5xx, a malformed or truncated body and a dropped connection are
-- each an ERROR that says what happened, and the next query works again; a
-- slow API does not hold a cancelled query.
\getenv emulator_url EMULATOR_URL
\set knobs :emulator_url '/__emulator/knobs'
\setenv KNOBS :knobs
-- two requests per 2 seconds: the 1234 users take 3 pages
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"rate_limit":"2/2s"}' "$KNOBS" -o /dev/null
select count(*) as users, count(distinct id) as distinct_ids from clerk.users;
\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | grep -o '"status":429' | sort -u
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"rate_limit":"off","fault_rate":1.0,"faults":["500"]}' "$KNOBS" -o /dev/null
select show_error('select count(*) from clerk.organizations');
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"faults":["503"]}' "$KNOBS" -o /dev/null
select show_error('select count(*) from clerk.organizations');
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"faults":["malformed"]}' "$KNOBS" -o /dev/null
-- (where the JSON breaks and the body's start are seeded data: masked)
select regexp_replace(split_part(e, ', starting with', 1), 'line \d+ column \d+', 'line <n> column <n>') as error
  from show_error('select count(*) from clerk.organizations') e;
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"faults":["truncate"]}' "$KNOBS" -o /dev/null
select show_error('select count(*) from clerk.organizations');
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"faults":["reset"]}' "$KNOBS" -o /dev/null
select show_error('select count(*) from clerk.organizations');
-- a slow API: statement_timeout (or a cancel) ends the query while it waits
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"fault_rate":0.0,"latency_ms":3000}' "$KNOBS" -o /dev/null
set statement_timeout = '500ms';
select count(*) from clerk.organizations;
reset statement_timeout;
-- a 429 whose Retry-After is a minute away: a cancel ends the wait too
\! curl -sf -X PATCH -H 'content-type: application/json' -d '{"latency_ms":0,"rate_limit":"1/60s"}' "$KNOBS" -o /dev/null
set statement_timeout = '1s';
select count(id) from clerk.users;
reset statement_timeout;
\! curl -sf "$EMULATOR_URL/__emulator/requests/log" | grep -o '"status":429' | sort -u
\! curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
select count(*) from clerk.organizations;
