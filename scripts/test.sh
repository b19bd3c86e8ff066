#!/usr/bin/env bash
# The one command that installs what is missing, builds, and runs every test (unit + integration),
# then the fuzz tests: a second build with clang in build-fuzz (libFuzzer, ASan and UBSan; see
# docs/security.md) whose four targets each fuzz for CUTOVER_FUZZ_SECONDS (45 by default) from
# their committed seeds, two at a time. Extra arguments go to the first ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
scripts/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" "$@")

# Clang's warnings are not the project's bar (GCC's are), so they do not fail this build.
CXX=clang++-14 BUILD_DIR=build-fuzz scripts/build.sh -DCUTOVER_FUZZ=ON -DCUTOVER_WERROR=OFF \
  -DCUTOVER_FUZZ_SECONDS="${CUTOVER_FUZZ_SECONDS:-45}"
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j2
