package web

import (
	"errors"
	"strings"
)

// ErrBadRoom is answered (404) for a room that is not a stream key.
var ErrBadRoom = errors.New("room must be a stream key {appid}-{roomId}, e.g. wxdemo-1")

// ParseRoom checks that room is a stream key `{appid}-{roomId}` (internal/live):
// an appid of letters, digits and '_' (at most 32), a '-', and a decimal
// room number (at most 18 digits). It returns the appid.
func ParseRoom(room string) (string, error) {
	app, num, ok := strings.Cut(room, "-")
	if !ok || app == "" || len(app) > 32 || num == "" || len(num) > 18 {
		return "", ErrBadRoom
	}
	for _, c := range app {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return "", ErrBadRoom
		}
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return "", ErrBadRoom
		}
	}
	return app, nil
}
