"""Protected headers in every spelling (contract: "Headers"; issue 19's first hole). A client copy of
the identity header, the signature header, X-Request-Id, anything in the X-Cutover- namespace and,
while forwarding headers are not trusted, X-Forwarded-*, Forwarded and X-Real-IP, is removed
whatever its case and whichever of `-`/`_` it uses, and the request goes on (200): the judge then
checks that nothing a CGI/WSGI backend reads as one of those names reached it. Other names with
`_` are dropped by default (headers_with_underscores: drop)."""
from . import AUTH, get, post, table

ROWS, row = table("protected", "bad_request")
TOKEN = AUTH[:-2]

for spelling in (b"X-User-Id", b"x-user-id", b"X-USER-ID", b"X_User_Id", b"x_user_id", b"X_USER_ID", b"X-User_Id",
                 b"X_User-Id", b"x-User_iD", b"X-user-ID"):
    row(f"identity-anonymous-{spelling.decode()}", get(spelling + b": forged-admin"), 200)
for spelling in (b"X-User-Id", b"X_User_Id", b"x_user_id", b"X-User_Id", b"X_User-Id", b"X_USER_ID"):
    row(f"identity-with-token-{spelling.decode()}", get(TOKEN, spelling + b": forged-admin"), 200)
row("identity-before-token", get(b"X_User_Id: forged-admin", TOKEN), 200)
row("identity-two-spellings", get(b"X-User-Id: forged-1", b"X_User_Id: forged-2"), 200)
row("identity-empty", get(b"X-User-Id:"), 200)
row("identity-bob-without-token", get(b"X-User-Id: bob"), 200, note="the right name, unverified: still dropped")
row("identity-http10", get(b"X_User_Id: forged-admin", version=b"1.0"), 200)
row("identity-expect-continue", post(b"Expect: 100-continue", b"Content-Length: 5", b"X_User_Id: forged-admin"), 200)
row("identity-named-in-connection", get(b"Connection: keep-alive, X_User_Id", b"X_User_Id: forged-admin"), 200)
row("identity-connection-strips-injected", get(TOKEN, b"Connection: X-User-Id"), 200,
    note="Connection names the client's copy; the gateway's own must still be set")
row("signature", get(b"X-User-Id-Signature: t=1,v1=forged"), 200)
row("signature-underscore", get(TOKEN, b"X_User_Id_Signature: t=1,v1=forged"), 200)
for spelling in (b"X-Cutover-User", b"X_Cutover_User", b"x-cutover-route", b"X-CUTOVER-BUCKET", b"X-Cutover_Backend",
                 b"X_cutover-debug"):
    row(f"namespace-{spelling.decode()}", get(spelling + b": forged-admin"), 200)
for field in (b"X-Forwarded-For: 6.6.6.6", b"X_Forwarded_For: 6.6.6.6", b"X-Forwarded_For: 6.6.6.6",
              b"x-forwarded-for: 6.6.6.6, 127.0.0.1", b"X-Forwarded-Host: evil.test", b"X_Forwarded_Host: evil.test",
              b"X-Forwarded-Proto: https", b"X_Forwarded-Proto: https", b"X-Forwarded-Prefix: /secret",
              b"X-Forwarded_Prefix: /secret", b"X-Forwarded-Port: 443", b"X-Forwarded-Server: evil.test",
              b"X-Forwarded-Ssl: on"):
    row(f"forwarding-{field.split(b':')[0].decode()}" + ("-list" if b"," in field else ""), get(field), 200)
row("forwarded", get(b"Forwarded: for=6.6.6.6;host=evil.test;proto=https"), 200)
row("forwarded-lowercase", get(b"forwarded: for=6.6.6.6"), 200)
row("real-ip", get(b"X-Real-IP: 6.6.6.6"), 200)
row("real-ip-underscore", get(b"X_Real_IP: 6.6.6.6"), 200)
row("real-ip-mixed", get(b"X-Real_Ip: 6.6.6.6"), 200)
row("request-id-kept", get(b"X-Request-Id: client-req-42"), 200, headers_in={"x-request-id": ["client-req-42"]},
    note="a valid client id is kept (contract: only its value is reused)")
row("request-id-invalid", get(b"X-Request-Id: forged id with spaces"), 200)
row("request-id-too-long", get(b"X-Request-Id: " + b"a" * 129), 200)
row("request-id-underscore", get(b"X_Request_Id: forged-id"), 200)
row("request-id-two", get(b"X-Request-Id: client-a", b"X-Request-Id: client-b"), 200)
row("underscore-plain", get(b"Foo_Bar: 1"), 200, headers_out=("foo-bar",))
row("underscore-accept-encoding", get(b"Accept_Encoding: gzip"), 200, headers_out=("accept-encoding",))
row("hop-by-hop-named", get(b"Connection: X-Foo", b"X-Foo: 1"), 200, headers_out=("x-foo",))
row("hop-by-hop-keep-alive", get(b"Keep-Alive: timeout=5", b"Proxy-Connection: keep-alive"), 200,
    headers_out=("keep-alive", "proxy-connection"))
row("lighttpd-dots", get(b"X.User.Id: forged-admin"), 200,
    note="lighttpd maps every non-alphanumeric byte to '_', so X.User.Id is HTTP_X_USER_ID there")
row("lighttpd-mixed", get(TOKEN, b"X-User.Id: forged-admin"), 200,
    note="as lighttpd-dots, with a valid token: the backend would see two identities")
