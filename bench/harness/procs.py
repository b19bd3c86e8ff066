"""Processes under measurement: start pinned to a CPU, wait until they answer, read /proc, stop."""
import http.client
import os
import signal
import socket
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


class Proc:
    """One long-running process (a proxy or the backend), pinned with taskset."""

    def __init__(self, name, cmd, cpu, log_path, env=None):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")
        prefix = ["taskset", "-c", str(cpu)] if cpu is not None else []
        # taskset execs the command, so the pid we get is the proxy's own.
        self.popen = subprocess.Popen(prefix + cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def cpu_seconds(self):
        """utime + stime of every thread of the process so far (/proc/PID/stat fields 14 and 15)."""
        user, system = self.cpu_split()
        return user + system

    def cpu_split(self):
        """(utime, stime) in seconds of every thread of the process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state): utime is field 14, stime field 15.
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK

    def status_kib(self, key):
        """A 'kB' line of /proc/PID/status, e.g. VmRSS (resident now) or VmHWM (peak resident)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_kib(self):
        return self.status_kib("VmRSS")

    def peak_rss_kib(self):
        return self.status_kib("VmHWM")

    def tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=10):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()


def cpu_busy_seconds(cpu):
    """Busy time of one CPU so far (/proc/stat: user+nice+system+irq+softirq, and steal apart)."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:]]
                return (v[0] + v[1] + v[2] + v[5] + v[6]) / CLK_TCK, v[7] / CLK_TCK
    return 0.0, 0.0


class RssSampler:
    """Samples VmRSS in the background while a load runs; max_kib is the highest sample."""

    def __init__(self, proc, interval=0.2):
        self.proc, self.interval = proc, interval
        self.max_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.max_kib = max(self.max_kib, self.proc.rss_kib())
            except OSError:
                return
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count, start=24100):
    """count listening ports below the ephemeral range, so clients' source ports never take them."""
    ports, port = [], start
    while len(ports) < count:
        if port_is_free(port):
            ports.append(port)
        port += 1
    return ports


def wait_http_ok(proc, port, path="/", timeout=30.0, ssl_context=None):
    """Polls GET path until it answers 200 (the proxy is up and reaches its backend); over HTTPS
    with ssl_context."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited (code {proc.popen.returncode}):\n{proc.tail()}")
        try:
            if ssl_context:
                conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=2, context=ssl_context)
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            res = conn.getresponse()
            res.read()
            conn.close()
            if res.status == 200:
                return
            last = f"status {res.status}"
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    raise RuntimeError(f"{proc.name} did not answer 200 on :{port}{path} within {timeout}s ({last}):\n{proc.tail()}")
