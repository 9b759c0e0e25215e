#!/usr/bin/env python3
"""One markdown table from a benchmark run (see run.sh): criterion's estimates, the memory and
flow measurements, OpenSSL's speed and the component's size, with ratios and targets.

    python3 host-test/benches/report.py TARGET_DIR BENCH_OUT_DIR
"""

import glob
import json
import os
import re
import statistics
import sys

# The suffix of connector-bench rows whose host checks the time bound at host calls only.
HOST_CALL_CHECKS = ", host-call checks only"


def criterion_medians(target):
    """full_id -> (median ns, lower ns, upper ns) from target/criterion/**/new/."""
    out = {}
    for bench in glob.glob(os.path.join(target, "criterion", "**", "new", "benchmark.json"), recursive=True):
        folder = os.path.dirname(bench)
        with open(bench, encoding="utf-8") as f:
            full_id = json.load(f)["full_id"]
        with open(os.path.join(folder, "estimates.json"), encoding="utf-8") as f:
            median = json.load(f)["median"]
        ci = median["confidence_interval"]
        out[full_id] = (median["point_estimate"], ci["lower_bound"], ci["upper_bound"])
    return out


def read_json_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def openssl_sign_us(path):
    """Seconds per RSA-2048 signature from `openssl speed rsa2048`, in microseconds."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*rsa\s+2048 bits\s+([0-9.]+)s\s+([0-9.]+)s", line)
            if m:
                return float(m.group(1)) * 1e6
    return None


def fmt_time(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}×"


def verdict(ok):
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def machine():
    """CPU model and count, for the table's header."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def flow_rows(out, cached, row):
    """The signing flow against each reference; `cached`: one token for all flows."""
    flows, counts = {}, set()
    for who in ("rust", "rust-hostcalls", "python", "node", "native", "floor"):
        data = read_json_lines(os.path.join(out, f"flow{cached}-{who}.json"))
        if data:
            flows[who] = statistics.median(data[0]["flows_ms"])
            counts.add((len(data[0]["flows_ms"]), data[0].get("warmup", 0)))
    if flows.get("rust") is None:
        return
    runs = ", ".join(f"{n} flows after {w} untimed" for n, w in sorted(counts))
    exchanges = "token cached (5" if cached else "new token each (7"
    for who, suffix in (("rust", ""), ("rust-hostcalls", HOST_CALL_CHECKS)):
        if flows.get(who) is not None:
            what = (f"signing flow, {exchanges} HTTPS exchanges, loopback server){suffix}, "
                    f"median of {runs}")
            peer_rows(flows, flows[who], what, row)
    step_rows(out, cached, row)


def peer_rows(flows, rust, what, row):
    """One project flow time (`rust`) against each reference in `flows`."""
    # (reference, its label, "faster" or "of", target, target met)
    peers = [
        ("python", "Python SDK docusign-esign", "faster", "≥ 8× faster", lambda r: r >= 8.0),
        ("node", "Node SDK docusign-esign", "faster", "≥ 3× faster", lambda r: r >= 3.0),
        ("native", "the connector built natively (no wasm)", "of", "≤ 1.3×", lambda r: r <= 1.3),
        ("floor", "HTTP floor (the requests precomputed, same transport)", "of", "≤ 1.5×",
         lambda r: r <= 1.5),
    ]
    for key, label, reads, target, met in peers:
        other = flows.get(key)
        if other is None:
            continue
        r = ratio(other, rust) if reads == "faster" else ratio(rust, other)
        row(what, f"{rust:.2f} ms", f"{label} {other:.2f} ms",
            "n/a" if r is None else (f"{r:.1f}× faster" if reads == "faster" else f"{r:.2f}×"),
            target, None if r is None else met(r))


