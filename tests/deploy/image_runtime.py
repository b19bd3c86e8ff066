#!/usr/bin/env python3
"""The container image's runtime, without a container engine (docs/deployment.md).

    image_runtime.py --cutover BUILD/cutover --layout kubernetes|image [--config FILE]

Runs the gateway the way the image and the manifests run it, as far as Linux does that without
Docker or a kubelet, and checks what an orchestrator relies on:
- a root filesystem of its own, read-only (readOnlyRootFilesystem, compose's read_only): the
  binary at /usr/local/bin/cutover and the libraries it links, nothing else; the config at
  /etc/cutover/cutover.yaml, the secrets under /run/secrets, the state volume at /var/lib/cutover
  (owned by 10001) and /var/log/cutover, mounted over it as the image's volumes would be;
- uid and gid 10001, no capabilities, no_new_privs (runAsUser, allowPrivilegeEscalation: false);
- a network namespace of its own, where `legacy` and `notes-svc` resolve (through /etc/hosts) to
  the demo backends on 127.0.0.1:8000 and :9000.
Checked: `cutover check` passes as that user; /healthz and /readyz answer on the admin port;
traffic flows with a JWT; a change without the admin token is refused (401) and with it saved to
the state volume; the override survives a restart; SIGTERM turns /readyz to 503 "draining", lets
the request in flight finish and exits 0 within drain_timeout; the access log goes to stdout.
--layout kubernetes: the config is deploy/kubernetes/cutover.yaml, and the ConfigMap and Secret
are laid out as the kubelet does (files behind a `..data` symlink, 0440 root:10001); an update
swaps `..data` as the kubelet does, and `watch: true` must reload it; a rotated Secret must
replace the admin token.
--layout image: the config is docker/cutover.yaml, the secrets single files as compose mounts them.

Needs root (mount and network namespaces, chroot, a uid change), `unshare`, `mount` and `ip`;
without them it exits 77 (skipped). Everything it starts lives in its own namespaces
and ends with it; nothing outside a temporary directory is written.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
UID = GID = 10001
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
results = []


def check(ok, what, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else f"\n     {detail}"), flush=True)
    return ok


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(SKIP)


# --- HTTP, the way an orchestrator's probes and a client talk to the pod ---------------------------

def request(port, method, path, body=None, headers=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace"), dict(r.getheaders())
    except OSError as e:
        return 0, str(e), {}
    finally:
        conn.close()


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def hs256_token(user, secret):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=")
    claims = {"sub": user, "iat": int(time.time()), "exp": int(time.time()) + 600}
    signing = b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + b64(json.dumps(claims).encode())
    return (signing + b"." + b64(hmac.new(secret, signing, hashlib.sha256).digest())).decode()


# --- the root filesystem and the volumes ---------------------------------------------------------

def config_files(text):
    """(traffic port, admin port, token file, [secret files], state file, drain seconds) of a config."""
    try:
        import yaml
        c = yaml.safe_load(text)
        admin, identity = c.get("admin") or {}, c.get("identity") or {}
        values = {"listen": c.get("listen"), "admin_listen": admin.get("listen"),
                  "token_file": admin.get("token_file"),
                  "hs256_secret_file": (identity.get("jwt") or {}).get("hs256_secret_file"),
                  "secret_file": (identity.get("signature") or {}).get("secret_file"),
                  "state_file": c.get("state_file"), "drain_timeout": c.get("drain_timeout")}
    except ImportError:  # block or flow style, good enough for the configs this runs
        pick = lambda pattern: (re.search(pattern, text, re.M | re.S) or [None, None])[1]
        values = {"listen": pick(r"^listen:\s*([^\s#]+)"),
                  "admin_listen": pick(r"^admin:.*?\blisten:\s*([^\s,}#]+)")}
        for key in ("token_file", "hs256_secret_file", "secret_file", "state_file", "drain_timeout"):
            values[key] = pick(rf"(?<![\w-]){key}:\s*([^\s,}}#]+)")
    m = re.fullmatch(r"(\d+)(ms|s)", str(values["drain_timeout"] or "10s"))
    drain = int(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    port = int(str(values["listen"] or "0.0.0.0:8080").rsplit(":", 1)[1])
    admin_port = int(str(values["admin_listen"] or "127.0.0.1:9901").rsplit(":", 1)[1])
    secrets = [values[k] for k in ("token_file", "hs256_secret_file", "secret_file") if values[k]]
    return port, admin_port, values["token_file"], secrets, values["state_file"], drain


def build_root(root, binary):
    """A root filesystem holding the binary at the image's path and the libraries it links."""
    for name in ("bin", "lib", "lib64", "sbin"):  # merged /usr, as in debian:12
        host = os.path.join("/", name)
        if os.path.islink(host):
            os.symlink(os.readlink(host), os.path.join(root, name))
    libs = re.findall(r"(/\S+\.so[^\s]*)", subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout)
    for lib in libs:
        target = root + os.path.join(os.path.realpath(os.path.dirname(lib)), os.path.basename(lib))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(lib, target)
    os.makedirs(f"{root}/usr/local/bin")
    shutil.copy2(binary, f"{root}/usr/local/bin/cutover")
    os.makedirs(f"{root}/etc")
    if os.path.exists("/etc/ld.so.cache"):
        shutil.copy2("/etc/ld.so.cache", f"{root}/etc/ld.so.cache")
    with open(f"{root}/etc/passwd", "w") as f:
        f.write(f"root:x:0:0:root:/root:/usr/sbin/nologin\ncutover:x:{UID}:{GID}::/nonexistent:/usr/sbin/nologin\n")
    with open(f"{root}/etc/group", "w") as f:
        f.write(f"root:x:0:\ncutover:x:{GID}:\n")
    with open(f"{root}/etc/nsswitch.conf", "w") as f:
        f.write("passwd: files\ngroup: files\nhosts: files\n")
    with open(f"{root}/etc/hosts", "w") as f:  # what the orchestrator's DNS would answer
        f.write("127.0.0.1 localhost legacy notes-svc\n")
    for d in ("etc/cutover", "var/lib/cutover", "var/log/cutover", "run/secrets", "proc", "dev", "sys", "tmp"):
        os.makedirs(f"{root}/{d}", exist_ok=True)


