#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest: the normal suite
# (release), the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (asan),
# the concurrency tests under ThreadSanitizer (tsan), then fuzzes the checkpoint loader for
# CGRAD_FUZZ_SECONDS (default 30; 0 skips it). Arguments go to every ctest run, e.g.
# ./scripts/test.sh -R Anomaly. CGRAD_TEST_PRESETS="release" runs a subset.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
for preset in ${CGRAD_TEST_PRESETS:-release asan tsan}; do
  echo "cgrad: === ctest --preset $preset ==="
  cgrad_setup "$preset"
  ctest --preset "$preset" -j "$(nproc)" "$@"
done
if [ "${CGRAD_FUZZ_SECONDS:-30}" -gt 0 ]; then
  echo "cgrad: === fuzzing the checkpoint loader for ${CGRAD_FUZZ_SECONDS:-30} s ==="
  "$CGRAD_ROOT/scripts/fuzz.sh" "${CGRAD_FUZZ_SECONDS:-30}"
fi
