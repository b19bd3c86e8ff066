#!/usr/bin/env python3
"""cutover benchmark orchestration (run it through bench/run.sh, which installs and builds first).

Measures cutover against nginx, HAProxy (mode http) and HAProxy (mode tcp, the L4 floor), and with TLS
against nginx and HAProxy (scenario 6): every proxy with one worker pinned to CPU 0, the backend and the
load generator on CPU 1. See docs/performance.md.
"""
import argparse
import datetime
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import report  # noqa: E402
from harness.procs import free_ports  # noqa: E402
from harness.proxies import Env, have_binaries, start_backend  # noqa: E402
from harness.scenarios import SCENARIOS, Settings  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 s runs, fewer repetitions, no 10 MiB / 5,000-connection points")
    ap.add_argument("--scenario", action="append", type=int, choices=sorted(SCENARIOS),
                    help="run only this scenario (repeatable; default: all)")
    ap.add_argument("--duration", type=int, help="seconds per measured run (default 5, --quick 2)")
    ap.add_argument("--reps", type=int, help="repetitions of every variant (default: 5 for 1; 3 for 2, 3, 4a, 5; 2 for 4b, 4c, 6)")
    ap.add_argument("--backend", choices=["nginx", "test_upstream"], default="nginx",
                    help="the fast backend (default nginx: cheaper per request than test_upstream, see docs)")
    ap.add_argument("--build-dir", required=True, help="cutover Release build (cutover, tests/test_upstream, loadgen/)")
    ap.add_argument("--out", help="results directory (default BUILD_DIR/bench-results/TIMESTAMP)")
    return ap.parse_args()


def machine_note():
    load = os.getloadavg()
    return (f"Machine: {platform.node()}, {os.cpu_count()} CPUs ({cpu_model()}), kernel {platform.release()}; "
            f"load average before the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min). "
            "Proxy pinned to CPU 0; backend and load generator share CPU 1.")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    args = parse_args()
    missing = have_binaries()
    if missing:
        sys.exit(f"bench: missing {', '.join(missing)} (bench/run.sh installs them)")
    if (os.cpu_count() or 1) < 2:
        sys.exit("bench: needs at least 2 CPUs (proxy on CPU 0, backend and load generator on CPU 1)")
    st = Settings(args.quick, args.duration, args.reps)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = os.path.abspath(args.out or os.path.join(args.build_dir, "bench-results", stamp))
    os.makedirs(out_dir, exist_ok=True)
    env = Env(os.path.dirname(os.path.abspath(__file__)), os.path.abspath(args.build_dir), out_dir, args.backend,
              free_ports(4))
    meta = {"when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine_note(),
            "quick": args.quick, "backend": args.backend, "duration_s": st.duration}
    log_file = open(os.path.join(out_dir, "progress.log"), "a")

    def log(msg):
        print(msg, flush=True)
        log_file.write(msg + "\n")
        log_file.flush()

    log(f"bench: results in {out_dir}; backend {args.backend}; {st.duration} s per run")
    log(meta["machine"])
    wanted = args.scenario or sorted(SCENARIOS)
    results, started = {}, time.monotonic()
    backend = start_backend(env)
    try:
        for number in wanted:
            for name, fn in SCENARIOS[number]:
                log(f"scenario {number} ({name}):")
                results[name] = fn(env, st, log)
                with open(os.path.join(out_dir, "results.json"), "w") as f:
                    json.dump({"meta": meta, "results": results}, f, indent=1)
    finally:
        for proc in backend:
            proc.stop()
    meta["elapsed_s"] = round(time.monotonic() - started)
    text = report.render(results, st, meta)
    text += f"\nTotal time {meta['elapsed_s'] // 60} min {meta['elapsed_s'] % 60} s. Raw samples: {out_dir}/results.json\n"
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    print()
    print(text)


if __name__ == "__main__":
    main()
