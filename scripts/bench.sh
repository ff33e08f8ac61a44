#!/usr/bin/env bash
# Builds Release and runs the Google Benchmark suite; flags go to the benchmark binary,
# e.g. ./scripts/bench.sh --benchmark_filter=BM_Gemm --benchmark_format=json
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cgrad_setup release
exec "$CGRAD_ROOT/build/release/benchmarks/cgrad_bench" "$@"
