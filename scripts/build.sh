#!/usr/bin/env bash
# Configures and builds into ${BUILD_DIR:-build}, with ${JOBS:-all cores} jobs: every target, or
# only ${TARGETS} (e.g. TARGETS=cutover). Extra arguments go to cmake's configure step. A second run
# rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DCUTOVER_WERROR=ON "$@"
# shellcheck disable=SC2086  # TARGETS is a list
cmake --build "$build_dir" -j"${JOBS:-$(nproc)}" ${TARGETS:+--target $TARGETS}
