"""What the load generator knows about operator moves (loadgen.py --admin URL).

A thread polls the gateway's admin API (GET /admin/routes) every POLL_INTERVAL and keeps, per kind of
request the load generator sends, a timeline of changes of the effective split of the route serving
it: a PUT .../split, a rollback, a DELETE .../override or a reload all show up there.

A move A→B of one (user, kind) happens between two of that user's requests: after the first one was
sent (the gateway decides when it reads a request) and before the second one's answer arrived. A
split change happens after the last poll that still showed the old split was sent and before the
first poll that shows the new one was answered. The move is *along* the change when the two
windows overlap and the change lowered A's share and raised B's: what a ramp (legacy→new), a
rollback (new→legacy) or clearing an override does. Any other move is a violation: against the
change, or with no change at all (a flip, a stickiness bug). The windows already cover the poll
interval and the time requests take; SLACK only absorbs the rest: a worker that read the old
snapshot an instant before the control thread published the new one (a reload is published to all
workers at once, by one pointer swap). While the admin API does not answer, changes are not seen:
moves that no change seen before or after the outage explains stay violations.

The pure parts (route_for, explains, judge) take their inputs as arguments; SplitWatch only puts
polls in order.
"""
import http.client
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

POLL_INTERVAL = 0.2  # seconds between two GET /admin/routes
SLACK = 0.5          # seconds around a change's window; see above
POLL_TIMEOUT = 2.0


class AdminError(Exception):
    """The admin API did not answer, or not with the routes JSON."""


def _pattern(match: dict):
    """A route's `match` (as GET /admin/routes shows it) as (segments, wildcard); a segment is
    ("lit", text) or ("param", name). Mirrors routing/path_pattern.cpp for plain ASCII paths
    (literals are compared as written: the demo's paths need no percent-normalization)."""
    is_prefix = "prefix" in match
    body = (match.get("prefix") if is_prefix else match.get("path", ""))[1:]
    wildcard = is_prefix
    if is_prefix:
        body = body[:-1] if body.endswith("/") else body
        if not body:
            return [], True
    elif body == "*":
        return [], True
    elif body.endswith("/*"):
        wildcard, body = True, body[:-2]
    segments = [("param", s[1:-1]) if s.startswith("{") else ("lit", s) for s in body.split("/")]
    return segments, wildcard


def _specificity(match: dict, path_segments: list):
    """None when the route's path does not match; else a tuple that compares like the gateway's
    precedence, segment by segment from the left: literal 2 > {param} 1 > wildcard 0, and an exact
    end 3 beats any further segment or wildcard."""
    segments, wildcard = _pattern(match)
    if len(segments) > len(path_segments) or (not wildcard and len(segments) != len(path_segments)):
        return None
    ranks = []
    for (what, text), seg in zip(segments, path_segments):
        if what == "param" and seg:
            ranks.append(1)
        elif what == "lit" and text == seg:
            ranks.append(2)
        else:
            return None
    ranks.append(0 if wildcard else 3)
    return tuple(ranks)


def route_for(routes: list, method: str, host: str, path: str):
    """The route of GET /admin/routes's `routes` that serves (method, host, path), or None: the most
    specific path, then a route with a host, then fewer methods (routing/route_table.hpp)."""
    best, best_key = None, None
    path_segments = path[1:].split("/")
    for route in routes:
        match = route.get("match", {})
        methods = [m.upper() for m in match.get("methods") or []]
        if methods and method not in methods:
            continue
        if match.get("host") and match["host"].lower().rstrip(".") != host.lower():
            continue
        rank = _specificity(match, path_segments)
        if rank is None:
            continue
        key = (rank, bool(match.get("host")), -(len(methods) or 1_000_000))
        if best_key is None or key > best_key:
            best, best_key = route, key
    return best


def split_of(route) -> dict:
    """backend -> percent of a route's effective split; {} for no route or a `return:` route."""
    if route is None:
        return {}
    return {e["backend"]: e["percent"] for e in route.get("effective_split", []) if e.get("percent", 0) > 0}


@dataclass(frozen=True)
class Change:
    """The effective split serving one kind changed between `before` (the last poll showing `old`
    was sent) and `after` (the first poll showing `new` was answered); monotonic seconds."""
    kind: str
    before: float
    after: float
    old_route: str
    old: dict
    new_route: str
    new: dict


def explains(change: Change, a: str, b: str) -> bool:
    """The change lowered a's share and raised b's: it can move users from a to b."""
    return change.new.get(a, 0) < change.old.get(a, 0) and change.new.get(b, 0) > change.old.get(b, 0)


