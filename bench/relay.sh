#!/usr/bin/env bash
# Agent relay benchmark: one 1080p30 4 Mbit/s H.264 + AAC stream, served by
# GStreamer's RTSP server (the "camera"), pulled over RTSP/TCP and pushed
# over RTMP to a real gateway process on loopback.
#   1. Relay cost: bin/agent (one rtsp channel, push URL from the gateway's
#      getpushurl) for DUR seconds, then `ffmpeg -rtsp_transport tcp -i CAM
#      -c copy -f flv PUSH` for DUR seconds, one after the other; CPU seconds
#      (utime+stime) and peak RSS (VmHWM) of each, and their ratio. Each run
#      is checked to have relayed: bytes the gateway took in, and ffprobe
#      decoding the gateway's HTTP-FLV of that room.
#   2. Latency the relay adds: cmd/relaybench runs the agent's media path
#      in-process (rtsp.Source -> stream -> rtmp.Pusher) for DUR seconds and
#      times each unit from the source's hand-over to the RTMP write return.
# Run from the repository root: `./bench/relay.sh`, or DUR=30 ./bench/relay.sh;
# PROFILE=1 adds CPU and heap profiles of relaybench (top lines on stderr).
# Results: a markdown table on stdout; raw logs and JSON in a run directory
# under ${TMPDIR:-/tmp}. See docs/benchmarks.md ("Agent relay").
set -euo pipefail

DUR=${DUR:-60}              # seconds per run (agent, ffmpeg, relaybench)
BF=${BF:-0}                 # B-frames in the clip (0 or 2)
PROFILE=${PROFILE:-0}       # 1: relaybench writes CPU and heap profiles
HTTP_PORT=${HTTP_PORT:-18380}
RTMP_PORT=${RTMP_PORT:-19650}
RTSP_PORT=${RTSP_PORT:-18654}
AGENT_PORT=${AGENT_PORT:-18390}
CACHE=${TMPDIR:-/tmp}/livestudio-bench
CLIP=$CACHE/clip-1080p30-4M-bf$BF-70s.mp4
PYTHON=/usr/bin/python3 # Debian's: the one with the GStreamer bindings

[[ -f go.mod && -d cmd/relaybench ]] || { echo "run from the repository root" >&2; exit 2; }
((DUR >= 10 && DUR <= 65)) || { echo "DUR must be 10..65 s (the clip lasts 70 s)" >&2; exit 2; }
. bench/lib.sh
bench_init bench-relay go ffmpeg ffprobe curl jq "$PYTHON"

for port in "$HTTP_PORT" "$RTMP_PORT" "$RTSP_PORT" "$AGENT_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		log "port $port is in use (set HTTP_PORT, RTMP_PORT, RTSP_PORT, AGENT_PORT)"
		exit 2
	fi
done

log "building bin/gateway, bin/agent and bin/relaybench (as make build does)"
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/ ./cmd/gateway ./cmd/agent ./cmd/relaybench

mkdir -p "$CACHE"
if [[ ! -s $CLIP ]]; then
	log "encoding the 70 s 1080p test clip once (cached in $CACHE; takes a few minutes on 2 cores)"
	ffmpeg -hide_banner -loglevel error -nostdin -y \
		-f lavfi -i "testsrc2=size=1920x1080:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 70 \
		-c:v libx264 -preset veryfast -b:v 4M -maxrate 4M -bufsize 8M -g 60 -keyint_min 60 -sc_threshold 0 -bf "$BF" \
		-pix_fmt yuv420p -c:a aac -b:a 128k -ar 48000 -ac 2 -movflags +faststart -f mp4 "$CLIP.part"
	mv "$CLIP.part" "$CLIP"
fi

bench_fd_limit 256
bench_gateway_config "$RUN/gateway.yaml"

bin/gateway -config "$RUN/gateway.yaml" 2>"$RUN/gateway.log" &
GW=$!
PIDS+=("$GW")
for i in $(seq 100); do
	curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
	kill -0 "$GW" 2>/dev/null && ((i < 100)) || { log "gateway did not start"; cat "$RUN/gateway.log" >&2; exit 1; }
	sleep 0.1
done

# The camera: each RTSP client gets its own pipeline, from the file start.
LAUNCH="( filesrc location=$CLIP ! qtdemux name=d d.video_0 ! queue ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"
RTSP_PORT=$RTSP_PORT "$PYTHON" internal/testpeer/rtsp_server.py "$LAUNCH" >"$RUN/camera.out" 2>"$RUN/camera.log" &
CAM=$!
PIDS+=("$CAM")
for i in $(seq 200); do
	grep -q '^ready ' "$RUN/camera.out" && break
	kill -0 "$CAM" 2>/dev/null && ((i < 200)) || { log "RTSP server did not start"; cat "$RUN/camera.log" >&2; exit 1; }
	sleep 0.1
done
CAM_URL=rtsp://127.0.0.1:$RTSP_PORT/cam

