#!/usr/bin/env bash
# HTTP-FLV fan-out benchmark: one 1080p 4 Mbit/s H.264+AAC stream published
# over RTMP into a real gateway process, N viewers (cmd/flvload) pulling it
# over loopback. Measures the gateway's CPU and RSS per N, delivered bitrate,
# viewers that fell behind, and time to first keyframe for viewers joining a
# live stream. Run from the repository root: `make bench`, or
#   NS="100 500 1000 2000" DUR=20 ./bench/flv_fanout.sh
# Results: a markdown table on stdout and in bench/results/latest.md; raw
# logs and JSON in a run directory under ${TMPDIR:-/tmp}. On a shared host set
# QUIET_WAIT=SECONDS to wait for other load to drop before each run.
# See docs/benchmarks.md.
set -euo pipefail

NS=${NS:-"100 500 1000 2000"}
DUR=${DUR:-20}              # seconds per fan-out run
WARM=${WARM:-60}            # publish this long before measuring idle RSS (fills the stream ring)
TTFF_N=${TTFF_N:-1000}      # time-to-first-frame run: viewers...
TTFF_RAMP=${TTFF_RAMP:-5}   # ...joining over this many seconds
TTFF_DUR=${TTFF_DUR:-10}    # ...run length, ramp included
QUIET_WAIT=${QUIET_WAIT:-0} # on a shared host: wait up to this many seconds before each run for other load to drop
HTTP_PORT=${HTTP_PORT:-18080}
RTMP_PORT=${RTMP_PORT:-19350}
CACHE=${TMPDIR:-/tmp}/livestudio-bench
CLIP=$CACHE/clip-1080p30-4M-30s.flv
RESULTS=bench/results/latest.md

[[ -f go.mod && -d cmd/flvload ]] || { echo "run from the repository root" >&2; exit 2; }
. bench/lib.sh
bench_init bench-run go ffmpeg curl jq

log "building bin/gateway and bin/flvload"
go build -o bin/ ./cmd/gateway ./cmd/flvload

mkdir -p "$CACHE"
if [[ ! -s $CLIP ]]; then
	log "encoding the 30 s 1080p test clip once (cached in $CACHE; about 25 CPU-seconds)"
	ffmpeg -hide_banner -loglevel error -nostdin -y \
		-f lavfi -i "testsrc2=size=1920x1080:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 30 \
		-c:v libx264 -preset veryfast -b:v 4M -maxrate 4M -bufsize 8M -g 60 -keyint_min 60 -sc_threshold 0 -bf 0 \
		-pix_fmt yuv420p -c:a aac -b:a 128k -ar 48000 -ac 2 -f flv "$CLIP.part"
	mv "$CLIP.part" "$CLIP"
fi

maxn=$(tr ' ' '\n' <<<"$NS $TTFF_N" | sort -n | tail -1)
bench_fd_limit $((maxn + 256))
bench_gateway_config "$RUN/gateway.yaml"
URL=$BASE/live/wxdemo-1.flv

bin/gateway -config "$RUN/gateway.yaml" 2>"$RUN/gateway.log" &
GW=$!
PIDS+=("$GW")
for _ in $(seq 100); do
	curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
	kill -0 "$GW" 2>/dev/null || { cat "$RUN/gateway.log" >&2; exit 1; }
	sleep 0.1
done

token=$(curl -fsS "$BASE/cgi-bin/token?grant_type=client_credential&appid=wxdemo&secret=demo-secret" | jq -er .access_token)
push=$(curl -fsS "$BASE/wxaapi/broadcast/room/getpushurl?access_token=$token&roomId=1" | jq -er .pushAddr)
log "publishing $CLIP (looped, -re) to ${push%%\?*}"
ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$CLIP" -c copy -f flv "$push" 2>"$RUN/ffmpeg.log" &
FF=$!
PIDS+=("$FF")
for i in $(seq 200); do
	[[ $(curl -s -o /dev/null -w '%{http_code}' -I "$URL") == 200 ]] && break
	((i < 200)) || { log "stream did not go live"; cat "$RUN/ffmpeg.log" "$RUN/gateway.log" >&2; exit 1; }
	sleep 0.1
done

# alive: fail loudly if the gateway or the publisher ended before the runs
# did: figures from a half-dead setup must not reach the table.
alive() {
	local pid name st
	for pid in "$GW" "$FF"; do
		kill -0 "$pid" 2>/dev/null && continue
		name=gateway
		[[ $pid == "$FF" ]] && name=publisher
		wait "$pid" && st=0 || st=$?
		log "the $name (pid $pid) exited with status $st during: $1; logs in $RUN"
		tail -5 "$RUN/gateway.log" "$RUN/ffmpeg.log" >&2
		exit 1
	done
}

TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$GW/stat"; }
sys_ticks() { awk '{print $15}' "/proc/$GW/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$GW/status"; }
metric() { curl -fsS "$BASE/metrics" | awk -v m="$1" '$1 == m {printf "%d", $2; f=1} END {if (!f) print 0}'; }
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
host_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# The kernel threads that finish network work deferred from the sockets'
# processes: on loopback, part of the cost of delivery lands there.
KSOFTIRQD=$(pgrep -x -d ' ' 'ksoftirqd/[0-9]+' || true)
ksoftirqd_ticks() {
	local p files=()
	for p in $KSOFTIRQD; do files+=("/proc/$p/stat"); done
	((${#files[@]})) || { echo 0; return; }
	awk '{s += $14 + $15} END {print s + 0}' "${files[@]}"
}

log "stream is live; warming up ${WARM}s so the stream ring fills before the idle figures"
sleep "$WARM"
alive warm-up
idle_t0=$(cpu_ticks)
IDLE_RSS=0
for _ in $(seq 25); do # 5 s
	r=$(rss_kb)
	((r > IDLE_RSS)) && IDLE_RSS=$r
	sleep 0.2
done
IDLE_CPU=$(awk -v a="$idle_t0" -v b="$(cpu_ticks)" -v t="$TCK" 'BEGIN {printf "%.1f", (b - a) / t / 5 * 100}')
log "idle (publisher, no viewers): RSS $((IDLE_RSS / 1024)) MB, CPU ${IDLE_CPU}%"

# other_load: % of one core that processes other than ours used over 2 s.
other_load() {
	local h0 g0 f0 h1
	h0=$(host_busy) g0=$(cpu_ticks) f0=$(ticks_of "$FF")
	sleep 2
	h1=$(host_busy)
	echo $(((h1 - h0 - ($(cpu_ticks) - g0) - ($(ticks_of "$FF") - f0)) * 100 / TCK / 2))
}

# wait_quiet: with QUIET_WAIT set, wait (up to that long) until the rest of the
# host uses under a quarter of a core, so the figures are ours, not a neighbour's.
wait_quiet() {
	((QUIET_WAIT > 0)) || return 0
	local until=$((SECONDS + QUIET_WAIT)) o
	while o=$(other_load) && ((o >= 25)); do
		if ((SECONDS >= until)); then
			log "host still busy (others at ${o}% of a core): measuring anyway"
			return 0
		fi
		log "host busy (others at ${o}% of a core): waiting"
		sleep 8
	done
}

# measure N RAMP DUR NAME: one flvload run, sampling the gateway meanwhile.
# Prints: gateway_cpu_s peak_rss_kb skipped_units slow_closed other_cpu_pct
# kernel_share_pct ksoftirqd_pct, and leaves $RUN/NAME.json. other_cpu_pct
# is what processes other than the gateway, the publisher, flvload and
# ksoftirqd used of the host meanwhile (in % of one core): a shared machine
# shows up there.
measure() {
	local n=$1 ramp=$2 dur=$3 name=$4 t0 t1 k0 f0 q0 h0 w0 w1 peak=0 r sk0 sc0 lp
	wait_quiet >&2
	sk0=$(metric livestudio_units_skipped_total)
	sc0=$(metric livestudio_readers_slow_closed_total)
	t0=$(cpu_ticks) k0=$(sys_ticks) f0=$(ticks_of "$FF") q0=$(ksoftirqd_ticks) h0=$(host_busy) w0=$(date +%s.%N)
	bin/flvload -url "$URL" -n "$n" -ramp "${ramp}s" -duration "${dur}s" -json "$RUN/$name.json" 2>"$RUN/$name.txt" &
	lp=$!
	PIDS+=("$lp")
	while kill -0 "$lp" 2>/dev/null; do
		r=$(rss_kb 2>/dev/null || echo 0)
		((r > peak)) && peak=$r
		sleep 0.2
	done
	wait "$lp"
	alive "$name"
	t1=$(cpu_ticks) w1=$(date +%s.%N)
	awk -v t0="$t0" -v t1="$t1" -v k="$(($(sys_ticks) - k0))" -v f="$(($(ticks_of "$FF") - f0))" -v q="$(($(ksoftirqd_ticks) - q0))" -v h="$(($(host_busy) - h0))" -v tck="$TCK" \
		-v c="$(jq .client_cpu_s "$RUN/$name.json")" -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN {print b - a}')" \
		-v peak="$peak" -v sk="$(($(metric livestudio_units_skipped_total) - sk0))" \
		-v sc="$(($(metric livestudio_readers_slow_closed_total) - sc0))" \
		'BEGIN {g = (t1 - t0) / tck; o = (h / tck - g - f / tck - q / tck - c) / w * 100; if (o < 0) o = 0
			printf "%.2f %d %d %d %.0f %.0f %.0f\n", g, peak, sk, sc, o, (t1 > t0 ? k / (t1 - t0) * 100 : 0), q / tck / w * 100}'
}

ROWS=()
for n in $NS; do
	log "fan-out: $n viewers for ${DUR}s"
	measure "$n" 0 "$DUR" "fanout-$n" >"$RUN/fanout-$n.gw"
	read -r cpu peak skipped slow other ksh ksi <"$RUN/fanout-$n.gw"
	j=$RUN/fanout-$n.json
	sed 's/^/  /' "$RUN/fanout-$n.txt" >&2
	ROWS+=("$(jq -r --arg cpu "$cpu" --arg peak "$peak" --arg idle "$IDLE_RSS" --arg dur "$DUR" \
		--arg ksh "$ksh" --arg ksi "$ksi" --arg sk "$skipped" --arg slow "$slow" --arg other "$other" '
		def f2: (. * 100 | round | tostring) as $s | ("00" + $s) as $p |
			($s | if length > 2 then .[:-2] else "0" end) + "." + $p[-2:];
		($cpu | tonumber) as $c | (.bytes_total / 1e9) as $gb |
		"| \(.viewers) | \($c / ($dur | tonumber) * 100 | round) % (\($ksh) % kernel) | \(($peak | tonumber) / 1024 | round) " +
		"| \((($peak | tonumber) - ($idle | tonumber)) / 1024 | round) " +
		"| \(.bitrate_mbps.median | f2) | \(.behind) (skips \($sk), closed \($slow)) " +
		"| \($gb | f2) | \(if $gb > 0 then ($c / $gb | f2) else "-" end) " +
		"| \(.ttff.p50_ms | round) / \(.ttff.p99_ms | round) " +
		"| \($ksi) % | \(.client_cpu_s / ($dur | tonumber) * 100 | round) % | \($other) % |"' "$j")")
	sleep 3 # let the closed viewers go before the next run
done

log "time to first frame: $TTFF_N viewers joining over ${TTFF_RAMP}s"
measure "$TTFF_N" "$TTFF_RAMP" "$TTFF_DUR" ttff >"$RUN/ttff.gw"
read -r cpu peak skipped slow other ksh ksi <"$RUN/ttff.gw"
sed 's/^/  /' "$RUN/ttff.txt" >&2
TTFF_ROW=$(jq -r --arg other "$other" '"| \(.viewers) over \(.ramp_s) s | \(.ttff.p50_ms * 10 | round / 10) | \(.ttff.p90_ms * 10 | round / 10) | \(.ttff.p99_ms * 10 | round / 10) | \(.ttff.max_ms * 10 | round / 10) | \(.no_keyframe) | \(.behind) | \($other) % |"' "$RUN/ttff.json")

{
	echo "HTTP-FLV fan-out, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), Linux $(uname -r)"
	echo "Stream: 1080p30 H.264 4 Mbit/s + AAC 128 kbit/s, GOP 2 s. Idle gateway (publisher, no viewers): RSS $((IDLE_RSS / 1024)) MB, CPU $IDLE_CPU %. Runs of ${DUR} s."
	echo
	echo "| viewers | gateway CPU, of one core (kernel share) | gateway peak RSS MB | RSS above idle MB | Mbit/s per viewer (median) | viewers behind | GB delivered | gateway CPU-s per GB | first keyframe p50 / p99 ms, all joining at once | ksoftirqd CPU | flvload CPU | other processes' CPU |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "| time to first keyframe: viewers | p50 ms | p90 ms | p99 ms | max ms | no keyframe | behind | other processes' CPU |"
	echo "|---|---|---|---|---|---|---|---|"
	echo "$TTFF_ROW"
	echo
	echo "Other processes' CPU is the rest of the host during the run. Where it is high (say over 50% of a core),"
	echo "the client and the gateway were short of CPU, and the rows for viewers behind and first keyframe show that."
	echo "Raw output: $RUN"
} >"$RUN/table.md"
mkdir -p "$(dirname "$RESULTS")"
cp "$RUN/table.md" "$RESULTS"
cat "$RUN/table.md"
