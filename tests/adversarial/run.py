#!/usr/bin/env python3
"""cutover's adversarial suite (issue 19, point 9): every case of the table in cases/ as raw bytes
against the real gateway binary, in front of a recording backend (and a few in front of Python's
wsgiref), and the same table against nginx and HAProxy as a comparison, in the same run.

    tests/adversarial/run.py --cutover build/cutover            # everything
    tests/adversarial/run.py --only 'host/' --peers none -v     # some cases, cutover only

Exit status: 0 when every case passes on cutover (contract questions aside), 1 otherwise. nginx
and HAProxy never change it. Each proxy runs `--lanes` copies, each with a backend of its own, and
a lane runs its cases one at a time, so what a backend logs during a case belongs to that case.
"""
import argparse
import os
import queue
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cases import load  # noqa: E402
from harness import proxies, report, tokens  # noqa: E402
from harness.backend import RecordingBackend  # noqa: E402
from harness.client import exchange  # noqa: E402
from harness.judge import judge  # noqa: E402
from harness.wsgi_backend import WsgiBackend  # noqa: E402

WARMUP = b"GET /warmup HTTP/1.1\r\nHost: gw.test\r\n\r\n"
DEFAULT_BINARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "cutover")


class Result:
    def __init__(self, raw, user, outcome, verdict, events):
        self.raw, self.user, self.outcome, self.verdict, self.events = raw, user, outcome, verdict, events


class Lane:
    """One proxy process and the backend behind it; runs one case at a time."""

    def __init__(self, kind, binary, run_dir, backend, shared):
        self.kind, self.backend = kind, backend
        self.proxy = proxies.start(kind, binary, run_dir, backend.port, shared["jwt_key"], shared["jwt_file"],
                                   shared.get("auth_port"), shared.get("template"))
        for _ in range(50):  # the proxy is up; wait until it reaches the backend too
            backend.case = "warmup"
            if exchange(self.proxy.port, WARMUP, timeout=2).status == 200:
                return
            time.sleep(0.1)
        tail = self.proxy.tail()
        self.stop()
        raise RuntimeError(f"{kind} never answered 200 through its backend:\n{tail}")

    def settle(self, name):
        """Waits until the backend has been quiet a moment and holds no open part of this case."""
        deadline = time.monotonic() + 1.5
        time.sleep(0.05)  # a proxy may still be writing upstream after it answered the client
        while time.monotonic() < deadline:
            quiet = time.monotonic() - self.backend.last_activity() > 0.1
            if quiet and not self.backend.pending(name):
                return
            time.sleep(0.02)

    def run(self, case, shared):
        raw, user = tokens.substitute(case.raw, shared["tokens"])
        user = user if case.user == "auto" else case.user
        self.backend.case = case.name
        outcome = exchange(self.proxy.port, raw, case.timeout, case.linger)
        self.settle(case.name)
        events = self.backend.events_of(case.name)
        verdict = judge(case, outcome, user, shared["secret"], events, self.backend.pending(case.name), self.kind)
        return Result(raw, user, outcome, verdict, events)

    def stop(self):
        self.proxy.stop()
        self.backend.stop()


def _lane(kind, binary, run_dir, backend, shared):
    try:
        return Lane(kind, binary, run_dir, backend, shared)
    except BaseException:
        backend.stop()
        raise


def start_lanes(kind, binary, count, wsgi, tmp, shared):
    """count lanes with a recording backend, plus one with wsgiref; all or none are left running."""
    lanes = []
    try:
        for i in range(count):
            lanes.append(_lane(kind, binary, os.path.join(tmp, f"{kind}-{i}"), RecordingBackend(shared["secret"]),
                               shared))
        if wsgi:
            lanes.append(_lane(kind, binary, os.path.join(tmp, f"{kind}-wsgi"), WsgiBackend(shared["secret"]), shared))
            lanes[-1].wsgi = True
    except BaseException:
        for lane in lanes:
            lane.stop()
        raise
    return lanes


