#!/usr/bin/env bash
# Shared set-up of demo.sh, test.sh and bench.sh: installs the Debian packages cgrad needs
# that are missing, then configures and builds a CMake preset (default: release).
# Usage: source scripts/setup.sh; cgrad_setup [preset]
set -euo pipefail

CGRAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CGRAD_PACKAGES=(
  cmake g++ make pkg-config
  libfmt-dev libtbb-dev libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev libcli11-dev libstb-dev nlohmann-json3-dev python3-numpy
  clang libclang-rt-14-dev zlib1g-dev
  libopenmpi-dev openmpi-bin
  libplplot-dev plplot-driver-cairo
  wamerican
)

cgrad_install_packages() {
  local missing=()
  # A script may ask for more (bench.sh: the LibTorch comparator) in CGRAD_EXTRA_PACKAGES.
  for pkg in "${CGRAD_PACKAGES[@]}" ${CGRAD_EXTRA_PACKAGES[@]+"${CGRAD_EXTRA_PACKAGES[@]}"}; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "cgrad: installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

cgrad_setup() {
  local preset="${1:-release}"
  cgrad_install_packages
  cd "$CGRAD_ROOT"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
}
