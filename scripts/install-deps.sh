#!/usr/bin/env bash
# Installs what cutover needs to build, test and run its demo on Debian 12. Idempotent: does
# nothing (and needs no network) when everything is already there.
#   scripts/install-deps.sh           what the build and the demo need
#   scripts/install-deps.sh --tests   that, plus what only the tests need: clang's libFuzzer for the
#                                     fuzz runs, nginx and HAProxy, which the adversarial suite
#                                     runs beside cutover as a comparison, systemd-analyze,
#                                     which checks the installed unit, and the offline checkers of
#                                     the deployment files (kubectl, the Kubernetes API types,
#                                     docker-compose; deploy/check.sh)
#   ... [--tests] PACKAGE...          and these Debian packages too (the benchmark's tools)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-all-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libssl-dev
  libcli11-dev libxxhash-dev libjwt-dev libmimalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl wrk python3 python3-jwt openssl procps
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(clang-14 libclang-rt-14-dev nginx haproxy systemd python3-kubernetes python3-yaml docker-compose)
  # Any kubectl will do (some images bring Google's): Debian's would conflict with it.
  command -v kubectl >/dev/null || packages+=(kubernetes-client)
  shift
fi
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "cutover: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# nginx's and HAProxy's packages would start their own services: the tests start them by hand,
# on ports of their own, so keep apt from starting anything.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy"
  made_policy=1
fi
status=0
"${sudo_cmd[@]}" apt-get update -q || status=$?
[ "$status" -ne 0 ] || "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
[ "$made_policy" -eq 0 ] || "${sudo_cmd[@]}" rm -f "$policy"
exit "$status"
