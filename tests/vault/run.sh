#!/usr/bin/env bash
# Runs the supabase_vault SQL regression tests (pg_regress) against a running
# Postgres 15 that has the extension installed and, for the default schedule,
# supabase_vault in shared_preload_libraries.
#
# Usage: PGHOST=... PGPORT=... PGUSER=... tests/vault/run.sh [test ...]
#   no arguments: the tests listed in tests/vault/schedule
#   VAULT_TEST_DB      database to (re)create and test in (default vault_regress)
#   VAULT_TEST_OUTDIR  where results/ and regression.diffs go (default: a new /tmp dir)
#   PG_CONFIG          default /usr/lib/postgresql/15/bin/pg_config
# Exits non-zero when a test fails, after printing regression.diffs.
set -euo pipefail

: "${PGHOST:?set PGHOST (host or unix socket directory of the cluster)}"
: "${PGPORT:?set PGPORT}"
: "${PGUSER:?set PGUSER (a superuser)}"
export PGHOST PGPORT PGUSER

here=$(cd "$(dirname "$0")" && pwd)
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$pg_config" --bindir)
pg_regress="$("$pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress"
# The tests call pg_dump through psql's \!: use this Postgres's, not whatever
# Debian's wrapper picks.
export PATH="$bindir:$PATH"

db=${VAULT_TEST_DB:-vault_regress}
outdir=${VAULT_TEST_OUTDIR:-$(mktemp -d /tmp/vault-regress.XXXXXX)}
mkdir -p "$outdir"

if [ "$#" -gt 0 ]; then
    tests=("$@")
else
    mapfile -t tests < <(grep -v '^[[:space:]]*\(#\|$\)' "$here/schedule")
fi

psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "drop database if exists \"$db\"" \
    -c "create database \"$db\""

status=0
"$pg_regress" --use-existing --bindir="$bindir" \
    --inputdir="$here" --outputdir="$outdir" --dbname="$db" \
    "${tests[@]}" | tee "$outdir/pg_regress.out" || status=$?

failed=$(grep -c -E ' \.\.\. FAILED| \.\.\. failed' "$outdir/pg_regress.out" || true)
passed=$(grep -c -E ' \.\.\. ok' "$outdir/pg_regress.out" || true)
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
    [ -f "$outdir/regression.diffs" ] && cat "$outdir/regression.diffs"
    [ "$status" -ne 0 ] || status=1
fi
echo "vault: $passed passed, $failed failed"
exit "$status"
