#!/usr/bin/env python3
"""Offline checks of deploy/kubernetes/ and docker/compose.yaml (run by deploy/check.sh).

    validate.py kubernetes DIR [--rendered FILE]   the manifests, as kustomization.yaml lists them
    validate.py compose FILE [--config CUTOVER_YAML]
    validate.py selftest DIR                       broken copies of DIR must each be caught
    validate.py secrets CUTOVER_YAML               the key files a config reads, one a line

kubernetes: every object against the Kubernetes API's own types, as Debian's python3-kubernetes
ships them (client 22.6, the Kubernetes 1.22 API: unknown fields, wrong types, missing required
fields); then what no schema knows: that the Deployment, the Services, the PDB and the ConfigMap's
cutover.yaml agree with each other (ports, probe paths, volumes, secret keys, the state file on a
writable volume, watch: true, the grace period above preStop + drain_timeout, the security
context). --rendered: `kubectl kustomize DIR` output, which must hold the same objects.

compose: the cross-references docker-compose's own `config` cannot see (ports, secrets, the state
volume, the backends' addresses, the stop grace period against drain_timeout).

Prints one line per problem and exits 1 if there was any; exits 0 with a summary otherwise.
Needs PyYAML; the schema part needs python3-kubernetes and is reported as skipped without it.
"""
import inspect
import posixpath
import re
import sys

import yaml

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def duration_seconds(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text).strip())
    if not m:
        return None
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def port_of(listen):
    """The port of a cutover `host:port` listen value, or None for `off`."""
    return None if listen in (None, "off") else int(str(listen).rsplit(":", 1)[1])


# --- schema: the Kubernetes API types of python3-kubernetes ---------------------------------------

class Schema:
    PRIMITIVES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
                  "date": (str,), "datetime": (str,)}

    def __init__(self, models):
        self.models = models
        self.required_cache = {}

    def model_for(self, api_version, kind):
        version = api_version.rsplit("/", 1)[-1]
        return getattr(self.models, version[0].upper() + version[1:] + kind, None)

    def required(self, cls):
        if cls not in self.required_cache:
            # The generated setters refuse None for exactly the required fields.
            self.required_cache[cls] = [a for a in cls.openapi_types
                                        if "must not be `None`" in inspect.getsource(getattr(cls, a).fset)]
        return self.required_cache[cls]

    def check(self, value, type_name, where):
        if type_name == "object":
            return  # IntOrString, Quantity, RawExtension: anything goes
        if type_name.startswith("list["):
            if not isinstance(value, list):
                return problem(where, f"must be a list, not {type(value).__name__}")
            for i, item in enumerate(value):
                self.check(item, type_name[5:-1], f"{where}[{i}]")
            return
        if type_name.startswith("dict("):
            if not isinstance(value, dict):
                return problem(where, f"must be a map, not {type(value).__name__}")
            inner = type_name[5:-1].split(", ", 1)[1]
            for key, item in value.items():
                self.check(item, inner, f"{where}.{key}")
            return
        if type_name in self.PRIMITIVES:
            ok = isinstance(value, self.PRIMITIVES[type_name]) and (type_name == "bool" or not isinstance(value, bool))
            if not ok:
                problem(where, f"must be {type_name}, not {type(value).__name__} {value!r}")
            return
        cls = getattr(self.models, type_name)
        if not isinstance(value, dict):
            return problem(where, f"must be a {type_name} map, not {type(value).__name__}")
        by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
        for key, item in value.items():
            if key not in by_json:
                close = [k for k in by_json if k.lower() == str(key).lower()]
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problem(where, f"unknown field '{key}' in {type_name}{hint}")
            elif item is not None:
                self.check(item, cls.openapi_types[by_json[key]], f"{where}.{key}")
        for attr in self.required(cls):
            if value.get(cls.attribute_map[attr]) is None:
                problem(where, f"{type_name} needs '{cls.attribute_map[attr]}'")


# --- kubernetes ----------------------------------------------------------------------------------

