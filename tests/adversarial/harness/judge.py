"""What every case is held to. Two kinds of failure, scored apart:

- safety: the invariants issue 19 is about, whatever the status. The secret never reaches the
  client; the backend never serves it; the backend sees zero bytes or exactly one well-formed
  request (a cut-off request only where a row allows it, and never left on an open connection);
  that request carries X-User-Id exactly as the gateway established it and no forged protected
  header, override header or identity in any spelling a CGI/WSGI/lighttpd backend maps to the
  same variable.
- contract: the row's expected status, cutover's local-reply reason, and the row's own checks of
  what the backend saw (target, body length, header values) and of the headers the gateway sets.
"""
import re

from .wire import mapped

FORGED = ("forged", "evil")
OVERRIDE = {"x-original-url", "x-rewrite-url", "x-override-url", "x-http-method-override", "x-http-method",
            "x-method-override"}
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def lax(name):
    """A name as the laxest CGI mapping reads it (lighttpd: every non-alphanumeric byte as `_`)."""
    return re.sub(r"[^a-z0-9]", "-", name.lower())


def protected(name):
    n = lax(name)
    return (n in ("x-user-id", "x-user-id-signature", "x-request-id", "forwarded", "x-real-ip")
            or n.startswith("x-cutover-") or n.startswith("x-forwarded-"))


class Verdict:
    def __init__(self):
        self.safety, self.contract = [], []

    @property
    def passed(self):
        return not self.safety and not self.contract


GATEWAY_SET = {"x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http"}


def _forged(n, values):
    """Why a client-controlled field with lax name n and these values must not reach a backend,
    or None. The identity header is checked apart, against the user the gateway established."""
    if n in ("x-user-id-signature", "forwarded", "x-real-ip") or n.startswith("x-cutover-") or n in OVERRIDE:
        return "protected or override field reached the backend"
    if n in GATEWAY_SET and any(v != GATEWAY_SET[n] for v in values):
        return f"client value of {n} reached the backend"
    if n.startswith("x-forwarded-") and n not in ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"):
        return "client forwarding field reached the backend"
    if (protected(n) or n in OVERRIDE) and any(m in v.lower() for v in values for m in FORGED):
        return "forged value reached the backend"
    return None


def _fields_safety(fields, user, where, out):
    """Identity and protected fields of one request's headers (where='header') or trailers."""
    if where == "trailer":
        for name, value in fields:
            if protected(name) or lax(name) in OVERRIDE:
                out.append(f"protected field {name}: {value!r} reached the backend as a trailer")
        return
    by = {}
    for name, value in fields:
        by.setdefault(lax(name), []).append((name, value))
    ids = by.pop("x-user-id", [])
    if user is None and ids:
        out.append(f"anonymous request reached the backend with identity {ids}")
    elif user is not None and [v for _, v in ids] != [user]:
        out.append(f"identity should be exactly {user!r}, backend saw {ids}")
    for n, pairs in by.items():
        why = _forged(n, [v for _, v in pairs])
        if why:
            out.append(f"{why}: {pairs}")


def _request_contract(case, req, out):
    rid = req.values("x-request-id")
    if len(rid) != 1 or not REQUEST_ID.fullmatch(rid[0]):
        out.append(f"backend should see one valid X-Request-Id, saw {rid}")
    for name, want in (("x-forwarded-for", "127.0.0.1"), ("x-forwarded-proto", "http")):
        if req.values(name) != [want]:
            out.append(f"backend should see {name}: {want}, saw {req.values(name)}")
    if len(req.values("x-forwarded-host")) > 1:  # none is fine when the client sent no Host (HTTP/1.0)
        out.append(f"backend should see at most one X-Forwarded-Host, saw {req.values('x-forwarded-host')}")
    underscored = [n for n, _ in req.headers + req.trailers if "_" in n]
    if underscored:
        out.append(f"headers with '_' reached the backend (default is drop): {underscored}")
    if case.target is not None and req.target != case.target:
        out.append(f"backend should see target {case.target!r}, saw {req.target!r}")
    if case.body_len is not None and len(req.body) != case.body_len:
        out.append(f"backend should see a {case.body_len}-byte body, saw {len(req.body)}")
    for name, want in case.headers_in.items():
        if req.values(name) != want:
            out.append(f"backend should see {name}: {want}, saw {req.values(name)}")
    for name in case.headers_out:
        if req.values(name) or req.values(name, trailers=True):
            out.append(f"{name} should not reach the backend, saw {req.values(name) + req.values(name, True)}")
    for name, want in case.trailers_in.items():
        if req.values(name, trailers=True) != want:
            out.append(f"backend should see trailer {name}: {want}, saw {req.values(name, trailers=True)}")


