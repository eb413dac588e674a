#!/usr/bin/env bash
# Self-contained check of the installed supabase_vault extension: starts a
# throwaway Postgres 15 cluster as the `postgres` OS user (own port, own unix
# socket dir under /tmp, no TCP), runs the SQL suite (run.sh), then restarts it
# to check what the suite cannot see from inside one server:
#   1. with supabase_vault preloaded: the schedule (tests/vault/schedule);
#   2. the key survives a restart (a secret written before still decrypts),
#      and a pg_dump of it restores into a database where it decrypts;
#   3. without shared_preload_libraries: test not_preloaded;
#   4. with a getkey script that prints garbage: test key_load_failed;
#   5. the root key file removed: the getkey script refuses to make a new key,
#      the vault says why, and the restored file decrypts again;
#   6. another root key in the key file: "vault root key changed" (the
#      fingerprint file no longer matches); restored, it decrypts again;
#   7. another root key and the fingerprint file removed too: the database's
#      record still refuses the key, nothing is written under it; the
#      original key restored decrypts, and the file is written again;
#   8. a getkey script that hangs (and whose child holds its output open):
#      the server starts once vault.getkey_timeout is over, both are killed,
#      the vault says why.
# No key is in the server log or in any output. The cluster is stopped and
# removed on exit, whatever happens.
#
# Needs: the extension installed (crates/supabase_vault/install.sh), root (to
# run initdb/pg_ctl as the postgres user).
# Env: VAULT_SELFTEST_PORT (default 55432; the server listens on a unix socket
# in its own temporary directory only, so runs in parallel do not collide),
# PG_CONFIG, KEEP=1 keeps the dir.
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
fail() { echo "selftest: $*" >&2; exit 1; }

