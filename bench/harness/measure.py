"""One measurement: fresh proxy, warm-up, then a load run with the proxy's CPU and memory read from /proc."""
import statistics
import time

from .procs import RssSampler, cpu_busy_seconds
from .proxies import PROXY_CPU, start_proxy


class Window:
    """The measured interval of a load run: the load generator opens it when its measured requests
    start and closes it when they end; CPU time and wall time are read at both edges, VmRSS sampled
    in between."""

    def __init__(self, proc):
        self.proc = proc
        self.cpu0 = self.cpu1 = self.t0 = self.t1 = None
        self.sampler = RssSampler(proc)

    def open(self):
        self.core0 = cpu_busy_seconds(PROXY_CPU)
        self.split0 = self.proc.cpu_split()
        self.cpu0, self.t0 = sum(self.split0), time.monotonic()
        self.sampler.__enter__()

    def close(self):
        self.split1 = self.proc.cpu_split()
        self.cpu1, self.t1 = sum(self.split1), time.monotonic()
        self.core1 = cpu_busy_seconds(PROXY_CPU)
        self.sampler.__exit__()


def measure(env, proxy, load, warmup=None, **proxy_options):
    """Starts `proxy` fresh, runs warmup() then load(window) (each returns a load-generator result
    dict), and returns load's dict plus the proxy's cost over the measured window:
      cpu_s           utime+stime of all the proxy's threads in the window (/proc/PID/stat)
      user_us, sys_us utime and stime per request, in microseconds
      req_per_cpu_s   requests completed / cpu_s: the headline, barely touched by machine noise
      cpu_util        cpu_s / wall seconds (1.0 = the proxy's core was all the proxy's)
      core_other      share of the proxy's core busy with anything but the proxy (other processes,
                      interrupts; a noise gauge) and core_steal, time the hypervisor took from it
      rss_idle_kib    VmRSS after the warm-up, before the run
      rss_max_kib     highest VmRSS sampled (every 200 ms) in the window
      peak_rss_kib    VmHWM at the end (peak resident since start, warm-up included)."""
    proc = start_proxy(env, proxy, **proxy_options)
    try:
        if warmup:
            warmup()
            time.sleep(0.3)  # let closed connections be torn down before the idle sample
        rss_idle = proc.rss_kib()
        window = Window(proc)
        result = load(window)
        if window.cpu1 is None:
            raise RuntimeError("the load generator never closed its measurement window")
        if not proc.alive():
            raise RuntimeError(f"{proc.name} died during the run:\n{proc.tail()}")
        cpu_s, wall_s = window.cpu1 - window.cpu0, window.t1 - window.t0
        result.update({
            "cpu_s": cpu_s,
            "wall_s": wall_s,
            "cpu_util": cpu_s / wall_s,
            "core_other": max(0.0, (window.core1[0] - window.core0[0]) - cpu_s) / wall_s,
            "core_steal": (window.core1[1] - window.core0[1]) / wall_s,
            "req_per_cpu_s": result["requests"] / max(cpu_s, 1e-9),
            "user_us": (window.split1[0] - window.split0[0]) * 1e6 / max(result["requests"], 1),
            "sys_us": (window.split1[1] - window.split0[1]) * 1e6 / max(result["requests"], 1),
            "rss_idle_kib": rss_idle,
            "rss_max_kib": window.sampler.max_kib,
            "peak_rss_kib": proc.peak_rss_kib(),
        })
        if "bytes" in result:  # big bodies: few whole responses per run, so count bytes too
            result["mib_per_cpu_s"] = result["bytes"] / 2**20 / max(cpu_s, 1e-9)
        return result
    finally:
        proc.stop()


def median_of(samples):
    """Per-metric median over repetitions, plus the spread of the headline metric (max-min)/median."""
    if not samples:
        return {}
    out = {}
    for key, value in samples[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = statistics.median(s[key] for s in samples)
    rates = [s["req_per_cpu_s"] for s in samples]
    out["spread"] = (max(rates) - min(rates)) / statistics.median(rates) if len(rates) > 1 else 0.0
    out["reps"] = len(samples)
    out["errors"] = sum(s.get("errors", 0) for s in samples)
    return out
