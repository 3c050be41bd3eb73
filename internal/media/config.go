// Package media is the gateway's temporary-media library, in the shape of
// WeChat's media/upload and media/get: images uploaded by an app get an
// unguessable media id, expire after a TTL unless a room or goods uses
// them, and the ones in use are served publicly under /media/{id} so that
// viewer pages can show them. The bytes live in a directory, the records
// in the store (store.MediaStore).
package media

import (
	"fmt"
	"time"
)

// Config is the gateway's `media:` block.
type Config struct {
	// Dir holds the files (default: {data_dir}/media).
	Dir string `yaml:"dir"`
	// MaxImageBytes bounds an image upload (WeChat: 2 MB for live-room
	// images); a thumb is bounded by 64 KB, as WeChat's.
	MaxImageBytes int64 `yaml:"max_image_bytes"`
	// TTL is how long an unused upload lives (WeChat: 3 days).
	TTL time.Duration `yaml:"ttl"`
	// SweepEvery is how often expired media are deleted.
	SweepEvery time.Duration `yaml:"sweep_every"`
}

// MaxThumbBytes is WeChat's limit for a thumb.
const MaxThumbBytes = 64 << 10

// DefaultConfig returns WeChat's limits: 2 MB images, 3 days, swept every
// 10 minutes.
func DefaultConfig() Config {
	return Config{MaxImageBytes: 2 << 20, TTL: 72 * time.Hour, SweepEvery: 10 * time.Minute}
}

// Validate reports the first invalid field by its config name.
func (c Config) Validate() error {
	switch {
	case c.MaxImageBytes < 1024 || c.MaxImageBytes > 64<<20:
		return fmt.Errorf("media.max_image_bytes: must be 1 KiB to 64 MiB")
	case c.TTL < time.Minute:
		return fmt.Errorf("media.ttl: must be at least 1m")
	case c.SweepEvery < time.Second || c.SweepEvery > c.TTL:
		return fmt.Errorf("media.sweep_every: must be between 1s and media.ttl")
	}
	return nil
}
