package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShippedGatewayConfigIsValid(t *testing.T) {
	c, err := LoadConfig("../../configs/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "127.0.0.1:8080" || c.RTMP.Listen != ":1935" || len(c.Apps) != 1 || c.Apps[0].AppID != "wxdemo" {
		t.Errorf("unexpected demo config: %+v", c)
	}
}

func TestBadGatewayConfigNamesTheField(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"http:\n  listne: 1\n", "field listne not found"},
		{"rtmp:\n  idle_timeout: -1s\n", "rtmp.idle_timeout"},
		{"rtmp:\n  idle_timeout: soon\n", "line 2"},
		{"log_level: loud\n", "log_level"},
		{"hls:\n  segment_count: 2\n", "segment_count"},
		{"apps:\n  - {appid: a, secret: short, push_key: 12345678, push_url_ttl: 1h}\n", "apps[0].secret"},
		{"apps:\n  - {appid: a-b, secret: 12345678, push_key: 12345678, push_url_ttl: 1h}\n", "apps[0].appid"},
		{"apps:\n  - {appid: a, secret: 12345678, push_key: 12345678, push_url_ttl: 1h}\n" +
			"  - {appid: a, secret: 12345678, push_key: 12345678, push_url_ttl: 1h}\n", "apps[1].appid"},
		{"token_ttl: 1m\n", "token_ttl"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "gw.yaml")
		os.WriteFile(path, []byte(c.yaml), 0o600)
		_, err := LoadConfig(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to mention %q", c.yaml, err, c.want)
		}
	}
}

func TestEmptyFileGivesDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.yaml")
	os.WriteFile(path, nil, 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != DefaultConfig().HTTP.Listen {
		t.Errorf("defaults not applied: %+v", c.HTTP)
	}
}
