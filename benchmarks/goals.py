#!/usr/bin/env python3
"""Reads JMH's JSON result (-rf json -rff benchmarks/target/jmh.json) and prints, as Markdown, every score and
the issue's goals.

    python3 benchmarks/goals.py benchmarks/target/jmh.json

Throughput ratios are ours over the peer's (higher is better). The breaker's goal compares overheads over the bare
call (time minus `direct`), so it is printed as our overhead, the peer's, and their ratio (lower is better).
"""
import json
import sys

# (class, ours, peer, goal, kind): kind "thrpt" means ours/peer >= goal; "overhead" means
# (ours - direct) / (peer - direct) <= goal.
GOALS = [
    ("RateLimiterBenchmark", "zeroclaw", "bucket4j", 2.0, "thrpt"),
    ("RateLimiterBenchmark", "zeroclaw", "resilience4j", 2.0, "thrpt"),
    ("RateLimiterBenchmark", "zeroclaw", "guava", None, "thrpt"),
    # the same hot key under a policy below 1 000/s, which is never striped: reported, the goal is the striped one's
    ("RateLimiterBenchmark", "zeroclawUnstriped", "resilience4j", None, "thrpt"),
    ("KeyedRateLimiterBenchmark", "zeroclaw", "bucket4jCaffeine", 1.5, "thrpt"),
    ("CircuitBreakerBenchmark", "zeroclaw", "resilience4j", 0.2, "overhead"),
    ("BackpressureBenchmark", "zeroclaw", "concurrencyLimits", 1.5, "thrpt"),
    ("BackpressureBenchmark", "zeroclaw", "resilience4jBulkhead", 1.5, "thrpt"),
    # admitted on one thread, closed on another, as @Async work is: the same goal
    ("BackpressureHandOffBenchmark", "zeroclaw", "concurrencyLimits", 1.5, "thrpt"),
    ("BackpressureHandOffBenchmark", "zeroclaw", "resilience4jBulkhead", 1.5, "thrpt"),
    ("RedisRateLimiterBenchmark", "zeroclaw", "bucket4jLettuce", 2.0, "thrpt"),
]


def main(path):
    with open(path) as f:
        runs = json.load(f)
    scores = {}
    print("| benchmark | mode | threads | score | error | unit |")
    print("|---|---|---|---:|---:|---|")
    for run in runs:
        klass, method = run["benchmark"].split(".")[-2:]
        metric = run["primaryMetric"]
        scores[(klass, method)] = metric["score"]
        error = metric.get("scoreError")
        error = "" if error in (None, "NaN") or error != error else "± %.3f" % error
        print("| %s.%s | %s | %d | %.3f | %s | %s |" % (klass, method, run["mode"], run["threads"], metric["score"],
                                                         error, metric["scoreUnit"]))
    print()
    print("| goal | measured | target | met |")
    print("|---|---:|---:|---|")
    for klass, ours, peer, goal, kind in GOALS:
        if (klass, ours) not in scores or (klass, peer) not in scores:
            continue
        if kind == "thrpt":
            ratio = scores[(klass, ours)] / scores[(klass, peer)]
            target = "≥ %.1f×" % goal if goal else "(none)"
            met = "" if goal is None else ("yes" if ratio >= goal else "**no**")
            print("| %s: %s / %s | %.2f× | %s | %s |" % (klass, ours, peer, ratio, target, met))
        else:
            direct = scores[(klass, "direct")]
            our_overhead = scores[(klass, ours)] - direct
            peer_overhead = scores[(klass, peer)] - direct
            ratio = our_overhead / peer_overhead
            print("| %s: overhead %s %.1f ns / %s %.1f ns | %.3f | ≤ %.1f | %s |" % (
                klass, ours, our_overhead, peer, peer_overhead, ratio, goal, "yes" if ratio <= goal else "**no**"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/target/jmh.json")
