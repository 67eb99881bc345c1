#!/usr/bin/env bash
# Throughput of the sample app with the rate-limit filter on (a quota never reached) and off, under wrk.
#
#   ./mvnw -B -q -DskipTests package && benchmarks/http-load.sh
#
# Both runs use the same jar, the same endpoint and the same load; they differ only in
# zeroclaw.resilience.rate-limit.enabled. "On" sets every quota to a billion requests per second, so every request
# goes through the whole filter (path match, key, decision, RateLimit headers) and is allowed. Rounds alternate
# which side runs first, so that a slow patch of the machine does not land on one side only. Traffic goes to
# 127.0.0.1 only; each run is bounded by wrk's -d and the script stops the app it started.
#
# Settings (environment): ENDPOINT (default /webhook), METHOD (POST), PORT (18080), ROUNDS (2), WARMUP (10s),
# DURATION (20s), CONNECTIONS (16), WRK_THREADS (1: the app needs the other core), JAR (the sample app's jar),
# POLICIES (webhook: the named policies of the app's configuration whose quota is raised as well).
set -euo pipefail
cd "$(dirname "$0")/.."

ENDPOINT=${ENDPOINT:-/webhook}
METHOD=${METHOD:-POST}
PORT=${PORT:-18080}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-1}
JAR=${JAR:-sample-app/target/zeroclaw-resilience-sample-app.jar}
POLICIES=${POLICIES-webhook}
URL="http://127.0.0.1:${PORT}${ENDPOINT}"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: ./mvnw -B -q -DskipTests package" >&2; exit 1; }

work=$(mktemp -d)
app_pid=
cleanup() {
	if [ -n "$app_pid" ]; then
		kill "$app_pid" 2>/dev/null || true
		wait "$app_pid" 2>/dev/null || true
	fi
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
OFF=(--zeroclaw.resilience.rate-limit.enabled=false)

# calc <expression>: floating-point arithmetic without bc.
calc() {
	awk "BEGIN { printf \"%.6f\", $1 }"
}

# run <label> <app arguments...>: start the app, warm it up, measure, stop it; prints requests per second.
run() {
	local label=$1
	shift
	java -Xms512m -Xmx512m -jar "$JAR" --server.port="$PORT" "$@" >"$work/app-$label.log" 2>&1 &
	app_pid=$!
	for _ in $(seq 1 120); do
		if curl -fs "http://127.0.0.1:${PORT}/actuator/health" >/dev/null 2>&1; then
			break
		fi
		if ! kill -0 "$app_pid" 2>/dev/null; then
			echo "the app did not start ($label):" >&2
			tail -n 40 "$work/app-$label.log" >&2
			exit 1
		fi
		sleep 0.5
	done
	local status
	status=$(curl -s -D "$work/headers-$label.txt" -o /dev/null -w '%{http_code}' -X "$METHOD" \
		-H 'Content-Type: application/json' -d '{"event":"load-test"}' "$URL")
	if [ "$status" != 200 ]; then
		echo "$METHOD $ENDPOINT answered $status ($label); the load would not measure the happy path" >&2
		exit 1
	fi
	# The filter must be in the path exactly when it is meant to be: its RateLimit header tells.
	if grep -qi '^RateLimit:' "$work/headers-$label.txt"; then
		[ "${label%%-*}" = on ] || { echo "the filter answered with the filter off ($label)" >&2; exit 1; }
	else
		[ "${label%%-*}" = off ] || { echo "no RateLimit header with the filter on ($label)" >&2; exit 1; }
	fi
	wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$work/request.lua" "$URL" >/dev/null
	wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$work/request.lua" --latency "$URL" >"$work/wrk-$label.txt"
	if grep -q "Non-2xx" "$work/wrk-$label.txt"; then
		echo "some requests were not answered 2xx ($label):" >&2
		cat "$work/wrk-$label.txt" >&2
		exit 1
	fi
	kill "$app_pid"
	wait "$app_pid" 2>/dev/null || true
	app_pid=
	awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-$label.txt"
}

echo "# $METHOD $ENDPOINT, wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION after $WARMUP warm-up, $(nproc) cores"
printf '%-6s %14s %14s %8s\n' round "off req/s" "on req/s" "on/off"
sum_off=0
sum_on=0
for round in $(seq 1 "$ROUNDS"); do
	# Odd rounds run "off" first, even rounds "on" first, so that neither side always gets the first slot.
	if [ $((round % 2)) -eq 1 ]; then
		off=$(run "off-$round" "${OFF[@]}")
		on=$(run "on-$round" "${ON[@]}")
	else
		on=$(run "on-$round" "${ON[@]}")
		off=$(run "off-$round" "${OFF[@]}")
	fi
	printf '%-6s %14.0f %14.0f %8.3f\n' "$round" "$off" "$on" "$(calc "$on / $off")"
	sum_off=$(calc "$sum_off + $off")
	sum_on=$(calc "$sum_on + $on")
done
printf '%-6s %14.0f %14.0f %8.3f\n' mean "$(calc "$sum_off / $ROUNDS")" "$(calc "$sum_on / $ROUNDS")" \
	"$(calc "$sum_on / $sum_off")"
