#!/usr/bin/env bash
# Builds Release and runs the Google Benchmark suite; flags go to the benchmark binary,
# e.g. ./scripts/bench.sh --benchmark_filter=BM_Gemm --benchmark_format=json
# LibTorch's C++ frontend (Debian's libtorch-dev) is the comparator of the op, layer and
# model rows; the tests do not need it, so only this script installs it.
# ./scripts/bench.sh --dist [flags]: the data-parallel benchmark (benchmarks/bench_dist.cpp)
# under mpirun with 1 and then 2 processes.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
CGRAD_EXTRA_PACKAGES=(libtorch-dev)
cgrad_setup release
if [ "${1:-}" = "--dist" ]; then
  shift
  mpirun_flags=(--oversubscribe --mca btl self,vader)
  [ "$(id -u)" -eq 0 ] && mpirun_flags+=(--allow-run-as-root)
  for processes in 1 2; do
    mpirun "${mpirun_flags[@]}" -np "$processes" "$CGRAD_ROOT/build/release/benchmarks/cgrad_bench_dist" "$@"
  done
  exit 0
fi
exec "$CGRAD_ROOT/build/release/benchmarks/cgrad_bench" "$@"
