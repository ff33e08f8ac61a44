#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest: the normal suite
# (release), the GEMM tests in a build for any x86-64 CPU (portable, no -march=native), the same
# suite under AddressSanitizer + UndefinedBehaviorSanitizer (asan),
# the concurrency tests under ThreadSanitizer (tsan), then fuzzes the checkpoint loader for
# CGRAD_FUZZ_SECONDS (default 30; 0 skips it). Arguments go to every ctest run, e.g.
# ./scripts/test.sh -R Anomaly. CGRAD_TEST_PRESETS="release" runs a subset.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
passed=0
failed=0
for preset in ${CGRAD_TEST_PRESETS:-release portable asan tsan}; do
  echo "cgrad: === ctest --preset $preset ==="
  cgrad_setup "$preset"
  log="$CGRAD_ROOT/build/$preset/ctest-summary.log"
  status=0
  suite_failed=0
  suite_total=0
  ctest --preset "$preset" -j "$(nproc)" "$@" | tee "$log" || status=$?
  # "100% tests passed, 0 tests failed out of 256"
  read -r suite_failed suite_total < <(sed -nE 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1 \2/p' "$log") || true
  passed=$((passed + ${suite_total:-0} - ${suite_failed:-0}))
  failed=$((failed + ${suite_failed:-0}))
  [ "$status" -eq 0 ] || { echo "cgrad: $passed passed, $failed failed"; exit "$status"; }
done
if [ "${CGRAD_FUZZ_SECONDS:-30}" -gt 0 ]; then
  echo "cgrad: === fuzzing the checkpoint loader for ${CGRAD_FUZZ_SECONDS:-30} s ==="
  "$CGRAD_ROOT/scripts/fuzz.sh" "${CGRAD_FUZZ_SECONDS:-30}"
fi
# One closing line over all suites (the fuzz run fails the script on its own).
echo "cgrad: $passed passed, $failed failed"
