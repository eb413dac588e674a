# Sourced by demo.sh and test.sh: a throwaway Postgres 15 cluster and a Clerk
# emulator, both on loopback, both owned by this run. Postgres refuses to
# run as root, so the cluster belongs to the `postgres` OS user.

RUN_DIR=${RUN_DIR:-/tmp/clerk-wrapper-run}
PG_BIN=/usr/lib/postgresql/15/bin
PGPORT=${PGPORT:-55433}
EMULATOR_PORT=${EMULATOR_PORT:-58090}
# a plain static file server, to load the package over http://
PACKAGE_HTTP_PORT=${PACKAGE_HTTP_PORT:-$((EMULATOR_PORT + 2))}
# a fake key for the emulator; tests prove it never shows up in output
CLERK_SECRET_KEY=${CLERK_SECRET_KEY:-sk_test_e2eDoNotLeakThisKey7f3a9c21}
CLERK_WRONG_KEY=sk_test_wrongKeyMustNotLeak5b8e04d6
export PGHOST="$RUN_DIR/sock" PGPORT PGUSER=postgres
# the emulator binary: build.sh's debug build (bench.sh and load.sh use a
# release one); tests/e2e/sql/emulator_restart.sql starts its own with it
export EMULATOR_BIN=${EMULATOR_BIN:-target/debug/clerk-emulator}
export EMULATOR_URL="http://127.0.0.1:${EMULATOR_PORT}"
export CLERK_API_URL="${EMULATOR_URL}/v1" CLERK_SECRET_KEY CLERK_WRONG_KEY
# The guest flavour the cluster's servers load (see use_flavour): the fast
# one by default, as the README's setup; test.sh runs its SQL with both.
WASM_FLAVOUR=${WASM_FLAVOUR:-fast}
export PROBE_V1_URL="file://$RUN_DIR/probe_v1.wasm"
export PROBE_V2_URL="file://$RUN_DIR/probe_v2.wasm"
export PACKAGE_HTTP_URL="http://127.0.0.1:${PACKAGE_HTTP_PORT}"

as_pg() { runuser -u postgres -- "$@"; }

# Points WASM_URL and WASM_CHECKSUM (what the SQL tests and the demo create
# their servers with) at one flavour of the guest: `fast`
# (clerk_fdw_fast.wasm, with our host's http-concurrent import) or
# `portable` (clerk_fdw.wasm, supabase:wrappers imports only). The package
# http server then serves that file as /clerk_fdw.wasm.
use_flavour() {
  case "$1" in
    fast) WASM_FILE=clerk_fdw_fast.wasm ;;
    portable) WASM_FILE=clerk_fdw.wasm ;;
    *) echo "unknown guest flavour \"$1\" (fast or portable)" >&2; return 1 ;;
  esac
  WASM_FLAVOUR=$1
  WASM_URL="file://$RUN_DIR/$WASM_FILE"
  WASM_CHECKSUM=$(cat "target/$WASM_FILE.sha256")
  export WASM_FLAVOUR WASM_FILE WASM_URL WASM_CHECKSUM
  if [ -d "$RUN_DIR/www" ]; then
    cp "target/$WASM_FILE" "$RUN_DIR/www/clerk_fdw.wasm"
  fi
}

start_cluster() {
  stop_all
  case "$RUN_DIR" in
    /tmp/?*) ;;
    *) echo "RUN_DIR must be a directory under /tmp (it is wiped): $RUN_DIR" >&2; return 1 ;;
  esac
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/sock"
  cp target/clerk_fdw.wasm target/clerk_fdw_fast.wasm "$RUN_DIR/"
  for probe in probe_v1 probe_v2; do
    [ ! -f "target/$probe.wasm" ] || cp "target/$probe.wasm" "$RUN_DIR/$probe.wasm"
  done
  use_flavour "$WASM_FLAVOUR"
  chown -R postgres:postgres "$RUN_DIR"
  as_pg "$PG_BIN/initdb" -D "$RUN_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$RUN_DIR/initdb.log"
  cat >>"$RUN_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$RUN_DIR/sock'
shared_preload_libraries = 'supabase_vault'
# as on Supabase: extensions live in their own schema, found by name
search_path = '"\$user", public, extensions'
timezone = 'UTC'
datestyle = 'iso, mdy'
log_min_messages = warning
log_error_verbosity = verbose
CONF
  as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -l "$RUN_DIR/postgres.log" -w start >/dev/null
}

start_emulator() {
  local users=${1:-1234} orgs=${2:-57}
  "$EMULATOR_BIN" --listen "127.0.0.1:$EMULATOR_PORT" \
    --secret-key "$CLERK_SECRET_KEY" --users "$users" --organizations "$orgs" --seed 42 \
    --log-level error >"$RUN_DIR/emulator.log" 2>&1 &
  echo $! >"$RUN_DIR/emulator.pid"
  for _ in $(seq 1 100); do
    grep -q "listening" "$RUN_DIR/emulator.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the emulator did not start:" >&2
  cat "$RUN_DIR/emulator.log" >&2
  return 1
}

start_package_server() {
  mkdir -p "$RUN_DIR/www"
  cp "target/$WASM_FILE" "$RUN_DIR/www/clerk_fdw.wasm"
  python3 -m http.server "$PACKAGE_HTTP_PORT" --bind 127.0.0.1 --directory "$RUN_DIR/www" \
    >"$RUN_DIR/package-http.log" 2>&1 &
  echo $! >"$RUN_DIR/package-http.pid"
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$PACKAGE_HTTP_URL/clerk_fdw.wasm" && return 0
    sleep 0.1
  done
  echo "the package http server did not start:" >&2
  cat "$RUN_DIR/package-http.log" >&2
  return 1
}

stop_all() {
  if [ -f "$RUN_DIR/package-http.pid" ]; then
    kill "$(cat "$RUN_DIR/package-http.pid")" 2>/dev/null || true
    rm -f "$RUN_DIR/package-http.pid"
  fi
  if [ -f "$RUN_DIR/emulator.pid" ]; then
    kill "$(cat "$RUN_DIR/emulator.pid")" 2>/dev/null || true
    rm -f "$RUN_DIR/emulator.pid"
  fi
  if [ -f "$RUN_DIR/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
