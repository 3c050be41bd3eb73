#!/usr/bin/env bash
# WHIP ingest benchmark: N publishers (cmd/whipload, pion: 720p30 ~2 Mbit/s
# H.264 + Opus 64 kbit/s from files made by ffmpeg, played in real time)
# publish over WHIP to bin/agent, which relays each to a room of a real
# gateway process over RTMP: H.264 passed through, Opus transcoded to
# AAC-LC. The agent's CPU (utime+stime from /proc) over a DUR-second window,
# after the sessions settled, divided by N, is the cost of one stream.
# A second run with video_only channels shows what the audio transcode
# costs. Each run is checked to have relayed: ffprobe decodes room 1 at the
# gateway (H.264, and AAC when audio is on).
# Run from the repository root: `./bench/whip.sh`, or N=2 DUR=30 ./bench/whip.sh.
# Results: a markdown table on stdout; raw logs in a run directory under
# ${TMPDIR:-/tmp}. See docs/benchmarks.md ("WHIP ingest").
set -euo pipefail

N=${N:-4}                   # publishers
DUR=${DUR:-30}              # measured seconds per run
WARM=${WARM:-5}             # seconds between all publishers up and the window
HTTP_PORT=${HTTP_PORT:-18480}
RTMP_PORT=${RTMP_PORT:-19750}
AGENT_PORT=${AGENT_PORT:-18490}
CACHE=${TMPDIR:-/tmp}/livestudio-bench
MEDIA=$CACHE/whip-720p30-2M

[[ -f go.mod && -d cmd/whipload ]] || { echo "run from the repository root" >&2; exit 2; }
((N >= 1 && N <= 32 && DUR >= 10 && DUR <= 600)) || { echo "N must be 1..32, DUR 10..600 s" >&2; exit 2; }
. bench/lib.sh
bench_init bench-whip go ffmpeg ffprobe curl jq

for port in "$HTTP_PORT" "$RTMP_PORT" "$AGENT_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		log "port $port is in use (set HTTP_PORT, RTMP_PORT, AGENT_PORT)"
		exit 2
	fi
done

log "building bin/gateway, bin/agent and bin/whipload (as make build does)"
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/ ./cmd/gateway ./cmd/agent ./cmd/whipload

if [[ ! -s $MEDIA/audio.ogg ]]; then
	log "encoding the 20 s 720p30 2 Mbit/s clip once (cached in $MEDIA)"
	mkdir -p "$MEDIA.part"
	bin/whipload -make "$MEDIA.part" -width 1280 -height 720 -fps 30 -kbps 2000 -seconds 20 >/dev/null
	rm -rf "$MEDIA" && mv "$MEDIA.part" "$MEDIA"
fi
VKBPS=$(awk -v b="$(stat -c %s "$MEDIA/video.h264")" 'BEGIN {printf "%.0f", b * 8 / 20 / 1000}')

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

TCK=$(getconf CLK_TCK)
ticks_of() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
decodes() {
	timeout 30 ffprobe -v error -read_intervals '%+3' -count_frames \
		-show_entries stream=codec_name,width,height,nb_read_frames -of json "$BASE/live/wxdemo-$1.flv" 2>>"$RUN/ffprobe.log" |
		jq -r '[.streams[] | "\(.codec_name)\(if .width then " \(.width)x\(.height)" else "" end) \(.nb_read_frames) fr"] | join(" + ")' ||
		echo "no decode"
}

