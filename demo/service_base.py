"""HTTP plumbing shared by the two demo backends (legacy_app.py, notes_service.py).

Behaves like a well-mannered backend behind a gateway: HTTP/1.1 keep-alive, Content-Length on every
response (so the gateway can pool connections), request bodies always consumed (Content-Length or
chunked) so the connection stays in sync, HEAD supported, quiet logs, clean exit on Ctrl-C / SIGTERM.
"""
import argparse
import re
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import notes_data

MAX_BODY = 1 << 20  # 1 MiB is plenty for a note


class Route:
    """One path pattern with a handler per method. Handlers get (request, match, body) and return
    (status, body_bytes) or (status, body_bytes, content_type, extra_headers)."""

    def __init__(self, pattern: str, needs_user: bool = False, **methods):
        self.regex = re.compile(pattern)
        self.needs_user = needs_user
        self.methods = methods  # e.g. GET=fn, POST=fn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive by default
    server_version = "cutover-demo"
    served_by = "?"   # set by each service
    routes = ()       # set by each service
    verbose = False   # --verbose turns the access log on
    timeout = 75      # idle keep-alive connections close after this (above the gateway's 30 s pool idle)

    # --- plumbing -------------------------------------------------------------------------------
    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms
        # to every keep-alive response.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("%s %s\n" % (self.served_by, fmt % args))

    def end_headers(self):
        # Every response, including http.server's own error pages, says who served it.
        self.send_header("X-Served-By", self.served_by)
        super().end_headers()

    def user(self):
        """The user the gateway vouched for, or None. Backends trust this header; only the gateway
        can set it (it strips client copies)."""
        value = (self.headers.get("X-User-Id") or "").strip()
        return value or None

    def respond(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, headers=()):
        self.respond(status, notes_data.error_json(code, message), headers=headers)

    def read_body(self):
        """The request body as bytes, or None after answering 400/413 (connection then closes,
        because we can't know where the next request starts)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        if not raw.strip().isdigit():
            return self._reject(400, "bad_request", "invalid Content-Length")
        if int(raw) > MAX_BODY:
            return self._reject(413, "too_large", "request body over 1 MiB")
        return self.rfile.read(int(raw))

    def _read_chunked(self):
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                return self._reject(400, "bad_request", "invalid chunk size")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                return self._reject(413, "too_large", "request body over 1 MiB")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after the chunk

    def _reject(self, status, code, message):
        self.close_connection = True
        self.error(status, code, message, headers=[("Connection", "close")])
        return None

    # --- dispatch -------------------------------------------------------------------------------
    def dispatch(self):
        body = self.read_body()
        if body is None:
            return
        path = urlsplit(self.path).path
        method = "GET" if self.command == "HEAD" else self.command
        for route in self.routes:
            match = route.regex.fullmatch(path)
            if not match:
                continue
            fn = route.methods.get(method)
            if fn is None:
                allow = ", ".join(sorted(route.methods))
                return self.error(405, "method_not_allowed", "use " + allow, headers=[("Allow", allow)])
            if route.needs_user and self.user() is None:
                return self.error(401, "unauthorized", "no authenticated user")
            result = fn(self, match, body)
            if result is not None:  # None: the handler already responded
                self.respond(*result)
            return
        self.error(404, "not_found", "no such path")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = dispatch


class Server(ThreadingHTTPServer):
    daemon_threads = True       # Ctrl-C must not wait for idle keep-alive connections
    request_queue_size = 256    # the default (5) drops SYNs when a gateway opens many connections

    def handle_error(self, request, client_address):
        # A client (or the gateway) hanging up mid-response is normal; don't print a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def serve(name, handler_cls, description):
    """Parse the common CLI, bind, print '<name> listening on HOST:PORT', serve until Ctrl-C/SIGTERM."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    p.add_argument("--idle-timeout", type=float, default=75.0,
                   help="close keep-alive connections idle this many seconds (default 75)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = p.parse_args()

    handler_cls.timeout = args.idle_timeout
    handler_cls.verbose = args.verbose
    try:
        server = Server((args.host, args.port), handler_cls)
    except OSError as e:
        sys.exit(f"{name}: cannot bind {args.host}:{args.port}: {e}")
    host, port = server.server_address[:2]
    # The ready line: scripts and tests wait for it and parse the port from it.
    print(f"{name} listening on {host}:{port}", flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt  # unwinds serve_forever in the main thread
    # Explicitly for SIGINT too: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
