"""The recording backend: a strict HTTP/1.1 origin on 127.0.0.1:0 that logs every byte it gets.

Per connection it frames requests strictly (wire.parse_request), answers each complete one with
200 and a JSON echo of what it saw, and serves the secret when any lax reading of the path lands
under /secret (views.py). Whatever cannot be a well-formed request is logged as `garbage` and the
connection is closed without an answer (so a proxy's client sees 502, never a plausible 400).

Events are tagged with the case that was current when the first byte of that request arrived, so
a runner that runs cases one at a time per backend can ask what one case caused.
"""
import json
import socket
import threading
import time

from . import wire
from .views import secret_reading

OVERRIDE_URLS = ("x-original-url", "x-rewrite-url")
METHOD_OVERRIDES = ("x-http-method-override", "x-http-method", "x-method-override")


class Event:
    """kind: 'request' (a complete request), 'garbage' (malformed bytes), 'truncated' (a valid
    prefix, then the connection closed), 'secret' (the answer carried the secret), 'error' (the
    backend itself failed: a bug in the suite)."""

    def __init__(self, case, conn, kind, data=b"", request=None, detail=""):
        self.case, self.conn, self.kind, self.data = case, conn, kind, data
        self.request, self.detail, self.at = request, detail, time.monotonic()

    def __repr__(self):
        return f"{self.kind}(conn {self.conn}{', ' + self.detail if self.detail else ''}): {self.data[:300]!r}"


def echo(req):
    """The body the backend answers: what it saw. The secret is never part of it."""
    method = req.method
    for name in METHOD_OVERRIDES:
        if req.values(name):
            method = req.values(name)[0]  # the backend honours it, as many frameworks do
    return json.dumps({"method": method, "target": req.target, "headers": req.headers,
                       "trailers": req.trailers, "body_len": len(req.body)}).encode()


class RecordingBackend:
    def __init__(self, secret):
        self.secret = secret
        self.case = None
        self.events = []
        self._lock = threading.Lock()
        self._open = {}  # conn id -> [bytearray pending, case of the pending bytes]
        self._next_conn = 0
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True, name=f"backend-{self.port}").start()

    def stop(self):
        self._stop.set()
        self.sock.close()

    def _log(self, *args, **kw):
        with self._lock:
            self.events.append(Event(*args, **kw))

    def last_activity(self):
        with self._lock:
            return self.events[-1].at if self.events else 0.0

    def pending(self, case):
        """Connections still open holding part of a request of `case`: {conn: bytes}."""
        with self._lock:
            return {c: bytes(p[0]) for c, p in self._open.items() if p[0] and p[1] == case}

    def events_of(self, case):
        with self._lock:
            return [e for e in self.events if e.case == case]

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                cid = self._next_conn
                self._next_conn += 1
            threading.Thread(target=self._serve, args=(conn, cid), daemon=True).start()

    def _answer(self, req, conn):
        host = (req.exact("host") or [None])[0]
        overrides = [v for n in OVERRIDE_URLS for v in req.values(n)]
        family = secret_reading(req.target, host, overrides)
        if family:
            body = f"treasure {self.secret} (read as {family})".encode()
        else:
            body = echo(req)
        close = "close" in ",".join(req.exact("connection")).lower() or (
            req.version == "HTTP/1.0" and "keep-alive" not in ",".join(req.exact("connection")).lower())
        # X-Recorder marks an answer as the backend's, so the judge can match answers to requests.
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"X-Recorder: {self.port}\r\n"
                f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n").encode()
        conn.sendall(head + (b"" if req.method == "HEAD" else body))
        return family, close

    def _serve(self, conn, cid):
        state = [bytearray(), None]
        with self._lock:
            self._open[cid] = state
        conn.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    data = b""
                if not data:
                    if state[0]:
                        self._log(state[1], cid, "truncated", bytes(state[0]))
                    return
                with self._lock:
                    if not state[0]:
                        state[1] = self.case
                    state[0] += data
                while state[0]:
                    try:
                        req, used = wire.parse_request(bytes(state[0]))
                    except wire.Incomplete:
                        break
                    except wire.Malformed as e:
                        self._log(state[1], cid, "garbage", bytes(state[0]), detail=str(e))
                        return
                    raw = bytes(state[0][:used])
                    with self._lock:
                        del state[0][:used]
                        case = state[1]  # bytes left over arrived with this request: same case
                    self._log(case, cid, "request", raw, request=req)
                    try:
                        family, close = self._answer(req, conn)
                    except OSError:
                        raise
                    except Exception as e:  # a bug of the suite's own: fail the case, loudly
                        self._log(case, cid, "error", raw, detail=f"{type(e).__name__}: {e}")
                        return
                    if family:
                        self._log(case, cid, "secret", detail=f"read as {family}")
                    if close:
                        return
        except OSError:
            return
        finally:
            with self._lock:
                self._open.pop(cid, None)
            conn.close()
