#!/usr/bin/env bash
# Sourced by bench/run.sh and bench/profile.sh: installs what is missing (apt, only then) and builds
# what they run. Expects bench_dir, root, build_dir and jobs to be set; extra_packages may add to the list.

# 1. Packages: cutover's build dependencies, then the peers and the load generators.
"$root/scripts/install-deps.sh"
packages=(nginx haproxy wrk python3 util-linux ${extra_packages[@]+"${extra_packages[@]}"})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  # The packages' own nginx/haproxy services are not wanted: keep apt from starting them.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    made_policy=1
  fi
  status=0
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q || status=$?
  [ "$status" -ne 0 ] || "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
  [ "$made_policy" -eq 0 ] || "${sudo_cmd[@]}" rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
fi

# 2. Build: cutover and the test backend in Release, and bench/loadgen (not part of the main build).
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
