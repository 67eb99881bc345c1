#!/usr/bin/env bash
# Paired runs of two methods of one JMH class: ours and the peer's, in turns (ABBA), PAIRS times, each in its own short JMH run, and
# the ratio of each pair. On a virtual machine whose host takes CPU time away now and then (steal, `vmstat`'s "st"),
# a 3-fork run of one method followed by a 3-fork run of the other can land the two in different minutes of the
# host's load, and their ratio swings by more than a goal's margin. A pair runs the two within a minute of each other,
# so the host's slow minutes reach both about equally, and the median of the pairs' ratios says where the ratio lies.
#
#   ./mvnw -B -q -DskipTests package
#   redis-server --port 6390 --save "" --appendonly no --daemonize yes
#   JVM_ARGS=-Dredis.port=6390 benchmarks/paired.sh RedisRateLimiterBenchmark zeroclaw bucket4jLettuce
#
# For throughput classes (ours/peer, higher is better). Arguments: CLASS OURS PEER [PAIRS (8)] [JMH options
# (-t 2 -f 1 -wi 2 -i 3 -w 2s -r 3s; -foe, -rf and -rff are the script's own)]. Environment: JVM_ARGS for the JMH
# host JVM (JMH passes them on to its forks), JAR (benchmarks/target/benchmarks.jar), OUT (a directory for each run's
# JSON and log; by default a temporary one, removed after a run that succeeded). Prints one line per pair, then the
# median and geometric mean of the ratios.
set -euo pipefail

if [[ $# -lt 3 ]]; then
	sed -n '2,16p' "$0" >&2
	exit 2
fi
class=$1 ours=$2 peer=$3 pairs=8
shift 3
if [[ $# -gt 0 && $1 != -* ]]; then
	pairs=$1
	shift
fi
[[ $pairs =~ ^[1-9][0-9]*$ ]] \
	|| { echo "PAIRS must be a positive whole number without leading zeros, was '$pairs'" >&2; exit 2; }
for option in "$@"; do
	case $option in
	-foe | -rf | -rff)
		echo "$option is the script's own (it passes -foe true -rf json -rff <OUT>/<pair>-<method>.json): leave it out" >&2
		exit 2
		;;
	esac
done
options=("$@")
[[ ${#options[@]} -gt 0 ]] || options=(-t 2 -f 1 -wi 2 -i 3 -w 2s -r 3s)
# a benchmark that throws ends its JMH run with status 0 unless told otherwise: stop at the first failed pair
options+=(-foe true)
here=$(cd "$(dirname "$0")" && pwd)
jar=${JAR:-$here/target/benchmarks.jar}
[[ -f $jar ]] || { echo "no $jar: build it first with ./mvnw -B -q -DskipTests package" >&2; exit 1; }
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
read -r -a jvm_args <<< "${JVM_ARGS:-}"

for ((i = 1; i <= pairs; i++)); do
	# ABBA: odd pairs run ours first, even pairs the peer first, so a drift within a pair reaches both sides alike
	order=("$ours" "$peer")
	((i % 2 == 1)) || order=("$peer" "$ours")
	for method in "${order[@]}"; do
		java "${jvm_args[@]}" -jar "$jar" "^io\.zeroclaw\.resilience\.benchmarks\.$class\.$method\$" "${options[@]}" \
			-rf json -rff "$out/$i-$method.json" > "$out/$i-$method.log" 2>&1 \
			|| { echo "pair $i: $method failed, see $out/$i-$method.log" >&2; exit 1; }
	done
done

python3 - "$out" "$class" "$ours" "$peer" "$pairs" <<'EOF'
import json, statistics, sys
out, cls, ours, peer, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def score(i, method):
    with open(f"{out}/{i}-{method}.json") as f:
        runs = json.load(f)
    return runs[0]["primaryMetric"]["score"], runs[0]["primaryMetric"]["scoreUnit"]
ratios = []
print(f"| pair | {ours} | {peer} | ratio |")
print("|---:|---:|---:|---:|")
for i in range(1, pairs + 1):
    (a, unit), (b, _) = score(i, ours), score(i, peer)
    ratios.append(a / b)
    print(f"| {i} | {a:.2f} {unit} | {b:.2f} {unit} | {a / b:.2f} |")
print(f"\n{cls}: {ours}/{peer} over {pairs} pairs: median {statistics.median(ratios):.2f}, "
      f"geometric mean {statistics.geometric_mean(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}")
EOF

# a temporary directory of our own is not worth keeping once its results are printed (a failed run keeps it: the
# message above names the log to read)
[[ -n ${OUT:-} ]] || rm -rf "$out"
