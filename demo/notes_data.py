"""Deterministic demo data shared by the legacy monolith, the notes service and the load generator.

Everything here is a pure function of the user id, so that
  * the legacy app and the new notes service return byte-for-byte identical JSON for the same user
    (that is what makes a strangler-fig cutover safe, and what shadow diffing compares), and
  * the load generator can compute the exact expected body for any request without asking anyone.

Nothing is stored: the "database" is sha256.
"""
import datetime
import functools
import hashlib
import json

NOTES_PER_USER = 5

_WORDS = (
    "alpha", "budget", "cutover", "draft", "edge", "flag", "gateway", "harbor", "invoice", "journal",
    "kanban", "ledger", "migration", "notes", "onboarding", "pilot", "quarterly", "rollout", "sprint",
    "ticket", "upgrade", "vendor", "weekly", "xray", "yearly", "zebra", "backlog", "canary", "deploy",
    "estimate", "feedback", "groceries",
)
_TAGS = ("work", "home", "ideas", "todo", "later", "urgent", "reading", "travel")
_PLANS = ("free", "pro", "team")
# All timestamps are offsets from a fixed epoch, so they never depend on the clock.
_EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)


def canonical(obj) -> bytes:
    """The one JSON encoding both services use: sorted keys, no spaces, ASCII only, no newline."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _digest(*parts: str) -> bytes:
    # A separator byte that can't appear in normal ids keeps ("ab","c") and ("a","bc") apart.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def _words(d: bytes, start: int, count: int) -> list:
    return [_WORDS[b % len(_WORDS)] for b in d[start:start + count]]


def _timestamp(d: bytes, start: int) -> str:
    seconds = int.from_bytes(d[start:start + 4], "big") % (4 * 365 * 86400)  # within 4 years
    return (_EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=8192)
def note_ids(user: str) -> tuple:
    """The user's note ids: 10-digit integers, stable per user, distinct within the user."""
    ids, i = [], 0
    while len(ids) < NOTES_PER_USER:
        d = _digest("note-id", user, str(i))
        n = 1_000_000_000 + int.from_bytes(d[:8], "big") % 9_000_000_000
        if n not in ids:
            ids.append(n)
        i += 1
    return tuple(ids)


def _note(user: str, note_id: int) -> dict:
    d = _digest("note", user, str(note_id))
    title = " ".join(_words(d, 0, 3)).capitalize()
    body = "Remember: " + ", ".join(_words(d, 3, 8)) + "."
    tags = sorted({_TAGS[b % len(_TAGS)] for b in d[11:11 + 1 + d[11] % 3]})
    return {"id": note_id, "owner": user, "title": title, "body": body, "tags": tags,
            "pinned": d[14] % 4 == 0, "created_at": _timestamp(d, 15)}


def notes(user: str) -> list:
    """Full notes, newest first (the order a notes list UI shows)."""
    return sorted((_note(user, i) for i in note_ids(user)),
                  key=lambda n: (n["created_at"], n["id"]), reverse=True)


@functools.lru_cache(maxsize=8192)
def list_json(user: str) -> bytes:
    """Body of GET /api/notes: summaries only, as a list endpoint would."""
    items = [{k: n[k] for k in ("id", "title", "pinned", "created_at")} for n in notes(user)]
    return canonical({"user": user, "count": len(items), "notes": items})


@functools.lru_cache(maxsize=8192)
def _note_bodies(user: str) -> dict:
    return {str(n["id"]): canonical({"note": n}) for n in notes(user)}


def note_json(user: str, note_id: str):
    """Body of GET /api/notes/{id}, or None when the user has no such note (-> 404).

    note_id is the raw path segment; only the exact decimal spelling matches ("0123" doesn't), so
    both services agree on every input.
    """
    return _note_bodies(user).get(note_id)


@functools.lru_cache(maxsize=8192)
def account_json(user: str) -> bytes:
    """Body of GET /api/account (legacy only)."""
    d = _digest("account", user)
    return canonical({
        "user": user,
        "display_name": " ".join(_words(d, 0, 2)).title(),
        "email": user + "@example.com",
        "plan": _PLANS[d[2] % len(_PLANS)],
        "notes_count": NOTES_PER_USER,
        "member_since": _timestamp(d, 3)[:10],
    })


def created_note_json(user: str, title: str, body: str):
    """(id, body) for POST /api/notes: echoes the note back, id derived from its content. Not stored."""
    d = _digest("created", user, title, body)
    note_id = 1_000_000_000 + int.from_bytes(d[:8], "big") % 9_000_000_000
    note = {"id": note_id, "owner": user, "title": title, "body": body, "tags": [],
            "pinned": False, "created_at": _timestamp(d, 8)}
    return note_id, canonical({"note": note})


def error_json(code: str, message: str) -> bytes:
    """Error bodies are shared too, so a 404 from either backend is the same bytes."""
    return canonical({"error": code, "message": message})
