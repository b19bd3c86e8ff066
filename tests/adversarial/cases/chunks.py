"""Chunked bodies (RFC 9112 7.1): chunk sizes with leading zeros, signs, prefixes and overflow,
chunk extensions well and badly formed, chunk data that disagrees with its size, and line ends
that are not CRLF (the "funky chunks" family, where a proxy and a backend end a chunk at different
bytes). Contract: bad chunking is 400 bad_request. The head was valid, so a streaming gateway may
already have sent it on: the backend may see a cut-off request (may_truncate), never a second one.
"""
from . import SMUGGLED, SMUGGLED_SECRET, chunked, table

ROWS, row = table("chunked", "bad_request")
BAD = dict(may_truncate=True, linger=0.5)
LAST = b"0\r\n\r\n"

row("two-chunks", chunked(b"2\r\nhe\r\n3\r\nllo\r\n" + LAST), 200, body_len=5)
row("leading-zeros", chunked(b"0005\r\nhello\r\n" + LAST), 200, body_len=5)
row("thousand-leading-zeros", chunked(b"0" * 1000 + b"5\r\nhello\r\n" + LAST), 200, body_len=5)
row("last-chunk-leading-zeros", chunked(b"5\r\nhello\r\n000\r\n\r\n"), 200, body_len=5)
row("hex-uppercase", chunked(b"A\r\n0123456789\r\n" + LAST), 200, body_len=10)
row("hex-lowercase", chunked(b"a\r\n0123456789\r\n" + LAST), 200, body_len=10)
row("data-looks-like-request", chunked(b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n" + LAST), 200,
    body_len=len(SMUGGLED), note="a request inside chunk data is data")
row("size-0x-prefix", chunked(b"0x5\r\nhello\r\n" + LAST), 400, **BAD)
row("size-negative", chunked(b"-5\r\nhello\r\n" + LAST), 400, **BAD)
row("size-plus", chunked(b"+5\r\nhello\r\n" + LAST), 400, **BAD)
row("size-empty", chunked(b"\r\nhello\r\n" + LAST), 400, **BAD)
row("size-not-hex", chunked(b"5g\r\nhello\r\n" + LAST), 400, **BAD)
row("size-underscore", chunked(b"0_5\r\nhello\r\n" + LAST), 400, **BAD)
row("size-overflow", chunked(b"1" + b"0" * 16 + b"5\r\nhello\r\n" + LAST), 400, **BAD,
    note="17 hex digits do not fit 64 bits; a parser that wraps reads 5")
row("size-max-u64", chunked(b"FFFFFFFFFFFFFFFF\r\nhello\r\n" + LAST), {400, 413}, **BAD)
row("size-trailing-space", chunked(b"5 \r\nhello\r\n" + LAST), 400, **BAD)
row("size-leading-space", chunked(b" 5\r\nhello\r\n" + LAST), 400, **BAD)
row("size-trailing-tab", chunked(b"5\t\r\nhello\r\n" + LAST), 400, **BAD)
row("ext-simple", chunked(b"5;foo=bar\r\nhello\r\n" + LAST), 200, body_len=5)
row("ext-name-only", chunked(b"5;foo\r\nhello\r\n" + LAST), 200, body_len=5)
row("ext-quoted", chunked(b'5;foo="a b;c"\r\nhello\r\n' + LAST), 200, body_len=5)
row("ext-several", chunked(b"5;a=1;b=2;c\r\nhello\r\n" + LAST), 200, body_len=5)
row("ext-bws", chunked(b"5 ; foo = bar\r\nhello\r\n" + LAST), {200, 400}, body_len=5,
    note="RFC 9112 7.1.1 allows BWS around ';' and '='; refusing it is safe")
row("ext-on-last-chunk", chunked(b"5\r\nhello\r\n0;done=1\r\n\r\n"), 200, body_len=5)
row("ext-no-name", chunked(b"5;\r\nhello\r\n" + LAST), 400, **BAD)
row("ext-bare-lf", chunked(b"5;a\nb\r\nhello\r\n" + LAST), 400, **BAD)
row("ext-bare-cr", chunked(b"5;a\rb\r\nhello\r\n" + LAST), 400, **BAD)
row("ext-nul", chunked(b"5;a=\x00\r\nhello\r\n" + LAST), 400, **BAD)
row("ext-unterminated-quote", chunked(b'5;a="x\r\nhello\r\n' + LAST), 400, **BAD)
row("ext-lf-smuggles", chunked(b"2;\nxx\r\n45\r\n0\r\n\r\n" + SMUGGLED + b"\r\n" + LAST), 400, **BAD)
row("data-longer-than-size", chunked(b"5\r\nhelloX\r\n" + LAST), 400, **BAD)
row("data-shorter-than-size", chunked(b"5\r\nhell\r\n" + LAST), 400, **BAD)
row("data-without-crlf", chunked(b"5\r\nhello0\r\n\r\n"), 400, **BAD)
row("data-then-bare-lf", chunked(b"5\r\nhello\n" + LAST), 400, **BAD)
row("data-then-bare-cr", chunked(b"5\r\nhello\r" + LAST), 400, **BAD)
row("size-line-bare-lf", chunked(b"5\nhello\r\n" + LAST), 400, **BAD)
row("last-chunk-bare-lf", chunked(b"5\r\nhello\r\n0\n\n"), 400, **BAD)
row("bare-lf-smuggles", chunked(b"5\nhello\n0\n\n" + SMUGGLED), 400, **BAD)
row("data-then-smuggled-chunk", chunked(b"3\r\nhello\r\n" + LAST + SMUGGLED), 400, **BAD,
    note="5 bytes after a size of 3: the 'lo' must not start a new chunk or request")
row("no-last-chunk", chunked(b"5\r\nhello\r\n"), 408, **BAD, timeout=6.0,
    note="the client stalls before the last chunk: body_timeout (2s in the suite config)")
row("no-final-crlf", chunked(b"5\r\nhello\r\n0\r\n"), {400, 408}, **BAD, timeout=6.0,
    note="the client stalls before the empty line that ends the trailer section")
row("then-pipelined-secret", chunked(b"5\r\nhello\r\n" + LAST + SMUGGLED_SECRET), 200, seen=1, linger=1.0)
