#!/usr/bin/env bash
# `cmake --install` (README "Installing"), staged with DESTDIR: every file lands where the README
# says, the sample config passes `cutover check`, the systemd unit passes `systemd-analyze verify`
# and carries what the issue asked of it, and a second install keeps an operator's config.
#   install_test.sh CMAKE BUILD_DIR
set -euo pipefail
cmake=$1 build=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR=$stage "$cmake" --install "$build" >"$stage/install.log" 2>&1 || { cat "$stage/install.log"; fail "cmake --install"; }
root=$stage$prefix
case $prefix in /usr) confdir=$stage/etc/cutover ;; *) confdir=$root/etc/cutover ;; esac

for file in "$root/bin/cutover" "$confdir/cutover.yaml" "$root/lib/systemd/system/cutover.service" \
            "$root/lib/sysusers.d/cutover.conf" "$root/share/doc/cutover/README.md" \
            "$root/share/doc/cutover/cutover.yaml" "$root/share/doc/cutover/logrotate"; do
  [ -f "$file" ] || fail "not installed: ${file#"$stage"}"
done
"$root/bin/cutover" --version | grep -q cutover || fail "the installed binary does not run"
"$root/bin/cutover" check "$confdir/cutover.yaml" || fail "the installed sample config does not pass cutover check"

unit=$root/lib/systemd/system/cutover.service
for line in "ExecStart=$prefix/bin/cutover --config ${confdir#"$stage"}/cutover.yaml" \
            'ExecReload=/bin/kill -HUP $MAINPID' 'LimitNOFILE=524288' 'User=cutover' \
            'ProtectSystem=strict' 'NoNewPrivileges=yes' 'StateDirectory=cutover' 'LogsDirectory=cutover'; do
  grep -qxF "$line" "$unit" || fail "the unit lacks '$line'"
done
grep -q '^u cutover ' "$root/lib/sysusers.d/cutover.conf" || fail "sysusers.d does not create the cutover user"
# The sample config's state and log paths are the directories the unit gives the service.
grep -q '/var/lib/cutover/' "$confdir/cutover.yaml" || fail "the sample's state_file is not in StateDirectory"
grep -q '/var/log/cutover/' "$confdir/cutover.yaml" || fail "the sample's access log is not in LogsDirectory"
grep -q '/var/log/cutover/access.log' "$root/share/doc/cutover/logrotate" || fail "logrotate names another file"

# The unit as systemd reads it, with the binary at its staged path (verify checks it exists).
mkdir "$stage/verify"
sed "s|$prefix/bin/cutover|$root/bin/cutover|g" "$unit" >"$stage/verify/cutover.service"
systemd-analyze verify "$stage/verify/cutover.service" || fail "systemd-analyze verify"

echo "# edited by the operator" >>"$confdir/cutover.yaml"
DESTDIR=$stage "$cmake" --install "$build" >"$stage/install.log" 2>&1 || { cat "$stage/install.log"; fail "second cmake --install"; }
grep -q "edited by the operator" "$confdir/cutover.yaml" || fail "a second install overwrote the operator's config"
grep -q "Kept: " "$stage/install.log" || fail "a second install does not say it kept the config"
echo "install layout OK under $prefix"