def judge(changes, outages, a: str, b: str, start: float, end: float, slack: float = SLACK):
    """None when some change in `changes` (one kind's) explains a move a→b made between `start` and
    `end`; otherwise why the move is a violation."""
    near = [c for c in changes if c.before < end + slack and c.after > start - slack]
    if any(explains(c, a, b) for c in near):
        return None
    if near:
        why = "against the split change" if any(explains(c, b, a) for c in near) \
            else "not along the split change"
    else:
        why = "while the split did not change"
    if any(o_start < end + slack and (o_end is None or o_end > start - slack) for o_start, o_end in outages):
        why += " (the admin API did not answer for part of that time)"
    return why


def fmt_split(split: dict) -> str:
    return " ".join(f"{b} {p:g}%" for b, p in sorted(split.items())) or "nothing"


class SplitWatch(threading.Thread):
    """Polls GET /admin/routes; `kinds` maps a kind to the (method, path) the load generator sends
    for it, `host` is the Host it sends. poll() raises AdminError; run() keeps polling until stop()."""

    def __init__(self, admin_url: str, kinds: dict, host: str, log=None):
        super().__init__(name="split-watch", daemon=True)
        url = urlsplit(admin_url)
        self.address = (url.hostname, url.port or 80)
        self.url, self.kinds, self.host, self.log = admin_url, kinds, host, log
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.state = None          # kind -> (route id or None, split) as last seen
        self.routes = {}           # route id -> split as last seen
        self.last_sent = None      # send time of the last poll that answered
        self.changes = {k: [] for k in kinds}  # kind -> [Change]
        self.route_changes = []    # (seen at, route id, old split, new split), for the operator
        self.outages = []          # [start, end or None]: polls that got no answer
        self.polls = self.failed = 0

    def fetch(self) -> list:
        conn = http.client.HTTPConnection(*self.address, timeout=POLL_TIMEOUT)
        try:
            conn.request("GET", "/admin/routes", headers={"Accept": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise AdminError(f"{type(e).__name__}: {e}") from None
        finally:
            conn.close()
        if resp.status != 200:
            raise AdminError(f"GET /admin/routes answered {resp.status}: {body[:200]!r}")
        try:
            routes = json.loads(body)["routes"]
            if not all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in routes):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise AdminError(f"GET /admin/routes did not answer the routes JSON: {body[:200]!r}") from None
        return routes

    def poll(self):
        sent = time.monotonic()
        try:
            routes = self.fetch()
        except AdminError:
            with self.lock:
                self.polls += 1
                self.failed += 1
                if not self.outages or self.outages[-1][1] is not None:
                    self.outages.append([sent, None])
            raise
        answered = time.monotonic()
        state = {}
        for kind, (method, path) in self.kinds.items():
            route = route_for(routes, method, self.host, path)
            state[kind] = (route["id"] if route else None, split_of(route))
        by_id = {r["id"]: split_of(r) for r in routes}
        with self.lock:
            self.polls += 1
            if self.outages and self.outages[-1][1] is None:
                self.outages[-1][1] = answered
            if self.state is not None:
                for kind, (route_id, split) in state.items():
                    old_route, old = self.state[kind]
                    if (route_id, split) != (old_route, old):
                        self.changes[kind].append(
                            Change(kind, self.last_sent, answered, old_route, old, route_id, split))
                for route_id in sorted(by_id.keys() | self.routes.keys()):
                    old, new = self.routes.get(route_id, {}), by_id.get(route_id, {})
                    if old != new:
                        self.route_changes.append((answered, route_id, old, new))
            self.state, self.routes, self.last_sent = state, by_id, sent

    def run(self):
        down = False
        while not self.halt.wait(POLL_INTERVAL):
            try:
                self.poll()
            except AdminError as e:
                if not down and self.log:
                    self.log(f"loadgen: the admin API at {self.url} does not answer ({e}); a split change "
                             "made meanwhile is seen when it answers again, and moves no seen change "
                             "explains are violations")
                down = True
                continue
            if down and self.log:
                self.log(f"loadgen: the admin API at {self.url} answers again")
            down = False

    def stop(self):
        self.halt.set()
        self.join()

    def settled_until(self) -> float:
        """Moves that ended before this (monotonic) time can be judged: a change not seen yet was
        made after the last answered poll was sent."""
        with self.lock:
            return self.last_sent - SLACK

    def judge(self, kind: str, a: str, b: str, start: float, end: float):
        with self.lock:
            return judge(list(self.changes[kind]), [tuple(o) for o in self.outages], a, b, start, end)

    def describe(self) -> dict:
        """kind -> "route (split)", for the start-up line."""
        with self.lock:
            return {k: f"{r or 'no route'} ({fmt_split(s)})" for k, (r, s) in self.state.items()}

    def route_changes_since(self, index: int):
        with self.lock:
            return self.route_changes[index:]

    def report(self, origin: float) -> dict:
        with self.lock:
            return {
                "url": self.url, "polls": self.polls, "failed_polls": self.failed,
                "routes": {k: r for k, (r, _) in self.state.items()},
                "split_changes": [{"at_s": round(at - origin, 3), "route": r, "from": old, "to": new}
                                  for at, r, old, new in self.route_changes],
            }
