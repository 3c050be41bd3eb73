package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"livestudio/internal/config"
)

func writeAgentConfig(t *testing.T, path, apiBase string, rooms map[string]int) {
	t.Helper()
	y := "http: {listen: \"127.0.0.1:0\"}\nchannels:\n"
	for _, name := range []string{"a", "b"} {
		if room, ok := rooms[name]; ok {
			y += fmt.Sprintf("  - {name: %s, source: {type: demo}, destination: {wechat: {api_base: %q, appid: wxdemo, secret: demo-secret, room_id: %d}}}\n",
				name, apiBase, room)
		}
	}
	// Write then rename, as config managers and editors do.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestConfigReload: a changed channel restarts, an untouched one keeps its
// push session and stream, an invalid file changes nothing, a removed
// channel stops.
func TestConfigReload(t *testing.T) {
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	api := "http://" + g.HTTPAddr().String()
	path := filepath.Join(t.TempDir(), "agent.yaml")
	writeAgentConfig(t, path, api, map[string]int{"a": 1, "b": 2})
	cfg, err := config.LoadAgent(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, nil, testLog())
	if err != nil {
		t.Fatal(err)
	}
	a.WatchConfig(path)
	startAgent(t, a)
	live := func(key string, units uint64) func() bool {
		return func() bool { s := g.Registry().Get(key); return s != nil && s.Stats().Units > units }
	}
	waitFor(t, 20*time.Second, "both channels live", func() bool { return live("wxdemo-1", 30)() && live("wxdemo-2", 30)() })
	streamA := g.Registry().Get("wxdemo-1")

	writeAgentConfig(t, path, api, map[string]int{"a": 1, "b": 3})
	waitFor(t, 20*time.Second, "channel b moved to room 3", live("wxdemo-3", 30))
	waitFor(t, 10*time.Second, "room 2 ended", func() bool { return g.Registry().Get("wxdemo-2") == nil })
	if g.Registry().Get("wxdemo-1") != streamA {
		t.Fatal("untouched channel a was restarted")
	}
	byName := func() map[string]ChannelStatus {
		m := map[string]ChannelStatus{}
		for _, s := range a.Status() {
			m[s.Name] = s
		}
		return m
	}
	if st := byName()["a"]; st.Push.Publishes != 1 || st.Push.State != "publishing" {
		t.Errorf("channel a disturbed: %+v", st.Push)
	}

	if err := os.WriteFile(path, []byte("channels:\n  - {name: 'bad name', source: {type: demo}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "invalid file refused", func() bool { return a.Reloads().Refused == 1 })
	if r := a.Reloads(); r.Applied != 1 || r.LastError == "" || len(a.Status()) != 2 {
		t.Errorf("after an invalid file: %+v, %d channels", r, len(a.Status()))
	}
	if g.Registry().Get("wxdemo-3") == nil || g.Registry().Get("wxdemo-1") != streamA {
		t.Error("an invalid file changed the running channels")
	}
	unitsA := streamA.Stats().Units
	writeAgentConfig(t, path, api, map[string]int{"a": 1})
	waitFor(t, 20*time.Second, "channel b removed", func() bool { return g.Registry().Get("wxdemo-3") == nil })
	if g.Registry().Get("wxdemo-1") != streamA || streamA.Stats().Units <= unitsA {
		t.Error("channel a disturbed by the reloads")
	}
	if n := len(a.Status()); n != 1 {
		t.Errorf("%d channels after removing b", n)
	}
}
