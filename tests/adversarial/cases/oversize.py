"""Oversized framing elements (contract: "Framing", issue 19 point 3): every byte a client sends
counts against a limit. The request header over max_header_bytes (64 KiB by default) is 431; a
chunk line (size digits, leading zeros included, plus extensions) over 4096 bytes is 400; a trailer
section over max_header_bytes is 431; the last two close the connection after the reply (`closes`).
The big rows send up to 4 MiB: a gateway that answers early must still be heard (harness/client)."""
from . import SMUGGLED, chunked, get, table

ROWS, row = table("oversize", "bad_request")
KIB = 1024
BODY = b"5\r\nhello\r\n0\r\n"


def chunk_line(length):
    """A chunk line of exactly `length` bytes before its CRLF: '5;x=' and padding."""
    return b"5;x=" + b"a" * (length - 4)


row("header-line-under-limit", get(b"X-Big: " + b"a" * (60 * KIB)), 200)
row("header-line-over-limit", get(b"X-Big: " + b"a" * (70 * KIB)), 431)
row("header-line-over-limit-http10", get(b"X-Big: " + b"a" * (70 * KIB), version=b"1.0"), 431)
row("header-name-over-limit", get(b"X-" + b"a" * (70 * KIB) + b": 1"), 431)
row("header-fields-over-limit", get(*[b"X-F%d: " % i + b"a" * 1000 for i in range(100)]), 431)
row("header-identity-over-limit", get(b"X_User_Id: forged-admin", b"X-Big: " + b"a" * (70 * KIB)), 431)
row("header-over-limit-smuggles", get(b"X-Big: " + b"a" * (70 * KIB)) + SMUGGLED, 431, linger=1.0)
row("header-1mib", get(b"X-Big: " + b"a" * (1024 * KIB)), 431)
row("target-over-limit", get(target=b"/echo?q=" + b"a" * (70 * KIB)), {414, 431})
row("chunk-ext-4000", chunked(chunk_line(4000) + b"\r\nhello\r\n0\r\n\r\n"), 200, body_len=5)
row("chunk-line-4096", chunked(chunk_line(4096) + b"\r\nhello\r\n0\r\n\r\n"), 200, body_len=5)
row("chunk-line-4097", chunked(chunk_line(4097) + b"\r\nhello\r\n0\r\n\r\n"), 400, may_truncate=True, closes=True)
row("chunk-ext-64kib", chunked(chunk_line(64 * KIB) + b"\r\nhello\r\n0\r\n\r\n"), 400, may_truncate=True,
    closes=True)
row("chunk-ext-4mib", chunked(chunk_line(4096 * KIB) + b"\r\nhello\r\n0\r\n\r\n"), 400, may_truncate=True,
    closes=True, timeout=6.0)
row("chunk-ext-second-chunk", chunked(b"2\r\nhe\r\n" + b"3;x=" + b"a" * (8 * KIB) + b"\r\nllo\r\n0\r\n\r\n"), 400,
    may_truncate=True, closes=True)
row("leading-zeros-4000", chunked(b"0" * 4000 + b"5\r\nhello\r\n0\r\n\r\n"), 200, body_len=5)
row("leading-zeros-5000", chunked(b"0" * 5000 + b"5\r\nhello\r\n0\r\n\r\n"), 400, may_truncate=True, closes=True)
row("leading-zeros-1mib", chunked(b"0" * (1024 * KIB) + b"5\r\nhello\r\n0\r\n\r\n"), 400, may_truncate=True,
    closes=True)
row("last-chunk-leading-zeros-5000", chunked(b"5\r\nhello\r\n" + b"0" * 5000 + b"\r\n\r\n"), 400,
    may_truncate=True, closes=True)
row("trailer-under-limit", chunked(BODY + b"X-T: " + b"a" * (30 * KIB) + b"\r\n\r\n"), 200,
    trailers_in={"x-t": ["a" * (30 * KIB)]})
row("trailer-over-limit", chunked(BODY + b"X-T: " + b"a" * (70 * KIB) + b"\r\n\r\n"), 431, may_truncate=True,
    closes=True)
row("trailer-fields-over-limit", chunked(BODY + b"".join(b"X-T%d: " % i + b"a" * 1000 + b"\r\n" for i in range(100))
                                          + b"\r\n"), 431, may_truncate=True, closes=True)
row("trailer-1mib", chunked(BODY + b"X-T: " + b"a" * (1024 * KIB) + b"\r\n\r\n"), 431, may_truncate=True,
    closes=True)
row("trailer-over-limit-smuggles", chunked(BODY + b"X-T: " + b"a" * (70 * KIB) + b"\r\n\r\n" + SMUGGLED), 431,
    may_truncate=True, closes=True, linger=1.0)
