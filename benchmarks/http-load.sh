#!/usr/bin/env bash
# Throughput of the sample app with the rate-limit filter on (a quota never reached) and off, under wrk.
#
#   ./mvnw -B -q -DskipTests package && benchmarks/http-load.sh
#
# Two copies of the same jar run side by side, one with zeroclaw.resilience.rate-limit.enabled=false ("off") and one
# with it true and every quota at a billion requests per second ("on"), so every request goes through the whole filter
# (path match, key, decision, RateLimit headers) and is allowed. When taskset is available the apps share one set of
# cores and wrk gets the rest (APP_CPUS, WRK_CPUS). After both are warmed up, wrk measures them in slices, and every
# slice gives two figures per app: its throughput, and its CPU time per request (the user + system time of its
# threads from /proc, the JIT compilers left out, divided by the requests served). There are two ways (MODE):
#   together   (default) both apps are loaded at the same time, each by its own wrk. Whatever slows a shared machine
#              down slows both in the same seconds, so the ratio of their CPU time per request (off/on) is the headline:
#              it is the ratio of the throughputs the two would reach, each with the CPUs to itself. Their throughputs
#              in such a slice say nothing: the scheduler gives the app that needs more CPU more of it (a control run
#              with Tomcat's access log on one side showed 7 % more CPU per request and 1.5 % *more* throughput).
#   alternate  one app at a time, in alternating slices (off, on, on, off, ...); each app has the CPUs to itself, so
#              its throughput is the headline, but on a shared machine single pairs swing by tens of percent.
# A run is FORKS rounds, each starting both apps afresh (in alternating order), because two JVMs of the same jar can
# settle a few percent apart; the headline is the median over all slices of all forks. CONTROL=1 makes both apps "off":
# an A/A run that shows the method's own spread and bias. Traffic goes to 127.0.0.1 only; the script stops the apps it
# started.
#
# Settings (environment): MODE (together), ENDPOINT (default /webhook), METHOD (POST), PORT (18080; "on" uses PORT+1),
# FORKS (3: each starts both apps afresh, so that one JVM's luck with its JIT does not decide), PAIRS (8 slices per
# fork), SLICE (5s), WARMUP (60s per app, in whole seconds), CONNECTIONS (16 per app), WRK_THREADS (1), APP_CPUS
# (1 on a 2-core machine, empty for no pinning), WRK_CPUS (0), JAR (the sample app's jar), POLICIES (webhook: the
# named policies of the app's configuration whose quota is raised as well), CONTROL (1 for an A/A run), ON_ARGS (more
# arguments for the "on" app, space-separated, e.g. --zeroclaw.resilience.rate-limit.headers=false to measure the
# filter without its headers; in a control run, for the second "off" app, e.g. --server.tomcat.accesslog.enabled=true
# to see that the method detects a real per-request cost).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${MODE:-together}
case "$MODE" in
	together | alternate) ;;
	*) echo "MODE must be together or alternate, was '$MODE'" >&2; exit 1 ;;
esac
ENDPOINT=${ENDPOINT:-/webhook}
METHOD=${METHOD:-POST}
PORT=${PORT:-18080}
FORKS=${FORKS:-3}
PAIRS=${PAIRS:-8}
SLICE=${SLICE:-5s}
WARMUP=${WARMUP:-60s}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-1}
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	APP_CPUS=${APP_CPUS-1-$(($(nproc) - 1))}
	WRK_CPUS=${WRK_CPUS-0}
else
	APP_CPUS=
	WRK_CPUS=
fi
JAR=${JAR:-sample-app/target/zeroclaw-resilience-sample-app.jar}
POLICIES=${POLICIES-webhook}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
# counts and durations are checked before anything starts: a loop over a bad count would print a median of nothing
for setting in FORKS PAIRS CONNECTIONS WRK_THREADS; do
	[[ ${!setting} =~ ^[1-9][0-9]*$ ]] \
		|| { echo "$setting must be a positive whole number without leading zeros (was '${!setting}')" >&2; exit 2; }
