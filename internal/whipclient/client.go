// Package whipclient is a WHIP publisher (RFC 9725) built on pion: it sends
// an Annex-B H.264 file and an Ogg Opus file in real time, looped, like a
// browser or OBS would send a camera. The agent's tests use it as an
// independent peer and cmd/whipload as its load generator.
package whipclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Config says what to publish where.
type Config struct {
	URL   string // http://AGENT/whip/{channel}
	Token string // bearer token
	// H264 is an Annex-B file (ffmpeg -c:v libx264 -bf 0 -f h264), sent
	// at FPS; Ogg an Ogg Opus file with one packet a page (ffmpeg
	// -c:a libopus -page_duration 20000), or "" for video only.
	H264, Ogg string
	// H265: the video file is H.265 (Annex-B, -f hevc), offered as H265.
	H265 bool
	FPS  int
	// Loop restarts the files at their end; otherwise the client stops
	// sending (and Wait returns) when the video ends.
	Loop bool
	// Client for the WHIP requests; http.DefaultClient when nil.
	HTTP *http.Client
	// DropEvery, if set, drops every Nth video packet before it leaves:
	// loss the server cannot repair (the client keeps no retransmission
	// buffer), to test its reaction.
	DropEvery int
	// TCPOnly gathers ICE-TCP candidates only, as behind a firewall that
	// blocks UDP (the server must offer an ICE-TCP port).
	TCPOnly bool
}

// Stats counts what a client sent and received.
type Stats struct {
	Frames, AudioPackets uint64
	PLIs, FIRs, NACKs    uint64 // feedback received from the server
}

// Client is one publishing session.
type Client struct {
	cfg      Config
	pc       *webrtc.PeerConnection
	resource string // the session URL (Location)
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	errMu    sync.Mutex
	err      error

	frames, audio, plis, firs, nacks atomic.Uint64
}

// StatusError is a WHIP request the server refused.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("WHIP server answered %d: %s", e.Code, strings.TrimSpace(e.Body))
}

// Publish offers, waits for ICE to connect and starts sending.
func Publish(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	api, err := newAPI(cfg.DropEvery, cfg.TCPOnly)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, pc: pc}
	fail := func(err error) (*Client, error) {
		pc.Close()
		return nil, err
	}
	vcap := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}
	if cfg.H265 {
		vcap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000}
	}
	video, err := webrtc.NewTrackLocalStaticSample(vcap, "video", "whipclient")
	if err != nil {
		return fail(err)
	}
	vs, err := pc.AddTransceiverFromTrack(video, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return fail(err)
	}
	var audio *webrtc.TrackLocalStaticSample
	var as *webrtc.RTPTransceiver
	if cfg.Ogg != "" {
		audio, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
			"audio", "whipclient")
		if err != nil {
			return fail(err)
		}
		if as, err = pc.AddTransceiverFromTrack(audio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			return fail(err)
		}
	}
	connected := make(chan struct{})
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fail(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return fail(err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	answer, loc, err := c.post(ctx, pc.LocalDescription().SDP)
	if err != nil {
		return fail(err)
	}
	c.resource = loc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.Close(context.Background())
		return nil, fmt.Errorf("whip answer: %w", err)
	}
	select {
	case <-connected:
	case <-ctx.Done():
		c.Close(context.Background())
		return nil, fmt.Errorf("whip connect: %w", ctx.Err())
	}
	sctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	// One schedule for both tracks: frame n at start+n/FPS, audio at its
	// samples' time, so they stay in step however the goroutines are
	// scheduled (a late one catches up).
	start := time.Now()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.readFeedback(vs.Sender())
	}()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.setErr(c.sendVideo(sctx, video, start))
		if !cfg.Loop {
			cancel()
		}
	}()
	if audio != nil {
		c.wg.Add(2)
		go func() {
			defer c.wg.Done()
			c.readFeedback(as.Sender())
		}()
		go func() {
			defer c.wg.Done()
			c.setErr(c.sendAudio(sctx, audio, start))
		}()
	}
	return c, nil
}

func newAPI(dropEvery int, tcpOnly bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if dropEvery > 0 {
		ir.Add(&dropper{every: dropEvery})
	}
	// Sender reports, as browsers and OBS send: the server syncs A/V on them.
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	if tcpOnly {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
		se.SetIncludeLoopbackCandidate(true)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// dropper drops every Nth video packet.
type dropper struct {
	interceptor.NoOp
	every int
	n     atomic.Uint64
}

func (d *dropper) NewInterceptor(string) (interceptor.Interceptor, error) { return d, nil }

func (d *dropper) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if !strings.HasPrefix(strings.ToLower(info.MimeType), "video/") {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if d.n.Add(1)%uint64(d.every) == 0 {
			return len(payload), nil
		}
		return w.Write(h, payload, a)
	})
}

func (c *Client) post(ctx context.Context, offer string) (answer, location string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, strings.NewReader(offer))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("whip post: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return "", "", &StatusError{Code: resp.StatusCode, Body: string(body)}
	}
	base, _ := url.Parse(c.cfg.URL)
	loc, err := base.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		return "", "", fmt.Errorf("whip post: no valid Location in the answer")
	}
	return string(body), loc.String(), nil
}

// Close stops sending, ends the session on the server (DELETE) and closes
// the PeerConnection.
func (c *Client) Close(ctx context.Context) error {
	if c.cancel != nil {
		c.cancel()
	}
	var err error
	if c.resource != "" {
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, c.resource, nil)
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
		resp, e := c.cfg.HTTP.Do(req)
		if e != nil {
			err = fmt.Errorf("whip delete: %w", e)
		} else {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
				err = &StatusError{Code: resp.StatusCode}
			}
		}
	}
	err = errors.Join(err, c.pc.Close())
	c.wg.Wait()
	return err
}

// Wait returns when the video has been sent (without Loop) or ctx ends.
func (c *Client) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

// Stats returns the counters.
func (c *Client) Stats() Stats {
	return Stats{Frames: c.frames.Load(), AudioPackets: c.audio.Load(), PLIs: c.plis.Load(), FIRs: c.firs.Load(), NACKs: c.nacks.Load()}
}

func (c *Client) setErr(err error) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.ErrClosedPipe) {
		return
	}
	c.errMu.Lock()
	defer c.errMu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

func (c *Client) readFeedback(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication:
				c.plis.Add(1)
			case *rtcp.FullIntraRequest:
				c.firs.Add(1)
			case *rtcp.TransportLayerNack:
				c.nacks.Add(1)
			}
		}
	}
}
