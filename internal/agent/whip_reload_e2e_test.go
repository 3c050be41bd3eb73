package agent

import (
	"context"
	"errors"
	"testing"
	"time"

	"livestudio/internal/whipclient"
)

// TestWHIPReload: reloading other channels leaves a WHIP session alone; a
// new token ends it and only the new token is accepted; removing the
// channel removes its endpoint.
func TestWHIPReload(t *testing.T) {
	h264, ogg := whipMedia(t)
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	cfg := whipAgentConfig("http://"+g.HTTPAddr().String(), true)
	a := runAgent(t, cfg)
	whipURL := "http://" + a.HTTPAddr().String() + "/whip/cam"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cam := func() ChannelStatus {
		for _, s := range a.Status() {
			if s.Name == "cam" {
				return s
			}
		}
		return ChannelStatus{}
	}
	publish := func(token string) (*whipclient.Client, error) {
		return whipclient.Publish(ctx, whipclient.Config{URL: whipURL, Token: token, H264: h264, Ogg: ogg, FPS: 30, Loop: true})
	}
	waitFor(t, 20*time.Second, "the WHIP channel ready", func() bool { return cam().Source.State == SourceConnecting })
	c, err := publish(whipToken)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	waitFor(t, 20*time.Second, "WHIP live", func() bool { return cam().Source.State == SourceLive })
	id := cam().Source.WHIP.ID

	next := whipAgentConfig("http://"+g.HTTPAddr().String(), true)
	next.Channels[1].Destination.WeChat.RoomID = 3
	if err := a.Reload(next); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the demo channel moved to room 3", func() bool {
		s := g.Registry().Get("wxdemo-3")
		return s != nil && s.Stats().Units > 30
	})
	if st := cam(); st.Source.WHIP == nil || st.Source.WHIP.ID != id || st.Source.State != SourceLive {
		t.Fatalf("WHIP session disturbed by another channel's reload: %+v", st.Source)
	}

	next.Channels[0].Source.Token = "another-token-2"
	if err := a.Reload(next); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the session ended by the token change", func() bool {
		st := cam()
		return st.Source.WHIP == nil && st.Source.State == SourceConnecting
	})
	var se *whipclient.StatusError
	if _, err := publish(whipToken); !errors.As(err, &se) || se.Code != 401 {
		t.Errorf("old token after reload: %v, want 401", err)
	}
	c2, err := publish("another-token-2")
	if err != nil {
		t.Fatalf("new token: %v", err)
	}
	defer c2.Close(context.Background())
	waitFor(t, 20*time.Second, "WHIP live with the new token", func() bool { return cam().Source.State == SourceLive })

	next.Channels = next.Channels[1:]
	if err := a.Reload(next); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the channel removed", func() bool { return len(a.Status()) == 1 })
	if _, err := publish("another-token-2"); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("removed channel: %v, want 404", err)
	}
}
