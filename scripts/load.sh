#!/usr/bin/env bash
# Load test (issue 8): SESSIONS (default 32) concurrent sessions run a mixed
# read workload against the emulator for DURATION seconds (default 30):
# full scans, id lookups through a prepared statement, a join with a local
# table, an ordered LIMIT. It fails on any error or crashed backend, and
# prints throughput and each backend's memory at a quarter of the run and
# at its end. Its own Postgres cluster and emulator, loopback only, stopped
# at the end; needs scripts/build.sh first. Not part of test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS=${SESSIONS:-32}
DURATION=${DURATION:-30}
USERS=${USERS:-5000}
say() { printf '==> %s\n' "$*"; }
for f in target/clerk_fdw_fast.wasm target/clerk_fdw.wasm; do
  [ -f "$f" ] || { echo "load.sh: $f is missing: run scripts/build.sh first" >&2; exit 1; }
done
# 32 sessions against one emulator: a release build of its own
cargo build -q --release -p clerk-emulator
export EMULATOR_BIN=target/release/clerk-emulator

RUN_DIR=/tmp/clerk-load PGPORT=${LOAD_PGPORT:-55633} EMULATOR_PORT=${LOAD_EMULATOR_PORT:-58290}
# shellcheck source=scripts/env.sh
. scripts/env.sh
trap stop_all EXIT
say "starting Postgres 15 (port $PGPORT) and the emulator ($USERS users, $EMULATOR_URL)"
start_cluster
echo "max_connections = $((SESSIONS + 20))" >>"$RUN_DIR/data/postgresql.conf"
as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -l "$RUN_DIR/postgres.log" -w restart >/dev/null
start_emulator "$USERS" 20
psql -X -q -d postgres -c "create database load"
psql -X -q -d load -f tests/e2e/sql/setup.sql >/dev/null
psql -X -q -d load -c "create table ids as select row_number() over (order by id) as n, id from clerk.users"

work="$RUN_DIR/pgbench"
mkdir -p "$work"
cat >"$work/scan.sql" <<'SQL'
select count(email) from clerk.users;
SQL
cat >"$work/lookup.sql" <<SQL
\set n random(1, $USERS)
select id as uid from ids where n = :n \gset
select email, created_at from clerk.users where id = :uid;
SQL
cat >"$work/join.sql" <<'SQL'
\set n random(1, 200)
select count(*) from ids i join clerk.users u on u.id = i.id where i.n between :n and :n + 49;
SQL
cat >"$work/orgs.sql" <<'SQL'
select id, name from clerk.organizations order by created_at desc limit 5;
SQL
chown -R postgres "$work"

rss() {
  psql -X -At -d load -c "select pid from pg_stat_activity where application_name = 'pgbench' order by pid" |
    while read -r pid; do
      awk -v p="$pid" '/VmRSS/ {print p, $2}' "/proc/$pid/status" 2>/dev/null || true
    done
}

say "$SESSIONS sessions for $DURATION s: scans, prepared id lookups, joins with a local table, ordered limits"
(sleep $((DURATION / 4)); rss >"$work/rss.quarter") &
sample1=$!
(sleep $((DURATION - 2)); rss >"$work/rss.end") &
sample2=$!
status=0
pgbench -n -c "$SESSIONS" -j 4 -T "$DURATION" -M prepared \
  -f "$work/scan.sql@1" -f "$work/lookup.sql@20" -f "$work/join.sql@4" -f "$work/orgs.sql@5" load \
  >"$work/pgbench.out" 2>"$work/pgbench.err" || status=1
wait "$sample1" "$sample2"
grep -E "^(number of transactions actually processed|number of failed|latency average|tps)" "$work/pgbench.out" || true
if [ -s "$work/pgbench.err" ]; then
  echo "pgbench reported:" >&2
  head -20 "$work/pgbench.err" >&2
  status=1
fi
if grep -E "terminated by signal|server process .* was terminated|PANIC" "$RUN_DIR/postgres.log"; then
  echo "FAIL: a backend crashed" >&2
  status=1
fi
python3 - "$work/rss.quarter" "$work/rss.end" <<'PY' || status=1
import sys
def load(p):
    try:
        return {int(a): int(b) for a, b in (l.split() for l in open(p) if l.strip())}
    except FileNotFoundError:
        return {}
q, e = load(sys.argv[1]), load(sys.argv[2])
both = sorted(set(q) & set(e))
if not both:
    print("backend memory: no sample (the run was too short)")
    sys.exit(0)
growth = [e[p] - q[p] for p in both]
print(f"backend RSS over {len(both)} sessions: {min(e.values()) // 1024}-{max(e.values()) // 1024} MiB at the end;"
      f" growth from a quarter of the run to its end: max {max(growth) // 1024} MiB, median {sorted(growth)[len(growth) // 2] // 1024} MiB")
PY
if [ $status -eq 0 ]; then say "load test passed: no error, no crashed backend"; else say "LOAD TEST FAILED"; fi
exit $status
