package rtsp

import (
	"fmt"
	"net/url"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/base"
)

// Transport values of Config.Transport.
const (
	// TransportAuto lets gortsplib choose: it sets up UDP first and switches
	// to TCP (interleaved on the RTSP connection) when the camera answers
	// SETUP with 461 Unsupported Transport or with a TCP transport, or when
	// no UDP packet arrives within the first 3 seconds of PLAY (a NAT or
	// firewall eating UDP). A camera that needs TCP thus costs up to 3 s at
	// each connect: force "tcp" for it.
	TransportAuto = "auto"
	// TransportUDP forces RTP over UDP (no fallback).
	TransportUDP = "udp"
	// TransportTCP forces RTP interleaved in the RTSP TCP connection.
	TransportTCP = "tcp"
)

// Audio modes of Config.AudioMode.
const (
	// AudioPass passes AAC through (RFC 3640 AAC-hbr and RFC 3016 LATM)
	// and transcodes G.711 (PCMU, PCMA) and Opus to AAC-LC at 48 kHz
	// (pure Go, internal/transcode: on an x86 server core, 0.7 % for
	// G.711 and 2-3 % for Opus; a Pi-class core is several times slower).
	// AAC is preferred when a camera offers both. Other audio codecs are
	// not set up and a warning is logged: video only.
	AudioPass = "pass"
	// AudioAACOnly passes AAC through and never transcodes: a camera with
	// G.711 or Opus audio gives video only (with a warning). For a board
	// that cannot spare the CPU.
	AudioAACOnly = "aac_only"
	// AudioOff reads the video only.
	AudioOff = "off"
)

// Config is one RTSP camera source.
type Config struct {
	// URL is rtsp://[user:pass@]host[:port]/path; the credentials are
	// used for basic or digest authentication and never logged.
	URL string `yaml:"url"`
	// Transport is "auto" (default), "udp" or "tcp".
	Transport string `yaml:"transport"`
	// ReadTimeout bounds the connect, each RTSP request and the silence
	// between packets once playing. Default 10s.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// AudioMode is "pass" (default), "aac_only" or "off".
	AudioMode string `yaml:"audio"`
}

// DefaultConfig returns the defaults (URL empty: it must be set).
func DefaultConfig() Config {
	return Config{Transport: TransportAuto, ReadTimeout: 10 * time.Second, AudioMode: AudioPass}
}

// withDefaults fills the zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Transport == "" {
		c.Transport = d.Transport
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.AudioMode == "" {
		c.AudioMode = d.AudioMode
	}
	return c
}

// Validate reports the first invalid field by its config name. Zero fields
// are valid: they take their defaults.
func (c Config) Validate() error {
	if c.URL == "" {
		return fmt.Errorf("rtsp.url: must be set (rtsp://user:pass@host/path)")
	}
	u, err := url.Parse(c.URL)
	if err == nil && u.Scheme != "rtsp" && u.Scheme != "rtsps" {
		return fmt.Errorf("rtsp.url: scheme must be rtsp or rtsps, not %q", u.Scheme)
	}
	// gortsplib's parser, which Run uses: it accepts a '%' in a password.
	bu, err := base.ParseURL(c.URL)
	switch {
	case err != nil:
		// Parse errors quote the URL, password included: not repeated.
		return fmt.Errorf("rtsp.url: not a valid rtsp:// URL")
	case bu.Host == "":
		return fmt.Errorf("rtsp.url: host is missing")
	}
	switch c.Transport {
	case "", TransportAuto, TransportUDP, TransportTCP:
	default:
		return fmt.Errorf("rtsp.transport: %q is not auto, udp or tcp", c.Transport)
	}
	if c.ReadTimeout < 0 {
		return fmt.Errorf("rtsp.read_timeout: must be positive")
	}
	switch c.AudioMode {
	case "", AudioPass, AudioAACOnly, AudioOff:
	default:
		return fmt.Errorf("rtsp.audio: %q is not pass, aac_only or off", c.AudioMode)
	}
	return nil
}

// redact returns the URL without its password, for logs and errors.
func redact(raw string) string {
	u, err := base.ParseURL(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return (*url.URL)(u).Redacted()
}
