#!/usr/bin/env bash
# The README's test command: installs what is missing, runs the fast tests
# (no Postgres), builds everything, then runs the SQL suites against a real
# Postgres 15 with both extensions and a running Clerk emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }

# Each phase's wall time, printed at the end (also after a failure), so
# that the next person sees where the time goes.
PHASES=()
phase_name=""
phase_start=$SECONDS
phase() {
  if [ -n "$phase_name" ]; then
    PHASES+=("$(printf '%5d s  %s' $((SECONDS - phase_start)) "$phase_name")")
  fi
  phase_name=$1
  phase_start=$SECONDS
  [ -z "$1" ] || say "$1"
}
summary() {
  phase ""
  printf '==> time per phase (total %d s)\n' "$SECONDS"
  printf '    %s\n' "${PHASES[@]}"
}
trap summary EXIT

phase "setup (scripts/setup.sh)"
scripts/setup.sh

# Every cargo build below compiles the workspace's crates through clippy
# (scripts/clippy-env.sh): the tests' builds are also the lint of the
# workspace's crates, all targets; build.sh's builds lint the guest on
# wasm32 in both flavours, the test guests, and the extensions.
# shellcheck source=scripts/clippy-env.sh
. scripts/clippy-env.sh
# wasmtime and cranelift are the largest build here, so they build once: the
# host's tests run in the release profile that `cargo pgrx install` then
# reuses for the extension (the same features: crates/wasm-host/Cargo.toml,
# scripts/check-unified.sh), together with the fuzz targets that read what
# the host parses; everything else is a debug build.
HOST_TESTS=(--release -p wasm-host -p clerk-fuzz --no-default-features --features clerk-fuzz/host)
phase "unit, property and in-process tests, linted (cargo test)"
cargo test -q -p clerk-core -p clerk-fdw -p clerk-emulator -p componentize -p clerk-fuzz
phase "host tests, release build (cargo test -p wasm-host)"
cargo test -q "${HOST_TESTS[@]}"

phase "build (scripts/build.sh)"
# componentize and the emulator: the debug binaries the tests just built
# (their integration tests need them), not a second build
CLERK_TOOLS_BUILT=1 scripts/build.sh

phase "host tests against the built components (wasm-host)"
# the same selection as the host tests above, so their test binaries are reused
WASM_HOST_COMPONENT_TESTS=1 cargo test -q "${HOST_TESTS[@]}" --test explain_export --test returning_export

# shellcheck source=scripts/env.sh
. scripts/env.sh
trap 'stop_all; summary' EXIT
phase "starting Postgres 15 on port $PGPORT and the emulator on $EMULATOR_URL"
start_cluster
start_emulator 1234 57
start_package_server

PG_REGRESS=$("$PG_BIN/pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress
status=0
# The same SQL suite with each flavour of the guest (scripts/env.sh,
# use_flavour), each on a fresh database and emulator state.
for flavour in fast portable; do
  phase "end-to-end SQL tests, $flavour guest (tests/e2e)"
  use_flavour "$flavour"
  curl -sf -X POST "$EMULATOR_URL/__emulator/reset" -o /dev/null
  psql -X -q -d postgres -c "drop database if exists clerk_e2e" -c "create database clerk_e2e"
  "$PG_REGRESS" --use-existing --bindir="$PG_BIN" --inputdir=tests/e2e \
    --outputdir="$RUN_DIR/e2e-$flavour" --dbname=clerk_e2e --schedule=tests/e2e/schedule || {
    status=1
    cat "$RUN_DIR/e2e-$flavour/regression.diffs" 2>/dev/null | head -n 200
  }
done

phase "sessions do not block each other (tests/concurrency)"
tests/concurrency/stats_lock.sh || status=1
phase "vault SQL tests on this cluster (tests/vault)"
VAULT_TEST_OUTDIR="$RUN_DIR/vault" tests/vault/run.sh || status=1
phase "vault key handling across restarts and misconfiguration (own cluster)"
tests/vault/selftest.sh || status=1

phase "secrets never reach logs or output"
for secret in "$CLERK_SECRET_KEY" "$CLERK_WRONG_KEY"; do
  if grep -rqF "$secret" "$RUN_DIR/postgres.log" "$RUN_DIR/emulator.log" "$RUN_DIR"/e2e-*; then
    echo "FAIL: a Clerk API key appears in the logs or test output:" >&2
    grep -rlF "$secret" "$RUN_DIR/postgres.log" "$RUN_DIR/emulator.log" "$RUN_DIR"/e2e-* >&2
    status=1
  fi
done

if [ $status -eq 0 ]; then say "all tests passed"; else say "TESTS FAILED"; fi
exit $status
