#!/usr/bin/env bash
# Offline checks of the deployment files: deploy/kubernetes/ and docker/compose.yaml, with the
# cutover configs they carry. No cluster, no container engine, no network.
#   deploy/check.sh [--cutover PATH] [--strict]
# --cutover: the binary for `cutover check` (default: build/cutover); --strict: a check skipped for
# want of a tool fails. Each check prints ok/FAIL/SKIP; the last line is "N passed, N failed, N skipped".
# Tools (Debian packages): python3-yaml (required); kubectl for `kubectl kustomize`;
# python3-kubernetes for the Kubernetes API schema; docker-compose for the Compose schema;
# util-linux's unshare for `cutover check` with stand-in secrets. docs/deployment.md says which
# tool checks what.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cutover="$repo/build/cutover"
strict=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cutover) cutover=$2; shift 2 ;;
    --strict) strict=1; shift ;;
    *) echo "usage: $0 [--cutover PATH] [--strict]" >&2; exit 2 ;;
  esac
done

# Debian's python3 has Debian's python3-yaml and python3-kubernetes; a pyenv python3 earlier on
# PATH may have neither.
py=python3
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then py=/usr/bin/python3; fi
validate=("$py" "$repo/deploy/validate.py")
k8s="$repo/deploy/kubernetes"
compose="$repo/docker/compose.yaml"
image_config="$repo/docker/cutover.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
# shellcheck disable=SC2001
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' <<<"$2"; failed=$((failed + 1)); }
skip() {
  if [ $strict = 1 ]; then fail "$1 (skipped under --strict)"; else echo "SKIP $1"; skipped=$((skipped + 1)); fi
}
run() {  # run NAME COMMAND...: ok when COMMAND exits 0, its output shown when it does not
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name${out:+: $(head -n 1 <<<"$out")}"; else fail "$name" "$out"; fi
}

if ! "$py" -c 'import yaml' 2>/dev/null; then
  echo "FAIL $py cannot import yaml: apt-get install python3-yaml"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# 1. Every file parses as YAML.
yaml_files=("$k8s"/*.yaml "$compose")
[ -f "$image_config" ] && yaml_files+=("$image_config")
run "every YAML file parses" "$py" -c '
import sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        list(yaml.safe_load_all(f))
print(f"{len(sys.argv) - 1} files")' "${yaml_files[@]}"

# 2. kustomize renders the directory (kubectl's built-in kustomize; it never contacts a cluster).
rendered=
if command -v kubectl >/dev/null; then
  printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$tmp/kubeconfig"
  if out=$(KUBECONFIG="$tmp/kubeconfig" kubectl kustomize "$k8s" 2>&1 >"$tmp/rendered.yaml"); then
    ok "kubectl kustomize deploy/kubernetes ($(grep -c '^kind:' "$tmp/rendered.yaml") objects)"
    rendered="$tmp/rendered.yaml"
  else
    fail "kubectl kustomize deploy/kubernetes" "$out"
  fi
else
  skip "kubectl kustomize: no kubectl"
fi

# 3. The objects against the Kubernetes API types, and against each other and the config.
if "$py" -c 'import kubernetes' 2>/dev/null; then
  run "manifests: schema and cross-references" "${validate[@]}" kubernetes "$k8s" ${rendered:+--rendered "$rendered"}
  run "validate.py catches broken manifests" "${validate[@]}" selftest "$k8s"
else
  run "manifests: cross-references" "${validate[@]}" kubernetes "$k8s" ${rendered:+--rendered "$rendered"}
  run "validate.py catches broken manifests (cross-references)" "${validate[@]}" selftest "$k8s"
  skip "Kubernetes API schema: apt-get install python3-kubernetes"
fi

# 4. `cutover check` of each config as the pod or container reads it: stand-in secret files at
# the paths it names (under /run), and the backends' service names resolving, in a private mount
# namespace (unshare; a user namespace when not root), so nothing on the host changes.
cutover_check() {  # cutover_check LABEL CONFIG HOSTNAMES...
  local label=$1 config=$2 paths path
  shift 2
  if ! paths=$("${validate[@]}" secrets "$config" 2>&1); then fail "$label" "$paths"; return; fi
  for path in $paths; do
    case "$path" in /run/*) ;; *) fail "$label" "check.sh stands in secrets under /run only, not $path"; return ;; esac
  done
  echo "127.0.0.1 localhost $*" >"$tmp/hosts"
  head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/secret"
  # shellcheck disable=SC2016  # expanded by the inner sh, from the environment run passes
  local script='mount -t tmpfs tmpfs /run && for p in $PATHS; do mkdir -p "$(dirname "$p")" && cp "$SECRET" "$p"; done &&
                mount --bind "$HOSTS" /etc/hosts && exec "$CUTOVER" check "$CONFIG"'
  local ns
  for ns in "--map-root-user --mount" "--mount"; do
    # shellcheck disable=SC2086
    if unshare $ns --propagation private true 2>/dev/null; then
      # shellcheck disable=SC2086
      run "$label" env PATHS="$paths" SECRET="$tmp/secret" HOSTS="$tmp/hosts" CUTOVER="$cutover" CONFIG="$config" \
        unshare $ns --propagation private sh -c "$script"
      return
    fi
  done
  skip "$label: cannot make a mount namespace here (unshare)"
}
backend_hosts() {
  "$py" -c 'import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
print(" ".join(sorted({e.rsplit(":", 1)[0] for b in (c.get("backends") or {}).values() for e in b.get("endpoints", [])})))' "$1"
}
if [ ! -x "$cutover" ]; then
  skip "cutover check: no binary at $cutover (build it, or --cutover PATH)"
elif ! command -v unshare >/dev/null; then
  skip "cutover check: no unshare (util-linux)"
else
  read -ra hosts <<<"$(backend_hosts "$k8s/cutover.yaml")"
  cutover_check "cutover check deploy/kubernetes/cutover.yaml (the ConfigMap)" "$k8s/cutover.yaml" "${hosts[@]}"
  if [ -f "$image_config" ]; then
    read -ra hosts <<<"$(backend_hosts "$image_config")"
    cutover_check "cutover check docker/cutover.yaml (the image's)" "$image_config" "${hosts[@]}"
  else
    skip "cutover check docker/cutover.yaml: not there yet"
  fi
fi

# 5. Compose: docker-compose's own schema (the Compose Specification as of 1.29), then what it
# cannot see.
if command -v docker-compose >/dev/null; then
  run "docker-compose config (the Compose schema)" docker-compose -f "$compose" config -q
elif docker compose version >/dev/null 2>&1; then
  run "docker compose config (the Compose schema)" docker compose -f "$compose" config -q
else
  skip "Compose schema: apt-get install docker-compose"
fi
if [ -f "$image_config" ]; then
  run "compose: cross-references with docker/cutover.yaml" "${validate[@]}" compose "$compose" --config "$image_config"
else
  run "compose: cross-references (docker/cutover.yaml not there yet)" "${validate[@]}" compose "$compose"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
