#!/usr/bin/env bash
# Publishes a test pattern with a tone to room 1 of the demo app, using a
# push URL fetched from the gateway's WeChat-shaped API, as the agent will.
# Usage: scripts/publish-demo.sh [gateway-base-url] [room]
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
room=${2:-1}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1') or d)"; }
token=$(curl -fsS -X POST "$base/cgi-bin/stable_token" \
	-d '{"grant_type":"client_credential","appid":"wxdemo","secret":"demo-secret"}' | json access_token)
push=$(curl -fsS "$base/wxaapi/broadcast/room/getpushurl?access_token=$token&roomId=$room" | json pushAddr)
echo "publishing to $push"
echo "watch: $base/live/wxdemo-$room.flv  (ffplay, VLC, mpegts.js) or $base/live/wxdemo-$room.m3u8"
exec ffmpeg -hide_banner -loglevel warning -re \
	-f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
	-c:v libx264 -preset veryfast -tune zerolatency -g 60 -pix_fmt yuv420p -b:v 2M \
	-c:a aac -b:a 128k -f flv "$push"
