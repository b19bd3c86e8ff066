#!/usr/bin/env python3
"""The "legacy monolith" of the cutover demo (think: a Django app that serves everything).

It trusts X-User-Id, which only the gateway can set. Endpoints:
  GET  /api/notes          the caller's notes (summaries)        401 without a user
  GET  /api/notes/{id}     one note, or 404 JSON                 401 without a user
  POST /api/notes          echoes the created note (201; deterministic id; nothing is stored)
  GET  /api/account        account summary
  GET  /                   small HTML page naming the backend
  GET  /internal/whoami    the gateway's auth-subrequest: Cookie sessionid=sess-<user> -> 200 with
                           X-User-Id: <user>; anything else -> 401
  GET  /debug/headers      the request headers as JSON (shows what the gateway forwards/strips)
  GET  /healthz            200 {"status":"ok"}
Every response carries X-Served-By: legacy.

Usage: legacy_app.py [--host 127.0.0.1] [--port 0] [--idle-timeout 75] [--verbose]
Prints "legacy listening on HOST:PORT" once bound.
"""
import html
import json
import re

import notes_data
from service_base import Handler, Route, serve

NAME = "legacy"
# What a session id minted by the (imaginary) Django login looks like: sess-<user>.
SESSION_RE = re.compile(r"sess-([A-Za-z0-9][A-Za-z0-9._@-]{0,127})")


def list_notes(req, match, body):
    return 200, notes_data.list_json(req.user())


def get_note(req, match, body):
    found = notes_data.note_json(req.user(), match["id"])
    if found is None:
        return 404, notes_data.error_json("not_found", "no such note")
    return 200, found


def create_note(req, match, body):
    try:
        payload = json.loads(body or b"null")
        title, text = payload["title"], payload.get("body", "")
        if not isinstance(title, str) or not isinstance(text, str) or not title:
            raise TypeError
    except (ValueError, TypeError, KeyError, AttributeError):
        return 400, notes_data.error_json("bad_request", 'expected {"title": str, "body": str}')
    note_id, created = notes_data.created_note_json(req.user(), title, text)
    return 201, created, "application/json", [("Location", f"/api/notes/{note_id}")]


def account(req, match, body):
    return 200, notes_data.account_json(req.user())


def home(req, match, body):
    user = req.user()
    who = f"signed in as <b>{html.escape(user)}</b>" if user else "not signed in"
    page = (f"<!doctype html><html><head><title>Notes (legacy)</title></head><body>"
            f"<h1>Notes</h1><p>Served by the <b>legacy</b> monolith; {who}.</p></body></html>\n")
    return 200, page.encode("utf-8"), "text/html; charset=utf-8", []


def session_cookie(cookie_header):
    """Value of the sessionid cookie in 'a=1; sessionid=x', or None. First one wins."""
    for part in cookie_header.split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name == "sessionid":
            return value.strip().strip('"')
    return None


def whoami(req, match, body):
    # The gateway's auth_request mode asks this for every new session and caches the answer.
    # 401 means "no valid session" (anonymous); the user comes back in a header, not the body.
    m = SESSION_RE.fullmatch(session_cookie(req.headers.get("Cookie", "")) or "")
    if not m:
        return 401, notes_data.error_json("unauthorized", "no valid session")
    user = m.group(1)
    return 200, notes_data.canonical({"user": user}), "application/json", [("X-User-Id", user)]


def debug_headers(req, match, body):
    # Handy in the demo: forge X-User-Id through the gateway and see that it never arrives.
    return 200, notes_data.canonical({name: value for name, value in req.headers.items()})


def healthz(req, match, body):
    return 200, notes_data.canonical({"status": "ok", "service": NAME})


class LegacyHandler(Handler):
    served_by = NAME
    routes = (
        Route(r"/api/notes", needs_user=True, GET=list_notes, POST=create_note),
        Route(r"/api/notes/(?P<id>[^/]+)", needs_user=True, GET=get_note),
        Route(r"/api/account", needs_user=True, GET=account),
        Route(r"/", GET=home),
        Route(r"/internal/whoami", GET=whoami),
        Route(r"/debug/headers", GET=debug_headers),
        Route(r"/healthz", GET=healthz),
    )


if __name__ == "__main__":
    serve(NAME, LegacyHandler, "cutover demo: the legacy monolith")
