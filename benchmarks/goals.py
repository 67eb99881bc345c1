#!/usr/bin/env python3
"""Reads JMH's JSON result (-rf json -rff benchmarks/target/jmh.json) and prints, as Markdown, every score and
the issue's goals.

    python3 benchmarks/goals.py benchmarks/target/jmh.json

Throughput ratios are ours over the peer's (higher is better). The breaker's goal compares overheads over the bare
call (time minus `direct`), so it is printed as our overhead, the peer's, and their ratio (lower is better).
A goal whose benchmarks are not in the file (one failed, or was not selected) prints as not measured. Exit status: 0
when every goal was measured and met, 1 when one was not measured, 3 when all were measured and one was not met.
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
    # a whole @Async call with and without @Prioritized: what the starter costs on that path, reported, no goal
    ("AsyncPathBenchmark", "zeroclaw", "plain", None, "thrpt"),
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
        params = run.get("params") or {}
        # a benchmark with parameters runs once per value: name each row by them
        shown = method + ("" if not params else " (%s)" % ", ".join("%s=%s" % kv for kv in sorted(params.items())))
        print("| %s.%s | %s | %d | %.3f | %s | %s |" % (klass, shown, run["mode"], run["threads"], metric["score"],
                                                         error, metric["scoreUnit"]))
    print()
    print("| goal | measured | target | met |")
    print("|---|---:|---:|---|")
    missing = 0
    unmet = 0
    for klass, ours, peer, goal, kind in GOALS:
        needed = [(klass, ours), (klass, peer)] + ([(klass, "direct")] if kind == "overhead" else [])
        absent = [method for (k, method) in needed if (k, method) not in scores]
        if absent:
            # a benchmark that failed or was not selected: say so rather than print fewer rows
            print("| %s: %s / %s | not measured (no %s) | %s | %s |" % (
                klass, ours, peer, ", ".join(absent), target_of(goal, kind), "**missing**" if goal else ""))
            missing += 1 if goal else 0
            continue
        if kind == "thrpt":
            ratio = scores[(klass, ours)] / scores[(klass, peer)]
            met = "" if goal is None else ("yes" if ratio >= goal else "**no**")
            unmet += 1 if met == "**no**" else 0
            print("| %s: %s / %s | %.2f× | %s | %s |" % (klass, ours, peer, ratio, target_of(goal, kind), met))
        else:
            direct = scores[(klass, "direct")]
            our_overhead = scores[(klass, ours)] - direct
            peer_overhead = scores[(klass, peer)] - direct
            if peer_overhead <= 0:
                # the peer at or below the bare call's time: the run's noise, nothing to compare against
                print("| %s: overhead %s %.1f ns / %s %.1f ns | noise | %s | **not measured** |" % (
                    klass, ours, our_overhead, peer, peer_overhead, target_of(goal, kind)))
                missing += 1
                continue
            # ours at or below the bare call's time is within the run's noise of no overhead: a ratio of 0
            ratio = max(0.0, our_overhead) / peer_overhead
            unmet += 1 if ratio > goal else 0
            print("| %s: overhead %s %.1f ns / %s %.1f ns | %.3f | %s | %s |" % (
                klass, ours, our_overhead, peer, peer_overhead, ratio, target_of(goal, kind),
                "yes" if ratio <= goal else "**no**"))
    if missing:
        print("\n%d goal(s) not measured in %s" % (missing, path), file=sys.stderr)
        sys.exit(1)
    if unmet:
        print("\n%d goal(s) not met in %s" % (unmet, path), file=sys.stderr)
        sys.exit(3)


def target_of(goal, kind):
    if goal is None:
        return "(none)"
    return ("≥ %.1f×" if kind == "thrpt" else "≤ %.1f") % goal

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/target/jmh.json")
