package whip

import (
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"livestudio/internal/stream"
)

// Keyframe request pacing: a PLI at most every pliEvery; a request still
// unanswered after firAfter also sends a FIR (some encoders heed only one).
const (
	pliEvery = 300 * time.Millisecond
	firAfter = time.Second
)

// Session is one publisher's PeerConnection feeding a channel.
type Session struct {
	ID         string // random, in the session URL /whip/{Channel}/{ID}
	Channel    string // the channel it publishes to
	log        *slog.Logger
	inbox      *Inbox
	pc         *webrtc.PeerConnection
	offer      offer
	created    time.Time
	httpRemote string
	clock      *clock
	done       chan struct{}
	once       sync.Once
	endErr     error

	mu        sync.Mutex // the session's timeline
	started   bool
	originV   int64 // 90 kHz ticks of the first keyframe's DTS
	origin    time.Duration
	lastV     time.Duration
	lastA     time.Duration
	hasA      bool
	codecs    []string
	delivered atomic.Bool

	videoSSRC atomic.Uint32
	kmu       sync.Mutex
	lastPLI   time.Time
	askedAt   time.Time // first request not answered yet, zero when none
	firSeq    uint8

	stats sessionCounters

	rmu     sync.Mutex // guards readers against Add after waitReaders
	rclosed bool
	readers sync.WaitGroup
}

// goReader runs f (a track's or receiver's reader) in a goroutine that
// waitReaders waits for; after waitReaders it does nothing.
func (s *Session) goReader(f func()) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.rclosed {
		return
	}
	s.readers.Add(1)
	go func() {
		defer s.readers.Done()
		f()
	}()
}

// waitReaders waits for the readers once the PeerConnection is closed.
func (s *Session) waitReaders() {
	s.rmu.Lock()
	s.rclosed = true
	s.rmu.Unlock()
	s.readers.Wait()
}

type sessionCounters struct {
	packets, bytes, lost, late atomic.Uint64
	nacks, plis, firs          atomic.Uint64
	keyframes, dropped         atomic.Uint64
	videoUnits, audioUnits     atomic.Uint64
}

// SessionStatus is what the anchor sees of a WHIP session.
type SessionStatus struct {
	ID         string    `json:"id"`
	Remote     string    `json:"remote"` // the ICE peer address once connected, else the HTTP client
	State      string    `json:"state"`  // the PeerConnection's state
	Since      time.Time `json:"since"`
	Codecs     []string  `json:"codecs"`
	AVSync     string    `json:"av_sync"` // "sender_reports" or "arrival"
	Packets    uint64    `json:"packets"`
	Bytes      uint64    `json:"bytes"`
	BitrateBPS float64   `json:"bitrate_bps"` // average since the session started
	Lost       uint64    `json:"packets_lost"`
	Late       uint64    `json:"packets_late"`
	NACKed     uint64    `json:"packets_nacked"`
	PLIs       uint64    `json:"plis_sent"`
	FIRs       uint64    `json:"firs_sent"`
	Keyframes  uint64    `json:"keyframes"`
	Dropped    uint64    `json:"units_dropped"`
	VideoUnits uint64    `json:"video_units"`
	AudioUnits uint64    `json:"audio_units"`
}

// Status returns a snapshot.
func (s *Session) Status() SessionStatus {
	s.mu.Lock()
	codecs := append([]string(nil), s.codecs...)
	s.mu.Unlock()
	st := SessionStatus{ID: s.ID, Remote: s.remote(), State: s.pc.ConnectionState().String(), Since: s.created,
		Codecs: codecs, AVSync: "arrival",
		Packets: s.stats.packets.Load(), Bytes: s.stats.bytes.Load(), Lost: s.stats.lost.Load(),
		Late: s.stats.late.Load(), NACKed: s.stats.nacks.Load(), PLIs: s.stats.plis.Load(),
		FIRs: s.stats.firs.Load(), Keyframes: s.stats.keyframes.Load(), Dropped: s.stats.dropped.Load(),
		VideoUnits: s.stats.videoUnits.Load(), AudioUnits: s.stats.audioUnits.Load()}
	if s.clock.senderSynced() {
		st.AVSync = "sender_reports"
	}
	if d := time.Since(s.created).Seconds(); d > 0 {
		st.BitrateBPS = float64(st.Bytes) * 8 / d
	}
	return st
}

