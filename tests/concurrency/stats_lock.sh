#!/usr/bin/env bash
# Sessions do not block each other through wrappers_fdw_stats (issue 8):
#   1. session A runs `begin; select count(id) from clerk.organizations;` (a
#      scan: count(*) itself is answered by one counting request) and
#      stays idle in the transaction; session B's same query, under
#      lock_timeout = '2s', succeeds;
#   2. two sessions scan two wrappers (the Clerk guest and the probe guest,
#      two rows of the stats table) in opposite orders, each inside one
#      transaction: no deadlock, no lock timeout;
#   3. the stats of all those scans are still recorded.
# pg_regress runs one session at a time, so this drives psql sessions
# through FIFOs. It uses the cluster and the emulator of scripts/test.sh
# (PGHOST, PGPORT, PGUSER, CLERK_API_URL, CLERK_SECRET_KEY, WASM_URL,
# WASM_CHECKSUM, PROBE_V2_URL from scripts/env.sh) and creates, then drops,
# its own database. KEEP_WORK=1 keeps the sessions' output (in
# /tmp/clerk-stats-lock.*) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=clerk_stats_lock
status=0

fail() {
  echo "FAIL (tests/concurrency/stats_lock.sh): $*" >&2
  status=1
}

for v in PGHOST PGPORT CLERK_API_URL CLERK_SECRET_KEY WASM_URL WASM_CHECKSUM PROBE_V2_URL; do
  if [ -z "${!v:-}" ]; then
    echo "FAIL (tests/concurrency/stats_lock.sh): $v is not set; run it from scripts/test.sh (or source scripts/env.sh, start_cluster, start_emulator 1234 57)" >&2
    exit 1
  fi
done
if [ ! -f "${PROBE_V2_URL#file://}" ]; then
  echo "FAIL (tests/concurrency/stats_lock.sh): the probe guest ${PROBE_V2_URL#file://} is missing (scripts/build.sh builds it)" >&2
  exit 1
fi

WORK=$(mktemp -d /tmp/clerk-stats-lock.XXXXXX)
SESSION_PIDS=()

cleanup() {
  exec 7>&- 8>&- 2>/dev/null || true
  for pid in "${SESSION_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  psql -X -q -d postgres -c "select pg_terminate_backend(pid) from pg_stat_activity
                              where datname = '$DB' and pid <> pg_backend_pid()" >/dev/null 2>&1 || true
  psql -X -q -d postgres -c "drop database if exists $DB" >/dev/null 2>&1 || true
  [ -z "${KEEP_WORK:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# start_session NAME FD: a psql session reading its commands from a FIFO
# (written through file descriptor FD) and writing to $WORK/NAME.out.
start_session() {
  local name=$1 fd=$2
  mkfifo "$WORK/$name.in"
  PGAPPNAME="stats_lock_$name" psql -X -q -At -d "$DB" <"$WORK/$name.in" >"$WORK/$name.out" 2>&1 &
  SESSION_PIDS+=("$!")
  eval "exec $fd>\"\$WORK/$name.in\""
  # bounds every statement of the session, so that nothing can hang the run
  send "$fd" "set statement_timeout = '60s';" "set lock_timeout = '2s';"
}

# send FD LINE...: the lines, in order, to the session behind FD
send() {
  local fd=$1
  shift
  printf '%s\n' "$@" >&"$fd"
}

# wait_for NAME MARKER SECONDS: until the session printed MARKER (\echo)
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qxF -- "$2" "$WORK/$1.out" && return 0
    sleep 0.1
  done
  return 1
}

# wait_idle NAME: until the session's backend is idle in its transaction
wait_idle() {
  local i state
  for ((i = 0; i < 100; i++)); do
    state=$(psql -X -At -d postgres -c "select state from pg_stat_activity where application_name = 'stats_lock_$1'")
    [ "$state" = "idle in transaction" ] && return 0
    sleep 0.1
  done
  return 1
}

# end_session NAME FD: commit, close the FIFO, wait for psql to exit, and
# fail if the session saw any error
end_session() {
  local name=$1 fd=$2
  send "$fd" "commit;" '\echo END'
  wait_for "$name" END 60 || fail "session $name did not commit within 60 s"
  eval "exec $fd>&-"
  if grep -q "ERROR" "$WORK/$name.out"; then
    fail "session $name got an error:"
    sed 's/^/    /' "$WORK/$name.out" >&2
  fi
}

stats() { # FDW_NAME: "create_times rows_out" of its stats row
  q -F ' ' -c "select coalesce(create_times, 0), coalesce(rows_out, 0)
                 from extensions.wrappers_fdw_stats where fdw_name = '$1'"
}

psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "set client_min_messages = warning" \
  -c "drop database if exists $DB" -c "create database $DB"
q -v wasm_url="$WASM_URL" -v wasm_checksum="$WASM_CHECKSUM" -v api_url="$CLERK_API_URL" \
  -v api_key="$CLERK_SECRET_KEY" -v probe_url="$PROBE_V2_URL" <<'SQL'
create schema extensions;
create extension wrappers with schema extensions;
create foreign data wrapper wasm_wrapper
  handler wasm_fdw_handler
  validator wasm_fdw_validator;
create server clerk_server
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'wasm_url',
    fdw_package_name 'supabase:clerk-fdw',
    fdw_package_version '0.1.0',
    fdw_package_checksum :'wasm_checksum',
    api_url :'api_url',
    api_key :'api_key'
  );
