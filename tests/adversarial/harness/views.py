"""How real backends read a request's path, laxly: the recording backend serves its secret when any
of these readings lands under /secret, so a path the gateway routes one way and some backend reads
another way shows up as a leaked secret, not as a silent pass.

Each reading is one family of servers the contract defends against (issue 19, point 6):
- decode-once: WSGI/CGI servers (gunicorn, uWSGI, wsgiref) decode %2F in PATH_INFO, and the
  framework then resolves dot segments;
- tomcat: Tomcat and Jetty strip `;params` from every segment before resolving `..`;
- windows: IIS-style servers read `\\` as `/`, decode twice and decode overlong UTF-8;
- nul: C code stops at a decoded NUL;
- host-url: frameworks that rebuild the URL as "http://" + Host + target and parse it again;
- override: Symfony/IIS/Zend honour X-Original-URL and X-Rewrite-URL over the request line.
Case is left alone: a case-insensitive backend is a question for the contract, not modelled here.
"""
import re
from urllib.parse import unquote_to_bytes, urlsplit

OVERLONG = [(re.compile(p, re.I), r) for p, r in (
    (rb"%c0%ae|%c0%2e|%e0%80%ae", b"."), (rb"%c0%af|%e0%80%af|%c0%2f", b"/"), (rb"%c1%9c|%c1%1c", b"\\"))]


def _dots(path):
    """RFC 3986 remove_dot_segments with empty segments merged, clamped at the root."""
    out = []
    for seg in path.split(b"/"):
        if seg in (b"", b"."):
            continue
        if seg == b"..":
            if out:
                out.pop()
            continue
        out.append(seg)
    trailing = path.endswith(b"/") or path.endswith(b"/.") or path.endswith(b"/..")
    return b"/" + b"/".join(out) + (b"/" if trailing and out else b"")


def _strip_params(path):
    return b"/".join(seg.split(b";", 1)[0] for seg in path.split(b"/"))


def _overlong(path):
    for pattern, repl in OVERLONG:
        path = pattern.sub(lambda _, r=repl: r, path)
    return path


def _origin_path(target):
    """The path of an origin-form or absolute-form target, without query or fragment."""
    if target.startswith("http://") or target.startswith("https://"):
        target = urlsplit(target).path or "/"
    return target.split("?", 1)[0].split("#", 1)[0].encode("latin-1")


def readings(target, host=None, override_urls=()):
    """[(family, path bytes)] for one request."""
    raw = _origin_path(target)
    once = unquote_to_bytes(raw)
    twice = unquote_to_bytes(unquote_to_bytes(_overlong(raw)))
    out = [("raw", _dots(raw)), ("decode-once", _dots(once)),
           ("tomcat", _dots(unquote_to_bytes(_strip_params(raw)))),
           ("windows", _dots(twice.replace(b"\\", b"/"))),
           ("nul", _dots(twice.split(b"\0", 1)[0]))]
    if host is not None:
        try:
            rebuilt = urlsplit("http://" + host + target).path
            out.append(("host-url", _dots(unquote_to_bytes(rebuilt))))
        except ValueError:
            pass
    for url in override_urls:
        out.append(("override", _dots(unquote_to_bytes(_origin_path(url)))))
    return out


def under_secret(path):
    """True when a decoded path, its dot segments resolved, is /secret or below it."""
    path = _dots(path)
    return path == b"/secret" or path.startswith(b"/secret/")


def secret_reading(target, host=None, override_urls=()):
    """The first reading that lands under /secret, or None."""
    for family, path in readings(target, host, override_urls):
        if under_secret(path):
            return family
    return None
