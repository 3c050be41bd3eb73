package chat

import (
	"fmt"
	"net/url"
	"time"
)

// Config is the chat server's configuration (the gateway's `chat:` block).
type Config struct {
	// SDKAppID and SecretKey verify UserSigs (TLS-sig v2), as Tencent IM's
	// SDKAppID and key do.
	SDKAppID  uint64 `yaml:"sdk_app_id"`
	SecretKey string `yaml:"secret_key"`
	// Admins are user IDs that may do everything: notices, attributes,
	// levels; their messages default to High and skip the connection rate.
	Admins []string `yaml:"admins"`

	// RoomRate is the per-room send rate in messages per second; above it
	// Lowest, then Low, then Normal messages are shed. High never is.
	RoomRate float64 `yaml:"room_rate"`
	// MaxMessageBytes bounds a message's content (text, or data +
	// description + extension), like AVChatRoom's 12 KB.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// ConnSendRate and ConnSendBurst bound requests per connection.
	ConnSendRate  float64 `yaml:"conn_send_rate"`
	ConnSendBurst int     `yaml:"conn_send_burst"`
	// History is how many recent messages a joining member receives.
	History int `yaml:"history"`
	// LikeInterval is how often like totals and aggregated join/leave tips
	// are broadcast (at most once per interval).
	LikeInterval time.Duration `yaml:"like_interval"`
	// TipBurst is how many join/leave tips a room sends one by one per
	// LikeInterval; past it the room is busy and they are aggregated.
	TipBurst int `yaml:"tip_burst"`
	// OnlineInterval is how often a changed online count is broadcast.
	OnlineInterval time.Duration `yaml:"online_interval"`
	// RoomIdleTTL is how long an empty room keeps its attributes, likes and
	// history before it is dropped.
	RoomIdleTTL time.Duration `yaml:"room_idle_ttl"`

	// MaxAttrs, MaxAttrKeyBytes and MaxAttrValueBytes bound room attributes
	// (AVChatRoom's group custom fields).
	MaxAttrs          int `yaml:"max_attrs"`
	MaxAttrKeyBytes   int `yaml:"max_attr_key_bytes"`
	MaxAttrValueBytes int `yaml:"max_attr_value_bytes"`

	// QueueLen is how many messages may wait for one client; a client whose
	// queue is full is disconnected as slow.
	QueueLen int `yaml:"queue_len"`
	// WriteTimeout bounds one socket write.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// FlushDelay is how long a room collects broadcasts before it frames
	// them once, as one JSON-array message, and hands that frame to every
	// member: one write per member per batch instead of one per message,
	// for up to this much latency. Replies to a client's own requests are
	// not delayed. 0 sends every broadcast at once.
	FlushDelay time.Duration `yaml:"flush_delay"`
	// PingInterval is how often the server pings; a connection that sends
	// nothing (not even a pong) for PongTimeout is closed.
	PingInterval time.Duration `yaml:"ping_interval"`
	PongTimeout  time.Duration `yaml:"pong_timeout"`
	// ReadLimit is the largest WebSocket message a client may send; above it
	// the connection is closed (1009). Keep it well above MaxMessageBytes so
	// an oversized message gets a too_large error instead.
	ReadLimit int64 `yaml:"read_limit"`

	// WordList is the sensitive-word file (one word per line, '#' comments;
	// a relative path is relative to the working directory), watched and
	// reloaded when it changes. Empty: no filter.
	WordList string `yaml:"word_list"`
	// FilterMode is what a text message or nick with a word gets: "mask"
	// (each matched character becomes '*') or "reject" (error filtered).
	FilterMode string `yaml:"filter_mode"`

	// ManagedRooms: rooms exist because they were created (the gateway's
	// live rooms, or REST create_room), not because someone joined: a join
	// or an admin command for an unknown room gets room_not_found, and
	// created rooms are never dropped for being idle.
	ManagedRooms bool `yaml:"managed_rooms"`

	// AdminToken, if set, authorises the admin REST API with
	// "Authorization: Bearer <token>" (besides an admin's UserSig).
	AdminToken string `yaml:"admin_token"`

	// WebhookURL receives Tencent IM-shaped callbacks (POST JSON; empty: no
	// webhooks). WebhookSecret, if set, signs each body: header
	// X-Livestudio-Signature: sha256=<hex HMAC-SHA256(secret, body)>.
	WebhookURL    string `yaml:"webhook_url"`
	WebhookSecret string `yaml:"webhook_secret"`
	// BeforeSendTimeout bounds Group.CallbackBeforeSendMsg; on a timeout or
	// error the message is delivered if BeforeSendFailOpen, else refused
	// (webhook_unavailable).
	BeforeSendTimeout  time.Duration `yaml:"before_send_timeout"`
	BeforeSendFailOpen bool          `yaml:"before_send_fail_open"`
	// WebhookQueueLen bounds the after-events waiting to be posted; when it
	// is full the oldest is dropped (counted).
	WebhookQueueLen int `yaml:"webhook_queue_len"`
	// WebhookRetryDelay is the first wait before an after-event is retried
	// (3 retries, the delay doubling each time).
	WebhookRetryDelay time.Duration `yaml:"webhook_retry_delay"`
	// WebhookDrainTimeout bounds how long shutdown spends posting the
	// after-events still queued (one attempt each); the rest are dropped
	// and counted (result "dropped_at_shutdown").
	WebhookDrainTimeout time.Duration `yaml:"webhook_drain_timeout"`

	// PersistQueueLen bounds the writes of mutes, bans, room mutes and
	// profiles waiting for the store (with a store: the gateway's
	// database); when it is full a write is dropped (counted).
	PersistQueueLen int `yaml:"persist_queue_len"`
	// PersistDrainTimeout bounds how long shutdown spends writing what is
	// still queued; the rest is dropped and counted.
	PersistDrainTimeout time.Duration `yaml:"persist_drain_timeout"`
}