create schema clerk;
import foreign schema clerk limit to (organizations) from server clerk_server into clerk;
create server probe_server
  foreign data wrapper wasm_wrapper
  options (
    fdw_package_url :'probe_url',
    fdw_package_name 'test:probe-v2',
    fdw_package_version '0.1.0'
  );
create foreign table probe (epoch_ok boolean, metadata text) server probe_server;
SQL

# one scan of each first: the stats rows exist, and the packages are cached
orgs=$(q -c "select count(id) from clerk.organizations")
q -c "select count(*) from probe" >/dev/null
before_clerk=$(stats clerk_fdw)
before_probe=$(stats probe_v2)
if [ -z "$before_clerk" ] || [ -z "$before_probe" ]; then
  fail "the warm-up scans left no stats rows (clerk_fdw: '$before_clerk', probe_v2: '$before_probe')"
fi

echo "  1. a session idle in a transaction after a scan does not block another session's scan"
start_session idle 7
send 7 "begin;" "select count(id) from clerk.organizations;" '\echo SCANNED'
if wait_for idle SCANNED 60 && wait_idle idle; then
  started=$(date +%s%N)
  if out=$(timeout 60 psql -X -q -At -d "$DB" -c "set lock_timeout = '2s'" \
    -c "select count(id) from clerk.organizations" 2>&1); then
    ms=$((($(date +%s%N) - started) / 1000000))
    if [ "$out" = "$orgs" ]; then
      echo "     ok: the second session's scan returned $out rows in $ms ms"
    else
      fail "the second session's scan returned '$out', expected $orgs"
    fi
  else
    fail "the second session's scan failed while the first one is idle in its transaction: $out"
  fi
else
  fail "session idle did not reach 'idle in transaction' after its scan:"
  sed 's/^/    /' "$WORK/idle.out" >&2
fi
end_session idle 7

echo "  2. two sessions scanning two wrappers in opposite orders do not deadlock"
start_session ab 7
start_session ba 8
send 7 "begin;" "select count(id) from clerk.organizations;" '\echo FIRST'
send 8 "begin;" "select count(epoch_ok), max(metadata) from probe;" '\echo FIRST'
if wait_for ab FIRST 60 && wait_for ba FIRST 60 && wait_idle ab && wait_idle ba; then
  # both second scans at once, each needing what the other one scanned
  send 7 "select count(epoch_ok), max(metadata) from probe;" '\echo SECOND'
  send 8 "select count(id) from clerk.organizations;" '\echo SECOND'
  if wait_for ab SECOND 60 && wait_for ba SECOND 60; then
    if ! grep -q ERROR "$WORK/ab.out" "$WORK/ba.out"; then
      echo "     ok: both sessions ran both scans"
    fi
  else
    fail "the opposite-order scans did not finish within 60 s"
  fi
else
  fail "the first scans of the opposite-order sessions did not finish"
fi
# one after the other: commits that collide may defer their stats, and these
# sessions end right after
end_session ab 7
end_session ba 8
grep -qF '{"probe": true}' "$WORK/ab.out" || fail "the probe's metadata did not read back in session ab"

echo "  3. the stats of these scans are recorded"
after_clerk=$(stats clerk_fdw)
after_probe=$(stats probe_v2)
read -r c0 r0 <<<"$before_clerk"
read -r c1 r1 <<<"$after_clerk"
read -r pc0 pr0 <<<"$before_probe"
read -r pc1 pr1 <<<"$after_probe"
# 4 scans of clerk.organizations and 2 of probe since the first reading
if [ $((r1 - r0)) -lt $((4 * orgs)) ] || [ $((pr1 - pr0)) -lt 2 ] || [ "$c1" -lt "$c0" ] || [ "$pc1" -lt "$pc0" ]; then
  fail "stats were lost: clerk_fdw (create_times rows_out) $before_clerk -> $after_clerk (expected rows_out +$((4 * orgs))), probe_v2 $before_probe -> $after_probe (expected rows_out +2)"
else
  echo "     ok: clerk_fdw rows_out +$((r1 - r0)), probe_v2 rows_out +$((pr1 - pr0))"
fi

if [ $status -eq 0 ]; then
  echo "  sessions do not block each other: passed"
fi
exit $status
