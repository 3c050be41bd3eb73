package whip

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pion/webrtc/v4"
)

// post answers an offer: 201 with the answer and the session's URL.
func (s *Server) post(w http.ResponseWriter, r *http.Request, channel string) {
	b, err := s.inbox(r, channel)
	if err != nil {
		s.refuse(w, err)
		return
	}
	body, o, err := readOffer(r)
	if err != nil {
		s.refuse(w, err)
		return
	}
	ss := &Session{ID: newID(), Channel: channel, inbox: b, offer: o, created: time.Now(),
		httpRemote: r.RemoteAddr, clock: newClock(90000, 48000), done: make(chan struct{})}
	ss.log = s.log.With("channel", channel, "session", ss.ID)
	if err := s.newPeerConnection(ss); err != nil {
		s.refuse(w, err)
		return
	}
	if err := b.attach(ss); err != nil {
		ss.pc.Close()
		s.refuse(w, err)
		return
	}
	answer, err := s.negotiate(ss, string(body))
	if err != nil {
		b.detach(ss, false)
		ss.pc.Close()
		ss.waitReaders()
		s.refuse(w, err)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ss.close(ErrSessionEnded)
		s.refuse(w, ErrNotReady)
		return
	}
	s.sessions[ss.ID] = ss
	s.wg.Add(1)
	s.mu.Unlock()
	go s.watch(ss)
	s.metrics.sessions.Inc()
	ss.log.Info("whip session started", "remote", r.RemoteAddr, "video", listOrNone(o.video), "audio", listOrNone(o.audio))
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whip/"+channel+"/"+ss.ID)
	w.Header().Set("ETag", `"`+ss.ID+`"`)
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(answer))
}

// newPeerConnection makes the session's PeerConnection, its track readers
// ready to start.
func (s *Server) newPeerConnection(ss *Session) error {
	api, err := s.newAPI(&ss.stats)
	if err != nil {
		return fmt.Errorf("whip media engine: %w", err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fmt.Errorf("whip peer connection: %w", err)
	}
	ss.pc = pc
	pc.OnTrack(func(tr *webrtc.TrackRemote, rcv *webrtc.RTPReceiver) {
		kind := videoTrack
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			kind = audioTrack
		}
		ss.goReader(func() { ss.readRTCP(rcv, kind) })
		ss.goReader(func() {
			switch {
			case kind == videoTrack:
				ss.readVideo(tr)
			case ss.inbox.videoOnly:
				ss.drain(tr)
			default:
				ss.readAudio(tr)
			}
		})
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		ss.log.Debug("whip connection state", "state", st.String())
		switch st {
		case webrtc.PeerConnectionStateFailed:
			ss.close(errors.New("ICE or DTLS failed"))
		case webrtc.PeerConnectionStateClosed:
			ss.close(ErrSessionEnded)
		}
	})
	return nil
}

// negotiate answers the offer with every candidate in the answer.
func (s *Server) negotiate(ss *Session, offerSDP string) (string, error) {
	pc := ss.pc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNegotiation, err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNegotiation, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNegotiation, err)
	}
	select {
	case <-gathered:
	case <-time.After(gatherTimeout):
		ss.log.Warn("whip ICE gathering timed out: answering with the candidates found")
	}
	local := pc.LocalDescription()
	// What we accepted: pion drops a section whose codecs we lack.
	a, err := parseSDP([]byte(local.SDP), true)
	if err != nil || !a.videoOK {
		return "", fmt.Errorf("%w: offered video %s (profiles we take: constrained baseline, baseline, main, high)",
			ErrNoCodec, listOrNone(ss.offer.video))
	}
	return local.SDP, nil
}

// watch ends the session when it does not connect in time, and forgets it
// once ended.
func (s *Server) watch(ss *Session) {
	defer s.wg.Done()
	t := time.NewTimer(connectTimeout)
	defer t.Stop()
	select {
	case <-ss.done:
	case <-t.C:
		if ss.pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
			ss.close(errors.New("not connected in time"))
		}
		<-ss.done
	}
	ss.pc.Close()
	ss.waitReaders()
	s.mu.Lock()
	delete(s.sessions, ss.ID)
	s.mu.Unlock()
	st := ss.Status()
	ss.log.Info("whip session ended", "reason", ss.endErr, "packets", st.Packets, "lost", st.Lost,
		"nacked", st.NACKed, "plis", st.PLIs, "video_units", st.VideoUnits, "audio_units", st.AudioUnits)
}
