#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cgrad_setup release
ctest --preset release -j "$(nproc)" "$@"
