package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// maxDuration bounds a run: the tool is a benchmark, not a relay.
const maxDuration = 10 * time.Minute

// relayConfig is what one run relays, from where to where, for how long.
type relayConfig struct {
	rtspURL, pushURL string
	transport        string
	duration         time.Duration
	// ringUnits and ringBytes size the stream's ring; 0 keeps the agent's
	// defaults (what the agent runs with), others try a smaller ring.
	ringUnits, ringBytes int
	// direct: the what-if of runDirect instead of the agent's shape.
	direct bool
}

func (c relayConfig) validate() error {
	if err := loopbackURL("-rtsp", c.rtspURL, "rtsp"); err != nil {
		return err
	}
	if err := loopbackURL("-push", c.pushURL, "rtmp"); err != nil {
		return err
	}
	switch c.transport {
	case "tcp", "udp", "auto":
	default:
		return fmt.Errorf("-transport: %q is not tcp, udp or auto", c.transport)
	}
	if c.duration <= 0 || c.duration > maxDuration {
		return fmt.Errorf("-duration: must be in (0, %v]", maxDuration)
	}
	if c.ringUnits < 0 || c.ringBytes < 0 {
		return errors.New("-ring-units and -ring-bytes must not be negative")
	}
	return nil
}

// loopbackURL accepts only scheme://IP:port/... with a loopback IP literal:
// the tool is a local benchmark, not something to point at other hosts
// (a camera or a CDN).
func loopbackURL(flag, raw, scheme string) error {
	if raw == "" {
		return fmt.Errorf("%s: must be set (%s://127.0.0.1:PORT/...)", flag, scheme)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: not a URL", flag) // the error would repeat the URL and its secret
	}
	if u.Scheme != scheme {
		return fmt.Errorf("%s: scheme %q, want %s", flag, u.Scheme, scheme)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: the host must be a loopback IP such as 127.0.0.1, not %q", flag, u.Hostname())
	}
	return nil
}
