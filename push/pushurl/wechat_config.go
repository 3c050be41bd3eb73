package pushurl

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Defaults of WeChatConfig.
const (
	DefaultAPIBase       = "https://api.weixin.qq.com"
	DefaultRefreshMargin = 2 * time.Minute
	DefaultTimeout       = 10 * time.Second
)

const (
	// tokenMargin: WeChat's stable_token hands out a new token in the last
	// 5 minutes of the old one, and both stay valid meanwhile; renewing then
	// gets the new token without ever using one at its very end.
	tokenMargin = 5 * time.Minute
	// forceGap: WeChat ignores a force_refresh less than 30 s after the
	// previous one (and allows 20 a day).
	forceGap = 30 * time.Second
)

// WeChatConfig selects the live room whose push URL getPushUrl returns.
type WeChatConfig struct {
	// APIBase is WeChat's API (DefaultAPIBase) or our gateway's base URL.
	APIBase string `yaml:"api_base"`
	AppID   string `yaml:"appid"`
	Secret  string `yaml:"secret"`
	RoomID  int64  `yaml:"room_id"`
	// RefreshMargin: a push URL is replaced once less than this is left
	// before its expiry, but at most a tenth of its lifetime before it, so
	// that a short-lived URL is not fetched again on every Get. Default
	// DefaultRefreshMargin.
	RefreshMargin time.Duration `yaml:"refresh_margin"`
	// Timeout bounds each HTTP request, within the caller's context.
	// Default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

// withDefaults fills the zero fields that have a default.
func (c WeChatConfig) withDefaults() WeChatConfig {
	if c.APIBase == "" {
		c.APIBase = DefaultAPIBase
	}
	if c.RefreshMargin <= 0 {
		c.RefreshMargin = DefaultRefreshMargin
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports the first invalid field; zero fields with a default are
// valid.
func (c WeChatConfig) Validate() error {
	c = c.withDefaults()
	u, err := url.Parse(c.APIBase)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "":
		return fmt.Errorf("api_base %q: must be an http(s) URL without query", c.APIBase)
	case c.AppID == "":
		return errors.New("appid: must be set")
	case c.Secret == "":
		return errors.New("secret: must be set")
	case c.RoomID <= 0:
		return fmt.Errorf("room_id %d: must be positive", c.RoomID)
	}
	return nil
}

// LogValue logs the config without its secret.
func (c WeChatConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("api_base", c.APIBase), slog.String("appid", c.AppID),
		slog.Int64("room_id", c.RoomID), slog.Duration("refresh_margin", c.RefreshMargin))
}
