"""The processes under test: the backend (CPU 1) and each proxy (CPU 0), from bench/conf templates."""
import os
import re
import shutil

from .procs import Proc, wait_http_ok
from .tls import OPENSSL, cutover_tls_yaml

PROXY_CPU = 0
CLIENT_CPU = 1  # the backend and the load generator share it

PEERS = ["nginx", "haproxy-http", "haproxy-tcp"]

# Largest route table of scenario 4; every route-table point sends requests for paths of this set.
MAX_ROUTES = 10000
POOL_PATHS = 1000


class Env:
    """Paths and ports of one benchmark run."""

    def __init__(self, bench_dir, build_dir, run_dir, backend_kind, ports):
        self.bench_dir = bench_dir
        self.conf_dir = os.path.join(bench_dir, "conf")
        self.build_dir = build_dir
        self.run_dir = run_dir
        self.backend_kind = backend_kind
        self.cutover = os.path.join(build_dir, "cutover")
        self.test_upstream = os.path.join(build_dir, "tests", "test_upstream")
        self.openloop = os.path.join(build_dir, "loadgen", "openloop")
        self.wrk_tls = os.path.join(build_dir, "loadgen", "wrk_tls.so")
        self.data_dir = os.path.join(run_dir, "data")
        self.backend_a, self.backend_b, self.proxy_port, self.tls_port = ports
        self.jwt_secret_file = os.path.join(run_dir, "jwt.secret")
        os.makedirs(os.path.join(run_dir, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(self.data_dir, "bytes"), exist_ok=True)

    def path_for_body(self, size):
        if self.backend_kind == "nginx":
            return f"/bytes/{size}"
        return f"/bytes?n={size}"

    def make_body_file(self, size):
        path = os.path.join(self.data_dir, "bytes", str(size))
        if not os.path.exists(path) or os.path.getsize(path) != size:
            chunk = bytes(range(256)) * 4096  # 1 MiB of a fixed pattern
            with open(path, "wb") as f:
                left = size
                while left > 0:
                    f.write(chunk[:left])
                    left -= min(left, len(chunk))


def render(env, template, out_name, **values):
    with open(os.path.join(env.conf_dir, template)) as f:
        text = f.read()
    values.setdefault("RUN", env.run_dir)
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise ValueError(f"{template}: unfilled placeholders {leftover}")
    out = os.path.join(env.run_dir, out_name)
    with open(out, "w") as f:
        f.write(text)
    return out


def start_backend(env):
    """The fast backend on CPU 1: nginx (default) or tests' test_upstream (one thread per port)."""
    log = os.path.join(env.run_dir, "backend.log")
    if env.backend_kind == "nginx":
        conf = render(env, "backend-nginx.conf", "backend-nginx.conf", PORT_A=env.backend_a,
                      PORT_B=env.backend_b, DATA=env.data_dir)
        procs = [Proc("backend-nginx", ["nginx", "-p", env.run_dir, "-c", conf, "-e",
                                        os.path.join(env.run_dir, "backend-nginx.error.log")], CLIENT_CPU, log)]
    else:
        procs = [Proc(f"test_upstream-{name}", [env.test_upstream, "--listen", f"127.0.0.1:{port}", "--name", name,
                                                "--threads", "1"], CLIENT_CPU, log)
                 for name, port in (("app", env.backend_a), ("canary", env.backend_b))]
    ports = (env.backend_a, env.backend_b)
    for i, port in enumerate(ports):
        wait_http_ok(procs[min(i, len(procs) - 1)], port)
    return procs


def cutover_routes(routes, split):
    """YAML for the route table: routes-1 specific routes (exact, template, prefix in turn) and a catch-all."""
    lines = []
    for i in range(routes - 1):
        kind = i % 3
        match = (f"{{ path: /r{i}/items }}", f"{{ path: '/r{i}/items/{{id}}' }}", f"{{ prefix: /r{i}/static }}")[kind]
        lines.append(f"  - {{ id: r{i}, match: {match}, backend: app }}")
    if split:
        lines.append("  - id: default\n    match: { prefix: / }\n    split: { canary: 25 }\n"
                     "    rollback_to: app\n    sticky: user")
    else:
        lines.append("  - id: default\n    match: { prefix: / }\n    backend: app")
    return "\n".join(lines) + "\n"


def route_paths(routes):
    """POOL_PATHS request paths spread over the specific routes of a table of `routes` routes
    (with one route, the paths of the largest table, which all fall to the catch-all)."""
    spread = routes if routes > 1 else MAX_ROUTES
    paths = []
    for j in range(POOL_PATHS):
        i = j * (spread - 1) // POOL_PATHS
        paths.append((f"/r{i}/items", f"/r{i}/items/{j}", f"/r{i}/static/app-{j}.css")[i % 3])
    return paths


def start_proxy(env, kind, pool=64, features=(), routes=1, tag="", wrapper=(), ready_timeout=60, backend_extra="",
                tls=None):
    """Starts one proxy on env.proxy_port, pinned to CPU 0, and waits until it answers through the
    backend. features (cutover only): any of 'jwt', 'split', 'log'. wrapper: a command prefix
    (e.g. valgrind). backend_extra (cutover only): more settings for its backends, e.g.
    "max_connections_per_endpoint: 128". tls (tls.TlsFiles; cutover, nginx, haproxy-http): HTTPS
    on tls.port with that certificate, checked over HTTPS (nginx and HAProxy listen on it alone,
    cutover on env.proxy_port too)."""
    port, name = env.proxy_port, kind + (f"-{tag}" if tag else "")
    log = os.path.join(env.run_dir, f"{name}.log")
    if kind == "cutover":
        extra = cutover_tls_yaml(tls) if tls else ""
        if "jwt" in features:
            extra += f"identity:\n  jwt:\n    hs256_secret_file: '{env.jwt_secret_file}'\n    claim: sub\n"
        access_log = os.path.join(env.run_dir, "access.log") if "log" in features else "off"
        if access_log != "off" and os.path.exists(access_log):
            os.remove(access_log)
        conf = render(env, "cutover.yaml", f"{name}.yaml", PORT=port, BACKEND=env.backend_a, BACKEND_B=env.backend_b,
                      POOL=pool, EXTRA=extra, ACCESS_LOG=access_log,
                      BACKEND_EXTRA=f", {backend_extra}" if backend_extra else "",
                      ROUTES=cutover_routes(routes, "split" in features))
        state = os.path.join(env.run_dir, "cutover-state.json")
        if os.path.exists(state):
            os.remove(state)
        cmd = [env.cutover, "--config", conf]
    elif kind == "nginx" and tls:
        conf = render(env, "nginx-tls.conf", "nginx-tls.conf", PORT=tls.port, BACKEND=env.backend_a, POOL=pool,
                      CERT=tls.cert, KEY=tls.key)
        cmd = ["nginx", "-p", env.run_dir, "-c", conf, "-e", os.path.join(env.run_dir, "nginx-tls.error.log")]
    elif kind == "haproxy-http" and tls:
        conf = render(env, "haproxy-tls.cfg", "haproxy-tls.cfg", PORT=tls.port, BACKEND=env.backend_a,
                      CERT_AND_KEY=tls.cert_and_key)
        cmd = ["haproxy", "-f", conf, "-db"]
    elif tls:
        raise ValueError(f"{kind} has no TLS configuration")
    elif kind == "nginx":
        conf = render(env, "nginx.conf", "nginx.conf", PORT=port, BACKEND=env.backend_a, POOL=pool)
        cmd = ["nginx", "-p", env.run_dir, "-c", conf, "-e", os.path.join(env.run_dir, "nginx.error.log")]
    elif kind in ("haproxy-http", "haproxy-tcp"):
        conf = render(env, f"{kind}.cfg", f"{kind}.cfg", PORT=port, BACKEND=env.backend_a)
        cmd = ["haproxy", "-f", conf, "-db"]
    else:
        raise ValueError(f"unknown proxy {kind}")
    proc = Proc(name, list(wrapper) + cmd, PROXY_CPU, log)
    try:
        if tls:
            wait_http_ok(proc, tls.port, timeout=ready_timeout, ssl_context=tls.client_context())
        else:
            wait_http_ok(proc, port, timeout=ready_timeout)
    except Exception:
        proc.stop()
        raise
    return proc


def have_binaries():
    missing = [b for b in ("nginx", "haproxy", "wrk", "taskset", OPENSSL) if shutil.which(b) is None]
    return missing
