package pushurl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// WeChat gets the push URL of a live room with getPushUrl, from WeChat's
// mini-program live API or from our gateway. It caches the access token
// (stable_token) and the push URL, and renews each before it expires.
type WeChat struct {
	cfg    WeChatConfig
	cfgErr error
	base   string // cfg.APIBase without a trailing slash
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	// fetching is a one-slot semaphore: one fetch at a time (concurrent
	// Gets share its result), and a Get waiting for it honours its ctx.
	fetching chan struct{}

	// Held with fetching.
	token      string
	tokenRenew time.Time
	rejected   int       // consecutive getpushurl answers rejecting our token
	lastForced time.Time // last force_refresh

	mu      sync.Mutex // guards the cached URL
	cur     URL
	curOK   bool      // cur may be handed out (false after Refused)
	curTill time.Time // when cur is renewed; unused if cur.Expiry is zero
}

var _ Source = (*WeChat)(nil)

// NewWeChat returns a source that calls the live API at cfg.APIBase with
// client (a default client if nil). An invalid cfg makes every Get fail
// with the reason.
func NewWeChat(cfg WeChatConfig, client *http.Client, log *slog.Logger) *WeChat {
	if client == nil {
		client = &http.Client{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &WeChat{
		cfg:      cfg,
		cfgErr:   cfg.Validate(),
		base:     strings.TrimRight(cfg.APIBase, "/"),
		client:   client,
		log:      log,
		now:      time.Now,
		fetching: make(chan struct{}, 1),
	}
}

// Get returns the cached push URL while it is more than the refresh margin
// away from its expiry (or, if it has no txTime, until Refused), else
// fetches a new one. A fetch whose token getpushurl rejects (40001, 40014,
// 42001) drops the token, gets another and tries once more. After two
// rejections in a row the next token is fetched with force_refresh (at most
// once per 30 s, as WeChat allows). Other errcodes come back as *APIError,
// not retried: the caller's backoff decides when to try again.
func (w *WeChat) Get(ctx context.Context) (URL, error) {
	if u, ok := w.cached(); ok {
		return u, nil
	}
	if w.cfgErr != nil {
		return URL{}, fmt.Errorf("get push URL: invalid config: %w", w.cfgErr)
	}
	select {
	case w.fetching <- struct{}{}:
	case <-ctx.Done():
		return URL{}, fmt.Errorf("get push URL of room %d: %w", w.cfg.RoomID, context.Cause(ctx))
	}
	defer func() { <-w.fetching }()
	if u, ok := w.cached(); ok { // fetched while we waited
		return u, nil
	}
	start := w.now()
	addr, err := w.fetch(ctx)
	if err != nil {
		return URL{}, fmt.Errorf("get push URL of room %d: %w", w.cfg.RoomID, err)
	}
	u := URL{Addr: addr, Expiry: ExpiryOf(addr)}
	till := renewAt(start, u.Expiry, w.cfg.RefreshMargin, 0.1)
	w.mu.Lock()
	w.cur, w.curOK, w.curTill = u, true, till
	w.mu.Unlock()
	switch {
	case u.Expiry.IsZero():
		w.log.InfoContext(ctx, "push URL fetched; no txTime, kept until refused", "room", w.cfg.RoomID, "url", u)
	case !start.Before(u.Expiry):
		// Not an error: the local clock may be the wrong one. It is not
		// reused, and the CDN decides.
		w.log.WarnContext(ctx, "push URL fetched already expired by the local clock", "room", w.cfg.RoomID, "url", u)
	default:
		w.log.InfoContext(ctx, "push URL fetched", "room", w.cfg.RoomID, "url", u, "renew_at", till)
	}
	return u, nil
}

// Refused drops the cached push URL: the next Get fetches a new one.
func (w *WeChat) Refused(ctx context.Context) {
	w.mu.Lock()
	had := w.curOK
	w.curOK = false
	w.mu.Unlock()
	if had {
		w.log.InfoContext(ctx, "push URL refused by the CDN; the next one will be fetched", "room", w.cfg.RoomID)
	}
}

// cached returns the cached URL if it may still be handed out.
func (w *WeChat) cached() (URL, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.curOK || (!w.cur.Expiry.IsZero() && !w.now().Before(w.curTill)) {
		return URL{}, false
	}
	return w.cur, true
}

// fetch calls getpushurl with a cached or new token, retrying once with a
// new token if the first is rejected. Called holding fetching.
func (w *WeChat) fetch(ctx context.Context) (string, error) {
	for attempt := 0; ; attempt++ {
		token, err := w.accessToken(ctx)
		if err != nil {
			return "", err
		}
		addr, err := w.getPushURL(ctx, token)
		var ae *APIError
		if !errors.As(err, &ae) || !ae.TokenRejected() {
			if err == nil {
				w.rejected = 0
			}
			return addr, err
		}
		w.rejected++
		w.token = ""
		w.log.WarnContext(ctx, "access token rejected by getpushurl; dropped", "room", w.cfg.RoomID,
			"errcode", ae.Code, "in_a_row", w.rejected)
		if attempt == 1 {
			return "", err
		}
	}
}

// accessToken returns the cached token until its renewal time, else a new
// one from stable_token. Called holding fetching.
func (w *WeChat) accessToken(ctx context.Context) (string, error) {
	now := w.now()
	if w.token != "" && now.Before(w.tokenRenew) {
		return w.token, nil
	}
	force := w.rejected >= 2 && (w.lastForced.IsZero() || now.Sub(w.lastForced) >= forceGap)
	if force {
		w.lastForced = now // counts against WeChat's quota even if it fails
	}
	token, life, err := w.stableToken(ctx, force)
	if err != nil {
		return "", err
	}
	w.token = token
	// Lifetime counted from the request, not the answer: a little early.
	w.tokenRenew = renewAt(now, now.Add(life), tokenMargin, 0.5)
	w.log.InfoContext(ctx, "access token refreshed", "appid", w.cfg.AppID, "expires_in", life,
		"force_refresh", force, "renew_at", w.tokenRenew)
	return token, nil
}
