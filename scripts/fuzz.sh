#!/usr/bin/env bash
# Coverage-guided fuzzing of the targets in fuzz/src (issue 8): the page
# decoder and cell conversion, server option parsing, the strings a guest
# hands the host, the emulator's query-string parser. Installs a nightly
# toolchain and cargo-fuzz when missing (the pinned toolchain stays the
# project's). FUZZ_SECONDS per target (default 60); FUZZ_TARGETS to pick.
# The README's test command runs the same targets briefly on stable
# (fuzz/tests/smoke.rs); this is for long runs. Crashes land in
# fuzz/libfuzzer/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-decode options host_strings query_string}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
status=0
for t in $TARGETS; do
  mkdir -p "target/fuzz-corpus/$t"
  echo "==> fuzzing $t for $SECONDS_PER_TARGET s"
  # the seeds in fuzz/corpus stay as they are; what libFuzzer finds goes to target/
  cargo +nightly fuzz run --fuzz-dir fuzz/libfuzzer "$t" "target/fuzz-corpus/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|Done)" || true
  if ls "fuzz/libfuzzer/artifacts/$t"/crash-* >/dev/null 2>&1; then
    echo "FAIL: $t crashed, see fuzz/libfuzzer/artifacts/$t" >&2
    status=1
  fi
done
exit $status
