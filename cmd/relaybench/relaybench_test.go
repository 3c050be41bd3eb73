package main

import (
	"testing"
	"time"

	"livestudio/internal/stream"
)

// TestRecorder: units before the first write are not measured, each unit
// is measured once, by kind, from its hand-over to its batch's write.
func TestRecorder(t *testing.T) {
	video, audio := &stream.Track{Codec: stream.CodecH264}, &stream.Track{Codec: stream.CodecAAC}
	r := newRecorder()
	early := &stream.Unit{Track: video, Key: true}
	r.handedOver(early)
	r.writtenAt([]*stream.Unit{early}, time.Now()) // the first batch: goes live
	v, a, late := &stream.Unit{Track: video}, &stream.Unit{Track: audio}, &stream.Unit{Track: audio}
	r.handedOver(v)
	r.handedOver(a)
	r.handedOver(late)
	at := time.Now().Add(3 * time.Millisecond)
	r.writtenAt([]*stream.Unit{v, a}, at)
	r.writtenAt([]*stream.Unit{v}, at) // a unit seen again is not measured twice
	s := r.samples()
	if len(s.video) != 1 || len(s.audio) != 1 || s.pending != 1 {
		t.Fatalf("video %d audio %d pending %d, want 1, 1, 1", len(s.video), len(s.audio), s.pending)
	}
	if s.video[0] < 3*time.Millisecond || s.video[0] > time.Second {
		t.Errorf("video latency %v", s.video[0])
	}
	if s.in != 4 || s.written != 4 || s.batches != 2 || s.multi != 1 {
		t.Errorf("in %d written %d batches %d multi %d", s.in, s.written, s.batches, s.multi)
	}
}

func TestConfigOnlyLoopback(t *testing.T) {
	ok := relayConfig{rtspURL: "rtsp://127.0.0.1:8554/cam", pushURL: "rtmp://127.0.0.1:1935/live/x?txSecret=s",
		transport: "tcp", duration: time.Minute}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*relayConfig){
		"remote camera":   func(c *relayConfig) { c.rtspURL = "rtsp://192.168.1.20/cam" },
		"named camera":    func(c *relayConfig) { c.rtspURL = "rtsp://localhost:8554/cam" },
		"remote push":     func(c *relayConfig) { c.pushURL = "rtmp://live.example.com/live/x" },
		"http push":       func(c *relayConfig) { c.pushURL = "http://127.0.0.1/live/x" },
		"no push":         func(c *relayConfig) { c.pushURL = "" },
		"unbounded":       func(c *relayConfig) { c.duration = 0 },
		"too long":        func(c *relayConfig) { c.duration = time.Hour },
		"bad transport":   func(c *relayConfig) { c.transport = "quic" },
		"negative ring":   func(c *relayConfig) { c.ringUnits = -1 },
		"rtsp is no rtmp": func(c *relayConfig) { c.pushURL = "rtsp://127.0.0.1/live/x" },
	} {
		c := ok
		mod(&c)
		if err := c.validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
