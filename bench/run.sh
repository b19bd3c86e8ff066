#!/usr/bin/env bash
# The benchmark, in one command: installs what is missing (Debian's nginx, haproxy, wrk), builds
# cutover in Release (BUILD_DIR, default build-bench/ next to bench/), bench's open-loop load
# generator and wrk's TLS shim, then runs every scenario and prints the table. See docs/performance.md.
#
#   bench/run.sh                   # everything, ~18 minutes
#   bench/run.sh --quick           # short runs, fewer repetitions, no 10 MiB / 5,000-connection points
#   bench/run.sh --scenario 1      # only the headline (repeatable: --scenario 1 --scenario 3)
#   bench/run.sh --scenario 5      # only the new connection per request (Connection: close)
#   bench/run.sh --scenario 6      # only TLS termination (cutover, nginx, HAProxy; ~2 minutes)
#   bench/run.sh --help            # every option
#
# Environment: BENCH_BUILD_DIR (build directory), BENCH_JOBS (parallel compile jobs, default nproc).
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench_dir")
build_dir=${BENCH_BUILD_DIR:-$root/build-bench}
jobs=${BENCH_JOBS:-$(nproc)}

for arg in "$@"; do
  case $arg in -h | --help) exec python3 "$bench_dir/bench.py" --build-dir "$build_dir" --help ;; esac
done

source "$bench_dir/setup.sh"

exec python3 "$bench_dir/bench.py" --build-dir "$build_dir" "$@"
