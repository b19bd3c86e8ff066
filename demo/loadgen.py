#!/usr/bin/env python3
"""Load generator for the cutover demo: drives traffic through the gateway as many signed-in users,
checks every answer byte for byte, and checks stickiness.

Each simulated user user-1..user-N carries an HS256 JWT (sub=user-N, exp in 1 h, iss if given) as
"Authorization: Bearer". Worker threads keep one keep-alive connection each and request
GET /api/notes, GET /api/notes/{one of the user's ids} and GET /api/account. An answer is correct
when its status is 200 and its body equals what notes_data computes for that user (both backends
must answer identically). X-Served-By says which backend answered.

Stickiness: per (user, endpoint) we track the backend. With --admin URL (the gateway's admin API)
the split each endpoint's route runs is polled during the run, and a move is fine when it goes along
a split change an operator made at that time (a ramp moves users legacy→new, a rollback new→legacy,
clearing an override may move them forward again); any other move is a violation (see
split_watch.py). Without --admin: moves away from legacy are what a ramp does, a move back to legacy
(or between two new backends) is never expected; without --ramp/--watch the split must not change
during the run, so any move is a violation.

Exit status: 0 when there were no errors and no sticky violations, 1 otherwise, 130 when a non-watch
run was interrupted with Ctrl-C (the summary is still printed), 2 for bad usage (or an --admin API
that does not answer at the start).
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import random
import signal
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from urllib.parse import urlsplit

import notes_data
import split_watch

try:
    import jwt  # Debian's python3-jwt: the intended way
except ImportError:  # e.g. a pyenv/venv python3 that can't see Debian's dist-packages
    jwt = None

KINDS = {"notes_list": "GET /api/notes", "notes_item": "GET /api/notes/{id}",
         "account": "GET /api/account"}
NOTES_KINDS = ("notes_list", "notes_item")  # what --watch reports as /api/notes*
INTERVAL = 2.0  # seconds between progress lines
LEGACY = "legacy"  # X-Served-By of the legacy backend (--legacy)


def hs256(claims: dict, secret: bytes) -> str:
    if jwt is not None:
        return jwt.encode(claims, secret, algorithm="HS256")
    # Same token by hand (RFC 7519 is small): base64url(header).base64url(claims).base64url(hmac).
    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")
    signing = b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + b64(json.dumps(claims).encode())
    return (signing + b"." + b64(hmac.new(secret, signing, hashlib.sha256).digest())).decode()


class Auth:
    """The identity headers for a user. Tokens are re-minted before they expire so --watch can run
    for hours. With --direct-user-header (testing aid) we send X-User-Id ourselves instead, which
    only works straight against a backend: the gateway strips client copies of that header."""

    def __init__(self, args):
        self.args, self.tokens = args, {}
        self.secret = None
        if not args.direct_user_header:
            with open(args.secret_file, "rb") as f:
                # A trailing newline from `echo secret > file` is not part of the secret.
                self.secret = f.read().rstrip(b"\r\n")

    def headers(self, user: str) -> dict:
        if self.secret is None:
            return {"X-User-Id": user}
        token, exp = self.tokens.get(user, (None, 0))
        now = int(time.time())
        if exp - now < 600:
            exp = now + 3600
            claims = {"sub": user, "iat": now, "exp": exp, "iss": self.args.issuer,
                      "aud": self.args.audience}
            token = hs256({k: v for k, v in claims.items() if v}, self.secret)
            self.tokens[user] = (token, exp)  # one user lives in one worker: no race
        return {"Authorization": "Bearer " + token}


class Stats:
    """Counters shared by all workers (one lock; Python does a few thousand requests/s at most)."""

    def __init__(self, budget):
        self.lock = threading.Lock()
        self.left = budget                # --requests N: tickets left; None: time decides
        self.requests = 0
        self.errors = Counter()           # wrong_body / bad_status / connection
        self.statuses = Counter()         # the unexpected status codes
        self.served = defaultdict(Counter)  # kind -> X-Served-By -> responses
        self.samples = []                 # the first few errors, for the operator

    def record(self, kind, backend=None, error=None, status=None, detail=""):
        with self.lock:
            self.requests += 1
            if backend:
                self.served[kind][backend] += 1
            if error:
                self.errors[error] += 1
                if status is not None:
                    self.statuses[status] += 1
                if len(self.samples) < 5:
                    self.samples.append(detail)

    def take(self):
        with self.lock:
            if self.left is not None:
                self.left -= 1
            return self.left is None or self.left >= 0

    def snapshot(self):
        with self.lock:
            notes = Counter()
            for kind in NOTES_KINDS:
                notes.update(self.served[kind])
            return self.requests, sum(self.errors.values()), notes


class Worker(threading.Thread):
    """Owns a fixed slice of the users, so each user's requests are strictly sequential: the order
    in which we see a user's backends is the order the gateway chose them (with users shared between
    threads, two in-flight requests around a split change could be observed in the wrong order and
    look like a move back)."""

    def __init__(self, index, users, args, auth, stats, stop, watch=None, origin=0.0):
        super().__init__(name=f"worker-{index}", daemon=True)
        self.users, self.args, self.auth = users, args, auth
        self.stats, self.stop = stats, stop
        self.watch, self.origin = watch, origin  # --admin: the split watch; origin: the run's start
        self.rng = random.Random(None if args.seed is None else args.seed * 1000 + index)
        self.last = {}                  # (user, kind) -> (backend, send time) of the previous answer
        self.changed = set()            # (user, kind) that saw more than one backend
        self.bad = set()                # (user, kind) that moved back or sideways
        self.forward = defaultdict(set)  # new backend -> users that moved legacy -> it
        self.back, self.seen = set(), set()
        # --admin: moves waiting for the split watch to catch up, then judged.
        self.pending = deque()          # (user, kind, from, to, after, before) in time order
        self.along = defaultdict(set)   # (from, to) -> users that moved along a split change
        self.along_moves = Counter()    # (from, to) -> such moves
        self.unexplained = set()        # (user, kind) with a move no split change explains
        self.violations = []            # the first few, for the operator

    def run(self):
        url = urlsplit(self.args.gateway)
        conn = None
        while not self.stop.is_set() and self.stats.take():
            user = self.rng.choice(self.users)
            kind = self.rng.choice(tuple(KINDS))
            if kind == "notes_list":
                path, expected = "/api/notes", notes_data.list_json(user)
            elif kind == "notes_item":
                note_id = str(self.rng.choice(notes_data.note_ids(user)))
                path, expected = "/api/notes/" + note_id, notes_data.note_json(user, note_id)
            else:
                path, expected = "/api/account", notes_data.account_json(user)
            headers = {"Accept": "application/json", "User-Agent": "cutover-loadgen"}
            headers.update(self.auth.headers(user))
            sent = time.monotonic()
            try:
                if conn is None:  # http.client also reopens by itself after "Connection: close"
                    conn = http.client.HTTPConnection(url.hostname, url.port or 80,
                                                      timeout=self.args.timeout)
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as e:
                if conn is not None:
                    conn.close()
                conn = None
                self.stats.record(kind, error="connection",
                                  detail=f"{user} GET {path}: {type(e).__name__}: {e}")
                self.stop.wait(0.05)  # don't spin while the gateway is down
                continue
            backend = resp.getheader("X-Served-By")
            if resp.status != 200:
                self.stats.record(kind, backend or "(none)", "bad_status", resp.status,
                                  f"{user} GET {path}: status {resp.status} from {backend}: {body[:200]!r}")
            elif body != expected:
                self.stats.record(kind, backend or "(none)", "wrong_body", None,
                                  f"{user} GET {path}: wrong body from {backend}: {body[:200]!r}")
            else:
                self.stats.record(kind, backend or "(none)")
                self.seen.add(user)
            if backend:
                self.observe(user, kind, backend, sent, time.monotonic())
            if self.watch:
                self.settle()
        if conn is not None:
            conn.close()

    def observe(self, user, kind, backend, sent, received):
        key = (user, kind)
        prev, prev_sent = self.last.get(key, (None, None))
        self.last[key] = (backend, sent)
        if prev is None or prev == backend:
            return
        self.changed.add(key)
        if prev == LEGACY:
            self.forward[backend].add(user)      # what raising a split does
        else:
            self.bad.add(key)                    # back to legacy, or between two new backends
            if backend == LEGACY:
                self.back.add(user)
        if self.watch:
            # The gateway chose `prev` after we sent that request, and `backend` before its answer.
            self.pending.append((user, kind, prev, backend, prev_sent, received))

    def settle(self, final=False):
        """Judges the moves that no split change still to be seen could explain (all when final)."""
        if not self.pending:
            return
        until = None if final else self.watch.settled_until()
        while self.pending and (final or self.pending[0][5] <= until):
            user, kind, old, new, after, before = self.pending.popleft()
            why = self.watch.judge(kind, old, new, after, before)
            if why is None:
                self.along[(old, new)].add(user)
                self.along_moves[(old, new)] += 1
                continue
            self.unexplained.add((user, kind))
            if len(self.violations) < 5:
                self.violations.append(f"{user} {KINDS[kind]}: {old}→{new} between "
                                       f"{after - self.origin:.2f} s and {before - self.origin:.2f} s, {why}")


def shares(counter):
    """backend -> percent of the responses, legacy first."""
    total = sum(counter.values())
    order = sorted(counter, key=lambda b: (b != LEGACY, b))
    return {b: round(100.0 * counter[b] / total, 2) for b in order} if total else {}


def fmt_shares(share):
    return "  ".join(f"{b} {p:.1f}%" for b, p in share.items()) or "-"


def summarize(args, stats, workers, elapsed, interrupted, watch=None, origin=0.0):
    ramp = args.ramp or args.watch
    changed = set().union(*(w.changed for w in workers))
    bad = set().union(*(w.bad for w in workers))
    forward = defaultdict(set)
    along, along_moves = defaultdict(set), Counter()
    for w in workers:
        for backend, users in w.forward.items():
            forward[backend] |= users
        for pair, users in w.along.items():
            along[pair] |= users
        along_moves.update(w.along_moves)
    back = set().union(*(w.back for w in workers))
    if watch:
        mode, violations = "admin", len(set().union(*(w.unexplained for w in workers)))
    else:
        mode, violations = ("ramp" if ramp else "strict"), (len(bad) if ramp else len(changed))
    errors = sum(stats.errors.values())
    admin = {} if not watch else {
        "moved_along_changes": [{"from": a, "to": b, "users": len(u), "moves": along_moves[(a, b)]}
                                for (a, b), u in sorted(along.items())],
        "violation_samples": [v for w in workers for v in w.violations][:5],
        "admin": watch.report(origin),
    }
    return {
        "gateway": args.gateway, "duration_s": round(elapsed, 3), "requests": stats.requests,
        "rps": round(stats.requests / elapsed, 1) if elapsed > 0 else 0.0,
        "errors": {"total": errors, **{k: stats.errors[k] for k in ("wrong_body", "bad_status", "connection")}},
        "bad_status_codes": {str(k): v for k, v in sorted(stats.statuses.items())},
        "endpoints": {k: {"endpoint": KINDS[k], "requests": sum(stats.served[k].values()),
                          "share": shares(stats.served[k])} for k in KINDS},
        "users": args.users, "users_seen": len(set().union(*(w.seen for w in workers))),
        "moved_forward": {b: len(u) for b, u in sorted(forward.items())},
        "moved_back": len(back), "sticky_mode": mode, **admin,
        "sticky_violations": violations, "interrupted": interrupted,
        "pass": errors == 0 and violations == 0,
    }


def print_table(r):
    e = r["errors"]
    print(f"cutover loadgen -> {r['gateway']}: {r['requests']} requests in {r['duration_s']:.1f} s "
          f"({r['rps']:.1f}/s){', interrupted' if r['interrupted'] else ''}")
    print(f"users seen:  {r['users_seen']} of {r['users']}")
    print(f"errors:      {e['total']} (wrong body {e['wrong_body']}, bad status {e['bad_status']}, "
          f"connection {e['connection']})" +
          (f"  statuses: {r['bad_status_codes']}" if r["bad_status_codes"] else ""))
    print(f"{'endpoint':<22}{'requests':>9}  share by X-Served-By")
    for ep in r["endpoints"].values():
        print(f"{ep['endpoint']:<22}{ep['requests']:>9}  {fmt_shares(ep['share'])}")
    if r["sticky_mode"] == "admin":
        admin = r["admin"]
        changes = admin["split_changes"]
        failed = f" ({admin['failed_polls']} of {admin['polls']} polls got no answer)" if admin["failed_polls"] else ""
        print(f"split:       {len(changes)} change(s) seen by polling {admin['url']}{failed}")
        for c in changes[:10]:
            print(f"  {c['at_s']:7.2f} s  route {c['route']}: {split_watch.fmt_split(c['from'])} → "
                  f"{split_watch.fmt_split(c['to'])}")
        if len(changes) > 10:
            print(f"  ... and {len(changes) - 10} more")
        along = ", ".join(f"{m['from']}→{m['to']}: {m['users']} users" for m in r["moved_along_changes"])
        print(f"stickiness:  moved along split changes: {along or '0 users'}; "
              f"violations: {r['sticky_violations']} (admin: moves against a split change, or with none, count)")
    else:
        fwd = ", ".join(f"moved {LEGACY}→{b}: {n} users" for b, n in r["moved_forward"].items())
        print(f"stickiness:  {fwd or f'moved {LEGACY}→new: 0 users'}, moved back: {r['moved_back']} users; "
              f"violations: {r['sticky_violations']} ({r['sticky_mode']}: "
              + ("only moves back or sideways count)" if r["sticky_mode"] == "ramp" else "any change counts)"))
    print("result:      " + ("PASS" if r["pass"] else "FAIL"))


def parse_args():
    p = argparse.ArgumentParser(description="cutover demo load generator", epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gateway", default="http://127.0.0.1:8080", help="base URL (http only)")
    p.add_argument("--users", type=int, default=200, help="simulated users user-1..user-N (200)")
    run = p.add_mutually_exclusive_group()
    run.add_argument("--duration", type=float, default=10.0, help="seconds to run (default 10)")
    run.add_argument("--requests", type=int, help="stop after this many requests instead")
    run.add_argument("--watch", action="store_true",
                     help="run until Ctrl-C, printing req/s and the /api/notes* split every 2 s")
    p.add_argument("--concurrency", type=int, default=16, help="worker threads/connections (16)")
    p.add_argument("--secret-file", help="file holding the gateway's HS256 secret")
    p.add_argument("--issuer", help="iss claim to put in tokens")
    p.add_argument("--audience", help="aud claim to put in tokens")
    p.add_argument("--admin", metavar="URL",
                   help="the gateway's admin API (e.g. http://127.0.0.1:9901): moves along the split "
                        "changes it shows during the run are reported apart from violations")
    p.add_argument("--ramp", action="store_true",
                   help="without --admin: the split is raised during the run, only moves back count as "
                        "violations (implied by --watch)")
    p.add_argument("--legacy", default="legacy", help="X-Served-By of the legacy backend")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, seconds")
    p.add_argument("--seed", type=int, help="seed for the random choices (reproducible runs)")
    p.add_argument("--quiet", action="store_true", help="no progress lines or error samples")
    p.add_argument("--json", action="store_true", help="summary as one line of JSON on stdout")
    p.add_argument("--print-token", metavar="USER",
                   help="print a bearer token for USER (valid 1 h) and exit, for trying things with curl")
    p.add_argument("--direct-user-header", action="store_true",
                   help="TESTING AID: send X-User-Id instead of a JWT, to aim at a backend directly")
    args = p.parse_args()
    if not args.direct_user_header and not args.secret_file:
        p.error("--secret-file is required (or --direct-user-header to bypass the gateway)")
    url = urlsplit(args.gateway)
    if url.scheme != "http" or not url.hostname or url.path not in ("", "/"):
        p.error("--gateway must look like http://HOST:PORT")
    admin = urlsplit(args.admin) if args.admin else None
    if admin and (admin.scheme != "http" or not admin.hostname or admin.path not in ("", "/")):
        p.error("--admin must look like http://HOST:PORT")
    if args.users < 1 or args.concurrency < 1 or (args.requests is not None and args.requests < 0):
        p.error("--users and --concurrency must be at least 1, --requests at least 0")
    return args


def start_watch(args, progress):
    """The split watch for --admin, polled once before any traffic (exit 2 when that fails)."""
    # One representative id: note ids are plain segments, and routes match all of them alike.
    kinds = {"notes_list": ("GET", "/api/notes"),
             "notes_item": ("GET", f"/api/notes/{notes_data.note_ids('user-1')[0]}"),
             "account": ("GET", "/api/account")}
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    watch = split_watch.SplitWatch(args.admin, kinds, urlsplit(args.gateway).hostname, log)
    try:
        watch.poll()
    except split_watch.AdminError as e:
        print(f"loadgen: cannot read the routes from the admin API at {args.admin}: {e}\n"
              "  --admin takes the gateway's admin.listen address, e.g. http://127.0.0.1:9901",
              file=sys.stderr)
        sys.exit(2)
    if progress:
        served = "; ".join(f"{KINDS[k]} → route {d}" for k, d in watch.describe().items())
        print(f"loadgen: split watch on {args.admin}: {served}", file=progress, flush=True)
    watch.start()
    return watch


def main():
    global LEGACY
    args = parse_args()
    LEGACY = args.legacy
    try:
        auth = Auth(args)
    except OSError as e:
        print(f"loadgen: cannot read --secret-file: {e}", file=sys.stderr)
        sys.exit(2)
    if args.print_token:
        print(auth.headers(args.print_token)["Authorization"].removeprefix("Bearer "))
        return
    progress = None if args.quiet else (sys.stdout if args.watch else sys.stderr)
    watch = start_watch(args, progress) if args.admin else None
    stats, stop = Stats(None if args.watch else args.requests), threading.Event()
    users = [f"user-{i}" for i in range(1, args.users + 1)]
    n = min(args.concurrency, len(users))
    start = time.monotonic()
    workers = [Worker(i, users[i::n], args, auth, stats, stop, watch, start) for i in range(n)]
    timed = not args.watch and args.requests is None

    def stop_signal(signum, frame):
        raise KeyboardInterrupt
    # SIGTERM stops like Ctrl-C (summary still printed). SIGINT explicitly too, since a shell
    # starts background jobs with SIGINT ignored and tests stop `--watch` runs that way.
    signal.signal(signal.SIGINT, stop_signal)
    signal.signal(signal.SIGTERM, stop_signal)
    for w in workers:
        w.start()
    interrupted, tick, prev, seen = False, start + INTERVAL, stats.snapshot(), 0
    try:
        while any(w.is_alive() for w in workers):
            time.sleep(0.05)
            now = time.monotonic()
            if timed and now - start >= args.duration:
                break
            if watch:
                for at, route, old, new in watch.route_changes_since(seen):
                    seen += 1
                    if progress:
                        print(f"[{at - start:6.1f}s] split change on route {route}: "
                              f"{split_watch.fmt_split(old)} → {split_watch.fmt_split(new)}",
                              file=progress, flush=True)
            if now >= tick:
                cur = stats.snapshot()
                if progress:
                    print(f"[{now - start:6.0f}s] {(cur[0] - prev[0]) / INTERVAL:8.1f} req/s  "
                          f"/api/notes*: {fmt_shares(shares(cur[2] - prev[2]))}  errors {cur[1] - prev[1]}",
                          file=progress, flush=True)
                prev, tick = cur, tick + INTERVAL
    except KeyboardInterrupt:
        interrupted = not args.watch  # in --watch mode Ctrl-C is the normal way to stop
    stop.set()
    try:
        for w in workers:  # each finishes its in-flight request (bounded by --timeout)
            w.join()
    except KeyboardInterrupt:
        sys.exit(130)
    elapsed = time.monotonic() - start
    if watch:
        watch.stop()
        try:
            watch.poll()  # a change made just before the end explains the last moves
        except split_watch.AdminError:
            pass          # counted in failed_polls; moves it would explain stay violations
        for w in workers:
            w.settle(final=True)

    report = summarize(args, stats, workers, elapsed, interrupted, watch, start)
    if not args.quiet and stats.samples:
        print("first errors:\n  " + "\n  ".join(stats.samples), file=sys.stderr)
    if not args.quiet and report.get("violation_samples"):
        print("first violations:\n  " + "\n  ".join(report["violation_samples"]), file=sys.stderr)
    if args.json:
        print(json.dumps(report, separators=(",", ":"), ensure_ascii=False), flush=True)
    else:
        print_table(report)
    sys.exit(130 if interrupted else 0 if report["pass"] else 1)


if __name__ == "__main__":
    main()
