#!/bin/sh
# Installs the supabase_vault extension into the Postgres named by PG_CONFIG
# (default: Debian's Postgres 15): the library, control and SQL files through
# cargo-pgrx, plus the default getkey script, which cargo-pgrx has no way to
# ship, into <sharedir>/extension/.
#
# Usage: crates/supabase_vault/install.sh [extra cargo pgrx install flags, e.g. --release]
# Then: shared_preload_libraries = 'supabase_vault' in postgresql.conf, restart.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

cd "$here"
cargo pgrx install -p supabase_vault --pg-config "$pg_config" "$@"
install -m 0755 "$here/supabase_vault_getkey" "$("$pg_config" --sharedir)/extension/supabase_vault_getkey"
echo "installed $("$pg_config" --sharedir)/extension/supabase_vault_getkey"
