#!/usr/bin/env bash
# Builds the deliverables: the guest component in two flavours (the portable
# target/clerk_fdw.wasm, which imports only supabase:wrappers and runs on
# Supabase's host, and the fast target/clerk_fdw_fast.wasm, which also
# imports our host's clerk:wrappers-ext/http-concurrent), the test guests,
# the emulator target/debug/clerk-emulator, and the Postgres extensions
# wrappers and supabase_vault (installed into Debian's Postgres 15).
# The tools (componentize, the emulator) are debug builds: they handle a few
# megabytes and a demo's data; scripts/test.sh's `cargo test` has already
# built them (CLERK_TOOLS_BUILT=1), and scripts/bench.sh and scripts/load.sh
# build a release emulator of their own. The workspace's crates are linted
# as they compile (scripts/clippy-env.sh). Cargo skips whatever has not
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
say() { printf '==> %s\n' "$*"; }
# shellcheck source=scripts/clippy-env.sh
. scripts/clippy-env.sh
COMPONENTIZE=target/debug/componentize
if [ "${CLERK_TOOLS_BUILT:-0}" != 1 ]; then
  say "building the tools (componentize, the emulator)"
  cargo build -q -p componentize -p clerk-emulator
fi

# The guests (wasm32) and the extensions (release) build side by side:
# each has long stretches on one core (a guest's whole-program LTO,
# pgrx-pg-sys's bindgen, cranelift-codegen), and they share no build
# directory. The guests' output waits in a log, shown if they fail.
build_guests() {
  say "building the guest, fast flavour (clerk_fdw_fast.wasm)"
  cargo build -q -p clerk-fdw --target wasm32-unknown-unknown --profile wasm --features concurrent
  "$COMPONENTIZE" --allow-import clerk:wrappers-ext/http-concurrent@0.1.0 \
    target/wasm32-unknown-unknown/wasm/clerk_fdw.wasm target/clerk_fdw_fast.wasm
  sha256sum target/clerk_fdw_fast.wasm | cut -d' ' -f1 > target/clerk_fdw_fast.wasm.sha256

  say "building the guest, portable flavour (clerk_fdw.wasm)"
  cargo build -q -p clerk-fdw --target wasm32-unknown-unknown --profile wasm
  "$COMPONENTIZE" \
    target/wasm32-unknown-unknown/wasm/clerk_fdw.wasm target/clerk_fdw.wasm
  sha256sum target/clerk_fdw.wasm | cut -d' ' -f1 > target/clerk_fdw.wasm.sha256

  say "building the test guests (tests/guests)"
  cargo build -q -p probe-v1 -p probe-v2 --target wasm32-unknown-unknown --profile wasm
  for probe in probe_v1 probe_v2; do
    "$COMPONENTIZE" \
      "target/wasm32-unknown-unknown/wasm/$probe.wasm" "target/$probe.wasm"
  done
}
mkdir -p target
build_guests >target/build-guests.log 2>&1 &
guests_pid=$!
# a failed extension build leaves no guest build running behind it
trap '[ -z "$guests_pid" ] || { pkill -P "$guests_pid" 2>/dev/null; kill "$guests_pid" 2>/dev/null; } || true' EXIT
say "installing the extensions into Postgres 15"
cargo pgrx install --release -p supabase_vault --pg-config "$PG_CONFIG" >/dev/null
cargo pgrx install --release -p wrappers --pg-config "$PG_CONFIG" >/dev/null
if [ -f crates/supabase_vault/supabase_vault_getkey ]; then
  install -m 0755 crates/supabase_vault/supabase_vault_getkey \
    "$("$PG_CONFIG" --sharedir)/extension/supabase_vault_getkey"
fi
guests_status=0
wait "$guests_pid" || guests_status=$?
guests_pid=""
if [ "$guests_status" != 0 ]; then
  cat target/build-guests.log >&2
  echo "build: the guests failed to build (above)" >&2
  exit 1
fi
cat target/build-guests.log
say "build complete: target/clerk_fdw.wasm (sha256 $(cat target/clerk_fdw.wasm.sha256))"
