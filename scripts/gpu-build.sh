#!/usr/bin/env bash
# Builds what a GPU machine runs (scripts/gpu-check.sh) into gpu-bundle/ (git-ignored):
# the release xtask with flex, wgpu and cuda (scripts/cuda-build.sh), and the cross-backend test
# binaries built with cuda, each gzipped to stay under 64 MiB for the transfer to that machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"

scripts/cuda-build.sh "$@"

export CUDARC_CUDA_VERSION=13000
lock_backup="$(mktemp)"
cp Cargo.lock "$lock_backup"
trap 'cp "$lock_backup" Cargo.lock; rm -f "$lock_backup"' EXIT
tests="$(cargo test --release -p amvl --no-default-features --features flex,wgpu,cuda \
    --config 'patch.crates-io.cubecl-llvm.path="vendor/cubecl-llvm-stub"' \
    --test backends --test half_precision --no-run --message-format=json \
    | python3 -c 'import sys, json
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        print(m["target"]["name"], m["executable"])')"

rm -rf gpu-bundle
mkdir -p gpu-bundle
gzip -c "$target/release/xtask" > gpu-bundle/xtask.gz
while read -r name exe; do
    gzip -c "$exe" > "gpu-bundle/test-$name.gz"
done <<<"$tests"
ls -la gpu-bundle
echo "carry gpu-bundle (and .gl for the Vulkan loader), then run scripts/gpu-check.sh there"
