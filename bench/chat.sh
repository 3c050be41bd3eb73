#!/usr/bin/env bash
# Live-room chat benchmark (issue #4): one room on a real gateway process,
# N guest viewers on /ws?room=R (cmd/chatload) and a few logged-in senders
# offering M msg/s with a mix of priorities (10% high, 60% normal, 20% low,
# 10% lowest). Per run: delivery latency p50/p99/max, sent/shed/lost per
# priority, the gateway's CPU (/proc/PID/stat) and RSS (/proc/PID/status),
# and RSS per idle connection. Each run gets a fresh gateway so the idle RSS
# is not inflated by the previous run's heap. Run from the repository root:
#   ./bench/chat.sh
#   NS="1000 10000" RATES="40" DUR=15 ./bench/chat.sh
# Results: a markdown table on stdout (and in $RESULTS if set); raw logs
# and JSON in a run directory under ${TMPDIR:-/tmp}. See
# docs/benchmarks.md.
set -euo pipefail

NS=${NS:-"1000 5000 10000"}
RATES=${RATES:-"40 500"}
DUR=${DUR:-15}          # seconds of sending per run
DRAIN=${DRAIN:-10}      # at most this long after sending for replies and deliveries
SAMPLE=${SAMPLE:-200}   # viewers that time every message
SIZE=${SIZE:-64}        # bytes of text per message
HTTP_PORT=${HTTP_PORT:-18090}
RTMP_PORT=${RTMP_PORT:-19370}
APP_ID=1400000001
KEY=bench-chat-secret-key
RESULTS=${RESULTS:-}      # also copy the table here, if set

[[ -f go.mod && -d cmd/chatload ]] || { echo "run from the repository root" >&2; exit 2; }
. bench/lib.sh
bench_init chat-run go curl jq

log "building bin/gateway and bin/chatload"
go build -o bin/ ./cmd/gateway ./cmd/chatload

maxn=$(tr ' ' '\n' <<<"$NS" | sort -n | tail -1)
bench_fd_limit $((maxn + 1024))
bench_gateway_config "$RUN/gateway.yaml"
cat >>"$RUN/gateway.yaml" <<EOF2
chat:
  sdk_app_id: $APP_ID
  secret_key: $KEY
  admins: [admin]
  room_rate: 40
  flush_delay: ${FLUSH_DELAY:-0s}
EOF2

TCK=$(getconf CLK_TCK)
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metric() { curl -fsS "$BASE/metrics" | awk -v m="$1" '$1 == m {printf "%d", $2; f=1} END {if (!f) print 0}'; }
host_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# start_gateway: a fresh gateway per run; sets GW.
start_gateway() {
	bin/gateway -config "$RUN/gateway.yaml" 2>"$RUN/gateway-$1.log" &
	GW=$!
	PIDS+=("$GW")
	for _ in $(seq 100); do
		curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$GW" 2>/dev/null || { cat "$RUN/gateway-$1.log" >&2; exit 1; }
		sleep 0.1
	done
	log "gateway did not come up"
	exit 1
}

stop_gateway() {
	kill "$GW" 2>/dev/null || true
	wait "$GW" 2>/dev/null || true
}

ROWS=()
for n in $NS; do
	for rate in $RATES; do
		name=n$n-r$rate
		log "run $name: $n viewers, $rate msg/s offered for ${DUR}s"
		start_gateway "$name"
		sleep 1
		fw0=$(metric livestudio_chat_frames_written_total)
		g0=$(ticks_of "$GW") h0=$(host_busy) w0=$(date +%s.%N)
		bin/chatload -url "ws://127.0.0.1:$HTTP_PORT/ws" -room "bench-$name" -n "$n" -sample "$SAMPLE" \
			-rate "$rate" -duration "${DUR}s" -drain "${DRAIN}s" -size "$SIZE" -app-id "$APP_ID" -key "$KEY" -pid "$GW" \
			-json "$RUN/$name.json" 2>"$RUN/$name.txt" || { cat "$RUN/$name.txt" >&2; exit 1; }
		kill -0 "$GW" 2>/dev/null || { log "the gateway died during $name; logs in $RUN"; tail -5 "$RUN/gateway-$name.log" >&2; exit 1; }
		# other: what processes other than the gateway and chatload used of
		# the host meanwhile, in % of one core (a shared machine shows here).
		other=$(awk -v g="$(($(ticks_of "$GW") - g0))" -v h="$(($(host_busy) - h0))" -v tck="$TCK" \
			-v c="$(jq .client_cpu_s "$RUN/$name.json")" -v w0="$w0" -v w1="$(date +%s.%N)" \
			'BEGIN {o = (h / tck - g / tck - c) / (w1 - w0) * 100; if (o < 0) o = 0; printf "%.0f", o}')
		# frames/s: WebSocket frames the gateway wrote per second of the run
		# (sending and drain; joins excluded), each one a write syscall.
		fws=$(awk -v a="$fw0" -v b="$(metric livestudio_chat_frames_written_total)" -v w="$(jq .window_s "$RUN/$name.json")" 'BEGIN {printf "%.0f", (b - a) / w}')
		stop_gateway
		sed 's/^/  /' "$RUN/$name.txt" >&2
		ROWS+=("$(jq -r --arg other "$other" --arg fws "$fws" '
			def r1: . * 10 | round / 10;
			def p($n): .priorities[] | select(.priority == $n);
			"| \(.viewers) | \(.rate_offered) | \(.total.sent) | \(.total.acked) | \(.total.unanswered) | \(.total.shed) (\([p("high"), p("normal"), p("low"), p("lowest")] | map(.shed | tostring) | join("/"))) " +
			"| \(p("high").lost) / \(.total.lost) | \(.viewers_short) | \(.latency.p50_ms | r1) / \(.latency.p99_ms | r1) / \(.latency.max_ms | r1) " +
			"| \(p("high").latency.p99_ms | r1) | \(.gateway.cpu_pct_of_one_core | round) % | \($fws) (\(.msgs_per_frame * 100 | round / 100)) | \(.gateway.rss_peak_kb / 1024 | round) " +
			"| \(.gateway.rss_per_idle_conn_kb | r1) | \(.client_run_cpu_s / .window_s * 100 | round) % | \($other) % | \(.closed_early) |"' "$RUN/$name.json")")
		sleep 1
	done
done

{
	echo "Live-room chat, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), Linux $(uname -r)"
	echo "One room, room_rate 40, ${DUR} s of sending per run, ${SIZE}-byte texts, mix 10% high / 60% normal / 20% low / 10% lowest; latency from $SAMPLE sampled viewers."
	echo
	echo "| viewers | offered msg/s | sent | acked | no reply | shed (high/normal/low/lowest) | lost high / all | viewers short | latency p50 / p99 / max ms | high p99 ms | gateway CPU, of one core | frames written/s (msgs per frame) | gateway peak RSS MB | RSS per idle conn KB | chatload CPU | other processes' CPU | closed early |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "Raw output: $RUN"
} >"$RUN/table.md"
if [[ -n $RESULTS ]]; then
	mkdir -p "$(dirname "$RESULTS")"
	cp "$RUN/table.md" "$RESULTS"
fi
cat "$RUN/table.md"
