// Package whip is the agent's WebRTC ingest: a WHIP endpoint (RFC 9725)
// where OBS and browsers publish H.264 (or H.265) and Opus. Video is
// depacketized to access units and passed through; Opus is transcoded to
// AAC-LC (internal/transcode) so the push can carry it over RTMP. The
// package translates only: the agent decides which channel a session feeds.
package whip

import (
	"fmt"
	"net"
)

// Config is the ICE side of the WHIP endpoint, shared by every channel.
type Config struct {
	// PublicIPs are announced as the host candidates' addresses instead of
	// the local ones (NAT 1:1: a board behind a router with forwarded ports).
	PublicIPs []string `yaml:"public_ips"`
	// UDPPort is one UDP port that every session shares (ICE muxing: one
	// port to forward). 0 gives each session its own ephemeral ports.
	UDPPort int `yaml:"udp_port"`
	// TCPPort is an ICE-TCP port (RFC 6544, passive) for networks that
	// block UDP; 0 disables it.
	TCPPort int `yaml:"tcp_port"`
}

// Validate reports the first invalid field by its config name.
func (c Config) Validate() error {
	for i, ip := range c.PublicIPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("whip.public_ips[%d]: %q is not an IP address", i, ip)
		}
	}
	if c.UDPPort < 0 || c.UDPPort > 65535 {
		return fmt.Errorf("whip.udp_port: %d is not a port (0: ephemeral per session)", c.UDPPort)
	}
	if c.TCPPort < 0 || c.TCPPort > 65535 {
		return fmt.Errorf("whip.tcp_port: %d is not a port (0: no ICE-TCP)", c.TCPPort)
	}
	return nil
}