// DefaultConfig returns the defaults: 40 msg/s per room, 12 KB messages,
// 10 requests/s (burst 20) per connection, 20 messages of history, likes
// every second, online count every 5 seconds, 256 queued frames per client.
func DefaultConfig() Config {
	return Config{
		RoomRate:          40,
		MaxMessageBytes:   12 * 1024,
		ConnSendRate:      10,
		ConnSendBurst:     20,
		History:           20,
		LikeInterval:      time.Second,
		TipBurst:          10,
		OnlineInterval:    5 * time.Second,
		RoomIdleTTL:       10 * time.Minute,
		MaxAttrs:          10,
		MaxAttrKeyBytes:   16,
		MaxAttrValueBytes: 512,
		QueueLen:          256,
		WriteTimeout:      10 * time.Second,
		PingInterval:      25 * time.Second,
		PongTimeout:       60 * time.Second,
		ReadLimit:         64 * 1024,
		FilterMode:        FilterMask,

		BeforeSendTimeout:   2 * time.Second,
		BeforeSendFailOpen:  true,
		WebhookQueueLen:     10000,
		WebhookRetryDelay:   time.Second,
		WebhookDrainTimeout: 5 * time.Second,

		PersistQueueLen:     10000,
		PersistDrainTimeout: 5 * time.Second,
	}
}

// Validate reports the first invalid field by its config name.
func (c Config) Validate() error {
	switch {
	case c.SDKAppID == 0:
		return fmt.Errorf("chat.sdk_app_id: must be set")
	case c.SecretKey == "":
		return fmt.Errorf("chat.secret_key: must be set")
	case c.RoomRate <= 0:
		return fmt.Errorf("chat.room_rate: must be positive")
	case c.MaxMessageBytes <= 0:
		return fmt.Errorf("chat.max_message_bytes: must be positive")
	case c.ConnSendRate <= 0:
		return fmt.Errorf("chat.conn_send_rate: must be positive")
	case c.ConnSendBurst < 1:
		return fmt.Errorf("chat.conn_send_burst: must be at least 1")
	case c.History < 0:
		return fmt.Errorf("chat.history: must not be negative")
	case c.LikeInterval < 10*time.Millisecond:
		return fmt.Errorf("chat.like_interval: must be at least 10ms")
	case c.TipBurst < 0:
		return fmt.Errorf("chat.tip_burst: must not be negative")
	case c.OnlineInterval < c.LikeInterval:
		return fmt.Errorf("chat.online_interval: must be at least like_interval (%s)", c.LikeInterval)
	case c.RoomIdleTTL < 0:
		return fmt.Errorf("chat.room_idle_ttl: must not be negative")
	case c.MaxAttrs < 0:
		return fmt.Errorf("chat.max_attrs: must not be negative")
	case c.MaxAttrKeyBytes < 1:
		return fmt.Errorf("chat.max_attr_key_bytes: must be at least 1")
	case c.MaxAttrValueBytes < 1:
		return fmt.Errorf("chat.max_attr_value_bytes: must be at least 1")
	case c.QueueLen < 2:
		return fmt.Errorf("chat.queue_len: must be at least 2")
	case c.FlushDelay < 0 || c.FlushDelay > time.Second:
		return fmt.Errorf("chat.flush_delay: must be between 0 and 1s")
	case c.WriteTimeout <= 0:
		return fmt.Errorf("chat.write_timeout: must be positive")
	case c.PingInterval <= 0:
		return fmt.Errorf("chat.ping_interval: must be positive")
	case c.PongTimeout <= c.PingInterval:
		return fmt.Errorf("chat.pong_timeout: must be longer than ping_interval (%s)", c.PingInterval)
	case c.ReadLimit < int64(c.MaxMessageBytes)+1024:
		return fmt.Errorf("chat.read_limit: must be at least max_message_bytes + 1024 (%d)", c.MaxMessageBytes+1024)
	case c.FilterMode != FilterMask && c.FilterMode != FilterReject:
		return fmt.Errorf("chat.filter_mode: must be %q or %q", FilterMask, FilterReject)
	case c.AdminToken != "" && len(c.AdminToken) < 16:
		return fmt.Errorf("chat.admin_token: must be at least 16 characters")
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("chat.webhook_url: must be an http:// or https:// URL")
		}
	}
	switch {
	case c.BeforeSendTimeout <= 0:
		return fmt.Errorf("chat.before_send_timeout: must be positive")
	case c.WebhookQueueLen < 1:
		return fmt.Errorf("chat.webhook_queue_len: must be at least 1")
	case c.WebhookDrainTimeout < 0:
		return fmt.Errorf("chat.webhook_drain_timeout: must not be negative")
	case c.WebhookRetryDelay <= 0:
		return fmt.Errorf("chat.webhook_retry_delay: must be positive")
	case c.PersistQueueLen < 1:
		return fmt.Errorf("chat.persist_queue_len: must be at least 1")
	case c.PersistDrainTimeout < 0:
		return fmt.Errorf("chat.persist_drain_timeout: must not be negative")
	}
	for i, a := range c.Admins {
		if err := checkUserID(a); err != nil {
			return fmt.Errorf("chat.admins[%d]: %w", i, err)
		}
	}
	return nil
}
