package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShippedAgentConfigIsValid(t *testing.T) {
	c, err := LoadAgent("../../configs/agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "127.0.0.1:8090" || len(c.Channels) != 2 {
		t.Fatalf("unexpected demo agent config: %+v", c)
	}
	// The demo source to room 1, the browser (WHIP) channel to room 3, both
	// through the local gateway's getpushurl.
	for i, want := range []struct {
		typ  string
		room int64
	}{{"demo", 1}, {"whip", 3}} {
		ch := c.Channels[i]
		if ch.Source.Type != want.typ || ch.Destination.WeChat == nil ||
			ch.Destination.WeChat.APIBase != "http://127.0.0.1:8080" || ch.Destination.WeChat.RoomID != want.room {
			t.Errorf("channel %d: %+v (wechat %+v), want a %s source to room %d", i, ch, ch.Destination.WeChat, want.typ, want.room)
		}
	}
}

func TestBadAgentConfigNamesTheField(t *testing.T) {
	const dest = "destination: {url: rtmp://h/live/s}"
	cases := []struct{ yaml, want string }{
		{"channels:\n  - {name: a, source: {type: demo}}\n", "channels[0].destination"},
		{"channels:\n  - {name: 'a b', source: {type: demo}, " + dest + "}\n", "channels[0].name"},
		{"channels:\n  - {name: a, source: {type: webcam}, " + dest + "}\n", "channels[0].source.type"},
		{"channels:\n  - {name: a, source: {type: rtsp, url: 'http://x'}, " + dest + "}\n", "channels[0].source.url"},
		{"channels:\n  - {name: a, source: {type: rtsp, url: 'rtsp://x/y', transport: quic}, " + dest + "}\n", "channels[0].source.transport"},
		{"channels:\n  - {name: a, source: {type: demo}, destination: {url: 'http://x/live/s'}}\n", "channels[0].destination.url"},
		{"channels:\n  - {name: a, source: {type: demo}, destination: {url: 'rtmp://h/l/s', chunk_size: 99999}}\n", "chunk_size"},
		{"channels:\n  - {name: a, source: {type: demo}, destination: {wechat: {appid: x, secret: y}}}\n", "channels[0].destination.wechat: room_id"},
		{"channels:\n  - {name: a, source: {type: demo}, " + dest + "}\n  - {name: a, source: {type: demo}, " + dest + "}\n", "channels[1].name"},
		{"channels:\n  - {name: a, source: {type: whip, token: short}, " + dest + "}\n", "channels[0].source.token"},
		{"whip: {udp_port: 70000}\n", "whip.udp_port"},
		{"whip: {public_ips: [not-an-ip]}\n", "whip.public_ips[0]"},
		{"chanels: []\n", "field chanels not found"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "agent.yaml")
		os.WriteFile(path, []byte(c.yaml), 0o600)
		_, err := LoadAgent(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to mention %q", c.yaml, err, c.want)
		}
	}
}
