package pushurl

import (
	"context"
	"errors"
)

// ErrNoAddr is returned by a Static source with an empty address.
var ErrNoAddr = errors.New("static push URL is empty")

// Static is a push URL typed into the config. It cannot be renewed: Get
// always returns it, with the expiry from its txTime if it has one, even
// once that is past (the local clock may be the one that is wrong; the CDN
// decides), and Refused does nothing.
type Static struct {
	Addr string
}

var _ Source = Static{}

// Get returns the configured URL.
func (s Static) Get(context.Context) (URL, error) {
	if s.Addr == "" {
		return URL{}, ErrNoAddr
	}
	return URL{Addr: s.Addr, Expiry: ExpiryOf(s.Addr)}, nil
}

// Refused does nothing: a static URL has no replacement.
func (Static) Refused(context.Context) {}
