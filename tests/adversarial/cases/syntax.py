"""Message syntax a lenient server might read differently from a strict one (RFC 9112 sections 2.2,
3 and 5): bare CR and LF, obs-fold, whitespace before the colon, control bytes, odd request lines.
Where the RFC lets a recipient either refuse or repair (bare LF as a line end, obs-fold and bare
CR replaced by SP), both answers are accepted: what matters is that the backend then gets one
clean message, with no identity smuggled through the repair."""
from . import get, table

ROWS, row = table("syntax", "bad_request")
REPAIRABLE = {200, 400}

row("bare-lf-line-ends", b"GET /echo HTTP/1.1\nHost: gw.test\n\n", REPAIRABLE,
    note="RFC 9112 2.2: a recipient MAY accept LF alone as a line terminator")
row("bare-lf-one-header", b"GET /echo HTTP/1.1\r\nHost: gw.test\nX-Foo: 1\r\n\r\n", REPAIRABLE)
row("bare-lf-injects-identity", get(b"X-Foo: a\nX-User-Id: forged-admin"), REPAIRABLE)
row("bare-lf-injects-namespace", get(b"X-Foo: a\nX-Cutover-User: forged-admin"), REPAIRABLE)
row("bare-cr-in-value", get(b"X-Foo: a\rb"), REPAIRABLE, note="RFC 9112 2.2: reject, or replace each bare CR with SP")
row("bare-cr-injects-identity", get(b"X-Foo: a\rX-User-Id: forged-admin"), REPAIRABLE)
row("bare-cr-line-end", b"GET /echo HTTP/1.1\r\nHost: gw.test\rX-User-Id: forged-admin\r\n\r\n", REPAIRABLE)
row("bare-cr-request-line", b"GET /echo HTTP/1.1\rHost: gw.test\r\n\r\n", 400)
row("obs-fold-value", get(b"X-Foo: a", b" b"), REPAIRABLE, note="RFC 9112 5.2: reject, or replace obs-fold with SP")
row("obs-fold-tab", get(b"X-Foo: a", b"\tb"), REPAIRABLE)
row("obs-fold-hides-identity", get(b"X-Foo: a", b" X-User-Id: forged-admin"), REPAIRABLE)
row("obs-fold-continues-identity", get(b"X-User-Id: forged-admin", b" more"), REPAIRABLE)
row("obs-fold-first-line", b"GET /echo HTTP/1.1\r\n X-User-Id: forged-admin\r\nHost: gw.test\r\n\r\n", REPAIRABLE,
    note="RFC 9112 2.2: whitespace before the first field line: reject, or ignore that line")
row("space-before-colon-identity", get(b"X-User-Id : forged-admin"), 400, note="RFC 9112 5.1: MUST be 400")
row("tab-before-colon-identity", get(b"X-User-Id\t: forged-admin"), 400)
row("space-before-colon-host", b"GET /echo HTTP/1.1\r\nHost : gw.test\r\n\r\n", 400)
row("space-before-colon-plain", get(b"X-Foo : 1"), 400)
row("space-in-name", get(b"X User Id: forged-admin"), 400)
row("empty-name", get(b": forged-admin"), 400)
row("no-colon", get(b"X-User-Id forged-admin"), 400)
row("nul-in-value", get(b"X-Foo: a\x00b"), 400)
row("nul-in-name", get(b"X-User-Id\x00: forged-admin"), 400)
row("del-in-value", get(b"X-Foo: a\x7fb"), 400, note="DEL is not a field-vchar (RFC 9110 5.5)")
row("nonascii-name", get(b"X-F\xc3\xb6o: 1"), 400)
row("ctl-in-value", get(b"X-Foo: a\x01b"), 400)
row("request-line-double-space", b"GET  /echo HTTP/1.1\r\nHost: gw.test\r\n\r\n", 400)
row("request-line-tab", b"GET\t/echo HTTP/1.1\r\nHost: gw.test\r\n\r\n", 400)
row("request-line-trailing-space", b"GET /echo HTTP/1.1 \r\nHost: gw.test\r\n\r\n", 400)
row("request-line-lowercase-version", b"GET /echo http/1.1\r\nHost: gw.test\r\n\r\n", 400)
row("request-line-http2", b"GET /echo HTTP/2.0\r\nHost: gw.test\r\n\r\n", {400, 505})
row("request-line-http09", b"GET /echo\r\n\r\n", 400)
row("request-line-no-target", b"GET HTTP/1.1\r\nHost: gw.test\r\n\r\n", 400)
row("request-line-space-in-target", b"GET /secret /treasure HTTP/1.1\r\nHost: gw.test\r\n\r\n", 400)
row("method-nonascii", b"G\xc3\x89T /echo HTTP/1.1\r\nHost: gw.test\r\n\r\n", 400)
row("leading-empty-line", b"\r\nGET /echo HTTP/1.1\r\nHost: gw.test\r\n\r\n", {200, 400},
    note="RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line")
