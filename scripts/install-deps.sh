#!/usr/bin/env bash
# Installs what cutover needs to build, test and run its demo on Debian 12. Idempotent: does
# nothing (and needs no network) when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-all-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libssl-dev
  libcli11-dev libxxhash-dev libjwt-dev libmimalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl wrk python3 python3-jwt openssl procps
)

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
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
