#!/usr/bin/env bash
# Configures and builds into ${BUILD_DIR:-build}, with ${JOBS:-all cores} jobs. Extra arguments go
# to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DCUTOVER_WERROR=ON "$@"
cmake --build "$build_dir" -j"${JOBS:-$(nproc)}"