def load_kustomization(directory):
    with open(posixpath.join(directory, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    objects = []
    for resource in kustomization.get("resources", []):
        with open(posixpath.join(directory, resource)) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    objects.append((resource, doc))
    for generator in kustomization.get("configMapGenerator", []):
        data = {}
        for entry in generator.get("files", []):
            key, _, path = entry.rpartition("=")
            with open(posixpath.join(directory, path)) as f:
                data[key or posixpath.basename(path)] = f.read()
        if not generator.get("options", {}).get("disableNameSuffixHash"):
            problem("kustomization.yaml", f"configMapGenerator '{generator['name']}' needs "
                    "options.disableNameSuffixHash: true (a hashed name rolls out new pods on every "
                    "edit instead of letting watch: true reload the running ones)")
        objects.append(("kustomization.yaml", {"apiVersion": "v1", "kind": "ConfigMap",
                                               "metadata": {"name": generator["name"]}, "data": data}))
    return objects


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_kubernetes(directory, rendered):
    objects = load_kustomization(directory)
    names = sorted((o["kind"], o["metadata"]["name"]) for _, o in objects)
    if rendered:
        with open(rendered) as f:
            built = sorted((o["kind"], o["metadata"]["name"]) for o in yaml.safe_load_all(f) if o)
        if built != names:
            problem("kubectl kustomize", f"renders {built}, the files hold {names}")

    try:
        from kubernetes.client import models
        schema = Schema(models)
    except ImportError:
        schema = None
    for source, obj in objects:
        where = f"{source}: {obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        if obj.get("metadata", {}).get("namespace"):
            problem(where, "names a namespace; the manifests are namespace-agnostic (kubectl -n, or a kustomize overlay)")
        if schema:
            cls = schema.model_for(obj.get("apiVersion", ""), obj.get("kind", ""))
            if cls is None:
                problem(where, f"{obj.get('apiVersion')} {obj.get('kind')} is not a Kubernetes 1.22 API type")
            else:
                schema.check(obj, cls.__name__, where)

    by_kind = {}
    for _, obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    deployments = by_kind.get("Deployment", [])
    if len(deployments) != 1:
        problem(directory, f"expected one Deployment, found {len(deployments)}")
        return schema is not None
    check_deployment(deployments[0], by_kind)
    return schema is not None


def check_deployment(deployment, by_kind):
    where = "deployment.yaml"
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    if not selects(spec["selector"].get("matchLabels"), labels):
        problem(where, "spec.selector does not select the pod template's labels")
    containers = pod["containers"]
    if len(containers) != 1:
        return problem(where, "expected one container")
    c = containers[0]
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}

    # The config the ConfigMap carries, where --config says it is.
    args = c.get("args", [])
    config_path = args[args.index("--config") + 1] if "--config" in args else "/etc/cutover/cutover.yaml"
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for m in mounts.values():
        if m["name"] not in volumes:
            problem(where, f"volumeMount '{m['name']}' has no volume of that name")
    config_mount = mounts.get(posixpath.dirname(config_path))
    if config_mount is None:
        return problem(where, f"no volume is mounted at {posixpath.dirname(config_path)} (the --config directory)")
    if config_mount.get("subPath"):
        problem(where, "the config is mounted with subPath: such mounts never see ConfigMap updates")
    cm_name = volumes.get(config_mount["name"], {}).get("configMap", {}).get("name")
    configmaps = {o["metadata"]["name"]: o for o in by_kind.get("ConfigMap", [])}
    if cm_name not in configmaps:
        return problem(where, f"the config volume names ConfigMap '{cm_name}', which the manifests do not make")
    key = posixpath.basename(config_path)
    if key not in configmaps[cm_name].get("data", {}):
        return problem(where, f"ConfigMap '{cm_name}' has no key '{key}'")
    config = yaml.safe_load(configmaps[cm_name]["data"][key])
    cwhere = f"ConfigMap {cm_name} {key}"

    if config.get("watch") is not True:
        problem(cwhere, "needs watch: true (edits of the ConfigMap reach the pods without a restart)")
    traffic_port = port_of(config.get("listen", "0.0.0.0:8080"))
    admin_listen = (config.get("admin") or {}).get("listen", "127.0.0.1:9901")
    admin_port = port_of(admin_listen)
    if not str(admin_listen).startswith(("0.0.0.0:", "[::]:")):
        problem(cwhere, f"admin.listen {admin_listen} is not reachable by the kubelet's probes (use 0.0.0.0:PORT)")
    if ports.get("http") != traffic_port:
        problem(where, f"containerPort 'http' {ports.get('http')} is not the config's listen port {traffic_port}")
    if ports.get("admin") != admin_port:
        problem(where, f"containerPort 'admin' {ports.get('admin')} is not the config's admin port {admin_port}")

    for probe_name, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = (c.get(probe_name) or {}).get("httpGet")
        if not get:
            problem(where, f"{probe_name} must be an httpGet of {path}")
            continue
        port = ports.get(get["port"]) if isinstance(get["port"], str) else get["port"]
        if get.get("path") != path or port != admin_port:
            problem(where, f"{probe_name} asks {get.get('path')} on port {get['port']}, want {path} on the admin port {admin_port}")

    # Files the config reads or writes, against the mounts.
    def mount_of(path):
        best = None
        for mount_path, m in mounts.items():
            if path.startswith(mount_path.rstrip("/") + "/") and (best is None or len(mount_path) > len(best[0])):
                best = (mount_path, m)
        return best

    secret_files = [("admin.token_file", (config.get("admin") or {}).get("token_file")),
                    ("identity.jwt.hs256_secret_file", ((config.get("identity") or {}).get("jwt") or {}).get("hs256_secret_file")),
                    ("identity.signature.secret_file", ((config.get("identity") or {}).get("signature") or {}).get("secret_file"))]
    if not secret_files[0][1]:
        problem(cwhere, "admin.token_file is not set: with admin on 0.0.0.0 anyone in the cluster could change routes")
    for key_name, path in secret_files:
        if not path:
            continue
        found = mount_of(path)
        if found is None:
            problem(cwhere, f"{key_name} {path} is on no mounted volume")
            continue
        volume = volumes.get(found[1]["name"], {})
        if found[1].get("subPath"):
            problem(where, f"{found[0]} is mounted with subPath: a rotated secret would never reach the pod")
        source = volume.get("secret")
        if source is None:
            problem(cwhere, f"{key_name} {path} is on volume '{found[1]['name']}', which is not a Secret")
            continue
        relative = path[len(found[0].rstrip("/")) + 1:]
        items = source.get("items")
        if items is not None and relative not in [i["path"] for i in items]:
            problem(where, f"Secret volume '{found[1]['name']}' has no item at '{relative}' ({key_name})")

    state_file = config.get("state_file")
    writable = None
    if not state_file or not state_file.startswith("/"):
        problem(cwhere, "state_file must be an absolute path on the state volume (next to the config is read-only)")
    else:
        writable = mount_of(state_file)
        volume = volumes.get(writable[1]["name"], {}) if writable else {}
        if not writable or writable[1].get("readOnly") or "configMap" in volume or "secret" in volume:
            problem(cwhere, f"state_file {state_file} is not on a writable volume")
    log_path = (config.get("access_log") or {}).get("path", "stdout")
    if log_path not in ("stdout", "stderr", "off") and not (str(log_path).startswith("/") and mount_of(log_path)):
        problem(cwhere, f"access_log.path {log_path} is on no writable volume (the root filesystem is read-only)")

    # Stopping: preStop sleep, then SIGTERM and the drain, inside the grace period.
    drain = duration_seconds(config.get("drain_timeout", "10s"))
    command = (((c.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {}).get("command", [])
    sleep = float(command[1]) if len(command) == 2 and posixpath.basename(command[0]) == "sleep" else None
    if sleep is None:
        problem(where, "lifecycle.preStop must be exec [sleep, SECONDS] (serve while the endpoints are removed)")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if not isinstance(grace, int) or isinstance(grace, bool):
        problem(where, f"terminationGracePeriodSeconds must be a number of seconds, not {grace!r}")
    elif sleep is not None and drain is not None and not grace > sleep + drain:
        problem(where, f"terminationGracePeriodSeconds {grace} is not above preStop {sleep:g} s + drain_timeout {drain:g} s")

    # Who runs it, with what.
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    expect = [(psc.get("runAsNonRoot") or csc.get("runAsNonRoot"), "runAsNonRoot: true"),
              ((csc.get("runAsUser") or psc.get("runAsUser")) == 10001, "runAsUser: 10001 (the image's user)"),
              (csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem: true"),
              (csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false"),
              ((csc.get("capabilities") or {}).get("drop") == ["ALL"], "capabilities.drop: [ALL]")]
    for ok, what in expect:
        if not ok:
            problem(where, f"the container's securityContext needs {what}")
    if writable and writable[1]["name"] in volumes and "persistentVolumeClaim" in volumes[writable[1]["name"]] \
            and spec.get("replicas", 1) > 1:
        problem(where, "replicas > 1 share one state PVC: each gateway would overwrite the others' overrides")

    # Services and the PDB select these pods; the traffic Service does not carry the admin port.
    for svc in by_kind.get("Service", []):
        swhere = f"service.yaml: Service/{svc['metadata']['name']}"
        sspec = svc["spec"]
        if not selects(sspec.get("selector"), labels):
            problem(swhere, "selector does not select the gateway's pods")
        targets = [ports.get(p["targetPort"]) if isinstance(p["targetPort"], str) else p["targetPort"]
                   for p in sspec["ports"]]
        for p, target in zip(sspec["ports"], targets):
            if target is None:
                problem(swhere, f"targetPort '{p['targetPort']}' is no port of the container")
        if sspec.get("clusterIP") != "None" and admin_port in targets:
            problem(swhere, "exposes the admin port through a load-balanced Service (use the headless cutover-admin)")
    service_targets = {(ports.get(p["targetPort"]) if isinstance(p["targetPort"], str) else p["targetPort"])
                       for svc in by_kind.get("Service", []) for p in svc["spec"]["ports"]}
    if traffic_port not in service_targets:
        problem(where, "no Service sends traffic to the gateway's listen port")
    pdbs = by_kind.get("PodDisruptionBudget", [])
    if not pdbs:
        problem(where, "no PodDisruptionBudget selects the gateway")
    for pdb in pdbs:
        if not selects(pdb["spec"].get("selector", {}).get("matchLabels"), labels):
            problem(f"pdb.yaml: PodDisruptionBudget/{pdb['metadata']['name']}", "selector does not select the gateway's pods")


# --- compose -------------------------------------------------------------------------------------

def check_compose(path, config_path):
    with open(path) as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    for name in ("legacy", "notes-svc", "gateway", "loadgen"):
        if name not in services:
            problem(path, f"no service '{name}'")
    if problems:
        return
    gateway = services["gateway"]
    published = {str(p).rsplit(":", 1)[-1] for p in gateway.get("ports", [])}
    for port in ("8080", "9901"):
        if port not in published:
            problem(path, f"gateway does not publish {port}")
    admin_binding = [str(p) for p in gateway.get("ports", []) if str(p).endswith(":9901")]
    if admin_binding and not admin_binding[0].startswith("127.0.0.1:"):
        problem(path, "gateway publishes the admin port on every host interface (bind it to 127.0.0.1)")
    deps = gateway.get("depends_on", {})
    for backend in ("legacy", "notes-svc"):
        if (deps.get(backend) or {}).get("condition") != "service_healthy" or "healthcheck" not in services[backend]:
            problem(path, f"gateway must wait for a healthy {backend} (its healthcheck + depends_on condition)")
    if ((services["loadgen"].get("depends_on") or {}).get("gateway") or {}).get("condition") != "service_healthy":
        problem(path, "loadgen must wait for a healthy gateway")
    grace = duration_seconds(gateway.get("stop_grace_period", "10s"))
    secrets = {s if isinstance(s, str) else s["source"] for s in gateway.get("secrets", [])}
    volumes = {str(v).split(":", 1)[1]: str(v).split(":", 1)[0] for v in gateway.get("volumes", [])}
    if "/var/lib/cutover" not in volumes or volumes["/var/lib/cutover"] not in (compose.get("volumes") or {}):
        problem(path, "gateway needs a named volume at /var/lib/cutover (the state file)")
    for name, secret in (compose.get("secrets") or {}).items():
        if "file" not in secret:
            problem(path, f"secret {name} has no file")
    loadgen = " ".join(services["loadgen"].get("command", []))
    for flag, url in (("--gateway", "http://gateway:8080"), ("--admin", "http://gateway:9901")):
        if f"{flag} {url}" not in loadgen:
            problem(path, f"loadgen's command lacks {flag} {url}")
    if not config_path:
        return
    with open(config_path) as f:
        config = yaml.safe_load(f)
    cwhere = config_path
    if port_of(config.get("listen", "0.0.0.0:8080")) != 8080 or port_of((config.get("admin") or {}).get("listen")) != 9901:
        problem(cwhere, "the image's config must listen on 8080 and its admin API on 9901")
    if not str((config.get("admin") or {}).get("listen", "")).startswith(("0.0.0.0:", "[::]:")):
        problem(cwhere, "admin.listen must take connections from outside the container (0.0.0.0:9901)")
    for key, file in (("admin.token_file", (config.get("admin") or {}).get("token_file")),
                      ("identity.jwt.hs256_secret_file", ((config.get("identity") or {}).get("jwt") or {}).get("hs256_secret_file"))):
        if not file or not file.startswith("/run/secrets/") or posixpath.basename(file) not in secrets:
            problem(cwhere, f"{key} {file} is not one of the gateway's compose secrets {sorted(secrets)}")
    state = config.get("state_file", "")
    if posixpath.dirname(state) not in volumes:
        problem(cwhere, f"state_file {state} is not on a volume of the gateway service")
    drain = duration_seconds(config.get("drain_timeout", "10s"))
    if grace is not None and drain is not None and not grace > drain:
        problem(path, f"gateway's stop_grace_period {grace:g} s is not above drain_timeout {drain:g} s (docker kills it mid-drain)")
    for name, backend in (config.get("backends") or {}).items():
        for endpoint in backend.get("endpoints", []):
            host, port = str(endpoint).rsplit(":", 1)
            command = services.get(host, {}).get("command", [])
            if host not in services:
                problem(cwhere, f"backend {name} endpoint {endpoint}: no compose service '{host}'")
            elif port not in command or "0.0.0.0" not in command:
                problem(path, f"service {host} must listen on 0.0.0.0:{port} (backend {name})")


# Each: a file of deploy/kubernetes, a text in it, what to put instead, what the check must say.
BREAKAGES = [
    ("deployment.yaml", "imagePullPolicy: IfNotPresent", "imagePulPolicy: IfNotPresent", "unknown field 'imagePulPolicy'"),
    ("deployment.yaml", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 20", "is not above preStop"),
    ("deployment.yaml", "terminationGracePeriodSeconds: 30", 'terminationGracePeriodSeconds: "30"', "must be int"),
    ("deployment.yaml", "              mountPath: /etc/cutover\n", "              mountPath: /etc/cutover\n              subPath: cutover.yaml\n", "subPath"),
    ("deployment.yaml", "path: /readyz", "path: /healthz", "readinessProbe asks /healthz"),
    ("deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem"),
    ("deployment.yaml", "path: jwt-secret", "path: jwt", "no item at 'jwt-secret'"),
    ("deployment.yaml", "        - name: state\n", "        - name: stat\n", "has no volume"),
    ("deployment.yaml", "    spec:\n", "    spec:\n      hostNetwork: \"true\"\n", "must be bool"),
    ("cutover.yaml", "\nwatch: true", "\nwatch: false", "needs watch: true"),
    ("cutover.yaml", "state_file: /var/lib/cutover/", "state_file: /etc/cutover/", "not on a writable volume"),
    ("cutover.yaml", "listen: 0.0.0.0:9901", "listen: 127.0.0.1:9901", "not reachable by the kubelet"),
    ("cutover.yaml", "drain_timeout: 10s", "drain_timeout: 25s", "is not above preStop"),
    ("service.yaml", "      targetPort: http\n", "      targetPort: http\n    - name: admin\n      port: 9901\n      targetPort: admin\n", "exposes the admin port"),
    ("service.yaml", "      port: 80\n", "      prot: 80\n", "needs 'port'"),
    ("pdb.yaml", "  maxUnavailable: 1", "  maxUnavailable: 1\n  namespace: x", "unknown field 'namespace'"),
    ("kustomization.yaml", "disableNameSuffixHash: true", "disableNameSuffixHash: false", "disableNameSuffixHash"),
]


def selftest(directory):
    """Every entry of BREAKAGES, applied to a copy of the manifests, must be reported."""
    import shutil
    import tempfile
    missed, skipped = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for file, old, new, expect in BREAKAGES:
            copy = posixpath.join(tmp, "k")
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(directory, copy)
            with open(posixpath.join(copy, file)) as f:
                text = f.read()
            if old not in text:
                missed.append(f"selftest: '{old.strip()}' is no longer in {file}: update BREAKAGES")
                continue
            with open(posixpath.join(copy, file), "w") as f:
                f.write(text.replace(old, new, 1))
            problems.clear()
            with_schema = check_kubernetes(copy, None)
            schema_only = expect.startswith(("must be ", "needs '", "unknown field"))
            if schema_only and not with_schema:
                skipped += 1  # python3-kubernetes is not installed: nothing to catch this
                continue
            if not any(expect in p for p in problems):
                missed.append(f"selftest: {file}: '{new.strip()}' went unreported (want '{expect}'; got {problems})")
    problems.clear()
    problems.extend(missed)
    return len(BREAKAGES) - skipped, skipped


def main(argv):
    if len(argv) >= 2 and argv[0] == "secrets":
        with open(argv[1]) as f:
            config = yaml.safe_load(f)
        admin, identity = config.get("admin") or {}, config.get("identity") or {}
        for path in (admin.get("token_file"), (identity.get("jwt") or {}).get("hs256_secret_file"),
                     (identity.get("signature") or {}).get("secret_file")):
            if path:
                print(path)
        return 0
    if len(argv) >= 2 and argv[0] == "selftest":
        count, skipped = selftest(argv[1])
        what = f"each of {count} broken copies reported" + \
            (f"; {skipped} schema breakages SKIPPED: python3-kubernetes is not installed" if skipped else "")
    elif len(argv) >= 2 and argv[0] == "kubernetes":
        rendered = argv[argv.index("--rendered") + 1] if "--rendered" in argv else None
        with_schema = check_kubernetes(argv[1], rendered)
        what = "schema (Kubernetes 1.22 API types) and cross-references" if with_schema else \
               "cross-references (schema SKIPPED: python3-kubernetes is not installed)"
    elif len(argv) >= 2 and argv[0] == "compose":
        config = argv[argv.index("--config") + 1] if "--config" in argv else None
        check_compose(argv[1], config)
        what = "cross-references" + (f" with {config}" if config else "")
    else:
        sys.exit(__doc__)
    for p in problems:
        print(p)
    if problems:
        print(f"{argv[1]}: {len(problems)} problem(s)")
        return 1
    print(f"{argv[1]}: OK ({what})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
