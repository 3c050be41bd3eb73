package gateway

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"

	"livestudio/player/web"
)

// newWeb builds the viewer page, embed and SDK handler (player/web).
func (g *Gateway) newWeb() (*web.Handler, error) {
	apps := map[string]bool{}
	for _, a := range g.cfg.Apps {
		apps[a.AppID] = true
	}
	opts := web.Options{
		Log:      g.log.With("component", "web"),
		Metrics:  g.prom,
		KnownApp: func(id string) bool { return apps[id] },
		Chat:     g.chat != nil,
		SDKAppID: int(g.cfg.Chat.SDKAppID),
	}
	if g.chat != nil && g.cfg.Web.DemoLogin {
		appID, key := g.cfg.Chat.SDKAppID, g.cfg.Chat.SecretKey
		opts.IssueUserSig = func(userID string, ttl time.Duration) (string, error) {
			return tencentyun.GenUserSig(int(appID), key, userID, int(ttl.Seconds()))
		}
		g.log.Warn("web.demo_login is on: anyone can chat as any user ID (demo only)")
	}
	h, err := web.New(g.cfg.Web, opts)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return h, nil
}

// mountWeb adds /play/, /embed/, /sdk/ and /web/demo-login.
func (g *Gateway) mountWeb(mux *http.ServeMux) {
	if g.web != nil {
		g.web.Register(mux)
	}
}
