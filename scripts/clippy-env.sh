# shellcheck shell=bash
# Sourced by scripts/build.sh and scripts/test.sh: the workspace's own
# crates are compiled through clippy-driver, so every build also lints them
# (as `cargo clippy -- -D warnings` would) and no separate clippy pass
# compiles the whole dependency tree a second time in check mode.
# Dependencies from crates.io are compiled by plain rustc, unlinted. The
# same setting in both scripts keeps their builds' fingerprints equal: the
# guest, the test guests and the extensions that the demo builds are the
# ones the tests use. (The demo's debug componentize and emulator are its
# own: `cargo build -p componentize -p clerk-emulator` unifies dependency
# features differently from `cargo test`, so after a demo the tests build
# those dependencies once more.) CLERK_LINT=0 compiles with plain rustc (a
# build then recompiles the workspace's crates once).
if [ "${CLERK_LINT:-1}" != 0 ]; then
  RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver)
  # cargo-clippy's own way of passing lint flags to clippy-driver
  CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
fi
