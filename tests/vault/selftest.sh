#!/usr/bin/env bash
# Self-contained check of the installed supabase_vault extension: starts a
# throwaway Postgres 15 cluster as the `postgres` OS user (own port, own unix
# socket dir under /tmp, no TCP), runs the SQL suite (run.sh), then restarts it
# to check what the suite cannot see from inside one server:
#   1. with supabase_vault preloaded: the schedule (tests/vault/schedule);
#   2. the key survives a restart (a secret written before still decrypts),
#      and a pg_dump of it restores into a database where it decrypts;
#   3. without shared_preload_libraries: test not_preloaded;
#   4. with a getkey script that prints garbage: test key_load_failed.
# The cluster is stopped and removed on exit, whatever happens.
#
# Needs: the extension installed (crates/supabase_vault/install.sh), root (to
# run initdb/pg_ctl as the postgres user).
# Env: VAULT_SELFTEST_PORT (default 55432), PG_CONFIG, KEEP=1 keeps the dir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$pg_config" --bindir)
extdir="$("$pg_config" --sharedir)/extension"
port=${VAULT_SELFTEST_PORT:-55432}

for f in "$extdir/supabase_vault.control" "$extdir/supabase_vault_getkey" \
         "$("$pg_config" --pkglibdir)/supabase_vault.so"; do
    if [ ! -e "$f" ]; then
        echo "selftest: $f is missing; run crates/supabase_vault/install.sh first" >&2
        exit 2
    fi
done

base=$(mktemp -d /tmp/vault-selftest.XXXXXX)
data="$base/data"
sock="$base/sock"
mkdir -p "$sock" "$base/out"
chown -R postgres:postgres "$base"
chmod 0755 "$base"

as_pg() { runuser -u postgres -- "$@"; }
pg_ctl_() { as_pg "$bindir/pg_ctl" -D "$data" -l "$base/server.log" -w "$@"; }

cleanup() {
    local rc=$?
    if [ -f "$data/postmaster.pid" ]; then
        pg_ctl_ -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ "$rc" -ne 0 ] && [ -f "$base/server.log" ]; then
        echo "--- server log (tail) ---" >&2
        tail -n 40 "$base/server.log" >&2
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "selftest: kept $base" >&2
    else
        rm -rf "$base"
    fi
    exit "$rc"
}
trap cleanup EXIT INT TERM

as_pg "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync >"$base/initdb.log"
cat >>"$data/postgresql.conf" <<CONF
# supabase_vault selftest
listen_addresses = ''
port = $port
unix_socket_directories = '$sock'
fsync = off
include_if_exists = 'vault_phase.conf'
CONF

# Switches what this phase changes, then restarts.
phase() {
    printf '%s\n' "$@" | as_pg tee "$data/vault_phase.conf" >/dev/null
    if [ -f "$data/postmaster.pid" ]; then
        pg_ctl_ -m fast stop >/dev/null
    fi
    pg_ctl_ start >/dev/null
}

export PGHOST="$sock" PGPORT="$port" PGUSER=postgres
psql_() { "$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

echo "== phase 1: preloaded, default getkey script"
phase "shared_preload_libraries = 'supabase_vault'"
VAULT_TEST_OUTDIR="$base/out/preloaded" "$here/run.sh"

key="$data/supabase_vault_root.key"
[ -f "$key" ] || { echo "selftest: $key was not created" >&2; exit 1; }
mode=$(stat -c %a "$key")
[ "$mode" = 600 ] || { echo "selftest: $key has mode $mode, expected 600" >&2; exit 1; }
grep -q "$(head -c 16 "$key")" "$base/server.log" && { echo "selftest: key material in the server log" >&2; exit 1; }

echo "== phase 2: the root key survives a restart"
psql_ -d postgres -c "create database vault_restart"
psql_ -d vault_restart -c "create extension supabase_vault" \
    -c "select vault.create_secret('written before restart', 'restart_check')" >/dev/null
phase "shared_preload_libraries = 'supabase_vault'"
got=$(psql_ -d vault_restart -c "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'")
[ "$got" = "written before restart" ] || { echo "selftest: after restart got '$got'" >&2; exit 1; }
echo "ok: secret written before the restart decrypts after it"
# A dump carries the rows (ciphertext bound to their ids) and restores into a
# database on the same server (same root key), where they decrypt again.
psql_ -d postgres -c "create database vault_restored"
"$bindir/pg_dump" -d vault_restart >"$base/vault_restart.sql"
grep -q 'written before restart' "$base/vault_restart.sql" \
    && { echo "selftest: plaintext in pg_dump output" >&2; exit 1; }
psql_ -d vault_restored -f "$base/vault_restart.sql" >/dev/null
got=$(psql_ -d vault_restored -c "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'")
[ "$got" = "written before restart" ] || { echo "selftest: after dump/restore got '$got'" >&2; exit 1; }
echo "ok: pg_dump has no plaintext; the restored secret decrypts"

echo "== phase 3: not preloaded"
phase "shared_preload_libraries = ''"
VAULT_TEST_OUTDIR="$base/out/not_preloaded" "$here/run.sh" not_preloaded

echo "== phase 4: getkey script prints garbage"
bad="$base/bad_getkey"
printf '#!/bin/sh\necho this-is-not-a-key\n' >"$bad"
chmod 0755 "$bad"
phase "shared_preload_libraries = 'supabase_vault'" "vault.getkey_script = '$bad'"
VAULT_TEST_OUTDIR="$base/out/key_load_failed" "$here/run.sh" key_load_failed
grep -q 'vault root key is not loaded' "$base/server.log" \
    || { echo "selftest: no startup WARNING about the key" >&2; exit 1; }
grep -q 'this-is-not-a-key' "$base/server.log" \
    && { echo "selftest: the getkey script's output leaked into the log" >&2; exit 1; }

echo "selftest: all phases passed"
