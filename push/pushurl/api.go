package pushurl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Errcodes of the WeChat-shaped API that the client acts on.
const (
	CodeInvalidCredential = 40001  // invalid or superseded access token (from stable_token: wrong secret)
	CodeInvalidToken      = 40014  // malformed access token
	CodeTokenExpired      = 42001  // access token expired
	CodeRoomNotFound      = 300022 // no such live room
)

// maxBody bounds the answers read: both are a few hundred bytes.
const maxBody = 64 << 10

// APIError is an answer of the live API with a non-zero errcode.
type APIError struct {
	Endpoint string // "stable_token" or "getpushurl"
	Code     int    // WeChat's errcode
	Msg      string // WeChat's errmsg
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: errcode %d: %s", e.Endpoint, e.Code, e.Msg)
}

// TokenRejected reports whether getpushurl refused the access token
// (invalid, malformed or expired), so that a fresh token may succeed.
func (e *APIError) TokenRejected() bool {
	if e.Endpoint != "getpushurl" {
		return false // 40001 from stable_token means a wrong secret
	}
	switch e.Code {
	case CodeInvalidCredential, CodeInvalidToken, CodeTokenExpired:
		return true
	}
	return false
}

// scrub replaces each non-empty secret in s.
func scrub(s string, secrets ...string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "REDACTED")
		}
	}
	return s
}

// snippet is the start of an unexpected answer body, for error messages:
// scrubbed first (so truncation cannot leave half a secret), then cut.
func snippet(body []byte, secrets ...string) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, scrub(string(body), secrets...))
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return strconv.Quote(s)
}

// call sends one request and decodes its JSON answer into v. Its errors
// name the endpoint and never contain the secrets (nor the request URL's
// credentials: net/http's *url.Error quotes the whole URL).
func (w *WeChat) call(ctx context.Context, endpoint, method, u string, body []byte, v any, secrets ...string) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%s: build request: %s", endpoint, scrub(err.Error(), secrets...))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = Redact(ue.URL)
		}
		return fmt.Errorf("%s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", endpoint, err)
	}
	if len(data) > maxBody {
		return fmt.Errorf("%s: answer larger than %d KiB", endpoint, maxBody>>10)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s: %s", endpoint, resp.Status, snippet(data, secrets...))
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: answer is not the expected JSON (%s): %w", endpoint, snippet(data, secrets...), err)
	}
	return nil
}

// stableToken asks for an access token and returns it with its lifetime.
func (w *WeChat) stableToken(ctx context.Context, force bool) (string, time.Duration, error) {
	const endpoint = "stable_token"
	body, err := json.Marshal(struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}{"client_credential", w.cfg.AppID, w.cfg.Secret, force})
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", endpoint, err)
	}
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Errcode     int    `json:"errcode"`
		Errmsg      string `json:"errmsg"`
	}
	if err := w.call(ctx, endpoint, http.MethodPost, w.base+"/cgi-bin/stable_token", body, &ans, w.cfg.Secret); err != nil {
		return "", 0, err
	}
	if ans.Errcode != 0 {
		return "", 0, &APIError{Endpoint: endpoint, Code: ans.Errcode, Msg: scrub(ans.Errmsg, w.cfg.Secret, ans.AccessToken)}
	}
	if ans.AccessToken == "" {
		return "", 0, fmt.Errorf("%s: answer has no access_token", endpoint)
	}
	if ans.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("%s: expires_in %d is not positive", endpoint, ans.ExpiresIn)
	}
	return ans.AccessToken, time.Duration(ans.ExpiresIn) * time.Second, nil
}

// getPushURL asks for the push address of the configured room.
func (w *WeChat) getPushURL(ctx context.Context, token string) (string, error) {
	const endpoint = "getpushurl"
	q := url.Values{"access_token": {token}, "roomId": {strconv.FormatInt(w.cfg.RoomID, 10)}}
	var ans struct {
		Errcode  int    `json:"errcode"`
		Errmsg   string `json:"errmsg"`
		PushAddr string `json:"pushAddr"`
	}
	u := w.base + "/wxaapi/broadcast/room/getpushurl?" + q.Encode()
	if err := w.call(ctx, endpoint, http.MethodGet, u, nil, &ans, token, w.cfg.Secret); err != nil {
		return "", err
	}
	if ans.Errcode != 0 {
		return "", &APIError{Endpoint: endpoint, Code: ans.Errcode, Msg: scrub(ans.Errmsg, token, w.cfg.Secret)}
	}
	if ans.PushAddr == "" {
		return "", fmt.Errorf("%s: answer has no pushAddr", endpoint)
	}
	if p, err := url.Parse(ans.PushAddr); err != nil || (p.Scheme != "rtmp" && p.Scheme != "rtmps") || p.Host == "" {
		return "", fmt.Errorf("%s: pushAddr %s is not an rtmp:// or rtmps:// URL", endpoint, Redact(ans.PushAddr))
	}
	return ans.PushAddr, nil
}