done
[[ ${SLICE%s} =~ ^[1-9][0-9]*$ ]] \
	|| { echo "SLICE must be whole seconds, at least 1, without leading zeros (was '$SLICE')" >&2; exit 2; }
# each app warms up in two halves of WARMUP (an odd number of seconds rounds down), and wrk runs at least a second
[[ ${WARMUP%s} =~ ^[1-9][0-9]*$ && ${WARMUP%s} -ge 2 ]] \
	|| { echo "WARMUP must be whole seconds, at least 2, without leading zeros (was '$WARMUP')" >&2; exit 2; }
[ -f "$JAR" ] || { echo "$JAR is missing: ./mvnw -B -q -DskipTests package" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
	stop_apps
	rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/request.lua" <<LUA
wrk.method = "${METHOD}"
wrk.body = '{"event":"load-test"}'
wrk.headers["Content-Type"] = "application/json"
LUA

ON=(--zeroclaw.resilience.rate-limit.enabled=true
	--zeroclaw.resilience.rate-limit.requests-per-window=1000000000
	--zeroclaw.resilience.rate-limit.window=1s
	--zeroclaw.resilience.rate-limit.burst=0)
for policy in $POLICIES; do
	ON+=(--zeroclaw.resilience.rate-limit.policies."$policy".requests-per-window=1000000000
		--zeroclaw.resilience.rate-limit.policies."$policy".window=1s
		--zeroclaw.resilience.rate-limit.policies."$policy".burst=0)
done
# ON_ARGS: more arguments for the "on" app (the second "off" app of a control run), to take the filter's cost apart
# (e.g. without its headers) or to give a control run a known extra cost.
read -r -a on_extra <<<"${ON_ARGS:-}"
ON+=("${on_extra[@]}")
OFF=(--zeroclaw.resilience.rate-limit.enabled=false)

# calc <expression>: floating-point arithmetic without bc.
calc() {
	awk "BEGIN { printf \"%.6f\", $1 }"
}

# The commands that pin the apps and wrk to their CPUs; empty when not pinning. Used as a prefix rather than through a
# function, so that "$!" of a started app is the JVM itself and the clean-up stops it.
APP_PIN=()
WRK_PIN=()
[ -z "$APP_CPUS" ] || APP_PIN=(taskset -c "$APP_CPUS")
[ -z "$WRK_CPUS" ] || WRK_PIN=(taskset -c "$WRK_CPUS")

# start <label> <port> <app arguments...>: start the app and check that the filter is in the path exactly when it
# is meant to be (its RateLimit header tells).
start() {
	local label=$1 port=$2
	shift 2
	# anything listening counts, whether or not it answers HTTP; a connect that neither succeeds nor fails within 2 s
	# (a listener that accepts nothing and whose queue is full) counts too, rather than hanging the script
	local connect=0
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || connect=$?
	if [ "$connect" -eq 0 ] || [ "$connect" -eq 124 ]; then
		echo "port $port is taken (an app left over from an earlier run?): the load would measure it; choose" \
			"other ports with PORT=<n> (the script uses n and n + 1)" >&2
		exit 1
	fi
	"${APP_PIN[@]}" java -Xms512m -Xmx512m -jar "$JAR" --server.port="$port" "$@" >"$work/app-$port.log" 2>&1 &
	pids+=($!)
	local pid=$!
	for _ in $(seq 1 240); do
		if curl -fs --max-time 2 "http://127.0.0.1:${port}/actuator/health" >/dev/null 2>&1; then
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "the app did not start ($label):" >&2
			tail -n 40 "$work/app-$port.log" >&2
			exit 1
		fi
		sleep 0.5
	done
	local status
	status=$(curl -s -D "$work/headers-$label.txt" -o /dev/null -w '%{http_code}' -X "$METHOD" \
		-H 'Content-Type: application/json' -d '{"event":"load-test"}' "http://127.0.0.1:${port}${ENDPOINT}")
	if [ "$status" != 200 ]; then
		echo "$METHOD $ENDPOINT answered $status ($label); the load would not measure the happy path" >&2
		exit 1
	fi
	if grep -qi '^RateLimit:' "$work/headers-$label.txt"; then
		[ "$label" = on ] || { echo "the filter answered with the filter off" >&2; exit 1; }
	else
		# Without its headers (ON_ARGS) the filter leaves no trace on an allowed response.
		[ "$label" = off ] || [[ "${ON_ARGS:-}" == *headers=false* ]] \
			|| { echo "no RateLimit header with the filter on" >&2; exit 1; }
	fi
}

# cpu_ticks <pid>: the CPU time (user + system, clock ticks) the process's threads have used so far, leaving out the
# JIT compilers: they warm the JVM up rather than serve requests, and a late compilation in one app would otherwise
# count against its requests. A thread's stat line is "tid (name) state ...", and a name may hold spaces, so the
# fields are counted from the closing parenthesis.
cpu_ticks() {
	cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{
		name = $0; sub(/^[0-9]+ \(/, "", name); sub(/\) [^)]*$/, "", name)
		rest = $0; sub(/^.*\) /, "", rest); split(rest, field, " ")
		if (name !~ /CompilerThre/) total += field[12] + field[13]
	} END { print total + 0 }'
}

