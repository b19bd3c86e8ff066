"""Request trailers (RFC 9110 6.5, RFC 9112 7.1.2). Contract ("Framing"): trailers go on to the
backend, minus protected names in any spelling, hop-by-hop and framing fields, fields not allowed
in trailers, and any name with `_`. A protected name in a trailer is the same forgery as in the
header: a backend that merges trailers into its headers would read it as the gateway's."""
from . import AUTH, chunked, table

ROWS, row = table("trailers", "bad_request")
BODY = b"5\r\nhello\r\n0\r\n"


def with_trailers(*lines, head=()):
    return chunked(BODY + b"".join(line + b"\r\n" for line in lines) + b"\r\n", *head)


NONE = []
row("plain", with_trailers(b"X-Checksum: abc"), 200, body_len=5, trailers_in={"x-checksum": ["abc"]})
row("two", with_trailers(b"X-A: 1", b"X-B: 2"), 200, trailers_in={"x-a": ["1"], "x-b": ["2"]})
row("declared", with_trailers(b"X-A: 1", head=(b"Trailer: X-A",)), 200, trailers_in={"x-a": ["1"]})
row("identity", with_trailers(b"X-User-Id: forged-admin"), 200)
row("identity-with-token", with_trailers(b"X-User-Id: forged-admin", head=(AUTH[:-2],)), 200)
row("identity-underscore", with_trailers(b"X_User_Id: forged-admin"), 200)
row("identity-lowercase", with_trailers(b"x-user-id: forged-admin"), 200)
row("identity-mixed", with_trailers(b"X-User_Id: forged-admin", head=(AUTH[:-2],)), 200)
row("signature", with_trailers(b"X-User-Id-Signature: t=1,v1=forged"), 200)
row("namespace", with_trailers(b"X-Cutover-User: forged-admin"), 200)
row("namespace-underscore", with_trailers(b"X_Cutover_Route: forged"), 200)
row("forwarded-for", with_trailers(b"X-Forwarded-For: 6.6.6.6"), 200)
row("forwarded-host-underscore", with_trailers(b"X_Forwarded_Host: evil.test"), 200)
row("forwarded", with_trailers(b"Forwarded: for=6.6.6.6;host=evil.test"), 200)
row("real-ip", with_trailers(b"X-Real-IP: 6.6.6.6"), 200)
row("request-id", with_trailers(b"X-Request-Id: forged-id"), 200)
row("override-url", with_trailers(b"X-Original-URL: /secret/treasure"), 200)
FRAMING_NOTE = "the contract drops framing fields from trailers; refusing the message (Beast does) is as safe"
row("content-length", with_trailers(b"Content-Length: 0"), {200, 400}, trailers_in={"content-length": NONE},
    may_truncate=True, note=FRAMING_NOTE)
row("transfer-encoding", with_trailers(b"Transfer-Encoding: chunked"), {200, 400},
    trailers_in={"transfer-encoding": NONE}, may_truncate=True, note=FRAMING_NOTE)
row("host", with_trailers(b"Host: evil.test"), 200, trailers_in={"host": NONE})
row("trailer", with_trailers(b"Trailer: X-A"), 200, trailers_in={"trailer": NONE})
row("authorization", with_trailers(b"Authorization: Bearer {TOKEN}"), 200, trailers_in={"authorization": NONE},
    user=None, note="a token in a trailer must not establish a user: identity comes from the header only")
row("cookie", with_trailers(b"Cookie: session_jwt={TOKEN}"), 200, trailers_in={"cookie": NONE}, user=None)
row("content-type", with_trailers(b"Content-Type: text/html"), 200, trailers_in={"content-type": NONE})
row("connection", with_trailers(b"Connection: close"), 200, trailers_in={"connection": NONE})
row("te", with_trailers(b"TE: trailers"), 200, trailers_in={"te": NONE})
row("expect", with_trailers(b"Expect: 100-continue"), 200, trailers_in={"expect": NONE})
row("if-match", with_trailers(b"If-Match: *"), 200, trailers_in={"if-match": NONE})
row("range", with_trailers(b"Range: bytes=0-1"), 200, trailers_in={"range": NONE})
row("underscore", with_trailers(b"X_Checksum: abc"), 200)
row("obs-fold", with_trailers(b"X-A: 1", b" 2"), {200, 400}, may_truncate=True)
row("space-before-colon", with_trailers(b"X-A : 1"), 400, may_truncate=True)
row("bare-lf", chunked(BODY + b"X-A: 1\n\r\n"), 400, may_truncate=True)
row("no-colon", with_trailers(b"X-A"), 400, may_truncate=True)
row("nul", with_trailers(b"X-A: 1\x002"), 400, may_truncate=True)
row("request-line-as-trailer", chunked(BODY + b"GET /smuggled HTTP/1.1\r\n\r\n"), 400, may_truncate=True)
