#!/usr/bin/env bash
# `make run`: the gateway plus an agent whose demo channel pushes room 1 of
# the demo app to it through the gateway's getpushurl. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
./bin/gateway -config configs/gateway.yaml &
gw=$!
./bin/agent -config configs/agent.yaml &
ag=$!
trap 'kill -TERM $gw $ag 2>/dev/null; wait $gw $ag 2>/dev/null' EXIT INT TERM
echo "livestudio running:"
echo "  live page:         http://127.0.0.1:8080/play/wxdemo-1   (video + chat; Log in with any name)"
echo "  player (HTTP-FLV): http://127.0.0.1:8080/live/wxdemo-1.flv   (e.g. ffplay it)"
echo "  HLS:               http://127.0.0.1:8080/live/wxdemo-1.m3u8"
echo "  agent status:      http://127.0.0.1:8090/"
echo "  your camera:       http://127.0.0.1:8090/publish/browser   (token demo-whip-token) -> /play/wxdemo-3"
echo "  rooms console:     http://127.0.0.1:8080/console/   (token demo-rooms-admin-token-change-me)"
# Stop both when either exits.
wait -n $gw $ag