cleanup() {
    local rc=$?
    if [ -f "$data/postmaster.pid" ]; then
        if ! pg_ctl_ -t 20 -m immediate stop >/dev/null 2>&1; then
            # A postmaster stuck in a getkey script (phase 8 without a
            # timeout) does not answer: end it, our own process, by its pid.
            pm=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
            [ -z "$pm" ] || kill -KILL "$pm" 2>/dev/null || true
        fi
    fi
    # the hanging getkey script's child, if it outlived the test
    if [ -s "$base/hang.pid" ]; then
        hang_child=$(cat "$base/hang.pid")
        if [ "$(ps -o comm= -p "$hang_child" 2>/dev/null)" = sleep ]; then
            kill -KILL "$hang_child" 2>/dev/null || true
        fi
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

as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$base/initdb.log"
cat >>"$data/postgresql.conf" <<CONF
# supabase_vault selftest
listen_addresses = ''
port = $port
unix_socket_directories = '$sock'
fsync = off
include_if_exists = 'vault_phase.conf'
CONF

# Switches what this phase changes, then restarts. Remembers where the server
# log stood, for log_since_phase.
phase() {
    printf '%s\n' "$@" | as_pg tee "$data/vault_phase.conf" >/dev/null
    if [ -f "$data/postmaster.pid" ]; then
        pg_ctl_ -m fast stop >/dev/null
    fi
    log_mark=$(stat -c %s "$base/server.log" 2>/dev/null || echo 0)
    pg_ctl_ -t "${start_timeout:-60}" start >/dev/null
}
log_since_phase() { tail -c "+$((log_mark + 1))" "$base/server.log"; }

export PGHOST="$sock" PGPORT="$port" PGUSER=postgres
psql_() { "$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
# Every psql answer of phases 5-8 is kept here, to check it for key material.
answers="$base/out/answers.txt"
# expect_error DB SQL PATTERN...: the statement fails, and its message
# (ERROR, DETAIL, HINT) contains every PATTERN; the message is shown.
expect_error() {
    local db=$1 sql=$2 out
    shift 2
    if out=$("$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$sql" 2>&1); then
        fail "no error from: $sql (got: $out)"
    fi
    printf '%s\n' "$out" >>"$answers"
    for pattern in "$@"; do
        grep -qF -- "$pattern" <<<"$out" || fail "'$pattern' is not in the error of: $sql
$out"
    done
    printf '%s\n' "$out" | sed 's/^/    /'
}
read_restart_check() {
    psql_ -d vault_restart -c "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'" \
        | tee -a "$answers"
}

echo "== phase 1: preloaded, default getkey script"
phase "shared_preload_libraries = 'supabase_vault'"
VAULT_TEST_OUTDIR="$base/out/preloaded" "$here/run.sh"

key="$data/supabase_vault_root.key"
[ -f "$key" ] || { echo "selftest: $key was not created" >&2; exit 1; }
mode=$(stat -c %a "$key")
[ "$mode" = 600 ] || { echo "selftest: $key has mode $mode, expected 600" >&2; exit 1; }
grep -q "$(head -c 16 "$key")" "$base/server.log" && { echo "selftest: key material in the server log" >&2; exit 1; }
# The suite encrypted secrets: the data directory records the key's
# fingerprint, as the test database does.
fp_file="$data/supabase_vault_root.fingerprint"
[ -f "$fp_file" ] || fail "$fp_file was not written"
mode=$(stat -c %a "$fp_file")
[ "$mode" = 600 ] || fail "$fp_file has mode $mode, expected 600"
recorded=$(psql_ -d vault_regress -c "select encode(fingerprint, 'hex') from vault.root_key_fingerprint")
[ "${#recorded}" = 32 ] || fail "vault_regress records '$recorded', not a fingerprint"
grep -qx "$recorded" "$fp_file" || fail "$fp_file does not record $recorded"
grep -qi "$recorded" "$key" && fail "the fingerprint is part of the key"
echo "ok: the key's fingerprint $recorded is recorded in the database and in $(basename "$fp_file")"

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

preloaded="shared_preload_libraries = 'supabase_vault'"

echo "== phase 5: the root key file disappears"
as_pg mv "$key" "$base/root.key.saved"
phase "$preloaded"
[ -e "$key" ] && fail "the getkey script made a new key file over existing secrets"
log_since_phase | grep -q "not creating a new key" \
    || fail "no message from the getkey script about the missing key in the server log"
expect_error vault_restart "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'" \
    "vault root key is not loaded" "exited with status 1" \
    "this server's secrets were encrypted under the root key with fingerprint $recorded" \
    "restore the root key"
expect_error vault_restart "select vault.create_secret('never stored', 'phase5')" "vault root key is not loaded"
[ -e "$key" ] && fail "a key file appeared"
as_pg mv "$base/root.key.saved" "$key"
phase "$preloaded"
[ "$(read_restart_check)" = "written before restart" ] || fail "the restored key file does not decrypt"
echo "ok: refused without the key file, no new key made; the restored file decrypts"

echo "== phase 6: another root key in the key file"
as_pg cp -p "$key" "$base/root.key.saved"
head -c 32 /dev/urandom | od -A n -v -t x1 | tr -d ' \n' | as_pg tee "$key" >/dev/null
other_key=$(cat "$key")
phase "$preloaded"
log_since_phase | grep -q "vault root key changed" || fail "no startup WARNING about the changed key"
expect_error vault_restart "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'" \
    "vault root key changed" "encrypted under the root key with fingerprint $recorded" \
    "supabase_vault_root.fingerprint" "restore the root key"
expect_error vault_restart "select vault.create_secret('never stored', 'phase6')" "vault root key changed"
as_pg cp -p "$base/root.key.saved" "$key"
phase "$preloaded"
[ "$(read_restart_check)" = "written before restart" ] || fail "the restored key does not decrypt"
echo "ok: another key is refused at start; the original decrypts"

echo "== phase 7: another root key, and the fingerprint file gone too"
as_pg mv "$fp_file" "$base/fingerprint.saved"
printf '%s' "$other_key" | as_pg tee "$key" >/dev/null
phase "$preloaded"
# The key loads (nothing on disk says otherwise); the database's record does.
expect_error vault_restart "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'" \
    "vault root key changed" "fingerprint $recorded (vault.root_key_fingerprint)" "restore the root key"
expect_error vault_restart "select vault.create_secret('never stored', 'phase7')" "vault root key changed"
[ -e "$fp_file" ] && fail "a refused write recorded the other key in $fp_file"
[ "$(psql_ -d vault_restart -c "select count(*) from vault.secrets where name like 'phase%'")" = 0 ] \
    || fail "a secret was stored under the other key"
as_pg cp -p "$base/root.key.saved" "$key"
phase "$preloaded"
[ "$(read_restart_check)" = "written before restart" ] || fail "the restored key does not decrypt"
psql_ -d vault_restart -c "select vault.create_secret('written after restore', 'restore_check')" >/dev/null
grep -qx "$recorded" "$fp_file" || fail "$fp_file was not written again with $recorded"
echo "ok: the database's record refuses the other key; the original decrypts and is recorded again"

echo "== phase 8: a getkey script that hangs"
hang="$base/hang_getkey"
cat >"$hang" <<HANG
#!/bin/sh
# prints nothing; its child keeps the output open
sleep 600 &
echo \$! > "$base/hang.pid"
wait
HANG
chmod 0755 "$hang"
started=$SECONDS
start_timeout=40 phase "$preloaded" "vault.getkey_script = '$hang'" "vault.getkey_timeout = '2s'"
took=$((SECONDS - started))
[ "$took" -le 20 ] || fail "the server took $took s to start with vault.getkey_timeout = 2s"
expect_error vault_restart "select decrypted_secret from vault.decrypted_secrets where name = 'restart_check'" \
    "vault root key is not loaded" "did not finish within 2 s (vault.getkey_timeout)"
hang_child=$(cat "$base/hang.pid")
state=$(ps -o stat= -p "$hang_child" 2>/dev/null || true)
case "$state" in
    ""|Z*) ;;
    *) fail "the hanging script's child $hang_child is still running ($state)" ;;
esac
echo "ok: started after $took s; the script and its child were killed"

# No key material anywhere: not the root key, not the other key.
for k in "$(cat "$key")" "$other_key"; do
    for f in "$base/server.log" "$answers"; do
        grep -qiF "${k:0:16}" "$f" && fail "key material in $f"
    done
    grep -rqiF "${k:0:16}" "$base/out" && fail "key material in the test output"
done

echo "selftest: all phases passed"