token=$(curl -fsS "$BASE/cgi-bin/token?grant_type=client_credential&appid=wxdemo&secret=demo-secret" | jq -er .access_token)
push_url() { curl -fsS "$BASE/wxaapi/broadcast/room/getpushurl?access_token=$token&roomId=$1" | jq -er .pushAddr; }

TCK=$(getconf CLK_TCK)
# ticks_of PID: utime+stime, with the comm field (which may hold spaces) cut.
ticks_of() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
# ctx_switches PID: voluntary + involuntary, over the live threads.
ctx_switches() { cat "/proc/$1"/task/*/status | awk '/ctxt_switches:/ {s += $2} END {print s}'; }
host_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
metric() { curl -fsS "$BASE/metrics" | awk -v m="$1" '$1 == m {printf "%d", $2; f=1} END {if (!f) print 0}'; }
# decodes ROOM: what ffprobe decodes of 3 s of the room's HTTP-FLV.
decodes() {
	timeout 30 ffprobe -v error -read_intervals '%+3' -count_frames \
		-show_entries stream=codec_name,width,height,nb_read_frames -of json "$BASE/live/wxdemo-$1.flv" 2>>"$RUN/ffprobe.log" |
		jq -r '[.streams[] | "\(.codec_name)\(if .width then " \(.width)x\(.height)" else "" end) \(.nb_read_frames) fr"] | join(" + ")' ||
		echo "no decode"
}

# relay NAME ROOM CMD...: runs CMD (a relay from the camera to ROOM) for DUR
# seconds from its start and prints, in that order: its CPU seconds, peak
# RSS (VmHWM, KiB), MB the gateway took in, gateway + camera CPU seconds,
# other processes' CPU (% of one core), its context switches per second,
# all read at the end of the window;
# then checks that the room decodes at the gateway ($RUN/NAME.decodes) and
# stops CMD.
relay() {
	local name=$1 room=$2 pid t0 end b0 h0 g0 c0 cpu hwm cs b1 h1 g1 c1 wall
	shift 2
	b0=$(metric livestudio_rtmp_bytes_in_total) h0=$(host_busy) g0=$(ticks_of "$GW") c0=$(ticks_of "$CAM")
	t0=${EPOCHREALTIME//[.,]/}
	"$@" >"$RUN/$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	end=$((t0 + DUR * 1000000))
	while ((${EPOCHREALTIME//[.,]/} < end)); do
		kill -0 "$pid" 2>/dev/null || { log "$name exited early; logs in $RUN"; tail -5 "$RUN/$name.log" >&2; exit 1; }
		sleep 0.2
	done
	cpu=$(ticks_of "$pid") hwm=$(hwm_kb "$pid") cs=$(ctx_switches "$pid") wall=$(((${EPOCHREALTIME//[.,]/} - t0) / 1000))e-3
	h1=$(host_busy) g1=$(ticks_of "$GW") c1=$(ticks_of "$CAM") b1=$(metric livestudio_rtmp_bytes_in_total)
	decodes "$room" >"$RUN/$name.decodes"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	awk -v cpu="$cpu" -v hwm="$hwm" -v b="$((b1 - b0))" -v gc="$((g1 - g0 + c1 - c0))" -v h="$((h1 - h0))" \
		-v w="$wall" -v t="$TCK" -v cs="$cs" 'BEGIN {o = (h - cpu - gc) / t / w * 100; if (o < 0) o = 0
			printf "%.2f %d %.1f %.2f %.0f %.0f\n", cpu / t, hwm, b / 1e6, gc / t, o, cs / w}'
}

cat >"$RUN/agent.yaml" <<EOF
log_level: warn
http:
  listen: 127.0.0.1:$AGENT_PORT
channels:
  - name: cam
    source: {type: rtsp, url: "$CAM_URL", transport: tcp}
    destination:
      wechat: {api_base: "$BASE", appid: wxdemo, secret: demo-secret, room_id: 1}
EOF
log "agent: $CAM_URL -> room 1 for ${DUR}s"
relay agent 1 bin/agent -config "$RUN/agent.yaml" >"$RUN/agent.row"
sleep 2 # the camera's previous pipeline and the gateway's stream wind down
log "ffmpeg -c copy: $CAM_URL -> room 2 for ${DUR}s"
push2=$(push_url 2)
relay ffmpeg 2 ffmpeg -hide_banner -loglevel error -nostdin -rtsp_transport tcp -i "$CAM_URL" \
	-c copy -f flv "$push2" >"$RUN/ffmpeg.row"
sleep 2

log "relaybench (latency): $CAM_URL -> room 3 for ${DUR}s"
prof=()
if [[ $PROFILE == 1 ]]; then
	prof=(-cpuprofile "$RUN/relaybench.cpu.pprof" -memprofile "$RUN/relaybench.heap.pprof")
fi
push3=$(push_url 3)
bin/relaybench -rtsp "$CAM_URL" -push "$push3" -duration "${DUR}s" -json "$RUN/relaybench.json" \
	"${prof[@]}" 2>"$RUN/relaybench.txt"
sed 's/^/  /' "$RUN/relaybench.txt" >&2
if [[ $PROFILE == 1 ]]; then
	go tool pprof -top -nodecount 25 bin/relaybench "$RUN/relaybench.cpu.pprof" 2>/dev/null | sed 's/^/  /' >&2
	for idx in alloc_space inuse_space; do
		go tool pprof -top -sample_index=$idx -nodecount 10 bin/relaybench "$RUN/relaybench.heap.pprof" 2>/dev/null | sed 's/^/  /' >&2
	done
fi

read -r a_cpu a_hwm a_mb a_gc a_other a_cs <"$RUN/agent.row"
read -r f_cpu f_hwm f_mb f_gc f_other f_cs <"$RUN/ffmpeg.row"
row() { # name cpu hwm cs mb decodes gc other
	awk -v n="$1" -v c="$2" -v r="$3" -v cs="$4" -v mb="$5" -v d="$6" -v gc="$7" -v o="$8" -v dur="$DUR" \
		'BEGIN {printf "| %s | %.2f | %.2f | %.1f | %d | %.1f | %s | %.2f | %s %% |\n", n, c, c * 60 / dur, r / 1024, cs, mb, d, gc, o}'
}
{
	echo "Agent relay, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), Linux $(uname -r), $(ffmpeg -version | awk 'NR == 1 {print $1, $3}')"
	echo "Stream: 1080p30 H.264 4 Mbit/s (GOP 2 s, $BF B-frames) + AAC 128 kbit/s from GStreamer's RTSP server over RTSP/TCP, pushed over RTMP to bin/gateway on loopback. Runs of ${DUR} s, one after the other."
	echo
	echo "| relay | CPU-s in ${DUR} s | CPU-s per minute | peak RSS MiB | context switches/s | MB into the gateway | gateway decodes (ffprobe, 3 s) | gateway + camera CPU-s | other processes' CPU |"
	echo "|---|---|---|---|---|---|---|---|---|"
	row "agent (bin/agent)" "$a_cpu" "$a_hwm" "$a_cs" "$a_mb" "$(cat "$RUN/agent.decodes")" "$a_gc" "$a_other"
	row "ffmpeg -c copy" "$f_cpu" "$f_hwm" "$f_cs" "$f_mb" "$(cat "$RUN/ffmpeg.decodes")" "$f_gc" "$f_other"
	awk -v ac="$a_cpu" -v fc="$f_cpu" -v ar="$a_hwm" -v fr="$f_hwm" 'BEGIN {
		cv = ac / fc; rv = ar / 1024
		printf "| **agent / ffmpeg** | **%.2f** (goal ≤ 0.5: %s) | | **%.2f** (agent %.1f MiB, goal < 30: %s) | | | | | |\n",
			cv, (cv <= 0.5 ? "met" : "MISSED"), ar / fr, rv, (rv < 30 ? "met" : "MISSED")}'
	echo
	echo "| latency the relay adds (relaybench: source hand-over → RTMP write returned) | units | p50 ms | p90 ms | p99 ms | max ms |"
	echo "|---|---|---|---|---|---|"
	jq -r '.latency | to_entries[] | def r: . * 100 | round / 100; "| \(.key) | \(.value.count) | \(.value.p50_ms | r) | \(.value.p90_ms | r) | \(.value.p99_ms | r) | \(.value.max_ms | r) |"' "$RUN/relaybench.json"
	jq -r '"\nGoal p50 and p99 < \(.goal_ms) ms: \(if .goal_met then "met" else "MISSED" end). relaybench: \(.units.in) units in, \(.units.written) written, \(.multi_unit_batches) of \(.batches) writes carried several units; source dropped \(.source.dropped), \(.source.packets_lost) RTP packets lost; push \(.push.publishes) publish(es), \(.push.failures) failure(s). Its process (the same media path, without the agent'"'"'s slate, status page and metrics): \(.cpu_s * 100 | round / 100) CPU-s, peak RSS \(.max_rss_kib / 1024 * 10 | round / 10) MiB, \(.gc_cycles) GC cycles, \(.ctx_switches) context switches."' "$RUN/relaybench.json"
	echo
	echo "Raw output: $RUN"
} >"$RUN/table.md"
cat "$RUN/table.md"

# A relay that moved less than 2 Mbit/s or whose room does not decode did
# not relay the stream: its figures mean nothing.
status=0
for name in agent ffmpeg; do
	read -r _ _ mb _ <"$RUN/$name.row"
	if ! grep -q h264 "$RUN/$name.decodes" || awk -v mb="$mb" -v d="$DUR" 'BEGIN {exit !(mb * 8 / d < 2)}'; then
		log "$name did not relay the stream ($mb MB, decodes: $(cat "$RUN/$name.decodes")); logs in $RUN"
		status=1
	fi
done
exit "$status"
