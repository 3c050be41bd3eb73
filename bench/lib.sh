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
