// Package pushurl gives the agent the RTMP address to publish to: a static
// URL from the config, or one fetched with getPushUrl from WeChat's
// mini-program live API or from our gateway, which answers the same API
// (only the base URL differs).
//
// Push URLs are signed and expire: their txTime query parameter is the
// expiry in hex Unix seconds (Tencent CSS style). A Source hands out a
// cached URL while it has comfortably more than a margin left, fetches a
// new one before it expires, and fetches a new one at once after the CDN
// refused a publish with it.
package pushurl

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Source gives the push URL to publish to. Implementations are safe for
// concurrent use.
type Source interface {
	// Get returns the URL to publish to now: a cached one while it is far
	// enough from its expiry, else a freshly fetched one.
	Get(ctx context.Context) (URL, error)
	// Refused tells the source the CDN refused a publish with the URL Get
	// last returned (bad signature, expired, stream banned...): the next Get
	// does not reuse it.
	Refused(ctx context.Context)
}

// URL is a push address and when it stops being accepted.
type URL struct {
	// Addr is the full address, rtmp://host[:port]/app/stream?query.
	Addr string
	// Expiry comes from the txTime parameter; zero if the URL has none.
	Expiry time.Time
}

// LogValue logs the address without its signature, so that passing a URL
// to slog never leaks a credential.
func (u URL) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("addr", Redact(u.Addr))}
	if !u.Expiry.IsZero() {
		attrs = append(attrs, slog.Time("expiry", u.Expiry))
	}
	return slog.GroupValue(attrs...)
}

// ExpiryOf returns the expiry a push URL carries in its txTime query
// parameter (hex Unix seconds; Tencent writes upper-case, lower-case is
// accepted too), or the zero time if it has none or it is malformed.
func ExpiryOf(addr string) time.Time {
	_, rawQuery, ok := strings.Cut(addr, "?")
	if !ok {
		return time.Time{}
	}
	rawQuery, _, _ = strings.Cut(rawQuery, "#")
	// ParseQuery keeps the pairs it could parse even when one is malformed.
	q, _ := url.ParseQuery(rawQuery)
	tx := q.Get("txTime")
	if tx == "" || len(tx) > 15 { // 15 hex digits already overflow year 9999
		return time.Time{}
	}
	sec, err := strconv.ParseInt(tx, 16, 64)
	if err != nil || sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

// sensitiveParam reports whether a query parameter is a credential that
// logs and error messages must not show (txSecret, access_token, sign...).
func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"secret", "token", "sign", "key", "auth", "pass"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Redact returns addr for logs: credentials in the query (txSecret,
// access_token...) and any password in the user info are replaced, the
// rest (host, stream name, txTime) is kept.
func Redact(addr string) string {
	u, err := url.Parse(addr)
	if err != nil {
		return "(malformed URL)"
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			name, _, _ := strings.Cut(p, "=")
			if key, err := url.QueryUnescape(name); err != nil || sensitiveParam(key) {
				parts[i] = name + "=REDACTED"
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	u.Fragment, u.RawFragment = "", ""
	return u.Redacted()
}

// renewAt is when a credential valid from issued to expiry should be
// replaced: margin before its expiry, the margin being at most frac of its
// lifetime so that a short-lived credential is still used for most of its
// life instead of being fetched again on every call.
func renewAt(issued, expiry time.Time, margin time.Duration, frac float64) time.Time {
	if life := expiry.Sub(issued); life > 0 {
		margin = min(margin, time.Duration(float64(life)*frac))
	} else {
		margin = 0
	}
	return expiry.Add(-margin)
}
