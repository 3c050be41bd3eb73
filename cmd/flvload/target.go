package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// target is the one HTTP-FLV URL every viewer opens.
type target struct {
	addr    string // host:port to dial
	request []byte // the whole GET request, shared by every viewer
}

// parseTarget accepts only http:// URLs on a loopback IP literal: the tool
// is a local benchmark, not something to point at other hosts.
func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("url: %w", err)
	}
	if u.Scheme != "http" {
		return target{}, fmt.Errorf("url %q: only http:// is supported", raw)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return target{}, errors.New("url: the host must be a loopback IP such as 127.0.0.1")
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: flvload\r\nAccept: */*\r\n\r\n"
	return target{addr: net.JoinHostPort(ip.String(), port), request: []byte(req)}, nil
}
