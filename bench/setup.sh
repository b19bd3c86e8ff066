#!/usr/bin/env bash
# Sourced by bench/run.sh and bench/profile.sh: installs what is missing (apt, only then) and builds
# what they run. Expects bench_dir, root, build_dir and jobs to be set; extra_packages may add to the list.

# 1. Packages: cutover's build dependencies and the peers (install-deps.sh --tests keeps apt from
# starting nginx's and HAProxy's own services), then the load generators.
"$root/scripts/install-deps.sh" --tests wrk python3 util-linux ${extra_packages[@]+"${extra_packages[@]}"}

# 2. Build: cutover and the test backend in Release, and bench/loadgen (openloop and wrk_tls.so, which
# scenario 6 preloads into wrk; not part of the main build).
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" --target cutover test_upstream -j "$jobs"
if [ ! -f "$build_dir/loadgen/build.ninja" ]; then
  cmake -S "$bench_dir/loadgen" -B "$build_dir/loadgen" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir/loadgen" -j "$jobs"

# 3. Descriptors: 5,000 client connections means 10,000+ sockets in the proxy.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
