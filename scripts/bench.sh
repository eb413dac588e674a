#!/usr/bin/env bash
# The benchmark of issue 9 (README, "Benchmark"); not part of the test
# command. Starts its own Postgres 15 cluster and Clerk emulators on
# loopback (scripts/env.sh), runs each scenario a few times after a warm-up
# with one or two guests, prints a markdown table (median wall time,
# requests the emulator saw, rows per second, backend CPU and peak RSS) and
# stops everything it started.
#
#   scripts/bench.sh                         # ours: fast vs portable flavour
#   GUEST=a.wasm scripts/bench.sh            # one guest
#   GUEST=a.wasm GUEST2=b.wasm scripts/bench.sh   # two, B/A side by side
#   QUICK=1 scripts/bench.sh                 # small sizes, one run
#
# Knobs (environment): USERS (100000; QUICK 5000), SMALL_USERS (10000;
# QUICK 1000), RUNS (3; QUICK 1), LATENCY_MS (100), STATEMENT_TIMEOUT
# (180, seconds per query), ONLY (scenario ids to run, e.g. "S1 S4"), RUN_DIR, PGPORT,
# EMULATOR_PORT (the emulators take it, +1 and +3).
# Assumes scripts/build.sh has been run (it says so when something is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  USERS=${USERS:-5000} SMALL_USERS=${SMALL_USERS:-1000} RUNS=${RUNS:-1}
else
  USERS=${USERS:-100000} SMALL_USERS=${SMALL_USERS:-10000} RUNS=${RUNS:-3}
fi
LATENCY_MS=${LATENCY_MS:-100}
STATEMENT_TIMEOUT=${STATEMENT_TIMEOUT:-180} # seconds, per query
ONLY=${ONLY:-}
RUN_DIR=${RUN_DIR:-/tmp/clerk-bench}
PGPORT=${PGPORT:-55533}
EMULATOR_PORT=${EMULATOR_PORT:-58190}
# Fake keys for the emulators: the prefix is what matters (our fast guest
# keeps pages in flight for sk_live_ keys only).
LIVE_KEY=sk_live_benchNotARealKey0c4e2a
TEST_KEY=sk_test_benchNotARealKey9d1b7f
CLERK_SECRET_KEY=$TEST_KEY
export CLERK_SECRET_KEY

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- what the benchmark needs, built beforehand -----------------------------
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
[ "$(id -u)" = 0 ] || die "run as root (the cluster belongs to the postgres OS user, as in scripts/env.sh)"
[ -x "$PG_CONFIG" ] || die "Postgres 15 is not installed; run scripts/setup.sh and scripts/build.sh first"
# the emulator serves 100k users here: a release build of its own (build.sh
# makes a debug one for the demo and the tests)
cargo build -q --release -p clerk-emulator
missing=()
for f in target/clerk_fdw_fast.wasm target/clerk_fdw_fast.wasm.sha256 target/clerk_fdw.wasm \
  target/clerk_fdw.wasm.sha256; do
  [ -f "$f" ] || missing+=("$f")