# load <port> <duration> <output> [pid]: one wrk slice; prints requests per second and, given the app's pid, the
# app's CPU time per request in microseconds; fails on any non-2xx answer.
load() {
	local port=$1 duration=$2 out=$3 pid=${4:-}
	local before=0
	[ -z "$pid" ] || before=$(cpu_ticks "$pid")
	if ! "${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$duration" -s "$work/request.lua" \
		"http://127.0.0.1:${port}${ENDPOINT}" >"$out" 2>&1; then
		echo "wrk failed:" >&2
		cat "$out" >&2
		exit 1
	fi
	if grep -q "Non-2xx" "$out"; then
		echo "some requests were not answered 2xx:" >&2
		cat "$out" >&2
		exit 1
	fi
	local ticks=0
	[ -z "$pid" ] || ticks=$(( $(cpu_ticks "$pid") - before ))
	awk -v ticks="$ticks" -v hz="$(getconf CLK_TCK)" '
		/ requests in / { requests = $1 }
		/^Requests\/sec:/ { rps = $2 }
		END { printf "%s %.1f\n", rps, (requests > 0) ? ticks * 1000000 / hz / requests : 0 }' "$out"
}

OFF_PORT=$PORT
ON_PORT=$((PORT + 1))

# median: the median of the numbers on standard input.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# start_apps <fork>: start both apps, the "off" one first in odd forks and the "on" one first in even forks.
start_apps() {
	local second=(on "$ON_PORT" "${ON[@]}")
	if [ "${CONTROL:-0}" = 1 ]; then
		# An A/A run: the "on" side is a second "off" app, so the ratios show what the method itself cannot resolve.
		# With ON_ARGS it becomes a positive control: the second app pays for something else of known kind, and the
		# ratios show whether the method sees a cost of that size.
		second=(off "$ON_PORT" "${OFF[@]}" "${on_extra[@]}")
	fi
	if [ $(($1 % 2)) -eq 1 ]; then
		start off "$OFF_PORT" "${OFF[@]}"
		OFF_PID=${pids[-1]}
		start "${second[@]}"
		ON_PID=${pids[-1]}
	else
		start "${second[@]}"
		ON_PID=${pids[-1]}
		start off "$OFF_PORT" "${OFF[@]}"
		OFF_PID=${pids[-1]}
	fi
}

# stop_apps: stop the apps started so far.
stop_apps() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}

