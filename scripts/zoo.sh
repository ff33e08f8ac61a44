#!/usr/bin/env bash
# The model zoo: trains every model of examples/spiral, examples/digits and examples/chars
# and its LibTorch twin (benchmarks/peers/, built when LibTorch is found) with seeds 0, 1
# and 2 on one thread, and once more on two threads, then writes benchmarks/ZOO.md
# (scripts/zoo.py).
# Usage: ./scripts/zoo.sh [--only spiral|digits|chars] [--seeds N]
# It takes a long while (the chars ladder trains for minutes per model); the tests run
# each example only briefly.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
CGRAD_EXTRA_PACKAGES=(libtorch-dev)
cgrad_setup release
exec python3 "$CGRAD_ROOT/scripts/zoo.py" --build "$CGRAD_ROOT/build/release" --out "$CGRAD_ROOT/benchmarks/ZOO.md" "$@"
