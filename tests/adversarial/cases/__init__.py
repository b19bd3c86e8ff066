"""The case table: one row per case, split by class into the modules below.

A row is `row(name, raw bytes, expected statuses, ...)`. The expected statuses come from the
behaviour contract of issue 19 (`issues show 19`) and from RFC 9112/9110 where the
contract defers to them. What the backend may see follows from the status unless a row says more:
a 2xx means exactly one well-formed request reached it (`seen` for pipelined rows), a refusal
means zero bytes. Every case is also held to the invariants in harness/judge.py (identity,
protected headers, the secret, one answer per request the backend saw).

Placeholders in raw bytes: {TOKEN}, {TOKEN_EXPIRED}, ... (harness/tokens.py) become JWTs.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    raw: bytes
    expect: frozenset
    reason: str = None        # cutover's JSON `error` for a local reply, or a tuple of them (cutover only)
    seen: int = None          # requests the backend must see after a 2xx (default 1); after a refusal: 0
    may_truncate: bool = False  # bad framing found mid-body: a cut-off request on a closed connection is fine
    target: str = None        # the exact request-target the backend must see
    body_len: int = None      # the body length the backend must see
    headers_in: dict = field(default_factory=dict)   # mapped name -> exact list of values at the backend
    headers_out: tuple = ()   # mapped names that must not reach the backend
    trailers_in: dict = field(default_factory=dict)  # mapped name -> exact list of trailer values
    timeout: float = 3.0      # the client's deadline for the first response
    linger: float = 0.25      # how long to keep reading after it (answers to smuggled requests)
    closes: bool = False      # the proxy must close the connection after its reply
    gap: str = None           # the contract is silent or questionable here: reported, never fails the run
    backend: str = "recorder"  # or "wsgi": the wsgiref app that answers with its HTTP_* environ
    note: str = ""            # why this row expects what it does, when that is not obvious
    user: str = "auto"        # the identity the backend must see (auto: from the token; a tuple: per request)

    def __post_init__(self):
        if isinstance(self.expect, int):
            object.__setattr__(self, "expect", frozenset([self.expect]))
        else:
            object.__setattr__(self, "expect", frozenset(self.expect))


LOCAL_REASONS = {401: "unauthorized", 403: "route_return", 404: "no_route", 408: "client_timeout",
                 413: "body_too_large", 431: "header_too_large"}


def table(cls, default_400):
    """A row factory for one class: `row(name, raw, expect, **fields)`. default_400 is the reason a
    400 of this class carries unless the row says otherwise."""
    rows = []

    def row(name, raw, expect, **kw):
        statuses = {expect} if isinstance(expect, int) else set(expect)
        if "reason" not in kw:
            local = [s for s in statuses if s == 400 or s in LOCAL_REASONS]
            if len(local) == 1 and not any(200 <= s < 300 for s in statuses):
                kw["reason"] = default_400 if local[0] == 400 else LOCAL_REASONS[local[0]]
        rows.append(Case(name=f"{cls}/{name}", cls=cls, raw=raw, expect=frozenset(statuses), **kw))
    return rows, row


H = b"Host: gw.test\r\n"
AUTH = b"Authorization: Bearer {TOKEN}\r\n"


def get(*fields, target=b"/echo", method=b"GET", version=b"1.1", host=H, body=b""):
    """A request with the given header lines (each without CRLF) after Host."""
    head = method + b" " + target + b" HTTP/" + version + b"\r\n" + host
    return head + b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body


def post(*fields, body=b"hello", target=b"/echo", version=b"1.1"):
    """A POST with the given header lines and body (the lines carry the framing)."""
    return get(*fields, target=target, method=b"POST", version=version, body=body)


# A request that must never reach the backend as a request of its own when it rides in a body.
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: gw.test\r\nX-User-Id: forged-admin\r\n\r\n"
SMUGGLED_SECRET = b"GET /secret/treasure HTTP/1.1\r\nHost: gw.test\r\n\r\n"


def chunked(body_bytes, *fields, target=b"/echo", version=b"1.1"):
    """A POST with `Transfer-Encoding: chunked` and the given raw chunked body."""
    return get(b"Transfer-Encoding: chunked", *fields, target=target, method=b"POST", version=version,
               body=body_bytes)


def load():
    from . import (framing, syntax, chunks, trailers, protected, identity, host, paths, overrides, oversize, wsgi)
    cases = []
    for module in (framing, syntax, chunks, trailers, protected, identity, host, paths, overrides, oversize, wsgi):
        cases += module.ROWS
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"duplicate case names: {sorted(dup)}")
    return cases
