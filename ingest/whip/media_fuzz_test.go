package whip

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"livestudio/internal/stream"
	"livestudio/internal/transcode"
)

// FuzzMediaPath: whatever an authenticated publisher sends as RTP
// payloads, the video and audio paths neither panic nor emit units that go
// back in time.
func FuzzMediaPath(f *testing.F) {
	// An SPS, PPS and IDR slice in a STAP-A, then FU-A fragments.
	f.Add([]byte{0x78, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 0, 2, 0x68, 0xce, 0, 3, 0x65, 0x88, 0x84,
		0xff, 0x7c, 0x85, 1, 2, 3, 0xff, 0x7c, 0x45, 4, 5, 6})
	f.Add([]byte{0xfc, 0xff, 0xfe, 0x01, 0x02, 0x78, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		b2 := NewInbox("token-token", false)
		var last [2]time.Duration
		var seen [2]bool
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ran := make(chan struct{})
		go func() {
			b2.Run(ctx, func(u *stream.Unit) {
				k := 0
				if !u.IsVideo() {
					k = 1
				}
				if seen[k] && u.DTS <= last[k] {
					t.Errorf("unit at %v after %v", u.DTS, last[k])
				}
				last[k], seen[k] = u.DTS, true
			})
			close(ran)
		}()
		for !b2.Waiting() {
			time.Sleep(time.Millisecond)
		}
		s := &Session{inbox: b2, clock: newClock(90000, 48000), done: make(chan struct{})}
		if err := b2.attach(s); err != nil {
			t.Fatal(err)
		}
		v, _, err := newVideoPath(s, webrtc.RTPCodecParameters{PayloadType: 96,
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
				SDPFmtpLine: "packetization-mode=1"}})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := transcode.NewToAAC(transcode.Config{Codec: transcode.Opus, ClockRate: 48000, Channels: 1})
		if err != nil {
			t.Fatal(err)
		}
		a := &audioPath{s: s, tr: tr, rate: 48000, track: &stream.Track{Codec: stream.CodecAAC}}
		a.emit = a.frame
		at := time.Unix(100, 0)
		// Chunks: a header byte (marker, gap, audio), then up to 31 bytes.
		for i, seq := 0, uint16(0); i < len(b); seq++ {
			h := b[i]
			n := min(int(h>>3)+1, len(b)-i-1)
			p := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: h&1 != 0},
				Payload: b[i+1 : i+1+n]}
			i += 1 + n
			at = at.Add(10 * time.Millisecond)
			if h&4 != 0 {
				a.packet(p, false, at)
			} else {
				v.packet(p, h&2 != 0, at)
			}
		}
		cancel()
		<-ran
	})
}
