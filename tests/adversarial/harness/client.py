"""The raw-byte client: writes a case's bytes to a proxy and reads what comes back, never hanging.

Sending runs in its own thread, so a proxy that answers and closes halfway through a 1 MiB chunk
extension is still heard (and one that stops reading cannot block the suite). Reading stops at EOF,
at `linger` seconds of silence after the first final response (later bytes would be answers to
smuggled requests), or at the case's deadline.
"""
import json
import socket
import threading
import time

from .wire import read_responses


class Outcome:
    def __init__(self):
        self.data = b""
        self.responses = []
        self.status = None  # int, or 'timeout' / 'closed' / 'reset' / 'garbage' / 'refused'
        self.closed = False
        self.error = ""

    def final(self):
        return [r for r in self.responses if r.status >= 200]

    def local_reason(self):
        """The `error` field of the first final response's JSON body, if it has one."""
        finals = self.final()
        if not finals:
            return None
        try:
            return json.loads(finals[0].body).get("error")
        except (ValueError, AttributeError):
            return None

    def describe(self):
        finals = self.final()
        shown = finals[0].body[:160] if finals else self.data[:160]
        return f"{self.status}{' (closed)' if self.closed else ''} {shown!r}"


def _send(sock, raw, errors):
    try:
        sock.sendall(raw)
    except OSError as e:  # the proxy answered and closed early: what it said is still read
        errors.append(str(e))


def exchange(port, raw, timeout=3.0, linger=0.25, head=False):
    out = Outcome()
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError as e:
        out.status, out.error = "refused", str(e)
        return out
    sock.settimeout(5)
    errors = []
    sender = threading.Thread(target=_send, args=(sock, raw, errors), daemon=True)
    sender.start()
    deadline = time.monotonic() + timeout
    answered_at = None
    data = bytearray()
    try:
        while True:
            now = time.monotonic()
            limit = deadline if answered_at is None else min(deadline, answered_at + linger)
            if now >= limit:
                break
            sock.settimeout(max(0.01, limit - now))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if answered_at is not None:
                    break
                continue
            except ConnectionResetError:
                out.error = "connection reset"
                out.closed = True
                break
            if not chunk:
                out.closed = True
                break
            data += chunk
            if answered_at is None:
                responses, _ = read_responses(bytes(data), head)
                if any(r.status >= 200 for r in responses):
                    answered_at = time.monotonic()
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        sender.join(2)
    out.data = bytes(data)
    out.responses, complete = read_responses(out.data, head)
    finals = out.final()
    if finals:
        out.status = finals[0].status
    elif out.error == "connection reset":
        out.status = "reset"
    elif data and not out.responses and not data.startswith(b"HTTP/"):
        out.status = "garbage"
    elif out.closed:
        out.status = "closed"
    else:
        out.status = "timeout"
    if errors and not out.error:
        out.error = "send: " + errors[0]
    return out
