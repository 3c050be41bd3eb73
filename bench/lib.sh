# bench/lib.sh: the prelude the bench scripts share. Source it from the
# repository root, then `bench_init NAME TOOL...`: it checks the tools,
# makes the run directory $RUN, and on exit kills (and waits for) every
# process whose pid the script appended to PIDS.

log() { echo "bench: $*" >&2; }

bench_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

bench_init() {
	local name=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
	done
	RUN=$(mktemp -d "${TMPDIR:-/tmp}/livestudio-$name.XXXXXX")
	PIDS=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# bench_fd_limit N: raise the open-files limit to the hard limit and fail
# unless it leaves room for N connections (each viewer and the gateway need
# a descriptor per connection).
bench_fd_limit() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	if (($(ulimit -n) < $1)); then
		log "ulimit -n is $(ulimit -n): too low for $1 connections"
		exit 2
	fi
}

# bench_gateway_config FILE: the gateway config the benches share (loopback
# ports from HTTP_PORT and RTMP_PORT, the wxdemo app); sets BASE.
bench_gateway_config() {
	cat >"$1" <<EOC
log_level: warn
http:
  listen: 127.0.0.1:$HTTP_PORT
rtmp:
  listen: 127.0.0.1:$RTMP_PORT
  public_host: 127.0.0.1:$RTMP_PORT
apps:
  - appid: wxdemo
    secret: demo-secret
    push_key: bench-push-key
    push_url_ttl: 24h
EOC
	BASE=http://127.0.0.1:$HTTP_PORT
}
