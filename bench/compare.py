#!/usr/bin/env python3
"""Two cutover binaries against each other, interleaved, on the benchmark's set-up: is a change
cheaper? The peers are not run; each pair (A then B, or B then A, alternating so neither always
goes first) is measured back to back, and the per-pair ratio B/A of requests per CPU-second is
what to read: the host's drift moves both halves of a pair together (docs/performance.md,
"Comparing two builds").

    bench/run.sh --scenario 1                    # once: installs nginx and wrk, builds build-bench/
    python3 bench/compare.py --build-dir build-bench --baseline /tmp/old/cutover \\
        --connections 64 --connections 5000 --pairs 6
    # one build, two configurations: --baseline build-bench/cutover --b-backend 'max_connections_per_endpoint: 128'
"""
import argparse
import os
import resource
import statistics
import sys
import time

from harness.load import run_openloop, run_wrk
from harness.measure import measure
from harness.proxies import Env, have_binaries, start_backend
from harness.procs import free_ports
from harness.scenarios import CONNECTION_RAMP


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True, help="Release build: its cutover is B; its loadgen/openloop drives both")
    ap.add_argument("--baseline", required=True, help="the cutover binary to compare against (A)")
    ap.add_argument("--connections", type=int, action="append", help="closed-loop keep-alive connections (repeatable; default 64)")
    ap.add_argument("--pairs", type=int, default=6, help="A/B pairs per connection count (default 6)")
    ap.add_argument("--duration", type=int, default=5, help="seconds per measured run (default 5)")
    ap.add_argument("--out", help="run directory (default BUILD_DIR/bench-results/compare-TIMESTAMP)")
    ap.add_argument("--a-backend", default="", metavar="SETTINGS",
                    help="more settings for A's backends, e.g. 'max_connections_per_endpoint: 128'")
    ap.add_argument("--b-backend", default="", metavar="SETTINGS", help="the same for B")
    args = ap.parse_args()
    if args.pairs < 1 or args.duration < 1 or any(n < 1 for n in args.connections or []):
        ap.error("--pairs, --duration and --connections must be at least 1")
    return args


def raise_open_files_limit():
    # openloop holds one descriptor per connection and inherits this limit (bench/setup.sh does
    # the same for bench/run.sh); cutover raises its own.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def summarize(connections, a_all, b_all):
    if not a_all:
        return
    ratios = [b / a for a, b in zip(a_all, b_all)]
    favour = sum(r > 1 for r in ratios)
    print(f"{connections:>5} conns: median A {statistics.median(a_all):.0f}, B {statistics.median(b_all):.0f} "
          f"req/CPU-s; B/A per pair median {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}-{max(ratios):.3f}; {favour} of {len(ratios)} pairs favour B)", flush=True)


def main():
    args = parse_args()
    build_dir = os.path.abspath(args.build_dir)
    candidate = os.path.join(build_dir, "cutover")
    missing = [b for b in have_binaries() if b != "haproxy"]
    if missing:
        sys.exit(f"compare: missing {', '.join(missing)} (bench/run.sh installs them)")
    for binary in (candidate, args.baseline, os.path.join(build_dir, "loadgen", "openloop")):
        if not os.access(binary, os.X_OK):
            sys.exit(f"compare: {binary} is not an executable (bench/run.sh builds the load generator)")
    raise_open_files_limit()
    run_dir = os.path.abspath(args.out or os.path.join(build_dir, "bench-results", time.strftime("compare-%Y%m%d-%H%M%S")))
    os.makedirs(run_dir, exist_ok=True)
    env = Env(os.path.dirname(os.path.abspath(__file__)), build_dir, run_dir, "nginx", free_ports(4))
    binaries = {"A": os.path.abspath(args.baseline), "B": candidate}
    settings = {"A": args.a_backend, "B": args.b_backend}
    print(f"compare: A = {binaries['A']} {settings['A']}\n         B = {binaries['B']} {settings['B']}\n"
          f"         results in {run_dir}", flush=True)

    def one(which, connections):
        env.cutover = binaries[which]
        s = measure(env, "cutover",
                    lambda w: run_openloop(env, env.proxy_port, 0, connections, args.duration,
                                           warmup=CONNECTION_RAMP if connections > 64 else 1, window=w),
                    warmup=lambda: run_wrk(env, env.proxy_port, 1, 1), pool=max(64, connections), tag=which,
                    backend_extra=settings[which])
        if s["errors"]:
            raise RuntimeError(f"{which} at {connections} connections: {s['errors']} errors")
        return s

    backend = start_backend(env)
    try:
        for connections in args.connections or [64]:
            a_all, b_all = [], []
            try:
                for pair in range(args.pairs):
                    order = ("A", "B") if pair % 2 == 0 else ("B", "A")
                    got = {which: one(which, connections) for which in order}
                    a, b = got["A"]["req_per_cpu_s"], got["B"]["req_per_cpu_s"]
                    a_all.append(a)
                    b_all.append(b)
                    split = "  ".join(f"{w} {got[w]['user_us']:.1f}+{got[w]['sys_us']:.1f}" for w in ("A", "B"))
                    rates = "  ".join(f"{w} {got[w]['rps']:.0f}" for w in ("A", "B"))
                    print(f"  {connections:>5} conns pair {pair + 1}/{args.pairs} ({order[0]} first): "
                          f"A {a:>8.0f}  B {b:>8.0f} req/CPU-s  B/A {b / a:.3f}   "
                          f"user+sys us/req {split}   req/s {rates}", flush=True)
            finally:
                summarize(connections, a_all, b_all)  # the pairs done so far, even if one failed
    finally:
        for proc in backend:
            proc.stop()


if __name__ == "__main__":
    main()
