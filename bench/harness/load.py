"""Load generators, pinned to the client CPU: wrk (closed loop) and bench's openloop (fixed rate)."""
import json
import os
import subprocess

from .proxies import CLIENT_CPU


class LoadError(RuntimeError):
    pass


def run_wrk(env, port, connections, seconds, path="/", pool_file=None, timeout_s=10, window=None, headers=(),
            tls=None):
    """wrk -t1 for `seconds` (whole seconds); returns requests, rps, bytes, errors and latency in ms.
    window (measure.Window) is opened just before wrk starts and closed when it exits. headers: extra
    request headers ("Name: value"; not with pool_file, whose requests carry their own). With
    "Connection: close", wrk opens a new connection for each request once the answer is in.
    tls: None (http), "resume" or "full" (https, with bench/loadgen/wrk_tls.so preloaded, which
    counts handshakes and resumed ones; wrk resumes the session of its connection slot's last
    connection, "full" stops it); adds handshakes, resumed and negotiated (version, cipher and
    key exchange group of wrk's first handshake) to the result."""
    script = os.path.join(env.bench_dir, "wrk", "pool.lua" if pool_file else "report.lua")
    cmd = ["taskset", "-c", str(CLIENT_CPU), "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           f"--timeout={timeout_s}s", "-s", script]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(f"{'https' if tls else 'http'}://127.0.0.1:{port}{path}")
    if pool_file:
        cmd += ["--", pool_file]
    child_env = None
    if tls:
        child_env = dict(os.environ, LD_PRELOAD=env.wrk_tls, WRK_TLS_FRESH="1" if tls == "full" else "0")
    if window:
        window.open()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, env=child_env)
    if window:
        window.close()
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise LoadError(f"wrk failed ({out.returncode}): {out.stdout[-2000:]}{out.stderr[-2000:]}")
    r = json.loads(line[len("WRKJSON "):])
    duration = r["duration_us"] / 1e6
    errors = sum(r["errors"].values())
    result = {
        "requests": r["requests"],
        "duration_s": duration,
        "rps": r["requests"] / duration,
        "bytes": r["bytes"],
        "mib_per_s": r["bytes"] / duration / 2**20,
        "errors": errors,
        "error_detail": r["errors"],
        "p50_ms": r["p50_us"] / 1e3,
        "p90_ms": r["p90_us"] / 1e3,
        "p99_ms": r["p99_us"] / 1e3,
        "p999_ms": r["p999_us"] / 1e3,
        "max_ms": r["max_us"] / 1e3,
    }
    if tls:
        counts = next((l for l in out.stderr.splitlines() if l.startswith("WRKTLS ")), None)
        if counts is None:
            raise LoadError(f"wrk ran without {env.wrk_tls} (no WRKTLS line): {out.stderr[-2000:]}")
        t = json.loads(counts[len("WRKTLS "):])
        result.update({"handshakes": t["handshakes"], "resumed": t["resumed"],
                       "negotiated": f"{t['version']} {t['cipher']} {t['group']}"})
    return result


def run_openloop(env, port, rate, connections, seconds, path="/", warmup=0, window=None, headers=()):
    """bench/loadgen openloop. rate > 0: requests due at a fixed rate, latency from the due time (no
    coordinated omission); rate 0: closed loop. Connections are opened before the clock starts and
    window (measure.Window) follows openloop's recorded window exactly (after `warmup` seconds)."""
    cmd = ["taskset", "-c", str(CLIENT_CPU), env.openloop, "--target", f"127.0.0.1:{port}", "--path", path,
           "--rate", str(rate), "--connections", str(connections), "--duration", str(seconds),
           "--warmup", str(warmup)]
    for h in headers:
        cmd += ["--header", h]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    last = ""
    for line in proc.stdout:
        line = line.strip()
        if line == "WINDOW_START" and window:
            window.open()
        elif line == "WINDOW_END" and window:
            window.close()
        elif line:
            last = line
    err = proc.stderr.read()
    proc.wait(timeout=60)
    try:
        r = json.loads(last)
    except json.JSONDecodeError:
        raise LoadError(f"openloop failed ({proc.returncode}): {last[-2000:]}{err[-2000:]}") from None
    return {
        "requests": r["window_completed"],
        "sent": r["sent"],
        "duration_s": r["duration_s"],
        "rps": r["achieved_rps"],
        "target_rps": r["target_rate"],
        "errors": r["errors"] + r["non2xx"],
        "p50_ms": r["p50_ms"],
        "p90_ms": r["p90_ms"],
        "p99_ms": r["p99_ms"],
        "p999_ms": r["p999_ms"],
        "max_ms": r["max_ms"],
    }
