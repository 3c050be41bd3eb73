package whip

import (
	"context"
	"crypto/subtle"
	"errors"
	"sync"

	"livestudio/internal/stream"
)

// ErrPublisherLeft ends an Inbox's Run when its publisher went away after
// sending media: the channel should wait for the next one at once (no
// backoff: nothing failed on our side).
var ErrPublisherLeft = errors.New("WHIP publisher left")

// Inbox is the source of a channel that publishes over WHIP. The channel's
// source loop runs it; the Server hands it one session at a time.
type Inbox struct {
	token     string
	videoOnly bool

	mu    sync.Mutex
	out   func(*stream.Unit) // set while Run runs
	sess  *Session
	ended chan error
}

// NewInbox returns the source of a channel whose publishers must give
// token (Authorization: Bearer); videoOnly drops the audio.
func NewInbox(token string, videoOnly bool) *Inbox {
	return &Inbox{token: token, videoOnly: videoOnly, ended: make(chan error, 1)}
}

// Run waits for a publisher and forwards its units until it leaves
// (ErrPublisherLeft) or ctx ends (nil; the session is closed).
func (b *Inbox) Run(ctx context.Context, out func(*stream.Unit)) error {
	b.mu.Lock()
	b.out = out
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		s := b.sess
		b.out, b.sess = nil, nil
		b.mu.Unlock()
		if s != nil {
			s.close(ErrSessionEnded)
		}
	}()
	select {
	case <-ctx.Done():
		return nil
	case err := <-b.ended:
		return err
	}
}

// Waiting tells whether Run runs without a session: a publisher would be
// admitted now.
func (b *Inbox) Waiting() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out != nil && b.sess == nil
}

// RequestKeyframe asks the publisher for a keyframe (PLI): the channel's
// push started and the destination should get a fresh picture at once.
func (b *Inbox) RequestKeyframe() {
	b.mu.Lock()
	s := b.sess
	b.mu.Unlock()
	if s != nil {
		s.RequestKeyframe()
	}
}

// Session returns the current session's status, nil without one.
func (b *Inbox) Session() *SessionStatus {
	b.mu.Lock()
	s := b.sess
	b.mu.Unlock()
	if s == nil {
		return nil
	}
	st := s.Status()
	return &st
}

func (b *Inbox) authorized(bearer string) bool {
	return subtle.ConstantTimeCompare([]byte(bearer), []byte(b.token)) == 1
}

// attach makes s the channel's session.
func (b *Inbox) attach(s *Session) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sess != nil {
		return ErrBusy
	}
	if b.out == nil {
		return ErrNotReady
	}
	select { // a stale end from a previous session
	case <-b.ended:
	default:
	}
	b.sess = s
	return nil
}

// detach ends s's turn; a session that delivered media ends the Run so
// the channel switches to its slate.
func (b *Inbox) detach(s *Session, delivered bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sess != s {
		return
	}
	b.sess = nil
	if delivered {
		select {
		case b.ended <- ErrPublisherLeft:
		default:
		}
	}
}

// write forwards a unit of s if s is still the channel's session.
func (b *Inbox) write(s *Session, u *stream.Unit) {
	b.mu.Lock()
	out := b.out
	current := b.sess == s
	b.mu.Unlock()
	if current && out != nil {
		out(u)
	}
}
