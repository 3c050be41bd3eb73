package web

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func newTestHandler(t *testing.T, cfg Config, opts Options) (*Handler, http.Handler) {
	t.Helper()
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	h, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	return h, mux
}

func get(t *testing.T, h http.Handler, method, url string, hdr map[string]string, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageRoutes(t *testing.T) {
	h, mux := newTestHandler(t, DefaultConfig(), Options{KnownApp: func(a string) bool { return a == "wxdemo" }, Chat: true, SDKAppID: 1400000001})
	for _, tc := range []struct {
		url    string
		status int
		reason string
	}{
		{"/play/wxdemo-1", 200, ""},
		{"/embed/wxdemo-12?theme=light&chat=0", 200, ""},
		{"/play/wxdemo", 404, "bad_room"},
		{"/play/wx%3Cdemo-1", 404, "bad_room"},
		{"/play/wxdemo-1x", 404, "bad_room"},
		{"/play/other-1", 404, "unknown_app"},
		{"/play/", 404, ""},
	} {
		rec := get(t, mux, "GET", tc.url, nil, "")
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.url, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.reason != "" && counter(h.metrics.refused.WithLabelValues(tc.reason)) == 0 {
			t.Errorf("%s: refusal %s not counted", tc.url, tc.reason)
		}
		if tc.status != 200 {
			continue
		}
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "default-src 'none'", "object-src 'none'", "connect-src 'self' ws://example.com wss://example.com"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", tc.url, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", tc.url, csp)
		}
		embed := strings.HasPrefix(tc.url, "/embed/")
		if got := strings.Contains(csp, "frame-ancestors *"); got != embed {
			t.Errorf("%s: CSP %q: frame-ancestors * is for embeds only", tc.url, csp)
		}
		body := rec.Body.String()
		if strings.Contains(body, "<script>") || !strings.Contains(body, `<script src="/sdk/livestudio.js" defer>`) {
			t.Errorf("%s: page must load scripts by src only", tc.url)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.url, ct)
		}
	}
	rec := get(t, mux, "GET", "/embed/wxdemo-1?theme=light", nil, "")
	if !strings.Contains(rec.Body.String(), `class="theme-light embed"`) {
		t.Errorf("embed page: theme and embed class missing")
	}
	rec = get(t, mux, "GET", "/play/wxdemo-1?theme=%22%3E%3Cscript%3E", nil, "")
	if !strings.Contains(rec.Body.String(), `class="theme-dark"`) {
		t.Errorf("an unknown theme must fall back to dark")
	}
}

func TestAssets(t *testing.T) {
	_, mux := newTestHandler(t, DefaultConfig(), Options{})
	for _, tc := range []struct {
		url, ctype, cache string
	}{
		{"/sdk/livestudio.js", "text/javascript; charset=utf-8", "public, no-cache"},
		{"/sdk/livestudio.mjs", "text/javascript; charset=utf-8", "public, no-cache"},
		{"/sdk/page.js", "text/javascript; charset=utf-8", "public, no-cache"},
		{"/sdk/page.css", "text/css; charset=utf-8", "public, no-cache"},
		{"/sdk/vendor/mpegts-" + MpegtsVersion + ".min.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/sdk/vendor/hls.light-" + HLSVersion + ".min.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/sdk/vendor/hls-" + HLSVersion + ".LICENSE", "text/plain; charset=utf-8", "public, max-age=31536000, immutable"},
	} {
		rec := get(t, mux, "GET", tc.url, map[string]string{"Accept-Encoding": "gzip, br"}, "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.ctype || rec.Header().Get("Cache-Control") != tc.cache {
			t.Errorf("%s: %d %q %q", tc.url, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
			continue
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tc.url)
		}
		if rec.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatalf("%s: %v", tc.url, err)
			}
			if _, err := io.ReadAll(zr); err != nil {
				t.Errorf("%s: bad gzip: %v", tc.url, err)
			}
		} else if strings.HasSuffix(tc.url, ".js") {
			t.Errorf("%s: not gzipped for a gzip client", tc.url)
		}
		etag := rec.Header().Get("ETag")
		if rec := get(t, mux, "GET", tc.url, map[string]string{"If-None-Match": etag}, ""); rec.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match %s: %d, want 304", tc.url, etag, rec.Code)
		}
	}
	for _, url := range []string{"/sdk/page.html", "/sdk/nope.js", "/sdk/sdk/core.js", "/sdk/vendor/../page.js", "/sdk/vendor/x.js"} {
		// 404, or the mux's redirect to the cleaned path (no traversal).
		if rec := get(t, mux, "GET", url, nil, ""); rec.Code != 404 && rec.Code != http.StatusTemporaryRedirect {
			t.Errorf("%s: %d, want 404", url, rec.Code)
		}
	}
	rec := get(t, mux, "GET", "/sdk/livestudio.js", nil, "")
	if rec.Header().Get("Content-Encoding") != "" || !strings.Contains(rec.Body.String(), "LiveStudio") {
		t.Errorf("plain client: %q", rec.Header().Get("Content-Encoding"))
	}
}

func TestDemoLogin(t *testing.T) {
	issue := func(id string, ttl time.Duration) (string, error) {
		if id == "boom" {
			return "", errors.New("boom")
		}
		return "sig-for-" + id, nil
	}
	on := DefaultConfig()
	on.DemoLogin = true
	for _, tc := range []struct {
		name   string
		cfg    Config
		issue  func(string, time.Duration) (string, error)
		body   string
		status int
		result string
	}{
		{"ok", on, issue, `{"userID":"alice"}`, 200, "ok"},
		{"off by default", DefaultConfig(), issue, `{"userID":"alice"}`, 404, "disabled"},
		{"no chat", on, nil, `{"userID":"alice"}`, 404, "disabled"},
		{"bad json", on, issue, `{"userID":`, 400, "bad_request"},
		{"empty id", on, issue, `{"userID":""}`, 400, "bad_request"},
		{"space", on, issue, `{"userID":"a b"}`, 400, "bad_request"},
		{"too long", on, issue, `{"userID":"` + strings.Repeat("a", 33) + `"}`, 400, "bad_request"},
		{"signer fails", on, issue, `{"userID":"boom"}`, 500, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, mux := newTestHandler(t, tc.cfg, Options{IssueUserSig: tc.issue, SDKAppID: 7})
			rec := get(t, mux, "POST", "/web/demo-login", nil, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			var r map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatalf("reply is not JSON: %s", rec.Body)
			}
			if tc.status == 200 && (r["userSig"] != "sig-for-alice" || r["SDKAppID"] != 7.0) {
				t.Errorf("reply %v", r)
			}
			if tc.status != 200 && r["error"] == nil {
				t.Errorf("error reply without a code: %v", r)
			}
			if counter(h.metrics.demoLogins.WithLabelValues(tc.result)) != 1 {
				t.Errorf("result %s not counted", tc.result)
			}
		})
	}
	_, mux := newTestHandler(t, on, Options{IssueUserSig: issue})
	if rec := get(t, mux, "GET", "/web/demo-login", nil, ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET demo-login: %d, want 405", rec.Code)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"demo", func(c *Config) { c.DemoLogin = true }, true},
		{"demo ttl", func(c *Config) { c.DemoLogin, c.DemoLoginTTL = true, time.Second }, false},
		{"ancestors empty", func(c *Config) { c.FrameAncestors = " " }, false},
		{"ancestors injection", func(c *Config) { c.FrameAncestors = "* ; script-src *" }, false},
		{"ancestors list", func(c *Config) { c.FrameAncestors = "'self' https://shop.example" }, true},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// counter reads a counter's value.
func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
