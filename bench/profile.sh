#!/usr/bin/env bash
# Callgrind profile of cutover under the headline load: installs valgrind if missing, builds like
# bench/run.sh, then runs bench/profile.py (20,000 requests by default; --requests N to change).
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench_dir")
build_dir=${BENCH_BUILD_DIR:-$root/build-bench}
jobs=${BENCH_JOBS:-$(nproc)}
extra_packages=(valgrind strace)

for arg in "$@"; do
  case $arg in -h | --help) exec python3 "$bench_dir/profile.py" --build-dir "$build_dir" --help ;; esac
done

source "$bench_dir/setup.sh"

exec python3 "$bench_dir/profile.py" --build-dir "$build_dir" "$@"
