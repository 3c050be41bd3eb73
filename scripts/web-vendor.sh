#!/usr/bin/env bash
# Refresh the vendored player libraries in player/web/vendor from the npm
# registry (`make web-vendor`). Versions are pinned here and in
# player/web/assets.go; bump both together and run the page tests.
set -euo pipefail
cd "$(dirname "$0")/.."

MPEGTS_VERSION=1.8.2
HLS_VERSION=1.7.4
DEST=player/web/vendor

command -v npm >/dev/null || { echo "web-vendor: npm is needed (Debian: apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm pack fetches the published tarball (integrity-checked by npm) without
# installing anything or running package scripts.
(cd "$tmp" && npm pack --silent "mpegts.js@$MPEGTS_VERSION" "hls.js@$HLS_VERSION" >/dev/null)
mkdir -p "$tmp/mpegts" "$tmp/hls"
tar xzf "$tmp/mpegts.js-$MPEGTS_VERSION.tgz" -C "$tmp/mpegts"
tar xzf "$tmp/hls.js-$HLS_VERSION.tgz" -C "$tmp/hls"

mkdir -p "$DEST"
rm -f "$DEST"/mpegts-*.min.js "$DEST"/hls.light-*.min.js "$DEST"/*.LICENSE*
# mpegts.js ships one minified build (dist/mpegts.js) with its third-party
# notices beside it; hls.js's light build has everything a live page needs
# (no subtitles, EME or alternate audio) at 60% of the full build's size.
cp "$tmp/mpegts/package/dist/mpegts.js" "$DEST/mpegts-$MPEGTS_VERSION.min.js"
cp "$tmp/mpegts/package/LICENSE" "$DEST/mpegts-$MPEGTS_VERSION.LICENSE"
cp "$tmp/mpegts/package/dist/mpegts.js.LICENSE.txt" "$DEST/mpegts-$MPEGTS_VERSION.THIRD-PARTY.LICENSE"
cp "$tmp/hls/package/dist/hls.light.min.js" "$DEST/hls.light-$HLS_VERSION.min.js"
cp "$tmp/hls/package/LICENSE" "$DEST/hls-$HLS_VERSION.LICENSE"
# The minified files name a source map we do not ship: drop the comment so
# browsers' dev tools do not ask the gateway for it.
sed -i -e 's|//# sourceMappingURL=.*$||' "$DEST/mpegts-$MPEGTS_VERSION.min.js" "$DEST/hls.light-$HLS_VERSION.min.js"
ls -l "$DEST"