def step_rows(out, cached, row):
    """Each step's median CPU time, component against native, over loopback TLS and in process."""
    what = "signing flow, " + ("token cached" if cached else "new token each")
    for where, suffix in (("loopback TLS", ""), ("in process, no network", "-inprocess")):
        cpu, flows = {}, {}
        for who in ("rust", "native"):
            data = read_json_lines(os.path.join(out, f"flow{cached}{suffix}-{who}.json"))
            steps = data[0].get("steps_cpu_us") if data else None
            if steps:
                cpu[who] = {k: statistics.median(v) for k, v in steps.items() if v}
                flows[who] = statistics.median(data[0]["flows_ms"])
        if len(cpu) < 2:
            continue
        if suffix:
            row(f"{what}, replayed {where}", f"{flows['rust']:.3f} ms", f"native {flows['native']:.3f} ms",
                fmt_ratio(ratio(flows["rust"], flows["native"])), "", None)
        for step, us in cpu["rust"].items():
            native = cpu["native"].get(step)
            row(f"{what}: CPU of step {step}, {where}", f"{us:.0f} µs",
                "" if native is None else f"native {native:.0f} µs",
                "" if native is None else fmt_ratio(ratio(us, native)), "", None)


def main():
    target, out = sys.argv[1], sys.argv[2]
    c = criterion_medians(target)

    def med(full_id):
        v = c.get(full_id)
        return v[0] if v else None

    rows = []

    def row(what, ours, reference, r, target_text, ok):
        rows.append(f"| {what} | {ours} | {reference} | {r} | {target_text} | {verdict(ok)} |")

    openssl_us = openssl_sign_us(os.path.join(out, "openssl.txt"))
    sign_native = med("rs256/sign/native")
    row("RS256 sign (rsa 0.10, blinded), native", fmt_time(sign_native),
        f"openssl 2048: {fmt_time(openssl_us * 1e3) if openssl_us else 'n/a'}",
        fmt_ratio(ratio(sign_native, openssl_us * 1e3 if openssl_us else None)), "the limit", None)

    grant_native = med("rs256/grant/native")
    # The default host checks the time bound in guest code too (epoch interruption).
    for suffix in ("", HOST_CALL_CHECKS):
        uncached = med(f"rs256/grant/component (status uncached - cached){suffix}")
        cached = med(f"rs256/status/component (cached token){suffix}")
        grant_component = None if uncached is None or cached is None else uncached - cached
        r = ratio(grant_component, grant_native)
        row(f"JWT grant (PEM + sign + token reply): component{suffix} vs native",
            fmt_time(grant_component), f"native {fmt_time(grant_native)}", fmt_ratio(r), "≤ 1.5×",
            None if r is None else r <= 1.5)

    for kind in ("pkcs1", "pkcs8"):
        row(f"PEM parse, {kind.upper()} (native)", fmt_time(med(f"pem/parse/{kind}")), "", "", "", None)

    replay = med("get-status/replay only")
    # Issue #18 asks ≤ 60 µs with pooling; the first phase asked ≤ 100 µs of either.
    for name, limit_us in (("invocation", 100), ("invocation, pooling", 60)):
        total = med(f"get-status/{name}")
        overhead = None if total is None or replay is None else total - replay
        row(f"get-status, cached token: {name} − replay", fmt_time(overhead),
            f"total {fmt_time(total)}, replay {fmt_time(replay)}", "", f"≤ {limit_us} µs",
            None if overhead is None else overhead <= limit_us * 1e3)

    for name in ("linker", "instance-pre", "instance-pre + pooling"):
        t = med(f"instantiate/{name}")
        row(f"instantiate: {name}", fmt_time(t), "", "", "≤ 25 µs", None if t is None else t <= 25e3)

    cold, warm = med("load/compile (cold)"), med("load/cached (warm)")
    row("load: cached deserialize vs Cranelift compile", fmt_time(warm), f"compile {fmt_time(cold)}",
        fmt_ratio(ratio(warm, cold)), "warm start never compiles", None if warm is None else True)

    wasm = os.path.join(target, "component", "wasm32-wasip2", "component", "docusign_connector.wasm")
    if os.path.exists(wasm):
        size = os.path.getsize(wasm)
        row("release component size", f"{size:,} B", "", "", "≤ 300 KB (307,200 B)", size <= 300 * 1024)

    benches = {"send": "document-25mb/send", "download": "document-25mb/download"}
    for m in read_json_lines(os.path.join(out, "memory.json")):
        scenario = m["scenario"]
        # Criterion's median where it times the scenario, else this one run's time.
        t = med(benches[scenario]) if scenario in benches else m["elapsed_ms"] * 1e6
        per_doc = m["peak_added_per_document"]
        row(f"25 MB document, {scenario}: time, peak memory added (host + guest)",
            f"{fmt_time(t)}, {m['peak_added_bytes'] / 2**20:.1f} MiB",
            f"guest linear memory {m['guest_memory_peak_bytes'] / 2**20:.1f} MiB",
            f"{per_doc:.2f}× document", "≤ 3× document", per_doc <= 3.0)

    ev_native = med("events-2000/fetch/native")
    for name in ("component", "component, pooling", f"component, pooling{HOST_CALL_CHECKS}"):
        t = med(f"events-2000/fetch/{name}")
        row(f"fetch 2000 Monitor events (parse, normalize, dedup, checkpoint), {name}", fmt_time(t),
            f"native {fmt_time(ev_native)}", fmt_ratio(ratio(t, ev_native)), "≤ 5 ms, ≤ 1.5× native",
            None if t is None or ev_native is None else t <= 5e6 and t <= 1.5 * ev_native)

    for cached in ("", "-cached"):
        flow_rows(out, cached, row)

    def pss(c):
        return f" (PSS {c['pss_mb']} MB)" if c.get("pss_mb") is not None else ""

    curve = read_json_lines(os.path.join(out, "concurrency.json"))

    def shape(c):
        return (c["in_flight"], c.get("io", "blocking"), c["allocation"], c["latency_ms"],
                c.get("deadline_checks", "guest-code"))

    in_process = {shape(c): c for c in curve if c["transport"] == "in-process"}
    for c in curve:
        n, rate = c["in_flight"], c["invocations_per_s"]
        if c["transport"] != "in-process":
            # The targets are for the in-process transport; live TLS reports the gap.
            local, met = in_process.get(shape(c)), None
            target = "reported (no in-process row to compare)" if local is None else (
                f"reported: {rate / local['invocations_per_s']:.0%} of in-process "
                f"{local['invocations_per_s']:,.0f}/s, p99 {c['p99_ms'] - local['p99_ms']:+.0f} ms, "
                f"RSS {c['peak_rss_mb'] - local['peak_rss_mb']:+} MB"
                + (f"; every connection made in {c['first_round_s']} s"
                   if c.get("first_round_s") is not None else ""))
        elif n >= 4000:
            target, met = "≥ 10,000/s, peak RSS ≤ 250 MB", rate >= 10_000 and c["peak_rss_mb"] <= 250
        elif n >= 1000:
            target, met = "≥ 95% of the latency bound", c["of_bound"] >= 0.95
        else:
            target, met = "", None
        row(f"{n:,} in flight, get-status answering after {c['latency_ms']} ms, {c['transport']}, "
            f"{c.get('io', 'blocking')}, {c['allocation']}"
            + (HOST_CALL_CHECKS if c.get("deadline_checks") == "host-calls" else ""),
            f"{rate:,.0f}/s, p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms, "
            f"{c['peak_rss_mb']} MB{pss(c)}, {c['threads']:,} threads, {c['cpu_us_per_invocation']:.0f} µs CPU each",
            f"bound {c['latency_bound_per_s']:,.0f}/s (user {c['user_s']} s, system {c['system_s']} s)",
            f"{c['of_bound']:.0%} of bound", target, met)

    print(f"Machine: {machine()}\n")
    print("| measurement | this project | reference | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for line in rows:
        print(line)


if __name__ == "__main__":
    main()
