// Package flv serves live streams as HTTP-FLV: GET /live/{stream}.flv.
// A viewer gets the FLV header, metadata, sequence headers and the cached
// GOP in its first write, so the first picture comes at once; then live
// tags. Tags are serialised once per unit and shared by every viewer.
package flv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"livestudio/internal/flv"
	"livestudio/internal/stream"
	"livestudio/player/audience"
)

// batchUnits bounds the units a viewer writes in one writev.
const batchUnits = 64

// Handler serves /live/{stream}.flv from a registry.
type Handler struct {
	reg          *stream.Registry
	log          *slog.Logger
	metrics      *Metrics
	writeTimeout time.Duration
	// audience counts viewers per key (nil: not counted per key).
	audience *audience.Counter
	// viewers tracks hijacked viewers, which http.Server.Shutdown does not.
	viewers sync.WaitGroup
}

// Wait returns when every viewer has ended; call it after the registry
// closed (which ends every stream) and the HTTP server shut down.
func (h *Handler) Wait() { h.viewers.Wait() }

// New returns a handler. writeTimeout closes a viewer whose socket accepts
// nothing for that long.
func New(reg *stream.Registry, m *Metrics, writeTimeout time.Duration, log *slog.Logger) *Handler {
	if m == nil {
		m = NewMetrics(nil)
	}
	if writeTimeout <= 0 {
		writeTimeout = 10 * time.Second
	}
	return &Handler{reg: reg, log: log, metrics: m, writeTimeout: writeTimeout}
}

// CountIn makes the handler count its viewers per stream key in c; call
// it before serving.
func (h *Handler) CountIn(c *audience.Counter) { h.audience = c }

// KeyFromPath extracts the stream key of /live/{key}.flv, or "".
func KeyFromPath(path string) string {
	key, ok := strings.CutPrefix(path, "/live/")
	if !ok {
		return ""
	}
	key, ok = strings.CutSuffix(key, ".flv")
	if !ok || key == "" || strings.ContainsAny(key, "/.") {
		return ""
	}
	return key
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		hdr.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", "*")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := KeyFromPath(r.URL.Path)
	s := h.reg.Get(key)
	if s == nil {
		h.metrics.NotFound.Inc()
		http.Error(w, fmt.Sprintf("stream %q is not live", key), http.StatusNotFound)
		return
	}
	if r.Method == http.MethodHead {
		hdr.Set("Content-Type", "video/x-flv")
		w.WriteHeader(http.StatusOK)
		return
	}
	h.viewers.Add(1)
	out, closeOut, err := h.open(w)
	if err != nil {
		h.viewers.Done()
		h.log.Warn("flv: cannot take the connection", "err", err)
		return
	}
	h.metrics.Viewers.Inc()
	leave := func() {}
	if h.audience != nil {
		leave = h.audience.OpenFLV(key)
	}
	remote := r.RemoteAddr
	run := func(ctx context.Context) {
		defer h.viewers.Done()
		defer leave()
		defer closeOut()
		defer h.metrics.Viewers.Dec()
		err := h.play(ctx, s, out)
		var ne net.Error
		if errors.Is(err, stream.ErrSlowReader) || (errors.As(err, &ne) && ne.Timeout()) {
			// Lagging too often, or a socket that took nothing for writeTimeout.
			h.metrics.SlowClosed.Inc()
			h.log.Info("flv viewer closed: too slow", "key", key, "remote", remote, "err", err)
		}
	}
	if _, hijacked := out.(*connOutput); hijacked {
		// The viewer lives on in its own goroutine so that the HTTP
		// server's per-request state (buffers, request, response) is
		// freed now: it would otherwise stay alive for the whole viewing.
		// The viewer ends with its stream (the registry ends every stream
		// at shutdown) or when a write fails.
		go run(context.Background())
		return
	}
	run(r.Context())
}

// output is where a viewer's tags go: a hijacked TCP connection (writev of
// the shared tag bytes, no chunked encoding) or, for HTTP/2, the response.
type output interface {
	write(bufs net.Buffers) (int64, error)
}

type connOutput struct {
	nc       net.Conn
	timeout  time.Duration
	deadline time.Time
}

