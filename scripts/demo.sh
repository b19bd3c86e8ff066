#!/usr/bin/env bash
# One step from a fresh Debian 12 machine to a running cutover: installs what is missing, builds,
# starts the demo legacy monolith (:8000) and new notes service (:9000), the gateway in front of
# them (:8080, admin API on 127.0.0.1:9901), and a load generator that shows live per-backend shares.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf '\ndemo: %s\n' "$*"; }

say "[1/3] checking the Debian packages cutover needs (apt-get installs any that are missing)"
scripts/install-deps.sh
# Only the gateway: the demo needs none of the tests. Same build tree as scripts/test.sh, so
# either reuses what the other built.
if [ -x build/cutover ]; then
  say "[2/3] bringing build/cutover up to date (only what changed is rebuilt)"
else
  say "[2/3] building the gateway, build/cutover: a few minutes on a small machine, once"
fi
TARGETS=cutover scripts/build.sh
say "[3/3] starting the demo backends, the gateway and the load generator"
mkdir -p var
python=/usr/bin/python3

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Starts a process with its output in var/NAME.log and waits for its ready line.
start() {
  local name=$1 ready=$2
  shift 2
  # Own session: Ctrl-C reaches only the load generator, which prints its summary while the
  # services are still up; the EXIT trap stops them afterwards.
  setsid "$@" >"var/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    if grep -q "$ready" "var/$name.log" 2>/dev/null; then echo "  $name is up (its log: var/$name.log)"; return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "demo: $name did not start; its log (var/$name.log):" >&2
  cat "var/$name.log" >&2
  exit 1
}

start legacy "listening on" "$python" demo/legacy_app.py --port 8000
start notes-svc "listening on" "$python" demo/notes_service.py --port 9000
start cutover "listening on" "$root/build/cutover" --config config/cutover.yaml
echo "${pids[-1]}" > var/cutover.pid

cat <<TXT

  cutover is running on http://127.0.0.1:8080 in front of legacy (:8000) and notes-svc (:9000);
  its admin API is on http://127.0.0.1:9901 (curl localhost:9901/admin/status).
  The gateway is build/cutover: build/cutover check config/cutover.yaml validates an edit.
  Logs: var/cutover.log (gateway), var/access.log (one JSON line per request, ~2 MB/s under the
  demo's load: rotate it with mv and kill -USR1 \$(cat var/cutover.pid)).

  Try it:   curl -i http://127.0.0.1:8080/api/notes          (401: the notes API needs a user)
            TOKEN=\$($python demo/loadgen.py --print-token user-42 --secret-file config/demo-jwt-secret.txt)
            curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8080/api/notes

  Shift traffic: edit 'split: { notes-svc: 25 }' in config/cutover.yaml (say 50), save, then
            kill -HUP \$(cat var/cutover.pid)      (or: curl -X POST localhost:9901/admin/reload)
  or through the admin API (README "Admin API"):
            curl -X PUT localhost:9901/admin/routes/notes/split -d '{"notes-svc": 50}'
            curl -X POST localhost:9901/admin/routes/notes/rollback -d '{"reason": "demo"}'
            curl -X DELETE localhost:9901/admin/routes/notes/override
  and watch the notes-svc share below move. The load generator follows the split in the admin
  API: at Ctrl-C it reports the users each change moved, and fails on any user who moved
  against a change or while nothing changed.

TXT
"$python" demo/loadgen.py --gateway http://127.0.0.1:8080 --users 200 --concurrency 8 \
  --secret-file config/demo-jwt-secret.txt --watch --admin http://127.0.0.1:9901
