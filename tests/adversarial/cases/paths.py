"""Path encodings (contract: "Paths"; RFC 3986 2 and 5.2.4). The suite's /secret route answers 403
itself; the recording backend serves its secret to any lax reading of the path (harness/views.py),
so a path the gateway routes elsewhere but some backend reads as /secret leaks the secret. Defaults
under test: escaped_slashes: reject (%2F, %5C), backslash: reject, `;` on dot segments and dots or
slashes that appear only after decoding twice are 400 invalid_path, %00 is refused, `.` and `..`
are resolved and `//` merged before matching, and what is matched is what is forwarded."""
from . import get, table

ROWS, row = table("paths", "invalid_path")


def path(target, **kw):
    return get(target=target, **kw)


row("secret", path(b"/secret/treasure"), 403)
row("secret-exact", path(b"/secret"), 403)
row("secret-slash", path(b"/secret/"), 403)
row("secret-query", path(b"/secret?x=1"), 403)
row("secretary-is-not-secret", path(b"/secretary"), 200, target="/secretary",
    note="prefix match is per segment")
row("unreserved-decoded", path(b"/%73ecret/treasure"), 403)
row("unreserved-decoded-forwarded", path(b"/%41bc/%7e"), 200, target="/Abc/~")
row("reserved-kept-uppercased", path(b"/a%3bb"), 200, target="/a%3Bb")
row("dot-segment", path(b"/./secret/treasure"), 403)
row("dot-dot-segment", path(b"/echo/../secret/treasure"), 403)
row("dot-dot-forwarded-resolved", path(b"/a/b/../c"), 200, target="/a/c")
row("dot-dot-above-root", path(b"/../secret/treasure"), {400, 403})
row("double-slash", path(b"//secret/treasure"), 403)
row("double-slash-forwarded-merged", path(b"/a//b"), 200, target="/a/b")
row("slash-dot-slash-mix", path(b"/echo//..//secret/treasure"), {200, 403},
    note="merging before or after resolving gives /secret or /echo/secret; either is fine if the backend agrees")
row("trailing-dot-dot", path(b"/secret/treasure/.."), 403)
row("encoded-dots", path(b"/echo/%2e%2e/secret/treasure"), 403)
row("encoded-dots-upper", path(b"/echo/%2E%2E/secret/treasure"), 403)
row("encoded-dot-mixed", path(b"/echo/.%2e/secret/treasure"), 403)
row("encoded-single-dot", path(b"/%2e/secret/treasure"), 403)
row("encoded-slash", path(b"/secret%2Ftreasure"), 400)
row("encoded-slash-lower", path(b"/secret%2ftreasure"), 400)
row("encoded-slash-dots", path(b"/echo/..%2Fsecret/treasure"), 400)
row("encoded-slash-elsewhere", path(b"/echo/a%2Fb"), 400)
row("encoded-backslash", path(b"/secret%5Ctreasure"), 400)
row("encoded-backslash-dots", path(b"/echo/..%5Csecret%5Ctreasure"), 400)
row("backslash", path(b"/secret\\treasure"), 400)
row("backslash-dots", path(b"/echo/..\\secret\\treasure"), 400)
row("semicolon-dot-dot", path(b"/echo/..;/secret/treasure"), 400)
row("semicolon-dot-dot-params", path(b"/echo/..;x=y/secret/treasure"), 400)
row("semicolon-dot", path(b"/.;/secret/treasure"), 400)
row("encoded-semicolon-on-secret", path(b"/secret%3Bx/treasure"), 403,
    note="a server that decodes before it strips parameters reads /secret;x/treasure, so routes do too")
row("semicolon-empty-segment", path(b"/;x/secret/treasure"), 400,
    note="Tomcat drops ';x' and merges the empty segment: /secret/treasure")
row("semicolon-empty-after-dots", path(b"/echo/../;/secret/treasure"), 400)
row("semicolon-dot-params", path(b"/echo/.;x/secret/treasure"), 400)
row("encoded-semicolon-dot-dot", path(b"/echo/..%3B/secret/treasure"), 400,
    note="Tomcat strips ';' params before decoding, but a server that decodes first reads '..;': refused")
row("semicolon-on-secret", path(b"/secret;x/treasure"), 403,
    note="Tomcat/Jetty strip ';params' from every segment, so routes match each segment up to its ';'")
row("semicolon-on-secret-empty", path(b"/secret;/treasure"), 403,
    note="as semicolon-on-secret: the classic nginx-in-front-of-Tomcat bypass")
row("double-encoded-dots", path(b"/echo/%252e%252e/secret/treasure"), 400)
row("double-encoded-dots-upper", path(b"/echo/%252E%252E/secret/treasure"), 400)
row("double-encoded-dot-mixed", path(b"/echo/.%252e/secret/treasure"), 400)
row("double-encoded-single-dot", path(b"/echo/%252e/x"), 400)
row("double-encoded-slash", path(b"/secret%252Ftreasure"), 400)
row("double-encoded-backslash", path(b"/secret%255Ctreasure"), 400)
row("double-encoded-letter", path(b"/%2573ecret/treasure"), 400,
    note="decoded twice this is /secret/treasure: every escape encoded twice (%25XX) is refused")
row("nul", path(b"/secret/treasure%00"), 400)
row("nul-mid", path(b"/echo%00/../secret/treasure"), 400)
row("nul-elsewhere", path(b"/echo/%00"), 400)
row("nul-double-encoded", path(b"/secret/treasure%2500"), 400, note="an escape encoded twice")
row("overlong-dot-dot", path(b"/echo/%c0%ae%c0%ae/secret/treasure"), 400,
    note="%C0%AE is '.' to an overlong decoder: a path must decode to UTF-8")
row("overlong-slash", path(b"/secret%c0%aftreasure"), 400, note="as overlong-dot-dot, with an overlong '/'")
row("invalid-escape", path(b"/echo/%zz"), 400)
row("truncated-escape", path(b"/echo/%2"), 400)
row("iis-unicode-escape", path(b"/echo/%u002e%u002e/secret/treasure"), 400)
row("raw-non-ascii", path(b"/caf\xc3\xa9"), 400, note="not a valid request-target byte (RFC 3986)")
row("fragment", path(b"/echo#frag"), 400, note="a fragment is never sent in a request-target (RFC 9112 3.2)")
row("no-leading-slash", path(b"secret/treasure"), 400, reason=("invalid_path", "bad_request"),
    note="not a path, and not a request-target of any form: the contract's table fits either reason")
row("query-not-path", path(b"/echo?next=%2Fsecret%2Ftreasure"), 200, target="/echo?next=%2Fsecret%2Ftreasure",
    note="%2F in the query is not a path separator")
row("query-dots-not-path", path(b"/echo?/../secret/treasure"), 200, target="/echo?/../secret/treasure")
row("uppercase-secret", path(b"/SECRET/treasure"), 200,
    note="routes are case-sensitive, as paths are (docs/security.md, known limit); the suite's backend is too")