// remote is the selected ICE candidate pair's remote address.
func (s *Session) remote() string {
	for _, tr := range s.pc.GetTransceivers() {
		dt := tr.Receiver().Transport()
		if dt == nil {
			continue
		}
		if p, err := dt.ICETransport().GetSelectedCandidatePair(); err == nil && p != nil && p.Remote != nil {
			return p.Remote.Address + ":" + strconv.Itoa(int(p.Remote.Port)) + " (" + p.Remote.Protocol.String() + ")"
		}
	}
	return s.httpRemote
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// close ends the session (idempotent): the PeerConnection closes, the
// channel is told.
func (s *Session) close(err error) {
	s.once.Do(func() {
		s.endErr = err
		close(s.done)
		s.inbox.detach(s, s.delivered.Load())
		if s.pc != nil {
			go s.pc.Close() // Close waits for the readers, which may be in out
		}
	})
}

// RequestKeyframe sends a PLI (and a FIR when an earlier request went
// unanswered), paced: callers may ask as often as they like.
func (s *Session) RequestKeyframe() {
	ssrc := s.videoSSRC.Load()
	if ssrc == 0 {
		return // the video track has not started: it will ask itself
	}
	now := time.Now()
	s.kmu.Lock()
	if now.Sub(s.lastPLI) < pliEvery {
		s.kmu.Unlock()
		return
	}
	s.lastPLI = now
	pkts := []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}
	if s.askedAt.IsZero() {
		s.askedAt = now
	} else if now.Sub(s.askedAt) >= firAfter {
		s.firSeq++
		pkts = append(pkts, &rtcp.FullIntraRequest{MediaSSRC: ssrc,
			FIR: []rtcp.FIREntry{{SSRC: ssrc, SequenceNumber: s.firSeq}}})
	}
	s.kmu.Unlock()
	s.pc.WriteRTCP(pkts) // counted by the rtcpCounter interceptor
}

// keyframeArrived clears the pending request.
func (s *Session) keyframeArrived() {
	s.stats.keyframes.Add(1)
	s.kmu.Lock()
	s.askedAt = time.Time{}
	s.kmu.Unlock()
}

// emitVideo places a video unit on the session's timeline: the first
// keyframe's DTS is time 0, pictures before it are dropped.
func (s *Session) emitVideo(u *stream.Unit, dts, pts int64) {
	s.mu.Lock()
	if !s.started {
		if !u.Key {
			s.mu.Unlock()
			return
		}
		s.started, s.originV, s.origin = true, dts, tickDur(dts, 90000)
	}
	u.DTS, u.PTS = tickDur(dts-s.originV, 90000), tickDur(pts-s.originV, 90000)
	u.DTS = max(u.DTS, s.lastV)
	u.PTS = max(u.PTS, u.DTS)
	s.lastV = u.DTS
	s.mu.Unlock()
	s.delivered.Store(true)
	s.stats.videoUnits.Add(1)
	s.inbox.write(s, u)
}

// emitAudio places an AAC frame whose time is t (since the session's
// start): frames before the first keyframe, or not after the last one,
// are dropped.
func (s *Session) emitAudio(u *stream.Unit, t time.Duration) {
	s.mu.Lock()
	t -= s.origin
	if !s.started || t < 0 || (s.hasA && t <= s.lastA) {
		s.mu.Unlock()
		s.stats.dropped.Add(1)
		return
	}
	s.lastA, s.hasA = t, true
	s.mu.Unlock()
	u.DTS, u.PTS = t, t
	s.stats.audioUnits.Add(1)
	s.inbox.write(s, u)
}

// addCodec records a track's codec for the status: video first.
func (s *Session) addCodec(c string, video bool) {
	s.mu.Lock()
	if video {
		s.codecs = append([]string{c}, s.codecs...)
	} else {
		s.codecs = append(s.codecs, c)
	}
	s.mu.Unlock()
}
