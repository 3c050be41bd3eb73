package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// parseTarget accepts only ws:// URLs on a loopback IP literal: the tool is
// a local benchmark, not something to point at other hosts. The query is
// dropped: the tool adds ?room= itself.
func parseTarget(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	if u.Scheme != "ws" {
		return "", fmt.Errorf("url %q: only ws:// is supported", raw)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return "", errors.New("url: the host must be a loopback IP such as 127.0.0.1")
	}
	if u.Port() == "" {
		return "", errors.New("url: needs a port")
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}
