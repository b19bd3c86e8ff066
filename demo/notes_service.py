#!/usr/bin/env python3
"""The new notes service of the cutover demo: takes over the notes read endpoints from legacy.

  GET /api/notes         the caller's notes (summaries)   401 without X-User-Id
  GET /api/notes/{id}    one note, or 404 JSON            401 without X-User-Id
  GET /healthz           200 {"status":"ok"}              (the gateway's health check)
Anything else is 404 (405 for another method on those paths). Every response carries
X-Served-By: notes-svc.

The bodies come from notes_data, the same code legacy uses, so for one user both backends answer
with identical bytes: moving a user between them is invisible except for X-Served-By. Run several
instances on different ports to give the gateway more than one endpoint.

Usage: notes_service.py [--host 127.0.0.1] [--port 0] [--idle-timeout 75] [--verbose]
Prints "notes-svc listening on HOST:PORT" once bound.
"""
import notes_data
from service_base import Handler, Route, serve

NAME = "notes-svc"


def list_notes(req, match, body):
    return 200, notes_data.list_json(req.user())


def get_note(req, match, body):
    found = notes_data.note_json(req.user(), match["id"])
    if found is None:
        return 404, notes_data.error_json("not_found", "no such note")
    return 200, found


def healthz(req, match, body):
    return 200, notes_data.canonical({"status": "ok", "service": NAME})


class NotesHandler(Handler):
    served_by = NAME
    routes = (
        Route(r"/api/notes", needs_user=True, GET=list_notes),
        Route(r"/api/notes/(?P<id>[^/]+)", needs_user=True, GET=get_note),
        Route(r"/healthz", GET=healthz),
    )


if __name__ == "__main__":
    serve(NAME, NotesHandler, "cutover demo: the new notes service")
