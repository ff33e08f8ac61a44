#!/usr/bin/env bash
# Installs what is missing, builds, and trains the seed's models on spiral data.
# Arguments are passed on to the example (try --help).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cgrad_setup release
exec "$CGRAD_ROOT/build/release/examples/spiral/spiral" "$@"