func (o *connOutput) write(bufs net.Buffers) (int64, error) {
	// Re-arm the deadline only once half of it is used: arming it on every
	// write cost 5% of the gateway's CPU at 1000 viewers. A stuck socket is
	// still closed after between timeout/2 and timeout.
	if now := time.Now(); o.deadline.Sub(now) < o.timeout/2 {
		o.deadline = now.Add(o.timeout)
		o.nc.SetWriteDeadline(o.deadline)
	}
	return bufs.WriteTo(o.nc)
}

type responseOutput struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	t  time.Duration
}

func (o *responseOutput) write(bufs net.Buffers) (int64, error) {
	o.rc.SetWriteDeadline(time.Now().Add(o.t))
	var n int64
	for _, b := range bufs {
		m, err := o.w.Write(b)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, o.rc.Flush()
}

const responseHeader = "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nCache-Control: no-cache, no-store\r\n" +
	"Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n"

func (h *Handler) open(w http.ResponseWriter) (output, func(), error) {
	if hj, ok := w.(http.Hijacker); ok {
		nc, brw, err := hj.Hijack()
		if err != nil {
			return nil, nil, fmt.Errorf("hijack: %w", err)
		}
		if err := discardBuffered(brw); err != nil {
			nc.Close()
			return nil, nil, err
		}
		o := &connOutput{nc: nc, timeout: h.writeTimeout}
		if _, err := o.write(net.Buffers{[]byte(responseHeader)}); err != nil {
			nc.Close()
			return nil, nil, fmt.Errorf("write response header: %w", err)
		}
		return o, func() { nc.Close() }, nil
	}
	w.Header().Set("Content-Type", "video/x-flv")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusOK)
	return &responseOutput{w: w, rc: http.NewResponseController(w), t: h.writeTimeout}, func() {}, nil
}

// discardBuffered drops what the server buffered of the request: nothing is
// expected after a GET's headers.
func discardBuffered(brw *bufio.ReadWriter) error {
	if n := brw.Reader.Buffered(); n > 0 {
		_, err := brw.Reader.Discard(n)
		return err
	}
	return nil
}

// timeBase is the timestamp players count from: the smaller of the first
// video and first audio unit's DTS (mpegts.js's remuxer takes the minimum
// of its first samples of each track as time zero).
func timeBase(units []*stream.Unit) time.Duration {
	var base time.Duration
	seenVideo, seenAudio := false, false
	for i, u := range units {
		if (u.IsVideo() && seenVideo) || (!u.IsVideo() && seenAudio) {
			continue
		}
		if i == 0 || u.DTS < base {
			base = u.DTS
		}
		if u.IsVideo() {
			seenVideo = true
		} else {
			seenAudio = true
		}
		if seenVideo && seenAudio {
			break
		}
	}
	return base
}

// play sends the stream to one viewer until it ends or the viewer goes.
func (h *Handler) play(ctx context.Context, s *stream.Stream, out output) error {
	rd := s.NewReader()
	defer rd.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Small batches keep a viewer's memory small (the runtime also caches
	// an iovec array per socket sized to the largest writev); a GOP start
	// simply takes a few reads.
	units := make([]*stream.Unit, 0, batchUnits)
	bufs := make(net.Buffers, 0, batchUnits+8)
	var lastVideo, lastAudio *stream.Track
	first := true
	for {
		var err error
		units, err = rd.Read(ctx, units[:0])
		if err != nil {
			if errors.Is(err, stream.ErrEnded) || errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		bufs = bufs[:0]
		if first {
			video, audio := s.Tracks()
			bufs = append(bufs, flv.Header(video != nil || audio == nil, audio != nil || video == nil),
				flv.MetadataTagAt(video, audio, timeBase(units)))
			first = false
		}
		for _, u := range units {
			if u.IsVideo() && u.Track != lastVideo {
				lastVideo = u.Track
				bufs = append(bufs, flv.SequenceHeaderTag(u.Track, u.DTS))
			} else if !u.IsVideo() && u.Track != lastAudio {
				lastAudio = u.Track
				bufs = append(bufs, flv.SequenceHeaderTag(u.Track, u.DTS))
			}
			bufs = append(bufs, u.Encoded(stream.EncodingFLV, flv.UnitTag))
		}
		n, err := out.write(bufs)
		h.metrics.BytesOut.Add(float64(n))
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("write to viewer: %w", err)
		}
	}
}
