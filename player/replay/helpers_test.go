package replay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	mcodecs "github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"
	"github.com/prometheus/client_golang/prometheus"

	"livestudio/internal/stream"
)

// Test tracks: the parameter sets are carried, never decoded here (the
// end-to-end tests in internal/gateway have ffmpeg decode real media).
func h264Track() *stream.Track {
	return &stream.Track{Codec: stream.CodecH264, SPS: []byte{0x67, 0x64, 0, 0x1f}, PPS: []byte{0x68, 0xeb}}
}

func aacTrack() *stream.Track {
	return &stream.Track{Codec: stream.CodecAAC, Config: []byte{0x12, 0x10}, SampleRate: 44100, Channels: 2}
}

// source generates a synthetic stream: 25 fps video with a keyframe every
// gop pictures and an AAC frame after each picture, from dts on.
type source struct {
	video, audio *stream.Track // nil: absent
	gop          int
	pics         int
	dts          time.Duration
}

const frame = 40 * time.Millisecond

// units returns the next d of media.
func (s *source) units(d time.Duration) []*stream.Unit {
	var out []*stream.Unit
	for end := s.dts + d; s.dts < end; s.dts += frame {
		if s.video != nil {
			key := s.pics%s.gop == 0
			nalu := []byte{0x41, 1, 2, 3, 4, 5, 6, 7}
			if key {
				nalu = []byte{0x65, 0x88, 1, 2, 3, 4, 5, 6}
			}
			out = append(out, &stream.Unit{Track: s.video, DTS: s.dts, PTS: s.dts, Key: key, NALUs: [][]byte{nalu}})
			s.pics++
		}
		if s.audio != nil {
			out = append(out, &stream.Unit{Track: s.audio, DTS: s.dts, PTS: s.dts, Key: true, Frame: []byte{0x21, 0x10, 5, 6}})
		}
	}
	return out
}

func (s *source) write(p *stream.Publisher, d time.Duration) {
	for _, u := range s.units(d) {
		p.Write(u)
	}
}

func testLog() *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

type rig struct {
	reg  *stream.Registry
	rec  *Recorder
	prom *prometheus.Registry
	dir  string
	stop func()
}

// startRecorder runs a recorder over a new registry in a temporary dir.
func startRecorder(t *testing.T, cfg Config, scfg stream.Config) *rig {
	t.Helper()
	r := &rig{reg: stream.NewRegistry(scfg), prom: prometheus.NewRegistry()}
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(t.TempDir(), "replay")
	}
	r.dir = cfg.Dir
	var err error
	if r.rec, err = New(cfg, r.reg, testLog(), r.prom); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.rec.Run(ctx) }()
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(func() { r.stop(); r.reg.Close() })
	return r
}

func (r *rig) publish(t *testing.T, key string) *stream.Publisher {
	t.Helper()
	p, err := r.reg.Publish(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitList waits until key has n recordings and none is live.
func (r *rig) waitList(t *testing.T, key string, n int) []Recording {
	t.Helper()
	var list []Recording
	waitFor(t, "recordings finished", func() bool {
		var err error
		list, err = r.rec.List(key)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != n {
			return false
		}
		for _, rc := range list {
			if rc.Live {
				return false
			}
		}
		return true
	})
	return list
}

func (r *rig) playlist(t *testing.T, rc Recording) *playlist {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, rc.Key, rc.ID, playlistName))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := parsePlaylist(b)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// metric returns the value of a counter or gauge (with the given label
// value, if any) from the rig's registry.
func (r *rig) metric(t *testing.T, name, label string) float64 {
	t.Helper()
	fams, err := r.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// tsFrames demuxes a segment and returns, per track kind, the timestamps
// (90 kHz) of its frames and whether the first video frame is an IDR.
type tsInfo struct {
	video, audio []int64
	firstIDR     bool
}

func readTS(t *testing.T, path string) tsInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &mpegts.Reader{R: bytes.NewReader(b)}
	if err := r.Initialize(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var info tsInfo
	for _, tr := range r.Tracks() {
		switch tr.Codec.(type) {
		case *mcodecs.H264:
			r.OnDataH264(tr, func(_, dts int64, au [][]byte) error {
				if len(info.video) == 0 {
					for _, n := range au {
						if n[0]&0x1f == 5 {
							info.firstIDR = true
						}
					}
				}
				info.video = append(info.video, dts)
				return nil
			})
		case *mcodecs.MPEG4Audio:
			r.OnDataMPEG4Audio(tr, func(pts int64, aus [][]byte) error {
				info.audio = append(info.audio, pts)
				return nil
			})
		}
	}
	for {
		if err := r.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				return info
			}
			t.Fatalf("%s: %v", path, err)
		}
	}
}
