"""A real WSGI server behind the proxy: Python's wsgiref, whose header mapping (uppercase, `-` as
`_`, repeats joined with `,`) is the one gunicorn, uWSGI, Rack, PHP-FPM and CGI share. Its app
answers with the HTTP_* keys of its environ, and serves the secret when PATH_INFO (which wsgiref
has already percent-decoded) or X-Original-URL lands under /secret.

Each environ is logged as an event of the case current when it arrived (like RecordingBackend),
so the judge checks what the app really got, not what a proxy chose to echo.
"""
import json
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .views import secret_reading, under_secret


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class EnvironEvent:
    def __init__(self, case, environ):
        self.case, self.kind, self.conn, self.data, self.detail = case, "request", 0, b"", ""
        self.request, self.at = environ, time.monotonic()


class WsgiBackend:
    def __init__(self, secret):
        self.secret, self.case, self.events = secret, None, []
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._app, server_class=_Threaded, handler_class=_Quiet)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _app(self, environ, start_response):
        seen = {k: v for k, v in environ.items() if k.startswith("HTTP_")}
        with self._lock:
            self.events.append(EnvironEvent(self.case, seen))
        path = environ.get("PATH_INFO", "")
        overrides = [environ[k] for k in ("HTTP_X_ORIGINAL_URL", "HTTP_X_REWRITE_URL") if k in environ]
        if under_secret(path.encode("latin-1")) or secret_reading("/", None, overrides):
            body = f"treasure {self.secret}".encode()
        else:
            body = json.dumps({"path": path, "environ": seen}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                  ("X-Recorder", "wsgi")])
        return [body]

    def last_activity(self):
        with self._lock:
            return self.events[-1].at if self.events else 0.0

    def pending(self, case):
        return {}

    def events_of(self, case):
        with self._lock:
            return [e for e in self.events if e.case == case]