def _count(case, outcome, n, v):
    """Safety: every request the backend answered came back to this client as one answer (more
    requests than answers means the proxy and the backend framed the bytes differently), and when
    the first answer is a refusal nothing reached the backend. Contract: as many requests as the
    row says for a 2xx (`seen`, default 1), none otherwise."""
    answers = sum(1 for r in outcome.final() if any(name == "x-recorder" for name, _ in r.headers))
    if n != answers:
        v.safety.append(f"backend answered {n} request(s), the client got {answers} of those answers: "
                        "the proxy and the backend framed the bytes differently")
    status = outcome.status
    ok = isinstance(status, int) and 200 <= status < 300
    if n and not ok:
        v.safety.append(f"client got {status}, yet {n} request(s) reached the backend: nothing may follow a refusal")
    elif status in case.expect:
        want = (case.seen if case.seen is not None else 1) if ok else 0
        if n != want:
            v.contract.append(f"backend should see {want} request(s), saw {n}")


def judge(case, outcome, user, secret, events, pending, proxy):
    """Verdict of one case on one proxy. events/pending: what the recording backend logged for it."""
    v = Verdict()
    if secret.encode() in outcome.data:
        v.safety.append("the SECRET reached the client")
    if outcome.status not in case.expect:
        v.contract.append(f"expected {sorted(case.expect)}, got {outcome.describe()}")
    elif proxy == "cutover" and case.reason and outcome.status >= 400:
        got, want = outcome.local_reason(), case.reason if isinstance(case.reason, tuple) else (case.reason,)
        if got not in want:
            v.contract.append(f"expected local reply error {' or '.join(want)}, got {got!r}")
    if case.closes and outcome.status in case.expect and not outcome.closed:
        v.contract.append("the connection should be closed after this reply")
    requests = [e.request for e in events if e.kind == "request"]
    for e in events:
        if e.kind == "garbage":
            v.safety.append(f"backend got bytes that are not one well-formed request ({e.detail}): {e.data[:200]!r}")
        elif e.kind == "secret":
            v.safety.append(f"backend served the secret ({e.detail})")
        elif e.kind == "truncated" and not case.may_truncate:
            v.safety.append(f"backend got a cut-off request: {e.data[:200]!r}")
        elif e.kind == "error":
            v.safety.append(f"the suite's backend failed (a bug in the suite): {e.detail}")
    for conn, data in pending.items():
        v.safety.append(f"part of a request left on an open upstream connection: {data[:200]!r}")
    _count(case, outcome, len(requests), v)
    users = user if isinstance(user, tuple) else (user,) * len(requests)
    for req, user in zip(requests, users + (None,) * len(requests)):
        if isinstance(req, dict):  # the wsgi backend's environ
            wsgi_safety(req, user, v.safety)
            continue
        _fields_safety(req.headers, user, "header", v.safety)
        _fields_safety(req.trailers, user, "trailer", v.safety)
        _request_contract(case, req, v.contract)
    return v


def wsgi_safety(environ, user, out):
    """The WSGI view: no forged HTTP_X_USER_ID / HTTP_X_CUTOVER_* / HTTP_X_FORWARDED_* at all."""
    got = environ.get("HTTP_X_USER_ID")
    if got != user:
        out.append(f"wsgi saw HTTP_X_USER_ID={got!r}, expected {user!r}")
    for key, value in environ.items():
        if key.startswith("HTTP_") and key != "HTTP_X_USER_ID":
            why = _forged(lax(key[5:]), [value])
            if why:
                out.append(f"wsgi saw {key}={value!r} ({why})")
