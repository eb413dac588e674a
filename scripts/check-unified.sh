#!/usr/bin/env bash
# Prints the dependency builds that `cargo pgrx install -p supabase_vault`
# (scripts/build.sh, first) cannot share with the `wrappers` build that
# follows it in the same target directory: the crates whose own features
# differ while everything below them is shared, i.e. where a second build
# of the tree above starts. Only the vault's own crates (aead, chacha20,
# ...) should be listed; anything else makes pgrx and pgrx-pg-sys (its
# bindgen run) build twice. The cure is a line in crates/supabase_vault/
# Cargo.toml's feature-unification block. Reads cargo's unit graph (an
# unstable option, hence RUSTC_BOOTSTRAP); builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTC_BOOTSTRAP=1 python3 - <<'PY'
import json, os, subprocess

def units(package):
    out = subprocess.run(
        ["cargo", "build", "--release", "-p", package, "--unit-graph", "-Z", "unstable-options"],
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

vault, wrappers = units("supabase_vault"), units("wrappers")
shared = set(signatures(wrappers))
sv = signatures(vault)
for i, s in enumerate(sv):
    if s in shared or "/work/" in vault[i]["pkg_id"] or "path+file" in vault[i]["pkg_id"]:
        continue
    if all(sv[d["index"]] in shared for d in vault[i]["dependencies"]):
        print(f"{s[0]} ({s[1]}, {s[2]}): features {list(s[3])}")
PY
