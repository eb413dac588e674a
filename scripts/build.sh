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

say "installing the extensions into Postgres 15"
cargo pgrx install --release -p supabase_vault --pg-config "$PG_CONFIG" >/dev/null
cargo pgrx install --release -p wrappers --pg-config "$PG_CONFIG" >/dev/null
if [ -f crates/supabase_vault/supabase_vault_getkey ]; then
  install -m 0755 crates/supabase_vault/supabase_vault_getkey \
    "$("$PG_CONFIG" --sharedir)/extension/supabase_vault_getkey"
fi
say "build complete: target/clerk_fdw.wasm (sha256 $(cat target/clerk_fdw.wasm.sha256))"
