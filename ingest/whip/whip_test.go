package whip

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"livestudio/internal/stream"
	"livestudio/internal/testpeer"
	"livestudio/internal/whipclient"
)

func testLog() *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// rig is a WHIP server on loopback with one channel whose units are
// collected.
type rig struct {
	srv     *Server
	http    *httptest.Server
	metrics *Metrics
	inbox   *Inbox
	mu      sync.Mutex
	units   []*stream.Unit
	ran     chan error
}

func newRig(t *testing.T, o Options, channel, token string, videoOnly bool) *rig {
	t.Helper()
	r := &rig{metrics: NewMetrics(prometheus.NewRegistry()), ran: make(chan error, 1)}
	o.Metrics, o.Log = r.metrics, testLog()
	srv, err := New(Config{}, o)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	r.inbox = NewInbox(token, videoOnly)
	srv.Register(channel, r.inbox)
	r.http = httptest.NewServer(srv)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		r.ran <- r.inbox.Run(ctx, func(u *stream.Unit) {
			r.mu.Lock()
			r.units = append(r.units, u)
			r.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		r.http.Close()
		srv.Close()
	})
	// Run has started once the inbox takes publishers.
	waitFor(t, 5*time.Second, "the inbox running", r.inbox.Waiting)
	return r
}

func (r *rig) snapshot() (video, audio []*stream.Unit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.units {
		if u.IsVideo() {
			video = append(video, u)
		} else {
			audio = append(audio, u)
		}
	}
	return video, audio
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func media(t *testing.T) (h264, ogg string) {
	t.Helper()
	testpeer.NeedFFmpeg(t)
	h, o, err := whipclient.MakeFiles(t.TempDir(), whipclient.Media{Width: 320, Height: 240, FPS: 30, Seconds: 4, VideoKbps: 400})
	if err != nil {
		t.Fatal(err)
	}
	return h, o
}

// A pion client publishes H.264 and Opus: the inbox gets H.264 access
// units starting at a keyframe and AAC frames, both on one monotonic
// timeline, and the client got a keyframe request.
func TestPublishPion(t *testing.T) {
	h264, ogg := media(t)
	for _, mode := range []string{"ephemeral", "udpmux", "tcp"} {
		t.Run(mode, func(t *testing.T) {
			var o Options
			switch mode {
			case "udpmux":
				c, err := net.ListenPacket("udp4", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				o.UDPConn, o.Loopback = c, true
			case "tcp":
				l, err := net.Listen("tcp4", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				o.TCPListener, o.Loopback = l, true
			}
			r := newRig(t, o, "cam", "s3cret-token", false)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, err := whipclient.Publish(ctx, whipclient.Config{URL: r.http.URL + "/whip/cam", Token: "s3cret-token",
				H264: h264, Ogg: ogg, FPS: 30, Loop: true, TCPOnly: mode == "tcp"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, 15*time.Second, "2 s of video and audio", func() bool {
				v, a := r.snapshot()
				return len(v) > 0 && len(a) > 0 && v[len(v)-1].DTS > 2*time.Second && a[len(a)-1].DTS > 2*time.Second
			})
			st := r.inbox.Session()
			if err := c.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
			select {
			case err := <-r.ran:
				if err != ErrPublisherLeft {
					t.Errorf("Run ended with %v, want ErrPublisherLeft", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not end after DELETE")
			}
			v, a := r.snapshot()
			checkUnits(t, v, a)
			if st == nil || len(st.Codecs) != 2 || st.Packets == 0 || st.PLIs == 0 {
				t.Errorf("session status %+v: want 2 codecs, packets and a PLI sent", st)
			}
			if cs := c.Stats(); cs.PLIs == 0 {
				t.Errorf("client got no PLI: %+v", cs)
			}
			if mode == "tcp" && !strings.Contains(st.Remote, "(tcp)") {
				t.Errorf("session over %s, want ICE-TCP", st.Remote)
			}
		})
	}
}

func checkUnits(t *testing.T, v, a []*stream.Unit) {
	t.Helper()
	if !v[0].Key || v[0].DTS != 0 || v[0].Track.Codec != stream.CodecH264 || len(v[0].Track.SPS) == 0 || len(v[0].Track.PPS) == 0 {
		t.Fatalf("first video unit: key=%v dts=%v codec=%v sps=%d", v[0].Key, v[0].DTS, v[0].Track.Codec, len(v[0].Track.SPS))
	}
	for i := 1; i < len(v); i++ {
		if v[i].DTS <= v[i-1].DTS || v[i].PTS < v[i].DTS {
			t.Fatalf("video unit %d: DTS %v after %v, PTS %v", i, v[i].DTS, v[i-1].DTS, v[i].PTS)
		}
	}
	for i := 1; i < len(a); i++ {
		if a[i].DTS <= a[i-1].DTS {
			t.Fatalf("audio unit %d: DTS %v after %v", i, a[i].DTS, a[i-1].DTS)
		}
	}
	tr := a[0].Track
	if tr.Codec != stream.CodecAAC || tr.SampleRate != 48000 || len(tr.Config) == 0 {
		t.Fatalf("audio track %+v", tr)
	}
	// 30 fps and 1024-sample frames at 48 kHz: the counts follow the time.
	span := v[len(v)-1].DTS.Seconds()
	if n := float64(len(v)); n < span*30*0.8 {
		t.Errorf("%d video units over %.1f s", len(v), span)
	}
	span = a[len(a)-1].DTS.Seconds() - a[0].DTS.Seconds()
	if n := float64(len(a)); n < span*46.875*0.8 {
		t.Errorf("%d audio units over %.1f s", len(a), span)
	}
	if d := a[0].DTS - v[0].DTS; d < 0 || d > 100*time.Millisecond {
		t.Errorf("first audio at %v, first video at %v: more than 100 ms apart", a[0].DTS, v[0].DTS)
	}
}

// offerSDP is a pion offer sending the given codecs.
func offerSDP(t *testing.T, caps ...webrtc.RTPCodecCapability) string {
	t.Helper()
	m := &webrtc.MediaEngine{}
	for i, c := range caps {
		kind := webrtc.RTPCodecTypeVideo
		if c.ClockRate != 90000 {
			kind = webrtc.RTPCodecTypeAudio
		}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: c, PayloadType: webrtc.PayloadType(96 + i)}, kind); err != nil {
			t.Fatal(err)
		}
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, c := range caps {
		tr, err := webrtc.NewTrackLocalStaticSample(c, "x", "y")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

var (
	capVP8  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	capOpus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	capPCMU = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}
	capH264 = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}
)

func do(t *testing.T, method, url, token, ctype, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Bad requests get a clear status and message, are counted, and leave the
// channel free for a good publisher.
func TestRefusals(t *testing.T) {
	r := newRig(t, Options{}, "cam", "s3cret-token", false)
	url := r.http.URL + "/whip/cam"
	good := offerSDP(t, capH264, capOpus)
	cases := []struct {
		name, url, token, ctype, body string
		status                        int
		reason, says                  string
	}{
		{"malformed", url, "s3cret-token", "application/sdp", "v=0\r\nthis is not sdp", 400, "malformed_sdp", "malformed SDP"},
		{"empty", url, "s3cret-token", "application/sdp", "", 400, "malformed_sdp", "malformed SDP"},
		{"vp8 only", url, "s3cret-token", "application/sdp", offerSDP(t, capVP8, capOpus), 422, "unsupported_codec", "VP8/90000"},
		{"pcmu only", url, "s3cret-token", "application/sdp", offerSDP(t, capPCMU), 422, "unsupported_codec", "PCMU/8000"},
		{"wrong token", url, "wrong-token", "application/sdp", good, 401, "bad_token", "bearer token"},
		{"no token", url, "", "application/sdp", good, 401, "bad_token", "bearer token"},
		{"content type", url, "s3cret-token", "text/plain", good, 415, "content_type", "application/sdp"},
		{"unknown channel", r.http.URL + "/whip/nope", "s3cret-token", "application/sdp", good, 404, "unknown_channel", "no WHIP channel"},
		{"unknown session", url + "/0123", "s3cret-token", "", "", 404, "unknown_session", "no such WHIP session"},
	}
	for _, c := range cases {
		method := http.MethodPost
		if strings.Count(strings.TrimPrefix(c.url, r.http.URL), "/") == 3 {
			method = http.MethodDelete
		}
		resp, body := do(t, method, c.url, c.token, c.ctype, c.body)
		if resp.StatusCode != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %q, want %d containing %q", c.name, resp.StatusCode, body, c.status, c.says)
		}
		if got := testutil.ToFloat64(r.metrics.refused.WithLabelValues(c.reason)); got < 1 {
			t.Errorf("%s: refusal %q not counted", c.name, c.reason)
		}
	}
	// CORS preflight from another origin.
	resp, _ := do(t, http.MethodOptions, url, "", "", "")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("OPTIONS: %d %v", resp.StatusCode, resp.Header)
	}
	// The first good offer is answered; a second publisher is told busy;
	// PATCH (trickle) is refused with 405; DELETE ends the session.
	resp, answer := do(t, http.MethodPost, url, "s3cret-token", "application/sdp", good)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, "/whip/cam/") || !strings.Contains(answer, "a=candidate") ||
		resp.Header.Get("Content-Type") != "application/sdp" {
		t.Fatalf("good offer: %d %q location %q", resp.StatusCode, answer, loc)
	}
	if resp, body := do(t, http.MethodPost, url, "s3cret-token", "application/sdp", good); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "already live") {
		t.Errorf("second publisher: %d %q", resp.StatusCode, body)
	}
	if resp, body := do(t, http.MethodPatch, r.http.URL+loc, "s3cret-token", "application/trickle-ice-sdpfrag", "a=end-of-candidates"); resp.StatusCode != http.StatusMethodNotAllowed ||
		!strings.Contains(body, "trickle") {
		t.Errorf("PATCH: %d %q", resp.StatusCode, body)
	}
	if resp, _ := do(t, http.MethodDelete, r.http.URL+loc, "wrong-token", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("DELETE with a wrong token: %d", resp.StatusCode)
	}
	if resp, _ := do(t, http.MethodDelete, r.http.URL+loc, "s3cret-token", "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
	waitFor(t, 5*time.Second, "the channel to be free again", func() bool { return r.inbox.Session() == nil })
	if resp, _ := do(t, http.MethodPost, url, "s3cret-token", "application/sdp", good); resp.StatusCode != http.StatusCreated {
		t.Errorf("after DELETE: %d", resp.StatusCode)
	}
}

// Loss the publisher cannot repair: the server NACKs, counts the loss,
// asks for a keyframe after it (PLI, then FIR when unanswered) and the
// units stay whole and monotonic.
func TestPublishLoss(t *testing.T) {
	h264, ogg := media(t)
	r := newRig(t, Options{}, "cam", "s3cret-token", false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := whipclient.Publish(ctx, whipclient.Config{URL: r.http.URL + "/whip/cam", Token: "s3cret-token",
		H264: h264, Ogg: ogg, FPS: 30, Loop: true, DropEvery: 25})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	waitFor(t, 15*time.Second, "loss seen, NACKed and keyframes asked for, at both ends", func() bool {
		st, cs := r.inbox.Session(), c.Stats()
		return st != nil && st.Lost > 3 && st.PLIs > 2 && st.NACKed > 3 && st.VideoUnits > 30 && cs.PLIs > 2 && cs.NACKs > 0
	})
	t.Logf("session: %+v; client: %+v", *r.inbox.Session(), c.Stats())
	v, a := r.snapshot()
	for i := 1; i < len(v); i++ {
		if v[i].DTS <= v[i-1].DTS {
			t.Fatalf("video unit %d: DTS %v after %v", i, v[i].DTS, v[i-1].DTS)
		}
	}
	if len(a) == 0 {
		t.Error("no audio")
	}
}

// A publisher offering H.265 (OBS with HEVC, Safari): the units are H.265
// with VPS, SPS and PPS, starting at a keyframe.
func TestPublishH265(t *testing.T) {
	testpeer.NeedFFmpeg(t)
	h265, ogg, err := whipclient.MakeFiles(t.TempDir(), whipclient.Media{Width: 320, Height: 240, FPS: 30, Seconds: 3, VideoKbps: 300, H265: true})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, Options{}, "cam", "s3cret-token", false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := whipclient.Publish(ctx, whipclient.Config{URL: r.http.URL + "/whip/cam", Token: "s3cret-token",
		H264: h265, H265: true, Ogg: ogg, FPS: 30, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	waitFor(t, 15*time.Second, "1 s of H.265", func() bool {
		v, a := r.snapshot()
		return len(v) > 0 && len(a) > 0 && v[len(v)-1].DTS > time.Second
	})
	v, _ := r.snapshot()
	tr := v[0].Track
	if tr.Codec != stream.CodecH265 || !v[0].Key || len(tr.VPS) == 0 || len(tr.SPS) == 0 || len(tr.PPS) == 0 {
		t.Fatalf("first unit: codec %v key %v vps %d sps %d pps %d", tr.Codec, v[0].Key, len(tr.VPS), len(tr.SPS), len(tr.PPS))
	}
	for i := 1; i < len(v); i++ {
		if v[i].DTS <= v[i-1].DTS {
			t.Fatalf("unit %d: DTS %v after %v", i, v[i].DTS, v[i-1].DTS)
		}
	}
	if st := r.inbox.Session(); st == nil || st.Codecs[0] != "H265" {
		t.Errorf("status %+v", st)
	}
}

// Behind a NAT: the answer's candidates announce the public IP, on the
// muxed UDP port and the ICE-TCP port.
func TestPublicIPs(t *testing.T) {
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{PublicIPs: []string{"203.0.113.7"}}, Options{UDPConn: udp, TCPListener: tcp, Loopback: true, Log: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b := NewInbox("s3cret-token", false)
	srv.Register("cam", b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx, func(*stream.Unit) {})
	h := httptest.NewServer(srv)
	defer h.Close()
	waitFor(t, 5*time.Second, "the inbox running", b.Waiting)
	resp, answer := do(t, http.MethodPost, h.URL+"/whip/cam", "s3cret-token", "application/sdp", offerSDP(t, capH264, capOpus))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", resp.StatusCode, answer)
	}
	udpPort := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
	tcpPort := strconv.Itoa(tcp.Addr().(*net.TCPAddr).Port)
	if !strings.Contains(answer, " udp ") || !strings.Contains(answer, "203.0.113.7 "+udpPort+" typ host") ||
		!strings.Contains(answer, "203.0.113.7 "+tcpPort+" typ host tcptype passive") {
		t.Errorf("answer candidates do not announce 203.0.113.7 on udp %s and tcp %s:\n%s", udpPort, tcpPort, answer)
	}
	if strings.Contains(answer, "127.0.0.1") {
		t.Errorf("answer still announces the local address:\n%s", answer)
	}
}

// A video_only channel relays the picture and drops the audio (no
// transcoder is made).
func TestVideoOnly(t *testing.T) {
	h264, ogg := media(t)
	r := newRig(t, Options{}, "cam", "s3cret-token", true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := whipclient.Publish(ctx, whipclient.Config{URL: r.http.URL + "/whip/cam", Token: "s3cret-token",
		H264: h264, Ogg: ogg, FPS: 30, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	waitFor(t, 15*time.Second, "1 s of video and audio packets", func() bool {
		v, _ := r.snapshot()
		return len(v) > 0 && v[len(v)-1].DTS > time.Second && c.Stats().AudioPackets > 50
	})
	if _, a := r.snapshot(); len(a) != 0 {
		t.Errorf("%d audio units on a video_only channel", len(a))
	}
	if st := r.inbox.Session(); st == nil || len(st.Codecs) != 1 || st.Codecs[0] != "H264" {
		t.Errorf("status %+v", st)
	}
}
