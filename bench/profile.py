#!/usr/bin/env python3
"""Callgrind profile of cutover under the headline load (run it through bench/profile.sh).

cutover (Release, one worker) runs under valgrind --tool=callgrind with instrumentation off; after a
short warm-up, instrumentation is switched on for exactly --requests requests of scenario 1's shape
(small GET, 64 keep-alive connections, sent by openloop at a fixed rate), then off again. Writes
callgrind.out plus the top functions by inclusive and by self cost (profile.md).

At the default 1,000 req/s requests rarely overlap. `--rate 0` drives the 64 connections in a
closed loop instead, for about --requests requests, so requests are in flight together as at
saturation. Costs that depend on overlap, such as frames Asio cannot recycle, show only then.

"""
import argparse
import datetime
import os
import re
import subprocess
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness.load import run_openloop  # noqa: E402
from harness.procs import free_ports  # noqa: E402
from harness.proxies import Env, start_backend, start_proxy  # noqa: E402
from harness.scenarios import JWT_SECRET, hs256_token, write_jwt_secret  # noqa: E402

ROW = re.compile(r"^(\s*[\d,]+ \(\s*[\d.]+%\))\s+(.*)$")


def collapse(text, open_ch, close_ch, inner):
    """Replaces what is between each outermost open_ch/close_ch pair by `inner`."""
    out, depth = [], 0
    for ch in text:
        if ch == open_ch:
            if depth == 0:
                out.append(open_ch + inner)
            depth += 1
        elif ch == close_ch and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(close_ch)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def shorten(row, width=150):
    """A callgrind_annotate row with template and parameter lists collapsed, file and object dropped
    (a library other than cutover itself is named in brackets), so the table fits a page."""
    m = ROW.match(row)
    if not m:
        return row
    cost, name = m.groups()
    obj = re.search(r"\s\[([^\]]+)\]$", name)
    if obj:
        name = name[:obj.start()]
    name = re.sub(r"^(\?\?\?|[^\s:]*\.[A-Za-z]+):(?!:)", "", name).replace("(anonymous namespace)", "{anon}")
    name = name.replace("operator()", "operator\x01").replace("operator<<", "operator\x02")
    name = collapse(collapse(name, "<", ">", "…"), "(", ")", "…").replace("(…)", "()")
    name = name.replace("operator\x01", "operator()").replace("operator\x02", "operator<<")
    lib = os.path.basename(obj.group(1)) if obj else ""
    if lib and lib != "cutover":
        name += f"  [{lib}]"
    if len(name) > width:
        name = name[:width - 1] + "…"
    return f"{cost}  {name}"


def annotate(out_file, inclusive, top):
    cmd = ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", out_file]
    lines = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
    total = next((l for l in lines if "PROGRAM TOTALS" in l), "")
    start = next(i for i, l in enumerate(lines) if "file:function" in l) + 2
    rows = [shorten(l) for l in lines[start:] if l.strip()][:top]
    return total, rows


def tables(out_file, requests, top):
    report = []
    for inclusive in (True, False):
        total, rows = annotate(out_file, inclusive, top)
        ir = int(re.sub(r"[^0-9]", "", total.split()[0])) if total else 0
        per = f"  ({ir / requests:,.0f} instructions per request)" if requests else ""
        report += [f"## top {top} by {'inclusive' if inclusive else 'self'} cost", "",
                   f"{total.strip()}{per}", "", "```"] + rows + ["```", ""]
    return "\n".join(report)


