#!/usr/bin/env bash
# The GPU figures of BENCHMARKS.md, in one go, on a machine with an NVIDIA GPU.
#
#   bench/gpu.sh XTASK [OUT]
#
# XTASK: a release xtask built with the cuda feature (scripts/cuda-build.sh; gzip it to carry it
# to a GPU machine). OUT (default bench-out/): one JSON record per run and bench-gpu.log.
# Ours always runs: `base` on cuda in bf16, in bf16-mixed (f32 master weights; the target) and in
# f32, the same on wgpu (its bf16 modes fail with a clear message where wgpu has no bf16), the
# backend comparison with flex in f32 and bf16-mixed, and the default training run. The PyTorch
# comparisons (eager bf16 and torch.compile) run only where a Python with torch and CUDA is found:
# $AMVL_TORCH_PYTHON, else python3. Records carry MFU against the card's data-sheet peak.
set -uo pipefail
# The Vulkan loader (wgpu) complains on every device start without one.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

xtask="${1:?usage: bench/gpu.sh XTASK [OUT]}"
out="${2:-bench-out}"
mkdir -p "$out"
log="$out/bench-gpu.log"
python="${AMVL_TORCH_PYTHON:-python3}"
steps="${BENCH_STEPS:-20}"

run() {
    echo "+ $*" | tee -a "$log"
    "$@" 2>&1 | tee -a "$log"
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$log"
# Dense peaks from the cards' data sheets, TFLOP/s (bf16 tensor cores; f32 without tensor cores),
# for the records' model FLOP utilisation. BENCH_PEAK_BF16 / BENCH_PEAK_F32 override them.
card="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
case "$card" in
    *H100*PCIe*) peak_bf16=756; peak_f32=51.2 ;;
    *H100*|*H200*) peak_bf16=989.4; peak_f32=66.9 ;;
    *A100*) peak_bf16=312; peak_f32=19.5 ;;
    *L4*) peak_bf16=121; peak_f32=30.3 ;;
    *) peak_bf16=""; peak_f32="" ;;
esac
peak_bf16="${BENCH_PEAK_BF16:-$peak_bf16}"
peak_f32="${BENCH_PEAK_F32:-$peak_f32}"
bf16_peak=(); f32_peak=()
[ -n "$peak_bf16" ] && bf16_peak=(--peak-tflops "$peak_bf16")
[ -n "$peak_f32" ] && f32_peak=(--peak-tflops "$peak_f32")
echo "card: $card; peaks bf16 ${peak_bf16:-?}, f32 ${peak_f32:-?} TFLOP/s" | tee -a "$log"
# Kernels compile and autotune in the warm-up runs (reported apart); the cache under
# ~/.cache/cubecl makes a second run start faster.
run "$xtask" bench "${bf16_peak[@]}" --device cuda --config base --dtype bf16 --steps "$steps" --warmup 3 --json "$out/base-cuda-bf16.json"
run "$xtask" bench "${f32_peak[@]}" --device cuda --config base --dtype f32 --steps "$steps" --warmup 3 \
    --figures train_shared,train_naive,train_one_pass --json "$out/base-cuda-f32.json"
run "$xtask" bench "${bf16_peak[@]}" --device cuda --config base --precision bf16-mixed --steps "$steps" --warmup 3 \
    --figures train_shared,train_naive,train_one_pass --json "$out/base-cuda-bf16-mixed.json"
# The same model on wgpu (Vulkan on this card): f32, and the bf16 modes where wgpu has bf16.
run "$xtask" bench "${f32_peak[@]}" --device wgpu --config base --dtype f32 --steps "$steps" --warmup 3 \
    --figures train_shared,train_naive,train_one_pass --json "$out/base-wgpu-f32.json"
run "$xtask" bench "${bf16_peak[@]}" --device wgpu --config base --dtype bf16 --steps "$steps" --warmup 3 \
    --figures train_shared,train_one_pass --json "$out/base-wgpu-bf16.json"
run "$xtask" bench "${bf16_peak[@]}" --device wgpu --config base --precision bf16-mixed --steps "$steps" --warmup 3 \
    --figures train_shared,train_one_pass --json "$out/base-wgpu-bf16-mixed.json"

run "$xtask" backends --devices cuda --require-all --json "$out/backends-cuda-f32.json"
run "$xtask" backends --devices cuda --require-all --precision bf16-mixed --json "$out/backends-cuda-bf16-mixed.json"

if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    run "$xtask" bench "${bf16_peak[@]}" --device cuda --config base --dtype bf16 --compare --python "$python" \
        --torch-mode bf16 --steps "$steps" --rounds 4 --warmup 3 --json "$out/compare-base-cuda-bf16.json"
    run "$xtask" bench "${bf16_peak[@]}" --device cuda --config base --precision bf16-mixed --compare --python "$python" \
        --torch-mode bf16 --steps "$steps" --rounds 4 --warmup 3 \
        --figures train_shared,train_naive,train_one_pass --json "$out/compare-base-cuda-bf16-mixed.json"
    run "$xtask" bench "${bf16_peak[@]}" --device cuda --config base --precision bf16-mixed --compare --python "$python" \
        --torch-mode compile --steps "$steps" --rounds 4 --warmup 3 \
        --figures train_shared,train_naive,train_one_pass --json "$out/compare-base-cuda-bf16-mixed-compile.json"
    run "$xtask" bench "${bf16_peak[@]}" --device cuda --config base --dtype bf16 --compare --python "$python" \
        --torch-mode compile --steps "$steps" --rounds 4 --warmup 3 \
        --figures train_shared,train_naive,train_one_pass --json "$out/compare-base-cuda-compile.json"
else
    echo "no Python with torch+CUDA here ($python): PyTorch comparisons skipped" | tee -a "$log"
fi

# The default training run (configs/small.toml) on the GPU in bf16-mixed, with its evaluation:
# time and accuracy. Cut after BENCH_TRAIN_TIMEOUT seconds (default 300) so the script fits a
# short loan of the card; the run folder's metrics.csv says how far it got.
run timeout "${BENCH_TRAIN_TIMEOUT:-300}" "$xtask" train --device cuda --precision bf16-mixed --out "$out/run-cuda-bf16-mixed"
