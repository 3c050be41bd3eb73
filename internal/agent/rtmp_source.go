package agent

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"livestudio/ingest/rtmp"
	"livestudio/internal/stream"
)

// Errors of an RTMP source.
var (
	ErrPublisherGone = errors.New("RTMP publisher disconnected")
	errWrongKey      = errors.New("wrong or missing key for this channel")
	errNoChannel     = errors.New("no RTMP channel of that name")
	errNotReady      = errors.New("channel is not accepting a publisher now")
)

// rtmpInbox is the source of a channel that OBS or an encoder publishes to
// (rtmp://AGENT:1935/live/{channel}?key=KEY). The channel's source loop
// runs it; the RTMP ingest hands it one publisher at a time.
type rtmpInbox struct {
	key string

	mu    sync.Mutex
	out   func(*stream.Unit) // set while Run runs
	pub   *inboxPublisher    // the current publisher
	ended chan error
}

func newRTMPInbox(key string) *rtmpInbox { return &rtmpInbox{key: key, ended: make(chan error, 1)} }

// Run waits for a publisher and forwards its units until it disconnects.
func (b *rtmpInbox) Run(ctx context.Context, out func(*stream.Unit)) error {
	b.mu.Lock()
	b.out = out
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.out = nil
		if b.pub != nil {
			b.pub.kick()
			b.pub = nil
		}
		b.mu.Unlock()
	}()
	select {
	case <-ctx.Done():
		return nil
	case err := <-b.ended:
		return err
	}
}

func (b *rtmpInbox) attach() (rtmp.Publisher, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pub != nil {
		return nil, stream.ErrBusy
	}
	if b.out == nil {
		return nil, errNotReady
	}
	select { // a stale end from a previous publisher
	case <-b.ended:
	default:
	}
	b.pub = &inboxPublisher{b: b, kicked: make(chan struct{})}
	return b.pub, nil
}

type inboxPublisher struct {
	b      *rtmpInbox
	kicked chan struct{}
	once   sync.Once
}

func (p *inboxPublisher) Write(u *stream.Unit) {
	p.b.mu.Lock()
	out := p.b.out
	current := p.b.pub == p
	p.b.mu.Unlock()
	if current && out != nil {
		out(u)
	}
}

func (p *inboxPublisher) Close(clean bool) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	if p.b.pub != p {
		return
	}
	p.b.pub = nil
	err := ErrPublisherGone
	if clean {
		err = fmt.Errorf("%w: it unpublished", ErrPublisherGone)
	}
	select {
	case p.b.ended <- err:
	default:
	}
}

func (p *inboxPublisher) Kicked() <-chan struct{} { return p.kicked }

func (p *inboxPublisher) kick() { p.once.Do(func() { close(p.kicked) }) }

// rtmpChannels admits RTMP publishers to the agent's RTMP channels.
type rtmpChannels struct {
	mu sync.Mutex
	m  map[string]*rtmpInbox
}

func (c *rtmpChannels) get(name string) *rtmpInbox {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name]
}

func (c *rtmpChannels) set(name string, b *rtmpInbox) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name] = b
}

func (c *rtmpChannels) remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, name)
}

func (c *rtmpChannels) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *rtmpChannels) authorize(app, name, query string) (string, error) {
	b := c.get(name)
	if app != "live" || b == nil {
		return "", errNoChannel
	}
	q, _ := url.ParseQuery(query)
	if subtle.ConstantTimeCompare([]byte(q.Get("key")), []byte(b.key)) != 1 {
		return "", errWrongKey
	}
	return name, nil
}

// Publish implements rtmp.Publishers.
func (c *rtmpChannels) Publish(key string) (rtmp.Publisher, error) {
	b := c.get(key)
	if b == nil {
		return nil, errNoChannel
	}
	return b.attach()
}

func rtmpReason(err error) string {
	switch {
	case errors.Is(err, errWrongKey):
		return "bad_key"
	case errors.Is(err, errNoChannel):
		return "unknown_stream"
	}
	return "refused"
}
