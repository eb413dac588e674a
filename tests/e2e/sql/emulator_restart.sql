-- Pins what a scan does when the API goes away in the middle of it: an
-- emulator of its own (port of the suite's + 4, 150 ms per answer, 3000
-- users: six pages) is killed during the scan. The query fails with a
-- transport ERROR (HV00N) naming the API, the backend survives, and once
-- the emulator is back the same query works.
\getenv emulator_url EMULATOR_URL
\getenv wasm_url WASM_URL
\getenv wasm_checksum WASM_CHECKSUM
\getenv api_key CLERK_SECRET_KEY
select substring(:'emulator_url' from ':([0-9]+)$')::int + 4 as own_port \gset
\set own_url 'http://127.0.0.1:' :own_port
\set api_url :own_url '/v1'
\set start_emulator '\\! "$EMULATOR_BIN" --listen 127.0.0.1:' :own_port ' --secret-key "$CLERK_SECRET_KEY" --users 3000 --organizations 3 --seed 9 --latency-ms 150 --log-level error >/dev/null 2>&1 & for i in $(seq 100); do curl -sf -o /dev/null ' :own_url '/__emulator/knobs && break; sleep 0.1; done'
\set stop_emulator '\\! pkill -f "clerk-emulator --listen 127.0.0.1:' :own_port ' " ; for i in $(seq 50); do curl -sf -o /dev/null ' :own_url '/__emulator/knobs || break; sleep 0.1; done'
:start_emulator
create server clerk_own_emulator foreign data wrapper wasm_wrapper options (
  fdw_package_url :'wasm_url', fdw_package_name 'supabase:clerk-fdw', fdw_package_version '0.1.0',
  fdw_package_checksum :'wasm_checksum', api_url :'api_url', api_key :'api_key');
create foreign table own_users (id text) server clerk_own_emulator options (object 'users');
select count(id) as users_before from own_users;
-- killed half a second into the next scan
\! (sleep 0.5; pkill -f "clerk-emulator --listen 127.0.0.1:$(($(echo "$EMULATOR_URL" | sed 's/.*://') + 4)) ") &
do $$
begin
  perform count(id) from own_users;
  raise notice 'no error';
exception when others then
  raise notice '%: %', sqlstate, case when sqlerrm like 'request to the clerk api failed%' then 'request to the clerk api failed' else sqlerrm end;
end $$;
select 1 as backend_still_here;
:start_emulator
select count(id) as users_after_restart from own_users;
:stop_emulator
drop server clerk_own_emulator cascade;
