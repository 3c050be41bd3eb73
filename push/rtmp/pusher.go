package rtmp

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"livestudio/internal/stream"
)

// Options configure a Pusher.
type Options struct {
	// URL returns the push URL to use now (static, or from getPushUrl).
	URL func(ctx context.Context) (string, error)
	// Refused tells the URL source the server refused its URL (optional).
	Refused func()
	// ChunkSize is the outgoing chunk size; 4096 by default.
	ChunkSize uint32
	// ConnectTimeout bounds connect + publish; WriteTimeout one write.
	ConnectTimeout, WriteTimeout time.Duration
	// BackoffMin and BackoffMax bound the jittered wait between attempts.
	BackoffMin, BackoffMax time.Duration
	Log                    *slog.Logger
	// OnWritten, if set, is called after each batch of units is written
	// to the server (measurements: the latency the relay adds).
	OnWritten func(units []*stream.Unit, at time.Time)
	// OnPublish, if set, is called when the server accepted a session,
	// before the first unit is sent: a source that can make a keyframe on
	// demand (WebRTC) is asked for one, so the destination gets a fresh
	// picture soon after the cached one.
	OnPublish func()
}

// State of a push.
type State string

// States a Pusher reports.
const (
	StateConnecting State = "connecting"
	StatePublishing State = "publishing"
	StateBackoff    State = "backoff"
	StateStopped    State = "stopped"
)

// Status is a snapshot of a Pusher.
type Status struct {
	State      State     `json:"state"`
	Publishes  uint64    `json:"publishes"`  // sessions the server accepted
	Failures   uint64    `json:"failures"`   // attempts or sessions that failed
	BytesOut   uint64    `json:"bytes_out"`  // bytes sent, all sessions
	UnitsOut   uint64    `json:"units_out"`  // units sent, all sessions
	LastError  string    `json:"last_error"` // empty after a success
	Since      time.Time `json:"since"`      // when State was entered
	SessionURL string    `json:"-"`          // current push URL (secret: not exported)
}

// Pusher keeps one stream published.
type Pusher struct {
	o  Options
	mu sync.Mutex
	st Status
}

// NewPusher returns a pusher with defaults filled in.
func NewPusher(o Options) *Pusher {
	if o.ChunkSize == 0 {
		o.ChunkSize = 4096
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = 500 * time.Millisecond
	}
	if o.BackoffMax < o.BackoffMin {
		// Low on purpose: an attempt costs one TCP connect, and a push must
		// be back within seconds of its server.
		o.BackoffMax = max(4*time.Second, o.BackoffMin)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Pusher{o: o, st: Status{State: StateStopped, Since: time.Now()}}
}

// Status returns a snapshot.
func (p *Pusher) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st
}

func (p *Pusher) setState(s State, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st.State != s {
		p.st.State, p.st.Since = s, time.Now()
	}
	if err != nil {
		p.st.LastError = err.Error()
		p.st.Failures++
	}
}

// Run publishes s until ctx ends, reconnecting with bounded, jittered
// backoff. Each session starts at a keyframe (the stream's GOP start).
func (p *Pusher) Run(ctx context.Context, s *stream.Stream) error {
	defer p.setState(StateStopped, nil)
	failures := 0
	for ctx.Err() == nil {
		p.setState(StateConnecting, nil)
		started := time.Now()
		err := p.once(ctx, s)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, stream.ErrEnded) {
			return nil
		}
		if errors.Is(err, ErrRefused) && p.o.Refused != nil {
			p.o.Refused()
		}
		if time.Since(started) > time.Minute {
			failures = 0 // a long session: start the backoff over
		}
		wait := backoff(p.o.BackoffMin, p.o.BackoffMax, failures)
		failures++
		p.o.Log.Warn("push interrupted", "err", err, "retry_in", wait.Round(time.Millisecond))
		p.setState(StateBackoff, err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	return nil
}

// backoff is min*2^n capped at max, with ±25% jitter.
func backoff(minD, maxD time.Duration, n int) time.Duration {
	d := minD << min(n, 16)
	if d > maxD || d <= 0 {
		d = maxD
	}
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

func (p *Pusher) once(ctx context.Context, s *stream.Stream) error {
	url, err := p.o.URL(ctx)
	if err != nil {
		return err
	}
	c, err := Dial(ctx, url, p.o.ChunkSize, p.o.ConnectTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.timeout = p.o.WriteTimeout
	p.mu.Lock()
	p.st.Publishes++
	p.st.LastError = ""
	p.st.SessionURL = url
	p.mu.Unlock()
	p.setState(StatePublishing, nil)
	p.o.Log.Info("publishing", "stream", s.Key())
	if p.o.OnPublish != nil {
		p.o.OnPublish()
	}

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	serverErr := make(chan error, 1)
	go func() {
		select {
		case err := <-c.Closed():
			serverErr <- err
			cancel()
		case <-sctx.Done():
		}
	}()
	rd := s.NewReader()
	defer rd.Close()
	buf := make([]*stream.Unit, 0, 256)
	var sent uint64
	for {
		units, err := rd.Read(sctx, buf[:0])
		if err != nil {
			select {
			case e := <-serverErr:
				return e
			default:
				return err
			}
		}
		if err := c.WriteUnits(units); err != nil {
			return err
		}
		if p.o.OnWritten != nil {
			p.o.OnWritten(units, time.Now())
		}
		n := c.BytesSent()
		p.mu.Lock()
		p.st.UnitsOut += uint64(len(units))
		p.st.BytesOut += n - sent
		p.mu.Unlock()
		sent = n
	}
}
