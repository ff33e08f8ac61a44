#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang, ASan + UBSan) and fuzzes the
# checkpoint loader, starting from a seed corpus of valid checkpoints. Fails on any crash,
# sanitizer report, leak or timeout. Usage: ./scripts/fuzz.sh [seconds] [libFuzzer flags]
# (default 30 seconds; e.g. ./scripts/fuzz.sh 0 -runs=1000000 for a fixed count).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
seconds="${1:-30}"
shift || true
cgrad_setup fuzz
work="$CGRAD_ROOT/build/fuzz/corpus"
mkdir -p "$work/seeds" "$work/found" "$work/artifacts"
"$CGRAD_ROOT/build/fuzz/fuzz/make_seed_corpus" "$work/seeds"
# -timeout: one input taking over 10 s is a hang; found/ keeps new inputs between runs.
"$CGRAD_ROOT/build/fuzz/fuzz/checkpoint_load_fuzzer" "$work/found" "$work/seeds" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@"