def syscalls(env, proxy, requests, rate=1000, features=()):
    """Counts the system calls `proxy` makes for `requests` requests of the headline shape
    (strace -c attached to the running process; the counts are exact however much strace slows it).
    With cutover features, every request carries one user's JWT (the token-cache hit path)."""
    port = env.proxy_port
    headers = []
    if features:
        write_jwt_secret(env)
        token = hs256_token({"sub": "user-1", "exp": int(time.time()) + 3600}, JWT_SECRET)
        headers = [f"Authorization: Bearer {token}"]
    proc = start_proxy(env, proxy, features=features, tag="features" if features else "")
    out_file = os.path.join(env.run_dir, f"strace-{proxy}{'-features' if features else ''}.txt")
    try:
        run_openloop(env, port, rate, 64, 1, headers=headers)  # warm-up: connections, pools
        strace = subprocess.Popen(["strace", "-c", "-f", "-o", out_file, "-p", str(proc.pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # let strace attach to every thread
        r = run_openloop(env, port, rate, 64, requests / rate, headers=headers)
        strace.send_signal(signal.SIGINT)
        strace.wait(timeout=30)
    finally:
        proc.stop()
    counts = {}
    with open(out_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[-1] != "total" and parts[3].isdigit():
                counts[parts[-1]] = int(parts[3])
    sent = r["sent"]
    return sent, {name: n / sent for name, n in sorted(counts.items(), key=lambda kv: -kv[1])}


FEATURES = ("jwt", "split", "log")


def syscall_table(env, proxies, requests):
    """proxies: names; "cutover+features" is cutover with JWT identity, the 25% split and the access log."""
    per = {p: syscalls(env, p.split("+")[0], requests, features=FEATURES if p.endswith("+features") else ())
           for p in proxies}
    names = []
    for _, counts in per.values():
        names += [n for n in counts if n not in names and counts[n] >= 0.01]
    lines = [f"## system calls per request ({requests:,} requests at 1,000 req/s, 64 connections, strace -c)", "",
             "| syscall | " + " | ".join(proxies) + " |", "|---|" + "---:|" * len(proxies)]
    totals = [sum(c.values()) for _, c in per.values()]
    lines.append("| **total** | " + " | ".join(f"**{t:.2f}**" for t in totals) + " |")
    for n in names:
        lines.append(f"| {n} | " + " | ".join(f"{per[p][1].get(n, 0):.2f}" for p in proxies) + " |")
    return "\n".join(lines) + "\n"


def callgrind(env, out_file, requests, rate, routes=1, path="/", backend_extra=""):
    """Runs cutover under callgrind with instrumentation on for exactly `requests` requests of `path`,
    with the route table of scenario 4a (`routes` routes)."""
    wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}"]
    port = env.proxy_port
    proc = start_proxy(env, "cutover", wrapper=wrapper, ready_timeout=180, routes=routes, backend_extra=backend_extra)
    try:
        run_openloop(env, port, 200, 64, 2, path=path)  # warm-up: connections, pools, caches
        subprocess.run(["callgrind_control", "--instr=on", str(proc.pid)], check=True, capture_output=True)
        t0 = time.monotonic()
        # Closed loop: callgrind serves ~5,000 req/s here, so aim at `requests` by time.
        r = run_openloop(env, port, rate, 64, requests / (rate or 5000), path=path)
        subprocess.run(["callgrind_control", "--instr=off", str(proc.pid)], check=True, capture_output=True)
        print(f"profiled {r['sent']} requests in {time.monotonic() - t0:.1f} s, {r['errors']} errors")
        return r["sent"]  # every request sent was answered before instrumentation went off
    finally:
        proc.stop(timeout=180)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--requests", type=int, default=20000, help="requests under callgrind (0: skip callgrind)")
    ap.add_argument("--rate", type=int, default=1000, help="offered req/s while profiling (callgrind is ~50x slower); 0: closed loop, requests overlapping as at saturation")
    ap.add_argument("--routes", type=int, default=1, help="route table size (scenario 4a's tables)")
    ap.add_argument("--path", default="/", help="request path (e.g. /r4999/items/42 with --routes 10000)")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--out", help="default BUILD_DIR/bench-results/profile-TIMESTAMP")
    ap.add_argument("--annotate", metavar="CALLGRIND_OUT", help="only print the tables of an earlier profile")
    ap.add_argument("--backend-settings", default="", metavar="SETTINGS",
                    help="more settings for cutover's backends, e.g. 'max_connections_per_endpoint: 32'")
    ap.add_argument("--syscall-requests", type=int, default=3000, help="requests per proxy for the strace count (0: skip)")
    args = ap.parse_args()
    if args.annotate:
        print(tables(args.annotate, None, args.top))
        return
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = os.path.abspath(args.out or os.path.join(args.build_dir, "bench-results", f"profile-{stamp}"))
    os.makedirs(out_dir, exist_ok=True)
    env = Env(os.path.dirname(os.path.abspath(__file__)), os.path.abspath(args.build_dir), out_dir, "nginx",
              free_ports(4))
    out_file = os.path.join(out_dir, "callgrind.out")
    backend = start_backend(env)
    try:
        requests = callgrind(env, out_file, args.requests, args.rate, args.routes, args.path,
                             args.backend_settings) if args.requests else 0
        sys_text = syscall_table(env, ["cutover", "cutover+features", "nginx", "haproxy-http"],
                                 args.syscall_requests) if args.syscall_requests else ""
    finally:
        for b in backend:
            b.stop()
    text = ""
    if requests:
        load = f"{args.rate:,} req/s" if args.rate else "closed loop"
        text += (f"# callgrind profile of cutover: {requests} requests of GET {args.path}, 64 connections, "
                 f"{load}, {args.routes} route(s)\n\n")
        text += tables(out_file, requests, args.top) + "\n"
    text += sys_text
    with open(os.path.join(out_dir, "profile.md"), "w") as f:
        f.write(text)
    print(text)
    if requests:
        print(f"full data: callgrind_annotate {out_file}")


if __name__ == "__main__":
    main()