def run_kind(kind, lanes, cases, shared, results):
    """Runs every case on the lanes of one proxy: wsgi rows on the wsgiref lane, the rest spread."""
    plain, wsgi = queue.Queue(), queue.Queue()
    for c in cases:
        (wsgi if c.backend == "wsgi" else plain).put(c)

    def worker(lane, q):
        while True:
            try:
                case = q.get_nowait()
            except queue.Empty:
                return
            results[case.name] = lane.run(case, shared)
            results[case.name].lane = lane

    threads = [threading.Thread(target=worker, args=(lane, wsgi if getattr(lane, "wsgi", False) else plain),
                                daemon=True) for lane in lanes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Bytes a backend logged after its case was judged still belong to that case: judge again
    # (a proxy may close a cut-off upstream connection a moment after it answered the client).
    for case in cases:
        r = results[case.name]
        late = r.lane.backend.events_of(case.name)
        if len(late) != len(r.events):
            again = judge(case, r.outcome, r.user, shared["secret"], late, {}, kind)
            note = f"(judged again: {len(late) - len(r.events)} backend event(s) came after the case)"
            (again.safety or again.contract or []).append(note)
            r.verdict, r.events = again, late


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cutover", default=os.path.normpath(DEFAULT_BINARY),
                    help="the gateway binary (default: %(default)s)")
    ap.add_argument("--cutover-config", help="a cutover config template instead of conf/cutover.yaml")
    ap.add_argument("--peers", default="nginx,haproxy", help="comma list of nginx,haproxy, or 'none'")
    ap.add_argument("--lanes", type=int, default=4, help="proxy copies per proxy kind")
    ap.add_argument("--only", help="regular expression over case names")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print the peers' failures")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (configs, proxy logs)")
    args = ap.parse_args()
    # CTest's timeout sends SIGTERM: unwind through `finally`, so no proxy outlives the run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    cases = load()
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.name)]
    if not cases:
        sys.exit("no case matches")
    if not os.access(args.cutover, os.X_OK):
        sys.exit(f"cutover binary not found: {args.cutover} (build it, or pass --cutover PATH)")
    binaries = {"cutover": args.cutover}
    for peer in [p for p in args.peers.split(",") if p and p != "none"]:
        found = proxies.find_peer(peer)
        if found:
            binaries[peer] = found
        else:
            print(f"{peer}: not installed, skipped (scripts/install-deps.sh --tests installs it)")
    wsgi = any(c.backend == "wsgi" for c in cases)
    started, lanes, results, not_started, auth = time.monotonic(), {}, {}, {}, None
    tmp = tempfile.mkdtemp(prefix="cutover-adversarial-")
    try:
        shared = {"secret": "SECRET-" + secrets.token_hex(16), "jwt_key": secrets.token_hex(24),
                  "jwt_file": os.path.join(tmp, "jwt.secret")}
        with open(shared["jwt_file"], "w") as f:
            f.write(shared["jwt_key"] + "\n")
        shared["tokens"] = tokens.mint_all(shared["jwt_key"])
        if args.cutover_config:
            shared["template"] = os.path.abspath(args.cutover_config)
        auth = proxies.AuthService(shared["jwt_key"])
        shared["auth_port"] = auth.port
        for kind, binary in binaries.items():
            try:
                lanes[kind] = start_lanes(kind, binary, args.lanes, wsgi, tmp, shared)
            except (RuntimeError, OSError) as e:  # the others still run, for the comparison
                not_started[kind] = str(e)
                print(f"{kind}: could not start: {e}")
        runners = []
        for kind in lanes:
            results[kind] = {}
            runners.append(threading.Thread(target=run_kind, args=(kind, lanes[kind], cases, shared, results[kind]),
                                            daemon=True))
        for t in runners:
            t.start()
        for t in runners:
            t.join()
        for kind in lanes:
            for lane in lanes[kind]:
                if not lane.proxy.alive():
                    print(f"{kind}: a proxy process DIED during the run (exit {lane.proxy.popen.returncode}):\n"
                          f"{lane.proxy.tail()}")
                    if kind == "cutover":
                        results[kind]["__died__"] = True
    finally:
        for kind in lanes:
            for lane in lanes[kind]:
                lane.stop()
        for proxy in list(proxies.RUNNING):  # those of a lane that was still starting
            proxy.stop()
        if auth is not None:
            auth.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    died = results.get("cutover", {}).pop("__died__", False)
    kinds = list(binaries)
    for kind in kinds:
        if kind != "cutover" and not args.verbose:
            continue
        for c in cases:
            r = results.get(kind, {}).get(c.name)
            if r is not None and not r.verdict.passed and not c.gap:
                print(report.failure(kind, c, r))
    print(report.gaps(cases, results, kinds))
    print(report.scores(cases, {k: results.get(k) for k in kinds}, kinds))
    elapsed = time.monotonic() - started
    if "cutover" in not_started:
        print(f"\ncutover did not start, so no case ran against it ({elapsed:.1f}s)")
        return 1
    counted = [c for c in cases if not c.gap]
    failed = [c for c in counted if not results["cutover"][c.name].verdict.passed]
    print(f"\ncutover: {len(counted) - len(failed)}/{len(counted)} cases passed, {len(failed)} failed "
          f"({len(cases) - len(counted)} contract questions not counted), {elapsed:.1f}s")
    return 1 if failed or died else 0


if __name__ == "__main__":
    sys.exit(main())
