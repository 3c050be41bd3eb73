package gateway

import (
	"fmt"
	"time"

	"livestudio/chat"
	"livestudio/ingest/rtmp"
	"livestudio/internal/config"
	"livestudio/internal/live"
	"livestudio/internal/media"
	"livestudio/internal/stream"
	"livestudio/player/hls"
	"livestudio/player/replay"
	"livestudio/player/web"
)

// Config is the gateway's configuration (configs/gateway.yaml). It lives
// here, not in internal/config, so that the agent does not link the chat
// (its TLS-sig dependency does not build for 32-bit ARM).
type Config struct {
	// LogLevel: debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// DataDir holds what the gateway keeps across restarts (the database,
	// recordings). Relative paths are relative to the working directory.
	DataDir string        `yaml:"data_dir"`
	HTTP    HTTP          `yaml:"http"`
	RTMP    rtmp.Config   `yaml:"rtmp"`
	Stream  stream.Config `yaml:"stream"`
	HLS     hls.Config    `yaml:"hls"`
	// Replay records live streams for replay (dir defaults to
	// {data_dir}/replay).
	Replay replay.Config `yaml:"replay"`
	// Chat is the live-room interaction at /ws; it is on when
	// chat.sdk_app_id is set.
	Chat chat.Config `yaml:"chat"`
	// Web is the viewer page, embed and SDK (/play, /embed, /sdk).
	Web web.Config `yaml:"web"`
	// TokenTTL is the lifetime of access tokens from /cgi-bin/token.
	TokenTTL time.Duration `yaml:"token_ttl"`
	Apps     []live.App    `yaml:"apps"`
	// Rooms: live rooms and goods (WeChat's live API, REST /api/v1).
	Rooms live.RoomsConfig `yaml:"rooms"`
	// Media: uploaded images (WeChat's media/upload; dir defaults to {data_dir}/media).
	Media media.Config `yaml:"media"`
}

// HTTP is the HTTP listener: players, API, metrics.
type HTTP struct {
	Listen string `yaml:"listen"`
	// ViewerWriteTimeout closes a viewer whose socket takes nothing for this long.
	ViewerWriteTimeout time.Duration `yaml:"viewer_write_timeout"`
}

// DefaultConfig returns the embedded defaults: HTTP on 127.0.0.1:8080,
// RTMP on :1935, no apps.
func DefaultConfig() Config {
	return Config{
		LogLevel: "info",
		DataDir:  "data",
		HTTP:     HTTP{Listen: "127.0.0.1:8080", ViewerWriteTimeout: 10 * time.Second},
		RTMP:     rtmp.DefaultConfig(),
		Stream:   stream.DefaultConfig(),
		HLS:      hls.DefaultConfig(),
		Replay:   replay.DefaultConfig(),
		Chat:     chat.DefaultConfig(),
		Web:      web.DefaultConfig(),
		TokenTTL: 2 * time.Hour,
		Rooms:    live.DefaultRoomsConfig(),
		Media:    media.DefaultConfig(),
	}
}

// LoadConfig reads a gateway config file over the defaults and validates it.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	if err := config.DecodeFile(path, &c); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Validate reports the first invalid field by its config name.
func (c Config) Validate() error {
	if _, err := config.ParseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.DataDir == "" {
		return fmt.Errorf("data_dir: must be set (a directory the gateway may write)")
	}
	if c.HTTP.Listen == "" {
		return fmt.Errorf("http.listen: must be set (host:port)")
	}
	if c.HTTP.ViewerWriteTimeout <= 0 {
		return fmt.Errorf("http.viewer_write_timeout: must be positive")
	}
	if err := c.RTMP.Validate(); err != nil {
		return err
	}
	if err := c.HLS.Validate(); err != nil {
		return fmt.Errorf("hls: %w", err)
	}
	if err := c.Replay.Validate(); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if c.ChatEnabled() {
		if err := c.Chat.Validate(); err != nil {
			return fmt.Errorf("chat: %w", err)
		}
	}
	if err := c.Rooms.Validate(); err != nil {
		return err
	}
	if err := c.Media.Validate(); err != nil {
		return err
	}
	if err := c.Web.Validate(); err != nil {
		return err
	}
	if c.TokenTTL < 10*time.Minute {
		return fmt.Errorf("token_ttl: must be at least 10m")
	}
	seen := map[string]bool{}
	for i, a := range c.Apps {
		where := fmt.Sprintf("apps[%d]", i)
		if err := a.Validate(where); err != nil {
			return err
		}
		if seen[a.AppID] {
			return fmt.Errorf("%s.appid: %q appears twice", where, a.AppID)
		}
		seen[a.AppID] = true
	}
	return nil
}

// ChatEnabled tells whether the chat section is configured.
func (c Config) ChatEnabled() bool { return c.Chat.SDKAppID != 0 || c.Chat.SecretKey != "" }