done
[ -f "$("$PG_CONFIG" --sharedir)/extension/wrappers.control" ] || missing+=("the wrappers extension")
[ -f "$("$PG_CONFIG" --pkglibdir)/supabase_vault.so" ] || missing+=("the supabase_vault extension")
if [ ${#missing[@]} -gt 0 ]; then
  die "missing: ${missing[*]}; build first with scripts/build.sh (the benchmark builds only its release emulator)"
fi
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"

if [ -n "${GUEST:-}" ]; then
  GUESTS=("$GUEST")
  [ -z "${GUEST2:-}" ] || GUESTS+=("$GUEST2")
else
  [ -z "${GUEST2:-}" ] || die "GUEST2 needs GUEST"
  GUESTS=(target/clerk_fdw_fast.wasm target/clerk_fdw.wasm)
fi
for g in "${GUESTS[@]}"; do
  [ -f "$g" ] || die "no guest at $g"
done
GUEST_FILES=()
for g in "${GUESTS[@]}"; do GUEST_FILES+=("$(cd "$(dirname "$g")" && pwd)/$(basename "$g")"); done

# shellcheck source=scripts/env.sh
. scripts/env.sh

PROD_URL="http://127.0.0.1:$EMULATOR_PORT"        # sk_live_, USERS users
DEV_URL="http://127.0.0.1:$((EMULATOR_PORT + 1))"   # sk_test_, USERS users
SMALL_URL="http://127.0.0.1:$((EMULATOR_PORT + 3))" # sk_live_, SMALL_USERS users

cleanup() {
  local f
  for f in "$RUN_DIR"/emulator-*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  stop_all
}
trap cleanup EXIT

# start_emulator_as NAME PORT KEY USERS: one emulator of this run (the key
# goes through the environment, out of `ps`).
start_emulator_as() {
  local name=$1 port=$2 key=$3 users=$4
  CLERK_EMULATOR_SECRET_KEY=$key target/release/clerk-emulator --listen "127.0.0.1:$port" \
    --users "$users" --organizations 10 --seed 42 --log-level error \
    >"$RUN_DIR/emulator-$name.log" 2>&1 &
  echo $! >"$RUN_DIR/emulator-$name.pid"
  for _ in $(seq 1 300); do
    grep -q "listening" "$RUN_DIR/emulator-$name.log" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$RUN_DIR/emulator-$name.log" >&2
  die "the $name emulator did not start"
}

# --- emulator control --------------------------------------------------------
# emu_prepare URL KNOBS: back to startup state (data, counters, rate-limit
# window), then the scenario's knobs.
emu_prepare() {
  curl -sf -X POST "$1/__emulator/reset" -o /dev/null
  if [ "$2" != "{}" ]; then
    curl -sf -X PATCH -H 'content-type: application/json' -d "$2" "$1/__emulator/knobs" -o /dev/null
  fi
}
# waits until the emulator answers nothing (pages a guest sent ahead and
# abandoned still arrive after the query returned)
emu_settle() {
  for _ in $(seq 1 100); do
    curl -sf "$1/__emulator/requests/concurrency" | grep -q '"in_flight":0' && return 0
    sleep 0.1
  done
}

# --- one timed query ---------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
CPU_SQL="(select f[12]::bigint + f[13]::bigint from (select regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') as f) s)"
HWM_SQL="(regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\\s+([0-9]+) kB'))[1]"

# run_query DB QUERY EMU_URL KNOBS: one fresh session that prints its pid
# and CPU ticks, runs QUERY under \timing (output to $RUN_DIR/out), then its
# CPU ticks and VmHWM. Sets R_MS R_CPU_MS R_HWM_KB R_ROWS R_REQ R_429 R_PEAK,
# or R_ERR.
run_query() {
  local db=$1 query=$2 emu=$3 knobs=$4 log
  R_MS="" R_CPU_MS="" R_HWM_KB="" R_ROWS="" R_REQ="" R_429="" R_PEAK="" R_ERR=""
  emu_prepare "$emu" "$knobs"
  log="$RUN_DIR/session.log"
  rm -f "$RUN_DIR/out"
  if ! timeout "$((STATEMENT_TIMEOUT + 60))" psql -X -q -At -F '|' -v ON_ERROR_STOP=1 -d "$db" \
    >"$log" 2>&1 <<SQL; then
set statement_timeout = '${STATEMENT_TIMEOUT}s';
select 'begin', pg_backend_pid(), $CPU_SQL;
\\o $RUN_DIR/out
\\timing on
$query;
\\timing off
\\o
select 'end', $CPU_SQL, $HWM_SQL;
SQL
    R_ERR=$(grep -m1 -E 'ERROR|FATAL|timeout|terminated' "$log" | sed 's/^psql:[^ ]* //' | cut -c1-120 || true)
    R_ERR=${R_ERR:-"psql failed"}
    emu_settle "$emu"
    return 0
  fi
  local cpu0 cpu1
  cpu0=$(awk -F'|' '$1 == "begin" { print $3 }' "$log")
  cpu1=$(awk -F'|' '$1 == "end" { print $2 }' "$log")
  R_HWM_KB=$(awk -F'|' '$1 == "end" { print $3 }' "$log")
  R_MS=$(awk '$1 == "Time:" { print $2 }' "$log")
  R_CPU_MS=$(( (cpu1 - cpu0) * 1000 / CLK_TCK ))
  R_ROWS=$(wc -l <"$RUN_DIR/out")
  emu_settle "$emu"
  R_REQ=$(curl -sf "$emu/__emulator/requests/total")
  R_PEAK=$(curl -sf "$emu/__emulator/requests/concurrency" | jq .peak)
  R_429=$(curl -sf "$emu/__emulator/requests/log?limit=10000" | jq '[.[] | select(.status == 429)] | length')
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# --- the cluster, the emulators, one database per guest ----------------------
WRAPPERS_SO="$("$PG_CONFIG" --pkglibdir)/wrappers.so"
COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates 2>/dev/null || echo ' (crates/ has uncommitted changes)')"
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
SO_MTIME_START=$(date -u -r "$WRAPPERS_SO" '+%Y-%m-%d %H:%M:%S UTC')
say "starting Postgres 15 on port $PGPORT (RUN_DIR $RUN_DIR) and emulators on $PROD_URL, $DEV_URL, $SMALL_URL"
start_cluster
start_emulator_as prod "$EMULATOR_PORT" "$LIVE_KEY" "$USERS"
start_emulator_as dev "$((EMULATOR_PORT + 1))" "$TEST_KEY" "$USERS"
start_emulator_as small "$((EMULATOR_PORT + 3))" "$LIVE_KEY" "$SMALL_USERS"

# The users the selective scenarios look for, read from the emulator: one
# in the middle (S4, S5) and 50 spread over the whole list (S6).
user_at() { curl -sf -H "Authorization: Bearer $LIVE_KEY" "$PROD_URL/v1/users?limit=1&offset=$1"; }
middle=$(user_at $((USERS / 2)))
LOOKUP_ID=$(jq -r '.[0].id' <<<"$middle")
LOOKUP_EMAIL=$(jq -r '.[0].email_addresses[0].email_address' <<<"$middle")
JOIN_IDS=()
for i in $(seq 0 49); do
  JOIN_IDS+=("$(user_at $((i * USERS / 50 + USERS / 100)) | jq -r '.[0].id')")
done
if [ -z "$LOOKUP_ID" ] || [ "$LOOKUP_ID" = null ]; then die "could not read a user from the emulator"; fi

GUEST_DBS=() GUEST_STYLE=() GUEST_LABEL=()
i=0
for g in "${GUEST_FILES[@]}"; do
  i=$((i + 1))
  db=bench_$i
  cp "$g" "$RUN_DIR/guest_$i.wasm"
  chown postgres:postgres "$RUN_DIR/guest_$i.wasm"
  sum=$(sha256sum "$g" | cut -d' ' -f1)
  GUEST_DBS+=("$db")
  GUEST_LABEL+=("$(basename "$g") (sha256 ${sum:0:12})")
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "create database $db" >/dev/null
  {
    echo "create schema extensions;"
    echo "create extension wrappers with schema extensions;"
    echo "create foreign data wrapper wasm_wrapper handler wasm_fdw_handler validator wasm_fdw_validator;"
    for s in "clerk $PROD_URL $LIVE_KEY" "clerk_dev $DEV_URL $TEST_KEY" "clerk_small $SMALL_URL $LIVE_KEY"; do
      read -r schema url key <<<"$s"
      cat <<SQL
create server ${schema}_server foreign data wrapper wasm_wrapper options (
  fdw_package_url 'file://$RUN_DIR/guest_$i.wasm', fdw_package_name 'supabase:clerk-fdw',
  fdw_package_version '0.1.0', fdw_package_checksum '$sum',
  api_url '$url/v1', api_key '$key');
create schema $schema;
SQL
    done
    echo "create table bench_ids (user_id text primary key);"
    printf "insert into bench_ids values ('%s');\n" "${JOIN_IDS[@]}"
    echo "analyze bench_ids;"
  } | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
  # The guest's own table definitions when it imports them and has an email
  # column (ours); otherwise users declared as Supabase's docs declare them.
  style=ours
  for schema in clerk clerk_dev clerk_small; do
    psql -X -q -d "$db" -c "import foreign schema clerk limit to (users) from server ${schema}_server into $schema" \
      >/dev/null 2>&1 || true
  done
  has_email=$(psql -X -At -d "$db" -c "select count(*) from information_schema.columns
    where table_schema = 'clerk' and table_name = 'users' and column_name = 'email'")
  if [ "$has_email" != 1 ]; then
    style=supabase
    for schema in clerk clerk_dev clerk_small; do
      psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
drop foreign table if exists $schema.users;
create foreign table $schema.users (
  id text, external_id text, username text, first_name text, last_name text,
  created_at timestamp, updated_at timestamp, attrs jsonb
) server ${schema}_server options (object 'users', rowid_column 'id');
SQL
    done
  fi
  GUEST_STYLE+=("$style")
done
NG=${#GUEST_DBS[@]}
LETTERS=(A B)

# --- scenarios -----------------------------------------------------------------
# id | label | emulator (prod, dev, small) | knobs | query | what is compared
# between guests (count: the output must be the table's size; exact: same
# output; rows: same number of rows) | rows it covers (for rows/s; empty:
# the result's rows). In queries, EMAIL_FILTER is replaced per guest.
L=$LATENCY_MS
SCENARIOS=(
  "S1a|count(*), ${USERS} users, no latency|prod|{}|select count(*) from clerk.users|count|$USERS"
  "S1b|full scan counted by Postgres: count(id)|prod|{}|select count(id) from clerk.users|count|$USERS"
  "S1c|full scan of whole rows: count(u.*)|prod|{}|select count(u.*) from clerk.users u|count|$USERS"
  "S2|count(id), ${L} ms, 1000/10s, sk_live_|prod|{\"latency_ms\":$L,\"rate_limit\":\"1000/10s\"}|select count(id) from clerk.users|count|$USERS"
  "S3|count(id), ${L} ms, 100/10s, sk_test_|dev|{\"latency_ms\":$L,\"rate_limit\":\"100/10s\"}|select count(id) from clerk_dev.users|count|$USERS"
  "S4|new connection, where id = ..., no latency|prod|{}|select id, username from clerk.users where id = '$LOOKUP_ID'|exact|"
  "S5a|where email = ..., ${L} ms|prod|{\"latency_ms\":$L}|select id from clerk.users where EMAIL_FILTER|exact|"
  "S5b|limit 10, ${L} ms|prod|{\"latency_ms\":$L}|select id from clerk.users limit 10|rows|"
  "S5c|order by created_at desc limit 5, ${L} ms|prod|{\"latency_ms\":$L}|select id from clerk.users order by created_at desc limit 5|exact|"
  "S6|50 local ids join clerk.users, ${L} ms|prod|{\"latency_ms\":$L}|select u.id, u.username from bench_ids b join clerk.users u on u.id = b.user_id order by u.id|exact|"
  "S7|whole rows, ${SMALL_USERS} users (vs S1c)|small|{}|select count(u.*) from clerk_small.users u|count|$SMALL_USERS"
)

emu_url() {
  case $1 in prod) echo "$PROD_URL" ;; dev) echo "$DEV_URL" ;; small) echo "$SMALL_URL" ;; esac
}
query_for() { # guest index, query
  local q=$2 filter
  if [ "${GUEST_STYLE[$1]}" = ours ]; then
    filter="email = '$LOOKUP_EMAIL'"
  else
    filter="attrs->'email_addresses' @> '[{\"email_address\": \"$LOOKUP_EMAIL\"}]'"
  fi
  q=${q//EMAIL_FILTER/$filter}
  printf '%s' "$q"
}
wanted() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]] || [[ " $ONLY " == *" ${1:0:2} "* ]]; }

