#!/usr/bin/env bash
# Release build of xtask with the flex, wgpu and cuda backends, for shipping to a GPU machine.
#
# - cubecl-llvm (pulled in by cubecl-cuda) is replaced by the offline stub in
#   vendor/cubecl-llvm-stub, applied only for this build with a `--config` [patch]: the real
#   crate downloads an LLVM bundle in its build script, and the CUDA backend here uses the
#   NVRTC (cpp) compiler anyway (the root `cuda` feature enables `cubecl-cuda/cpp`).
# - CUDARC_CUDA_VERSION=13000 pins cudarc's bindings to CUDA 13.0 (GPU machines: driver 580),
#   also for the cudarc that cubecl-cuda's build script uses.
# - A `--config` patch rewrites Cargo.lock (cubecl-llvm becomes a path package, LLVM-only
#   packages are dropped); the lock is restored when the script exits (see restore_lock).
#
# Usage: scripts/cuda-build.sh [extra cargo build args, e.g. -j1]
# Offline: CARGO_NET_OFFLINE=true scripts/cuda-build.sh
# The binary is printed at the end (honours CARGO_TARGET_DIR).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export CUDARC_CUDA_VERSION=13000
stub="vendor/cubecl-llvm-stub"
patch=(--config "patch.crates-io.cubecl-llvm.path=\"$stub\"")
features=(-p xtask --no-default-features --features flex,wgpu,cuda)

# Put the lock back on exit: the snapshot keeps the pinned versions of the packages the patch
# dropped, and `cargo update --workspace` (no patch) then re-syncs it with the manifests, in case
# they changed while this build ran (a shared checkout) -- it changes no other pinned version.
lock_backup="$(mktemp)"
cp Cargo.lock "$lock_backup"
restore_lock() {
    cp "$lock_backup" Cargo.lock
    rm -f "$lock_backup"
    cargo update --workspace --quiet || echo "warning: re-sync Cargo.lock with \`cargo update --workspace\`" >&2
}
trap restore_lock EXIT

# The patch only applies when the stub's version equals the cubecl-llvm that cubecl-cuda needs;
# otherwise cargo just warns "patch was not used" and would try to build the real crate.
if ! tree="$(cargo tree "${features[@]}" "${patch[@]}" -e normal -i cubecl-llvm --depth 0 2>&1)"; then
    echo "$tree" >&2
    echo "error: could not resolve the dependency graph (offline? set CARGO_NET_OFFLINE=true)" >&2
    exit 1
fi
if ! grep -q "$stub" <<<"$tree"; then
    echo "$tree" >&2
    echo "error: the cubecl-llvm stub in $stub is not used by this dependency graph" >&2
    echo "       (did cubecl-cuda's cubecl-llvm version change? update the stub)" >&2
    exit 1
fi

cargo build --release "${features[@]}" "${patch[@]}" "$@"

echo "built: ${CARGO_TARGET_DIR:-$root/target}/release/xtask"
