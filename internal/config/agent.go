package config

import (
	"fmt"
	"regexp"
	"time"

	"livestudio/ingest/rtmp"
	"livestudio/ingest/whip"
	"livestudio/push/pushurl"
)

// Agent is the agent's configuration (configs/agent.yaml).
type Agent struct {
	LogLevel string `yaml:"log_level"`
	// HTTP serves the anchor's view: /status, /metrics, a status page.
	HTTP struct {
		Listen string `yaml:"listen"`
	} `yaml:"http"`
	// RTMP is the listener for channels whose source is "rtmp" (OBS and
	// encoders publish to rtmp://AGENT/live/{channel}?key=KEY). It only
	// listens when such a channel exists.
	RTMP rtmp.Config `yaml:"rtmp"`
	// WHIP is the ICE side of channels whose source is "whip" (OBS and
	// browsers publish to http://AGENT/whip/{channel}, on the http
	// listener): public IPs, a muxed UDP port, an ICE-TCP port.
	WHIP     whip.Config `yaml:"whip"`
	Channels []Channel   `yaml:"channels"`
}

// Channel is one source relayed to one destination.
type Channel struct {
	Name        string      `yaml:"name"`
	Source      Source      `yaml:"source"`
	Destination Destination `yaml:"destination"`
}

// Source is where a channel's picture comes from.
type Source struct {
	// Type: "demo" (the built-in test pattern), "rtsp" (a camera),
	// "rtmp" (OBS or an encoder publishes to the agent) or "whip" (OBS or
	// a browser publishes over WebRTC).
	Type string `yaml:"type"`
	// Key an RTMP publisher must give (?key=KEY), for type rtmp.
	Key string `yaml:"key"`
	// Token a WHIP publisher must give (Authorization: Bearer TOKEN), for
	// type whip.
	Token string `yaml:"token"`
	// VideoOnly drops a WHIP publisher's audio (no Opus transcoding).
	VideoOnly bool `yaml:"video_only"`
	// URL of an RTSP camera, credentials included (rtsp://user:pass@host/path).
	URL string `yaml:"url"`
	// Transport for RTSP: auto (UDP, falling back to TCP), udp or tcp.
	Transport string `yaml:"transport"`
	// ReadTimeout: a camera silent this long is reconnected.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// Audio: "pass" (AAC passes through; G.711 and Opus are transcoded to
	// AAC-LC), "aac_only" (no transcoding: other audio is dropped) or "off"
	// (video only).
	Audio string `yaml:"audio"`
	// Slate: while the source is away, send the built-in slate so the push
	// session stays up (default true; the demo source needs none).
	Slate *bool `yaml:"slate"`
}

// Destination is where a channel is pushed: a static URL, or a URL from
// getPushUrl (WeChat's API, or the gateway's, which answers the same API).
type Destination struct {
	URL    string                `yaml:"url"`
	WeChat *pushurl.WeChatConfig `yaml:"wechat"`
	// ChunkSize of the RTMP push; CDNs flag more than 8192 as abnormal.
	ChunkSize      uint32        `yaml:"chunk_size"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	WriteTimeout   time.Duration `yaml:"write_timeout"`
	BackoffMin     time.Duration `yaml:"backoff_min"`
	BackoffMax     time.Duration `yaml:"backoff_max"`
}

// DefaultAgent returns the embedded defaults: status on 127.0.0.1:8090.
func DefaultAgent() Agent {
	var a Agent
	a.LogLevel = "info"
	a.HTTP.Listen = "127.0.0.1:8090"
	a.RTMP = rtmp.DefaultConfig()
	return a
}

// LoadAgent reads an agent config file over the defaults and validates it.
func LoadAgent(path string) (Agent, error) {
	c := DefaultAgent()
	if err := DecodeFile(path, &c); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

var channelName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate reports the first invalid field by its config name.
func (c Agent) Validate() error {
	if _, err := ParseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.HTTP.Listen == "" {
		return fmt.Errorf("http.listen: must be set (host:port)")
	}
	if err := c.RTMP.Validate(); err != nil {
		return err
	}
	if err := c.WHIP.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, ch := range c.Channels {
		where := fmt.Sprintf("channels[%d]", i)
		if !channelName.MatchString(ch.Name) {
			return fmt.Errorf("%s.name: %q must be 1-64 letters, digits, '-' or '_'", where, ch.Name)
		}
		if seen[ch.Name] {
			return fmt.Errorf("%s.name: %q appears twice", where, ch.Name)
		}
		seen[ch.Name] = true
		if err := ch.Source.validate(where + ".source"); err != nil {
			return err
		}
		if err := ch.Destination.validate(where + ".destination"); err != nil {
			return err
		}
	}
	return nil
}

func (s Source) validate(where string) error {
	switch s.Type {
	case "demo":
	case "rtmp":
		if len(s.Key) < 8 {
			return fmt.Errorf("%s.key: an RTMP source needs a key of at least 8 characters", where)
		}
	case "whip":
		if len(s.Token) < 8 {
			return fmt.Errorf("%s.token: a WHIP source needs a token of at least 8 characters", where)
		}
	case "rtsp":
		if len(s.URL) < 8 || s.URL[:7] != "rtsp://" && s.URL[:8] != "rtsps://" {
			return fmt.Errorf("%s.url: an rtsp:// URL is required", where)
		}
	default:
		return fmt.Errorf("%s.type: %q is not one of demo, rtsp, rtmp, whip", where, s.Type)
	}
	switch s.Transport {
	case "", "auto", "udp", "tcp":
	default:
		return fmt.Errorf("%s.transport: %q is not one of auto, udp, tcp", where, s.Transport)
	}
	switch s.Audio {
	case "", "pass", "aac_only", "off":
	default:
		return fmt.Errorf("%s.audio: %q is not one of pass, aac_only, off", where, s.Audio)
	}
	if s.ReadTimeout < 0 {
		return fmt.Errorf("%s.read_timeout: must not be negative", where)
	}
	return nil
}

func (d Destination) validate(where string) error {
	switch {
	case d.URL == "" && d.WeChat == nil:
		return fmt.Errorf("%s: set url (a static rtmp:// URL) or wechat (getPushUrl)", where)
	case d.URL != "" && d.WeChat != nil:
		return fmt.Errorf("%s: set url or wechat, not both", where)
	case d.URL != "" && (len(d.URL) < 8 || d.URL[:7] != "rtmp://"):
		return fmt.Errorf("%s.url: must be an rtmp:// URL", where)
	case d.ChunkSize != 0 && (d.ChunkSize < 128 || d.ChunkSize > 65536):
		return fmt.Errorf("%s.chunk_size: must be between 128 and 65536 (CDNs flag more than 8192)", where)
	case d.BackoffMax != 0 && d.BackoffMax < d.BackoffMin:
		return fmt.Errorf("%s.backoff_max: must not be below backoff_min", where)
	}
	if d.WeChat != nil {
		if err := d.WeChat.Validate(); err != nil {
			return fmt.Errorf("%s.wechat: %w", where, err)
		}
	}
	return nil
}
