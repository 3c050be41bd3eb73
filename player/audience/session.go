package audience

import (
	"net"
	"net/http"
)

// SessionParam is the query parameter naming an HLS playback session; the
// player SDK sends a random one per page.
const SessionParam = "session"

// maxSessionLen bounds a session id taken from a request.
const maxSessionLen = 64

// ValidSession tells whether s can name a session: 1 to 64 of
// [A-Za-z0-9_-]. Anything else is ignored (the request counts by address).
func ValidSession(s string) bool {
	if s == "" || len(s) > maxSessionLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// SessionID identifies r's HLS session: its valid session parameter, else
// the client's IP and User-Agent (players behind one NAT with the same
// browser count once).
func SessionID(r *http.Request) string {
	if s := r.URL.Query().Get(SessionParam); ValidSession(s) {
		return "s:" + s
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return "a:" + ip + "\x00" + r.UserAgent()
}
