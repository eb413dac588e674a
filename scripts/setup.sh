#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian bookworm
# machine (run as root): Postgres 15 and its headers, clang for bindgen, the
# pinned Rust toolchain with the wasm32 target, and cargo-pgrx. Each step is
# skipped when already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

RUST_TOOLCHAIN=1.97.1
PGRX_VERSION=0.19.2
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 libclang-dev clang curl ca-certificates pkg-config)

say() { printf '==> %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# the tests serve the package over http:// with python3's http.server
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "rustup is required (https://rustup.rs)" >&2
  exit 1
fi
# RUSTUP_AUTO_INSTALL=0 on these machines: rust-toolchain.toml alone installs nothing
if ! rustup toolchain list | grep -q "^${RUST_TOOLCHAIN}-"; then
  say "installing Rust ${RUST_TOOLCHAIN}"
  rustup toolchain install "$RUST_TOOLCHAIN" --profile minimal -c clippy -c rustfmt
fi
# every build lints through clippy-driver (scripts/clippy-env.sh): a
# toolchain installed earlier without clippy gets it
if ! rustup component list --installed --toolchain "$RUST_TOOLCHAIN" | grep -q '^clippy'; then
  say "adding clippy to Rust ${RUST_TOOLCHAIN}"
  rustup component add clippy --toolchain "$RUST_TOOLCHAIN"
fi
if ! rustup target list --installed --toolchain "$RUST_TOOLCHAIN" | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown --toolchain "$RUST_TOOLCHAIN"
fi

if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  say "installing cargo-pgrx ${PGRX_VERSION} (a few minutes)"
  # a debug build without debug info: cargo-pgrx only drives cargo and
  # copies files; an optimised build took 6 min against 4.5 on two busy cores
  CARGO_PROFILE_DEV_DEBUG=0 cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --quiet --debug
fi
if ! grep -qs "pg15 = \"$PG_CONFIG\"" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
  say "pointing cargo-pgrx at Debian's Postgres 15"
  cargo pgrx init --pg15 "$PG_CONFIG" >/dev/null
fi
say "setup complete"
