package agent

import (
	"crypto/rand"
	"net"
	"testing"
	"time"

	"livestudio/internal/config"
)

// garbageServer accepts connections and answers with random bytes; silent
// accepts and never answers.
func garbageServer(t *testing.T, silent bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					if !silent {
						rand.Read(buf)
						c.Write(buf)
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestBadCamerasDoNotTouchOtherChannels: one camera answers garbage, one
// never answers; the demo channel beside them streams undisturbed and the
// bad ones say why in their status.
func TestBadCamerasDoNotTouchOtherChannels(t *testing.T) {
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	api := "http://" + g.HTTPAddr().String()
	cfg := demoAgentConfig(api)
	good := cfg.Channels[0]
	garbage, silent := good, good
	garbage.Name, garbage.Source = "garbage", config.Source{Type: "rtsp", URL: "rtsp://" + garbageServer(t, false) + "/cam", ReadTimeout: time.Second}
	silent.Name, silent.Source = "silent", config.Source{Type: "rtsp", URL: "rtsp://" + garbageServer(t, true) + "/cam", ReadTimeout: time.Second}
	g2 := *garbage.Destination.WeChat
	g2.RoomID = 2
	garbage.Destination.WeChat = &g2
	s3 := *silent.Destination.WeChat
	s3.RoomID = 3
	silent.Destination.WeChat = &s3
	cfg.Channels = append(cfg.Channels, garbage, silent)
	a := runAgent(t, cfg)

	waitFor(t, 20*time.Second, "bad cameras reported", func() bool {
		st := a.Status()
		return st[1].Source.Restarts >= 1 && st[1].Source.LastError != "" &&
			st[2].Source.Restarts >= 1 && st[2].Source.LastError != ""
	})
	s := g.Registry().Get("wxdemo-1")
	if s == nil {
		t.Fatal("the good channel is not live")
	}
	n := s.Stats().Units
	waitFor(t, 10*time.Second, "good channel streaming", func() bool { return s.Stats().Units > n+100 })
	st := a.Status()
	if st[0].Source.Restarts != 0 || st[0].Push.Publishes != 1 || st[0].Push.State != "publishing" {
		t.Errorf("good channel disturbed: %+v", st[0])
	}
	t.Logf("garbage: %s; silent: %s", st[1].Source.LastError, st[2].Source.LastError)
}
