package agent

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"livestudio/ingest/demo"
	"livestudio/internal/config"
	"livestudio/internal/gateway"
	"livestudio/internal/stream"
)

// fakeCamera plays a clip until dropped; while down, connecting fails.
type fakeCamera struct {
	clip    *demo.Clip
	mu      sync.Mutex
	down    bool
	dropped chan struct{}
}

// newFakeCamera makes a 320x240 clip with ffmpeg: parameters that differ
// from the slate's, so every switch announces new ones.
func newFakeCamera(t *testing.T) *fakeCamera {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cam.flv")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-preset", "ultrafast",
		"-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clip, err := demo.LoadClip(b)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeCamera{clip: clip, dropped: make(chan struct{})}
}

func (c *fakeCamera) Run(ctx context.Context, out func(*stream.Unit)) error {
	c.mu.Lock()
	if c.down {
		c.mu.Unlock()
		return errors.New("camera: connection refused")
	}
	dropped := c.dropped
	c.mu.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-dropped:
			cancel()
		case <-cctx.Done():
		}
	}()
	demo.Source{Clip: c.clip}.Run(cctx, out)
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("camera stopped sending")
}

func (c *fakeCamera) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = true
	close(c.dropped)
}

func (c *fakeCamera) restore() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down, c.dropped = false, make(chan struct{})
}

// flvTag is what the test viewer records of each tag.
type flvTag struct {
	typ byte
	ms  uint32
	seq bool // a sequence header
	at  time.Time
}

func watchFLV(t *testing.T, url string) (func() []flvTag, func()) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var tags []flvTag
	go func() {
		br := bufio.NewReader(resp.Body)
		if _, err := io.CopyN(io.Discard, br, 13); err != nil {
			return
		}
		for {
			h := make([]byte, 11)
			if _, err := io.ReadFull(br, h); err != nil {
				return
			}
			n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
			body := make([]byte, n+4)
			if _, err := io.ReadFull(br, body); err != nil {
				return
			}
			tag := flvTag{typ: h[0], ms: uint32(h[7])<<24 | uint32(h[4])<<16 | uint32(h[5])<<8 | uint32(h[6]), at: time.Now()}
			tag.seq = (h[0] == 9 && body[1] == 0) || (h[0] == 8 && body[1] == 0)
			mu.Lock()
			tags = append(tags, tag)
			mu.Unlock()
		}
	}()
	return func() []flvTag {
			mu.Lock()
			defer mu.Unlock()
			return append([]flvTag(nil), tags...)
		}, func() {
			resp.Body.Close()
		}
}

// TestCameraDropSlateAndBack: while the camera is away the slate keeps the
// push session up (the gateway drops publishers silent for 2 s here), and
// the camera takes over again at its next keyframe; one publish throughout,
// timestamps monotonic, no gap over 2 s.
func TestCameraDropSlateAndBack(t *testing.T) {
	cfgGW := func(c *gateway.Config) { c.RTMP.IdleTimeout = 2 * time.Second }
	g, _ := runGatewayWith(t, "127.0.0.1:0", "127.0.0.1:0", cfgGW)
	httpAddr := g.HTTPAddr().String()
	cam := newFakeCamera(t)
	cfg := demoAgentConfig("http://" + httpAddr)
	cfg.Channels[0].Source = config.Source{Type: "rtsp", URL: "rtsp://camera.invalid/stream"}
	a, err := New(cfg, func(config.Source, *slog.Logger) (Source, error) { return cam, nil }, testLog())
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)
	waitFor(t, 20*time.Second, "camera live at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 50 && a.Status()[0].Source.State == SourceLive
	})
	tags, stopWatch := watchFLV(t, "http://"+httpAddr+"/live/wxdemo-1.flv")
	defer stopWatch()
	waitFor(t, 10*time.Second, "viewer receiving", func() bool { return len(tags()) > 20 })

	cam.drop()
	waitFor(t, 10*time.Second, "source to be seen down", func() bool { return a.Status()[0].Source.State != SourceLive })
	before := len(tags())
	time.Sleep(5 * time.Second) // the camera stays away: the time the test is about
	if got := len(tags()); got < before+100 {
		t.Fatalf("slate not flowing: %d tags during the outage", got-before)
	}
	cam.restore()
	waitFor(t, 20*time.Second, "camera back", func() bool { return a.Status()[0].Source.State == SourceLive })
	mark := len(tags())
	waitFor(t, 10*time.Second, "camera picture reaching the viewer", func() bool { return len(tags()) > mark+50 })

	st := a.Status()[0]
	if st.Push.Publishes != 1 {
		t.Errorf("push re-established: %d publishes", st.Push.Publishes)
	}
	var lastV uint32
	var lastAt time.Time
	seqHeaders := 0
	for i, tag := range tags() {
		if tag.typ != 9 {
			continue
		}
		if tag.seq {
			seqHeaders++
			continue
		}
		if tag.ms < lastV {
			t.Fatalf("video tag %d: timestamp %d after %d", i, tag.ms, lastV)
		}
		if !lastAt.IsZero() && tag.at.Sub(lastAt) > 2*time.Second {
			t.Errorf("video gap of %v at tag %d", tag.at.Sub(lastAt), i)
		}
		lastV, lastAt = tag.ms, tag.at
	}
	// Camera -> slate -> camera: the new parameters were announced in band.
	if seqHeaders < 3 {
		t.Errorf("%d video sequence headers, want the first plus one per switch", seqHeaders)
	}
	// An independent player decodes the camera picture that came back.
	if v, au := decodes(t, "http://"+httpAddr+"/live/wxdemo-1.flv"); v < 25 || au < 40 {
		t.Errorf("after the switch back decoded %d video, %d audio frames", v, au)
	}
}
