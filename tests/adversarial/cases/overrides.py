"""URL and method override headers (contract: "Headers"). Symfony, IIS and Zend route by
X-Original-URL / X-Rewrite-URL instead of the request line, and many frameworks take the method from
X-HTTP-Method-Override: the gateway routes by the request line, so these must never reach a
backend unless a route allows them (none does in the suite). The recording backend honours them,
so one that gets through walks to /secret."""
from . import AUTH, get, post, table

ROWS, row = table("overrides", "bad_request")

for field in (b"X-Original-URL: /secret/treasure", b"x-original-url: /secret/treasure",
              b"X_Original_URL: /secret/treasure", b"X-Original_Url: /secret/treasure",
              b"X-Original-URL: http://gw.test/secret/treasure", b"X-Rewrite-URL: /secret/treasure",
              b"X_Rewrite_URL: /secret/treasure", b"X-Override-URL: /secret/treasure",
              b"X-HTTP-Method-Override: DELETE", b"X_HTTP_Method_Override: DELETE", b"X-HTTP-Method: DELETE",
              b"X-Method-Override: PUT"):
    name, value = field.split(b": ")
    row(f"{name.decode()}" + ("-absolute" if value.startswith(b"http") else ""), get(field), 200)
row("original-url-with-token", get(AUTH[:-2], b"X-Original-URL: /secret/treasure"), 200)
row("original-url-on-post", post(b"Content-Length: 5", b"X-Original-URL: /secret/treasure"), 200, body_len=5)
row("original-url-does-not-open-private", get(b"X-Original-URL: /echo", target=b"/private/x"), 401)
row("original-url-does-not-open-secret", get(b"X-Original-URL: /echo", target=b"/secret/treasure"), 403)
row("method-override-on-post", post(b"Content-Length: 5", b"X-HTTP-Method-Override: DELETE"), 200, body_len=5)
