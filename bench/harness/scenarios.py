"""The six scenarios of the benchmark. Each interleaves its variants (A B C A B C ...), starts every
proxy fresh for every measurement, and returns per-variant medians plus the raw samples."""
import base64
import hashlib
import hmac
import json
import os
import time

from .load import run_openloop, run_wrk
from .measure import measure, median_of
from .proxies import PEERS, route_paths, start_proxy
from .tls import make_certificate

HEADLINE_CONNECTIONS = 64
CONNECTION_RAMP = 4  # seconds of load on all connections before the window (scenario 4b)
IDLE_PERIOD = 2.0  # seconds between two requests of one "idle" keep-alive connection (scenario 4b)
# cutover's "limited" rows in 4b: the backend's max_connections_per_endpoint, as an operator would
# set it for a backend like the bench's (one process on one core). Requests beyond it wait in the
# gateway instead of each holding an upstream connection (thousands at 5,000, all of them cold).
LIMITED_CONNECTIONS = 32
CLOSE = ("Connection: close",)  # scenario 5's request header: one connection per request
TLS_PROXIES = ["cutover", "nginx", "haproxy-http"]  # scenario 6: the proxies that terminate TLS
TLS_VARIANTS = {  # scenario 6: variant -> (run_wrk's tls, request headers)
    "keepalive": ("resume", ()),  # one handshake per connection, then requests over it
    "full": ("full", CLOSE),  # a full handshake for every request
    "resumed": ("resume", CLOSE),  # a handshake for every request, resuming the last session (wrk's own way)
}
JWT_USERS = 1000
JWT_SECRET = hashlib.sha256(b"cutover-bench").hexdigest()
FEATURE_VARIANTS = {  # name -> cutover features
    "plain": (),
    "jwt": ("jwt",),
    "split": ("split",),
    "log": ("log",),
    "all": ("jwt", "split", "log"),
}


class Settings:
    def __init__(self, quick, duration=None, reps=None):
        self.quick = quick
        self.duration = duration or (2 if quick else 5)
        self.warmup = 1
        self.reps_headline = reps or (2 if quick else 5)
        self.reps = reps or (1 if quick else 3)  # 2, 3, 4a and 5
        self.reps_scale = reps or (1 if quick else 2)  # 4b and 4c: long runs, effects far above noise
        self.reps_tls = reps or (1 if quick else 2)  # 6: nine variants; kept to ~2 minutes
        self.rates = [5000, 20000]
        self.route_points = [1, 10000] if quick else [1, 1000, 10000]
        self.connection_points = [64, 1000] if quick else [64, 1000, 5000]
        self.body_sizes = [1024, 2**20] if quick else [1024, 2**20, 10 * 2**20]
        self.feature_variants = ["plain", "all"] if quick else list(FEATURE_VARIANTS)


def interleave(reps, variants, run_one, log):
    """for rep: for variant: run_one(variant) -> {variant: [samples]}"""
    samples = {v: [] for v in variants}
    for rep in range(reps):
        for v in variants:
            t0 = time.monotonic()
            s = run_one(v)
            samples[v].append(s)
            log(f"  rep {rep + 1}/{reps} {label(v):<28} {s['req_per_cpu_s']:>9.0f} req/CPU-s {s['rps']:>9.0f} req/s "
                f"cpu {s['cpu_util']:.2f} (other {s.get('core_other', 0):.2f})  p99 {s['p99_ms']:.2f} ms  err {s['errors']}  ({time.monotonic() - t0:.1f}s)")
    return samples


def label(v):
    return " ".join(str(x) for x in v) if isinstance(v, tuple) else str(v)


def summarize(samples):
    return {
        "medians": {label(v): median_of(s) for v, s in samples.items()},
        "samples": {label(v): s for v, s in samples.items()},
    }


