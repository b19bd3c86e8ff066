"""HTTP/1.1 on the wire, both ends of the suite.

parse_request is the recording backend's parser and deliberately the strictest reading of RFC 9112:
whatever a proxy forwards must be one unambiguous message, so anything a lenient server might read
differently (obs-fold, bare CR or LF, a list or repeat of Content-Length, a transfer coding other
than one `chunked`, a Host that is not RFC 3986) counts as malformed, not as a request.

read_responses is the client's reader and deliberately lenient: it reports what proxies sent.
"""
import re
from dataclasses import dataclass, field

TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
QSTRING = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
REQUEST_LINE = re.compile(rb"(" + TOKEN + rb") ([\x21-\x7e]+) HTTP/1\.([01])")
FIELD_VALUE = re.compile(rb"[\t \x21-\x7e\x80-\xff]*")
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)((?:[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN + rb"|" +
                        QSTRING + rb"))?)*)")
# RFC 3986 authority without userinfo: IP-literal / IPv4 / reg-name (unreserved, sub-delims, pct-encoded).
HOST = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?")
MAX_REQUEST = 8 << 20


class Incomplete(Exception):
    """More bytes are needed; everything so far is a valid prefix."""


class Malformed(Exception):
    """The bytes cannot be one well-formed request."""


def mapped(name):
    """A field name as CGI/WSGI/Rack read it (lowercase, `_` as `-`)."""
    return name.lower().replace("_", "-")


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list  # (name, value) as received, in order
    body: bytes = b""
    chunked: bool = False
    trailers: list = field(default_factory=list)
    size: int = 0  # bytes of the wire this request took

    def values(self, mapped_name, trailers=False):
        """Values of every field a CGI/WSGI backend reads as mapped_name."""
        fields = self.trailers if trailers else self.headers
        return [v for n, v in fields if mapped(n) == mapped_name]

    def exact(self, lower_name):
        """Values of the fields an HTTP parser reads as lower_name (case only: framing, Host)."""
        return [v for n, v in self.headers if n.lower() == lower_name]


def _line(buf, pos):
    """(line, next position) of a CRLF-terminated line starting at pos."""
    end = buf.find(b"\n", pos)
    if end < 0:
        if b"\r" in buf[pos:-1]:
            raise Malformed("bare CR")
        raise Incomplete()
    if end == pos or buf[end - 1] != 0x0D:
        raise Malformed("bare LF")
    line = buf[pos:end - 1]
    if b"\r" in line:
        raise Malformed("bare CR")
    return line, end + 1


def _fields(buf, pos):
    """Header or trailer fields up to the empty line: ([(name, value)], next position)."""
    fields = []
    while True:
        line, pos = _line(buf, pos)
        if not line:
            return fields, pos
        if line[:1] in (b" ", b"\t"):
            raise Malformed("obs-fold")
        name, colon, value = line.partition(b":")
        if not colon or not re.fullmatch(TOKEN, name):
            raise Malformed(f"bad field line {line[:60]!r}")
        value = value.strip(b" \t")
        if not FIELD_VALUE.fullmatch(value):
            raise Malformed(f"bad field value in {line[:60]!r}")
        fields.append((name.decode("latin-1"), value.decode("latin-1")))


def _chunked_body(buf, pos):
    body = bytearray()
    while True:
        line, pos = _line(buf, pos)
        m = CHUNK_LINE.fullmatch(line)
        if not m:
            raise Malformed(f"bad chunk line {line[:60]!r}")
        size = int(m.group(1), 16)
        if size == 0:
            trailers, pos = _fields(buf, pos)
            return bytes(body), trailers, pos
        if len(buf) < pos + size + 2:
            raise Incomplete()
        body += buf[pos:pos + size]
        pos += size
        if buf[pos:pos + 2] != b"\r\n":
            raise Malformed("chunk data not followed by CRLF")
        pos += 2


def parse_request(buf):
    """(Request, bytes consumed) for the first request in buf; raises Incomplete or Malformed."""
    if len(buf) > MAX_REQUEST:
        raise Malformed("request over 8 MiB")
    line, pos = _line(buf, 0)
    m = REQUEST_LINE.fullmatch(line)
    if not m:
        raise Malformed(f"bad request line {line[:80]!r}")
    method, target, minor = m.group(1).decode(), m.group(2).decode("latin-1"), m.group(3).decode()
    if not (target.startswith("/") or target.startswith("http://") or target == "*"):
        raise Malformed(f"bad request target {target[:80]!r}")
    headers, pos = _fields(buf, pos)
    req = Request(method, target, "HTTP/1." + minor, headers)
    hosts = req.exact("host")
    if len(hosts) > 1 or (minor == "1" and len(hosts) != 1):
        raise Malformed(f"{len(hosts)} Host fields")
    if hosts and not HOST.fullmatch(hosts[0].encode("latin-1")):
        raise Malformed(f"bad Host {hosts[0][:60]!r}")
    te, cl = req.exact("transfer-encoding"), req.exact("content-length")
    if te:
        if cl:
            raise Malformed("Content-Length with Transfer-Encoding")
        if minor == "0" or len(te) != 1 or te[0].lower() != "chunked":
            raise Malformed(f"Transfer-Encoding {te!r} on HTTP/1.{minor}")
        req.chunked = True
        req.body, req.trailers, pos = _chunked_body(buf, pos)
    elif cl:
        if len(cl) != 1 or not cl[0].isdigit() or not cl[0].isascii():
            raise Malformed(f"Content-Length {cl!r}")
        n = int(cl[0])
        if len(buf) < pos + n:  # a huge length is only ever a valid prefix: the bytes sent are bounded
            raise Incomplete()
        req.body, pos = bytes(buf[pos:pos + n]), pos + n
    req.size = pos
    return req, pos


@dataclass
class Response:
    status: int
    headers: list
    body: bytes


def read_responses(data, head_request=False):
    """(complete responses, complete) from the bytes a client received, 1xx included. complete is
    False when the last response is cut off or the bytes are not HTTP."""
    out, pos = [], 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            return out, False
        lines = data[pos:end].split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            return out, False
        status = int(m.group(1))
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name.strip().decode("latin-1").lower(), value.strip().decode("latin-1")))
        pos = end + 4
        hmap = dict(headers)
        body = b""
        if 100 <= status < 200 or status in (204, 304) or head_request:
            pass
        elif "chunked" in hmap.get("transfer-encoding", "").lower():
            body = bytearray()
            while True:
                eol = data.find(b"\r\n", pos)
                if eol < 0:
                    return out, False
                try:
                    size = int(data[pos:eol].split(b";")[0], 16)
                except ValueError:
                    return out, False
                pos = eol + 2
                if size == 0:
                    tail = data.find(b"\r\n\r\n", pos - 2)
                    if tail < 0:
                        return out, False
                    pos = tail + 4
                    break
                if len(data) < pos + size + 2:
                    return out, False
                body += data[pos:pos + size]
                pos += size + 2
            body = bytes(body)
        elif "content-length" in hmap:
            try:
                n = int(hmap["content-length"])
            except ValueError:
                return out, False
            if len(data) < pos + n:
                return out, False
            body, pos = data[pos:pos + n], pos + n
        else:
            body, pos = data[pos:], len(data)  # delimited by close: complete only at EOF
            out.append(Response(status, headers, body))
            return out, None
        out.append(Response(status, headers, body))
    return out, True
