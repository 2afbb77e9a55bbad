#!/usr/bin/env bash
# Runs on a GPU machine, from a copy of the repository that carries gpu-bundle/ (see
# scripts/gpu-build.sh): the backend comparison in f32, bf16 and f16, and the CUDA tests.
# Results: $OUT/gpu-results.tgz (every log and JSON record) and the logs beside it ($OUT, or
# ./gpu-results when OUT is not set).
set -uo pipefail
dest="${OUT:-gpu-results}"
out=/tmp/gpu-results
mkdir -p "$dest" "$out" /tmp/gpu
for f in gpu-bundle/*.gz; do gunzip -c "$f" > "/tmp/gpu/$(basename "$f" .gz)"; chmod +x "/tmp/gpu/$(basename "$f" .gz)"; done
xtask=/tmp/gpu/xtask
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"

status=0
check() { # check LOG CMD...: runs CMD, appends its output to LOG, remembers a failure
    local log=$1; shift
    echo "== $*" | tee -a "$log"
    "$@" 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}
check "$out/backends.txt" "$xtask" backends --devices flex,wgpu,cuda --require-all --json "$out/backends-f32.json"
check "$out/backends.txt" "$xtask" backends --devices cuda --dtype bf16 --require-all --json "$out/backends-bf16.json"
check "$out/backends.txt" "$xtask" backends --devices cuda,wgpu --dtype f16 --require-all --json "$out/backends-f16.json"
for t in /tmp/gpu/test-*; do
    check "$out/tests.txt" "$t" --test-threads 1
done
check "$out/bench.txt" bench/gpu.sh "$xtask" "$out/bench"
tar czf "$dest/gpu-results.tgz" -C /tmp gpu-results
cp "$out"/*.txt "$dest"/ 2>/dev/null
exit $status