def write_pool(env, name, lines):
    path = os.path.join(env.run_dir, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def headline(env, st, log):
    """1: small GET, 64 keep-alive connections, every proxy."""
    port, c = env.proxy_port, HEADLINE_CONNECTIONS

    def one(proxy):
        return measure(env, proxy, lambda w: run_wrk(env, port, c, st.duration, window=w),
                       warmup=lambda: run_wrk(env, port, c, st.warmup))

    return summarize(interleave(st.reps_headline, ["cutover"] + PEERS, one, log))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(claims, secret):
    """A compact HS256 JWT (RFC 7519), made with the standard library only."""
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def write_jwt_secret(env):
    with open(env.jwt_secret_file, "w") as f:
        f.write(JWT_SECRET + "\n")


def jwt_pool(env):
    """JWT_USERS users, each with an HS256 token and a sticky cookie; every variant sends the same requests."""
    write_jwt_secret(env)
    secret = JWT_SECRET
    exp = int(time.time()) + 86400
    lines = []
    for i in range(JWT_USERS):
        token = hs256_token({"sub": f"user-{i}", "exp": exp}, secret)
        cookie = hashlib.md5(f"user-{i}".encode()).hexdigest()
        lines.append(f"/api/items/{i}\tAuthorization: Bearer {token}\tCookie: cutover_uid={cookie}")
    return write_pool(env, "pool-users.txt", lines)


def features(env, st, log):
    """2: the headline load with cutover's features on: JWT identity, a 25% sticky split, access log to a file."""
    port, c = env.proxy_port, HEADLINE_CONNECTIONS
    pool = jwt_pool(env)

    def one(variant):
        return measure(env, "cutover", lambda w: run_wrk(env, port, c, st.duration, pool_file=pool, window=w),
                       warmup=lambda: run_wrk(env, port, c, st.warmup, pool_file=pool),
                       features=FEATURE_VARIANTS[variant], tag=variant)

    return summarize(interleave(st.reps, st.feature_variants, one, log))


def fixed_load(env, st, log):
    """3: latency at fixed offered loads below saturation (open loop, latency from the due time)."""
    port, c = env.proxy_port, HEADLINE_CONNECTIONS
    variants = [(rate, p) for rate in st.rates for p in ["cutover"] + PEERS]

    def one(variant):
        rate, proxy = variant
        return measure(env, proxy, lambda w: run_openloop(env, port, rate, c, st.duration, warmup=st.warmup, window=w))

    return summarize(interleave(st.reps, variants, one, log))


def scale_routes(env, st, log):
    """4a: cutover with 1 .. 10,000 routes; requests spread over the table (same paths at 1 and 10,000)."""
    port, c = env.proxy_port, HEADLINE_CONNECTIONS
    pools = {n: write_pool(env, f"pool-routes-{n}.txt", route_paths(n)) for n in st.route_points}

    def one(n):
        return measure(env, "cutover", lambda w: run_wrk(env, port, c, st.duration, pool_file=pools[n], window=w),
                       warmup=lambda: run_wrk(env, port, c, st.warmup, pool_file=pools[n]), routes=n, tag=f"routes{n}")

    return summarize(interleave(st.reps, st.route_points, one, log))


def scale_connections(env, st, log):
    """4b: 64 .. 5,000 keep-alive connections, closed loop (openloop --rate 0). Idle RSS is taken after a
    one-connection warm-up; then all connections are opened and driven for CONNECTION_RAMP seconds
    before the measured window, so connection set-up is not in req/CPU-s. RSS per connection =
    (highest VmRSS in the window - idle) / connections. Upstream pools are sized to the client count,
    so each client connection may hold one upstream connection too.
    The "idle" variants hold the top count of keep-alive connections that each send one request every
    IDLE_PERIOD seconds: the memory of a mostly idle connection rather than of a busy one. The
    "limited" variants are cutover with max_connections_per_endpoint: LIMITED_CONNECTIONS, at the
    lowest and the top count."""
    port = env.proxy_port
    lo, top = st.connection_points[0], st.connection_points[-1]
    # Peers at the top count for target 9, and at the lowest too, so each proxy's own loss shows.
    variants = [("cutover", n) for n in st.connection_points] + [(p, n) for p in PEERS for n in (lo, top)]
    variants += [(p, top, "idle") for p in ["cutover"] + PEERS]
    variants += [("cutover", n, "limited") for n in (lo, top)]

    def one(variant):
        proxy, n = variant[:2]
        kind = variant[2] if len(variant) > 2 else "busy"
        rate = n / IDLE_PERIOD if kind == "idle" else 0
        extra = f"max_connections_per_endpoint: {LIMITED_CONNECTIONS}" if kind == "limited" else ""
        s = measure(env, proxy, lambda w: run_openloop(env, port, rate, n, st.duration, warmup=CONNECTION_RAMP, window=w),
                    warmup=lambda: run_wrk(env, port, 1, st.warmup), pool=max(64, n), backend_extra=extra)
        s["rss_per_conn_kib"] = (s["rss_max_kib"] - s["rss_idle_kib"]) / n
        return s

    return summarize(interleave(st.reps_scale, variants, one, log))


def scale_bodies(env, st, log):
    """4c: response bodies of 1 KiB .. 10 MiB through every proxy, 64 connections: throughput and peak RSS."""
    port, c = env.proxy_port, HEADLINE_CONNECTIONS
    for size in st.body_sizes:
        env.make_body_file(size)
    variants = [(size, p) for size in st.body_sizes for p in ["cutover"] + PEERS]

    def one(variant):
        size, proxy = variant
        path = env.path_for_body(size)
        return measure(env, proxy, lambda w: run_wrk(env, port, c, st.duration, path=path, timeout_s=30, window=w),
                       warmup=lambda: run_wrk(env, port, c, st.warmup, path=path, timeout_s=30))

    return summarize(interleave(st.reps_scale, variants, one, log))


def new_connections(env, st, log):
    """5: a new client connection for every request (wrk sends Connection: close, and reconnects once
    the answer is in), 64 at a time, every proxy: what accepting and closing costs on top of a
    request. The HTTP proxies keep their upstream connections alive as in 1; the L4 floor cannot,
    so it connects to the backend for every request too and is no floor here. No target yet."""
    port, c = env.proxy_port, HEADLINE_CONNECTIONS

    def one(proxy):
        return measure(env, proxy, lambda w: run_wrk(env, port, c, st.duration, window=w, headers=CLOSE),
                       warmup=lambda: run_wrk(env, port, c, st.warmup, headers=CLOSE))

    return summarize(interleave(st.reps, ["cutover"] + PEERS, one, log))


def tls_termination(env, st, log):
    """6: cutover, nginx and HAProxy (mode http) terminating TLS with one self-signed ECDSA P-256
    certificate, each proxying plain HTTP to the backend of 1, 64 connections: keep-alive (the
    handshakes are out of the window), a full handshake per request, and a resumed one per request
    (wrk resumes its slot's last session unless bench/loadgen/wrk_tls.so stops it). Every row
    reports the share of resumed handshakes wrk saw. When cutover does not start with its tls:
    section (before it terminates TLS), the peers run alone and the report says why. What each proxy
    negotiated with wrk (version, cipher, group) is recorded. No target."""
    if not os.path.exists(env.wrk_tls):
        raise RuntimeError(f"no {env.wrk_tls}: bench/run.sh builds it (bench/loadgen)")
    files = make_certificate(env)
    c = HEADLINE_CONNECTIONS
    proxies, skipped = list(TLS_PROXIES), {}
    try:
        start_proxy(env, "cutover", tls=files, tag="tls", ready_timeout=15).stop()
    except RuntimeError as e:
        reason = " ".join(str(e).split())
        log(f"  cutover not measured: it does not start with the tls: section ({reason[:300]})")
        skipped["cutover"] = reason[:1000]
        proxies.remove("cutover")
    variants = [(v, p) for v in TLS_VARIANTS for p in proxies]

    def one(variant):
        kind, proxy = variant
        tls, headers = TLS_VARIANTS[kind]
        s = measure(env, proxy, lambda w: run_wrk(env, files.port, c, st.duration, window=w, headers=headers, tls=tls),
                    warmup=lambda: run_wrk(env, files.port, c, st.warmup, headers=headers, tls=tls),
                    tls=files, tag="tls")
        s["resumed_pct"] = 100.0 * s["resumed"] / max(s["handshakes"], 1)
        return s

    samples = interleave(st.reps_tls, variants, one, log)
    out = summarize(samples)
    out["skipped"] = skipped
    out["negotiated"] = {p: sorted({s["negotiated"] for (_, q), ss in samples.items() if q == p for s in ss})
                         for p in proxies}
    return out


SCENARIOS = {
    1: [("headline", headline)],
    2: [("features", features)],
    3: [("fixed_load", fixed_load)],
    4: [("routes", scale_routes), ("connections", scale_connections), ("bodies", scale_bodies)],
    5: [("new_connections", new_connections)],
    6: [("tls", tls_termination)],
}