declare -A MS CPU HWM REQ N429 PEAK ROWS ERR OUT FLOOR_TIMES FLOOR_REQS FLOOR_MS FLOOR_REQ
record() { # key: one run's figures
  MS[$1]+="$R_MS " CPU[$1]+="$R_CPU_MS " HWM[$1]+="$R_HWM_KB " REQ[$1]+="$R_REQ "
  N429[$1]+="$R_429 " PEAK[$1]+="$R_PEAK " ROWS[$1]=$R_ROWS
}

# --- the floor: the same pages with curl, one after another ------------------
# The pages guest A asked for in the warm-up of its first full scan (S1b, or
# S2 when S1b is not run): the same paths and query strings, those a
# sequential client needs (up to the first short page, in order; the fast
# guest's pages sent ahead past the end are left out), written as a curl
# config. One curl process fetches them over one connection. Its runs are
# interleaved with the guests' runs of S1b (floor S1) and S2 (floor S2), so
# that load from elsewhere on the machine hits both alike.
write_floor_pages() {
  {
    printf 'header = "Authorization: Bearer %s"\n' "$LIVE_KEY"
    curl -sf "$1/__emulator/requests/log?limit=10000" |
      jq -r --arg base "$PROD_URL" --argjson users "$USERS" '[.[] | select(.method == "GET")
      | . + { offset: ((.query | capture("offset=(?<o>[0-9]+)").o // "0") | tonumber) }
      | select(.offset <= $users)] | sort_by(.offset) | unique_by(.offset) | .[]
      | "url = \"\($base)\(.path)\(if .query != "" then "?" + .query else "" end)\"\noutput = \"/dev/null\""'
  } >"$RUN_DIR/floor.curl"
}
# run_floor ID KNOBS WARMUP: one curl pass over the pages on the production
# emulator; its wall time and the requests counted are kept unless WARMUP.
run_floor() {
  local id=$1 knobs=$2 t0 t1 codes bad ms req
  emu_prepare "$PROD_URL" "$knobs"
  t0=$(date +%s%N)
  codes=$(curl -s -K "$RUN_DIR/floor.curl" -w '%{http_code}\n')
  t1=$(date +%s%N)
  bad=$(grep -vc '^200$' <<<"$codes" || true)
  [ "$bad" = 0 ] || say "floor $id: $bad pages not 200"
  [ "$3" = warmup ] && return 0
  ms=$(((t1 - t0) / 1000000))
  req=$(curl -sf "$PROD_URL/__emulator/requests/total")
  FLOOR_TIMES[$id]+="$ms " FLOOR_REQS[$id]+="$req "
  say "floor $id (curl), run: $ms ms, $req requests"
}

for sc in "${SCENARIOS[@]}"; do
  IFS='|' read -r id label emu knobs query check covers <<<"$sc"
  wanted "$id" || continue
  url=$(emu_url "$emu")
  floor=""
  case $id in S1b) floor=S1 ;; S2) floor=S2 ;; esac
  for ((g = 0; g < NG; g++)); do
    say "$id ($label), guest ${LETTERS[$g]}: warm-up"
    run_query "${GUEST_DBS[$g]}" "$(query_for "$g" "$query")" "$url" "$knobs"
    if [ -n "$R_ERR" ]; then
      ERR[$id/$g]=$R_ERR
      say "$id, guest ${LETTERS[$g]}: $R_ERR (no timed runs)"
      continue
    fi
    OUT[$id/$g]=$(cat "$RUN_DIR/out")
    if [ -n "$floor" ] && [ "$g" = 0 ] && [ ! -f "$RUN_DIR/floor.curl" ]; then
      write_floor_pages "$url"
    fi
  done
  [ -z "$floor" ] || [ ! -f "$RUN_DIR/floor.curl" ] || run_floor "$floor" "$knobs" warmup
  for ((r = 1; r <= RUNS; r++)); do
    for ((g = 0; g < NG; g++)); do
      [ -z "${ERR[$id/$g]:-}" ] || continue
      run_query "${GUEST_DBS[$g]}" "$(query_for "$g" "$query")" "$url" "$knobs"
      if [ -n "$R_ERR" ]; then
        ERR[$id/$g]=$R_ERR
        say "$id, guest ${LETTERS[$g]}, run $r: $R_ERR"
        continue
      fi
      record "$id/$g"
      say "$id, guest ${LETTERS[$g]}, run $r: ${R_MS} ms, $R_REQ requests, CPU ${R_CPU_MS} ms, VmHWM ${R_HWM_KB} kB"
    done
    [ -z "$floor" ] || [ ! -f "$RUN_DIR/floor.curl" ] || run_floor "$floor" "$knobs" run
  done
  if [ -n "$floor" ] && [ -n "${FLOOR_TIMES[$floor]:-}" ]; then
    read -ra a <<<"${FLOOR_TIMES[$floor]}"
    FLOOR_MS[$floor]=$(median "${a[@]}")
    read -ra a <<<"${FLOOR_REQS[$floor]}"
    FLOOR_REQ[$floor]=$(median "${a[@]}")
  fi
