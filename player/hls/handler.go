package hls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"livestudio/internal/stream"
	"livestudio/player/audience"
)

// ServeHTTP serves the playlists and segments of the URL scheme in the
// package documentation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		fail(w, http.StatusMethodNotAllowed, "method %s not allowed", r.Method)
		return
	}

	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		fail(w, http.StatusNotFound, "not found: %s", r.URL.Path)
		return
	}
	st := s.reg.Get(rt.key)
	if st == nil {
		fail(w, http.StatusNotFound, "stream %q not found: it is not live", rt.key)
		return
	}
	if rt.variant == variantTS {
		if video, _ := st.Tracks(); video != nil && video.Codec != stream.CodecH264 {
			s.unsupported(w, rt, video.Codec)
			return
		}
	}

	inst, err := s.instanceFor(r.Context(), rt, st)
	switch {
	case err == nil:
	case errors.Is(err, errUnsupported):
		video, _ := st.Tracks()
		codec := stream.CodecH265
		if video != nil {
			codec = video.Codec
		}
		s.unsupported(w, rt, codec)
		return
	case errors.Is(err, errNotReady), errors.Is(err, errNotRunning), errors.Is(err, errShutdown):
		h.Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, "stream %q: %v", rt.key, err)
		return
	case errors.Is(err, stream.ErrEnded), errors.Is(err, errStale), errors.Is(err, errIdle):
		fail(w, http.StatusNotFound, "stream %q: %v", rt.key, err)
		return
	case r.Context().Err() != nil:
		return // the client went away
	default:
		fail(w, http.StatusInternalServerError, "stream %q: %v", rt.key, err)
		return
	}
	if inst == nil {
		fail(w, http.StatusNotFound, "not found: %s", r.URL.Path)
		return
	}
	if s.audience != nil && rt.playlist() {
		// Players reload their media playlist every target duration or
		// so (LL-HLS: blocking reloads): a playlist request is a sign of
		// life of the session; segments and parts are not counted.
		s.audience.SeenHLS(rt.key, audience.SessionID(r))
	}
	s.serve(w, r, rt, inst)
}

// instanceFor returns the gohlslib instance that serves the request. A
// playlist request starts the muxer on demand and waits for its first
// segment; a segment request only looks at a running muxer.
func (s *Server) instanceFor(ctx context.Context, rt route, st *stream.Stream) (*instance, error) {
	if !rt.playlist() {
		m, err := s.muxerFor(rt.key, rt.variant, st, false)
		if m == nil || err != nil {
			return nil, err
		}
		m.touch()
		return m.current(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	// A muxer may end under us (idle, replaced stream): try a fresh one once.
	for attempt := 0; ; attempt++ {
		m, err := s.muxerFor(rt.key, rt.variant, st, true)
		if err != nil {
			return nil, err
		}
		m.touch()
		inst, err := m.waitReady(ctx)
		if err == nil || attempt > 0 || !(errors.Is(err, errIdle) || errors.Is(err, errStale)) {
			return inst, err
		}
	}
}

// MediaEpochHeader carries, on playlists and segments, the Unix ms of the
// stream's media time zero in the PROGRAM-DATE-TIME clock.
const MediaEpochHeader = "X-Livestudio-Media-Epoch"

// serve hands the request to gohlslib under the file name it knows, and
// rewrites the top-level playlists.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, inst *instance) {
	if e := inst.epochMs.Load(); e != 0 {
		// The wall clock EXT-X-PROGRAM-DATE-TIME counts the stream's media
		// time from: PDT - epoch is the media time of a picture (player/web
		// shows chat and product cards in step with it).
		w.Header().Set(MediaEpochHeader, strconv.FormatInt(e, 10))
		w.Header().Set("Access-Control-Expose-Headers", MediaEpochHeader)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + rt.file
	r2.URL.RawPath = ""
	if rt.rewrite == "" {
		cw := &countingWriter{ResponseWriter: w}
		inst.hm.Handle(cw, r2)
		s.bytesSent.Add(uint64(cw.n))
		if !cw.written {
			fail(w, http.StatusNotFound, "not found: %s (expired segment or part, or a restarted muxer)", r.URL.Path)
		}
		return
	}
	bw := newBufferWriter()
	inst.hm.Handle(bw, r2)
	if bw.status == 0 {
		fail(w, http.StatusNotFound, "not found: %s", r.URL.Path)
		return
	}
	body := bw.body.Bytes()
	if bw.status == http.StatusOK {
		body = rewritePlaylist(body, rt.rewrite)
	}
	for k, v := range bw.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(bw.status)
	n, _ := w.Write(body)
	s.bytesSent.Add(uint64(n))
}

// unsupported answers a TS request for a stream whose video the MPEG-TS
// variant cannot carry, naming the fMP4 URL that can.
func (s *Server) unsupported(w http.ResponseWriter, rt route, codec stream.Codec) {
	fail(w, http.StatusUnsupportedMediaType,
		"stream %q is %s: the MPEG-TS HLS variant carries H264 only; play /live/%s/ll.m3u8 (fMP4) instead",
		rt.key, codec, rt.key)
}

// fail writes a plain-text error that caches and proxies must not keep.
func fail(w http.ResponseWriter, code int, format string, args ...any) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintf(w, format+"\n", args...)
}
