"""The three proxies under test, each started from a template in conf/ in a temp dir of its own.

cutover listens on 127.0.0.1:0 and names its port on stderr. nginx and HAProxy cannot be told port
0 in their config (HAProxy refuses it, nginx cannot report it), so they get a port the kernel just
handed out for a throwaway socket. nginx has no JWT support of its own: it asks AuthService (the
nginx way, auth_request), which applies the contract's rules to the token; HAProxy verifies the
token itself (jwt_verify).
"""
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import tokens

CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conf")
PEERS = {"nginx": "/usr/sbin/nginx", "haproxy": "/usr/sbin/haproxy"}
RUNNING = []  # every Proxy not yet stopped, so the runner can always stop them all


def find_peer(kind):
    return shutil.which(kind) or (PEERS[kind] if os.access(PEERS[kind], os.X_OK) else None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(template, out_path, values):
    with open(os.path.join(CONF, template)) as f:
        text = f.read()
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"{template}: unfilled placeholders {left}")
    with open(out_path, "w") as f:
        f.write(text)
    return out_path


class Proxy:
    def __init__(self, name, cmd, run_dir, port=None, env=None):
        self.name, self.run_dir, self.port = name, run_dir, port
        self.log_path = os.path.join(run_dir, "proxy.log")
        self._log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True, env=env)
        RUNNING.append(self)

    def alive(self):
        return self.popen.poll() is None

    def tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}")
            if self.port is None:  # cutover: the start-up line names the port
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(self.log_path, errors="replace").read())
                if m:
                    self.port = int(m.group(1))
            if self.port is not None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} not listening within {timeout}s:\n{self.tail()}")

    def stop(self):
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()
        if self in RUNNING:
            RUNNING.remove(self)


def start(kind, binary, run_dir, backend_port, jwt_key, jwt_file, auth_port=None, template=None):
    os.makedirs(run_dir, exist_ok=True)
    values = {"RUN": run_dir, "BACKEND": backend_port}
    if kind == "cutover":
        conf = render(template or "cutover.yaml", os.path.join(run_dir, "cutover.yaml"),
                      dict(values, JWT_SECRET_FILE=jwt_file))
        proxy = Proxy(kind, [binary, "--config", conf], run_dir)
    elif kind == "nginx":
        port = free_port()
        render("nginx-proxy.inc", os.path.join(run_dir, "nginx-proxy.inc"), values)
        conf = render("nginx.conf", os.path.join(run_dir, "nginx.conf"), dict(values, PORT=port, AUTH=auth_port))
        os.makedirs(os.path.join(run_dir, "tmp"), exist_ok=True)
        proxy = Proxy(kind, [binary, "-p", run_dir, "-c", conf, "-e", os.path.join(run_dir, "error.log")],
                      run_dir, port)
    elif kind == "haproxy":
        port = free_port()
        conf = render("haproxy.cfg", os.path.join(run_dir, "haproxy.cfg"), dict(values, PORT=port, JWT_SECRET=jwt_key))
        proxy = Proxy(kind, [binary, "-f", conf, "-db"], run_dir, port)
    else:
        raise ValueError(kind)
    try:
        proxy.wait_ready()
    except BaseException:  # including the SystemExit of a SIGTERM while waiting
        proxy.stop()
        raise
    return proxy


class AuthService:
    """nginx's auth_request target: 200 with X-Verified-User for a valid token (Authorization:
    Bearer, or the session_jwt cookie), 200 without it for anonymous, 401 on /required."""

    def __init__(self, key):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                user = service.user(self.headers)
                self.send_response(401 if user is None and self.path.startswith("/required") else 200)
                if user is not None:
                    self.send_header("X-Verified-User", user)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.key = key
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True).start()

    def user(self, headers):
        auth = headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        if token is None:
            for part in headers.get("Cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == "session_jwt":
                    token = value
        return tokens.verify(token, self.key) if token else None

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