done

# --- the tables ----------------------------------------------------------------------
fmt_s() { awk -v ms="$1" 'BEGIN { if (ms == "") print "—"; else if (ms < 10) printf "%.1f ms", ms; else if (ms < 1000) printf "%.0f ms", ms; else printf "%.2f s", ms / 1000 }'; }
fmt_cpu() { awk -v ms="$1" 'BEGIN { if (ms == "") print "—"; else if (ms < 1000) printf "%.0f ms", ms; else printf "%.2f s", ms / 1000 }'; }
fmt_mib() { awk -v kb="$1" 'BEGIN { if (kb == "") print "—"; else printf "%.0f MiB", kb / 1024 }'; }
fmt_rate() { awk -v n="$1" -v ms="$2" 'BEGIN { if (n == "" || ms == "" || ms == 0) print "—"; else { r = n * 1000 / ms; if (r >= 1000) printf "%.1fk", r / 1000; else printf "%.0f", r } }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == 0) print "—"; else printf "%.2fx", b / a }'; }

declare -A MED_MS MED_CPU MED_HWM MED_REQ
for sc in "${SCENARIOS[@]}"; do
  IFS='|' read -r id label _ _ _ check covers <<<"$sc"
  wanted "$id" || continue
  for ((g = 0; g < NG; g++)); do
    k=$id/$g
    [ -z "${ERR[$k]:-}" ] || continue
    read -ra a <<<"${MS[$k]:-}"
    [ ${#a[@]} -gt 0 ] || continue
    MED_MS[$k]=$(median "${a[@]}")
    read -ra a <<<"${CPU[$k]}"
    MED_CPU[$k]=$(median "${a[@]}")
    read -ra a <<<"${HWM[$k]}"
    MED_HWM[$k]=$(median "${a[@]}")
    read -ra a <<<"${REQ[$k]}"
    MED_REQ[$k]=$(median "${a[@]}")
  done
done

{
  echo
  echo "Clerk Wrapper benchmark, $STARTED to $(date -u '+%H:%M UTC'), commit $COMMIT at the start,"
  echo "wrappers extension installed $SO_MTIME_START; $(nproc) cores; median of $RUNS run(s) after a warm-up;"
  echo "$USERS users (S7: $SMALL_USERS); statement_timeout ${STATEMENT_TIMEOUT} s; load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  for ((g = 0; g < NG; g++)); do
    echo "- guest ${LETTERS[$g]}: ${GUEST_LABEL[$g]}, tables: ${GUEST_STYLE[$g]}"
  done
  echo
  header="| # | scenario |"
  rule="|---|---|"
  for ((g = 0; g < NG; g++)); do
    n=${LETTERS[$g]}
    header+=" $n time | $n req | $n conc | $n rows/s | $n CPU | $n RSS |"
    rule+="---:|---:|---:|---:|---:|---:|"
  done
  if [ "$NG" = 2 ]; then header+=" B/A time |"; rule+="---:|"; fi
  echo "$header"
  echo "$rule"
  for sc in "${SCENARIOS[@]}"; do
    IFS='|' read -r id label _ _ _ check covers <<<"$sc"
    wanted "$id" || continue
    line="| $id | $label |"
    for ((g = 0; g < NG; g++)); do
      k=$id/$g
      if [ -n "${ERR[$k]:-}" ]; then
        line+=" ${ERR[$k]//|//} | | | | | |"
        continue
      fi
      [ -n "${MED_MS[$k]:-}" ] || { line+=" — | | | | | |"; continue; }
      read -ra a <<<"${N429[$k]}"
      n429=$(median "${a[@]}")
      read -ra a <<<"${PEAK[$k]}"
      peak=$(median "${a[@]}")
      req=${MED_REQ[$k]}
      [ "$n429" = 0 ] || req+=" ($n429×429)"
      note=""
      case $check in
        count) [ "${OUT[$k]}" = "$covers" ] || note=" (counted ${OUT[$k]}!)" ;;
        exact) [ "$g" = 0 ] || [ "${OUT[$k]}" = "${OUT[$id/0]:-}" ] || note=" (rows differ from A!)" ;;
        rows) [ "$g" = 0 ] || [ "${ROWS[$k]}" = "${ROWS[$id/0]:-}" ] || note=" (row count differs from A!)" ;;
      esac
      line+=" $(fmt_s "${MED_MS[$k]}")$note | $req | $peak | $(fmt_rate "$covers" "${MED_MS[$k]}") | $(fmt_cpu "${MED_CPU[$k]}") | $(fmt_mib "${MED_HWM[$k]}") |"
    done
    if [ "$NG" = 2 ]; then line+=" $(ratio "${MED_MS[$id/0]:-}" "${MED_MS[$id/1]:-}") |"; fi
    echo "$line"
  done
  if [ -n "${FLOOR_MS[*]:-}" ]; then  # (an empty array is unset to `set -u`)
    echo
    echo "Floor: the pages guest A's full scan asked for, fetched with curl one after another (one connection, bodies discarded), its runs between the guests' runs."
    echo
    h="| # | emulator | curl time | req | rows/s |"
    r2="|---|---|---:|---:|---:|"
    for ((g = 0; g < NG; g++)); do
      n=${LETTERS[$g]}
      h+=" $n count(id) / curl | $n count(u.*) / curl |"
      r2+="---:|---:|"
    done
    echo "$h"
    echo "$r2"
    for id in S1 S2; do
      [ -n "${FLOOR_MS[$id]:-}" ] || continue
      if [ "$id" = S1 ]; then emu_label="no latency"; scan=S1b whole=S1c; else emu_label="$L ms, 1000/10s"; scan=S2 whole=""; fi
      line="| $id | $emu_label | $(fmt_s "${FLOOR_MS[$id]}") | ${FLOOR_REQ[$id]} | $(fmt_rate "$USERS" "${FLOOR_MS[$id]}") |"
      for ((g = 0; g < NG; g++)); do
        w="—"
        [ -z "$whole" ] || w=$(ratio "${FLOOR_MS[$id]}" "${MED_MS[$whole/$g]:-}")
        line+=" $(ratio "${FLOOR_MS[$id]}" "${MED_MS[$scan/$g]:-}") | $w |"
      done
      echo "$line"
    done
  fi
  # The issue's targets, for guest A, as ratios of this run.
  pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "—"; else printf "%.2fx", a / b }'; }
  per100k() { awk -v ms="$1" -v n="$USERS" 'BEGIN { if (ms == "") print "—"; else printf "%.2f s", ms * 100000 / n / 1000 }'; }
  echo
  echo "Issue 9's targets, guest A, this run:"
  echo "- S2 vs the same pages one after another (curl): $(pct "${FLOOR_MS[S2]:-}" "${MED_MS[S2/0]:-}") faster (target: at least 6x)"
  if [ "$NG" = 2 ]; then
    echo "- S2 vs guest B: $(ratio "${MED_MS[S2/0]:-}" "${MED_MS[S2/1]:-}") faster; S3 vs guest B: $(ratio "${MED_MS[S3/0]:-}" "${MED_MS[S3/1]:-}") (target: no slower, 1.00x or more)"
  fi
  read -ra a <<<"${N429[S3/0]:-}"
  n3=$(median "${a[@]}")
  echo "- S3: ${n3:-—} answers 429 (median; target: never above the development limit)"
  echo "- S1 full scan vs curl: count(id) $(pct "${MED_MS[S1b/0]:-}" "${FLOOR_MS[S1]:-}"), count(u.*) $(pct "${MED_MS[S1c/0]:-}" "${FLOOR_MS[S1]:-}") the floor's time (target: at most 1.3x)"
  echo "- S6: ${MED_REQ[S6/0]:-—} requests for 50 local ids joined to clerk.users (target: at most one per 100 distinct ids)"
  echo "- backend CPU per 100k users: count(id) $(per100k "${MED_CPU[S1b/0]:-}"), count(u.*) $(per100k "${MED_CPU[S1c/0]:-}") (target: at most 2 s)"
  for ((g = 0; g < NG; g++)); do
    echo "- S7 guest ${LETTERS[$g]}: peak RSS $(fmt_mib "${MED_HWM[S7/$g]:-}") at $SMALL_USERS users, $(fmt_mib "${MED_HWM[S1c/$g]:-}") at $USERS (S1c), growth $(awk -v a="${MED_HWM[S7/$g]:-}" -v b="${MED_HWM[S1c/$g]:-}" 'BEGIN { if (a == "" || b == "") print "—"; else printf "%.0f MiB", (b - a) / 1024 }') (target: under 64 MiB, peak no higher than the anchor's)"
  done
  so_now=$(date -u -r "$WRAPPERS_SO" '+%Y-%m-%d %H:%M:%S UTC')
  if [ "$so_now" != "$SO_MTIME_START" ]; then
    echo
    echo "WARNING: the wrappers extension was reinstalled during this run ($SO_MTIME_START, now $so_now): sessions after that used the new build."
  fi
  echo
  echo "time: median wall time of the query (psql's timing, fresh session each run); req: requests the"
  echo "emulator counted (with 429s); conc: most requests in flight at once; rows/s: users scanned or"
  echo "counted per second (scans and counts only); CPU: the backend's user+system"
  echo "CPU during the query; RSS: the backend's VmHWM (peak since the session started) after the query."
} | tee "$RUN_DIR/results.md"
say "results also in $RUN_DIR/results.md"
