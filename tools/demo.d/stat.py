#!/usr/bin/env python3
"""`linkerd viz stat`-style table for the demo, from the node proxies' /metrics.

  stat.py STATE_FILE NODE=METRICS_FILE...

Reads each node's exposition, sums the outbound HTTP series by destination workload (every
request to a workload passes some client's node proxy, whatever node it runs on), and compares
them with the previous call's sums (kept in STATE_FILE) to print per workload: success rate,
requests per second and latency percentiles over that interval. Standard library only.
"""
import json
import re
import sys
import time

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} ([0-9.eE+-]+|NaN|\+Inf)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            yield m.group(1), dict(LABEL.findall(m.group(2))), float(m.group(3))


def collect(files):
    totals = {}  # workload -> {"ok": n, "all": n, "buckets": {le: n}, "node": node}
    for node, path in files:
        try:
            text = open(path).read()
        except OSError:
            continue
        for name, labels, value in parse(text):
            if labels.get("direction") != "outbound":
                continue
            w = labels.get("dst_external_workload") or labels.get("dst_pod")
            if not w:
                continue
            t = totals.setdefault(w, {"ok": 0.0, "all": 0.0, "buckets": {}})
            if name == "response_total":
                t["all"] += value
                if labels.get("classification") == "success":
                    t["ok"] += value
            elif name == "response_latency_ms_bucket":
                le = labels["le"]
                t["buckets"][le] = t["buckets"].get(le, 0.0) + value
    return totals


def quantile(q, buckets):
    """histogram_quantile over cumulative buckets {le: count}, as Prometheus interpolates."""
    bounds = sorted(((float("inf") if le == "+Inf" else float(le)), c) for le, c in buckets.items())
    if not bounds or bounds[-1][1] <= 0:
        return None
    rank = q * bounds[-1][1]
    prev_bound, prev_count = 0.0, 0.0
    for bound, count in bounds:
        if count >= rank:
            if bound == float("inf"):
                return prev_bound
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / max(count - prev_count, 1e-9)
        prev_bound, prev_count = bound, count
    return prev_bound


def main():
    state_file = sys.argv[1]
    files = [a.split("=", 1) for a in sys.argv[2:]]
    now = time.time()
    totals = collect(files)
    try:
        before = json.load(open(state_file))
    except (OSError, ValueError):
        before = {"at": now, "totals": {}}
    json.dump({"at": now, "totals": totals}, open(state_file, "w"))
    span = max(now - before["at"], 1e-3)
    print("%-12s %9s %8s %9s %9s" % ("WORKLOAD", "SUCCESS", "RPS", "P50_MS", "P99_MS"))
    for w in sorted(totals):
        t, b = totals[w], before["totals"].get(w, {"ok": 0, "all": 0, "buckets": {}})
        requests = t["all"] - b["all"]
        ok = t["ok"] - b["ok"]
        delta = {le: c - b["buckets"].get(le, 0.0) for le, c in t["buckets"].items()}
        p50, p99 = quantile(0.5, delta), quantile(0.99, delta)
        fmt = lambda v: "-" if v is None else "%.1f" % v
        rate = "-" if requests <= 0 else "%.2f%%" % (100.0 * ok / requests)
        print("%-12s %9s %8.1f %9s %9s" % (w, rate, requests / span, fmt(p50), fmt(p99)))


if __name__ == "__main__":
    main()
