"""Host (RFC 9112 3.2, RFC 3986 3.2.2; contract: bad_host). Exactly one Host on HTTP/1.1; a
reg-name of letters, digits and `-._~`, an IPv4 address or a bracketed IPv6 address, with an
optional port of digits up to 65535; an absolute-form target's authority must agree with it after
normalising both (lowercase, no trailing dot, :80 dropped). Anything else is 400 bad_host: a Host
with `/` or `@` in it is how a backend that rebuilds its URL from Host is walked to /secret."""
from . import get, table

ROWS, row = table("host", "bad_host")


def host(value, **kw):
    return get(host=b"Host: " + value + b"\r\n", **kw)


def absolute(target, host_line=b"Host: gw.test\r\n"):
    return b"GET " + target + b" HTTP/1.1\r\n" + host_line + b"\r\n"


row("plain", host(b"gw.test"), 200)
row("missing-http11", b"GET /echo HTTP/1.1\r\n\r\n", 400)
row("missing-http10", b"GET /echo HTTP/1.0\r\n\r\n", 200)
row("repeated-same", get(b"Host: gw.test"), 400)
row("repeated-differ", get(b"Host: evil.test"), 400)
row("repeated-case", get(b"host: GW.TEST"), 400)
row("repeated-http10", host(b"gw.test", version=b"1.0") .replace(b"\r\n\r\n", b"\r\nHost: evil.test\r\n\r\n"), 400)
row("empty", host(b""), 400, note="RFC 9112 3.2 allows an empty Host only for a target without authority")
row("only-port", host(b":80"), 400)
row("space-inside", host(b"a b"), 400)
row("tab-inside", host(b"gw\t.test"), 400)
row("slash", host(b"x/secret/treasure"), 400)
row("slash-then-path", host(b"gw.test/secret"), 400)
row("backslash", host(b"gw.test\\secret"), 400)
row("at-port-userinfo", host(b"evil.test:80@gw.test"), 400)
row("userinfo", host(b"bob@gw.test"), 400)
row("percent-encoded", host(b"gw%2etest"), 400)
row("query", host(b"gw.test?x=1"), 400)
row("fragment", host(b"gw.test#x"), 400)
row("comma-list", host(b"gw.test, evil.test"), 400)
row("sub-delim-bang", host(b"gw!test"), 400)
row("sub-delim-semicolon", host(b"gw.test;evil"), 400)
row("non-ascii", host(b"g\xc3\xa9.test"), 400)
row("nul", host(b"gw.test\x00evil"), 400, reason=None, note="a NUL is malformed HTTP before it is a bad host")
row("underscore", host(b"gw_test"), 200)
row("tilde", host(b"gw~test"), 200)
row("uppercase", host(b"GW.TEST"), 200)
row("trailing-dot", host(b"gw.test."), 200)
row("ows-around", host(b"  gw.test \t"), 200)
row("port", host(b"gw.test:8080"), 200)
row("port-max", host(b"gw.test:65535"), 200)
row("port-leading-zeros", host(b"gw.test:00080"), 200)
row("port-too-big", host(b"gw.test:65536"), 400)
row("port-huge", host(b"gw.test:99999999999999999999"), 400)
row("port-letters", host(b"gw.test:http"), 400)
row("port-negative", host(b"gw.test:-1"), 400)
row("port-plus", host(b"gw.test:+80"), 400)
row("port-twice", host(b"gw.test:80:80"), 400)
row("port-empty", host(b"gw.test:"), {200, 400},
    note="RFC 3986 allows an empty port; the contract says 'port digits only' and does not say whether none is fine")
row("ipv4", host(b"127.0.0.1"), 200)
row("ipv4-port", host(b"127.0.0.1:8080"), 200)
row("ipv6", host(b"[::1]"), 200)
row("ipv6-port", host(b"[::1]:8080"), 200)
row("ipv6-mapped-ipv4", host(b"[::ffff:127.0.0.1]"), 200)
row("ipv6-unbracketed", host(b"::1"), 400)
row("ipv6-unclosed", host(b"[::1"), 400)
row("ipv6-junk-after", host(b"[::1]x"), 400)
row("ipv6-not-hex", host(b"[::g]"), 400)
row("ipv6-zone", host(b"[fe80::1%25eth0]"), 400)
row("ipv6-userinfo", host(b"[::1]@evil.test"), 400)
row("ipvfuture", host(b"[v1.x]"), 400)
row("absolute-agrees", absolute(b"http://gw.test/echo"), 200)
row("absolute-agrees-normalised", absolute(b"http://GW.TEST.:80/echo"), 200)
row("absolute-agrees-host-normalised", absolute(b"http://gw.test/echo", b"Host: GW.test.:80\r\n"), 200)
row("absolute-differs", absolute(b"http://evil.test/echo"), 400)
row("absolute-port-differs", absolute(b"http://gw.test:81/echo"), 400)
row("absolute-userinfo", absolute(b"http://bob@gw.test/echo"), 400)
row("absolute-no-host", absolute(b"http://gw.test/echo", b""), 400)
row("absolute-empty-host", absolute(b"http://gw.test/echo", b"Host: \r\n"), 400)
row("absolute-routes-secret", absolute(b"http://gw.test/secret/treasure"), 403)
row("absolute-routes-dotted-secret", absolute(b"http://gw.test/echo/../secret/treasure"), 403)
row("absolute-bad-authority", absolute(b"http://gw.test@evil.test/echo"), 400)
row("absolute-https", absolute(b"https://gw.test/echo"), {200, 400},
    note="the contract only defines the http default port; an https target on a plain listener is not covered")
