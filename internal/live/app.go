// Package live is the gateway's WeChat-shaped live API: access tokens for
// mini-program apps (/cgi-bin/token, /cgi-bin/stable_token), push URLs for
// live rooms (/wxaapi/broadcast/room/getpushurl), and the publish check of
// those URLs. Rooms and goods (issue #6) build on it.
package live

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"livestudio/internal/pushsign"
)

// App is a mini-program app known to the gateway.
type App struct {
	AppID   string `yaml:"appid"`
	Secret  string `yaml:"secret"`
	PushKey string `yaml:"push_key"`
	// PushURLTTL is how long a push URL from getpushurl stays valid.
	PushURLTTL time.Duration `yaml:"push_url_ttl"`
	// ManagedRooms: only rooms created through the API exist; publishing
	// to or joining the chat of any other room number is refused. false
	// (the default, as before rooms existed) also lets any room number be
	// used ad hoc, without a stored room; created rooms follow their rules
	// either way.
	ManagedRooms bool `yaml:"managed_rooms"`
	// Rooms are created at startup when missing (the demo's room 1).
	Rooms []SeedRoom `yaml:"rooms"`
}

// Validate reports the first invalid field, prefixed with where it is.
func (a App) Validate(where string) error {
	switch {
	case a.AppID == "" || strings.ContainsAny(a.AppID, "-/?&. "):
		return fmt.Errorf("%s.appid: must be set, without '-', '/', '?', '&', '.' or spaces", where)
	case len(a.Secret) < 8:
		return fmt.Errorf("%s.secret: must be at least 8 characters", where)
	case len(a.PushKey) < 8:
		return fmt.Errorf("%s.push_key: must be at least 8 characters", where)
	case a.PushURLTTL < time.Minute:
		return fmt.Errorf("%s.push_url_ttl: must be at least 1m", where)
	}
	for i, r := range a.Rooms {
		if r.ID <= 0 || r.Name == "" {
			return fmt.Errorf("%s.rooms[%d]: needs a positive id and a name", where, i)
		}
	}
	return nil
}

// StreamKey is the live key of room N of an app, as WeChat's push URLs
// name it (live/{appid}-{roomId}).
func StreamKey(appID string, roomID int64) string {
	return fmt.Sprintf("%s-%d", appID, roomID)
}

// Errors of the publish check, mapped to metrics reasons by Reason.
var (
	ErrWrongApp     = errors.New("RTMP app must be \"live\"")
	ErrUnknownAppID = errors.New("stream name does not start with a known appid")
)

// AuthorizePublish checks an RTMP publish of rtmp://host/{app}/{name}?{query}
// against the push key of the app that owns the stream name, and returns the
// registry key.
func (s *Service) AuthorizePublish(rtmpApp, name, query string) (string, error) {
	if rtmpApp != "live" {
		return "", ErrWrongApp
	}
	appID, _, ok := strings.Cut(name, "-")
	a, known := s.apps[appID]
	if !ok || !known {
		return "", ErrUnknownAppID
	}
	if _, err := pushsign.Verify(a.PushKey, name, query, s.now()); err != nil {
		return "", err
	}
	if s.rooms != nil {
		if err := s.rooms.checkPublish(a, name); err != nil {
			return "", fmt.Errorf("publish %q: %w", name, err)
		}
	}
	return name, nil
}

// Reason maps a publish refusal to a metrics label.
func Reason(err error) string {
	switch {
	case errors.Is(err, pushsign.ErrUnsigned):
		return "unsigned"
	case errors.Is(err, pushsign.ErrExpired):
		return "expired"
	case errors.Is(err, pushsign.ErrBadSig), errors.Is(err, pushsign.ErrBadTime):
		return "bad_signature"
	case errors.Is(err, ErrWrongApp), errors.Is(err, ErrUnknownAppID):
		return "unknown_stream"
	case errors.Is(err, ErrRoomNotFound):
		return "room_not_found"
	case errors.Is(err, ErrRoomEnded):
		return "room_ended"
	case errors.Is(err, ErrRoomBanned):
		return "room_banned"
	case errors.Is(err, ErrRoomExpired):
		return "room_expired"
	}
	return "refused"
}
