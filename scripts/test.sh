#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest: the normal suite
# (release), the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (asan),
# and the concurrency tests under ThreadSanitizer (tsan). Arguments go to every ctest run,
# e.g. ./scripts/test.sh -R Anomaly. CGRAD_TEST_PRESETS="release" runs a subset.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
for preset in ${CGRAD_TEST_PRESETS:-release asan tsan}; do
  echo "cgrad: === ctest --preset $preset ==="
  cgrad_setup "$preset"
  ctest --preset "$preset" -j "$(nproc)" "$@"
done