def atomic_writer_dir(directory, files, group=None, mode=0o644):
    """Lay files out as the kubelet does for a ConfigMap or Secret volume: the files in a
    timestamped folder, `..data` pointing at it, and each visible name a symlink through `..data`.
    Calling it again swaps `..data` to a new folder, atomically (rename of a symlink)."""
    stamp = f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.monotonic_ns()}"
    os.makedirs(os.path.join(directory, stamp))
    for name, content in files.items():
        path = os.path.join(directory, stamp, name)
        with open(path, "w") as f:
            f.write(content)
        os.chmod(path, mode)
        if group is not None:
            os.chown(path, 0, group)
    old = os.readlink(os.path.join(directory, "..data")) if os.path.islink(os.path.join(directory, "..data")) else None
    os.symlink(stamp, os.path.join(directory, "..data_tmp"))
    os.rename(os.path.join(directory, "..data_tmp"), os.path.join(directory, "..data"))
    for name in files:
        if not os.path.islink(os.path.join(directory, name)):
            os.symlink(os.path.join("..data", name), os.path.join(directory, name))
    if old:
        shutil.rmtree(os.path.join(directory, old))


def die_with_parent():
    """preexec_fn: the child is killed when this script dies (a ctest timeout, say)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def mount(*args):
    subprocess.run(["mount", *args], check=True)


# --- the run -------------------------------------------------------------------------------------

class Gateway:
    def __init__(self, root, work):
        self.root, self.work, self.proc, self.runs = root, work, None, 0

    def enter_image(self):
        """preexec_fn: into the image's root as uid/gid 10001 (which drops every capability),
        no_new_privs (allowPrivilegeEscalation: false), and killed if this script dies. The
        parent-death signal is set last: a change of uid clears it."""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        os.chroot(self.root)
        os.chdir("/")
        os.setgroups([GID])
        os.setgid(GID)
        os.setuid(UID)
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    def popen(self, *args, **kwargs):
        return subprocess.Popen(["/usr/local/bin/cutover", *args], preexec_fn=self.enter_image, **kwargs)

    def start(self):
        self.runs += 1
        self.out = open(f"{self.work}/stdout.{self.runs}", "w+")
        self.err = open(f"{self.work}/stderr.{self.runs}", "w+")
        self.proc = self.popen("--config", "/etc/cutover/cutover.yaml", stdout=self.out, stderr=self.err)
        wait_for(lambda: self.proc.poll() is not None or "listening on" in self.stderr(), 10)
        return self.proc.poll() is None and "listening on" in self.stderr()

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def stdout(self):
        with open(self.out.name) as f:
            return f.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


def run(args):
    layout = args.layout
    config_path = args.config or os.path.join(
        SOURCE, "deploy/kubernetes/cutover.yaml" if layout == "kubernetes" else "docker/cutover.yaml")
    if not os.path.exists(config_path):
        skip(f"{config_path} does not exist")
    with open(config_path) as f:
        config_text = f.read()
    port, admin_port, token_file, secret_files, state_file, drain = config_files(config_text)
    if not token_file or not state_file or not state_file.startswith("/var/lib/cutover/"):
        return check(False, f"{config_path} names admin.token_file and a state_file under /var/lib/cutover")

    work = args.work
    root = f"{work}/root"
    os.makedirs(root)
    build_root(root, os.path.realpath(args.cutover))
    volumes = {"config": f"{work}/configmap", "state": f"{work}/state", "log": f"{work}/log"}
    for d in volumes.values():
        os.makedirs(d)
    for d in ("state", "log"):
        os.chown(volumes[d], UID, GID)  # the image's /var/lib/cutover and /var/log/cutover
        os.chmod(volumes[d], 0o755)

    secret = open(os.path.join(SOURCE, "config/demo-jwt-secret.txt"), "rb").read()
    token = hashlib.sha256(os.urandom(32)).hexdigest()
    contents = {}
    for path in secret_files:
        contents[path] = token if path == token_file else secret.decode()
    secret_dirs = sorted({os.path.dirname(p) for p in secret_files})
    if layout == "kubernetes":
        atomic_writer_dir(volumes["config"], {"cutover.yaml": config_text})
        for i, d in enumerate(secret_dirs):
            src = f"{work}/secret{i}"
            os.makedirs(src)
            # defaultMode 0440 and fsGroup 10001, as deployment.yaml asks.
            atomic_writer_dir(src, {os.path.basename(p): c for p, c in contents.items() if os.path.dirname(p) == d},
                              group=GID, mode=0o440)
            volumes[d] = src
    else:
        with open(f"{volumes['config']}/cutover.yaml", "w") as f:  # COPY'd into the image
            f.write(config_text)
        for i, d in enumerate(secret_dirs):
            src = f"{work}/secret{i}"
            os.makedirs(src)
            for p, c in contents.items():
                if os.path.dirname(p) == d:
                    with open(f"{src}/{os.path.basename(p)}", "w") as f:  # compose: the host file, 0644
                        f.write(c)
            volumes[d] = src

    for d in secret_dirs:
        os.makedirs(root + d, exist_ok=True)
    # The read-only root, then the volumes over it.
    mount("--bind", root, root)
    mount("-o", "remount,bind,ro", root)
    mount("--bind", "-o", "ro", volumes["config"], f"{root}/etc/cutover")
    mount("--bind", volumes["state"], f"{root}/var/lib/cutover")
    mount("--bind", volumes["log"], f"{root}/var/log/cutover")
    for d in secret_dirs:
        mount("--bind", "-o", "ro", volumes[d], root + d)
    mount("--rbind", "/proc", f"{root}/proc")
    mount("--rbind", "/dev", f"{root}/dev")
    mount("--rbind", "-o", "ro", "/sys", f"{root}/sys")

    backends = []
    try:
        for script, backend_port in (("legacy_app.py", 8000), ("notes_service.py", 9000)):
            p = subprocess.Popen([sys.executable, os.path.join(SOURCE, "demo", script), "--host", "127.0.0.1",
                                  "--port", str(backend_port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 preexec_fn=die_with_parent)
            backends.append(p)
            if "listening on" not in p.stdout.readline():
                return check(False, f"demo {script} started")
        gateway = Gateway(root, work)
        checker = gateway.popen("check", "/etc/cutover/cutover.yaml", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = checker.communicate(timeout=30)[0]
        check(checker.returncode == 0, "cutover check /etc/cutover/cutover.yaml as uid 10001", output)
        try:
            scenario(gateway, layout, port, admin_port, token, secret, volumes, state_file, drain, config_text,
                     token_file, contents)
        finally:
            gateway.stop()
            if not all(results):
                print(f"--- gateway stderr (last run):\n{gateway.stderr()[-3000:]}")
    finally:
        for p in backends:
            p.terminate()
            p.wait()


def scenario(gateway, layout, port, admin_port, token, secret, volumes, state_file, drain, config_text,
             token_file, contents):
    if not check(gateway.start(), "the gateway starts as uid 10001 on a read-only root", gateway.stderr()[-2000:]):
        return
    with open(f"/proc/{gateway.proc.pid}/status") as f:
        status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    check(status["Uid"].split() == [str(UID)] * 4 and status["Gid"].split() == [str(GID)] * 4,
          "it runs as uid/gid 10001", status["Uid"] + status["Gid"])
    check(int(status["CapEff"], 16) == 0 and status.get("NoNewPrivs", "").strip() == "1",
          "with no capabilities and no_new_privs", status["CapEff"] + status.get("NoNewPrivs", ""))

    s, body, _ = request(admin_port, "GET", "/healthz")
    check(s == 200 and json.loads(body or "{}").get("status") == "ok", "GET :%d/healthz is 200 {status: ok}" % admin_port, f"{s} {body}")
    s, body, _ = request(admin_port, "GET", "/readyz")
    check(s == 200 and json.loads(body or "{}").get("ready") is True, "GET /readyz is 200 {ready: true}", f"{s} {body}")

    auth = {"Authorization": "Bearer " + hs256_token("user-7", secret.rstrip(b"\r\n"))}
    s, body, headers = request(port, "GET", "/api/notes", headers=auth)
    check(s == 200 and headers.get("X-Served-By") in ("legacy", "notes-svc"),
          f"GET :{port}/api/notes with a JWT reaches a backend by its service name", f"{s} {body[:200]}")
    s, _, _ = request(port, "GET", "/api/account")
    check(s == 401, "GET /api/account without a token is 401", str(s))
    check(wait_for(lambda: '"route":"notes"' in gateway.stdout(), 3), "the access log goes to stdout", gateway.stdout()[-500:])

    def notes_route():
        s, body, _ = request(admin_port, "GET", "/admin/routes/notes")
        return json.loads(body) if s == 200 else {}

    def percent(route, key, backend="notes-svc"):
        shares = route.get(key) or []
        return next((x["percent"] for x in shares if x.get("backend") == backend), None)

    if layout == "kubernetes":
        # A ConfigMap update, as the kubelet writes it: watch: true must pick it up.
        atomic_writer_dir(volumes["config"], {"cutover.yaml": config_text.replace("split: { notes-svc: 25 }", "split: { notes-svc: 30 }")})
        check(wait_for(lambda: percent(notes_route(), "file_split") == 30, 5),
              "a kubelet-style ConfigMap swap (..data) is reloaded by watch: true", json.dumps(notes_route())[:600])

    split = json.dumps({"split": {"notes-svc": 50}, "reason": "image runtime test", "who": "test"})
    s, body, _ = request(admin_port, "PUT", "/admin/routes/notes/split", body=split)
    check(s == 401, "PUT /admin/routes/notes/split without the token is 401", f"{s} {body}")
    s, body, _ = request(admin_port, "PUT", "/admin/routes/notes/split", body=split,
                         headers={"Authorization": f"Bearer {token}"})
    check(s == 200, "with the token from the secret file it is 200", f"{s} {body}")
    state = os.path.join(volumes["state"], os.path.basename(state_file))
    st = os.stat(state) if os.path.exists(state) else None
    check(st is not None and st.st_uid == UID and "notes" in open(state).read(),
          f"the override is saved to {state_file} on the state volume, owned by 10001",
          str(os.listdir(volumes["state"])))
    check(sorted(os.listdir(volumes["state"])) == [os.path.basename(state_file)], "and nothing else is left there",
          str(os.listdir(volumes["state"])))

    if layout == "kubernetes":
        # The Secret rotated, as the kubelet writes it: the new token works, the old one no longer.
        new_token = hashlib.sha256(os.urandom(32)).hexdigest()
        directory = os.path.dirname(token_file)
        rotated = {os.path.basename(p): (new_token if p == token_file else c)
                   for p, c in contents.items() if os.path.dirname(p) == directory}
        atomic_writer_dir(volumes[directory], rotated, group=GID, mode=0o440)
        reload_with = lambda t: request(admin_port, "POST", "/admin/reload?dry_run=1",
                                        headers={"Authorization": f"Bearer {t}"})[0]
        check(wait_for(lambda: reload_with(new_token) == 200, 5) and reload_with(token) == 401,
              "a kubelet-style Secret rotation: the new admin token is taken, the old one refused",
              f"new {reload_with(new_token)}, old {reload_with(token)}")

    code = gateway.stop()
    check(code == 0, "SIGTERM with nothing in flight: exit 0", str(code))
    check(gateway.start(), "the gateway starts again on the same state volume", gateway.stderr()[-2000:])
    route = notes_route()
    check(route.get("override") and percent(route, "effective_split") == 50,
          "the override survived the restart", json.dumps(route)[:600])

    # The drain: a request in flight (its body half sent), then SIGTERM.
    body = json.dumps({"title": "drain", "body": "x" * 200}).encode()
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall((f"POST /api/notes HTTP/1.1\r\nHost: gateway\r\nAuthorization: {auth['Authorization']}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body[:20])
    time.sleep(0.3)
    signalled = time.monotonic()
    gateway.proc.send_signal(signal.SIGTERM)
    draining = wait_for(lambda: request(admin_port, "GET", "/readyz", timeout=1)[0] == 503, 3)
    s, ready_body, _ = request(admin_port, "GET", "/readyz", timeout=1)
    check(draining and "draining" in ready_body, "after SIGTERM /readyz is 503 draining", f"{s} {ready_body}")
    s, live_body, _ = request(admin_port, "GET", "/healthz", timeout=1)
    check(s == 200, "and /healthz still 200 (liveness does not kill a draining pod)", f"{s} {live_body}")
    client.sendall(body[20:])
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = client.recv(65536)
        if not chunk:
            break
        answer += chunk
    client.close()
    check(answer.startswith(b"HTTP/1.1 201"), "the request in flight is answered (201)", answer[:200].decode(errors="replace"))
    try:
        code = gateway.proc.wait(drain + 5)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0 and time.monotonic() - signalled < drain + 1, f"then exit 0 within drain_timeout ({drain:g} s)", str(code))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cutover", required=True, help="the gateway binary")
    p.add_argument("--layout", choices=("kubernetes", "image"), required=True)
    p.add_argument("--config", help="config to run (default: the layout's own)")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if not args.inside:
        if os.geteuid() != 0:
            skip("needs root (namespaces, chroot, uid 10001)")
        for tool in ("unshare", "ip", "mount", "ldd"):
            if shutil.which(tool) is None:
                skip(f"needs {tool}")
        if subprocess.run(["unshare", "--mount", "--net", "true"], capture_output=True).returncode != 0:
            skip("cannot make mount and network namespaces here")
        # The namespaces end with the child, and its mounts with them; then the files go.
        work = tempfile.mkdtemp(prefix="cutover-image-")
        try:
            r = subprocess.run(["unshare", "--mount", "--net", "--propagation", "private", sys.executable,
                                os.path.abspath(__file__), "--inside", "--work", work, *sys.argv[1:]],
                               preexec_fn=die_with_parent)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sys.exit(r.returncode)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    run(args)
    passed, failed = results.count(True), results.count(False)
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and passed else 1)


if __name__ == "__main__":
    main()
