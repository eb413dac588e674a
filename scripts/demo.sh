#!/usr/bin/env bash
# The README's first command: builds everything, starts a throwaway Postgres
# 15 and a Clerk emulator seeded with sample data, and runs the product
# page's SQL against them. `--keep` leaves both running and prints how to
# connect; otherwise they are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1
say() { printf '==> %s\n' "$*"; }

scripts/setup.sh
scripts/build.sh

# shellcheck source=scripts/env.sh
RUN_DIR=/tmp/clerk-wrapper-demo PGPORT=55434 EMULATOR_PORT=58091
. scripts/env.sh
[ $keep -eq 1 ] || trap stop_all EXIT
say "starting Postgres 15 (port $PGPORT) and the Clerk emulator ($EMULATOR_URL)"
start_cluster
start_emulator 200 12

say "running the demo SQL (tests/e2e/sql/setup.sql and seed_flow.sql)"
psql -X -q -d postgres -c "create database demo" >/dev/null
for f in tests/e2e/sql/setup.sql tests/e2e/sql/seed_flow.sql; do
  psql -X -a -v ON_ERROR_STOP=1 -d demo -f "$f"
done

if [ $keep -eq 1 ]; then
  say "still running: psql -h $PGHOST -p $PGPORT -U postgres demo"
  say "stop with: RUN_DIR=$RUN_DIR bash -c '. scripts/env.sh; stop_all'"
fi
