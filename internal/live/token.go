package live

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// Access tokens are stateless: base64url(appid NUL expiry) "." HMAC over it
// with a key derived from the app secret. They survive a restart, need no
// store, and die when the secret changes.

var (
	errTokenInvalid = errors.New("invalid access_token")
	errTokenExpired = errors.New("access_token expired")
)

func tokenMAC(secret, payload string) string {
	m := hmac.New(sha256.New, []byte("livestudio access token\x00"+secret))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

func makeToken(appID, secret string, expiry time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(expiry.Unix()))
	payload := base64.RawURLEncoding.EncodeToString(append([]byte(appID+"\x00"), b[:]...))
	return payload + "." + tokenMAC(secret, payload)
}

// tokenApp returns the app a token names, without checking it.
func tokenApp(token string) (appID string, expiry time.Time, payload, mac string, ok bool) {
	payload, mac, ok = strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return "", time.Time{}, "", "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) < 10 {
		return "", time.Time{}, "", "", false
	}
	id, exp := raw[:len(raw)-8], raw[len(raw)-8:]
	if id[len(id)-1] != 0 {
		return "", time.Time{}, "", "", false
	}
	return string(id[:len(id)-1]), time.Unix(int64(binary.BigEndian.Uint64(exp)), 0), payload, mac, true
}

// checkToken returns the app of a valid token.
func (s *Service) checkToken(token string) (App, error) {
	appID, expiry, payload, mac, ok := tokenApp(token)
	if !ok {
		return App{}, errTokenInvalid
	}
	a, known := s.apps[appID]
	if !known || !hmac.Equal([]byte(mac), []byte(tokenMAC(a.Secret, payload))) {
		return App{}, errTokenInvalid
	}
	if !s.now().Before(expiry) {
		return App{}, errTokenExpired
	}
	return a, nil
}

// issueToken returns the app's current token and its remaining lifetime.
// Like WeChat's stable_token, the same token is returned while it has more
// than half its life left; forceRefresh starts a new one.
func (s *Service) issueToken(a App, forceRefresh bool) (string, time.Duration) {
	now := s.now()
	period := s.tokenTTL / 2
	// Expiry aligned on half-TTL boundaries: stable across calls and restarts.
	expiry := now.Truncate(period).Add(s.tokenTTL)
	if forceRefresh {
		expiry = now.Add(s.tokenTTL)
	}
	return makeToken(a.AppID, a.Secret, expiry), expiry.Sub(now)
}
