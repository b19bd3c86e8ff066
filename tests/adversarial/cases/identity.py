"""Identity from the JWT (contract: "Identity values"). A valid token for bob puts exactly
`X-User-Id: bob` on the request; an expired, forged, unsigned or unparseable token, or a subject
that is empty, longer than 256 bytes, padded with whitespace or not printable ASCII, leaves the
request anonymous (and 401 on /private, which requires a user). The CRLF subject is a header
injection attempt through the gateway's own injection."""
from . import AUTH, H, get, table

ROWS, row = table("identity", "bad_request")


def bearer(placeholder, target=b"/echo"):
    return get(b"Authorization: Bearer {" + placeholder + b"}", target=target)


row("valid", bearer(b"TOKEN"), 200)
row("cookie", get(b"Cookie: other=1; session_jwt={TOKEN}"), 200)
row("expired", bearer(b"TOKEN_EXPIRED"), 200)
row("bad-signature", bearer(b"TOKEN_BADSIG"), 200)
row("alg-none", bearer(b"TOKEN_ALG_NONE"), 200)
row("garbage", bearer(b"TOKEN_GARBAGE"), 200)
row("sub-256-bytes", bearer(b"TOKEN_SUB_256"), 200)
row("sub-257-bytes", bearer(b"TOKEN_SUB_LONG"), 200)
row("sub-empty", bearer(b"TOKEN_SUB_EMPTY"), 200)
row("sub-leading-space", bearer(b"TOKEN_SUB_LEADING_SPACE"), 200)
row("sub-trailing-space", bearer(b"TOKEN_SUB_TRAILING_SPACE"), 200)
row("sub-crlf-injection", bearer(b"TOKEN_SUB_CRLF"), 200)
row("sub-nul", bearer(b"TOKEN_SUB_NUL"), 200)
row("sub-del", bearer(b"TOKEN_SUB_DEL"), 200)
row("sub-tab", bearer(b"TOKEN_SUB_TAB"), 200)
row("sub-utf8", bearer(b"TOKEN_SUB_UTF8"), 200, note="identity.allow_utf8 is off by default")
row("sub-comma", bearer(b"TOKEN_SUB_COMMA"), 200,
    note="'bob,admin' cannot be told from two X-User-Id fields joined with ',': refused, so anonymous")
row("private-valid", bearer(b"TOKEN", b"/private/x"), 200)
row("private-anonymous", get(target=b"/private/x"), 401)
row("private-forged-underscore", get(b"X_User_Id: admin", target=b"/private/x"), 401)
row("private-forged-header", get(b"X-User-Id: admin", target=b"/private/x"), 401)
row("private-forged-http10", get(b"x_user_id: admin", target=b"/private/x", version=b"1.0"), 401)
row("private-expired", bearer(b"TOKEN_EXPIRED", b"/private/x"), 401)
row("private-alg-none", bearer(b"TOKEN_ALG_NONE", b"/private/x"), 401)
row("private-sub-crlf", bearer(b"TOKEN_SUB_CRLF", b"/private/x"), 401)
row("private-sub-empty", bearer(b"TOKEN_SUB_EMPTY", b"/private/x"), 401)
row("private-exact", get(target=b"/private"), 401)
row("private-dot-segments", get(target=b"/echo/../private/x"), 401)
row("private-encoded", get(target=b"/%70rivate/x"), 401)
row("private-double-slash", get(target=b"//private/x"), 401)
row("secret-with-token", bearer(b"TOKEN", b"/secret/treasure"), 403)
row("token-then-anonymous-pipelined", get(AUTH[:-2]) + b"GET /echo HTTP/1.1\r\n" + H + b"\r\n", 200, seen=2,
    linger=1.0, user=("bob", None), note="an identity must not stick to the connection")
