#!/usr/bin/env bash
# Viewer page benchmark (issue #5): with ffmpeg publishing a 320x240 25 fps
# test pattern that carries its frame number as a barcode, Debian's
# Chromium (headless) loads /play/{room} from an in-process gateway and
# measures, per protocol (HTTP-FLV, HLS):
#   first_frame_ms   navigation start to the first frame playing
#                    (the first load has a cold cache, later loads reuse
#                    the vendored players, which are cached immutably)
#   latency_ms       (after SETTLE of playback, so the latency chase has
#                    converged) the gateway's newest media time minus the media time
#                    of the frame on screen (read from the barcode on a
#                    canvas), at the same wall clock: gateway -> screen
#   card_landing_ms  frame on screen the instant a product card appears,
#                    minus the media time the card was stamped with
#                    (positive: after its frame; negative would be early)
# The figures come from the page tests in internal/gateway (TestPagePlays,
# TestPageInStep) run with more samples. Run from the repository root:
#   ./bench/page.sh              # SAMPLES=10 by default
#   SAMPLES=20 ./bench/page.sh
set -euo pipefail
SAMPLES=${SAMPLES:-10}
SETTLE=${SETTLE:-12s}   # playback before latency and cards are measured
command -v ffmpeg >/dev/null || { echo "needs ffmpeg" >&2; exit 2; }
[ -x /usr/bin/chromium ] || { echo "needs Debian's chromium" >&2; exit 2; }
echo "# viewer page, $SAMPLES samples per figure ($(date -u +%FT%TZ), $(nproc) cores, $(/usr/bin/chromium --version 2>/dev/null))"
go test -count=1 -run 'TestPagePlays|TestPageInStep' -v ./internal/gateway/ -args -page.samples="$SAMPLES" -page.settle="$SETTLE" \
	| grep -E 'FIGURE|^(--- FAIL|FAIL|ok)' | sed -E 's/^ *[a-z0-9_]+_test\.go:[0-9]+: //'
