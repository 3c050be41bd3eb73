package whip

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// Timeouts of a session.
const (
	gatherTimeout  = 5 * time.Second  // ICE gathering before the answer
	connectTimeout = 15 * time.Second // answer to connected
)

// Options are the parts of a Server that are not config.
type Options struct {
	// UDPConn and TCPListener, if set, are used for the muxed ICE ports
	// instead of binding Config's (tests bind 127.0.0.1:0).
	UDPConn     net.PacketConn
	TCPListener net.Listener
	// Loopback includes 127.0.0.1 candidates (tests on one machine).
	Loopback bool
	Metrics  *Metrics
	Log      *slog.Logger
}

// Server is the WHIP endpoint: POST /whip/{channel} starts a session,
// DELETE /whip/{channel}/{id} ends it.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	se      webrtc.SettingEngine
	closers []io.Closer

	mu       sync.Mutex
	channels map[string]*Inbox
	sessions map[string]*Session
	closed   bool
	wg       sync.WaitGroup
}

// New binds the muxed ICE ports the config asks for.
func New(cfg Config, o Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	s := &Server{cfg: cfg, log: o.Log, metrics: o.Metrics,
		channels: map[string]*Inbox{}, sessions: map[string]*Session{}}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	s.se.LoggerFactory = lf
	s.se.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	s.se.SetIncludeLoopbackCandidate(o.Loopback)
	// Candidates are all in the answer (no trickle): no mDNS names, which
	// OBS cannot resolve.
	s.se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	nt, err := newBufferedNet()
	if err != nil {
		return nil, fmt.Errorf("whip network: %w", err)
	}
	s.se.SetNet(nt)
	if len(cfg.PublicIPs) > 0 {
		s.se.SetNAT1To1IPs(cfg.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	udp := o.UDPConn
	if udp == nil && cfg.UDPPort != 0 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{Port: cfg.UDPPort})
		if err != nil {
			return nil, fmt.Errorf("whip udp port %d: %w", cfg.UDPPort, err)
		}
		// Every session's packets share this socket.
		_ = c.SetReadBuffer(udpReadBuffer)
		udp = c
	}
	if udp != nil {
		mux := webrtc.NewICEUDPMux(lf.NewLogger("ice"), udp)
		s.se.SetICEUDPMux(mux)
		s.closers = append(s.closers, mux)
	}
	tcp := o.TCPListener
	if tcp == nil && cfg.TCPPort != 0 {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.TCPPort))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("whip tcp port %d: %w", cfg.TCPPort, err)
		}
		tcp = l
	}
	nets := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if tcp != nil {
		mux := webrtc.NewICETCPMux(lf.NewLogger("ice"), tcp, 64)
		s.se.SetICETCPMux(mux)
		s.closers = append(s.closers, mux)
		nets = append(nets, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	s.se.SetNetworkTypes(nets)
	return s, nil
}

// Register makes b the inbox of channel name.
func (s *Server) Register(name string, b *Inbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[name] = b
}

// Unregister removes the channel if b is still its inbox.
func (s *Server) Unregister(name string, b *Inbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[name] == b {
		delete(s.channels, name)
	}
}

// Has tells whether name is a registered channel.
func (s *Server) Has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels[name] != nil
}

// Close ends every session, waits for them and frees the ports.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	sessions := make([]*Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	for _, ss := range sessions {
		ss.close(ErrSessionEnded)
	}
	s.wg.Wait()
	var err error
	for _, c := range s.closers {
		err = errors.Join(err, c.Close())
	}
	return err
}

// ServeHTTP serves /whip/{channel} and /whip/{channel}/{session}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cors(w.Header())
	rest, ok := strings.CutPrefix(r.URL.Path, "/whip/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	channel, id, hasID := strings.Cut(rest, "/")
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", "OPTIONS, POST, DELETE, PATCH")
		w.Header().Set("Accept-Post", "application/sdp")
		w.WriteHeader(http.StatusNoContent)
	case !hasID && r.Method == http.MethodPost:
		s.post(w, r, channel)
	case hasID && r.Method == http.MethodDelete:
		s.delete(w, r, channel, id)
	case hasID && r.Method == http.MethodPatch:
		// Trickle ICE and ICE restarts (RFC 9725 4.3): not supported, the
		// answer carries every candidate; 405 tells the client so.
		if _, err := s.session(r, channel, id); err != nil {
			s.refuse(w, err)
			return
		}
		w.Header().Set("Allow", "OPTIONS, DELETE")
		s.refuse(w, ErrNoTrickle)
	default:
		w.Header().Set("Allow", "OPTIONS, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// cors lets a page on another origin publish: the bearer token, not a
// cookie, is the credential, so any origin may send it.
func cors(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "OPTIONS, POST, DELETE, PATCH")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
	h.Set("Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Patch")
	h.Set("Access-Control-Max-Age", "600")
}

func (s *Server) refuse(w http.ResponseWriter, err error) {
	status, reason := refusal(err)
	s.metrics.refused.WithLabelValues(reason).Inc()
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="whip"`)
	}
	http.Error(w, err.Error(), status)
}

// inbox returns the channel's inbox once the request's token matches.
func (s *Server) inbox(r *http.Request, channel string) (*Inbox, error) {
	s.mu.Lock()
	b := s.channels[channel]
	s.mu.Unlock()
	if b == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoChannel, channel)
	}
	h := r.Header.Get("Authorization")
	// The scheme is case-insensitive (RFC 9110 11.1).
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") || !b.authorized(strings.TrimSpace(h[7:])) {
		return nil, ErrUnauthorized
	}
	return b, nil
}

func (s *Server) session(r *http.Request, channel, id string) (*Session, error) {
	b, err := s.inbox(r, channel)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil || ss.inbox != b {
		return nil, ErrNoSession
	}
	return ss, nil
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, channel, id string) {
	ss, err := s.session(r, channel, id)
	if err != nil {
		s.refuse(w, err)
		return
	}
	ss.close(ErrSessionEnded)
	s.log.Info("whip session deleted", "channel", channel, "session", id)
	w.WriteHeader(http.StatusOK)
}

// readOffer checks the request's type and size and parses the offer.
func readOffer(r *http.Request) ([]byte, offer, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/sdp" {
		return nil, offer{}, ErrContentType
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxOfferBytes+1))
	if err != nil {
		return nil, offer{}, fmt.Errorf("%w: reading the body: %v", ErrMalformedSDP, err)
	}
	if len(body) > maxOfferBytes {
		return nil, offer{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxOfferBytes)
	}
	o, err := parseOffer(body)
	if err != nil {
		return nil, o, err
	}
	return body, o, o.check()
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
