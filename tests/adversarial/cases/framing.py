"""Message framing: Content-Length and Transfer-Encoding, alone, together, repeated and misspelled,
HTTP/1.0 with Transfer-Encoding, and pipelining after good and bad framing (RFC 9112 sections 6
and 9.3; contract: "Framing"). A framing the gateway cannot read exactly one way is 400 and never
forwarded; equal repeats are forwarded as one normalised Content-Length."""
from . import SMUGGLED, SMUGGLED_SECRET, chunked, get, post, table

ROWS, row = table("framing", "bad_request")
CL5 = {"content-length": ["5"]}

# Content-Length
row("cl-baseline", post(b"Content-Length: 5"), 200, body_len=5, headers_in=CL5)
row("cl-zero", post(b"Content-Length: 0", body=b""), 200, body_len=0)
row("cl-get-with-body", get(b"Content-Length: 5", body=b"hello"), 200, body_len=5)
row("cl-repeated-equal", post(b"Content-Length: 5", b"Content-Length: 5"), 200, body_len=5, headers_in=CL5)
row("cl-list-equal", post(b"Content-Length: 5, 5"), 200, body_len=5, headers_in=CL5)
row("cl-list-equal-no-space", post(b"Content-Length: 5,5"), 200, body_len=5, headers_in=CL5)
row("cl-list-and-field-equal", post(b"Content-Length: 5, 5", b"Content-Length: 5"), 200, body_len=5, headers_in=CL5)
row("cl-repeated-differ", post(b"Content-Length: 5", b"Content-Length: 6", body=b"hello!"), 400)
row("cl-list-differ", post(b"Content-Length: 5, 6", body=b"hello!"), 400)
row("cl-zero-then-five", post(b"Content-Length: 0", b"Content-Length: 5"), 400)
row("cl-differ-smuggles", post(b"Content-Length: 0", b"Content-Length: 51", body=SMUGGLED), 400, linger=1.0)
row("cl-leading-zero", post(b"Content-Length: 05"), 200, body_len=5, headers_in=CL5)
row("cl-many-leading-zeros", post(b"Content-Length: 0000000000000000000005"), 200, body_len=5, headers_in=CL5)
row("cl-zero-padded-list", post(b"Content-Length: 05, 5"), {200, 400}, body_len=5, headers_in=CL5,
    note="same decimal value, spelled differently: RFC 9110 8.6 allows either answer")
row("cl-trailing-comma", post(b"Content-Length: 5,"), {200, 400}, body_len=5, headers_in=CL5,
    note="Content-Length is 1*DIGIT, not a list; tolerating the empty element is allowed")
row("cl-plus-sign", post(b"Content-Length: +5"), 400)
row("cl-negative", post(b"Content-Length: -1"), 400)
row("cl-hex", post(b"Content-Length: 0x5"), 400)
row("cl-inner-space", post(b"Content-Length: 5 5"), 400)
row("cl-empty", post(b"Content-Length: "), 400)
row("cl-letters", post(b"Content-Length: five"), 400)
row("cl-decimal-point", post(b"Content-Length: 5.0"), 400)
row("cl-u64-overflow", post(b"Content-Length: 18446744073709551621"), {400, 413})
row("cl-over-body-limit", post(b"Content-Length: 2000000000"), 413)
row("cl-tab-ows", post(b"Content-Length:\t5\t"), 200, body_len=5, headers_in=CL5)
row("cl-vertical-tab", post(b"Content-Length: \x0b5"), 400)
row("cl-underscore-spelling", post(b"Content_Length: 5", body=b""), 200, body_len=0,
    note="not a framing field for an HTTP parser: dropped (underscore), the body is empty")

