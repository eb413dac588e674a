#!/usr/bin/env bash
# Prints the dependency builds that one release build leaves for the
# `wrappers` extension's build (`cargo pgrx install -p wrappers`,
# scripts/build.sh) to do again in the same target directory: the crates
# whose own features differ while everything below them is shared, i.e.
# where a second build of the tree above starts. Two builds come before it:
#
# - the host's tests, `cargo test --release -p wasm-host ...`
#   (scripts/test.sh): only their dev-only crates (wasm-encoder 0.262)
#   should be listed; anything else makes wasmtime and cranelift build
#   twice. The cure is a line in crates/wasm-host/Cargo.toml's
#   feature-unification block.
# - the vault, `cargo pgrx install -p supabase_vault`: only the vault's own
#   crates (aead, chacha20, ...) should be listed; anything else makes pgrx
#   and pgrx-pg-sys (its bindgen run) build twice. The cure is a line in
#   crates/supabase_vault/Cargo.toml's feature-unification block.
#
# Reads cargo's unit graph (an unstable option, hence RUSTC_BOOTSTRAP);
# builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTC_BOOTSTRAP=1 python3 - <<'PY'
import json, subprocess

def units(args):
    out = subprocess.run(
        ["cargo", *args.split(), "--unit-graph", "-Z", "unstable-options"],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["units"]

def signatures(us):
    memo = {}
    def sig(i):
        if i not in memo:
            u = us[i]
            memo[i] = (u["pkg_id"].split("#")[-1], u["target"]["kind"][0], u["mode"], tuple(u["features"]),
                       json.dumps(u["profile"], sort_keys=True),
                       tuple(sorted(sig(d["index"]) for d in u["dependencies"])))
        return memo[i]
    return [sig(i) for i in range(len(us))]

wrappers = units("build --release -p wrappers --lib --no-default-features --features pg15")
shared = set(signatures(wrappers))
for name, args in [
    ("the host's tests", "test --release -p wasm-host -p clerk-fuzz --no-default-features --features clerk-fuzz/host --no-run"),
    ("the vault", "build --release -p supabase_vault"),
]:
    print(f"{name}: not shared with the wrappers build")
    before = units(args)
    sb = signatures(before)
    for i, s in enumerate(sb):
        if s in shared or "/work/" in before[i]["pkg_id"] or "path+file" in before[i]["pkg_id"]:
            continue
        if all(sb[d["index"]] in shared for d in before[i]["dependencies"]):
            print(f"  {s[0]} ({s[1]}, {s[2]}): features {list(s[3])}")
PY
