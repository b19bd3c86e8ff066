"""Behind a real WSGI server (issue 19's proof): Python's wsgiref maps `X_User_Id`, `x-user-id` and
`X-User_Id` alike to HTTP_X_USER_ID and joins repeats with ','. Its app answers with its HTTP_*
environ; the judge (wsgi_safety) checks that HTTP_X_USER_ID is exactly the verified user or absent,
and that no HTTP_X_CUTOVER_*, client HTTP_X_FORWARDED_*, HTTP_FORWARDED or HTTP_X_REAL_IP, or
override variable is there, in any spelling the client used."""
from . import AUTH, get, post, table

ROWS, row = table("wsgi", "bad_request")
TOKEN = AUTH[:-2]


def wsgi(name, raw, expect, **kw):
    row(name, raw, expect, backend="wsgi", **kw)


wsgi("clean", get(), 200)
wsgi("token", get(TOKEN), 200)
for spelling in (b"X-User-Id", b"X_User_Id", b"x_user_id", b"X-User_Id", b"X_User-Id"):
    wsgi(f"forged-{spelling.decode()}", get(spelling + b": forged-admin"), 200)
    wsgi(f"forged-{spelling.decode()}-with-token", get(TOKEN, spelling + b": forged-admin"), 200)
wsgi("forged-all-spellings-with-token", get(TOKEN, b"X-User-Id: forged-1", b"X_User_Id: forged-2",
                                            b"x_user-id: forged-3"), 200)
wsgi("forged-http10", get(b"X_User_Id: forged-admin", version=b"1.0"), 200)
wsgi("forged-expect-continue", post(b"Expect: 100-continue", b"Content-Length: 5", b"X_User_Id: forged-admin"), 200)
wsgi("namespace", get(b"X_Cutover_User: forged-admin", b"X-Cutover-Route: forged"), 200)
wsgi("forwarding", get(b"X_Forwarded_For: 6.6.6.6", b"X_Forwarded_Host: evil.test", b"X_Forwarded-Proto: https",
                       b"X-Forwarded_Prefix: /secret"), 200)
wsgi("forwarded-and-real-ip", get(b"Forwarded: for=6.6.6.6", b"X_Real_IP: 6.6.6.6"), 200)
wsgi("signature", get(TOKEN, b"X_User_Id_Signature: t=1,v1=forged"), 200)
wsgi("override-url", get(b"X_Original_URL: /secret/treasure", b"X-Rewrite-URL: /secret/treasure"), 200)
wsgi("trailer-identity", post(b"Transfer-Encoding: chunked",
                              body=b"5\r\nhello\r\n0\r\nX_User_Id: forged-admin\r\n\r\n"), 200)
wsgi("encoded-slash-secret", get(target=b"/secret%2Ftreasure"), 400, reason="invalid_path")
wsgi("secret", get(target=b"/secret/treasure"), 403)