# Transfer-Encoding
row("te-baseline", chunked(b"5\r\nhello\r\n0\r\n\r\n"), 200, body_len=5)
row("te-on-get", get(b"Transfer-Encoding: chunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 200, body_len=5)
row("te-trailing-ows", post(b"Transfer-Encoding: chunked \t", body=b"5\r\nhello\r\n0\r\n\r\n"), 200, body_len=5)
row("te-uppercase", post(b"Transfer-Encoding: CHUNKED", body=b"5\r\nhello\r\n0\r\n\r\n"), {200, 400}, body_len=5,
    note="coding names are case-insensitive (RFC 9112 7); 'exactly chunked' in the contract may mean either")
row("te-chunked-twice-list", post(b"Transfer-Encoding: chunked, chunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-chunked-twice-fields", post(b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked",
                                    body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-gzip-chunked", post(b"Transfer-Encoding: gzip, chunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-chunked-gzip", post(b"Transfer-Encoding: chunked, gzip", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-identity", post(b"Transfer-Encoding: identity"), 400)
row("te-chunked-identity", post(b"Transfer-Encoding: chunked, identity", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-xchunked", post(b"Transfer-Encoding: xchunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-trailing-comma", post(b"Transfer-Encoding: chunked,", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-leading-comma", post(b"Transfer-Encoding: , chunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-quoted", post(b'Transfer-Encoding: "chunked"', body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-empty", post(b"Transfer-Encoding: ", b"Content-Length: 5"), 400)
row("te-vertical-tab", post(b"Transfer-Encoding:\x0bchunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-nul", post(b"Transfer-Encoding: chunked\x00", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("te-underscore-spelling", post(b"Transfer_Encoding: chunked", b"Content-Length: 5"), 200, body_len=5,
    note="Transfer_Encoding frames nothing for an HTTP parser: dropped, the Content-Length body goes on")

# Both: RFC 9112 6.1 says such a message is to be handled as an error on a server that forwards it.
row("cl-te", post(b"Content-Length: 5", b"Transfer-Encoding: chunked", body=b"0\r\n\r\n" + SMUGGLED), 400,
    linger=1.0)
row("te-cl", post(b"Transfer-Encoding: chunked", b"Content-Length: 4", body=b"5c\r\n" + SMUGGLED + b"\r\n0\r\n\r\n"),
    400, linger=1.0)
row("cl-te-http10", post(b"Content-Length: 5", b"Transfer-Encoding: chunked", version=b"1.0",
                         body=b"0\r\n\r\n" + SMUGGLED), 400, linger=1.0)
row("cl-te-zero", post(b"Content-Length: 0", b"Transfer-Encoding: chunked", body=b"5\r\nhello\r\n0\r\n\r\n"), 400)
row("cl-te-in-connection", post(b"Connection: Transfer-Encoding", b"Content-Length: 5", b"Transfer-Encoding: chunked",
                                body=b"0\r\n\r\n" + SMUGGLED), 400, linger=1.0)
row("cl-te-gzip", post(b"Content-Length: 5", b"Transfer-Encoding: gzip", body=b"hello"), 400)
row("cl-te-space-before-colon", post(b"Content-Length: 5", b"Transfer-Encoding : chunked",
                                     body=b"0\r\n\r\n" + SMUGGLED), 400, linger=1.0)
row("cl-te-obs-fold", post(b"Content-Length: 4", b"Transfer-Encoding:\r\n chunked", body=b"0\r\n\r\n"), 400)
row("cl-te-bare-lf", post(b"Content-Length: 5", b"Transfer-Encoding: chunked\n", body=b"0\r\n\r\n"), 400)
row("te-in-connection", post(b"Connection: Transfer-Encoding", b"Transfer-Encoding: chunked",
                             body=b"5\r\nhello\r\n0\r\n\r\n"), {200, 400}, body_len=5,
    note="a framing field named in Connection: dropping it must not unframe the body")
row("cl-in-connection", post(b"Connection: Content-Length", b"Content-Length: 5"), {200, 400}, body_len=5,
    note="a framing field named in Connection: dropping it must not unframe the body")

# HTTP/1.0: RFC 9112 6.1, contract: Transfer-Encoding on HTTP/1.0 is faulty framing.
row("http10-cl", post(b"Content-Length: 5", version=b"1.0"), 200, body_len=5)
row("http10-te", chunked(b"5\r\nhello\r\n0\r\n\r\n", version=b"1.0"), 400)
row("http10-te-keep-alive-smuggles", chunked(b"0\r\n\r\n" + SMUGGLED, b"Connection: keep-alive", version=b"1.0"), 400,
    linger=1.0)
row("http10-te-gzip", post(b"Transfer-Encoding: gzip", b"Content-Length: 5", version=b"1.0"), 400)

# Pipelining: what follows a request is the next request, never part of this one, and nothing
# follows a refused one.
row("pipeline-two", get() + get(), 200, seen=2, linger=1.0)
row("pipeline-after-body", post(b"Content-Length: 5", body=b"hello" + SMUGGLED_SECRET), 200, seen=1, linger=1.0)
row("pipeline-after-empty-body", post(b"Content-Length: 0", body=SMUGGLED), 200, seen=2, linger=1.0)
row("pipeline-after-chunked", chunked(b"5\r\nhello\r\n0\r\n\r\n" + SMUGGLED), 200, seen=2, linger=1.0)
row("pipeline-after-close", get(b"Connection: close") + SMUGGLED, 200, seen=1, linger=1.0)
row("pipeline-after-http10", get(version=b"1.0") + SMUGGLED, 200, seen=1, linger=1.0)
row("pipeline-after-bad-cl", post(b"Content-Length: 5, 6", body=b"hello!" + SMUGGLED), 400, linger=1.0)
row("pipeline-after-bad-te", post(b"Transfer-Encoding: gzip, chunked", body=b"0\r\n\r\n" + SMUGGLED), 400, linger=1.0)
row("pipeline-after-bad-chunk", chunked(b"Z\r\nhello\r\n0\r\n\r\n" + SMUGGLED), 400, may_truncate=True, linger=1.0)
row("pipeline-after-bad-request-line", b"GET  /echo HTTP/1.1\r\nHost: gw.test\r\n\r\n" + SMUGGLED, 400, linger=1.0)
row("pipeline-after-bad-host", get(host=b"Host: a b\r\n") + SMUGGLED, 400, reason="bad_host", linger=1.0)
row("pipeline-secret-after-good", get() + SMUGGLED_SECRET, 200, seen=1, linger=1.0)
row("expect-continue", post(b"Expect: 100-continue", b"Content-Length: 5"), 200, body_len=5)
row("expect-continue-cl-te", post(b"Expect: 100-continue", b"Content-Length: 5", b"Transfer-Encoding: chunked",
                                  body=b"0\r\n\r\n" + SMUGGLED), 400, linger=1.0)
