#!/usr/bin/env bash
# Builds Release and runs the Google Benchmark suite; flags go to the benchmark binary,
# e.g. ./scripts/bench.sh --benchmark_filter=BM_Gemm --benchmark_format=json
# LibTorch's C++ frontend (Debian's libtorch-dev) is the comparator of the op, layer and
# model rows; the tests do not need it, so only this script installs it.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
CGRAD_EXTRA_PACKAGES=(libtorch-dev)
cgrad_setup release
exec "$CGRAD_ROOT/build/release/benchmarks/cgrad_bench" "$@"