# slice_together <name> <duration>: both apps under load at once; sets off, off_cpu, on, on_cpu.
slice_together() {
	load "$OFF_PORT" "$2" "$work/off-$1.txt" "$OFF_PID" >"$work/off-$1.slice" &
	local off_load=$!
	load "$ON_PORT" "$2" "$work/on-$1.txt" "$ON_PID" >"$work/on-$1.slice" &
	local on_load=$!
	wait "$off_load"
	wait "$on_load"
	read -r off off_cpu <"$work/off-$1.slice"
	read -r on on_cpu <"$work/on-$1.slice"
}

echo "# $METHOD $ENDPOINT, $MODE, wrk -t$WRK_THREADS -c$CONNECTIONS, $FORKS forks of $PAIRS slices of $SLICE after" \
	"$WARMUP warm-up, $(nproc) cores, apps on CPUs ${APP_CPUS:-any}, wrk on CPUs ${WRK_CPUS:-any}"
echo "# req/s: what wrk got; cpu: the app's CPU time per request in microseconds (its threads but the JIT compilers)"
printf '%-5s %-5s %10s %10s %8s %9s %9s %10s\n' fork slice "off req/s" "on req/s" "on/off" "off cpu" "on cpu" \
	"cpu off/on"
ratios=()
cpu_ratios=()
for fork in $(seq 1 "$FORKS"); do
	start_apps "$fork"
	# Each app warms up alone, with the CPU to itself, in two alternating halves so that neither has sat idle for long
	# when the slices start. (Warmed up together, the two JVMs' JIT compilers share one CPU, and a minute is not enough.)
	half=$(( ${WARMUP%s} / 2 ))s
	for _ in 1 2; do
		load "$OFF_PORT" "$half" "$work/warmup-off.txt" >/dev/null
		load "$ON_PORT" "$half" "$work/warmup-on.txt" >/dev/null
	done
	fork_ratios=()
	fork_cpu_ratios=()
	for pair in $(seq 1 "$PAIRS"); do
		if [ "$MODE" = together ]; then
			slice_together "$fork-$pair" "$SLICE"
		elif [ $((pair % 2)) -eq 1 ]; then
			# Odd slices measure "off" first, even ones "on" first: neither side always gets the first slot.
			slice=$(load "$OFF_PORT" "$SLICE" "$work/off-$pair.txt" "$OFF_PID")
			read -r off off_cpu <<<"$slice"
			slice=$(load "$ON_PORT" "$SLICE" "$work/on-$pair.txt" "$ON_PID")
			read -r on on_cpu <<<"$slice"
		else
			slice=$(load "$ON_PORT" "$SLICE" "$work/on-$pair.txt" "$ON_PID")
			read -r on on_cpu <<<"$slice"
			slice=$(load "$OFF_PORT" "$SLICE" "$work/off-$pair.txt" "$OFF_PID")
			read -r off off_cpu <<<"$slice"
		fi
		ratio=$(calc "$on / $off")
		cpu_ratio=$(calc "$off_cpu / $on_cpu")
		fork_ratios+=("$ratio")
		fork_cpu_ratios+=("$cpu_ratio")
		printf '%-5s %-5s %10.0f %10.0f %8.3f %9.1f %9.1f %10.3f\n' "$fork" "$pair" "$off" "$on" "$ratio" "$off_cpu" \
			"$on_cpu" "$cpu_ratio"
	done
	stop_apps
	printf '%-11s %21s %8.3f %19s %10.3f\n' "fork $fork" median "$(printf '%s\n' "${fork_ratios[@]}" | median)" "" \
		"$(printf '%s\n' "${fork_cpu_ratios[@]}" | median)"
	ratios+=("${fork_ratios[@]}")
	cpu_ratios+=("${fork_cpu_ratios[@]}")
done
printf '%-11s %21s %8.3f %19s %10.3f\n' all median "$(printf '%s\n' "${ratios[@]}" | median)" "" \
	"$(printf '%s\n' "${cpu_ratios[@]}" | median)"