# run NAME VIDEO_ONLY: the agent with N whip channels, whipload publishing
# to all; prints agent CPU-s, peak RSS KiB, whipload CPU-s, gateway CPU-s,
# lost packets, NACKed packets, PLIs over the agent's sessions.
run() {
	local name=$1 vo=$2 agent load t0 a0 l0 g0 a1 l1 g1 wall i
	{
		echo "log_level: warn"
		echo "http: {listen: 127.0.0.1:$AGENT_PORT}"
		echo "channels:"
		for i in $(seq "$N"); do
			echo "  - name: w$i"
			echo "    source: {type: whip, token: bench-token-1, video_only: $vo}"
			echo "    destination: {wechat: {api_base: \"$BASE\", appid: wxdemo, secret: demo-secret, room_id: $i}}"
		done
	} >"$RUN/$name.yaml"
	bin/agent -config "$RUN/$name.yaml" 2>"$RUN/$name.agent.log" &
	agent=$!
	PIDS+=("$agent")
	for i in $(seq 100); do
		curl -fsS "http://127.0.0.1:$AGENT_PORT/status" >/dev/null 2>&1 && break
		kill -0 "$agent" 2>/dev/null && ((i < 100)) || { log "agent did not start"; cat "$RUN/$name.agent.log" >&2; exit 1; }
		sleep 0.1
	done
	local ogg=$MEDIA/audio.ogg
	[[ $vo == true ]] && ogg=""
	bin/whipload -url "http://127.0.0.1:$AGENT_PORT" -n "$N" -token bench-token-1 -h264 "$MEDIA/video.h264" -ogg "$ogg" \
		-duration $((DUR + WARM + 15))s >"$RUN/$name.load.json" 2>"$RUN/$name.load.log" &
	load=$!
	PIDS+=("$load")
	for i in $(seq 600); do
		grep -q '^ready' "$RUN/$name.load.json" 2>/dev/null && break
		kill -0 "$load" 2>/dev/null && ((i < 600)) || { log "whipload did not start"; cat "$RUN/$name.load.log" >&2; exit 1; }
		sleep 0.1
	done
	grep -q "^ready $N\$" "$RUN/$name.load.json" || { log "not every publisher started: $(head -1 "$RUN/$name.load.json")"; exit 1; }
	sleep "$WARM"
	a0=$(ticks_of "$agent") l0=$(ticks_of "$load") g0=$(ticks_of "$GW") t0=${EPOCHREALTIME//[.,]/}
	sleep "$DUR"
	a1=$(ticks_of "$agent") l1=$(ticks_of "$load") g1=$(ticks_of "$GW") wall=$(((${EPOCHREALTIME//[.,]/} - t0) / 1000))e-3
	curl -fsS "http://127.0.0.1:$AGENT_PORT/status" >"$RUN/$name.status.json"
	decodes 1 >"$RUN/$name.decodes"
	local hwm
	hwm=$(hwm_kb "$agent")
	wait "$load" || { log "whipload failed"; tail -5 "$RUN/$name.load.log" >&2; }
	kill "$agent" 2>/dev/null || true
	wait "$agent" || true
	jq -r --argjson a "$((a1 - a0))" --argjson l "$((l1 - l0))" --argjson g "$((g1 - g0))" --argjson t "$TCK" --argjson w "$wall" --argjson h "$hwm" \
		'[.channels[].source.whip // {}] as $s | "\($a / $t) \($h) \($l / $t) \($g / $t) \([$s[].packets_lost // 0] | add) \([$s[].packets_nacked // 0] | add) \([$s[].plis_sent // 0] | add) \([.channels[] | select(.source.state == "live")] | length) \($w) \([.channels[].source.bitrate_in_bps] | add / length / 1000) \([.channels[].source.fps] | add / length)"' \
		"$RUN/$name.status.json"
}

log "$N WHIP publishers (H.264 + Opus) -> agent -> gateway, ${DUR}s window"
run av false >"$RUN/av.row"
sleep 2
log "$N WHIP publishers, video_only channels, ${DUR}s window"
run vo true >"$RUN/vo.row"

row() { # name row decodes
	local cpu hwm lcpu gcpu lost nack pli live wall kin fps
	read -r cpu hwm lcpu gcpu lost nack pli live wall kin fps <<<"$2"
	awk -v n="$1" -v c="$cpu" -v h="$hwm" -v l="$lcpu" -v g="$gcpu" -v lost="$lost" -v nack="$nack" -v pli="$pli" \
		-v live="$live" -v w="$wall" -v N="$N" -v d="$3" -v kin="$kin" -v fps="$fps" 'BEGIN {
		printf "| %s | %d/%d | %.0f kbit/s, %.1f fps | %.1f %% | **%.1f %%** | %.1f | %.1f %% | %.1f %% | %d / %d / %d | %s |\n",
			n, live, N, kin, fps, c / w * 100, c / w * 100 / N, h / 1024, l / w * 100, g / w * 100, lost, nack, pli, d}'
}
{
	echo "WHIP ingest, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), Linux $(uname -r)"
	echo "Per publisher: 1280x720 30 fps H.264 (libx264 baseline, no B-frames, ${VKBPS} kbit/s measured) + Opus 64 kbit/s 20 ms, from cmd/whipload (pion) over loopback; the agent relays each to its own gateway room over RTMP. Window ${DUR} s, after ${WARM} s of settling."
	echo
	echo "| run | channels live | received per stream (agent) | agent CPU (% of one core) | **per stream** | agent peak RSS MiB | whipload CPU | gateway CPU | lost / NACKed / PLIs | gateway room 1 decodes (ffprobe, 3 s) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	row "H.264 + Opus→AAC" "$(cat "$RUN/av.row")" "$(cat "$RUN/av.decodes")"
	row "H.264, video_only" "$(cat "$RUN/vo.row")" "$(cat "$RUN/vo.decodes")"
	read -r cpu _ _ _ _ _ _ _ wall _ <"$RUN/av.row"
	awk -v c="$cpu" -v w="$wall" -v N="$N" 'BEGIN {p = c / w * 100 / N
		printf "\nGoal: under 10 %% of one core per stream, audio transcode included: %.1f %%, %s.\n", p, (p < 10 ? "met" : "MISSED")}'
	echo
	echo "Raw output: $RUN"
} >"$RUN/table.md"
cat "$RUN/table.md"

status=0
grep -Eq 'h264 [0-9x]+ [1-9][0-9]+ fr' "$RUN/av.decodes" && grep -Eq 'aac [1-9][0-9]+ fr' "$RUN/av.decodes" || { log "room 1 did not decode H.264 + AAC: $(cat "$RUN/av.decodes")"; status=1; }
grep -Eq 'h264 [0-9x]+ [1-9][0-9]+ fr' "$RUN/vo.decodes" || { log "room 1 did not decode H.264 (video only): $(cat "$RUN/vo.decodes")"; status=1; }
exit "$status"
